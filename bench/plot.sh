#!/bin/bash
# Plots one kernel's mmf_bench CSV (run.sh) with gnuplot: one panel per
# main workload, the median time against the size (both axes logarithmic),
# a solid line for mmf and a dashed one for native per file system.
#   plot.sh BENCH.csv OUT.png
set -euo pipefail

csv=${1:?CSV file}
png=${2:?PNG file}
main="seq-cold seq-warm rand-warm write-flush write-durable sparse-flush flush-256 commit share
fault-write-p50 mem-cache recdb"
if ! command -v gnuplot > /dev/null; then
	echo "bench: no gnuplot, no plot (make deps installs gnuplot-nox)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-plot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

kernel=$(awk -F, 'NR == 2 { print $1 }' "$csv")
# One data file per workload, file system and way: "MiB median" lines
# (zeros left out: the axes are logarithmic).
awk -F, -v dir="$tmp" 'NR > 1 && $7 > 0 && $10 > 0 {
	print $4, $7 > (dir "/" $3 "," $2 ",native")
	print $4, $10 > (dir "/" $3 "," $2 ",mmf")
	unit[$3] = $5
} END { for (w in unit) print unit[w] > (dir "/" w ".unit") }' "$csv"

panels=0
for w in $main; do [ -e "$tmp/$w.unit" ] && panels=$((panels + 1)); done
[ $panels -gt 0 ] || { echo "bench: nothing to plot in $csv" >&2; exit 1; }
cols=3 rows=$(((panels + 2) / 3))
{
	echo "set terminal pngcairo size $((cols * 520)),$((rows * 400)) font ',9'"
	echo "set output '$png'"
	echo "set multiplot layout $rows,$cols title 'mmf views (solid) against native mmap (dashed), Linux $kernel, median of the rounds'"
	echo "set logscale x 2"
	echo "set logscale y 10"
	echo "set format y '%g'"
	echo "set xlabel 'MiB'"
	echo "set key top left"
	echo "set grid"
	for w in $main; do
		[ -e "$tmp/$w.unit" ] || continue
		echo "set title '$w'"
		echo "set ylabel '$(cat "$tmp/$w.unit")'"
		sep="plot"
		color=1
		for fs in ext4 tmpfs swap tmpfs-untracked swap-untracked; do
			[ -e "$tmp/$w,$fs,mmf" ] || { color=$((color + 1)); continue; }
			echo "$sep '$tmp/$w,$fs,mmf' using 1:2 with linespoints lc $color dt 1 title '$fs mmf'\\"
			sep=","
			# Untracked sections: the same native line as tracked ones.
			case $fs in
			*-untracked) ;;
			*) echo "$sep '$tmp/$w,$fs,native' using 1:2 with linespoints lc $color dt 2 title '$fs native'\\" ;;
			esac
			color=$((color + 1))
		done
		echo
	done
	echo "unset multiplot"
} > "$tmp/plot.gp"
# (a single size gives gnuplot an empty range, which it widens and warns of)
gnuplot "$tmp/plot.gp" 2>&1 | { grep -v '^Warning: empty . range' || true; } >&2
[ "${PIPESTATUS[0]}" -eq 0 ]

#!/bin/bash
# make bench: runs mmf_bench in the test VM, one boot per target kernel
# (only K's when K=6.1, 6.12, 7.2 or a version is set), on ext4, tmpfs and
# a swap-backed section, the write workloads again on tmpfs and swap with
# untracked sections (MMF_CREATE_UNTRACKED: labelled tmpfs-untracked and
# swap-untracked), then recdb_bench (the record database at scale) on
# ext4.  Prints the tables as they come; leaves in $BUILD/bench/:
#   bench-<kernel>.txt   the tables of that kernel
#   bench.csv            one row per kernel, fs, workload and size: median,
#                        min and max of both ways, and mmf/native
#   bench-<kernel>.png   time against size for the main workloads (plot.sh)
#
#   run.sh [MMF_BENCH OPTIONS...]     e.g. run.sh -w write-flush,commit
# BENCH_SIZES (MiB, default 16,64,256,1024) and BENCH_ROUNDS (default 5)
# choose the sizes and rounds; the guest gets the memory and disk the
# largest size needs.  BENCH_RECDB_MIB (default 2048, 0 skips it) is the
# record database's size.  Exits non-zero when a run failed (an error, or
# a byte read or written wrong), never because of a time.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
sizes=${BENCH_SIZES:-16,64,256,1024}
rounds=${BENCH_ROUNDS:-5}
recdb=${BENCH_RECDB_MIB:-2048}
out=$build/bench
# What untracked sections change: writing and flushing.
untracked_work=write-flush,sparse-flush,flush-256,flush-256-hist,commit,share,fault-write
max=$(tr , '\n' <<< "$sizes" | sort -n | tail -n 1)
# A tmpfs file and a swap-backed section of the largest size at once, and
# room for the page cache and the kernel (recdb starts each run from a
# cold cache); the disk holds the largest file and recdb's.
mem=$((3 * max + 768))
disk=$((max + recdb + max / 8 + 256))
mkdir -p "$out"
csv=$out/bench.csv
rm -f "$csv"
ran=0 rc=0
while read -r series kver; do
	[ -z "${K:-}" ] || [ "$K" = "$series" ] || [ "$K" = "$kver" ] || continue
	ran=1
	rm -f "$out/bench-$kver.csv" "$out/bench-$kver.txt"
	echo "## Linux $kver (sizes $sizes MiB, $rounds rounds, guest $mem MiB)"
	b="mmf_bench -s $sizes -r $rounds -o /tmp/bench.csv $*"
	u="mmf_bench -s $sizes -r $rounds -o /tmp/bench.csv -U -w $untracked_work $*"
	recdb_cmd=:
	[ "$recdb" -eq 0 ] ||
		recdb_cmd="recdb_bench -m $recdb -r $rounds -o /tmp/bench.csv /mnt/ext4/recdb.dat"
	# The CSV leaves the guest on its output, each line marked mmf-csv.
	set +e
	MMF_BUILD=$build "$top/tools/vm/run-vm.sh" -k "$kver" -d "$disk" -m "$mem" -t 86400 \
		-a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko" \
		-a "$build/tools/mmfctl:/mmf/bin/mmfctl" \
		-a "$build/bench/mmf_bench:/mmf/bench/mmf_bench" \
		-a "$build/bench/recdb_bench:/mmf/bench/recdb_bench" -- \
		"export PATH=/mmf/bench:\$PATH
		 mmfctl load /mmf/mmf.ko || exit 1
		 rc=0
		 $b /mnt/ext4/bench || rc=1
		 $b /tmp/bench || rc=1
		 $b swap || rc=1
		 $u -L tmpfs-untracked /tmp/bench || rc=1
		 $u -L swap-untracked swap || rc=1
		 $recdb_cmd || rc=1
		 sed 's/^/mmf-csv: /' /tmp/bench.csv
		 mmfctl unload || rc=1
		 exit \$rc" |
		while IFS= read -r line; do	# line by line: the table as it comes
			case $line in
			"mmf-csv: "*) printf '%s\n' "${line#mmf-csv: }" >> "$out/bench-$kver.csv" ;;
			*) printf '%s\n' "$line" | tee -a "$out/bench-$kver.txt" ;;
			esac
		done
	status=${PIPESTATUS[0]}
	set -e
	if [ "$status" -ne 0 ]; then
		echo "bench: the run on $kver failed (status $status)" >&2
		rc=1
	fi
	if [ -s "$out/bench-$kver.csv" ]; then
		# One header for all kernels.
		skip=1
		[ -s "$csv" ] && skip=2
		tail -n +$skip "$out/bench-$kver.csv" >> "$csv"
		"$top/bench/plot.sh" "$out/bench-$kver.csv" "$out/bench-$kver.png" || rc=1
	fi
done < <("$top/tools/kernels.sh")
[ $ran -eq 1 ] || { echo "bench: no kernel '${K:-}' (tools/kernels.sh; make deps)" >&2; exit 2; }
echo "bench: tables, $csv and the plots in $out"
exit $rc

#!/bin/bash
# make stress: the long variants, on every target kernel: the whole selftest
# suite with MMF_STRESS=1 (the tests that have a long form run it: the
# fuzzer's 10^7 calls, the races, the load/unload cycles, ...), then the
# long form of each suite in tools/reliability/.  Prints KTAP like make
# check and one last line "N passed, N failed"; exits non-zero on any
# failure.  MMF_STRESS_TIMEOUT bounds each guest (seconds, default 5400);
# MMF_STRESS_JOBS=N runs N kernels at once (default 1).
#   stress.sh [SERIES...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
log=$(mktemp -d "${TMPDIR:-/tmp}/mmf-stress.XXXXXX")
trap 'rm -rf "$log"' EXIT
started=$(date +%s)
# shellcheck source=tools/ktap-tally.sh
. "$top/tools/ktap-tally.sh"

# one SERIES KVER: the long selftests and suites on one kernel; leaves the
# totals in $log/totals-SERIES.
one() {
	local t
	t=$(date +%s)
	echo "# long selftests on Linux $2"
	MMF_STRESS=1 "$top/tools/check-vm.sh" -k "$1" -t "${MMF_STRESS_TIMEOUT:-5400}" |
		tee "$log/vm-$1"
	tally "long selftests on $1" "$log/vm-$1"
	reliability long "$1" "$log"
	echo "# make stress on $1 took $(($(date +%s) - t)) s"
	echo "$pass $fail $skip" > "$log/totals-$1"
}

echo "KTAP version 1"
jobs=${MMF_STRESS_JOBS:-1}
ran=()
while read -r series kver; do
	[ $# -eq 0 ] || [[ " $* " == *" $series "* ]] || continue
	ran+=("$series")
	if [ "$jobs" -le 1 ]; then
		(one "$series" "$kver")
	else
		# Much of a long run is timed loops (races, flaky disks): kernels
		# side by side overlap them.  Each one's output is shown whole, after.
		while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n; done
		(one "$series" "$kver" > "$log/out-$series" 2>&1) &
	fi
done < <("$top/tools/kernels.sh")
wait
for series in "${ran[@]}"; do
	[ "$jobs" -le 1 ] || cat "$log/out-$series"
	read -r p f s < "$log/totals-$series" 2>/dev/null || { p=0 f=1 s=0; echo "# $series: no result"; }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "# make stress took $(($(date +%s) - started)) s"
summary

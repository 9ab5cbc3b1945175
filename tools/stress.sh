#!/bin/bash
# make stress: the long variants, on every target kernel: the whole selftest
# suite with MMF_STRESS=1 (the tests that have a long form run it: the
# fuzzer's 10^7 calls, the races, the load/unload cycles, ...), then the
# long form of each suite in tools/reliability/.  Prints KTAP like make
# check and one last line "N passed, N failed"; exits non-zero on any
# failure.  MMF_STRESS_TIMEOUT bounds each guest (seconds, default 5400).
#   stress.sh [SERIES...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
log=$(mktemp -d "${TMPDIR:-/tmp}/mmf-stress.XXXXXX")
trap 'rm -rf "$log"' EXIT
started=$(date +%s)
# shellcheck source=tools/ktap-tally.sh
. "$top/tools/ktap-tally.sh"

echo "KTAP version 1"
while read -r series kver; do
	[ $# -eq 0 ] || [[ " $* " == *" $series "* ]] || continue
	echo "# long selftests on Linux $kver"
	t=$(date +%s)
	MMF_STRESS=1 "$top/tools/check-vm.sh" -k "$series" -t "${MMF_STRESS_TIMEOUT:-5400}" |
		tee "$log/vm-$series"
	tally "long selftests on $series" "$log/vm-$series"
	reliability long "$series" "$log"
	echo "# make stress on $series took $(($(date +%s) - t)) s"
done < <("$top/tools/kernels.sh")
echo "# make stress took $(($(date +%s) - started)) s"
summary

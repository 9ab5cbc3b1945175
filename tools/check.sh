#!/bin/bash
# make check: static checks, host-side tests, the selftests in the test VM
# on every target kernel (tools/kernels.sh: 6.1, 6.12 and sid's newest, 7.2
# today) with the short form of each suite in tools/reliability/, and the
# tests of the test harness itself.  Prints
# KTAP as it goes, a summary per part, and last one line
# "N passed, N failed[, N skipped]"; exits non-zero on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
cd "$top" || exit 2
log=$(mktemp -d "${TMPDIR:-/tmp}/mmf-check.XXXXXX")
trap 'rm -rf "$log"' EXIT
started=$(date +%s)
# shellcheck source=tools/ktap-tally.sh
. "$top/tools/ktap-tally.sh"

# result FILE OK NAME: append one KTAP result line to FILE.
result() {
	local n=$(($(grep -c '^\(not \)\?ok ' "$1" 2>/dev/null) + 1))
	if [ "$2" = 0 ]; then echo "ok $n $3"; else echo "not ok $n $3"; fi | tee -a "$1"
}

echo "KTAP version 1"
echo "# static checks"
st=$log/static
: > "$st"
while read -r series kver; do
	warn=$(grep -E 'warning:|error:' "$build/kmod/$kver/build.log" 2>/dev/null)
	[ -n "$warn" ] && echo "$warn" | sed 's/^/# /'
	[ -s "$build/kmod/$kver/mmf.ko" ] && [ -z "$warn" ]
	result "$st" $? "module builds with W=1 and no warnings on $series ($kver)"
done < <("$top/tools/kernels.sh")
out=$(perl "$build/ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f kmod/*.[ch] include/uapi/linux/*.h 2>&1 | grep -E ': (ERROR|WARNING|CHECK):')
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
[ -z "$out" ]
result "$st" $? "checkpatch.pl --strict finds nothing in kmod/ and include/uapi/"
if [ -f lib/lib.mk ]; then
	make -s --no-print-directory BUILD="$log/libbuild" lib > "$log/lib.out" 2>&1
	rc=$?
	sed 's/^/# /' "$log/lib.out"
	result "$st" $rc "the library builds from scratch with -Wall -Wextra -Werror"
fi
tally "static checks" "$st"

if make -s --no-print-directory -q host-check 2>/dev/null; [ $? -ne 2 ]; then
	echo "# host-side tests"
	make -s --no-print-directory host-check 2>&1 | tee "$log/host"
	rc=${PIPESTATUS[0]}
	[ $rc -eq 0 ] || grep -q '^\s*not ok' "$log/host" || echo "not ok 1 host-check exited $rc" >> "$log/host"
	tally "host-side tests" "$log/host"
fi

while read -r series kver; do
	echo "# selftests on Linux $kver"
	vm=$log/vm-$series
	t=$(date +%s)
	"$top/tools/check-vm.sh" -k "$series" | tee "$vm"
	tally "selftests on $series" "$vm"
	reliability short "$series" "$log"
	echo "# selftests on $series took $(($(date +%s) - t)) s"
done < <("$top/tools/kernels.sh")

echo "# tests of the test harness"
"$top/tools/vm/selftest.sh" | tee "$log/harness"
tally "test harness" "$log/harness"

echo "# make check took $(($(date +%s) - started)) s"
summary

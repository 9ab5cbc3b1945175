#!/bin/bash
# make host-check: runs the host-side test programs given as arguments and
# then the install test, as one nested KTAP stream; exits non-zero on any
# failure.  BUILD and CC come from make.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
progs=("$@")
total=$((${#progs[@]} + 1))
failed=0 n=0

echo "KTAP version 1"
echo "1..$total"
for p in "${progs[@]}"; do
	n=$((n + 1))
	"$p" 2>&1 | sed 's/^/  /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		echo "ok $n $(basename "$p")"
	else
		echo "not ok $n $(basename "$p") # exit $rc"
		failed=1
	fi
done
n=$((n + 1))
"$here/install_test.sh" 2>&1 | sed 's/^/  /'
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ]; then
	echo "ok $n install_test"
else
	echo "not ok $n install_test # exit $rc"
	failed=1
fi
exit $failed

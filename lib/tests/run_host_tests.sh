#!/bin/bash
# make host-check: runs the host-side test programs given as arguments and
# then the shell tests (lib/tests/*_test.sh: install, symbols, newcomer
# errors), as one nested KTAP stream; exits non-zero on any failure.  BUILD
# and CC come from make.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
progs=("$@")
scripts=("$here"/*_test.sh)
total=$((${#progs[@]} + ${#scripts[@]}))
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
for t in "${scripts[@]}"; do
	n=$((n + 1))
	"$t" 2>&1 | sed 's/^/  /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		echo "ok $n $(basename "$t" .sh)"
	else
		echo "not ok $n $(basename "$t" .sh) # exit $rc"
		failed=1
	fi
done
exit $failed

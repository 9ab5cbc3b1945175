#!/bin/sh
# Runs inside the test VM: loads the mmf module with libkmod, runs the
# selftest programs (all in ./list, or those named), unloads the module, and
# reports everything as KTAP.  Each program's own KTAP is nested, indented.
#   run_tests.sh [-m MODULE.ko] [TEST...]
# A TEST given as PROG:NAME runs only the test NAME of program PROG (the
# harness's -t NAME).
cd "$(dirname "$0")" || exit 1
module=../mmf.ko
if [ "$1" = -m ]; then
	module=$2
	shift 2
fi
tests=${*:-$(cat list)}
set -- $tests
echo "KTAP version 1"
echo "1..$(($# + 2))"

n=1
if mmfctl load "$module" && [ -c /dev/mmf ]; then
	echo "ok $n load the module with libkmod; /dev/mmf appears"
else
	echo "not ok $n load the module with libkmod; /dev/mmf appears"
	echo "Bail out! the module did not load"
	exit 1
fi

failed=0
for t in "$@"; do
	n=$((n + 1))
	prog=${t%%:*} only=
	[ "$prog" = "$t" ] || only="-t ${t#*:}"
	# shellcheck disable=SC2086
	{ ./"$prog" $only 2>&1; echo $? > /tmp/.rc; } | sed 's/^/    /'
	rc=$(cat /tmp/.rc)
	case $rc in
	0) echo "ok $n $t" ;;
	4) echo "ok $n $t # SKIP" ;;
	*) echo "not ok $n $t (exit $rc)"; failed=1 ;;
	esac
done

n=$((n + 1))
if mmfctl unload && [ ! -e /dev/mmf ]; then
	echo "ok $n unload the module; /dev/mmf disappears"
else
	echo "not ok $n unload the module; /dev/mmf disappears"
	failed=1
fi
exit $failed

#!/bin/sh
# Runs inside the debug test VM (as /mmf/wrap/run.sh, make check-debug)
# around the selftest command (its arguments): forgets what kmemleak
# suspects from booting, runs the command, then has kmemleak scan and
# copies any suspected leak to the kernel console, where the host's check
# (run-vm.sh) fails the run on it.
km=/sys/kernel/debug/kmemleak
if [ ! -w $km ]; then
	echo "mmf-debug: no $km: not the debug kernel?" > /dev/ttyS0
	exit 1
fi
echo scan > $km
echo clear > $km

# The kselftest harness's 30 s per test is for stock kernels.
[ ! -e /mmf/wrap/slow-alarm.so ] || export LD_PRELOAD=/mmf/wrap/slow-alarm.so
export MMF_ALARM_SCALE=${MMF_ALARM_SCALE:-10}
"$@"
rc=$?

# An object is reported once it stayed unreferenced for 5 s; scan twice so
# that pointers still in flight at the first scan are not taken for leaks.
sleep 6
echo scan > $km
echo scan > $km
if [ -s $km ]; then
	echo "mmf-debug: kmemleak lists suspected leaks:" > /dev/ttyS0
	cat $km > /dev/ttyS0
	[ $rc -ne 0 ] || rc=1
fi
exit $rc

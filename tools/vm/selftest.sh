#!/bin/bash
# Tests of the test harness itself, as KTAP: the KTAP counter, exit status,
# time limit and boot watchdog of run-vm.sh, its kept disk images and
# expected crashes (-d MIB:FS@IMAGE, --expect-crash), and that a module
# which warns while loading makes the selftest run fail even though every
# test passes.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
kernel=6.12
kver=$("$top/tools/kernels.sh" $kernel)
n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}

echo "KTAP version 1"
echo "1..9"

printf '%s\n' 'ok 1 a' '    ok 1 x' '    not ok 2 y' '    ok 3 z # SKIP why' \
	'not ok 2 prog' '    ok 1 q' 'not ok 3 crashed' 'ok 4 c' > "$tmp/ktap"
[ "$(awk -f "$top/tools/ktap-count.awk" "$tmp/ktap")" = "4 2 1" ]
check $? "the KTAP counter counts leaves, skips and crashed programs"

"$top/tools/vm/run-vm.sh" -k $kernel -- 'echo guest says hi; exit 5' > "$tmp/out" 2> /dev/null
rc=$?
[ $rc -eq 5 ] && [ "$(cat "$tmp/out")" = "guest says hi" ]
check $? "run-vm hands back the guest command's output and exit status ($rc)"

"$top/tools/vm/run-vm.sh" -k $kernel -t 12 -- 'sleep 600' > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 4 ] && grep -q 'did not finish within 12s' "$tmp/err"
check $? "a guest that does not finish in time fails the run ($rc)"

# A kernel that never starts init (here: given 1 s) is booted once more,
# then the run fails.
MMF_BOOT_LIMIT=1 "$top/tools/vm/run-vm.sh" -k $kernel -- true > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 4 ] && [ "$(grep -c 'did not start init within 1s' "$tmp/err")" -eq 2 ] &&
	grep -q 'never started init' "$tmp/err"
check $? "a kernel that never starts init is booted once more, then fails the run ($rc)"

# A kept disk image outlives a guest that crashes (sysrq b, as the crash
# test does); an expected crash is a success, an expected crash that does
# not come is a failure.
"$top/tools/vm/run-vm.sh" -k $kernel -d 16:ext4@"$tmp/kept.img" --expect-crash -- \
	'echo kept > /mnt/ext4/f; sync; echo mmf-vm-crash; sleep 1; echo b > /proc/sysrq-trigger; sleep 60' \
	> "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]
check $? "run-vm --expect-crash: a guest that says so and crashes ends the run well ($rc)"

"$top/tools/vm/run-vm.sh" -k $kernel -d 16:ext4@"$tmp/kept.img" --expect-crash -- \
	'cat /mnt/ext4/f' > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 4 ] && [ "$(cat "$tmp/out")" = kept ] && grep -q 'was to crash but' "$tmp/err"
check $? "run-vm -d MIB:ext4@IMAGE boots on what the crashed guest synced; not crashing fails --expect-crash ($rc)"

# A warning on the console before the expected crash still fails the run.
"$top/tools/vm/run-vm.sh" -k $kernel --expect-crash -- \
	'echo "WARNING: injected by the harness test" > /dev/kmsg; echo mmf-vm-crash; sleep 1;
	 echo b > /proc/sysrq-trigger; sleep 60' > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q 'WARNING: injected' "$tmp/err"
check $? "run-vm --expect-crash: a warning on the console before the crash fails the run ($rc)"

# The real module with a WARN_ON(1) at the top of its init function.
broken=$tmp/broken
mkdir -p "$broken"
cp "$top"/kmod/Kbuild "$top"/kmod/*.[ch] "$broken"/
awk '/^static int __init mmf_init\(void\)$/ { init = 1 }
     { print }
     init && /^\{$/ { print "\tWARN_ON(1);"; init = 0; done = 1 }
     END { exit !done }' "$top/kmod/mmf_main.c" > "$broken/mmf_main.c"
rc=$?
[ $rc -eq 0 ] && make -C "/lib/modules/$kver/build" M="$broken" \
	MMF_INCLUDE="$top/include" modules > "$tmp/build.log" 2>&1
check $? "a copy of the module that warns while loading builds"

"$top/tools/check-vm.sh" -k $kernel -m "$broken/mmf.ko" device_test > "$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q '^# console: .*WARNING:' "$tmp/out" &&
	grep -q '^ok [0-9]* device_test' "$tmp/out" &&
	grep -q '^not ok [0-9]* .*console free of warnings' "$tmp/out"
check $? "that module fails the selftest run although its tests pass ($rc)"

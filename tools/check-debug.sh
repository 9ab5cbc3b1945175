#!/bin/bash
# make check-debug: the whole selftest suite on the debug kernel (KASAN,
# KFENCE, lockdep, DEBUG_VM, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, kmemleak; see
# tools/debug-kernel/debug.config).  Builds that kernel the first time
# (tools/debug-kernel.sh, cached under $BUILD/debug-kernel/), builds the
# module against it with W=1, runs the suite in the test VM and fails on any
# failed test and on any sanitizer, lockdep, DEBUG_VM or kmemleak report on
# the console (a kmemleak scan runs after the module is unloaded).  The
# harness's per-test time limits are stretched MMF_ALARM_SCALE times
# (default 10; tools/debug-kernel/slow-alarm.c).
# Prints KTAP like check-vm.sh.  MMF_DEBUG_TIMEOUT (seconds, default 3600)
# bounds the guest: a sanitized kernel under TCG is several times slower.
#   check-debug.sh [TEST...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
export BUILD=$build

dir=$("$top/tools/debug-kernel.sh") || exit 1
kver=$("$top/tools/kernels.sh" debug)
[ -n "$kver" ] || { echo "check-debug: no debug kernel in $dir" >&2; exit 1; }
echo "# debug kernel $kver ($dir), its build took $(cat "$dir/build-time")"

# The module against the debug tree, W=1, no warning allowed.
mod=$build/kmod/$kver
mkdir -p "$mod"
find "$mod" -maxdepth 1 -type l -delete
ln -s "$top"/kmod/Kbuild "$top"/kmod/*.[ch] "$mod"/
if ! nice -n 19 make -C "$dir/src" M="$mod" MMF_INCLUDE="$top/include" W=1 modules \
	> "$mod/build.log" 2>&1 || grep -qE 'warning:|error:' "$mod/build.log"; then
	sed 's/^/# /' "$mod/build.log"
	echo "not ok 1 the module builds against the debug kernel with W=1 and no warnings"
	exit 1
fi

# What the guest runs the suite under (tools/debug-kernel/guest.sh), with
# the shim that stretches the harness's per-test time limits.
wrap=$build/debug-kernel/guest
mkdir -p "$wrap"
cp "$top/tools/debug-kernel/guest.sh" "$wrap/run.sh"
cc -std=c11 -shared -fPIC -O2 -Wall -Wextra -Werror -o "$wrap/slow-alarm.so" \
	"$top/tools/debug-kernel/slow-alarm.c" || exit 1

t=$(date +%s)
nice -n 19 "$top/tools/check-vm.sh" -k debug -m "$mod/mmf.ko" -w "$wrap" \
	-t "${MMF_DEBUG_TIMEOUT:-3600}" "$@"
rc=$?
echo "# the suite on the debug kernel took $(($(date +%s) - t)) s"
exit $rc

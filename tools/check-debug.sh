#!/bin/bash
# make check-debug: the module on the debug kernel (KASAN, KFENCE, lockdep,
# DEBUG_VM, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, kmemleak, fault injection; see
# tools/debug-kernel/debug.config).  Builds that kernel the first time
# (tools/debug-kernel.sh, cached under $BUILD/debug-kernel/), builds the
# module against it with W=1, then runs in the test VM, each part in a boot
# of its own:
#   1. the whole selftest suite (but inject_test), short forms as in make
#      check; MMF_DEBUG_STRESS=1 runs the long forms (MMF_STRESS=1) instead;
#   2. inject_test: allocation failures injected into the module (failslab,
#      fail_page_alloc, filtered to its call stacks), its long form;
#   3. races_test's module load/unload cycles, long form (1000 cycles), with
#      the slab and kmemleak figures;
# then the fuzzer's coverage (tools/fuzz-coverage.sh).  Any failed test and
# any sanitizer, lockdep, DEBUG_VM or kmemleak report on the console fails
# the run (a kmemleak scan runs after the module is unloaded, in every
# part).  The harness's per-test time limits are stretched MMF_ALARM_SCALE
# times (default 10; tools/debug-kernel/slow-alarm.c).
# Prints KTAP like make check, a tally per part and last one line
# "N passed, N failed[, N skipped]".  MMF_DEBUG_TIMEOUT (seconds, default
# 3600) bounds each guest: a sanitized kernel under TCG is several times
# slower.
#   check-debug.sh [TEST...]    (TEST...: only those programs, one boot;
#                                PROG:NAME runs one test of a program)
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

log=$(mktemp -d "${TMPDIR:-/tmp}/mmf-check-debug.XXXXXX")
trap 'rm -rf "$log"' EXIT
# shellcheck source=tools/ktap-tally.sh
. "$top/tools/ktap-tally.sh"
started=$(date +%s)

# part NAME STRESS TEST...: one boot of the debug kernel running TEST...
# (all programs when none) with MMF_STRESS=STRESS, tallied.
part() {
	local name=$1 stress=$2 t
	shift 2
	echo "# $name"
	t=$(date +%s)
	MMF_STRESS=$stress nice -n 19 "$top/tools/check-vm.sh" -k debug -m "$mod/mmf.ko" \
		-w "$wrap" -t "${MMF_DEBUG_TIMEOUT:-3600}" "$@" | tee "$log/part"
	tally "$name" "$log/part"
	echo "# $name took $(($(date +%s) - t)) s"
}

echo "KTAP version 1"
if [ $# -gt 0 ]; then
	part "the named selftests on the debug kernel" "${MMF_STRESS:-0}" "$@"
else
	suite=$(grep -vx inject_test "$build/selftests/list")
	# shellcheck disable=SC2086
	part "part 1: the selftests on the debug kernel" "${MMF_DEBUG_STRESS:-0}" $suite
	part "part 2: allocation failures injected into the module" 1 inject_test
	part "part 3: module load/unload cycles" 1 \
		races_test:load_unload_cycles_leave_no_slab_or_kmemleak_growth
fi
rc=0
[ "$fail" -eq 0 ] || rc=1

# A full run also measures the module's line coverage the fuzzer reaches
# (tools/fuzz-coverage.sh, a VM of its own, KCOV): below MMF_COVER_MIN
# percent (default 85) fails.  MMF_FUZZ_COVERAGE=0 skips it.
if [ $# -eq 0 ] && [ "${MMF_FUZZ_COVERAGE:-1}" != 0 ]; then
	MMF_COVER_MIN=${MMF_COVER_MIN:-85} "$top/tools/fuzz-coverage.sh" \
		"${MMF_FUZZ_COVER_SECONDS:-240}" 2>&1 | sed 's/^\([^#]\)/# \1/'
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
fi
echo "# make check-debug took $(($(date +%s) - started)) s"
summary || rc=1
exit $rc

#!/bin/bash
# Boots the test VM on one kernel (ext4 and minix test disks, 256 MiB of
# zram swap) with the module, the selftests and the tools inside, and
# runs the selftests (all, or those named) as KTAP.
#   run-tests.sh -k 6.1|6.12|7.2|VERSION [-m MODULE.ko] [--mem MIB] [-t SECS] [-c CONSOLE]
#                [-s CPUS] [-w DIR] [TEST...]
#   (-w: a folder put into the guest at /mmf/wrap, whose run.sh runs the
#   selftest command given as its arguments; used by make check-debug)
#   run-tests.sh -k 6.12 --shell      # a shell with the same files
# MMF_STRESS=1 in the environment reaches the tests: their long variants
# (make stress).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kernel= module= wrap= vmopts=()
while [ $# -gt 0 ]; do
	case $1 in
	-k) kernel=$2; shift 2 ;;
	-m) module=$2; shift 2 ;;
	-w) wrap=$2; shift 2 ;;
	-c | -t | -s) vmopts+=("$1" "$2"); shift 2 ;;
	--mem) vmopts+=(-m "$2"); shift 2 ;;
	--shell) vmopts+=(--shell); shift ;;
	*) break ;;
	esac
done
kver=$(KDIR= "$top/tools/kernels.sh" "$kernel")
[ -n "$kver" ] || { echo "run-tests: no kernel '$kernel' (make deps)" >&2; exit 2; }
module=${module:-$build/kmod/$kver/mmf.ko}

adds=(-a "$module:/mmf/mmf.ko" -a "$build/selftests:/mmf/selftests")
for tool in "$build"/tools/*; do
	[ -f "$tool" ] && [ -x "$tool" ] && adds+=(-a "$tool:/mmf/bin/$(basename "$tool")")
done
[ -d "$build/lib" ] && adds+=(-a "$build/lib:/mmf/lib")
[ -d "$build/examples" ] && adds+=(-a "$build/examples:/mmf/examples")
# The benchmarks (not their results), for selftests/bench_test's smoke run.
for prog in mmf_bench recdb_bench; do
	[ ! -x "$build/bench/$prog" ] || adds+=(-a "$build/bench/$prog:/mmf/bench/$prog")
done
[ -z "$wrap" ] || adds+=(-a "$wrap:/mmf/wrap")
# dmsetup for the failing-disk tests (device-mapper error and flakey).
[ ! -x /usr/sbin/dmsetup ] || adds+=(-a /usr/sbin/dmsetup:/sbin/dmsetup)
# e2fsprogs' mke2fs (busybox's makes only ext2): diskfault_test makes ext4 on
# a device-mapper device of its own.
[ ! -x /usr/sbin/mke2fs ] || adds+=(-a /usr/sbin/mke2fs:/mmf/bin/mke2fs)

exec "$top/tools/vm/run-vm.sh" -k "$kver" -d 256 -d 8:minix --swap 256 "${adds[@]}" ${vmopts[@]+"${vmopts[@]}"} \
	-- "MMF_STRESS=${MMF_STRESS:-0} LD_LIBRARY_PATH=/mmf/lib ${wrap:+sh /mmf/wrap/run.sh }/mmf/selftests/run_tests.sh $*"

#!/bin/bash
# Memory pressure in a small guest (issue 9): a guest with 256 MiB of memory
# writes a pattern through a view of a file several times its memory
# (1 GiB on an ext4 disk of its own), without flushing, so that the kernel
# must write pages back by itself; then reads the early pages back through
# the view and writes them again, flushes once, unmaps, drops the caches
# and checks every byte with read(2); then the same with a plain mmap of
# the file, the reference.  No OOM kill (the guest's oom_kill count, and
# the console: an OOM report carries a call trace, which fails the run),
# no lost byte, and the counters true (dirty_pages no more than memory
# holds, a flush counting only pages it found dirty).  It is the
# a_file_view_larger_than_memory_loses_nothing test of
# selftests/pressure_test.c, whose make check form runs the same under a
# 16 MiB memory cgroup limit in the normal guest; here
# MMF_PRESSURE_LIMIT_MIB=0 makes the guest's own memory the limit.
#
# A guest this size under TCG writes a few MiB per second, so this is the
# long form only (make stress); the short form prints a comment and no
# result.  MMF_LOWMEM_MIB overrides the file size in MiB.
#   lowmem.sh short|long SERIES
# Prints KTAP; exits non-zero on failure.
set -uo pipefail

mode=${1:?short or long}
series=${2:?kernel series}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
mem=256
mib=${MMF_LOWMEM_MIB:-1024}

if [ "$mode" != long ]; then
	echo "# lowmem on $series: long form only (make stress)"
	exit 0
fi
kver=$(KDIR= "$top/tools/kernels.sh" "$series")
if [ -z "$kver" ]; then
	echo "1..1"
	echo "ok 1 lowmem on $series # SKIP no kernel '$series' (make deps)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-lowmem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
echo "# lowmem on $series: $mib MiB through a view in a $mem MiB guest"
# The disk holds the file and ext4's own blocks; the guest nothing else.
t=$(date +%s)
MMF_BUILD=$build "$top/tools/vm/run-vm.sh" -k "$kver" -m "$mem" -d $((mib + mib / 8 + 64)) \
	-t 5400 -a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko" \
	-a "$build/selftests/pressure_test:/mmf/selftests/pressure_test" \
	-a "$build/tools/mmfctl:/mmf/bin/mmfctl" -- \
	"mmfctl load /mmf/mmf.ko || exit 1
	 MMF_PRESSURE_LIMIT_MIB=0 MMF_PRESSURE_MIB=$mib /mmf/selftests/pressure_test \
		-t a_file_view_larger_than_memory_loses_nothing > /tmp/out 2>&1
	 rc=\$?
	 sed 's/^/    /' /tmp/out
	 mmfctl unload || rc=1
	 exit \$rc" 2> "$tmp/err" | tee "$tmp/out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	grep '^run-vm:' "$tmp/err" | sed 's/^/# /'
	tail -n 40 "$tmp/err" | sed 's/^/# /'
fi
echo "# lowmem on $series took $(($(date +%s) - t)) s"
if [ "$rc" -eq 0 ] && ! grep -q '^\s*not ok' "$tmp/out"; then
	echo "ok 1 lowmem on $series: $mib MiB through a view in a $mem MiB guest, every byte back"
else
	echo "not ok 1 lowmem on $series: $mib MiB through a view in a $mem MiB guest, every byte back"
fi
if [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ] || [ "$rc" -eq 4 ]; then
	echo "not ok 2 lowmem on $series: the guest finishes in time, its console free of warnings and OOM reports"
else
	echo "ok 2 lowmem on $series: the guest finishes in time, its console free of warnings and OOM reports"
fi
[ "$rc" -eq 0 ] && ! grep -q '^\s*not ok' "$tmp/out"

#!/bin/bash
# Sections on network and other file systems, in a test VM of their own:
# the guest's kernel NFS server exports the ext4 test disk over loopback
# (NFS v4.2), its kernel client mounts it, and nfs_test checks views,
# sharing, flushes and that a durable flush reaches the server's disk;
# fstypes_test does the same on tmpfs, ramfs, ext4, minix, vfat and ext2 and
# checks that overlayfs is refused (tools/reliability/guest/nfs.sh sets it
# all up).  The NFS userland comes from Debian's packages, unpacked into
# $BUILD/nfs by tools/nfs-userland.sh (make deps; fetched here when
# missing): without it the suite is skipped, saying why.
#   nfs.sh short|long SERIES
# Prints KTAP; exits non-zero on failure.
set -uo pipefail

mode=${1:?short or long}
series=${2:?kernel series}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
nfs=$build/nfs

kver=$(KDIR= "$top/tools/kernels.sh" "$series")
if [ -z "$kver" ]; then
	echo "1..1"
	echo "ok 1 nfs on $series # SKIP no kernel '$series' (make deps)"
	exit 0
fi
if ! "$top/tools/nfs-userland.sh" "$nfs" > /dev/null 2>&1; then
	echo "1..1"
	echo "ok 1 nfs on $series # SKIP no NFS userland in $nfs (tools/nfs-userland.sh)"
	exit 0
fi

adds=(-a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko"
	-a "$build/selftests/nfs_test:/mmf/selftests/nfs_test"
	-a "$build/selftests/fstypes_test:/mmf/selftests/fstypes_test"
	-a "$build/tools/mmfctl:/mmf/bin/mmfctl"
	-a "$nfs/sbin:/mmf/nfs"
	-a "$nfs/lib:/mmf/nfs/lib"
	-a "$top/tools/reliability/guest/nfs.sh:/mmf/nfs/guest.sh")
[ ! -d "$build/lib" ] || adds+=(-a "$build/lib:/mmf/lib")
timeout=300
[ "$mode" = long ] && timeout=1800

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-nfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
MMF_BUILD=$build "$top/tools/vm/run-vm.sh" -k "$kver" -d 64 -d 8:minix -t "$timeout" \
	"${adds[@]}" -- "sh /mmf/nfs/guest.sh $mode" 2> "$tmp/err" | tee "$tmp/out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	grep '^run-vm:' "$tmp/err" | sed 's/^/# /'
	tail -n 40 "$tmp/err" | sed 's/^/# /'
fi
# The host's view: the guest finished in time with a clean console.
if [ "$rc" -eq 3 ] || [ "$rc" -eq 4 ] || [ "$rc" -eq 2 ]; then
	echo "not ok 6 nfs on $series: the guest finishes in time, its console free of warnings"
else
	echo "ok 6 nfs on $series: the guest finishes in time, its console free of warnings"
fi
[ "$rc" -eq 0 ] && ! grep -q '^\s*not ok' "$tmp/out"

#!/bin/sh
# In the test VM (tools/reliability/nfs.sh puts it at /mmf/nfs/guest.sh): the kernel NFS server
# exports the ext4 test disk (/mnt/ext4) over loopback, NFS v4.2 only, and
# the kernel client mounts it at /mnt/nfs; a vfat and an ext2 file system
# on loop devices go to /mnt/vfat and /mnt/ext2.  Then the module is loaded
# and nfs_test and fstypes_test run (KTAP, nested as run_tests.sh does).
#   nfs-guest.sh short|long
# The userland is Debian's (tools/nfs-userland.sh) in /mmf/nfs: rpc.mountd
# answers nfsd's export upcalls from the table exportfs writes, nfsdcld
# tracks v4 clients, so that a server with none to reclaim skips its grace
# period (else every OPEN waits out at least 10 s of it).  No rpcbind:
# NFS v4 does not need it, and the server runs without v2/v3, hence
# without lockd.
export LD_LIBRARY_PATH=/mmf/nfs/lib:/mmf/lib
nfsbin=/mmf/nfs
t0=$(cut -d' ' -f1 /proc/uptime)

log=/tmp/nfs-setup.log
setup() {
	mmf-load-drivers nfs || return 1
	ip link set lo up || return 1
	mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/nfsdcld /run /mnt/nfs || return 1
	mount -t nfsd nfsd /proc/fs/nfsd || return 1
	mount -t rpc_pipefs rpc_pipefs /var/lib/nfs/rpc_pipefs || return 1
	# Before nfsd starts: it looks for the tracking daemon once.
	$nfsbin/nfsdcld || return 1
	echo "/mnt/ext4 127.0.0.1(rw,sync,no_root_squash,no_subtree_check,insecure,fsid=0)" \
		> /etc/exports
	$nfsbin/exportfs -r || return 1
	$nfsbin/rpc.mountd -N 2 -N 3 || return 1
	# The shortest lease the server accepts: a client gone stale costs less.
	echo 10 > /proc/fs/nfsd/nfsv4leasetime || return 1
	echo "-2 -3 +4 +4.1 +4.2" > /proc/fs/nfsd/versions || return 1
	echo "tcp 2049" > /proc/fs/nfsd/portlist || return 1
	echo 4 > /proc/fs/nfsd/threads || return 1
	mount -t nfs4 -o vers=4.2,addr=127.0.0.1,clientaddr=127.0.0.1 127.0.0.1:/ /mnt/nfs
}

# A file system made by busybox on a loop device over a file in /tmp.
loopfs() {
	fs=$1 mkfs=$2 img=/tmp/$1.img
	dd if=/dev/zero of="$img" bs=1M count=16 2>/dev/null || return 1
	dev=$(losetup -f) && losetup "$dev" "$img" || return 1
	$mkfs "$dev" > /dev/null || return 1
	mkdir -p /mnt/"$fs" && mount -t "$fs" "$dev" /mnt/"$fs"
}

echo "KTAP version 1"
echo "1..6"
if setup > $log 2>&1; then
	echo "ok 1 the NFS server exports /mnt/ext4 and the client mounts it at /mnt/nfs"
else
	sed 's/^/# /' $log
	echo "not ok 1 the NFS server exports /mnt/ext4 and the client mounts it at /mnt/nfs"
fi
t1=$(cut -d' ' -f1 /proc/uptime)
if { mmf-load-drivers fs && loopfs vfat mkdosfs && loopfs ext2 mke2fs; } > $log 2>&1; then
	echo "ok 2 vfat and ext2 on loop devices at /mnt/vfat and /mnt/ext2"
else
	sed 's/^/# /' $log
	echo "not ok 2 vfat and ext2 on loop devices at /mnt/vfat and /mnt/ext2"
fi
if mmfctl load /mmf/mmf.ko && [ -c /dev/mmf ]; then
	echo "ok 3 load the module"
else
	echo "not ok 3 load the module"
	echo "Bail out! the module did not load"
	exit 1
fi

[ "$1" = long ] && export MMF_STRESS=1
export MMF_NFS_DIR=/mnt/nfs MMF_NFS_EXPORT=/mnt/ext4
n=3 failed=0
# The ordinary selftest run tries the other file systems: here only those
# set up above, unless long.
fsargs="-v vfat -v ext2"
[ "$1" = long ] && fsargs=
for t in nfs_test fstypes_test; do
	n=$((n + 1))
	args=
	[ $t = fstypes_test ] && args=$fsargs
	# shellcheck disable=SC2086 # the options are meant to split
	{ /mmf/selftests/$t $args 2>&1; echo $? > /tmp/.rc; } | sed 's/^/    /'
	rc=$(cat /tmp/.rc)
	case $rc in
	0) echo "ok $n $t" ;;
	4) echo "ok $n $t # SKIP" ;;
	*) echo "not ok $n $t (exit $rc)"; failed=1 ;;
	esac
	echo "# guest uptime: $(cut -d' ' -f1 /proc/uptime) s after $t"
done
t2=$(cut -d' ' -f1 /proc/uptime)
echo "# guest uptime: $t0 s at the start, $t1 s after the NFS set-up, $t2 s after the tests"
# The client goes first, so that nothing is left for the server to wait for.
umount /mnt/nfs
exit $failed

#!/bin/sh
# Builds the part of the test VM's initramfs that depends only on the
# kernel: busybox, the init script, and the drivers for the ext4 test disk
# (decompressed, with the order to load them in).  Also extracts the
# uncompressed vmlinux once, so QEMU can boot it through its PVH entry.
# The kernel image and modules are where tools/kernels.sh says: /boot and
# /lib/modules for installed kernels, the sid cache for sid's.
#   mkbase.sh KERNEL-VERSION OUTDIR EXTRACT-VMLINUX
set -eu

kver=$1
out=$2
extract=$3
here=$(cd "$(dirname "$0")" && pwd)
image=$("$here/../kernels.sh" --image "$kver")
modroot=$("$here/../kernels.sh" --modroot "$kver")

mkdir -p "$out"
case $kver in
*-mmf-debug)
	# The debug kernel (tools/debug-kernel.sh) boots as the bzImage: the
	# PVH entry of that build does not start.  Its drivers are built in,
	# so the lists below come out empty.
	if [ ! -s "$out/vmlinux" ] || [ "$image" -nt "$out/vmlinux" ]; then
		cp "$image" "$out/vmlinux.tmp"
		mv "$out/vmlinux.tmp" "$out/vmlinux"
	fi
	;;
*)
	if [ ! -s "$out/vmlinux" ]; then
		"$extract" "$image" > "$out/vmlinux.tmp"
		mv "$out/vmlinux.tmp" "$out/vmlinux"
	fi
	;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" \
	"$stage/etc" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
	"$stage/root" "$stage/mmf"
cp /bin/busybox "$stage/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
cp "$here/init" "$stage/init"
cp "$here/load-drivers" "$stage/sbin/mmf-load-drivers"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"

# Drivers the init script loads on demand (test disks, zram swap), in
# dependency order, decompressed so busybox insmod can load them whatever
# compression the distribution used.
mkdir -p "$stage/etc/mmf-vm" "$stage/lib/modules/$kver"
drivers() {
	list=$stage/etc/mmf-vm/$1.modules
	shift
	: > "$list"
	modprobe -a -d "$modroot" -S "$kver" --show-depends "$@" |
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		dst=/lib/modules/$kver/$(basename "$path" | sed 's/\.ko\.[a-z]*$/.ko/')
		grep -qx "$dst" "$list" && continue
		if [ ! -e "$stage$dst" ]; then
			case $path in
			*.ko.xz) xz -dc "$path" > "$stage$dst" ;;
			*.ko.zst) zstd -qdc "$path" > "$stage$dst" ;;
			*.ko.gz) gzip -dc "$path" > "$stage$dst" ;;
			*) cp "$path" "$stage$dst" ;;
			esac
		fi
		echo "$dst" >> "$list"
	done
}
drivers disk virtio_pci virtio_blk ext4 minix overlay
drivers swap zram
# For the reliability tests: device-mapper's error, flakey and delay targets
# (failing disks), and the NFS server and client (NFS v4 over loopback).
drivers dm dm-mod dm-flakey dm-delay
drivers nfs nfsd nfsv4
# Other file systems the module is tried on (tools/reliability/nfs.sh):
# vfat on a loop device (busybox's mkdosfs makes it).
drivers fs loop vfat nls_cp437 nls_ascii nls_utf8

(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) > "$out/base.cpio.tmp"
mv "$out/base.cpio.tmp" "$out/base.cpio"

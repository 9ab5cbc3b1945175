#!/bin/sh
# Installs, with apt as root, what mmf needs to build and test: the
# toolchain, QEMU and busybox for the test VM, libkmod, what make deb
# needs (build-essential, debhelper, dh-dkms, dkms, lintian), gnuplot for
# make bench's plots, and a Debian kernel
# image plus headers for each Debian 12 target series (6.1 and the newest
# 6.12).  Then tools/sid.sh fetches Debian sid's newest kernel series (7.2
# today) through a private apt set-up: its kernel for the test VM, and a
# sid build root with its headers and compiler, cached in /var/cache/mmf-sid
# and reused; it resolves sid's newest kernel on every run as root.
# Idempotent: installs only what is missing.  "--check" installs nothing
# and exits 1 when something is missing.  MMF_SID=0 leaves sid out.
# Last, tools/nfs-userland.sh downloads the NFS server's programs for the
# test VM into $BUILD/nfs (Debian packages unpacked, nothing installed).
set -eu

here=$(dirname "$0")
sid=${MMF_SID:-1}

# Not fatal: tools/reliability/nfs.sh tries again, and skips without it.
nfs_userland() {
	"$here/nfs-userland.sh" "${BUILD:-$here/../build}/nfs" ||
		echo "deps: could not fetch the NFS userland (tools/nfs-userland.sh)" >&2
}

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

base="gcc libc6-dev make qemu-system-x86 busybox-static kmod libkmod-dev pkg-config
cpio e2fsprogs xz-utils zstd dmsetup linux-libc-dev linux-image-amd64
linux-headers-amd64 linux-source-6.12 perl debootstrap debian-archive-keyring
build-essential debhelper dh-dkms dkms lintian dpkg-dev gnuplot-nox"

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# A 6.12 kernel counts as present when any 6.12 image has its headers.
have_612() {
	for img in /boot/vmlinuz-6.12.*+deb12-amd64; do
		[ -e "$img" ] || continue
		[ -e /lib/modules/"${img#/boot/vmlinuz-}"/build/Makefile ] && return 0
	done
	return 1
}

missing=
for p in $base; do
	installed "$p" || missing="$missing $p"
done
need612=0
have_612 || need612=1
sidmissing=
[ "$sid" = 0 ] || sidmissing=$("$here/sid.sh" check 2>&1 | sed 's/^sid: missing://') || true

if [ -z "$missing" ] && [ $need612 -eq 0 ] && [ -z "$sidmissing" ]; then
	# As root, still look for a newer sid kernel (quick when there is none).
	[ $check_only -eq 1 ] || [ "$sid" = 0 ] || [ "$(id -u)" -ne 0 ] || "$here/sid.sh" deps
	[ $check_only -eq 1 ] || nfs_userland
	exit 0
fi
if [ $check_only -eq 1 ]; then
	echo "deps: missing:$missing$( [ $need612 -eq 1 ] && echo ' linux-6.12')$sidmissing" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing$sidmissing; run 'make deps' as root" >&2
	exit 1
fi
if [ -z "$missing" ] && [ $need612 -eq 0 ]; then
	"$here/sid.sh" deps
	nfs_userland
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ $need612 -eq 1 ]; then
	# The newest 6.12 point release the mirror offers, resolved now.
	ver=$(apt-cache pkgnames linux-image-6.12. |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' |
		sort -V | tail -n 1)
	if [ -z "$ver" ]; then
		echo "deps: the mirror offers no 6.12 kernel for Debian 12" >&2
		exit 1
	fi
	missing="$missing linux-image-$ver-unsigned linux-headers-$ver"
fi
# shellcheck disable=SC2086 # the list is meant to split
apt-get install -y -q --no-install-recommends $missing
[ "$sid" = 0 ] || "$here/sid.sh" deps
nfs_userland

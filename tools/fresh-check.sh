#!/bin/bash
# Proves the README's promise on a fresh Debian 12 userland: bootstraps a
# minimal bookworm chroot (debootstrap, minbase), adds only git and make,
# clones this repository into it and runs `make check` there, which has to
# install everything else itself, the sid kernel and build root included
# (in the chroot's own /var/cache/mmf-sid).  Needs root and Debian's mirror;
# takes several minutes.  Not part of make check.
#   fresh-check.sh [CHROOT-DIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/tmp/mmf-fresh}
mirror=${MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\?$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/bin/make" ]; then
	command -v debootstrap > /dev/null ||
		apt-get install -y -q --no-install-recommends debootstrap
	debootstrap --variant=minbase bookworm "$root" "$mirror"
	[ ! -f /etc/apt/sources.list.d/debian.sources ] ||
		cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
	chroot "$root" apt-get update -q
	chroot "$root" apt-get install -y -q --no-install-recommends git make ca-certificates
fi

rm -rf "$root/src/mmf"
git clone -q "$top" "$root/src/mmf"
start=$(date +%s)
# The chroot's /proc, /sys and /dev, and whatever make check mounts in it
# (tools/sid.sh), live in a private mount namespace and vanish with it.
unshare --mount --propagation private -- /bin/sh -ec '
	for fs in proc sys dev; do
		mount --rbind "/$fs" "$1/$fs"
	done
	chroot "$1" /bin/sh -c "cd /src/mmf && make check"' sh "$root"
echo "fresh-check: make check on a fresh bookworm took $(($(date +%s) - start)) s"

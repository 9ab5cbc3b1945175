#!/bin/bash
# Proves the README's promise on a fresh Debian 12 userland: bootstraps a
# minimal bookworm chroot (debootstrap, minbase), adds only git and make,
# clones this repository into it and runs `make check` there, which has to
# install everything else itself.  Needs root and Debian's mirror; takes
# several minutes.  Not part of make check.
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

for fs in proc sys dev; do
	mountpoint -q "$root/$fs" || mount --rbind "/$fs" "$root/$fs"
done
trap 'for fs in dev sys proc; do umount -R "$root/$fs" 2>/dev/null || true; done' EXIT

rm -rf "$root/src/mmf"
git clone -q "$top" "$root/src/mmf"
start=$(date +%s)
chroot "$root" /bin/sh -c 'cd /src/mmf && make check'
echo "fresh-check: make check on a fresh bookworm took $(($(date +%s) - start)) s"

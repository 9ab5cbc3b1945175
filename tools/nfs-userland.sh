#!/bin/sh
# The NFS server's userland for the test VM (tools/reliability/nfs.sh),
# taken from Debian's packages without installing anything on the host:
# apt-get download of nfs-kernel-server, nfs-common and the libraries their
# programs need that a minimal host may lack, dpkg -x into OUT/root, and the
# programs and libraries the guest uses gathered in OUT/sbin and OUT/lib.
# Idempotent (a stamp names the package list); "--check" fetches nothing
# and exits 1 when it is missing.
#   nfs-userland.sh OUT [--check]
set -eu

out=$1
pkgs="nfs-kernel-server nfs-common libtirpc3 libtirpc-common libwrap0 libnsl2
libevent-core-2.1-7 libsqlite3-0 libkrb5-3 libgssapi-krb5-2 libk5crypto3
libkrb5support0 libkeyutils1"
# rpc.mountd answers nfsd's export upcalls, exportfs fills its table,
# nfsdcld tracks NFS v4 clients so that a fresh server skips its grace period.
progs="usr/sbin/rpc.mountd usr/sbin/exportfs usr/sbin/nfsdcld"
stamp="$(echo $pkgs $progs)"

[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && exit 0
[ "${2:-}" = --check ] && exit 1

rm -rf "$out/debs" "$out/root" "$out/sbin" "$out/lib" "$out/stamp"
mkdir -p "$out/debs" "$out/root" "$out/sbin" "$out/lib"
# shellcheck disable=SC2086 # the list is meant to split
(cd "$out/debs" && apt-get download -q $pkgs) >&2
for deb in "$out"/debs/*.deb; do
	dpkg-deb -x "$deb" "$out/root"
done
for p in $progs; do
	cp "$out/root/$p" "$out/sbin/"
done
for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
	[ -d "$out/root/$d" ] || continue
	find "$out/root/$d" -maxdepth 1 -name '*.so*' -exec cp -a {} "$out/lib/" \;
done
echo "$stamp" > "$out/stamp"

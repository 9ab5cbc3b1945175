#!/bin/bash
# The newest kernel series, taken from Debian's development suite (sid):
# its kernel for the test VM, and a sid build root holding its headers and
# the compiler they were made with (Debian 12 has neither that compiler nor
# the glibc its kbuild tools need).  Everything lives in one cache outside
# the work tree, so every clone on the machine shares it:
#
#   $MMF_SID_CACHE (default /var/cache/mmf-sid)
#     apt/                 a private apt set-up: sid only, its own lists
#                          and caches; the machine's own apt sources are
#                          never used or changed (only its mirror's URL is
#                          read from them)
#     kernel/VERSION/      linux-image-VERSION unpacked (dpkg-deb -x) with
#                          its modules.dep (depmod -b); vmlinuz points at
#                          the kernel image
#     root/                debootstrap --variant=minbase sid, plus make and
#                          linux-headers-VERSION (which bring gcc-N);
#                          root/.mmf-sid names VERSION
#
#   sid.sh deps          resolve the newest sid kernel now, fetch what of it
#                        is missing (as root); prints what it did and how
#                        long the build root took
#   sid.sh check         exit 1, naming what is missing, unless the cached
#                        kernel and build root are complete
#   sid.sh list          "SERIES VERSION" of the complete cached kernel
#   sid.sh kbuild VERSION MODDIR MAKE-ARGS...
#                        make -C <headers> M=MODDIR MAKE-ARGS in the root,
#                        with this repository (read-only) and MODDIR seen
#                        at their own paths
#
# Mounts are made only inside private mount namespaces (unshare --mount), so
# they vanish with the command, however it ends; none is ever left behind.
# Inside a chroot (tools/fresh-check.sh) "/" is no mount point and cannot be
# made private: there the namespace inherits the caller's propagation
# (fresh-check.sh runs its chroot in a private namespace of its own) and
# every script also unmounts what it mounted when it ends.
set -euo pipefail

top=$(cd -P "$(dirname "$0")/.." && pwd -P)
cache=${MMF_SID_CACHE:-/var/cache/mmf-sid}
apt=$cache/apt
root=$cache/root
stamp=$root/.mmf-sid

die() { echo "sid: $*" >&2; exit 1; }

# The machine's Debian mirror (deb822 or one-line sources), else Debian's
# own; the same mirror the machine installs Debian 12 from serves sid.
mirror() {
	local m
	m=${MIRROR:-$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/\?$/\1/p' | head -n 1)}
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb \(\[[^]]*\] \)\?\(http[^ ]*\/debian\)\/\? .*/\2/p' | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# apt-get/apt-cache on the private sid set-up only.  sid's Release file
# has a Valid-Until date that machines with old snapshots have passed.
sid_apt() {
	local cmd=$1
	shift
	"$cmd" -o Dir::Etc::SourceList="$apt/etc/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
		-o Dir::State="$apt/state" -o Dir::State::Lists="$apt/lists" \
		-o Dir::State::Status=/dev/null \
		-o Dir::Cache="$apt/cache" -o Dir::Cache::Archives="$apt/archives" \
		-o Acquire::Check-Valid-Until=false -o APT::Architecture=amd64 \
		-o APT::Sandbox::User=root -q "$@"
}

# The newest VERSION for which sid has both linux-image-VERSION and
# linux-headers-VERSION (plain amd64 flavour).
newest() {
	local v
	for v in $(sid_apt apt-cache pkgnames linux-headers- |
		sed -n 's/^linux-headers-\([0-9][0-9.]*+deb[0-9]*-amd64\)$/\1/p' | sort -rV); do
		if sid_apt apt-cache show "linux-image-$v" > /dev/null 2>&1; then
			echo "$v"
			return
		fi
	done
}

series() { echo "$1" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/'; }

kernel_ok() { [ -f "$cache/kernel/$1/.complete" ] && [ -e "$cache/kernel/$1/vmlinuz" ]; }
root_ok() {
	[ -x "$root/usr/bin/make" ] && [ -f "$root/usr/src/linux-headers-$1/Makefile" ]
}
# The version the build root was made for (empty when there is none).
stamped() { cat "$stamp" 2>/dev/null || true; }

# Runs "sh -c SCRIPT ARGS" as root in a private mount namespace: whatever
# it mounts is gone when it ends.
private() {
	local script=$1 prop=private
	shift
	mountpoint -q / || prop=unchanged
	unshare --mount --propagation "$prop" -- /bin/sh -ec "$script" sh "$@"
}

# Refuses to delete a folder that still has something mounted below it.
remove() {
	if awk -v d="$1" 'index($2, d "/") == 1 || $2 == d { bad = 1 } END { exit !bad }' /proc/mounts; then
		die "$1 still has mounts below it; not removing it"
	fi
	rm -rf "$1"
}

# Unpacks linux-image-VERSION and what it depends on of the same version
# (on sid: linux-binary-, linux-modules-, linux-base-VERSION).
fetch_kernel() {
	local v=$1 dir=$cache/kernel/$1 dl pkgs p img
	dl=$cache/kernel/.dl-$v
	remove "$dir.tmp"
	remove "$dl"
	mkdir -p "$dir.tmp" "$dl"
	pkgs="linux-image-$v $(sid_apt apt-cache depends --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "linux-image-$v" |
		sed -n "s/^ *Depends: \(linux-[a-z]*-$(echo "$v" | sed 's/[.]/\\./g')\)$/\1/p" | sort -u | tr '\n' ' ')"
	echo "sid: fetching $pkgs"
	# shellcheck disable=SC2086 # a list of package names
	(cd "$dl" && sid_apt apt-get download $pkgs)
	for p in "$dl"/*.deb; do
		dpkg-deb -x "$p" "$dir.tmp"
	done
	[ -e "$dir.tmp/lib" ] || ln -s usr/lib "$dir.tmp/lib"
	for img in "lib/modules/$v/vmlinuz" "boot/vmlinuz-$v"; do
		[ -e "$dir.tmp/$img" ] && break
	done
	[ -e "$dir.tmp/$img" ] || die "linux-image-$v has no kernel image"
	ln -s "$img" "$dir.tmp/vmlinuz"
	depmod -b "$dir.tmp" "$v"
	touch "$dir.tmp/.complete"
	rm -rf "$dl"
	remove "$dir"
	mv "$dir.tmp" "$dir"
	echo "sid: kernel $v unpacked in $dir ($(du -sm "$dir" | cut -f1) MB)"
}

# Runs a command in the build root with /proc and /dev.
in_root() {
	private 'r=$1; shift
		trap "umount -R \"\$r/proc\" \"\$r/dev\" 2> /dev/null || true" EXIT
		trap "exit 130" INT TERM
		mount --rbind /dev "$r/dev"
		mount -t proc proc "$r/proc"
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' "$root" "$@"
}

# A sid root with make and linux-headers-VERSION: made by debootstrap when
# there is none, else brought up to date with apt inside it.
build_root() {
	local v=$1 start proxy
	start=$(date +%s)
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		command -v debootstrap > /dev/null || die "debootstrap is missing (make deps)"
		remove "$root.tmp"
		echo "sid: debootstrap --variant=minbase sid $root ($(mirror))"
		# debootstrap mounts /proc and /sys in the target; in a private
		# namespace those mounts cannot outlive it, even on failure.
		private 'debootstrap --variant=minbase sid "$1" "$2" > "$1.log" 2>&1 ||
			{ tail -n 20 "$1.log" >&2; exit 1; }' "$root.tmp" "$(mirror)"
		rm -f "$root.tmp.log"
		remove "$root"
		mv "$root.tmp" "$root"
		echo "sid: debootstrap took $(($(date +%s) - start)) s"
	fi
	# The root's own apt configuration (not the machine's).
	echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/90mmf-sid"
	proxy=$(apt-config dump Acquire::http::Proxy 2>/dev/null | sed -n 's/^Acquire::http::Proxy "\(.\+\)";$/\1/p')
	[ -z "$proxy" ] || echo "Acquire::http::Proxy \"$proxy\";" >> "$root/etc/apt/apt.conf.d/90mmf-sid"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2> /dev/null || true
	in_root apt-get -q update > /dev/null
	in_root apt-get -q -y install --no-install-recommends make "linux-headers-$v" > "$cache/root-apt.log" 2>&1 ||
		{ tail -n 20 "$cache/root-apt.log" >&2; die "installing linux-headers-$v in the build root failed"; }
	in_root apt-get -q clean
	echo "$v" > "$stamp"
	echo "sid: build root for $v ready in $(($(date +%s) - start)) s: $root," \
		"$(du -sm --one-file-system "$root" | cut -f1) MB, compiler" \
		"$(basename "$(ls "$root"/usr/bin/*-gcc-[0-9]* | head -n 1)")"
}

cmd_deps() {
	local v
	[ "$(id -u)" -eq 0 ] || die "fetching the sid kernel and build root needs root (make deps)"
	mkdir -p "$apt/etc" "$apt/lists/partial" "$apt/state" "$apt/cache" "$apt/archives/partial" "$cache/kernel"
	# One deps run at a time per cache.
	exec 9> "$cache/.lock"
	flock 9
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg check-valid-until=no] $(mirror) sid main" \
		> "$apt/etc/sources.list"
	sid_apt apt-get update > "$apt/update.log" 2>&1 || true
	v=$(newest)
	if [ -z "$v" ]; then
		grep -E '^(Err|W|E):' "$apt/update.log" >&2 || true
		echo "sid: the mirror $(mirror) offers no sid kernel for amd64" \
			"(linux-image-VERSION-amd64 with its linux-headers-VERSION-amd64)" >&2
		if (cmd_check) 2> /dev/null; then
			echo "sid: keeping the cached $(stamped)" >&2
			return 0
		fi
		exit 1
	fi
	echo "sid: newest kernel in sid: $v (series $(series "$v"))"
	if ! kernel_ok "$v"; then
		fetch_kernel "$v"
	fi
	if [ "$(stamped)" != "$v" ] || ! root_ok "$v"; then
		build_root "$v"
	else
		echo "sid: build root for $v present: $root ($(du -sm --one-file-system "$root" | cut -f1) MB)"
	fi
	# Older sid kernels are not targets any more.
	for d in "$cache"/kernel/*; do
		[ -d "$d" ] && [ "$d" != "$cache/kernel/$v" ] && remove "$d"
	done
	return 0
}

cmd_check() {
	local v missing=
	v=$(stamped)
	if [ -z "$v" ]; then
		missing="sid-build-root sid-kernel"
	else
		root_ok "$v" || missing="$missing sid-build-root($v)"
		kernel_ok "$v" || missing="$missing sid-kernel($v)"
	fi
	[ -z "$missing" ] || { echo "sid: missing:$missing" >&2; exit 1; }
}

cmd_list() {
	local v
	v=$(stamped)
	[ -n "$v" ] && kernel_ok "$v" && root_ok "$v" && echo "$(series "$v") $v"
	return 0
}

cmd_kbuild() {
	local v=$1 moddir
	moddir=$(cd -P "$2" && pwd -P)
	shift 2
	root_ok "$v" || die "no build root for $v (make deps)"
	[ "$(id -u)" -eq 0 ] || die "building for $v runs make in a chroot: needs root"
	mkdir -p "$root$top" "$root$moddir"
	private 'r=$1 top=$2 moddir=$3 v=$4; shift 4
		trap "umount -R \"\$r/proc\" \"\$r/dev\" \"\$r\$moddir\" \"\$r\$top\" 2> /dev/null || true" EXIT
		trap "exit 130" INT TERM
		mount --bind "$top" "$r$top"
		mount -o remount,bind,ro "$r$top"
		mount --bind "$moddir" "$r$moddir"
		mount --rbind /dev "$r/dev"
		mount -t proc proc "$r/proc"
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 \
			make -C "/usr/src/linux-headers-$v" M="$moddir" -j"$(nproc)" "$@"' \
		"$root" "$top" "$moddir" "$v" "$@"
}

case ${1:-} in
deps) cmd_deps ;;
check) cmd_check ;;
list) cmd_list ;;
kbuild) [ $# -ge 3 ] || die "usage: sid.sh kbuild VERSION MODDIR MAKE-ARGS..."
	shift; cmd_kbuild "$@" ;;
*) die "usage: sid.sh deps|check|list|kbuild VERSION MODDIR MAKE-ARGS..." ;;
esac

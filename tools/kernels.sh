#!/bin/sh
# Prints "SERIES VERSION" for each target kernel: the newest installed
# Debian 12 kernel of the 6.1 and 6.12 series that has both its image and
# its build headers, then Debian sid's newest series (7.2 today) when
# tools/sid.sh has its kernel and build root in the cache (MMF_SID=0 leaves
# it out).
# KDIR=<headers> limits the list to that one kernel: /lib/modules/<version>/build,
# or for sid's kernel the headers in its build root,
# /var/cache/mmf-sid/root/usr/src/linux-headers-<version>.
#   kernels.sh SERIES|VERSION   prints just that kernel's version, if present
#   kernels.sh --image VERSION  its kernel image (vmlinuz)
#   kernels.sh --modroot VERSION  the folder holding its lib/modules/VERSION
#   kernels.sh --kdir VERSION   its build headers, as seen from the host
#   kernels.sh --root VERSION   the build root its module is built in
#                               (empty: built on the host)
#   kernels.sh debug            the debug kernel tools/debug-kernel.sh built
#                               (never part of the list: make check-debug only)
set -eu

here=$(dirname "$0")
sid_cache=${MMF_SID_CACHE:-/var/cache/mmf-sid}
# The debug kernel's folder, when tools/debug-kernel.sh has built one.
debug_dir=${BUILD:-${MMF_BUILD:-$here/../build}}/debug-kernel/current

# Debian sid's kernel ("SERIES VERSION"), unless MMF_SID=0 leaves it out.
sid_list() {
	[ "${MMF_SID:-1}" = 0 ] || "$here/sid.sh" list
}

# The sid kernel, when its version is VERSION ("" otherwise).
sid_ver() {
	sid_list | awk -v v="$1" '$2 == v { print $2 }'
}

case ${1:-} in
debug)
	[ ! -e "$debug_dir/done" ] || cat "$debug_dir/version"
	exit 0
	;;
--image | --modroot | --kdir | --root)
	ver=${2:?"kernels.sh $1 VERSION"}
	if [ "$ver" != "${ver%-mmf-debug}" ]; then
		case $1 in
		--image) echo "$debug_dir/src/arch/x86/boot/bzImage" ;;
		--modroot) echo "$debug_dir/modroot" ;;
		--kdir) echo "$debug_dir/src" ;;
		--root) ;;
		esac
	elif [ -n "$(sid_ver "$ver")" ]; then
		case $1 in
		--image) echo "$sid_cache/kernel/$ver/vmlinuz" ;;
		--modroot) echo "$sid_cache/kernel/$ver" ;;
		--kdir) echo "$sid_cache/root/usr/src/linux-headers-$ver" ;;
		--root) echo "$sid_cache/root" ;;
		esac
	else
		case $1 in
		--image) echo "/boot/vmlinuz-$ver" ;;
		--modroot) echo / ;;
		--kdir) echo "/lib/modules/$ver/build" ;;
		--root) ;;
		esac
	fi
	exit 0
	;;
*-mmf-debug)
	[ "$("$0" debug)" != "$1" ] || echo "$1"
	exit 0
	;;
?*)
	"$0" | awk -v k="$1" '$1 == k || $2 == k { print $2 }'
	exit 0
	;;
esac

for series in 6.1 6.12; do
	best=
	for img in /boot/vmlinuz-"$series".*-amd64; do
		[ -e "$img" ] || continue
		ver=${img#/boot/vmlinuz-}
		case $ver in
		"$series".*-rt-amd64 | "$series".*-cloud-amd64) continue ;;
		esac
		[ -e /lib/modules/"$ver"/build/Makefile ] || continue
		if [ -n "${KDIR:-}" ]; then
			[ "$(readlink -f "$KDIR")" = "$(readlink -f /lib/modules/"$ver"/build)" ] || continue
		fi
		best=$(printf '%s\n%s\n' "$best" "$ver" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -z "$best" ] || echo "$series $best"
done

sid_list | while read -r series ver; do
	if [ -n "${KDIR:-}" ]; then
		[ "$(readlink -f "$KDIR")" = "$(readlink -f "$sid_cache/root/usr/src/linux-headers-$ver")" ] ||
			continue
	fi
	echo "$series $ver"
done

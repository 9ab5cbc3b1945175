#!/bin/sh
# Prints "SERIES VERSION" for each target kernel series (6.1, 6.12) whose
# newest installed Debian kernel has both its image and its build headers.
# KDIR=/lib/modules/<version>/build limits the list to that one kernel.
#   kernels.sh SERIES|VERSION   prints just that kernel's version, if present
set -eu

if [ $# -gt 0 ]; then
	"$0" | awk -v k="$1" '$1 == k || $2 == k { print $2 }'
	exit 0
fi

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

#!/bin/bash
# Hard crash (issue 9): what a durable flush wrote survives a crash of the
# machine, page by page, and the crash really loses what was not flushed.
#
#   crash.sh short|long SERIES      (make check: short; make stress: long)
#
# Each cycle boots the test VM on the same two disk images (ext4 with its
# journal in data=ordered mode, and minix, kept by run-vm -d MIB:FS@IMAGE)
# and runs tools/reliability/crash-guest.c in it: it writes files through
# views and flushes them with the durable flag (the ioctl, libmmf's
# mmf_flush, Win32's FlushViewOfFile + FlushFileBuffers), rewrites two
# control files through an mmf view and a plain mmap without flushing
# (periodic write-back held off), writes a swap-backed section, and crashes
# the guest with sysrq 'b' (no sync, no unmount; run-vm --expect-crash).
# The next boot verifies every flushed byte with read(2), page by page, and
# that the controls lost their rewrite (else the crash proved nothing and
# the run fails), then writes the next cycle and crashes again.  The last
# boot only verifies, unmounts, and the host runs e2fsck -fn on the ext4
# image.  Any kernel warning or oops on a console fails the boot as usual.
#
# short: one cycle (two boots), files of 40 KB to 300 KB.  long: four
# cycles, files of 256 KiB to 12 MiB (beyond read-ahead), random sizes.
# Prints KTAP result lines (nested: the guest's own); exits non-zero on
# failure.  MMF_CRASH_SEED=N repeats a run; BUILD is the build folder.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
mode=${1:-} series=${2:-}
case $mode in
short) cycles=1 minsz=40000 maxsz=300000 ext4mib=128 minixmib=32 limit=300 ;;
long) cycles=4 minsz=262144 maxsz=12582912 ext4mib=512 minixmib=192 limit=1200 ;;
*) echo "usage: crash.sh short|long SERIES" >&2; exit 2 ;;
esac
filesystems="ext4 minix"
kver=$(KDIR= "$top/tools/kernels.sh" "$series")
[ -n "$kver" ] || { echo "not ok 1 crash: no kernel '$series' (make deps)"; exit 1; }
seed=${MMF_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-crash.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $series: $2"; else echo "not ok $n $series: $2"; failed=1; fi
}

# The guest program: built here (it links the static libmmf), once.
guest=$build/reliability/crash-guest
src=$top/tools/reliability/crash-guest.c
if [ ! -x "$guest" ] || [ "$src" -nt "$guest" ] || [ "$build/lib/libmmf.a" -nt "$guest" ]; then
	mkdir -p "$build/reliability"
	cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$top/include" -I"$top/include/uapi" \
		-o "$tmp/crash-guest" "$src" "$build/lib/libmmf.a" -lpthread > "$tmp/cc.log" 2>&1
	rc=$?
	# Renamed into place: make stress may run another kernel's crash.sh now.
	[ $rc -ne 0 ] || mv -f "$tmp/crash-guest" "$guest"
	sed 's/^/# /' "$tmp/cc.log"
	if [ $rc -ne 0 ]; then
		ok 1 "the crash test's guest program builds"
		exit 1
	fi
fi

echo "# crash ($mode) on $kver: seed $seed, $cycles cycle(s), files of $minsz to $maxsz bytes on $filesystems"
disks=(-d "$ext4mib:ext4@$tmp/ext4.img" -d "$minixmib:minix@$tmp/minix.img")
adds=(-a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko" -a "$guest:/mmf/bin/crash-guest"
	-a "$build/tools/mmfctl:/mmf/bin/mmfctl")
args="$minsz $maxsz $filesystems"
guest_total=0

# The last kernel timestamp on a console: the guest's uptime when it ended.
uptime_of() {
	sed -n 's/^\[ *\([0-9]*\)\.[0-9]*\].*/\1/p' "$1" | tail -n 1
}

# nest PHASE FILE: the guest's lines of one phase, indented.
nest() {
	awk -v p="$1" '$0 == "crash-phase " p { on = 1; next }
		/^crash-phase/ { on = 0 } on && !/^crash-digest / { print "    " $0 }' "$2"
}

for ((boot = 1; boot <= cycles + 1; boot++)); do
	verify=$((boot - 1)) write=$boot
	[ $boot -le "$cycles" ] || write=0
	cmd="mmfctl load /mmf/mmf.ko || exit 1"
	if [ $verify -gt 0 ]; then
		cmd+="; echo crash-phase verify; crash-guest verify $seed $verify $args;"
		cmd+=" echo crash-phase-end verify \$?"
	fi
	if [ $write -gt 0 ]; then
		cmd+="; echo crash-phase write; exec crash-guest write $seed $write $args"
		crash=(--expect-crash)
	else
		cmd+="; echo crash-phase final; mmfctl unload; echo \"unload \$?\";"
		cmd+=" umount /mnt/ext4; echo \"umount ext4 \$?\"; umount /mnt/minix; echo \"umount minix \$?\""
		crash=()
	fi
	t=$(date +%s)
	MMF_BUILD=${MMF_BUILD:-$build} "$top/tools/vm/run-vm.sh" -k "$kver" "${disks[@]}" --swap 64 \
		"${adds[@]}" "${crash[@]}" -t "$limit" -c "$tmp/console$boot" -- "$cmd" \
		> "$tmp/out$boot" 2> "$tmp/err$boot"
	rc=$?
	wall=$(($(date +%s) - t))
	up=$(uptime_of "$tmp/console$boot")
	guest_total=$((guest_total + ${up:-0}))
	if [ $rc -ne 0 ]; then
		grep '^run-vm:' "$tmp/err$boot" | sed 's/^/# /'
		tail -n 40 "$tmp/err$boot" | sed 's/^/# /'
	fi
	if [ $verify -gt 0 ]; then
		nest verify "$tmp/out$boot"
		vrc=$(sed -n 's/^crash-phase-end verify \([0-9]*\)$/\1/p' "$tmp/out$boot")
		[ "${vrc:-1}" = 0 ] && ! nest verify "$tmp/out$boot" | grep -q '^ *not ok'
		ok $? "boot $boot: after the crash, every byte of cycle $verify's durable flushes is in its files and the unflushed control writes are gone"
		# The page checksums the writer saw in its views before the crash.
		grep "^crash-digest c$verify-" "$tmp/out$verify" | sort > "$tmp/digest-w"
		grep "^crash-digest c$verify-" "$tmp/out$boot" | sort > "$tmp/digest-v"
		[ -s "$tmp/digest-w" ] && diff "$tmp/digest-w" "$tmp/digest-v" > "$tmp/digest-diff"
		s=$?
		sed 's/^/# /' "$tmp/digest-diff" 2>/dev/null | head -n 20
		ok $s "cycle $verify: the checksum of every page of the $(wc -l < "$tmp/digest-w") flushed files equals the writer's"
	fi
	if [ $write -gt 0 ]; then
		nest write "$tmp/out$boot"
		[ $rc -eq 0 ] && grep -q '^crash-phase write$' "$tmp/out$boot" &&
			! nest write "$tmp/out$boot" | grep -q '^ *not ok'
		ok $? "boot $boot: cycle $write written through views and flushed durably, then the guest crashed (sysrq b) with a clean console (run-vm $rc; guest ${up:-?} s, wall $wall s)"
		# Information only: minix has no journal, so a crash may leave its
		# allocation bitmaps behind what the durable flush wrote.
		fsck.minix -f "$tmp/minix.img" > "$tmp/fsck" 2>&1
		echo "# fsck.minix -f after crash $write: exit $?, $(grep -c . "$tmp/fsck") lines"
		grep -v '^$' "$tmp/fsck" | head -n 5 | sed 's/^/#   /'
	else
		nest final "$tmp/out$boot"
		[ $rc -eq 0 ] && grep -qx 'unload 0' "$tmp/out$boot" &&
			grep -qx 'umount ext4 0' "$tmp/out$boot" && grep -qx 'umount minix 0' "$tmp/out$boot"
		ok $? "boot $boot: the module unloads and the disks unmount after the crash (run-vm $rc; guest ${up:-?} s, wall $wall s)"
		e2fsck -fn "$tmp/ext4.img" > "$tmp/e2fsck" 2>&1
		s=$?
		[ $s -eq 0 ] || sed 's/^/# /' "$tmp/e2fsck"
		ok $s "e2fsck -fn finds the ext4 image clean after $cycles crash(es) (exit $s)"
	fi
done
echo "# crash ($mode) on $series: guest time $guest_total s in $((cycles + 1)) boots"
exit $failed

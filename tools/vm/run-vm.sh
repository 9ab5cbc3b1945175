#!/bin/bash
# Boots a Debian kernel under QEMU with a busybox initramfs, runs a command
# inside it and hands back its output and exit status.  Fails the run when
# the kernel console shows a warning, a bug or an oops, or when the guest
# does not finish in time.
#
#   run-vm.sh -k 6.1|6.12|7.2|debug|VERSION [options] [--] COMMAND...
#   run-vm.sh -k 6.12 --shell                    # a shell on the console
#
# Options:
#   -k, --kernel K      kernel series or full version (required)
#   -a, --add SRC[:DST] put a file or folder into the guest (default DST:
#                       /mmf/<name>); ELF programs bring their libraries
#   -d, --disk MIB[:FS] attach a fresh disk of MIB MiB with file system FS
#                       (ext4, the default, or minix) at /mnt/FS; repeatable
#   -d MIB:FS@IMAGE     the same, kept in the file IMAGE: made and formatted
#                       only when IMAGE does not exist, else attached as it
#                       is, so that a later run boots on what this one left
#       --expect-crash  the command ends by crashing the guest (e.g. echo b
#                       > /proc/sysrq-trigger; QEMU runs with -no-reboot, so
#                       that ends it) after printing a line "mmf-vm-crash"
#                       and letting it drain (sleep 1, or tcdrain): such an
#                       end is success; powering off normally is not
#       --swap MIB      give the guest that much zram swap
#   -m, --mem MIB       guest memory (default 1024)
#   -s, --smp N         guest CPUs (default 2)
#   -t, --timeout SECS  fail when the guest is not done by then (default 600)
#   -c, --console FILE  keep the kernel console log there
#       --shell         interactive shell instead of a command
#
# Exit status: the command's, or 2 for bad usage or set-up, 3 when the
# console reports a kernel problem (also before an expected crash), 4 when
# the guest timed out or died (or, with --expect-crash, did not crash).
# Environment: MMF_VM_ACCEL=kvm|tcg skips the KVM probe; MMF_BUILD is the
# build folder (default <repo>/build); MMF_BOOT_LIMIT is how long a kernel
# may take to start init before the boot is retried once (default 180 s);
# MMF_VM_SLOTS=N lets at most N guests run at once on this machine (those
# started with the same N wait for a free slot before their time starts).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${MMF_BUILD:-$top/build}

kernel= disks= swap= mem=1024 smp=2 timeout=600 console= shell=0 crash=0
boot_limit=${MMF_BOOT_LIMIT:-180}
adds=()
die() { echo "run-vm: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) kernel=$2; shift 2 ;;
	-a | --add) adds+=("$2"); shift 2 ;;
	-d | --disk) disks+=" $2"; shift 2 ;;
	--swap) swap=$2; shift 2 ;;
	-m | --mem) mem=$2; shift 2 ;;
	-s | --smp) smp=$2; shift 2 ;;
	-t | --timeout) timeout=$2; shift 2 ;;
	-c | --console) console=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--expect-crash) crash=1; shift ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ -n "$kernel" ] || die "-k KERNEL is required"
[ $shell -eq 1 ] || [ $# -gt 0 ] || die "no command given"

# A series name picks the newest installed kernel of that series.
kver=$(KDIR= "$top/tools/kernels.sh" "$kernel")
[ -n "$kver" ] || die "kernel '$kernel' is not installed (make deps)"

vmdir=$build/vm/$kver
rebuilt=0
case $kver in
*-mmf-debug)	# a rebuilt debug kernel keeps its version
	[ "$("$top/tools/kernels.sh" --image "$kver")" -nt "$vmdir/base.cpio" ] && rebuilt=1 ;;
esac
if [ ! -s "$vmdir/base.cpio" ] || [ "$here/init" -nt "$vmdir/base.cpio" ] ||
   [ "$here/mkbase.sh" -nt "$vmdir/base.cpio" ] ||
   [ "$here/load-drivers" -nt "$vmdir/base.cpio" ] || [ $rebuilt -eq 1 ]; then
	[ -x "$build/ksrc/scripts/extract-vmlinux" ] ||
		"$top/tools/ksrc.sh" "$build/ksrc" >&2
	"$here/mkbase.sh" "$kver" "$vmdir" "$build/ksrc/scripts/extract-vmlinux" >&2
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/mmf-vm.XXXXXX")
qpid=
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The run's own files: what --add names, with the shared libraries of every
# ELF program among them, and the command.
stage=$run/stage
mkdir -p "$stage/mmf"
add_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' |
	while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}
for spec in ${adds[@]+"${adds[@]}"}; do
	src=${spec%%:*}
	dst=/mmf/$(basename "$src")
	[ "$spec" = "$src" ] || dst=${spec#*:}
	[ -e "$src" ] || die "--add: no such file $src"
	mkdir -p "$stage$(dirname "$dst")"
	cp -rL "$src" "$stage$dst"
	while IFS= read -r -d '' f; do
		if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			add_libs "$f"
		fi
	done < <(find "$stage$dst" -type f -perm -u+x -print0)
done
printf '%s\n' "$*" > "$stage/mmf/cmd"
(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) > "$run/extra.cpio"
cat "$vmdir/base.cpio" "$run/extra.cpio" > "$run/initrd"

qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none
	-m "$mem" -smp "$smp" -kernel "$vmdir/vmlinux" -initrd "$run/initrd")
fslist= n=0
for spec in $disks; do
	img=$run/disk$n.img
	case $spec in
	*@*) img=${spec#*@}; spec=${spec%%@*} ;;
	esac
	size=${spec%%:*} fs=ext4
	[ "$spec" = "$size" ] || fs=${spec#*:}
	case $fs in
	ext4 | minix) ;;
	*) die "--disk: unknown file system $fs" ;;
	esac
	# A kept image that exists is attached as it is (a crash may have left
	# it needing journal recovery: the guest's mount does that).
	if [ ! -e "$img" ]; then
		case $fs in
		ext4) mkfs.ext4 -q -F "$img" "${size}M" > /dev/null ;;
		minix) truncate -s "${size}M" "$img"
		       mkfs.minix -3 "$img" > /dev/null ;;
		esac || die "--disk: cannot make $img"
	fi
	# cache=unsafe: the guest's flushes do not reach the host's disk, but
	# everything the guest wrote is in the image file once QEMU has
	# ended, however the guest ended.  A guest crash loses only what the
	# guest kernel had not yet written to its disk.
	qemu+=(-drive "file=$img,if=virtio,format=raw,cache=unsafe")
	fslist=${fslist:+$fslist,}$fs
	n=$((n + 1))
done
# Soft-lockup and RCU-stall detectors measure wall time, which a TCG guest
# on a busy host does not get: they would report load, not bugs.  Forced
# writes through /proc/PID/mem are allowed on every kernel, as Debian 12's
# build does (sid's 7.2 allows them only to a ptracer), so the tests meet
# the same, worst-case, kernel everywhere.
cmdline="console=ttyS0 quiet panic=-1 nosoftlockup rcupdate.rcu_cpu_stall_suppress=1 proc_mem.force_override=always mmf.disks=$fslist mmf.swap=$swap mmf.shell=$shell"

# KVM when it really boots a guest here, else TCG; probed once and cached.
accel=${MMF_VM_ACCEL:-}
if [ -z "$accel" ]; then
	if [ -s "$build/vm/accel" ]; then
		accel=$(cat "$build/vm/accel")
	else
		accel=tcg
		if [ -w /dev/kvm ] && (timeout 20 "${qemu[@]}" -accel kvm -cpu host \
			-append "$cmdline" -serial null -serial file:"$run/probe" \
			>/dev/null 2>&1; exit $?) 2>/dev/null && grep -q '^mmf-vm-exit: 0' "$run/probe"; then
			accel=kvm
		fi
		echo "$accel" > "$build/vm/accel"
	fi
fi
if [ "$accel" = kvm ]; then
	qemu+=(-accel kvm -cpu host)
else
	qemu+=(-accel tcg -cpu max)
fi

if [ $shell -eq 1 ]; then
	exec "${qemu[@]}" -append "$cmdline" -serial mon:stdio
fi

# Kills the guest when its kernel has not started init after $boot_limit s.
# Under multi-threaded TCG on a loaded host, sid's 7.2 kernel has been seen
# to stall silently, or to die of a stray int3 from its own boot-time code
# patching ("Oops: int3" in an initcall), before init, once in a dozen or
# so boots.  The module is not loaded before init, so such a boot is
# retried once, and says so; the second one counts.
boot_watch() {
	local i
	for ((i = 0; i < boot_limit; i++)); do
		grep -q '^mmf-vm: init started' "$run/console" 2>/dev/null && return 0
		kill -0 "$qpid" 2>/dev/null || return 0
		sleep 1
	done
	: > "$run/stalled"
	kill "$qpid" 2>/dev/null || true
}

# At most MMF_VM_SLOTS guests at once: each holds a lock on one slot file.
if [ -n "${MMF_VM_SLOTS:-}" ]; then
	slots=${TMPDIR:-/tmp}/mmf-vm-slots
	mkdir -p "$slots"
	got=
	while [ -z "$got" ]; do
		for ((i = 0; i < MMF_VM_SLOTS; i++)); do
			exec {slotfd}> "$slots/$i"
			if flock -n "$slotfd"; then got=$i; break; fi
			exec {slotfd}>&-
		done
		[ -n "$got" ] || sleep 2
	done
fi

for attempt in 1 2; do
	: > "$run/out"
	: > "$run/console"
	rm -f "$run/stalled"
	timeout -k 5 "$timeout" "${qemu[@]}" -append "$cmdline" \
		-serial file:"$run/console" -serial file:"$run/out" </dev/null &
	qpid=$!
	boot_watch &
	wpid=$!
	# Stream the command's output as it comes, without the exit marker.
	tail -n +1 -f --pid="$qpid" "$run/out" | grep --line-buffered -v '^mmf-vm-exit: \|^mmf-vm-crash$' || true
	qstatus=0
	wait "$qpid" || qstatus=$?
	qpid=
	wait "$wpid" || true
	if [ -e "$run/stalled" ]; then
		echo "run-vm: the kernel did not start init within ${boot_limit}s (attempt $attempt)" >&2
	elif ! grep -q '^mmf-vm: init started' "$run/console"; then
		echo "run-vm: the kernel died before init (attempt $attempt):" >&2
		{ grep -E 'Oops|panic|BUG:' "$run/console" || true; } | head -n 3 |
			sed 's/^/run-vm:   /' >&2
	else
		break
	fi
done

[ -z "$console" ] || cp "$run/console" "$console"
status=$(sed -n 's/^mmf-vm-exit: \([0-9]*\).*/\1/p' "$run/out" | tail -n 1)
# (kmemleak's listing, which make check-debug prints there, included)
bad='BUG:|WARNING:|Oops|Kernel panic|general protection fault|KASAN|blocked for more than|RIP:|Call Trace|unreferenced object'
if grep -Eq "$bad" "$run/console"; then
	echo "run-vm: the kernel console reports a problem:" >&2
	grep -E "$bad" "$run/console" | head -n 5 | sed 's/^/run-vm:   /' >&2
	sed 's/^/console: /' "$run/console" >&2
	exit 3
fi
# An expected crash: the guest said so, then QEMU ended by itself (no
# time-out) without the command's exit line, and the console is clean.
if [ $crash -eq 1 ]; then
	if [ -z "$status" ] && [ "$qstatus" -eq 0 ] && grep -qx 'mmf-vm-crash' "$run/out"; then
		exit 0
	fi
	if [ -n "$status" ]; then
		echo "run-vm: the guest was to crash but its command ended (status $status)" >&2
		sed 's/^/console: /' "$run/console" >&2
		[ "$status" -ne 0 ] && exit "$status"
		exit 4
	fi
	[ -e "$run/stalled" ] || [ "$qstatus" -eq 124 ] || [ "$qstatus" -eq 137 ] ||
		grep -qx 'mmf-vm-crash' "$run/out" ||
		echo "run-vm: the guest died without saying mmf-vm-crash first (qemu status $qstatus)" >&2
fi
if [ -z "$status" ]; then
	if [ -e "$run/stalled" ]; then
		echo "run-vm: the guest never started init" >&2
	elif [ "$qstatus" -eq 124 ] || [ "$qstatus" -eq 137 ]; then
		echo "run-vm: the guest did not finish within ${timeout}s" >&2
	else
		echo "run-vm: the guest died (qemu status $qstatus)" >&2
	fi
	sed 's/^/console: /' "$run/console" >&2
	exit 4
fi
[ "$status" -eq 0 ] || sed 's/^/console: /' "$run/console" >&2
exit "$status"

#!/bin/bash
# Runs mmf_bench in the test VM on each target kernel (only K's when K=6.1,
# 6.12, 7.2 or a version is set), on ext4 and tmpfs.
#   run.sh [-s MIB] [-r ROUNDS]    (passed to mmf_bench)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
ran=0
while read -r series kver; do
	[ -z "${K:-}" ] || [ "$K" = "$series" ] || [ "$K" = "$kver" ] || continue
	ran=1
	echo "## Linux $kver"
	"$top/tools/vm/run-vm.sh" -k "$kver" -d 512 -m 2048 \
		-a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko" \
		-a "$build/tools/mmfctl:/mmf/bin/mmfctl" \
		-a "$build/bench/mmf_bench:/mmf/bin/mmf_bench" -- \
		"mmfctl load /mmf/mmf.ko && mmf_bench $* /mnt/ext4/bench && mmf_bench $* /tmp/bench && mmfctl unload"
done < <("$top/tools/kernels.sh")
[ $ran -eq 1 ] || { echo "bench: no kernel '${K:-}' (tools/kernels.sh; make deps)" >&2; exit 2; }

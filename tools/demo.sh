#!/bin/bash
# make demo: boots the test VM (6.12 unless K=6.1 or K=7.2, any series
# tools/kernels.sh lists, or a full version), loads the module and
# runs the examples: the record database of the source document, and a
# program written only against <mmf/win32.h>.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kernel=${K:-6.12}
kver=$("$top/tools/kernels.sh" "$kernel")
[ -n "$kver" ] || { echo "demo: no $kernel kernel installed (make deps)" >&2; exit 2; }

adds=(-a "$build/kmod/$kver/mmf.ko:/mmf/mmf.ko" -a "$build/tools/mmfctl:/mmf/bin/mmfctl")
[ -d "$build/lib" ] && adds+=(-a "$build/lib:/mmf/lib")
demo='mmfctl version'
if [ -x "$build/examples/recdb" ]; then
	adds+=(-a "$build/examples/recdb:/mmf/bin/recdb")
	demo='mmfctl version && recdb demo /mnt/ext4/records.db'
fi
if [ -x "$build/examples/win32demo" ]; then
	adds+=(-a "$build/examples/win32demo:/mmf/bin/win32demo")
	demo="$demo && win32demo /mnt/ext4/win32demo.dat"
fi
exec "$top/tools/vm/run-vm.sh" -k "$kver" -d 256 "${adds[@]}" -- \
	"export LD_LIBRARY_PATH=/mmf/lib; echo \"mmf demo on Linux \$(uname -r)\"; mmfctl load /mmf/mmf.ko && $demo"

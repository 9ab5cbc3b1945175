#!/bin/bash
# Builds mmf's debug test-VM kernel once per machine: Debian's
# linux-source-6.12, "make tinyconfig" plus tools/debug-kernel/debug.config
# (KASAN, KFENCE, lockdep, DEBUG_VM, kmemleak, fault injection, KCOV).  The
# tree is extracted and built under $BUILD/debug-kernel/<hash>/, keyed by
# the fragment and the source tarball, so a changed fragment builds anew and
# an unchanged one never again.  Prints that folder; its "src" is the tree
# to build modules against (make -C .../src M=...), its "modroot" holds
# lib/modules/<version> (every driver is built in), "build-time" says how
# long the build took.  $BUILD/debug-kernel/current points at the latest.
#   debug-kernel.sh            build when needed, print the folder
#   debug-kernel.sh --cached   print the folder only if already built
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
fragment=$top/tools/debug-kernel/debug.config
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "debug-kernel: no /usr/src/linux-source-6.12.tar.*; run 'make deps'" >&2; exit 1; }

hash=$( { cat "$fragment"; basename "$tarball"; stat -c %s "$tarball"; } | sha256sum | cut -c 1-16)
cache=$build/debug-kernel
dir=$cache/$hash
if [ "${1:-}" = --cached ]; then
	[ -e "$dir/done" ] && echo "$dir"
	exit 0
fi
mkdir -p "$cache"
# One build at a time per cache; a second caller waits and reuses it.
exec 9> "$cache/lock"
flock 9
if [ -e "$dir/done" ]; then
	ln -sfn "$hash" "$cache/current"
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir/src"
start=$(date +%s)
echo "debug-kernel: extracting $(basename "$tarball") into $dir/src" >&2
nice -n 19 tar -xf "$tarball" -C "$dir/src" --strip-components=1
src=$dir/src

echo "debug-kernel: tinyconfig + $(basename "$fragment")" >&2
make -C "$src" -s tinyconfig > "$dir/config.log" 2>&1
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") >> "$dir/config.log" 2>&1
make -C "$src" -s olddefconfig >> "$dir/config.log" 2>&1
# Every option the fragment asks for must have survived the dependency
# resolution: a silently dropped sanitizer would make the run worthless.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF "$want" "$src/.config"; then
		echo "debug-kernel: the config lost: $want" >&2
		missing=1
	fi
done < "$fragment"
[ $missing -eq 0 ] || exit 1

echo "debug-kernel: building (nice -n 19 make -j2), log in $dir/build.log" >&2
if ! nice -n 19 make -C "$src" -j2 all > "$dir/build.log" 2>&1; then
	tail -n 40 "$dir/build.log" >&2
	exit 1
fi
mkdir -p "$dir/modroot"
make -C "$src" -s INSTALL_MOD_PATH="$dir/modroot" modules_install >> "$dir/build.log" 2>&1
make -C "$src" -s kernelrelease > "$dir/version"
end=$(date +%s)
echo "$((end - start)) seconds on $(nproc) CPUs ($(date -u +%F))" > "$dir/build-time"
echo "debug-kernel: built $(cat "$dir/version") in $((end - start)) s" >&2
touch "$dir/done"
ln -sfn "$hash" "$cache/current"
# Trees built from an older fragment (about 2 GB each) are not used again.
for old in "$cache"/*/; do
	old=${old%/}
	[ "$old" = "$dir" ] || [ -L "$old" ] || [ ! -d "$old/src" ] || rm -rf "$old"
done
echo "$dir"

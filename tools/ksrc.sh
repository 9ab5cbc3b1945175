#!/bin/sh
# Extracts the few files mmf uses from Debian's linux-source-6.12 tarball
# into $1 (the kselftest headers, checkpatch.pl and its data files,
# extract-vmlinux).  They are build inputs, never part of the repository.
set -eu

out=$1
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
if [ -z "$tarball" ]; then
	echo "ksrc: /usr/src/linux-source-6.12.tar.* not found; run 'make deps'" >&2
	exit 1
fi
top=$(basename "${tarball%.tar.*}")
mkdir -p "$out"
tar -xf "$tarball" -C "$out" --strip-components=1 \
	"$top/tools/testing/selftests/kselftest.h" \
	"$top/tools/testing/selftests/kselftest_harness.h" \
	"$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" \
	"$top/scripts/const_structs.checkpatch" \
	"$top/scripts/extract-vmlinux"
touch "$out/.stamp"

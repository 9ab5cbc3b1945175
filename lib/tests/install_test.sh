#!/bin/bash
# make install into a temporary DESTDIR, then check what was installed and
# build and run a small Win32 + native program against the installed copy
# through pkg-config only.  KTAP on stdout.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
cc=${CC:-cc}
dest=$(mktemp -d "${TMPDIR:-/tmp}/mmf-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
prefix=/opt/mmf-test
n=0 failed=0

echo "KTAP version 1"
echo "1..6"
result() {	# result RC NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

make -s --no-print-directory -C "$top" BUILD="$build" install DESTDIR="$dest" \
	PREFIX="$prefix" > "$dest.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$dest.log"
rm -f "$dest.log"
result $rc "make install DESTDIR=... PREFIX=$prefix"

root=$dest$prefix
missing=
for f in lib/libmmf.so.1.0.0 lib/libmmf.so.1 lib/libmmf.so lib/libmmf.a \
	lib/pkgconfig/mmf.pc include/mmf.h include/mmf/win32.h bin/mmfctl \
	share/man/man3/libmmf.3 share/man/man3/mmf_create.3 share/man/man3/mmf_win32.3 \
	share/man/man8/mmfctl.8; do
	[ -e "$root/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] || echo "# missing:$missing"
[ -z "$missing" ]
result $? "library, links, headers, pkg-config file, mmfctl and man pages are installed"

[ "$(readlink "$root/lib/libmmf.so.1")" = libmmf.so.1.0.0 ] &&
	readelf -d "$root/lib/libmmf.so.1.0.0" | grep -q 'SONAME.*\[libmmf.so.1\]'
result $? "soname libmmf.so.1, libmmf.so.1 -> libmmf.so.1.0.0"

bad=$(nm -D --defined-only "$root/lib/libmmf.so.1.0.0" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^mmf_/')
[ -z "$bad" ] || echo "# exported beyond mmf_*: $bad"
[ -z "$bad" ]
result $? "only mmf_* symbols are exported"

cat > "$dest/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <mmf.h>
#include <mmf/win32.h>

int main(void)
{
	SYSTEM_INFO si;

	GetSystemInfo(&si);
	SetLastError(ERROR_MAPPED_ALIGNMENT);
	if (si.dwAllocationGranularity != 65536 || GetLastError() != ERROR_MAPPED_ALIGNMENT)
		return 1;
	if (mmf_granularity() != si.dwPageSize)
		return 2;
	if (UnmapViewOfFile(&si) || GetLastError() != ERROR_INVALID_ADDRESS)
		return 3;
	printf("granularity %u page %u\n", (unsigned)si.dwAllocationGranularity,
	       (unsigned)si.dwPageSize);
	return 0;
}
PROG
export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs mmf)
echo "# pkg-config --cflags --libs mmf: $flags"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Werror -o "$dest/prog" "$dest/prog.c" $flags
result $? "a program builds with cc prog.c \$(pkg-config --cflags --libs mmf)"

# Not grep -q: with pipefail, ldd killed by SIGPIPE after grep's early exit
# would fail the pipeline now and then.
out=$(LD_LIBRARY_PATH=$root/lib "$dest/prog") && [ "$out" = "granularity 65536 page $(getconf PAGESIZE)" ] &&
	LD_LIBRARY_PATH=$root/lib ldd "$dest/prog" | grep "libmmf.so.1 => $root/lib/" > /dev/null
result $? "it runs against the installed libmmf.so.1"
exit $failed

#!/bin/bash
# What a newcomer sees on a machine without the mmf module (the host has no
# /dev/mmf): mmfctl, recdb and win32demo, run from the build tree as built
# (no LD_LIBRARY_PATH: the examples find build/lib through their run path),
# fail with one line on stderr that says the module is not loaded and what
# to run; recdb never replaces an existing file unless given -f.  KTAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-newcomer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

echo "KTAP version 1"
if [ -e /dev/mmf ]; then
	echo "1..0 # SKIP /dev/mmf exists here"
	exit 0
fi
echo "1..10"
result() {	# result RC NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

# not_loaded WANT_EXIT CMD...: CMD exits WANT_EXIT (or any failure for "x")
# and prints exactly one line on stderr naming the module and "mmfctl load".
not_loaded() {
	local want=$1 rc lines
	shift
	env -u LD_LIBRARY_PATH "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	lines=$(wc -l < "$tmp/err")
	sed "s|^|# $(basename "$1"): |" "$tmp/err"
	[ "$want" = x ] && [ $rc -ne 0 ] || [ "$rc" = "$want" ] || return 1
	[ "$lines" -eq 1 ] && grep -q 'the mmf kernel module is not loaded' "$tmp/err" &&
		grep -q 'mmfctl load' "$tmp/err"
}

not_loaded 3 "$build/tools/mmfctl" version
result $? "mmfctl version: one line, module not loaded, run mmfctl load (exit 3)"
not_loaded 3 "$build/tools/mmfctl" stat somename
result $? "mmfctl stat NAME: the same line (exit 3)"
printf 'data' > "$tmp/file"
not_loaded 3 "$build/tools/mmfctl" map "$tmp/file"
result $? "mmfctl map FILE: the same line (exit 3)"

not_loaded x "$build/examples/recdb" demo "$tmp/demo.db"
rc=$?
[ ! -e "$tmp/demo.db" ]
result $((rc | $?)) "recdb demo: the same line, before it writes the 64 MiB file"
"$build/examples/recdb" create "$tmp/small.db" 4 2> "$tmp/err" &&
	[ "$(stat -c %s "$tmp/small.db")" -eq 1024 ]
result $? "recdb create runs from the build tree as built (no module needed to write records)"
not_loaded x "$build/examples/recdb" get "$tmp/small.db" 1
result $? "recdb get: the same line"

not_loaded x "$build/examples/win32demo" "$tmp/w32.dat"
result $? "win32demo: the same line"

# recdb never replaces an existing file unless asked (-f).
printf 'precious' > "$tmp/keep"
"$build/examples/recdb" create "$tmp/keep" 4 2> "$tmp/err"
rc=$?
sed 's/^/# recdb: /' "$tmp/err"
[ $rc -ne 0 ] && [ "$(cat "$tmp/keep")" = precious ] && grep -q -- '-f' "$tmp/err"
result $? "recdb create on an existing file refuses, leaves it intact and names -f"
"$build/examples/recdb" -f create "$tmp/keep" 4 && [ "$(stat -c %s "$tmp/keep")" -eq 1024 ]
result $? "recdb -f create replaces it"

# The examples carry a run path into the build tree's lib/.
readelf -d "$build/examples/recdb" | grep -E 'R(UN)?PATH' | grep -q '\$ORIGIN/../lib' &&
	[ "$(env -u LD_LIBRARY_PATH ldd "$build/examples/recdb" |
		awk '$1 == "libmmf.so.1" { print $3 }' | xargs readlink -f)" = \
	  "$(readlink -f "$build/lib/libmmf.so.1")" ]
result $? "the examples load build/lib/libmmf.so.1 through \$ORIGIN/../lib"
exit $failed

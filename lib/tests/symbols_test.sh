#!/bin/bash
# The library's exports are exactly lib/libmmf.map's: every symbol named
# there (no wildcard) is exported at its version node and nothing else is
# (nm -D --defined-only of the built libmmf.so), and debian/libmmf1.symbols
# lists the same symbols at the same nodes.  KTAP on stdout.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
map=$top/lib/libmmf.map
so=$(readlink -f "$build/lib/libmmf.so.1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-symbols.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

echo "KTAP version 1"
echo "1..4"
result() {	# result RC NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

# "name@node" for each global of each node of the version script, and the
# node names; comments stripped.
sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$map" | awk '
	/^[A-Za-z_][A-Za-z0-9_.]* *\{/ { node = $1; sub(/\{.*/, "", node); print node > "/dev/stderr"; next }
	/^}/ { node = ""; next }
	/global:/ { g = 1; next }
	/local:/ { g = 0; next }
	g && node != "" && NF { s = $1; sub(/;$/, "", s); print s "@" node }
' > "$tmp/map" 2> "$tmp/nodes"
sort -o "$tmp/map" "$tmp/map"

! grep -q '[*?]' "$tmp/map" && [ -s "$tmp/map" ]
rc=$?
[ $rc -eq 0 ] || echo "# wildcards or nothing in the globals of $map"
result $rc "the version script names each exported symbol (no wildcard)"

# What the library exports: functions and data at their node, and the nodes
# themselves (absolute symbols).
nm -D --defined-only "$so" > "$tmp/nm" || failed=1
awk '$2 != "A" { s = $3; sub(/@@/, "@", s); print s }' "$tmp/nm" | sort > "$tmp/exported"
awk '$2 == "A" { print $3 }' "$tmp/nm" | sort > "$tmp/exported-nodes"
diff -u "$tmp/map" "$tmp/exported" | sed 's/^/# /'
rc=${PIPESTATUS[0]}
result $rc "nm -D --defined-only $(basename "$so") is exactly the version script's symbols at their nodes"

sort "$tmp/nodes" | diff -u - "$tmp/exported-nodes" | sed 's/^/# /'
rc=${PIPESTATUS[1]}
result $rc "the library defines exactly the version script's nodes ($(tr '\n' ' ' < "$tmp/nodes"))"

awk '/^ [A-Za-z_]/ { print $1 }' "$top/debian/libmmf1.symbols" |
	grep -v -x -F -f <(sed 's/.*/&@&/' "$tmp/nodes") | sort |
	diff -u "$tmp/map" - | sed 's/^/# /'
rc=${PIPESTATUS[3]}
result $rc "debian/libmmf1.symbols lists the same symbols at the same nodes"
exit $failed

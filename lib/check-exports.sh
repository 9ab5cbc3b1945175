#!/bin/sh
# check-exports.sh MAP OBJ...: every function the objects mark for export
# (MMF_EXPORT: global, default visibility) is named in the version script,
# so that a new call is never silently left unexported.  Run by the link.
map=$1
shift
missing=$(for o in "$@"; do
	readelf -sW "$o" | awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" { print $8 }'
done | sort -u | while read -r s; do
	grep -q "^[[:space:]]*$s;" "$map" || echo "$s"
done)
[ -z "$missing" ] && exit 0
echo "libmmf: exported by the code but not named in $map:" $missing >&2
echo "libmmf: add them to the newest version node there and to debian/libmmf1.symbols" \
	"(Documentation/library.rst, Symbols)" >&2
exit 1

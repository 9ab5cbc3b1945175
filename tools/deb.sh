#!/bin/sh
# make deb: builds the Debian packages (mmf-dkms, libmmf1, libmmf-dev,
# mmf-utils) with dpkg-buildpackage -us -uc -b from a copy of the sources in
# $BUILD/deb/src/mmf-<version>/ (the tree itself stays clean), leaves the
# .deb files, .buildinfo and .changes in $BUILD/deb/, and runs lintian on
# them (errors fail the build; the warnings left are explained in
# Documentation/packaging.rst).  Needs the build dependencies of
# debian/control (make deps installs them).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
version=$(cat "$top/VERSION")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$changelog" != "$version" ]; then
	echo "deb: debian/changelog is at $changelog but VERSION says $version" >&2
	exit 1
fi

out=$build/deb
src=$out/src/mmf-$version
rm -rf "$out"
mkdir -p "$src"
# The sources as git sees them (tracked and new files, not the ignored
# ones), or everything but the build folder outside a git clone.
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi

(cd "$src" && dpkg-buildpackage -us -uc -b)
# dpkg-buildpackage writes next to the source folder.
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
echo "deb: packages in $out:"
ls -1 "$out"/*.deb
echo "deb: lintian:"
lintian --fail-on error --display-info --pedantic "$out"/*.changes

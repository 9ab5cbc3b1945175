#!/bin/bash
# make check-packages: the Debian packages as a Debian 12 user gets them.
# In a fresh bookworm userland (debootstrap minbase plus git and make, the
# base cached in $MMF_DEB_CHROOT/base, a new copy of it each run) it clones
# this repository (HEAD), runs "make deps && make deb" there, installs
# build/deb/*.deb with apt-get, and checks the INSTALLED files only:
#   - dkms status: mmf built and installed for both Debian 12 kernels (6.1,
#     6.12), the module in /lib/modules/<version>/updates/dkms/, its
#     MODULE_VERSION the VERSION file's;
#   - DKMS rebuilds it when a kernel's headers are installed (the module of
#     6.12 removed, its headers reinstalled);
#   - the examples from /usr/share/doc/libmmf-dev/examples and a program
#     using <mmf.h> and <linux/mmf.h> build with pkg-config against
#     /usr/lib/<multiarch>/libmmf.so;
#   - the test VM boots 6.1 and 6.12 with the installed module, libkmod
#     index and modprobe.d option, /usr/bin/mmfctl and libmmf.so.1;
#     "mmfctl load" (no argument) loads the module by name with the option,
#     /dev/mmf is 0666, and the programs built above run;
#   - purging the packages leaves no file of theirs behind.
# Sid's 7.2 is built in its own build root for make check and is not a
# kernel of a Debian 12 machine: it is out of these packages' scope
# (MMF_SID=0 here).  Needs root and Debian's mirror; downloaded packages are
# kept in $MMF_DEB_CHROOT/archives for the next run.  Not part of make check.
# MMF_DEB_REUSE=1 (while working on it) keeps the last run's chroot and
# only updates its clone.
#   check-packages.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${MMF_DEB_CHROOT:-/var/tmp/mmf-deb}
base=$work/base
root=$work/root
archives=$work/archives
mirror=${MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\?$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
start=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "check-packages: needs root (chroot, apt)" >&2; exit 2; }
case $root in /var/tmp/* | /work/chroot*) ;; *)
	echo "check-packages: MMF_DEB_CHROOT=$work: use a folder under /var/tmp or /work/chroot*" >&2
	exit 2 ;;
esac

if [ ! -e "$base/.mmf-base-done" ]; then
	command -v debootstrap > /dev/null ||
		apt-get install -y -q --no-install-recommends debootstrap
	rm -rf "$base"
	debootstrap --variant=minbase bookworm "$base" "$mirror"
	[ ! -f /etc/apt/sources.list.d/debian.sources ] ||
		cp /etc/apt/sources.list.d/debian.sources "$base/etc/apt/sources.list.d/"
	chroot "$base" apt-get update -q
	chroot "$base" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends git make ca-certificates
	chroot "$base" apt-get clean
	touch "$base/.mmf-base-done"
fi

# The chroot's mounts live in a private mount namespace; should one have
# reached this one all the same (seen once), it goes before the copy does.
unmount_root() {
	awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
}
unmount_root
if [ "${MMF_DEB_REUSE:-0}" = 1 ] && [ -d "$root/src/mmf/.git" ]; then
	git -C "$root/src/mmf" pull -q --ff-only
else
	rm -rf "$root"
	cp -a "$base" "$root"
	mkdir -p "$root/src"
	git clone -q "$top" "$root/src/mmf"
fi
mkdir -p "$archives/partial"
# The VM slots of tools/vm/run-vm.sh are machine-wide: the chroot's guests
# take them from the host's folder.
slots=${TMPDIR:-/tmp}/mmf-vm-slots
mkdir -p "$slots"

# Everything below runs in the chroot, in a private mount namespace whose
# mounts vanish with it.
cat > "$root/src/check.sh" <<'GUEST_EOF'
#!/bin/bash
# Each check prints a KTAP line; a failed set-up step (deps, deb) ends it.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive MMF_SID=0 MMF_VM_SLOTS=${MMF_VM_SLOTS:-3}
n=0 failed=0
result() {	# result RC DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
step() { echo "# $(date -u +%T) $*"; }
cd /src/mmf || exit 1
version=$(cat VERSION)

step "make deps"
make deps > /tmp/deps.log 2>&1 || { tail -40 /tmp/deps.log; exit 1; }
step "make deb"
t0=$(date +%s)
make deb > /tmp/deb.log 2>&1 || { tail -60 /tmp/deb.log; exit 1; }
sed -n '/^deb: lintian:/,$p' /tmp/deb.log | sed 's/^/# /'
echo "# make deb: $(($(date +%s) - t0)) s"
kvers=$(tools/kernels.sh | awk '{ print $2 }')
[ "$(echo "$kvers" | wc -w)" -eq 2 ]
result $? "make deps installed the two Debian 12 kernels: $(echo "$kvers" | tr "\n" " ")"

step "apt-get install ./build/deb/*.deb"
t0=$(date +%s)
apt-get install -y -q ./build/deb/*.deb > /tmp/install.log 2>&1
rc=$?
[ $rc -eq 0 ] || tail -40 /tmp/install.log
result $rc "apt-get install ./build/deb/*.deb"
grep -E '^(Building for|Building module|Done|dkms|mmf-dkms)' /tmp/install.log | sed 's/^/# /' || true
echo "# install: $(($(date +%s) - t0)) s"

# (dkms's readelf warns about modules without a .comment section: noise.)
dkms status 2> /dev/null | sed 's/^/# dkms status: /'
for v in $kvers; do
	dkms status -m mmf -v "$version" -k "$v" 2> /dev/null | grep ': installed' > /dev/null
	result $? "dkms status: mmf/$version installed for $v"
	ko=$(ls /lib/modules/"$v"/updates/dkms/mmf.ko* 2>/dev/null | head -n 1)
	[ -n "$ko" ] && [ "$(modinfo -F version "$ko")" = "$version" ] &&
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$v" ] &&
		modprobe -n -S "$v" mmf > /dev/null 2>&1
	result $? "$v: ${ko:-no module} has version $version and the kernel's vermagic; modprobe finds it"
done

# DKMS's kernel hook: new headers for a kernel build the module for it.
v612=$(echo "$kvers" | grep '^6\.12\.')
dkms remove -m mmf -v "$version" -k "$v612" > /dev/null 2>&1
! ls /lib/modules/"$v612"/updates/dkms/mmf.ko* > /dev/null 2>&1
result $? "$v612: dkms remove takes the module away"
apt-get install -y -q --reinstall "linux-headers-$v612" > /tmp/headers.log 2>&1 &&
	dkms status -m mmf -v "$version" -k "$v612" 2> /dev/null | grep ': installed' > /dev/null &&
	ls /lib/modules/"$v612"/updates/dkms/mmf.ko* > /dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || tail -20 /tmp/headers.log
result $rc "$v612: installing its headers again rebuilds and installs the module (AUTOINSTALL)"

step "programs against the installed library"
pkg=/tmp/pkg
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
mkdir -p $pkg
flags=$(pkg-config --cflags --libs mmf)
echo "# pkg-config --modversion mmf: $(pkg-config --modversion mmf); --cflags --libs: $flags"
[ "$(pkg-config --modversion mmf)" = "$version" ] &&
	[ "$(pkg-config --variable=libdir mmf)" = "/usr/lib/$multiarch" ]
result $? "pkg-config mmf: version $version, libdir /usr/lib/<multiarch>"
cat > $pkg/abi.c <<'EOF'
#include <stdio.h>
#include <linux/mmf.h>
#include <mmf.h>

int main(void)
{
	int abi = mmf_abi_version();

	printf("abi %d header %d\n", abi, MMF_ABI_VERSION);
	return abi == MMF_ABI_VERSION ? 0 : 1;
}
EOF
ok=0
for src in /usr/share/doc/libmmf-dev/examples/*/ $pkg/abi.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086 # pkg-config's flags are meant to split
	cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$pkg/$name" \
		$(find "$src" -name '*.c' | sort) $flags || ok=1
	lib=$(ldd "$pkg/$name" | awk '$1 == "libmmf.so.1" { print $3 }')
	echo "# $name: libmmf.so.1 => $lib ($(readlink -f "$lib"))"
	[ "$(readlink -f "$lib")" = "$(readlink -f /usr/lib/"$multiarch"/libmmf.so.1)" ] &&
		dpkg -S "/usr/lib/$multiarch/libmmf.so.1" > /dev/null || ok=1
done
result $ok "recdb, win32demo and abi.c build with pkg-config and link the installed libmmf.so.1"

# The options an administrator gives in /etc/modprobe.d.
echo "options mmf max_sections_per_user=77" > /etc/modprobe.d/mmf-check.conf
for v in $kvers; do
	step "test VM on $v"
	adds=(-a /usr/bin/mmfctl:/usr/bin/mmfctl -a /etc/modprobe.d/mmf-check.conf:/etc/modprobe.d/mmf-check.conf)
	for f in /lib/modules/"$v"/updates/dkms/mmf.ko* /lib/modules/"$v"/modules.*.bin \
		/lib/modules/"$v"/modules.dep /lib/modules/"$v"/modules.softdep; do
		[ -e "$f" ] && adds+=(-a "$f:$f")
	done
	for p in abi recdb win32demo; do
		adds+=(-a "$pkg/$p:/usr/local/bin/$p")
	done
	t0=$(date +%s)
	tools/vm/run-vm.sh -k "$v" -d 256 -t 900 "${adds[@]}" -- '
		set -e
		export PATH=/usr/local/bin:/usr/bin:$PATH
		echo "guest: $(uname -r)"
		mmfctl --version
		mmfctl load
		echo "guest: version $(cat /sys/module/mmf/version)"
		echo "guest: max_sections_per_user $(cat /sys/module/mmf/parameters/max_sections_per_user)"
		echo "guest: /dev/mmf mode $(stat -c %a /dev/mmf)"
		mmfctl version
		abi
		recdb demo /mnt/ext4/records.db
		win32demo /mnt/ext4/win32demo.dat
		mmfctl unload
		echo "guest: done"' > /tmp/vm-$v.log 2>&1
	rc=$?
	sed 's/^/#   /' /tmp/vm-$v.log | tail -n 60
	echo "# VM on $v: $(($(date +%s) - t0)) s"
	[ $rc -eq 0 ] && grep -q '^guest: done' /tmp/vm-$v.log
	result $? "$v: the installed module loads with mmfctl load (by name) and the installed programs run"
	grep -q "^guest: version $version\$" /tmp/vm-$v.log &&
		grep -q '^guest: max_sections_per_user 77$' /tmp/vm-$v.log
	result $? "$v: the module is the package's ($version) and got its /etc/modprobe.d option"
	grep -q '^guest: /dev/mmf mode 666$' /tmp/vm-$v.log
	result $? "$v: /dev/mmf has mode 0666"
done

step "purge"
pkgs="mmf-dkms libmmf1 libmmf-dev mmf-utils libmmf1-dbgsym mmf-utils-dbgsym"
files=$(dpkg -L $pkgs 2>/dev/null | sort -u)
apt-get purge -y -q $pkgs > /tmp/purge.log 2>&1
rc=$?
left=
for f in $files; do
	[ -d "$f" ] || [ ! -e "$f" ] || left="$left $f"
done
for f in /usr/src/mmf-"$version" /var/lib/dkms/mmf /lib/modules/*/updates/dkms/mmf.ko*; do
	[ ! -e "$f" ] || left="$left $f"
done
[ -z "$(dpkg -l $pkgs 2>/dev/null | awk '/^[a-z][a-z] / && $1 != "pn" && $1 != "un"')" ] || left="$left (dpkg still lists some)"
[ -z "$left" ] || echo "# left behind:$left"
[ $rc -eq 0 ] && [ -z "$left" ]
result $? "apt-get purge removes every file of the packages, the DKMS tree and the built modules"

echo "1..$n"
exit $failed
GUEST_EOF
chmod +x "$root/src/check.sh"

rc=0
unshare --mount --propagation private -- /bin/sh -ec '
	root=$1 archives=$2 slots=$3
	for fs in proc sys dev; do
		mount --rbind "/$fs" "$root/$fs"
	done
	mount --bind "$archives" "$root/var/cache/apt/archives"
	mkdir -p "$root/tmp/mmf-vm-slots"
	mount --bind "$slots" "$root/tmp/mmf-vm-slots"
	chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 MMF_VM_SLOTS="${MMF_VM_SLOTS:-3}" /src/check.sh' \
	sh "$root" "$archives" "$slots" || rc=$?
unmount_root
echo "check-packages: $(if [ $rc -eq 0 ]; then echo passed; else echo FAILED; fi)" \
	"in $(($(date +%s) - start)) s (chroot $root)"
exit $rc

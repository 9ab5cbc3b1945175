// SPDX-License-Identifier: GPL-2.0
/*
 * Sections on the file systems a user may keep a backing file on (issue 9:
 * "any other file system the module silently mishandles").  On each, either
 * everything in mmf_fscheck.h works (views read and write the file, two
 * handles and a second section see each other's writes, flushes write
 * exactly what was written, the bytes are read back from a fresh open
 * after the page cache was dropped), or CREATE refuses the file system
 * with ENODEV.
 *
 *   ext4, minix   the test disks (/mnt/ext4, /mnt/minix)
 *   tmpfs, ramfs  mounted here; ramfs has no write-back at all
 *   vfat, ext2    on loop devices, in the test VM of
 *                 tools/reliability/nfs.sh (skipped elsewhere)
 *   overlayfs     upper and lower on ext4: refused with ENODEV (its files
 *                 keep their pages in the upper file's cache)
 *
 * NFS has its own test, nfs_test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_fscheck.h"

#define NPAGES		32
#define OVL_BASE	"/mnt/ext4/mmft-ovl"
#define OVL_MNT		"/tmp/mmft-ovl"

#ifndef MSDOS_SUPER_MAGIC
#define MSDOS_SUPER_MAGIC	0x4d44
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC		0x858458f6
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#endif

FIXTURE(fs) {
	char dir[64], path[256];
	int fd, mounted;
};

/*
 * @dir: where the file goes; @mount: a file system this test mounts there
 * itself (NULL: one the test VM mounted, skipped when absent); @magic: what
 * statfs must say; @refused: the errno CREATE must fail with, 0 if none.
 */
FIXTURE_VARIANT(fs) {
	const char *dir;
	const char *mount;
	long magic;
	int refused;
};

FIXTURE_VARIANT_ADD(fs, ext4) {
	.dir = "/mnt/ext4", .magic = EXT4_SUPER_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, minix) {
	.dir = "/mnt/minix", .magic = MINIX3_SUPER_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, tmpfs) {
	.dir = "/tmp/mmft-tmpfs", .mount = "tmpfs", .magic = TMPFS_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, ramfs) {
	.dir = "/tmp/mmft-ramfs", .mount = "ramfs", .magic = RAMFS_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, vfat) {
	.dir = "/mnt/vfat", .magic = MSDOS_SUPER_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, ext2) {
	/* The ext4 driver mounts it; statfs says the same magic. */
	.dir = "/mnt/ext2", .magic = EXT2_SUPER_MAGIC,
};
FIXTURE_VARIANT_ADD(fs, overlay) {
	.dir = OVL_MNT, .mount = "overlay", .magic = OVERLAYFS_SUPER_MAGIC,
	.refused = ENODEV,
};

static int mount_overlay(void)
{
	static const char *const dirs[] = {
		OVL_BASE, OVL_BASE "/lower", OVL_BASE "/upper", OVL_BASE "/work", OVL_MNT,
	};
	unsigned int i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i], 0700) && errno != EEXIST)
			return -errno;
	if (mount("overlay", OVL_MNT, "overlay", 0,
		  "lowerdir=" OVL_BASE "/lower,upperdir=" OVL_BASE "/upper,workdir=" OVL_BASE "/work"))
		return -errno;
	return 0;
}

FIXTURE_SETUP(fs)
{
	struct statfs sf;
	int ret = 0;

	self->fd = -1;
	self->mounted = 0;
	snprintf(self->dir, sizeof(self->dir), "%s", variant->dir);
	if (variant->mount && !strcmp(variant->mount, "overlay")) {
		ret = mount_overlay();
	} else if (variant->mount) {
		if (mkdir(self->dir, 0700) && errno != EEXIST)
			ret = -errno;
		else if (mount(variant->mount, self->dir, variant->mount, 0, NULL))
			ret = -errno;
	}
	if (ret == -ENODEV)
		SKIP(return, "no %s in this kernel", variant->mount);
	ASSERT_EQ(0, ret) TH_LOG("mount %s: %s", variant->mount, strerror(-ret));
	self->mounted = !!variant->mount;
	if (statfs(self->dir, &sf) || sf.f_type != variant->magic)
		SKIP(return, "%s is not mounted (tools/reliability/nfs.sh mounts it)", self->dir);
	self->fd = mmft_tmpfile(self->dir, NPAGES * MMFT_PAGE, FSC_FILL, self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd) TH_LOG("file in %s: %s", self->dir, strerror(-self->fd));
}

FIXTURE_TEARDOWN(fs)
{
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (self->mounted) {
		EXPECT_EQ(0, umount(self->dir)) TH_LOG("umount %s: %s", self->dir, strerror(errno));
		rmdir(self->dir);
	}
}

TEST_F_TIMEOUT(fs, sections_work_or_are_refused, 120)
{
	char name[64];
	int h;

	if (variant->refused) {
		h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
		EXPECT_EQ(-variant->refused, h) TH_LOG("CREATE on %s: %s", self->dir,
						      h < 0 ? strerror(-h) : "accepted");
		if (h >= 0)
			close(h);
		h = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
		EXPECT_EQ(-variant->refused, h) TH_LOG("read-only CREATE: %s",
						      h < 0 ? strerror(-h) : "accepted");
		if (h >= 0)
			close(h);
		return;
	}
	snprintf(name, sizeof(name), "fstypes_test.%d", getpid());
	fsc_sections_work(_metadata, self->path, self->fd, NPAGES, name);
}

TEST_HARNESS_MAIN

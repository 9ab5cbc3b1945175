// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/mmf device itself: it exists while the module is loaded, reports
 * the ABI version of the header we were built with, rejects ioctls it does
 * not know and bad argument pointers without noise in the kernel log.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

TEST(device_node_is_world_usable_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(MMF_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
}

FIXTURE(dev) {
	int fd;
	unsigned long long log_mark;
};

FIXTURE_SETUP(dev)
{
	self->log_mark = kmsg_mark();
	self->fd = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
	/* None of these calls may leave a trace in the kernel log. */
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

TEST_F(dev, version_matches_header)
{
	struct mmf_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, MMF_IOC_VERSION, &v));
	EXPECT_EQ(MMF_ABI_VERSION, v.abi_version);
	EXPECT_EQ((unsigned int)sysconf(_SC_PAGESIZE), v.page_size);
	EXPECT_EQ(sizeof(v), v.size);
}

TEST_F(dev, version_accepts_larger_zeroed_struct)
{
	struct {
		struct mmf_version v;
		unsigned char future[16];
	} big;

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, MMF_IOC_VERSION, &big));
	EXPECT_EQ(MMF_ABI_VERSION, big.v.abi_version);
	big.future[7] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, &big));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(dev, version_rejects_bad_size_and_reserved)
{
	struct mmf_version v = { .size = sizeof(v) - 4 };

	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	v.size = 1 << 20;
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	v.size = sizeof(v);
	v.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	struct mmf_version v = { .size = sizeof(v) };

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MMF_IOC_MAGIC, 0x7f, struct mmf_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(MMF_IOC_MAGIC, 0x00, struct mmf_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('x', 0x00, struct mmf_version), &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, bad_pointer_is_efault)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, unmapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMF_IOC_VERSION, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
}

TEST_HARNESS_MAIN

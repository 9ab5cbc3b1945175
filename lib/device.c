// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device: opening /dev/mmf, the process-wide control handle used by
 * the calls that take only an address, and the ioctl wrapper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

static atomic_int control = -1;

size_t mmf__page_size(void)
{
	static atomic_size_t page;
	size_t p = atomic_load_explicit(&page, memory_order_relaxed);

	if (!p) {
		long v = sysconf(_SC_PAGESIZE);

		p = v > 0 ? (size_t)v : 4096;
		atomic_store_explicit(&page, p, memory_order_relaxed);
	}
	return p;
}

/* A new open of the device: an fd or -errno; a missing device is -ENXIO. */
int mmf__open_device(void)
{
	int fd = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV)
		return -ENXIO;
	return -errno;
}

/*
 * One open shared by every thread, made on first use.  Racing threads may
 * both open; the loser closes its own.  It stays open until exit, so a
 * process that used libmmf holds a reference on the module.
 */
int mmf__control_fd(void)
{
	int fd = atomic_load(&control), expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(MMF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (errno == ENOENT || errno == ENODEV) ? -ENXIO : -errno;
	if (!atomic_compare_exchange_strong(&control, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

int mmf__ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret, saved = errno;

	do {
		ret = ioctl(fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	ret = ret < 0 ? -errno : ret;
	errno = saved;
	return ret;
}

MMF_EXPORT size_t mmf_granularity(void)
{
	return mmf__page_size();
}

MMF_EXPORT int mmf_abi_version(void)
{
	struct mmf_version v = { .size = sizeof(v) };
	int fd = mmf__control_fd();
	int ret;

	if (fd < 0)
		return fd;
	ret = mmf__ioctl(fd, MMF_IOC_VERSION, &v);
	return ret < 0 ? ret : (int)v.abi_version;
}

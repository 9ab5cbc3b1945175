// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device: opening /dev/mmf, the process-wide control handle used by
 * the calls that take only an address, and the ioctl wrapper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

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
 * One open shared by every thread (see internal.h).  ctl_lock protects the
 * three fields: ctl_fd is open while ctl_live (section handles plus
 * registered views) or ctl_busy (calls using it now) is non-zero, or both
 * are zero and nothing has asked for it since; it is closed by whoever
 * brings both to zero, never while a call uses it.
 */
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static unsigned long ctl_live, ctl_busy;

/* Called with ctl_lock held. */
static void control_maybe_close(void)
{
	if (ctl_fd >= 0 && !ctl_live && !ctl_busy) {
		close(ctl_fd);
		ctl_fd = -1;
	}
}

int mmf__control_get(void)
{
	int fd;

	pthread_mutex_lock(&ctl_lock);
	if (ctl_fd < 0) {
		fd = open(MMF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fd = (errno == ENOENT || errno == ENODEV) ? -ENXIO : -errno;
			pthread_mutex_unlock(&ctl_lock);
			return fd;
		}
		ctl_fd = fd;
	}
	ctl_busy++;
	fd = ctl_fd;
	pthread_mutex_unlock(&ctl_lock);
	return fd;
}

void mmf__control_put(void)
{
	pthread_mutex_lock(&ctl_lock);
	ctl_busy--;
	control_maybe_close();
	pthread_mutex_unlock(&ctl_lock);
}

void mmf__hold(int delta)
{
	pthread_mutex_lock(&ctl_lock);
	if (delta > 0)
		ctl_live += (unsigned long)delta;
	else if (ctl_live >= (unsigned long)-delta)
		ctl_live -= (unsigned long)-delta;
	control_maybe_close();
	pthread_mutex_unlock(&ctl_lock);
}

int mmf__out_size(unsigned int size, size_t first_size)
{
	if (size < first_size || size > MMF_STRUCT_MAX)
		return -EINVAL;
	return 0;
}

void mmf__out_fill(void *dst, const void *src, size_t known)
{
	size_t size = *(const unsigned int *)dst;

	memcpy(dst, src, size < known ? size : known);
	if (size > known)
		memset((unsigned char *)dst + known, 0, size - known);
	/* The caller's size stays: it says what the caller can hold. */
	*(unsigned int *)dst = (unsigned int)size;
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

static int device_version(struct mmf_version *v)
{
	int fd = mmf__control_get();
	int ret;

	if (fd < 0)
		return fd;
	*v = (struct mmf_version){ .size = sizeof(*v) };
	ret = mmf__ioctl(fd, MMF_IOC_VERSION, v);
	mmf__control_put();
	return ret;
}

MMF_EXPORT int mmf_abi_version(void)
{
	struct mmf_version v;
	int ret = device_version(&v);

	return ret < 0 ? ret : (int)v.abi_version;
}

MMF_EXPORT int mmf_available(void)
{
	struct mmf_version v;
	int ret = device_version(&v);

	if (ret < 0)
		return ret;
	/* A module of another ABI version than the one this library speaks. */
	return v.abi_version == MMF_ABI_VERSION ? 0 : -EPROTONOSUPPORT;
}

MMF_EXPORT const char *mmf_version(void)
{
	return MMF_RELEASE;
}

MMF_EXPORT unsigned int mmf_version_number(void)
{
	return MMF_RELEASE_NUMBER;
}

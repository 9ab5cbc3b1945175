// SPDX-License-Identifier: LGPL-2.1-or-later
/* Flushing a range of views (FlushViewOfFile). */
#define _GNU_SOURCE
#include <errno.h>

#include "internal.h"

MMF_EXPORT int mmf_flush(const void *address, size_t length, unsigned int flags,
			 uint64_t *pages_written)
{
	struct mmf_flush f = {
		.size = sizeof(f), .flags = flags, .addr = (uintptr_t)address, .length = length,
	};
	int fd, ret;

	if (pages_written)
		*pages_written = 0;
	if (flags & ~(MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE))
		return -EINVAL;
	if ((flags & MMF_FLUSH_ASYNC) && (flags & MMF_FLUSH_DURABLE))
		return -EINVAL;
	if (length && (uintptr_t)address + length < (uintptr_t)address)
		return -EINVAL;
	fd = mmf__control_get();
	if (fd < 0)
		return fd;
	ret = mmf__ioctl(fd, MMF_IOC_FLUSH, &f);
	mmf__control_put();
	if (ret < 0)
		return ret;
	if (pages_written)
		*pages_written = f.pages_written;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/* Write watch (GetWriteWatch) and whether a file has live views. */
#define _GNU_SOURCE
#include <errno.h>

#include "internal.h"

MMF_EXPORT int mmf_write_watch(void *address, size_t length, unsigned int flags,
			       uint64_t *bitmap, size_t bitmap_bits, size_t *dirty_pages)
{
	size_t page = mmf__page_size();
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)address, .length = length,
		.bitmap = (uintptr_t)bitmap, .bitmap_bits = bitmap_bits,
	};
	int fd, ret;

	if (dirty_pages)
		*dirty_pages = 0;
	if (flags & ~MMF_WRITE_WATCH_RESET)
		return -EINVAL;
	if (!bitmap || length == 0 || length % page || (uintptr_t)address % page)
		return -EINVAL;
	if ((uintptr_t)address + length < (uintptr_t)address)
		return -EINVAL;
	if (bitmap_bits < length / page)
		return -EINVAL;
	fd = mmf__control_get();
	if (fd < 0)
		return fd;
	ret = mmf__ioctl(fd, MMF_IOC_WRITE_WATCH, &w);
	mmf__control_put();
	if (ret < 0)
		return ret;
	if (dirty_pages)
		*dirty_pages = (size_t)w.dirty_pages;
	return 0;
}

MMF_EXPORT int mmf_file_mapped(int fd, uint64_t *sections, uint64_t *views)
{
	struct mmf_file_mapped m = { .size = sizeof(m), .fd = fd };
	int ctl, ret;

	if (fd < 0)
		return -EBADF;
	ctl = mmf__control_get();
	if (ctl < 0)
		return ctl;
	ret = mmf__ioctl(ctl, MMF_IOC_FILE_MAPPED, &m);
	mmf__control_put();
	if (ret < 0)
		return ret;
	if (sections)
		*sections = m.sections;
	if (views)
		*views = m.views;
	return 0;
}

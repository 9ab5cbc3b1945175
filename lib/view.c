// SPDX-License-Identifier: LGPL-2.1-or-later
/* Views: map, unmap from any address inside, and query. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "internal.h"

#define ALL_ACCESS (MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY | MMF_MAP_EXEC)

int mmf__map(mmf_section *s, unsigned int access, uint64_t offset, size_t length,
	     void *addr, int fixed, void **view)
{
	size_t page = mmf__page_size();
	int prot = PROT_READ, flags, whole = 0;
	void *p;

	if (!view)
		return -EINVAL;
	*view = NULL;
	if (!s)
		return -EINVAL;
	if (access & MMF_MAP_FIXED) {
		fixed = 1;
		access &= ~MMF_MAP_FIXED;
	}
	if (!(access & (MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY)) || (access & ~ALL_ACCESS) ||
	    ((access & MMF_MAP_WRITE) && (access & MMF_MAP_COPY)))
		return -EINVAL;
	if (offset % page || (uintptr_t)addr % page || (fixed && !addr))
		return -EINVAL;
	if (offset >= s->size)
		return -EINVAL;
	if (length == 0) {
		if (s->size - offset > SIZE_MAX)
			return -ENOMEM;
		length = (size_t)(s->size - offset);
		whole = 1;
	} else if (length > s->size - offset) {
		return -EINVAL;
	}
	/* Checked here too so that the error does not depend on mmap's order. */
	if ((access & MMF_MAP_WRITE) && !(s->access & MMF_ACCESS_WRITE))
		return -EACCES;
	if ((access & MMF_MAP_COPY) && !(s->access & MMF_ACCESS_COPY))
		return -EACCES;
	if ((access & MMF_MAP_EXEC) && !(s->access & MMF_ACCESS_EXEC))
		return -EACCES;

	flags = (access & MMF_MAP_COPY) ? MAP_PRIVATE : MAP_SHARED;
	if (access & (MMF_MAP_WRITE | MMF_MAP_COPY))
		prot |= PROT_WRITE;
	if (fixed)
		flags |= MAP_FIXED_NOREPLACE;
	p = mmap(addr, length, prot, flags, s->fd, (off_t)offset);
	/*
	 * A partial last page that holds file bytes this caller may not see
	 * is never mapped (EACCES): a view of "the rest of the section" then
	 * ends before it, and its own bytes there stay out of reach.
	 */
	if (p == MAP_FAILED && errno == EACCES && whole && length % page && length > page) {
		length -= length % page;
		p = mmap(addr, length, prot, flags, s->fd, (off_t)offset);
	}
	if (p == MAP_FAILED)
		return -errno;
	/* Old kernels ignore MAP_FIXED_NOREPLACE and treat it as a hint. */
	if (fixed && p != addr) {
		munmap(p, length);
		return -EEXIST;
	}
	/*
	 * The module refuses PROT_EXEC at mmap: only mprotect's security
	 * hooks see the backing file (Documentation/security.rst).
	 */
	if ((access & MMF_MAP_EXEC) && mprotect(p, length, prot | PROT_EXEC)) {
		int err = -errno;

		munmap(p, length);
		return err;
	}
	mmf__registry_add(p, length, offset, s->id);
	*view = p;
	return 0;
}

MMF_EXPORT int mmf_map(mmf_section *section, unsigned int access, uint64_t offset,
		       size_t length, void *address, void **view)
{
	return mmf__map(section, access, offset, length, address, 0, view);
}

static int query(const void *addr, struct mmf_query *q)
{
	int fd = mmf__control_get();
	int ret;

	if (fd < 0)
		return fd;
	*q = (struct mmf_query){ .size = sizeof(*q), .addr = (uintptr_t)addr };
	ret = mmf__ioctl(fd, MMF_IOC_QUERY, q);
	mmf__control_put();
	return ret;
}

MMF_EXPORT int mmf_query(const void *address, struct mmf_view_info *info)
{
	struct mmf_view_info out;
	struct mmf_query q;
	int ret;

	if (!info)
		return -EINVAL;
	ret = mmf__out_size(info->size, MMF_VIEW_INFO_SIZE_VER0);
	if (ret < 0)
		return ret;
	ret = query(address, &q);
	if (ret < 0)
		return ret;
	out = (struct mmf_view_info){
		.size = info->size,
		.start = (void *)(uintptr_t)q.view_start,
		.length = q.view_length,
		.offset = q.offset,
		.section_id = q.section_id,
		.section_size = q.section_size,
		.access = q.access,
		.protection = q.prot,
	};
	mmf__out_fill(info, &out, sizeof(out));
	return 0;
}

/*
 * Unmap the pieces of a registered view that are still that view: the same
 * section at the same offsets.  Anything else found in the range was mapped
 * by someone else after a partial munmap() and is left alone.
 */
static int unmap_pieces(uintptr_t start, size_t length, uint64_t offset, uint64_t id)
{
	uintptr_t a = start, end = start + length, piece_end;
	size_t page = mmf__page_size();
	struct mmf_query q;
	int found = 0;

	while (a < end) {
		/* Views never merge with other mappings, so a piece starts inside. */
		if (query((void *)a, &q) < 0 || q.section_id != id || q.view_start < start ||
		    q.offset != offset + (q.view_start - start)) {
			a += page;
			continue;
		}
		piece_end = q.view_start + q.view_length;
		if (piece_end > end)
			piece_end = end;
		munmap((void *)(uintptr_t)q.view_start, piece_end - q.view_start);
		found = 1;
		a = piece_end;
	}
	return found ? 0 : -EINVAL;
}

static int unmap(void *address)
{
	struct mmf_query q;
	uint64_t offset, id;
	size_t length;
	void *start;
	int ret;

	if (mmf__registry_take(address, &start, &length, &offset, &id) == 0) {
		ret = unmap_pieces((uintptr_t)start, length, offset, id);
		if (ret == 0)
			return 0;
	}
	/* Not mapped by this library (or stale): unmap the one VMA if a view. */
	ret = query(address, &q);
	/* Unmapped, or no module (so no view can exist): not inside a view. */
	if (ret == -ENOMEM || ret == -ENXIO)
		return -EINVAL;
	if (ret < 0)
		return ret;
	return munmap((void *)(uintptr_t)q.view_start, q.view_length) < 0 ? -errno : 0;
}

/* The control handle is held across, so the last view's unmap opens it once. */
MMF_EXPORT int mmf_unmap(void *address)
{
	int fd = mmf__control_get();
	int ret = unmap(address);

	if (fd >= 0)
		mmf__control_put();
	return ret;
}

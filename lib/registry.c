// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The registry of views this process mapped through libmmf.  The kernel's
 * QUERY reports one VMA, and mprotect() or a partial munmap() splits a view
 * into several; UnmapViewOfFile() must remove the whole view from any
 * address inside it, so the library remembers each view's full extent.
 * Entries overlapping a new view are stale (the old view was unmapped
 * behind the library's back) and are dropped.  Each entry holds the
 * process-wide control handle open (mmf__hold): a view unmapped with
 * munmap() instead of mmf_unmap() keeps it open until a new view overlaps it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

struct view_entry {
	uintptr_t start;
	size_t length;
	uint64_t offset;
	uint64_t section_id;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct view_entry *views;
static size_t count, capacity;

static void drop(size_t i)
{
	views[i] = views[--count];
}

void mmf__registry_add(void *start, size_t length, uint64_t offset, uint64_t section_id)
{
	uintptr_t s = (uintptr_t)start;
	int dropped = 0;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < count;) {
		if (views[i].start < s + length && s < views[i].start + views[i].length) {
			drop(i);
			dropped--;
		} else {
			i++;
		}
	}
	if (count == capacity) {
		size_t n = capacity ? capacity * 2 : 16;
		struct view_entry *v = realloc(views, n * sizeof(*v));

		/* Without room the view is still usable; unmap falls back to QUERY. */
		if (!v)
			goto out;
		views = v;
		capacity = n;
	}
	views[count++] = (struct view_entry){ s, length, offset, section_id };
	dropped++;
out:
	pthread_mutex_unlock(&lock);
	/* Each registered view holds the control handle open (device.c). */
	if (dropped)
		mmf__hold(dropped);
}

/* Remove and return the entry containing addr: 0, or -ENOENT. */
int mmf__registry_take(const void *addr, void **start, size_t *length, uint64_t *offset,
		       uint64_t *section_id)
{
	uintptr_t a = (uintptr_t)addr;
	int ret = -1;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < count; i++) {
		if (a >= views[i].start && a - views[i].start < views[i].length) {
			*start = (void *)views[i].start;
			*length = views[i].length;
			*offset = views[i].offset;
			*section_id = views[i].section_id;
			drop(i);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (ret == 0)
		mmf__hold(-1);
	return ret;
}

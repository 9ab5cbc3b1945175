/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmmf internals: shared by the library's files, never installed. */
#ifndef MMF_INTERNAL_H
#define MMF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/mmf.h>
#include <mmf.h>

#define MMF_EXPORT __attribute__((visibility("default")))

struct mmf_section {
	int fd;			/* the bound open of /dev/mmf */
	unsigned int access;	/* MMF_ACCESS_* of the handle */
	unsigned int prot;	/* MMF_PROT_* of the section */
	uint64_t size;
	uint64_t id;
	bool existed;		/* mmf_create joined an existing named section */
	bool other_backing;	/* joined a section not backed by the fd given */
};

/* Largest struct size a caller may pass (mmf_options, out-structs). */
#define MMF_STRUCT_MAX	4096

/* Out-structs (struct mmf_stats, mmf_view_info): 0 if @size is acceptable. */
int mmf__out_size(unsigned int size, size_t first_size);
/* Copy what fits of @known bytes at @src to @dst and zero the rest of its size. */
void mmf__out_fill(void *dst, const void *src, size_t known);

/* device.c */
size_t mmf__page_size(void);
int mmf__open_device(void);
/*
 * The process-wide open of /dev/mmf for the calls that take addresses.
 * mmf__control_get() returns it (opened if needed) or -errno, and holds it
 * open until the matching mmf__control_put().  It is also held open while
 * the library has a live section handle or a registered view (mmf__hold):
 * once neither and no call is left, it is closed, so that a process that
 * closed everything no longer holds a reference on the module.
 */
int mmf__control_get(void);
void mmf__control_put(void);
void mmf__hold(int delta);
int mmf__ioctl(int fd, unsigned long cmd, void *arg);

/* view.c: map with an exact address (MapViewOfFileEx) when fixed is set. */
int mmf__map(mmf_section *s, unsigned int access, uint64_t offset, size_t length,
	     void *addr, int fixed, void **view);

/* registry.c: the views this process mapped, so that an address anywhere
 * inside one finds the whole view even after mprotect() split it. */
void mmf__registry_add(void *start, size_t length, uint64_t offset, uint64_t section_id);
int mmf__registry_take(const void *addr, void **start, size_t *length, uint64_t *offset,
		       uint64_t *section_id);

/* win32_error.c */
uint32_t mmf__win32_error(int err);
void mmf__win32_set(uint32_t code);
int mmf__win32_fail(int err);



/*
 * The public constants are the ABI's values; the code relies on it.
 * mmf_flush()'s flags are the ABI's own names (MMF_FLUSH_ASYNC, _DURABLE).
 */
_Static_assert(MMF_PAGE_READONLY == MMF_PROT_READ && MMF_PAGE_READWRITE == MMF_PROT_READWRITE &&
	       MMF_PAGE_WRITECOPY == MMF_PROT_WRITECOPY, "protections");
_Static_assert(MMF_MAP_READ == MMF_ACCESS_READ && MMF_MAP_WRITE == MMF_ACCESS_WRITE &&
	       MMF_MAP_COPY == MMF_ACCESS_COPY && MMF_MAP_EXEC == MMF_ACCESS_EXEC, "access");
_Static_assert(!(MMF_MAP_FIXED & (MMF_ACCESS_READ | MMF_ACCESS_WRITE | MMF_ACCESS_COPY |
				  MMF_ACCESS_EXEC)), "MMF_MAP_FIXED is no access right");
_Static_assert(MMF_WRITE_WATCH_RESET == MMF_WATCH_RESET, "watch flags");
#endif

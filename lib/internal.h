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
	bool other_backing;	/* joined a section not backed by the fd given */
};

/* device.c */
size_t mmf__page_size(void);
int mmf__open_device(void);
int mmf__control_fd(void);
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



/* The public constants are the ABI's values; the code relies on it. */
_Static_assert(MMF_PAGE_READONLY == MMF_PROT_READ && MMF_PAGE_READWRITE == MMF_PROT_READWRITE &&
	       MMF_PAGE_WRITECOPY == MMF_PROT_WRITECOPY, "protections");
_Static_assert(MMF_MAP_READ == MMF_ACCESS_READ && MMF_MAP_WRITE == MMF_ACCESS_WRITE &&
	       MMF_MAP_COPY == MMF_ACCESS_COPY && MMF_MAP_EXEC == MMF_ACCESS_EXEC, "access");
_Static_assert(MMF_FLUSH_START == MMF_FLUSH_ASYNC && MMF_FLUSH_STABLE == MMF_FLUSH_DURABLE,
	       "flush flags");
_Static_assert(MMF_WRITE_WATCH_RESET == MMF_WATCH_RESET, "watch flags");
#endif

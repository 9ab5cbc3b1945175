// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handing a section to another process.  A section handle is an open of
 * /dev/mmf bound to the section with fixed rights (kmod/mmf.h, struct
 * mmf_handle); a descriptor of it passed over SCM_RIGHTS carries exactly
 * those rights (Documentation/security.rst, "handles are capabilities").
 * Export is a duplicate of the descriptor; import checks that the
 * descriptor is a bound handle of /dev/mmf, reads the section with
 * MMF_IOC_STAT and finds the rights it carries from a probe view (the
 * module clears VM_MAYWRITE and VM_MAYEXEC for rights the handle lacks,
 * which /proc/self/smaps shows as "mw" and "me").  The kernel gives no way
 * to make a handle with fewer rights than another (Documentation/win32.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define ALL_ACCESS (MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY | MMF_MAP_EXEC)

MMF_EXPORT int mmf_section_export(const mmf_section *section, int *fd)
{
	int d;

	if (!section || !fd)
		return -EINVAL;
	d = fcntl(section->fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return -errno;
	*fd = d;
	return 0;
}

/* Is @fd an open of /dev/mmf (the same device as the library's own open)? */
static int is_mmf_device(int fd)
{
	struct stat a, b;
	int ctl = mmf__control_get(), ret;

	if (ctl < 0)
		return ctl;
	if (fstat(fd, &a) < 0 || fstat(ctl, &b) < 0)
		ret = -errno;
	else
		ret = S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev ? 0 : -EBADF;
	mmf__control_put();
	return ret;
}

/* The VmFlags of the mapping at @addr: MMF_MAP_WRITE for "mw", MMF_MAP_EXEC for "me". */
static unsigned int may_flags(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	unsigned long long start = (uintptr_t)addr, s, e;
	unsigned int found = 0;
	char line[512], perms[8];
	bool in = false;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line: "start-end perms offset dev inode path". */
		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) == 3 && strlen(perms) == 4) {
			in = s == start;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			if (strstr(line, " mw"))
				found |= MMF_MAP_WRITE;
			if (strstr(line, " me"))
				found |= MMF_MAP_EXEC;
			break;
		}
	}
	fclose(f);
	return found;
}

MMF_EXPORT int mmf_section_import(int fd, unsigned int access, mmf_section **section)
{
	struct mmf_stat st = { .size = sizeof(st) };
	unsigned int carried = MMF_MAP_READ | MMF_MAP_COPY;
	size_t page = mmf__page_size();
	mmf_section *s;
	void *probe;
	int ret, d;

	if (!section)
		return -EINVAL;
	*section = NULL;
	if (!access || (access & ~ALL_ACCESS))
		return -EINVAL;
	ret = is_mmf_device(fd);
	if (ret < 0)
		return ret;
	ret = mmf__ioctl(fd, MMF_IOC_STAT, &st);
	if (ret < 0)
		return ret;	/* -EBADFD: not bound to a section */
	/*
	 * An inaccessible view shows what the handle may do.  A section
	 * smaller than a page whose bytes this process may not see cannot be
	 * mapped at all: then only reading is claimed.
	 */
	probe = mmap(NULL, page, PROT_NONE, MAP_SHARED, fd, 0);
	if (probe != MAP_FAILED) {
		carried |= may_flags(probe);
		munmap(probe, page);
	}
	if (access & ~carried)
		return -EACCES;
	d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(d);
		return -ENOMEM;
	}
	s->fd = d;
	s->access = access | MMF_MAP_READ;
	s->prot = st.prot;
	s->size = st.section_size;
	s->id = st.section_id;
	/* Every handle holds the control handle open (device.c); mmf_close() lets go. */
	mmf__hold(1);
	*section = s;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/* Sections: create, open, close, and what a handle knows of its section. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A name's length, or -errno: empty names and names over the limit fail. */
static int name_length(const char *name)
{
	size_t len;

	if (!name)
		return 0;
	len = strnlen(name, MMF_NAME_MAX + 1);
	if (len == 0)
		return -EINVAL;
	if (len > MMF_NAME_MAX)
		return -ENAMETOOLONG;
	return (int)len;
}

static int bind_section(int fd, unsigned int access, unsigned int prot, uint64_t size,
			uint64_t id, mmf_section **out)
{
	mmf_section *s = malloc(sizeof(*s));

	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	*s = (mmf_section){ .fd = fd, .access = access, .prot = prot, .size = size, .id = id };
	mmf__hold(1);
	*out = s;
	return 0;
}

/* Options from a caller that may know a longer or shorter struct. */
static int read_options(const struct mmf_options *o, struct mmf_options *out)
{
	const unsigned char *tail;
	size_t i;

	*out = (struct mmf_options){ .size = sizeof(*out) };
	if (!o)
		return 0;
	if (o->size < MMF_OPTIONS_SIZE_VER0)
		return -EINVAL;
	if (o->size > MMF_STRUCT_MAX)
		return -E2BIG;
	/* Fields a newer caller knows and this library does not must be zero. */
	tail = (const unsigned char *)o;
	for (i = sizeof(*o); i < o->size; i++)
		if (tail[i])
			return -E2BIG;
	/* Fields past an older caller's size read as zero. */
	memcpy(out, o, o->size < sizeof(*o) ? o->size : sizeof(*o));
	out->size = sizeof(*out);
	if (out->mode & ~0777u)
		return -EINVAL;
	if (!out->mode)
		out->mode = 0600;
	return 0;
}

/*
 * Grow the backing file to @size with ftruncate(2) on the caller's fd, so
 * that every check a truncate passes (Landlock's truncate right, LSM
 * path and file truncate hooks, seals, RLIMIT_FSIZE) decides: the module
 * cannot make them and refuses a section past the end (-EOVERFLOW).  Never
 * shrinks a file that is already long enough.
 */
static int grow_file(int fd, uint64_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size >= 0 && (uint64_t)st.st_size >= size)
		return 0;
	if (size > INT64_MAX)
		return -EFBIG;
	while (ftruncate(fd, (off_t)size) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

MMF_EXPORT int mmf_create_options(int fd, uint64_t max_size, unsigned int protection,
				  const struct mmf_options *options, mmf_section **section)
{
	struct mmf_create c = { .size = sizeof(c), .fd = fd, .prot = protection };
	struct mmf_options o;
	const char *name;
	unsigned int flags;
	int len, h, ret, tries;

	if (!section)
		return -EINVAL;
	*section = NULL;
	if (protection < MMF_PAGE_READONLY || protection > MMF_PAGE_WRITECOPY)
		return -EINVAL;
	ret = read_options(options, &o);
	if (ret < 0)
		return ret;
	flags = o.flags;
	name = o.name;
	if (flags & ~(MMF_SECTION_EXCL | MMF_SECTION_ANY_BACKING | MMF_SECTION_PAST_EOF |
		      MMF_SECTION_UNTRACKED))
		return -EINVAL;
	if ((flags & MMF_SECTION_PAST_EOF) &&
	    (protection != MMF_PAGE_READONLY || fd == MMF_NO_FILE))
		return -EINVAL;
	if (fd < MMF_NO_FILE)
		return -EBADF;
	if (fd == MMF_NO_FILE && max_size == 0)
		return -EINVAL;
	len = name_length(name);
	if (len < 0)
		return len;
	if ((flags & MMF_SECTION_EXCL) && !name)
		return -EINVAL;

	if (fd == MMF_NO_FILE)
		c.flags |= MMF_CREATE_SWAP;
	if (flags & MMF_SECTION_EXCL)
		c.flags |= MMF_CREATE_EXCL;
	if (flags & MMF_SECTION_PAST_EOF)
		c.flags |= MMF_CREATE_PAST_EOF;
	if (flags & MMF_SECTION_UNTRACKED)
		c.flags |= MMF_CREATE_UNTRACKED;
	/* Someone else's file under a well-known name: refused unless asked. */
	if (!(flags & MMF_SECTION_ANY_BACKING))
		c.flags |= MMF_CREATE_SAME_BACKING;
	c.max_size = max_size;
	if (name) {
		c.name = (uintptr_t)name;
		c.name_len = (uint32_t)len;
		c.mode = o.mode;
	}
	c.readaround = o.readaround;
	h = mmf__open_device();
	if (h < 0)
		return h;
	ret = mmf__ioctl(h, MMF_IOC_CREATE, &c);
	/*
	 * The file is shorter than the section: grow it and ask again.  Only
	 * the module's other checks have passed by then.  Someone may shrink
	 * the file in between; then grow it once more, and give up after that
	 * (a failed attempt leaves the file grown, as a completed one does).
	 */
	for (tries = 0; ret == -EOVERFLOW && fd != MMF_NO_FILE && tries < 2; tries++) {
		ret = grow_file(fd, max_size);
		if (ret == 0)
			ret = mmf__ioctl(h, MMF_IOC_CREATE, &c);
	}
	if (ret < 0) {
		close(h);
		return ret;
	}
	/* An existing section keeps its protection: read it back. */
	if (c.result & MMF_RESULT_EXISTED) {
		struct mmf_stat st = { .size = sizeof(st) };

		if (mmf__ioctl(h, MMF_IOC_STAT, &st) == 0)
			protection = st.prot;
	}
	ret = bind_section(h, c.access, protection, c.section_size, c.section_id, section);
	if (ret == 0) {
		(*section)->existed = c.result & MMF_RESULT_EXISTED;
		(*section)->other_backing = c.result & MMF_RESULT_OTHER_BACKING;
	}
	return ret;
}

MMF_EXPORT int mmf_create(int fd, uint64_t max_size, unsigned int protection,
			  mmf_section **section)
{
	return mmf_create_options(fd, max_size, protection, NULL, section);
}

MMF_EXPORT int mmf_open(const char *name, unsigned int access, mmf_section **section)
{
	struct mmf_open o = { .size = sizeof(o) };
	int len, h, ret;

	if (!section)
		return -EINVAL;
	*section = NULL;
	if (!name)
		return -EINVAL;
	if (access == 0 || (access & ~(MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY | MMF_MAP_EXEC)))
		return -EINVAL;
	len = name_length(name);
	if (len < 0)
		return len;
	o.name = (uintptr_t)name;
	o.name_len = (uint32_t)len;
	/* Every right implies read, as on Windows. */
	o.access = access | MMF_ACCESS_READ;
	h = mmf__open_device();
	if (h < 0)
		return h;
	ret = mmf__ioctl(h, MMF_IOC_OPEN, &o);
	if (ret < 0) {
		close(h);
		return ret;
	}
	return bind_section(h, o.access, o.prot, o.section_size, o.section_id, section);
}

/* Views stay valid: the kernel keeps the section while a view lives. */
MMF_EXPORT int mmf_close(mmf_section *section)
{
	int fd, ret;

	if (!section)
		return -EINVAL;
	fd = section->fd;
	free(section);
	ret = close(fd) < 0 && errno != EINTR ? -errno : 0;
	mmf__hold(-1);
	return ret;
}

MMF_EXPORT uint64_t mmf_section_size(const mmf_section *section)
{
	return section ? section->size : 0;
}

MMF_EXPORT unsigned int mmf_section_access(const mmf_section *section)
{
	return section ? section->access : 0;
}

MMF_EXPORT unsigned int mmf_section_protection(const mmf_section *section)
{
	return section ? section->prot : 0;
}

MMF_EXPORT bool mmf_section_existed(const mmf_section *section)
{
	return section && section->existed;
}

MMF_EXPORT bool mmf_section_other_backing(const mmf_section *section)
{
	return section && section->other_backing;
}

MMF_EXPORT int mmf_section_stats(const mmf_section *section, struct mmf_stats *stats)
{
	struct mmf_stat st = { .size = sizeof(st) };
	struct mmf_stats out;
	int ret;

	if (!section || !stats)
		return -EINVAL;
	ret = mmf__out_size(stats->size, MMF_STATS_SIZE_VER0);
	if (ret < 0)
		return ret;
	ret = mmf__ioctl(section->fd, MMF_IOC_STAT, &st);
	if (ret < 0)
		return ret;
	out = (struct mmf_stats){
		.size = stats->size,
		.section_id = st.section_id,
		.section_size = st.section_size,
		.faults = st.faults,
		.major_faults = st.major_faults,
		.pages_dirtied = st.pages_dirtied,
		.pages_flushed = st.pages_flushed,
		.flushes = st.flushes,
		.writeback_errors = st.writeback_errors,
		.views = st.views,
		.dirty_pages = st.dirty_pages,
		.protection = st.prot,
		.readaround = st.readaround,
		.flags = st.section_flags & MMF_CREATE_UNTRACKED ? MMF_SECTION_UNTRACKED : 0,
	};
	mmf__out_fill(stats, &out, sizeof(out));
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmmf: Win32-style memory-mapped file sections on Linux (/dev/mmf).
 *
 * A section is a file (or, with no file, swap-backed memory) of a fixed
 * maximum size; views map all or part of it into the address space.  Every
 * call returns 0 (or a count) on success and a negative errno value on
 * failure (errno is not part of the API).  All calls are thread-safe.  Views
 * stay valid after their section handle is closed.  See libmmf(3).
 */
#ifndef MMF_H
#define MMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMF_VERSION_MAJOR	1
#define MMF_VERSION_MINOR	0

/* An open section; opaque. */
typedef struct mmf_section mmf_section;

/* Pass as the fd of mmf_create() for a swap-backed section. */
#define MMF_NO_FILE		(-1)

/* Section protection (mmf_create). */
#define MMF_PAGE_READONLY	1	/* views may only read */
#define MMF_PAGE_READWRITE	2	/* shared views may write the file */
#define MMF_PAGE_WRITECOPY	3	/* views may write private copies */

/* mmf_create() flags. */
#define MMF_SECTION_EXCL	(1U << 0)	/* fail with -EEXIST if the name exists */
/* Join a named section even when it is not backed by this fd's file. */
#define MMF_SECTION_ANY_BACKING	(1U << 1)

/* Access of a handle (mmf_open) or a view (mmf_map, mmf_query). */
#define MMF_MAP_READ		(1U << 0)
#define MMF_MAP_WRITE		(1U << 1)	/* write through to the section */
#define MMF_MAP_COPY		(1U << 2)	/* copy-on-write, never reaches the file */
#define MMF_MAP_EXEC		(1U << 3)

/* mmf_flush() flags. */
#define MMF_FLUSH_START		(1U << 0)	/* start write-back, do not wait */
#define MMF_FLUSH_STABLE	(1U << 1)	/* also sync to stable storage */

/* mmf_write_watch() flags. */
#define MMF_WRITE_WATCH_RESET	(1U << 0)	/* clear the bits after reading */

/* What mmf_query() reports about the view containing an address. */
struct mmf_view_info {
	void *start;		/* first address of the view (piece) */
	size_t length;		/* its length in bytes */
	uint64_t offset;	/* section offset of start */
	uint64_t section_id;	/* unique while the module is loaded */
	uint64_t section_size;	/* bytes */
	unsigned int access;	/* MMF_MAP_* of the view now */
	unsigned int protection; /* MMF_PAGE_* of the section */
};

/* A section's counters (mmf_section_stats). */
struct mmf_stats {
	uint64_t section_id;
	uint64_t section_size;	/* bytes */
	uint64_t faults;	/* pages mapped by page faults */
	uint64_t major_faults;	/* of those, faults that read the file */
	uint64_t pages_dirtied;	/* first writes to clean pages */
	uint64_t pages_flushed;	/* pages flushes found dirty and wrote */
	uint64_t flushes;	/* flush calls that covered the section */
	uint64_t writeback_errors;
	uint64_t views;		/* live views */
	uint64_t dirty_pages;	/* pages written through views, dirty now */
	unsigned int protection; /* MMF_PAGE_* */
	unsigned int readaround; /* read-around window in pages */
};

/* Optional settings of mmf_create(); NULL means all defaults. */
struct mmf_options {
	unsigned int size;	/* sizeof(struct mmf_options) */
	unsigned int mode;	/* permission bits of a new named section; 0 = 0600 */
	unsigned int readaround; /* read-around window in pages; 0 = default */
};

int mmf_create(int fd, uint64_t max_size, unsigned int protection, const char *name,
	       unsigned int flags, const struct mmf_options *options, mmf_section **section,
	       bool *existed);
int mmf_open(const char *name, unsigned int access, mmf_section **section);
int mmf_close(mmf_section *section);
uint64_t mmf_section_size(const mmf_section *section);
unsigned int mmf_section_access(const mmf_section *section);
unsigned int mmf_section_protection(const mmf_section *section);
bool mmf_section_other_backing(const mmf_section *section);
int mmf_section_stats(const mmf_section *section, struct mmf_stats *stats);

int mmf_map(mmf_section *section, unsigned int access, uint64_t offset, size_t length,
	    void *hint, void **view);
int mmf_unmap(void *address);
int mmf_flush(const void *address, size_t length, unsigned int flags,
	      uint64_t *pages_written);
int mmf_query(const void *address, struct mmf_view_info *info);
int mmf_write_watch(void *address, size_t length, unsigned int flags, uint64_t *bitmap,
		    size_t bitmap_bits, size_t *dirty_pages);
int mmf_file_mapped(int fd, uint64_t *sections, uint64_t *views);

size_t mmf_granularity(void);
int mmf_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MMF_H */

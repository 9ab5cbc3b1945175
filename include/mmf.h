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

/*
 * The release of these headers (the file VERSION of the sources; the
 * library's own is mmf_version()).  MMF_VERSION_NUMBER compares as a number.
 */
#define MMF_VERSION_MAJOR	0
#define MMF_VERSION_MINOR	9
#define MMF_VERSION_PATCH	0
#define MMF_VERSION_NUMBER	\
	(MMF_VERSION_MAJOR * 10000 + MMF_VERSION_MINOR * 100 + MMF_VERSION_PATCH)

/* An open section; opaque. */
typedef struct mmf_section mmf_section;

/* Pass as the fd of mmf_create() for a swap-backed section. */
#define MMF_NO_FILE		(-1)

/* Section protection (mmf_create). */
#define MMF_PAGE_READONLY	1	/* views may only read */
#define MMF_PAGE_READWRITE	2	/* shared views may write the file */
#define MMF_PAGE_WRITECOPY	3	/* views may write private copies */

/* struct mmf_options.flags (mmf_create_options). */
#define MMF_SECTION_EXCL	(1U << 0)	/* fail with -EEXIST if the name exists */
/* Join a named section even when it is not backed by this fd's file. */
#define MMF_SECTION_ANY_BACKING	(1U << 1)
/*
 * MMF_PAGE_READONLY on a file: max_size may pass the end of the file (which
 * is not grown); pages past the end raise SIGBUS until the file grows, as
 * with mmap().  Needs a module that reports MMF_FEATURE_PAST_EOF (else
 * -EINVAL).
 */
#define MMF_SECTION_PAST_EOF	(1U << 2)
/*
 * A swap-backed section (fd MMF_NO_FILE) or one on a tmpfs file (else
 * -EOPNOTSUPP): its views do not record writes, and so cost what a shared
 * mmap() costs.  Its dirty_pages, pages_dirtied and pages_flushed stay 0,
 * mmf_flush() has nothing to do, and mmf_write_watch() fails with
 * -EOPNOTSUPP.  A named section keeps its creator's choice
 * (mmf_stats.flags).  Needs a module that reports MMF_FEATURE_UNTRACKED
 * (else -EINVAL).
 */
#define MMF_SECTION_UNTRACKED	(1U << 3)

/* Access of a handle (mmf_open) or a view (mmf_map, mmf_query). */
#define MMF_MAP_READ		(1U << 0)
#define MMF_MAP_WRITE		(1U << 1)	/* write through to the section */
#define MMF_MAP_COPY		(1U << 2)	/* copy-on-write, never reaches the file */
#define MMF_MAP_EXEC		(1U << 3)
/*
 * mmf_map() only: the view goes exactly at the address given or the call
 * fails (-EEXIST when something is mapped there); an existing mapping is
 * never replaced (MAP_FIXED_NOREPLACE).
 */
#define MMF_MAP_FIXED		(1U << 8)

/*
 * mmf_flush() flags: the same names and values as the kernel's
 * <linux/mmf.h> (both headers may be included).
 */
#define MMF_FLUSH_ASYNC		(1U << 0)
#define MMF_FLUSH_DURABLE	(1U << 1)

/* mmf_write_watch() flags. */
#define MMF_WRITE_WATCH_RESET	(1U << 0)	/* clear the bits after reading */

/*
 * Structs the library fills start with their size, set by the caller to
 * sizeof(the struct) as it knows it.  The library accepts any size from the
 * first published one (the *_SIZE_VER0 below; smaller: -EINVAL), fills the
 * fields it knows that fit and zeroes the rest of the caller's struct up to
 * its size (at most 4096 bytes; larger sizes: -EINVAL).  New fields are
 * only ever appended.
 */

/* What mmf_query() reports about the view containing an address. */
struct mmf_view_info {
	unsigned int size;	/* in: sizeof(struct mmf_view_info) */
	unsigned int access;	/* MMF_MAP_* of the view now */
	void *start;		/* first address of the view (piece) */
	size_t length;		/* its length in bytes */
	uint64_t offset;	/* section offset of start */
	uint64_t section_id;	/* unique while the module is loaded */
	uint64_t section_size;	/* bytes */
	unsigned int protection; /* MMF_PAGE_* of the section */
	unsigned int reserved;	/* zero */
};
#define MMF_VIEW_INFO_SIZE_VER0	(offsetof(struct mmf_view_info, reserved) + sizeof(unsigned int))

/* A section's counters (mmf_section_stats). */
struct mmf_stats {
	unsigned int size;	/* in: sizeof(struct mmf_stats) */
	unsigned int protection; /* MMF_PAGE_* */
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
	unsigned int readaround; /* read-around window in pages */
	unsigned int flags;	/* MMF_SECTION_UNTRACKED, if made so (0.9.0: reserved) */
};
#define MMF_STATS_SIZE_VER0	(offsetof(struct mmf_stats, flags) + sizeof(unsigned int))

/*
 * Optional settings of mmf_create_options(); NULL means all defaults.  Any
 * size from MMF_OPTIONS_SIZE_VER0 (release 0.9.0: mode and read-around) is
 * accepted; fields past the caller's size read as zero.  A larger struct
 * than the library knows is refused with -E2BIG if its unknown bytes are
 * not all zero (a setting this library cannot honour).
 */
struct mmf_options {
	unsigned int size;	/* sizeof(struct mmf_options) */
	unsigned int mode;	/* permission bits of a new named section; 0 = 0600 */
	unsigned int readaround; /* read-around window in pages; 0 = default */
	/* since 1.0 (MMF_OPTIONS_SIZE_VER1) */
	unsigned int flags;	/* MMF_SECTION_* */
	const char *name;	/* the section's name; NULL = unnamed */
};
#define MMF_OPTIONS_SIZE_VER0	(offsetof(struct mmf_options, flags))
#define MMF_OPTIONS_SIZE_VER1	(offsetof(struct mmf_options, name) + sizeof(const char *))

/* The common case: an unnamed section of a file (or MMF_NO_FILE). */
int mmf_create(int fd, uint64_t max_size, unsigned int protection, mmf_section **section);
/* Everything else (name, flags, mode, read-around) in @options. */
int mmf_create_options(int fd, uint64_t max_size, unsigned int protection,
		       const struct mmf_options *options, mmf_section **section);
int mmf_open(const char *name, unsigned int access, mmf_section **section);
int mmf_close(mmf_section *section);
uint64_t mmf_section_size(const mmf_section *section);
unsigned int mmf_section_access(const mmf_section *section);
unsigned int mmf_section_protection(const mmf_section *section);
bool mmf_section_existed(const mmf_section *section);
bool mmf_section_other_backing(const mmf_section *section);
int mmf_section_stats(const mmf_section *section, struct mmf_stats *stats);

int mmf_map(mmf_section *section, unsigned int access, uint64_t offset, size_t length,
	    void *address, void **view);
int mmf_unmap(void *address);
int mmf_flush(const void *address, size_t length, unsigned int flags,
	      uint64_t *pages_written);
int mmf_query(const void *address, struct mmf_view_info *info);
int mmf_write_watch(void *address, size_t length, unsigned int flags, uint64_t *bitmap,
		    size_t bitmap_bits, size_t *dirty_pages);
int mmf_file_mapped(int fd, uint64_t *sections, uint64_t *views);

size_t mmf_granularity(void);
int mmf_abi_version(void);
/* 0 if /dev/mmf can be used (module loaded, ABI known), else -errno. */
int mmf_available(void);
/* The library's release ("0.9.0") and the same as a number (MMF_VERSION_NUMBER). */
const char *mmf_version(void);
unsigned int mmf_version_number(void);
/* Text for a libmmf error (negative or positive errno), mmf-specific where it helps. */
const char *mmf_strerror(int err);

/*
 * Handing a section to another process (lib/section_fd.c): a descriptor
 * that carries exactly the rights of the handle, to send over a Unix
 * socket (SCM_RIGHTS) or keep across exec, and a section made of a received
 * one, with the rights asked (-EACCES if it does not carry them all).  The
 * descriptor stays the caller's in both directions (close it when sent).
 */
int mmf_section_export(const mmf_section *section, int *fd);
int mmf_section_import(int fd, unsigned int access, mmf_section **section);

#ifdef __cplusplus
}
#endif

#endif /* MMF_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmf: Win32-style memory-mapped file sections for Linux.
 *
 * An open of /dev/mmf is a handle.  MMF_IOC_CREATE or MMF_IOC_OPEN binds it
 * once to a section; mmap() of a bound handle makes a view.  The other
 * ioctls work on any open of /dev/mmf, bound or not, and take user
 * addresses, so that views stay usable after their handle is closed.
 *
 * Every argument struct starts with its size in bytes as the caller knows
 * it.  The kernel accepts any size from the first published one up to a
 * page: bytes it does not know must be zero (else -E2BIG), fields it knows
 * that the caller did not pass read as zero, and output is copied back up to
 * the smaller of the two sizes.  Reserved fields and unknown flags must be
 * zero (else -EINVAL).  Full reference: Documentation/userspace-api.rst.
 */
#ifndef _UAPI_LINUX_MMF_H
#define _UAPI_LINUX_MMF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MMF_ABI_VERSION		1
#define MMF_DEVICE_PATH		"/dev/mmf"
#define MMF_IOC_MAGIC		0xB9

/* Longest section name in bytes, without a terminating NUL. */
#define MMF_NAME_MAX		255

/* Section protection (struct mmf_create.prot). */
#define MMF_PROT_READ		1	/* views may read */
#define MMF_PROT_READWRITE	2	/* shared views may write the file */
#define MMF_PROT_WRITECOPY	3	/* views may write private copies */

/* Access rights of a handle or a view. */
#define MMF_ACCESS_READ		(1U << 0)
#define MMF_ACCESS_WRITE	(1U << 1)	/* write through to the section */
#define MMF_ACCESS_COPY		(1U << 2)	/* copy-on-write */
#define MMF_ACCESS_EXEC		(1U << 3)

/* MMF_IOC_VERSION: works on any handle. */
struct mmf_version {
	__u32 size;		/* in: sizeof(struct mmf_version) */
	__u32 abi_version;	/* out: MMF_ABI_VERSION */
	__u32 page_size;	/* out: the kernel's page size */
	__u32 reserved;		/* must be zero */
	__u64 features;		/* out: MMF_FEATURE_* bits */
};

/* struct mmf_create.flags */
#define MMF_CREATE_SWAP		(1U << 0)	/* no file: swap-backed, fd = -1 */
#define MMF_CREATE_EXCL		(1U << 1)	/* fail with -EEXIST if named */
/*
 * Refuse (-EEXIST) to join a named section that is not backed by this fd's
 * file (or not swap-backed when MMF_CREATE_SWAP).
 */
#define MMF_CREATE_SAME_BACKING	(1U << 2)
/*
 * MMF_PROT_READ on a file only: max_size may pass the end of the file.
 * Pages past the end raise SIGBUS until the file grows, as with mmap().
 */
#define MMF_CREATE_PAST_EOF	(1U << 3)
/*
 * swap-backed or tmpfs sections only (else -EOPNOTSUPP): views do not record
 * writes.  Shared views are mapped writable at once, as by mmap(); the
 * section keeps no dirty pages (dirty_pages, pages_dirtied and pages_written
 * stay 0) and its views have no write watch (-EOPNOTSUPP).  A section that
 * is joined by name keeps the choice its creator made (mmf_stat.section_flags).
 */
#define MMF_CREATE_UNTRACKED	(1U << 4)

/* struct mmf_version.features */
#define MMF_FEATURE_PAST_EOF	(1ULL << 0)	/* MMF_CREATE_PAST_EOF is known */
#define MMF_FEATURE_UNTRACKED	(1ULL << 1)	/* MMF_CREATE_UNTRACKED is known */

/* struct mmf_create.result */
#define MMF_RESULT_EXISTED	(1U << 0)	/* bound to an existing section */
/* Joined a section whose backing is not the file passed (or swap vs file). */
#define MMF_RESULT_OTHER_BACKING (1U << 1)

/* MMF_IOC_CREATE: binds an unbound handle to a new or named section. */
struct mmf_create {
	__u32 size;		/* in: sizeof(struct mmf_create) */
	__u32 flags;		/* in: MMF_CREATE_* */
	__s32 fd;		/* in: backing file, -1 with MMF_CREATE_SWAP */
	__u32 prot;		/* in: MMF_PROT_* */
	__u64 max_size;		/* in: bytes; 0 = the file's size */
	__u64 name;		/* in: pointer to the name, 0 = unnamed */
	__u32 name_len;		/* in: bytes, no NUL; 0 = unnamed */
	__u32 mode;		/* in: permission bits (0777) of a named section */
	__u32 readaround;	/* in: read-around window in pages, 0 = default */
	__u32 result;		/* out: MMF_RESULT_* */
	__u64 section_size;	/* out: the section's size in bytes */
	__u64 section_id;	/* out: unique while the module is loaded */
	__u32 access;		/* out: the handle's MMF_ACCESS_* rights */
	__u32 reserved;		/* must be zero */
};

/* MMF_IOC_OPEN: binds an unbound handle to an existing named section. */
struct mmf_open {
	__u32 size;		/* in: sizeof(struct mmf_open) */
	__u32 flags;		/* in: must be zero */
	__u64 name;		/* in: pointer to the name */
	__u32 name_len;		/* in: bytes, no NUL */
	__u32 access;		/* in: requested MMF_ACCESS_* rights */
	__u64 section_size;	/* out */
	__u64 section_id;	/* out */
	__u32 prot;		/* out: the section's MMF_PROT_* */
	__u32 reserved;		/* must be zero */
};

/* struct mmf_flush.flags */
#define MMF_FLUSH_ASYNC		(1U << 0)	/* start write-back, do not wait */
#define MMF_FLUSH_DURABLE	(1U << 1)	/* also sync data to stable storage */

/*
 * MMF_IOC_FLUSH: writes back the dirty pages of every view in a range of the
 * caller's address space (FlushViewOfFile).  addr is rounded down to a page;
 * length 0 means to the end of the view that contains addr.
 */
struct mmf_flush {
	__u32 size;		/* in: sizeof(struct mmf_flush) */
	__u32 flags;		/* in: MMF_FLUSH_* */
	__u64 addr;		/* in: start address, inside a view */
	__u64 length;		/* in: bytes, 0 = to the end of that view */
	__u64 pages_written;	/* out: recorded pages found dirty and written */
};

/* struct mmf_write_watch.flags */
#define MMF_WATCH_RESET		(1U << 0)	/* clear the bits after reading */

/*
 * MMF_IOC_WRITE_WATCH: the pages of one view written since the last reset or
 * flush (GetWriteWatch).  Bit i of the bitmap (u64 words, least significant
 * bit first) stands for the page at addr + i * page size.
 */
struct mmf_write_watch {
	__u32 size;		/* in: sizeof(struct mmf_write_watch) */
	__u32 flags;		/* in: MMF_WATCH_* */
	__u64 addr;		/* in: page-aligned, inside one view */
	__u64 length;		/* in: bytes, a page multiple, inside that view */
	__u64 bitmap;		/* in: pointer to the u64 bitmap words */
	__u64 bitmap_bits;	/* in: capacity in bits, >= length / page size */
	__u64 dirty_pages;	/* out: bits set */
};

/* MMF_IOC_STAT: the counters of the handle's section. */
struct mmf_stat {
	__u32 size;		/* in: sizeof(struct mmf_stat) */
	__u32 flags;		/* in: must be zero */
	__u64 section_id;	/* out */
	__u64 section_size;	/* out: bytes */
	__u64 faults;		/* out: faults resolved by fault or fault-around */
	__u64 major_faults;	/* out: faults that waited for a read */
	__u64 pages_dirtied;	/* out: first writes to clean pages */
	__u64 pages_flushed;	/* out: pages_written of all flushes */
	__u64 flushes;		/* out: flush calls */
	__u64 writeback_errors;	/* out: write-back errors seen */
	__u64 views;		/* out: live views */
	__u64 dirty_pages;	/* out: recorded pages dirty now */
	__u32 prot;		/* out: MMF_PROT_* */
	__u32 readaround;	/* out: read-around window in pages */
	/* Since MMF_FEATURE_UNTRACKED; a caller passing the size above gets the rest. */
	__u32 section_flags;	/* out: MMF_CREATE_UNTRACKED if the section was */
	__u32 reserved;		/* out: zero */
};

/* The size of struct mmf_stat in ABI 1 as first published. */
#define MMF_STAT_SIZE_VER0	96

/* MMF_IOC_QUERY: the view that contains an address of the caller. */
struct mmf_query {
	__u32 size;		/* in: sizeof(struct mmf_query) */
	__u32 flags;		/* in: must be zero */
	__u64 addr;		/* in: any address */
	__u64 view_start;	/* out: first address of the view */
	__u64 view_length;	/* out: bytes */
	__u64 offset;		/* out: section offset of view_start */
	__u64 section_id;	/* out */
	__u64 section_size;	/* out: bytes */
	__u32 access;		/* out: the view's MMF_ACCESS_* rights */
	__u32 prot;		/* out: the section's MMF_PROT_* */
};

/* MMF_IOC_FILE_MAPPED: whether a file has live views of any section. */
struct mmf_file_mapped {
	__u32 size;		/* in: sizeof(struct mmf_file_mapped) */
	__s32 fd;		/* in: any open file */
	__u32 flags;		/* in: must be zero */
	__u32 reserved;		/* must be zero */
	__u64 sections;		/* out: live sections backed by the file */
	__u64 views;		/* out: live views of those sections */
};

#define MMF_IOC_VERSION		_IOWR(MMF_IOC_MAGIC, 0x00, struct mmf_version)
#define MMF_IOC_CREATE		_IOWR(MMF_IOC_MAGIC, 0x01, struct mmf_create)
#define MMF_IOC_OPEN		_IOWR(MMF_IOC_MAGIC, 0x02, struct mmf_open)
#define MMF_IOC_FLUSH		_IOWR(MMF_IOC_MAGIC, 0x03, struct mmf_flush)
#define MMF_IOC_WRITE_WATCH	_IOWR(MMF_IOC_MAGIC, 0x04, struct mmf_write_watch)
#define MMF_IOC_STAT		_IOWR(MMF_IOC_MAGIC, 0x05, struct mmf_stat)
#define MMF_IOC_QUERY		_IOWR(MMF_IOC_MAGIC, 0x06, struct mmf_query)
#define MMF_IOC_FILE_MAPPED	_IOWR(MMF_IOC_MAGIC, 0x07, struct mmf_file_mapped)

#endif /* _UAPI_LINUX_MMF_H */

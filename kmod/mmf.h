/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the mmf module.
 *
 * Object model (Documentation/design.rst has the long version):
 *
 *   handle   an open of /dev/mmf (struct mmf_handle in file->private_data),
 *            bound at most once to a section.
 *   section  a backing file (or a shmem file for a swap-backed section)
 *            opened privately by the module, plus counters, a dirty index
 *            and optionally a name.  Its lifetime is that of an anonymous
 *            "anchor" file whose release frees it: every bound handle and
 *            every view (VMA) holds one reference to the anchor.
 *   view     a VMA whose vm_file is one of the section's private files
 *            (read-write for shared views that may write, read-only for
 *            every other view; both "guarded", see mmf_file.c, so that
 *            nothing reached through the VMA maps them again) and whose
 *            vm_ops is a per-section copy of the backing file's own ops with
 *            open/close/fault/map_pages/page_mkwrite wrapped.
 */
#ifndef MMF_H
#define MMF_H

#include <linux/atomic.h>
#include <linux/errseq.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <uapi/linux/mmf.h>

#include "mmf_compat.h"

/*
 * Largest read-around window in pages a caller may ask for.  The default
 * (0) is the window the backing file's open gave it, as for mmap(2).
 */
#define MMF_READAROUND_MAX	1024

/*
 * A page index of a section (dirty, watch, pending): a sparse bitmap whose
 * cost follows its set bits.  An xarray of one-page chunks (mmf_dirty.c),
 * each with a summary word per 64 bitmap words; chunks that hold a set bit
 * carry the xarray mark MMF_CHUNK_BUSY, so scans never read empty ones, and
 * the scan or clear that takes a chunk's last bit frees it.
 *
 * Locking: every look at a chunk's bits, every insertion and every removal
 * of a chunk is under the xarray's own lock (xa_lock), which
 * mmf_dirty_mark() takes for a few instructions; no chunk pointer is used
 * outside it, so a chunk is freed at once.  mmf_dirty_prepare() makes sure,
 * before page_mkwrite, that the chunk exists, so that the mark after it
 * normally allocates nothing; a chunk emptied and freed in between (a flush
 * took its last bit meanwhile) is allocated again by the mark with
 * __GFP_NOFAIL: a write page_mkwrite let through is always recorded.  So
 * mark may sleep, rarely.  @count (the number of set bits) is read without
 * the lock.
 */
struct mmf_dirty {
	struct xarray chunks;	/* chunk index -> struct mmf_chunk */
	atomic_long_t count;
};

/* Live chunks, module-wide (debugfs). */
extern atomic_long_t mmf_nr_chunks;

void mmf_dirty_init(struct mmf_dirty *d);
void mmf_dirty_destroy(struct mmf_dirty *d);
int mmf_dirty_prepare(struct mmf_dirty *d, pgoff_t pgoff);
void mmf_dirty_unprepare(struct mmf_dirty *d, pgoff_t pgoff);
bool mmf_dirty_mark(struct mmf_dirty *d, pgoff_t pgoff);
unsigned long mmf_dirty_mark_range(struct mmf_dirty *d, pgoff_t first, pgoff_t last);
bool mmf_dirty_any(struct mmf_dirty *d, pgoff_t first, pgoff_t last);
unsigned int mmf_dirty_record_many(struct mmf_dirty *d, const pgoff_t *pgoffs, unsigned int n);
bool mmf_dirty_record(struct mmf_dirty *d, pgoff_t pgoff);
bool mmf_dirty_test(struct mmf_dirty *d, pgoff_t pgoff);
bool mmf_dirty_clear(struct mmf_dirty *d, pgoff_t pgoff);
unsigned int mmf_dirty_clear_unless(struct mmf_dirty *d, const pgoff_t *pgoffs, unsigned int n,
				    bool (*keep)(void *arg, pgoff_t first, pgoff_t last),
				    void *arg);
unsigned int mmf_dirty_scan(struct mmf_dirty *d, pgoff_t *pos, pgoff_t last,
			    pgoff_t *out, unsigned int max, bool clear);

/* Per-CPU counters bumped on the fault path (no shared cache line). */
struct mmf_pcpu_stats {
	u64 faults;
	u64 major_faults;
	u64 pages_dirtied;
};

struct mmf_section;

/*
 * A per-section copy of one vm_operations_struct of the backing file
 * system, with our wrappers in it.  A view's vm_ops points at @ops, so the
 * wrappers find @orig and @sec with container_of().  One copy per distinct
 * original (6.12's shmem installs different ops for unlinked files).
 * Created under mmf_section.ops_lock, immutable afterwards, freed with the
 * section (which every view keeps alive).
 */
struct mmf_vmops {
	const struct vm_operations_struct ops;	/* written once, before use */
	const struct vm_operations_struct *orig;
	struct mmf_section *sec;
	struct mmf_vmops *next;		/* mmf_section.vmops list */
};

/*
 * A section.  Lifetime: freed by mmf_anchor_release() when the last
 * reference to @anchor goes (bound handles, views, and short-lived
 * references taken by ioctls that work on a view's section).
 *
 * The section holds a reference to @file (and so to the backing file
 * system) and, while its name lives, to @ns.
 *
 * Immutable after creation: id, anchor, file, rofile, mapping, inode, size, pages,
 * tail, prot, readaround, swap, untracked, can_writeback, can_retry, wb_base,
 * owner_uid.
 * Set once under mmf_names_lock before the name is hashed, immutable
 * after: name, name_len, uid, gid, mode.
 * mmf_names_lock: handles, name_node (while hashed), ns (dropped and
 * NULLed when the name dies).
 * mmf_sections_lock: node.
 * ops_lock: vmops list (entries are immutable once linked).
 * err_lock: err_epoch, err_active, err_errno, err_end, pending_err.
 * mmf_cursors_lock: cursors (see struct mmf_cursor).
 * atomics / per-CPU: views, dirty, watch, pending, moves, stats, pages_flushed,
 * flushes, wb_errors.
 */
struct mmf_section {
	u64 id;
	struct file *anchor;
	struct file *file;		/* private open: read-write if prot is */
	struct file *rofile;		/* private open, read-only */
	struct address_space *mapping;	/* file->f_mapping */
	struct inode *inode;		/* file_inode(file) */
	loff_t size;			/* bytes */
	pgoff_t pages;			/* size rounded up to pages */
	pgoff_t tail;			/* partial last page, or ULONG_MAX */
	u32 prot;			/* MMF_PROT_* */
	u32 readaround;			/* pages: f_ra.ra_pages of both files */
	bool swap;			/* shmem file of our own */
	/*
	 * MMF_CREATE_UNTRACKED (shmem only): views have no page_mkwrite, so
	 * nothing is recorded in @dirty or @watch, and flushes re-arm nothing.
	 */
	bool untracked;
	bool can_writeback;		/* mapping has a real write-back */
	/*
	 * A failed write-back is retried by making its pages dirty again:
	 * the file system writes back any dirty folio (those on a block
	 * device).  NFS writes only what its own write path queued, and
	 * drops the queue on failure: there, as with mmap(2), failed pages
	 * are lost once the failure was reported, and never counted written.
	 */
	bool can_retry;
	errseq_t wb_base;		/* wb_err when the section was made */
	kuid_t owner_uid;		/* charged for the per-user limit */

	/* Named sections only (name == NULL otherwise). */
	char *name;
	u32 name_len;
	struct ipc_namespace *ns;	/* scope of the name, referenced */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	unsigned int handles;		/* bound handles; name dies at 0 */
	struct hlist_node name_node;

	struct list_head node;		/* mmf_sections */
	atomic_t views;

	spinlock_t ops_lock;		/* protects vmops */
	struct mmf_vmops *vmops;

	/*
	 * Pages written through views: @dirty until a flush writes them or
	 * they are found clean, written back by the kernel itself
	 * (mmf_written_back(); the flush set and the dirty_pages
	 * statistic), @watch until a
	 * write-watch reset or a flush through a view that may write the
	 * section (a reader's flush leaves it, so @watch may hold pages
	 * that @dirty no longer has).
	 */
	struct mmf_dirty dirty;
	struct mmf_dirty watch;
	/*
	 * Pages a flush handed to write-back, or found written back by the
	 * kernel, and no waiting write-back of their range confirmed yet:
	 * back to @dirty (and dirty in the page cache again) when that
	 * write-back fails.
	 */
	struct mmf_dirty pending;
	/*
	 * Moves of pages between @dirty and @pending under way (low 32
	 * bits) and done (the rest): a page moving is in neither index for
	 * a moment, so a settle that ran meanwhile may have missed it and
	 * does not count (mmf_move_begin(), mmf_pending_settle()).
	 */
	atomic64_t moves;

	/* Write-back failure episodes (see mmf_flush.c), under err_lock. */
	spinlock_t err_lock;
	u32 err_epoch;			/* 0: none yet */
	bool err_active;
	int err_errno;			/* of the episode: -EIO, -ENOSPC, ... */
	errseq_t err_end;		/* wb_err when the last episode ended */
	errseq_t pending_err;		/* wb_err when @pending and @dirty were last re-dirtied */
	struct hlist_head cursors;	/* handles' error cursors on this section */
	struct mmf_pcpu_stats __percpu *stats;
	atomic64_t pages_flushed;
	atomic64_t flushes;
	atomic64_t wb_errors;
};

/*
 * A handle: the private data of an open /dev/mmf.  @lock serialises
 * binding and the use of this handle's error cursors.  @sec is written once
 * under @lock (with release semantics), as are @access, @hide_tail and
 * @cred, and never changes afterwards; the handle holds a reference to its
 * anchor and to @cred, the credentials it was bound with, which
 * @hide_tail was decided for (see mmf_view_hides_tail()).
 * @cursors maps a section id to this handle's struct mmf_cursor for it,
 * for every live section it flushed.
 */
struct mmf_handle {
	struct mutex lock;		/* binding, cursor contents */
	struct mmf_section *sec;
	u32 access;			/* MMF_ACCESS_* */
	bool hide_tail;			/* views hide the partial last page */
	const struct cred *cred;	/* the binder's, referenced */
	struct xarray cursors;
};

/*
 * What one handle was told of one section's write-back errors: the errseq
 * cursor on the backing mapping's wb_err and the failure episode told.
 * Made by the handle's first flush of the section, in @h->cursors and on
 * the section's @cursors list; freed by whichever of the two dies first
 * (mmf_cursors_drop_section() / mmf_cursors_drop_handle()), so a process
 * that flushes many short-lived sections through one handle keeps none of
 * the dead ones.
 *
 * Locking: mmf_cursors_lock (a mutex, taken inside mmf_handle.lock, never
 * the other way round) covers linking and unlinking, that is both the
 * section's list and the insertion into and removal from @h->cursors.
 * @err and @told are used under @h->lock by a flush, which holds a
 * reference to the section: neither side can free the cursor then.
 */
struct mmf_cursor {
	struct hlist_node node;		/* mmf_section.cursors */
	struct mmf_handle *h;
	errseq_t err;
	u32 told;
};

/* Write-back error cursors, module-wide (debugfs). */
extern atomic_long_t mmf_nr_cursors;

/* Module-wide state (mmf_section.c). */
extern struct mutex mmf_sections_lock;
extern struct list_head mmf_sections;
extern atomic_t mmf_nr_sections;
extern atomic_t mmf_nr_views;
extern unsigned int mmf_max_sections_per_user;

/* mmf_uarg.c: extensible ioctl arguments. */
int mmf_uarg_in(void *karg, size_t ksize, const void __user *uarg);
int mmf_uarg_in_min(void *karg, size_t ksize, size_t minsize, const void __user *uarg);
int mmf_uarg_out(void __user *uarg, const void *karg, size_t ksize);

/* mmf_section.c */
struct mmf_section *mmf_section_create(struct file *backing, u32 prot, u64 max_size,
				       u32 readaround, u32 flags);
void mmf_section_bind(struct mmf_handle *h, struct mmf_section *sec, u32 access,
		      bool holds_file);
u32 mmf_prot_access(u32 prot);
void mmf_section_get(struct mmf_section *sec);
void mmf_section_put(struct mmf_section *sec);
void mmf_section_stats(struct mmf_section *sec, struct mmf_pcpu_stats *sum);
long mmf_ioctl_create(struct mmf_handle *h, void __user *uarg);
long mmf_ioctl_stat(struct mmf_handle *h, void __user *uarg);

/* mmf_names.c */
int mmf_names_copy(u64 uname, u32 len, char **out);
struct mmf_section *mmf_names_lookup(const char *name, u32 len);
bool mmf_names_permit(const struct mmf_section *sec, u32 access);
void mmf_names_insert(struct mmf_section *sec, char *name, u32 len, umode_t mode);
void mmf_names_unbind(struct mmf_section *sec);
int mmf_user_charge(kuid_t uid);
void mmf_user_uncharge(kuid_t uid);
extern struct mutex mmf_names_lock;
long mmf_ioctl_open(struct mmf_handle *h, void __user *uarg);

/* mmf_file.c */
struct file *mmf_file_open(struct file *backing, int flags);
int mmf_file_guard_swap(struct file *file, struct file **rofile);
bool mmf_file_can_mmap(const struct file *file);
int mmf_file_mmap(struct file *file, struct vm_area_struct *vma);
int mmf_files_init(void);
void mmf_files_exit(void);

/* mmf_view.c */
int mmf_view_mmap(struct mmf_handle *h, struct vm_area_struct *vma);
struct mmf_section *mmf_vma_section(struct vm_area_struct *vma);
void mmf_section_free_vmops(struct mmf_section *sec);

/* mmf_flush.c */
long mmf_ioctl_flush(struct mmf_handle *h, void __user *uarg);
void mmf_rearm(struct mmf_section *sec, const pgoff_t *pgoffs, unsigned int n,
	       bool redirty);
void mmf_release_writeback(struct mmf_section *sec);
bool mmf_written_back(struct mmf_section *sec, pgoff_t pgoff);
int mmf_settle_written_back(struct mmf_section *sec);
void mmf_cursors_drop_section(struct mmf_section *sec);
void mmf_cursors_drop_handle(struct mmf_handle *h);

/* mmf_watch.c */
long mmf_ioctl_write_watch(void __user *uarg);

/* mmf_query.c */
long mmf_ioctl_query(void __user *uarg);
long mmf_ioctl_file_mapped(void __user *uarg);

/* mmf_debugfs.c */
void mmf_debugfs_init(void);
void mmf_debugfs_exit(void);

#endif /* MMF_H */

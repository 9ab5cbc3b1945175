// SPDX-License-Identifier: GPL-2.0
/*
 * Views: mmap of a bound handle, stacked on the backing file's own page
 * cache.  The VMA's file becomes one of the section's private files (the
 * read-write one only for shared views that may write; see mmf_file.c for
 * why they refuse any other mmap), the backing file system's own mmap sets
 * it up, and its vm_operations_struct is replaced by a per-section copy
 * whose open/close keep the section (and through it this module) alive,
 * whose fault/map_pages count, and whose page_mkwrite records the page in
 * the dirty index.
 *
 * Fault path rules: fault and map_pages take no lock and allocate nothing
 * of their own (per-CPU counters); page_mkwrite allocates the dirty-index
 * chunks it needs before the page becomes writable, and recording takes
 * the index's own lock briefly and may sleep (see struct mmf_dirty).
 * Nothing is touched after the backing fault returned VM_FAULT_RETRY or
 * VM_FAULT_COMPLETED, because then the mmap lock or the per-VMA lock
 * (6.12, 7.2) was dropped and the VMA, and with it the section, may be
 * gone; except by a fault that will read the page, which holds a section
 * reference of its own across the backing fault to count the read (see
 * mmf_vm_fault()).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "mmf.h"

static void mmf_vm_open(struct vm_area_struct *vma);
static void mmf_vm_close(struct vm_area_struct *vma);

static inline const struct mmf_vmops *mmf_vmops_of(const struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct mmf_vmops, ops);
}

/* The section of a view, or NULL when @vma is not a view. */
struct mmf_section *mmf_vma_section(struct vm_area_struct *vma)
{
	if (!vma->vm_ops || vma->vm_ops->close != mmf_vm_close)
		return NULL;
	return mmf_vmops_of(vma)->sec;
}

static inline bool mmf_shared_maywrite(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);
}

/*
 * Whether the page at @pgoff is missing from the page cache, so that the
 * fault will read it (a swapped-out shmem page is a value entry).  A
 * lockless peek: a hint that may be stale at once.
 */
static bool mmf_page_missing(struct mmf_section *sec, pgoff_t pgoff)
{
	void *entry = xa_load(&sec->mapping->i_pages, pgoff);

	return !entry || xa_is_value(entry);
}

/*
 * Counting faults.  @faults counts the faults that resolved here, in
 * fault or fault-around.  @major_faults counts the backing faults that
 * started a read (VM_FAULT_MAJOR), where it happens: such a fault often
 * returns VM_FAULT_RETRY once the read is done, with the mmap lock or the
 * per-VMA lock (6.12, 7.2) dropped, and its retry may never come back
 * here (another thread of the process mapped the page meanwhile), so it
 * is not counted on the retry (FAULT_FLAG_TRIED) as the core counts it.
 * Touching the section after a RETRY needs a reference of our own, which
 * is taken only when the page is missing (a shared cache line per major
 * fault, none per minor one); a page evicted between the peek and the
 * backing fault's own lookup goes uncounted.
 */
static vm_fault_t mmf_vm_fault(struct vm_fault *vmf)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vmf->vma);
	struct mmf_section *sec = mo->sec;
	bool pinned = mmf_page_missing(sec, vmf->pgoff);
	vm_fault_t ret;

	if (pinned)
		mmf_section_get(sec);
	ret = mo->orig->fault(vmf);
	/* Without the pin, the VMA and the section may be gone after these. */
	if ((ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)) && !pinned)
		return ret;
	if ((ret & VM_FAULT_MAJOR) && !(ret & VM_FAULT_ERROR))
		this_cpu_inc(sec->stats->major_faults);
	if (!(ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED | VM_FAULT_ERROR)))
		this_cpu_inc(sec->stats->faults);
	/* The last use of @sec: a last reference only queues the release. */
	if (pinned)
		mmf_section_put(sec);
	return ret;
}

/* Fault-around: VM_FAULT_NOPAGE means the faulting page got mapped. */
static vm_fault_t mmf_vm_map_pages(struct vm_fault *vmf, pgoff_t start, pgoff_t end)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vmf->vma);
	vm_fault_t ret;

	ret = mo->orig->map_pages(vmf, start, end);
	if (ret & VM_FAULT_NOPAGE)
		this_cpu_inc(mo->sec->stats->faults);
	return ret;
}

/* Chunks of both indexes exist before the page is made writable. */
static int mmf_record_prepare(struct mmf_section *sec, pgoff_t pgoff)
{
	if (mmf_dirty_prepare(&sec->dirty, pgoff) || mmf_dirty_prepare(&sec->watch, pgoff))
		return -ENOMEM;
	return 0;
}

static void mmf_record_unprepare(struct mmf_section *sec, pgoff_t pgoff)
{
	mmf_dirty_unprepare(&sec->dirty, pgoff);
	mmf_dirty_unprepare(&sec->watch, pgoff);
}

static void mmf_record(struct mmf_section *sec, pgoff_t pgoff)
{
	if (mmf_dirty_mark(&sec->dirty, pgoff))
		this_cpu_inc(sec->stats->pages_dirtied);
	mmf_dirty_mark(&sec->watch, pgoff);
}

static void mmf_record_range(struct mmf_section *sec, pgoff_t first, pgoff_t last)
{
	this_cpu_add(sec->stats->pages_dirtied, mmf_dirty_mark_range(&sec->dirty, first, last));
	mmf_dirty_mark_range(&sec->watch, first, last);
}

/* The pages of @folio inside the section: [*first, *last]. */
static void mmf_folio_pages(struct mmf_section *sec, struct folio *folio, pgoff_t *first,
			    pgoff_t *last)
{
	*first = folio->index;
	*last = min_t(pgoff_t, folio_next_index(folio), sec->pages) - 1;
}

/*
 * A write fault that may make a whole large folio writable at once: one
 * PMD, or (7.2) the PTEs of every page of a large folio mapped by the
 * fault that brought it in (vmf->pte is NULL then: no PTE existed).
 */
static bool mmf_folio_writable(struct vm_fault *vmf)
{
	struct folio *folio = page_folio(vmf->page);

	return mmf_may_map_pmd(vmf, folio) || mmf_may_map_folio_ptes(vmf, folio);
}

/* The index chunks for the page, or for its whole folio (see above). */
static void mmf_mkwrite_unprepare(struct mmf_section *sec, struct vm_fault *vmf, bool whole)
{
	struct folio *folio = page_folio(vmf->page);

	mmf_record_unprepare(sec, vmf->pgoff);
	if (whole) {
		mmf_record_unprepare(sec, folio->index);
		mmf_record_unprepare(sec, folio->index + folio_nr_pages(folio) - 1);
	}
}

static int mmf_mkwrite_prepare(struct mmf_section *sec, struct vm_fault *vmf, bool whole)
{
	struct folio *folio = page_folio(vmf->page);

	if (mmf_record_prepare(sec, vmf->pgoff) ||
	    (whole &&
	     (mmf_record_prepare(sec, folio->index) ||
	      mmf_record_prepare(sec, folio->index + folio_nr_pages(folio) - 1)))) {
		mmf_mkwrite_unprepare(sec, vmf, whole);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Record the page, or every page of its folio when the fault may make the
 * whole folio writable (@whole, decided once before the chunks were
 * prepared, see mmf_folio_writable()): no write may go unrecorded, at the
 * price of recording a whole large folio (6.1 with a 2 MiB-aligned view of
 * a huge tmpfs file, any view after MADV_HUGEPAGE, and on 7.2 the first
 * write into any large folio).  The folio is locked and referenced here.
 */
static void mmf_mkwrite_record(struct mmf_section *sec, struct vm_fault *vmf, bool whole)
{
	struct folio *folio = page_folio(vmf->page);
	pgoff_t first, last;

	if (!whole || !folio_test_large(folio)) {
		mmf_record(sec, vmf->pgoff);
		return;
	}
	mmf_folio_pages(sec, folio, &first, &last);
	mmf_record_range(sec, first, last);
}

/*
 * A write to a clean page that is still recorded: the kernel wrote it back
 * since (or is writing it).  The old record goes (mmf_written_back()), so
 * that this write is recorded, and counted in pages_dirtied, as the first
 * write to a clean page it is.  Before the chunks are prepared, since this
 * may free one.
 */
static void mmf_mkwrite_settle(struct mmf_section *sec, struct vm_fault *vmf, bool whole)
{
	struct folio *folio = page_folio(vmf->page);
	pgoff_t first, last, i;

	if (!sec->can_writeback || folio_test_dirty(folio))
		return;
	if (!whole || !folio_test_large(folio)) {
		mmf_written_back(sec, vmf->pgoff);
		return;
	}
	/* Most often none is recorded: one look for the whole folio. */
	mmf_folio_pages(sec, folio, &first, &last);
	if (!mmf_dirty_any(&sec->dirty, first, last))
		return;
	for (i = first; i <= last; i++)
		mmf_written_back(sec, i);
}

/* The backing file system's page_mkwrite, then the record. */
static vm_fault_t mmf_vm_page_mkwrite(struct vm_fault *vmf)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vmf->vma);
	struct mmf_section *sec = mo->sec;
	bool whole = mmf_folio_writable(vmf);
	vm_fault_t ret;

	mmf_mkwrite_settle(sec, vmf, whole);
	if (mmf_mkwrite_prepare(sec, vmf, whole))
		return VM_FAULT_OOM;
	ret = mo->orig->page_mkwrite(vmf);
	/* The VMA, and the section, may be gone: the lock was dropped. */
	if (ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))
		return ret;
	/* Refused (a full disk, a racing truncate): the chunks go again. */
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
		mmf_mkwrite_unprepare(sec, vmf, whole);
		return ret;
	}
	mmf_mkwrite_record(sec, vmf, whole);
	return ret;
}

/*
 * For file systems without page_mkwrite (shmem: tmpfs files and
 * swap-backed sections): what filemap_page_mkwrite() does, minus the
 * freeze protection shmem does not need, plus the record.  Having a
 * page_mkwrite at all makes the core map shared pages read-only until
 * written (vma_wants_writenotify), which is what lets us see the write.
 */
static vm_fault_t mmf_vm_mkwrite_nofs(struct vm_fault *vmf)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vmf->vma);
	struct mmf_section *sec = mo->sec;
	struct folio *folio = page_folio(vmf->page);
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	bool whole = mmf_folio_writable(vmf);

	mmf_mkwrite_settle(sec, vmf, whole);
	if (mmf_mkwrite_prepare(sec, vmf, whole))
		return VM_FAULT_OOM;
	folio_lock(folio);
	if (folio->mapping != mapping) {
		folio_unlock(folio);
		mmf_mkwrite_unprepare(sec, vmf, whole);
		return VM_FAULT_NOPAGE;
	}
	folio_mark_dirty(folio);
	mmf_mkwrite_record(sec, vmf, whole);
	return VM_FAULT_LOCKED;
}

static void mmf_view_get(struct mmf_section *sec, struct vm_area_struct *vma)
{
	mmf_section_get(sec);
	atomic_inc(&sec->views);
	atomic_inc(&mmf_nr_views);
}

/* Fork, split, mremap: one more VMA of the view. */
static void mmf_vm_open(struct vm_area_struct *vma)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vma);

	if (mo->orig->open)
		mo->orig->open(vma);
	/* Cannot fail: this view's own count is already positive. */
	if (mmf_shared_maywrite(vma))
		WARN_ON_ONCE(mapping_map_writable(mo->sec->mapping));
	mmf_view_get(mo->sec, vma);
}

/*
 * The last thing done is dropping the section reference, and that only
 * queues the final fput: the anchor's release and its module_put() run
 * later from core code, never while this function still runs.
 */
static void mmf_vm_close(struct vm_area_struct *vma)
{
	const struct mmf_vmops *mo = mmf_vmops_of(vma);
	struct mmf_section *sec = mo->sec;

	if (mo->orig->close)
		mo->orig->close(vma);
	if (mmf_shared_maywrite(vma))
		mapping_unmap_writable(sec->mapping);
	atomic_dec(&mmf_nr_views);
	atomic_dec(&sec->views);
	mmf_section_put(sec);
}

/*
 * Fill @mo as the wrapped copy of @orig for @sec: every member copied,
 * ours set.  @mo->ops is const for everyone but this, its maker, which
 * runs before the copy is published.
 */
static void mmf_vmops_fill(struct mmf_vmops *mo, struct mmf_section *sec,
			   const struct vm_operations_struct *orig)
{
	struct vm_operations_struct *ops = (void *)(const void *)&mo->ops;

	*ops = *orig;
	mo->orig = orig;
	mo->sec = sec;
	mo->next = NULL;
	ops->open = mmf_vm_open;
	ops->close = mmf_vm_close;
	ops->fault = mmf_vm_fault;
	if (orig->map_pages)
		ops->map_pages = mmf_vm_map_pages;
	/* Untracked: no page_mkwrite, so shared pages map writable at once. */
	if (orig->page_mkwrite)
		ops->page_mkwrite = mmf_vm_page_mkwrite;
	else
		ops->page_mkwrite = sec->untracked ? NULL : mmf_vm_mkwrite_nofs;
}

/* The section's copy for @orig; @spare is used (and NULLed) if needed. */
static struct mmf_vmops *mmf_vmops_get(struct mmf_section *sec,
				       const struct vm_operations_struct *orig,
				       struct mmf_vmops **spare)
{
	struct mmf_vmops *mo;

	spin_lock(&sec->ops_lock);
	for (mo = sec->vmops; mo; mo = mo->next)
		if (mo->orig == orig)
			break;
	if (!mo) {
		mo = *spare;
		*spare = NULL;
		mmf_vmops_fill(mo, sec, orig);
		mo->next = sec->vmops;
		sec->vmops = mo;
	}
	spin_unlock(&sec->ops_lock);
	return mo;
}

void mmf_section_free_vmops(struct mmf_section *sec)
{
	struct mmf_vmops *mo, *next;

	for (mo = sec->vmops; mo; mo = next) {
		next = mo->next;
		kfree(mo);
	}
	sec->vmops = NULL;
}

static bool mmf_path_noexec(const struct path *path)
{
	return (path->mnt->mnt_flags & MNT_NOEXEC) ||
	       (path->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

static unsigned int mmf_memfd_seals(struct inode *inode)
{
	if (inode->i_sb->s_magic != TMPFS_MAGIC)
		return 0;
	return READ_ONCE(SHMEM_I(inode)->seals);
}

/*
 * Whether @b may do no more than @a with a file, as far as the DAC checks
 * go: same file system identity, groups and namespace, no capability @a
 * lacks.  (LSM labels are not compared: a handle kept across an exec that
 * changed only them keeps its decision.)
 */
static bool mmf_cred_within(const struct cred *a, const struct cred *b)
{
	return a == b ||
	       (uid_eq(a->fsuid, b->fsuid) && gid_eq(a->fsgid, b->fsgid) &&
		a->group_info == b->group_info && a->user_ns == b->user_ns &&
		cap_issubset(b->cap_effective, a->cap_effective));
}

/*
 * The last page of a section whose size is not a page multiple holds file
 * bytes past the section when the file is longer, or once it grows (by
 * write(2), with no hook for the module to unmap the page then).  Views
 * that must not show or change those bytes never include that page (their
 * mmap fails with EACCES; libmmf maps whole-section views one page
 * shorter), so they see nothing the section does not share, now or later:
 * views of a handle that does not hold an fd of the file (OPEN by name, or
 * a CREATE that joined a name with another file), and views made by anyone
 * with other credentials than the handle was bound with (the creator's
 * handle passed over SCM_RIGHTS or kept across setuid).  The creator, whose
 * fd of the file passed every check open(2) makes, maps the whole page.
 *
 * Excluding the page from the VMA, rather than refusing to fault it, is
 * what holds with large folios: the core maps a PMD-sized folio with one
 * PMD, and 7.2 maps every page of a large folio that fits the VMA at once,
 * from the fault or fault-around of any of its pages.
 */
static bool mmf_view_hides_tail(struct mmf_handle *h, struct mmf_section *sec)
{
	if (h->hide_tail)
		return true;
	return !sec->swap && sec->tail != ULONG_MAX && !mmf_cred_within(h->cred, current_cred());
}

/*
 * The checks the core made against /dev/mmf, redone for the backing file
 * and the handle's rights.  Clears VM_MAY* bits so that mprotect can never
 * add what the view may not have.
 *
 * PROT_EXEC is refused at mmap even where the handle may execute: the core
 * ran the mmap security hooks (AppArmor, IMA, Smack, IPE) against
 * /dev/mmf, not the backing file, and a module cannot call them itself.
 * VM_MAYEXEC stays, so a view is made executable by mprotect(PROT_EXEC),
 * whose hook sees the backing file as vm_file.
 */
static int mmf_view_check(struct mmf_handle *h, struct mmf_section *sec,
			  struct vm_area_struct *vma)
{
	unsigned long len = vma_pages(vma);
	bool shared = vma->vm_flags & VM_SHARED;

	if (vma->vm_pgoff >= sec->pages || len > sec->pages - vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_pgoff + len > sec->tail && mmf_view_hides_tail(h, sec))
		return -EACCES;
	/* The legacy READ_IMPLIES_EXEC personality adds it to every PROT_READ. */
	if ((vma->vm_flags & VM_EXEC) && (current->personality & READ_IMPLIES_EXEC))
		mmf_vm_flags_clear(vma, VM_EXEC);
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;
	if (shared && !(h->access & MMF_ACCESS_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		mmf_vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (shared && (mmf_memfd_seals(sec->inode) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		mmf_vm_flags_clear(vma, VM_MAYWRITE);
	}
	/*
	 * As mmap(2) of a file that became an active swap file, append-only
	 * or immutable since CREATE (which refuses such files for writing).
	 */
	if (shared && IS_SWAPFILE(sec->inode)) {
		if (vma->vm_flags & VM_WRITE)
			return -ETXTBSY;
		mmf_vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (shared && (IS_APPEND(sec->inode) || IS_IMMUTABLE(sec->inode))) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		mmf_vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (mmf_path_noexec(&sec->file->f_path) || !(h->access & MMF_ACCESS_EXEC))
		mmf_vm_flags_clear(vma, VM_MAYEXEC);
	return 0;
}

int mmf_view_mmap(struct mmf_handle *h, struct vm_area_struct *vma)
{
	/* Pairs with mmf_section_bind(): h->access is valid once sec is. */
	struct mmf_section *sec = smp_load_acquire(&h->sec);
	struct file *user_file = vma->vm_file;
	struct mmf_vmops *spare, *mo;
	struct file *file;
	bool writable;
	int err;

	if (!sec)
		return -EBADFD;
	err = mmf_view_check(h, sec, vma);
	if (err)
		return err;
	spare = kmalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
	if (!spare)
		return -ENOMEM;

	/* Sealed memfds refuse this; held for the life of the VMA. */
	writable = mmf_shared_maywrite(vma);
	if (writable) {
		err = mapping_map_writable(sec->mapping);
		if (err)
			goto free;
	}
	/* Pins the section, and this module with it, for the VMA. */
	mmf_section_get(sec);

	/*
	 * From here the VMA maps a private file: on an error the core drops
	 * that file reference, everything else is ours to undo.  user_file
	 * stays valid: the caller of mmap holds it.  A view that may never
	 * write gets the file that is not open for writing.
	 */
	file = writable ? sec->file : sec->rofile;
	vma_set_file(vma, file);
	/* A swap-backed section's shmem file is the module's own. */
	if (!sec->swap) {
		err = mmf_security_mmap_backing(vma, file, user_file);
		if (err)
			goto undo;
	}
	err = mmf_file_mmap(file, vma);
	if (err)
		goto undo;
	/*
	 * Not a page-cache mapping we know how to stack on, or one the inner
	 * mmap handed to yet another file (overlayfs, FUSE passthrough):
	 * its pages are not in the section's mapping, which flush, re-arming
	 * and the writable count work on.
	 */
	if (!vma->vm_ops || !vma->vm_ops->fault || vma->vm_file != file ||
	    (vma->vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP))) {
		if (vma->vm_ops && vma->vm_ops->close)
			vma->vm_ops->close(vma);
		err = -ENODEV;
		goto undo;
	}
	/* The inner mmap may have taken write away (a memfd seal). */
	if (writable && !mmf_shared_maywrite(vma)) {
		mapping_unmap_writable(sec->mapping);
		writable = false;
	}
	mo = mmf_vmops_get(sec, vma->vm_ops, &spare);
	vma->vm_ops = &mo->ops;
	/*
	 * Never merged with, nor grown into, a plain mapping of the file;
	 * not mapped with PMDs where the kernel honours VM_NOHUGEPAGE (a
	 * PMD makes a whole large folio writable after one page_mkwrite,
	 * which is then recorded whole, see mmf_mkwrite_record()).
	 */
	mmf_vm_flags_set(vma, VM_DONTEXPAND | VM_NOHUGEPAGE);
	atomic_inc(&sec->views);
	atomic_inc(&mmf_nr_views);
	kfree(spare);
	return 0;

undo:
	mmf_section_put(sec);
	if (writable)
		mapping_unmap_writable(sec->mapping);
free:
	kfree(spare);
	return err;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the differences between the kernel series mmf builds
 * for (Debian 12's 6.1 and 6.12, and Debian sid's newest, 7.2 today) are
 * papered over.  Logic elsewhere calls the names defined here and never
 * tests the kernel version itself.  Kernels between those series are not
 * targets: where an interface changed in between, the switch is at the
 * newer target series.
 */
#ifndef MMF_COMPAT_H
#define MMF_COMPAT_H

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/writeback.h>

/*
 * Kbuild passes the target kernel's VERSION and PATCHLEVEL (see Kbuild);
 * the series is all that matters here.
 */
#define MMF_KERNEL_AT_LEAST(major, minor)			\
	(MMF_KERNEL_MAJOR * 256 + MMF_KERNEL_MINOR >= (major) * 256 + (minor))

#if MMF_KERNEL_AT_LEAST(6, 3)
/* 6.3 made vm_flags read-only and added helpers that take the VMA lock. */
static inline void mmf_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void mmf_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void mmf_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void mmf_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#if MMF_KERNEL_AT_LEAST(6, 4)
/*
 * 6.4 made filemap_lock_folio() and filemap_get_folio() return
 * ERR_PTR(-ENOENT) for a miss.
 */
static inline struct folio *mmf_lock_folio(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio = filemap_lock_folio(mapping, index);

	return IS_ERR(folio) ? NULL : folio;
}

/* The folio cached at @index, referenced and not locked; NULL on a miss. */
static inline struct folio *mmf_get_folio(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio = filemap_get_folio(mapping, index);

	return IS_ERR(folio) ? NULL : folio;
}
#else
static inline struct folio *mmf_lock_folio(struct address_space *mapping, pgoff_t index)
{
	return filemap_lock_folio(mapping, index);
}

static inline struct folio *mmf_get_folio(struct address_space *mapping, pgoff_t index)
{
	return filemap_get_folio(mapping, index);
}
#endif

#if MMF_KERNEL_AT_LEAST(7, 2)
/*
 * Whether THPs are disabled in @vma (madvise, prctl), as do_set_pmd()
 * asks.  By 7.2 the check takes a third argument, forced_collapse, which
 * do_set_pmd() passes as true: the folio is already large.
 */
static inline bool mmf_vma_thp_disabled(struct vm_area_struct *vma)
{
	return vma_thp_disabled(vma, vma->vm_flags, true);
}
#elif MMF_KERNEL_AT_LEAST(6, 11)
static inline bool mmf_vma_thp_disabled(struct vm_area_struct *vma)
{
	return vma_thp_disabled(vma, vma->vm_flags);
}
#endif

/*
 * Whether finishing this write fault may map the whole large folio with
 * one writable PMD (do_set_pmd()), so that no later write to its other
 * pages would fault.  6.11 made do_set_pmd() honour VM_NOHUGEPAGE, which
 * views carry; 6.1 maps any PMD-sized folio of a suitably aligned VMA.
 */
static inline bool mmf_may_map_pmd(struct vm_fault *vmf, struct folio *folio)
{
	unsigned long haddr = vmf->address & HPAGE_PMD_MASK;
	struct vm_area_struct *vma = vmf->vma;

	if (!folio_test_pmd_mappable(folio) || !pmd_none(READ_ONCE(*vmf->pmd)))
		return false;
#if MMF_KERNEL_AT_LEAST(6, 11)
	return !mmf_vma_thp_disabled(vma) &&
	       thp_vma_suitable_order(vma, haddr, PMD_ORDER);
#else
	return transhuge_vma_suitable(vma, haddr);
#endif
}

#if MMF_KERNEL_AT_LEAST(7, 2)
/*
 * A swap-backed file of @size bytes whose memory is accounted to the caller
 * (no VM_NORESERVE).  By 7.2 the flags are a vma_flags_t bitmap.
 */
static inline struct file *mmf_shmem_file_setup(const char *name, loff_t size)
{
	return shmem_file_setup(name, size, EMPTY_VMA_FLAGS);
}
#else
static inline struct file *mmf_shmem_file_setup(const char *name, loff_t size)
{
	return shmem_file_setup(name, size, 0);
}
#endif

#if MMF_KERNEL_AT_LEAST(7, 2)
/*
 * Whether a write fault that found no PTE may map every page of a large
 * folio writable at once: 7.2's finish_fault() maps all of a large folio
 * that fits the VMA and one page table after a single page_mkwrite (6.12
 * does so only for anonymous shmem, 6.1 never).  The same test as the
 * core's, but for its rarer fallbacks, where erring towards yes records
 * pages that were not written.
 */
static inline bool mmf_may_map_folio_ptes(struct vm_fault *vmf, struct folio *folio)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long start;

	if (vmf->pte || !folio_test_large(folio) || folio->index < vma->vm_pgoff ||
	    folio_next_index(folio) - vma->vm_pgoff > vma_pages(vma))
		return false;
	start = vma->vm_start + ((folio->index - vma->vm_pgoff) << PAGE_SHIFT);
	return (start & PMD_MASK) == ((start + folio_size(folio) - 1) & PMD_MASK);
}
#else
static inline bool mmf_may_map_folio_ptes(struct vm_fault *vmf, struct folio *folio)
{
	return false;
}
#endif

#if MMF_KERNEL_AT_LEAST(6, 9)
#include <linux/backing-file.h>

/*
 * The section-private open of a backing file.  On 6.9+ it is a real
 * "backing file" (FMODE_BACKING, as overlayfs and FUSE passthrough make),
 * which /proc/PID/maps shows under the user's path and which the LSM hook
 * for stacked mmap accepts.
 */
static inline struct file *mmf_open_backing(struct file *user, int flags)
{
	return backing_file_open(user, flags, &user->f_path, user->f_cred);
}

/*
 * The LSM hook for a file mapped in place of the one the user passed
 * (added for overlayfs in 6.9).  6.1 has no exported equivalent:
 * security_mmap_file() is not exported, so there the LSMs see only the
 * device file at mmap and the backing file at open (dentry_open).
 */
static inline int mmf_security_mmap_backing(struct vm_area_struct *vma,
					    struct file *backing, struct file *user)
{
	return security_mmap_backing_file(vma, backing, user);
}
#else
static inline struct file *mmf_open_backing(struct file *user, int flags)
{
	return dentry_open(&user->f_path, flags, user->f_cred);
}

static inline int mmf_security_mmap_backing(struct vm_area_struct *vma,
					    struct file *backing, struct file *user)
{
	return 0;
}
#endif

#if MMF_KERNEL_AT_LEAST(7, 2)
/*
 * File systems may have only mmap_prepare (ext4, shmem on 7.2), which
 * works on a descriptor before the VMA exists.  A stacking mmap applies it
 * to the VMA it already has through the exported compat helpers, as
 * vfs_mmap() does for @fops = file->f_op: here @fops is the saved original
 * of a guarded file (mmf_file.c), whose own f_op refuses.  Kernels between
 * the series mmf targets are not supported: they had other helpers.
 */
/* A guarded copy's: never set beside mmap (can_mmap_file() warns). */
#define mmf_fops_clear_mmap_prepare(fops)	((fops)->mmap_prepare = NULL)

static inline bool mmf_fops_can_mmap(const struct file_operations *fops)
{
	return fops->mmap || fops->mmap_prepare;
}

static inline int mmf_fops_mmap(const struct file_operations *fops, struct file *file,
				struct vm_area_struct *vma)
{
	struct vm_area_desc desc;
	int err;

	if (!fops->mmap_prepare)
		return fops->mmap(file, vma);
	compat_set_desc_from_vma(&desc, file, vma);
	err = fops->mmap_prepare(&desc);
	if (err)
		return err;
	/* As vfs_mmap(): an mmap hook need not hide the VMA from rmap. */
	desc.action.hide_from_rmap_until_complete = false;
	return __compat_vma_mmap(&desc, vma);
}
#else
#define mmf_fops_clear_mmap_prepare(fops)	((void)(fops))

static inline bool mmf_fops_can_mmap(const struct file_operations *fops)
{
	return fops->mmap;
}

static inline int mmf_fops_mmap(const struct file_operations *fops, struct file *file,
				struct vm_area_struct *vma)
{
	return fops->mmap(file, vma);
}
#endif

/*
 * Start write-back of the dirty folios of [@start, @end] of @mapping and
 * wait for nothing: a folio already under write-back is skipped and stays
 * dirty for the next pass (WB_SYNC_NONE).  7.2 replaced
 * filemap_fdatawrite_wbc() by filemap_flush_range().
 */
#if MMF_KERNEL_AT_LEAST(7, 2)
static inline int mmf_writeback_start(struct address_space *mapping, loff_t start, loff_t end)
{
	return filemap_flush_range(mapping, start, end);
}
#else
static inline int mmf_writeback_start(struct address_space *mapping, loff_t start, loff_t end)
{
	struct writeback_control wbc = {
		.sync_mode	= WB_SYNC_NONE,
		.nr_to_write	= LONG_MAX,
		.range_start	= start,
		.range_end	= end,
	};

	return filemap_fdatawrite_wbc(mapping, &wbc);
}
#endif

#endif /* MMF_COMPAT_H */

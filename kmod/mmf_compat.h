/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the differences between the kernel series mmf builds
 * for (Debian 12's 6.1 and 6.12) are papered over.  Logic elsewhere calls
 * the names defined here and never tests LINUX_VERSION_CODE itself.
 */
#ifndef MMF_COMPAT_H
#define MMF_COMPAT_H

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>

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
/* 6.4 made filemap_lock_folio() return ERR_PTR(-ENOENT) for a miss. */
static inline struct folio *mmf_lock_folio(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio = filemap_lock_folio(mapping, index);

	return IS_ERR(folio) ? NULL : folio;
}
#else
static inline struct folio *mmf_lock_folio(struct address_space *mapping, pgoff_t index)
{
	return filemap_lock_folio(mapping, index);
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

/* notify_change() on @file's mount: 6.3 replaced user namespaces by idmaps. */
static inline int mmf_notify_change(struct file *file, struct iattr *attr)
{
#if MMF_KERNEL_AT_LEAST(6, 3)
	return notify_change(file_mnt_idmap(file), file->f_path.dentry, attr, NULL);
#else
	return notify_change(file_mnt_user_ns(file), file->f_path.dentry, attr, NULL);
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

/* Whether the caller's credentials may read @file's inode (as open would). */
static inline bool mmf_may_read(struct file *file)
{
#if MMF_KERNEL_AT_LEAST(6, 3)
	return !inode_permission(file_mnt_idmap(file), file_inode(file), MAY_READ);
#else
	return !inode_permission(file_mnt_user_ns(file), file_inode(file), MAY_READ);
#endif
}

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

#endif /* MMF_COMPAT_H */

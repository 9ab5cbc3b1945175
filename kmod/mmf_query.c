// SPDX-License-Identifier: GPL-2.0
/*
 * QUERY (VirtualQuery for views) and FILE_MAPPED (does a file have views,
 * which the library needs to refuse shrinking a mapped file as Win32 does).
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "mmf.h"

/* The rights a view has now (its current protection and sharing). */
static u32 mmf_vma_access(const struct vm_area_struct *vma)
{
	u32 access = 0;

	if (vma->vm_flags & VM_READ)
		access |= MMF_ACCESS_READ;
	if (vma->vm_flags & VM_EXEC)
		access |= MMF_ACCESS_EXEC;
	if (!(vma->vm_flags & VM_SHARED))
		access |= MMF_ACCESS_COPY;
	else if (vma->vm_flags & VM_WRITE)
		access |= MMF_ACCESS_WRITE;
	return access;
}

long mmf_ioctl_query(void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct mmf_section *sec;
	struct mmf_query q;
	long ret;

	ret = mmf_uarg_in(&q, sizeof(q), uarg);
	if (ret)
		return ret;
	if (q.flags)
		return -EINVAL;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, q.addr);
	sec = vma && vma->vm_start <= q.addr ? mmf_vma_section(vma) : NULL;
	if (!vma || vma->vm_start > q.addr) {
		ret = -ENOMEM;
	} else if (!sec) {
		ret = -EINVAL;
	} else {
		q.view_start = vma->vm_start;
		q.view_length = vma->vm_end - vma->vm_start;
		q.offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		q.section_id = sec->id;
		q.section_size = sec->size;
		q.access = mmf_vma_access(vma);
		q.prot = sec->prot;
	}
	mmap_read_unlock(mm);
	if (ret)
		return ret;
	return mmf_uarg_out(uarg, &q, sizeof(q));
}

long mmf_ioctl_file_mapped(void __user *uarg)
{
	struct mmf_file_mapped fm;
	struct mmf_section *sec;
	struct inode *inode;
	struct file *file;
	long ret;

	ret = mmf_uarg_in(&fm, sizeof(fm), uarg);
	if (ret)
		return ret;
	if (fm.flags || fm.reserved)
		return -EINVAL;
	/*
	 * A real open (not O_PATH): who may only look the file up does not
	 * learn whether others have it mapped.
	 */
	file = fget(fm.fd);
	if (!file)
		return -EBADF;
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE))) {
		fput(file);
		return -EBADF;
	}
	inode = file_inode(file);
	fm.sections = 0;
	fm.views = 0;
	mutex_lock(&mmf_sections_lock);
	list_for_each_entry(sec, &mmf_sections, node) {
		if (sec->inode != inode)
			continue;
		fm.sections++;
		fm.views += atomic_read(&sec->views);
	}
	mutex_unlock(&mmf_sections_lock);
	fput(file);
	return mmf_uarg_out(uarg, &fm, sizeof(fm));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * WRITE_WATCH (GetWriteWatch / ResetWriteWatch): the pages of one view
 * recorded as written since the last reset or flush.  A reset clears them
 * and re-arms write protection so that the next write is recorded again.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmf.h"

/* Output bits built per round: one page of bitmap. */
#define MMF_WATCH_BITS	(PAGE_SIZE * BITS_PER_BYTE)
#define MMF_WATCH_SCAN	(PAGE_SIZE / sizeof(pgoff_t))

long mmf_ioctl_write_watch(void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct mmf_write_watch w;
	struct vm_area_struct *vma;
	struct mmf_section *sec;
	unsigned long *bits;
	pgoff_t *found;
	pgoff_t first, npages, done;
	u64 __user *ubitmap;
	bool shared, reset;
	u64 total = 0;
	long ret;

	ret = mmf_uarg_in(&w, sizeof(w), uarg);
	if (ret)
		return ret;
	if (w.flags & ~MMF_WATCH_RESET)
		return -EINVAL;
	if ((w.addr | w.length) & ~PAGE_MASK || !w.length)
		return -EINVAL;
	if (w.addr + w.length < w.addr || w.addr + w.length > TASK_SIZE)
		return -EINVAL;
	npages = w.length >> PAGE_SHIFT;
	if (w.bitmap_bits < npages)
		return -EINVAL;
	ubitmap = u64_to_user_ptr(w.bitmap);
	if (!access_ok(ubitmap, DIV_ROUND_UP(npages, 64) * sizeof(u64)))
		return -EFAULT;
	reset = w.flags & MMF_WATCH_RESET;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, w.addr);
	if (!vma || vma->vm_start > w.addr) {
		mmap_read_unlock(mm);
		return -ENOMEM;
	}
	sec = mmf_vma_section(vma);
	if (!sec || w.addr + w.length > vma->vm_end) {
		mmap_read_unlock(mm);
		return -EINVAL;
	}
	/* Its writes are not recorded: no watch to read. */
	if (sec->untracked) {
		mmap_read_unlock(mm);
		return -EOPNOTSUPP;
	}
	first = vma->vm_pgoff + ((w.addr - vma->vm_start) >> PAGE_SHIFT);
	shared = vma->vm_flags & VM_SHARED;
	/*
	 * The watch is the section's, shared by every view: only a view
	 * that may write the section may reset it, or a reader (say another
	 * user with read access to a named section) could hide the
	 * writers' writes from them.
	 */
	if (reset && shared && !(vma->vm_flags & VM_MAYWRITE)) {
		mmap_read_unlock(mm);
		return -EACCES;
	}
	mmf_section_get(sec);
	mmap_read_unlock(mm);

	ret = -ENOMEM;
	bits = kmalloc(PAGE_SIZE, GFP_KERNEL);
	found = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!bits || !found)
		goto out;

	ret = 0;
	for (done = 0; done < npages; done += MMF_WATCH_BITS) {
		pgoff_t span = min_t(pgoff_t, npages - done, MMF_WATCH_BITS);
		pgoff_t pos = first + done, last = first + done + span - 1;
		size_t bytes = DIV_ROUND_UP(span, 64) * sizeof(u64);
		unsigned int n, i;

		memset(bits, 0, PAGE_SIZE);
		/* Copy-on-write views: their writes are private, never recorded. */
		while (shared && (n = mmf_dirty_scan(&sec->watch, &pos, last, found,
						     MMF_WATCH_SCAN, reset))) {
			for (i = 0; i < n; i++)
				__set_bit(found[i] - first - done, bits);
			total += n;
			if (reset)
				mmf_rearm(sec, found, n, false);
		}
		if (copy_to_user(ubitmap + done / 64, bits, bytes)) {
			ret = -EFAULT;
			break;
		}
	}
	if (!ret) {
		w.dirty_pages = total;
		ret = mmf_uarg_out(uarg, &w, sizeof(w));
	}
out:
	kfree(found);
	kfree(bits);
	mmf_section_put(sec);
	return ret;
}

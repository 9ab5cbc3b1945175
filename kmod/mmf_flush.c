// SPDX-License-Identifier: GPL-2.0
/*
 * FLUSH (FlushViewOfFile): write back the pages views recorded as dirty in
 * an address range, report write-back errors once per open of /dev/mmf
 * (errseq, like fsync), and re-arm write protection so the next write to a
 * flushed page is recorded again.
 *
 * Cost: the dirty index is walked, not the range; write-back itself walks
 * the page cache's dirty tags between the first and last recorded page of
 * each batch.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/writeback.h>

#include "mmf.h"

/* Dirty pages handled per write-back call (one page of page offsets). */
#define MMF_FLUSH_BATCH	(PAGE_SIZE / sizeof(pgoff_t))

/*
 * Write-protect the mapped pages at @pgoffs so that the next write through
 * any view faults into page_mkwrite again.  folio_mkclean() moves the PTE
 * dirty bits into the folio; with @redirty the folio is marked dirty for
 * the page cache even if it was clean (a failed write-back is retried).
 */
void mmf_rearm(struct mmf_section *sec, const pgoff_t *pgoffs, unsigned int n,
	       bool redirty)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct folio *folio = mmf_lock_folio(sec->mapping, pgoffs[i]);

		if (!folio)
			continue;
		if (folio->mapping == sec->mapping) {
			bool was_dirty = folio_mkclean(folio);

			if (was_dirty || (redirty && folio_test_uptodate(folio)))
				folio_mark_dirty(folio);
		}
		folio_unlock(folio);
		folio_put(folio);
	}
}

/*
 * The write-back error this open file has not seen yet on @sec, advancing
 * its cursor.  A cursor starts at the section's creation.
 */
static int mmf_report_error(struct mmf_handle *h, struct mmf_section *sec)
{
	errseq_t cursor;
	void *entry;
	int err;

	mutex_lock(&h->lock);
	entry = xa_load(&h->cursors, sec->id);
	cursor = entry ? (errseq_t)xa_to_value(entry) : sec->wb_base;
	err = errseq_check_and_advance(&sec->mapping->wb_err, &cursor);
	/* On ENOMEM the error is reported again next time: never lost. */
	xa_store(&h->cursors, sec->id, xa_mk_value(cursor), GFP_KERNEL);
	mutex_unlock(&h->lock);
	if (err)
		atomic64_inc(&sec->wb_errors);
	return err;
}

/* Write back, wait (unless @async) and check one batch of dirty pages. */
static int mmf_flush_batch(struct mmf_section *sec, const pgoff_t *pgoffs,
			   unsigned int n, bool async)
{
	loff_t start = (loff_t)pgoffs[0] << PAGE_SHIFT;
	loff_t end = ((loff_t)pgoffs[n - 1] << PAGE_SHIFT) + PAGE_SIZE - 1;
	errseq_t since;
	int werr;

	if (!sec->can_writeback) {
		/* shmem: nothing writes the pages back, so nothing re-arms. */
		mmf_rearm(sec, pgoffs, n, false);
		return 0;
	}
	since = errseq_sample(&sec->mapping->wb_err);
	werr = filemap_fdatawrite_range(sec->mapping, start, end);
	if (async)
		return werr;
	/*
	 * Its return value is the legacy AS_EIO/AS_ENOSPC state, which the
	 * _keep_errors variant never clears: errseq says what happened now.
	 */
	filemap_fdatawait_range_keep_errors(sec->mapping, start, end);
	if (!werr)
		werr = errseq_check(&sec->mapping->wb_err, since);
	if (werr == -ENOSPC) {
		/*
		 * The file system dropped the dirty state of the pages it
		 * could not allocate blocks for.  Mark them dirty again in
		 * the page cache, so that they are neither evicted nor
		 * forgotten: the kernel's write-back, a DURABLE flush or the
		 * section's last write-back writes them once space is freed.
		 * They stay out of the index: the error was reported, and a
		 * flush of the same range does not fail again for them.
		 */
		mmf_rearm(sec, pgoffs, n, true);
	}
	return werr;
}

/*
 * Flush the recorded pages [first, last] of @sec; adds to *written.
 * Returns the error to report to this open file, if any.
 */
static int mmf_section_flush(struct mmf_handle *h, struct mmf_section *sec, pgoff_t first,
			     pgoff_t last, u32 flags, pgoff_t *buf, u64 *written)
{
	bool async = flags & MMF_FLUSH_ASYNC;
	pgoff_t pos = first, lo = ULONG_MAX, hi = 0;
	unsigned int n;
	int err = 0, ret;

	atomic64_inc(&sec->flushes);
	while ((n = mmf_dirty_scan(&sec->dirty, &pos, last, buf, MMF_FLUSH_BATCH, true))) {
		unsigned int i;

		/* Before write-back re-arms: a write after it is seen again. */
		for (i = 0; i < n; i++)
			mmf_dirty_clear(&sec->watch, buf[i]);
		lo = min(lo, buf[0]);
		hi = max(hi, buf[n - 1]);
		ret = mmf_flush_batch(sec, buf, n, async);
		if (!ret) {
			*written += n;
			atomic64_add(n, &sec->pages_flushed);
		}
		/* EIO and ENOSPC are reported through errseq below. */
		if (ret && ret != -ENOSPC && ret != -EIO && !err)
			err = ret;
	}
	if ((flags & MMF_FLUSH_DURABLE) && sec->can_writeback) {
		if (lo > hi) {
			lo = first;
			hi = last;
		}
		ret = vfs_fsync_range(sec->file, (loff_t)lo << PAGE_SHIFT,
				      ((loff_t)hi << PAGE_SHIFT) + PAGE_SIZE - 1, 1);
		if (ret && ret != -EIO && ret != -ENOSPC && !err)
			err = ret;
	}
	ret = sec->can_writeback ? mmf_report_error(h, sec) : 0;
	return ret ? ret : err;
}

/*
 * The views in [start, end): a hole gives -ENOMEM, a mapping that is not a
 * view -EINVAL.  With *end == 0, the range ends with the view at @start.
 */
static int mmf_flush_check(struct mm_struct *mm, unsigned long start, unsigned long *end)
{
	struct vm_area_struct *vma;
	unsigned long addr = start;
	int err = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	do {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr) {
			err = -ENOMEM;
			break;
		}
		if (!mmf_vma_section(vma)) {
			err = -EINVAL;
			break;
		}
		if (!*end)
			*end = vma->vm_end;
		addr = vma->vm_end;
	} while (addr < *end);
	mmap_read_unlock(mm);
	return err;
}

long mmf_ioctl_flush(struct mmf_handle *h, void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, end = 0, addr;
	struct mmf_flush f;
	pgoff_t *buf;
	u64 written = 0;
	long ret;
	int err = 0;

	ret = mmf_uarg_in(&f, sizeof(f), uarg);
	if (ret)
		return ret;
	if (f.flags & ~(MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE))
		return -EINVAL;
	if ((f.flags & MMF_FLUSH_ASYNC) && (f.flags & MMF_FLUSH_DURABLE))
		return -EINVAL;
	if (f.addr + f.length < f.addr || f.addr + f.length > TASK_SIZE)
		return -EINVAL;
	start = f.addr & PAGE_MASK;
	if (f.length) {
		end = PAGE_ALIGN(f.addr + f.length);
		if (!end)
			return -EINVAL;
	}
	ret = mmf_flush_check(mm, start, &end);
	if (ret)
		return ret;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	/* One view at a time, without the mmap lock during I/O (as msync). */
	for (addr = start; addr < end;) {
		struct vm_area_struct *vma;
		struct mmf_section *sec;
		pgoff_t first, last;
		bool shared;

		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			break;
		}
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr) {
			mmap_read_unlock(mm);
			ret = -ENOMEM;
			break;
		}
		sec = mmf_vma_section(vma);
		if (!sec) {
			mmap_read_unlock(mm);
			ret = -EINVAL;
			break;
		}
		first = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		last = vma->vm_pgoff + ((min(end, vma->vm_end) - vma->vm_start) >> PAGE_SHIFT) - 1;
		shared = vma->vm_flags & VM_SHARED;
		addr = min(end, vma->vm_end);
		mmf_section_get(sec);
		mmap_read_unlock(mm);

		/* Copy-on-write views never write the file. */
		if (shared) {
			int e = mmf_section_flush(h, sec, first, last, f.flags, buf, &written);

			if (e && !err)
				err = e;
		}
		mmf_section_put(sec);
	}
	kfree(buf);
	if (ret)
		return ret;
	f.pages_written = written;
	ret = mmf_uarg_out(uarg, &f, sizeof(f));
	return err ? err : ret;
}

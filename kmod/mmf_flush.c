// SPDX-License-Identifier: GPL-2.0
/*
 * FLUSH (FlushViewOfFile): write back the pages views recorded as dirty in
 * an address range, report write-back errors once per open of /dev/mmf
 * (errseq, like fsync), and re-arm write protection so the next write to a
 * flushed page is recorded again.  Also the write-back a section starts
 * when it goes, and the handles' error cursors.
 *
 * Cost: the dirty index is walked, not the range, and only its set bits
 * (mmf_dirty.c); write-back itself walks the page cache's dirty tags.
 */
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/writeback.h>

#include "mmf.h"

/* Dirty pages handled per write-back call (one page of page offsets). */
#define MMF_FLUSH_BATCH	(PAGE_SIZE / sizeof(pgoff_t))

/* See struct mmf_cursor. */
static DEFINE_MUTEX(mmf_cursors_lock);
atomic_long_t mmf_nr_cursors = ATOMIC_LONG_INIT(0);

/*
 * Whether clean, up-to-date @folio may be made dirty again so that a
 * write-back of it that failed is retried.  ext4 (which also serves ext2
 * and ext3 on Debian's kernels: one magic) writes back only folios with
 * buffers attached, and warns when one without is made dirty
 * (ext4_dirty_folio()); it attaches them to every folio written to, so a
 * folio without was read back from the disk since its write-back and
 * holds what the disk holds: nothing to retry (diskfault_test
 * a_settle_leaves_pages_read_back_from_the_disk_alone).
 */
static bool mmf_can_redirty(struct mmf_section *sec, struct folio *folio)
{
	return folio_buffers(folio) || sec->inode->i_sb->s_magic != EXT4_SUPER_MAGIC;
}

/*
 * Write-protect the mapped pages at @pgoffs so that the next write through
 * any view faults into page_mkwrite again.  folio_mkclean() moves the PTE
 * dirty bits into the folio; with @redirty the folio is marked dirty for
 * the page cache even if it was clean (a failed write-back is retried),
 * unless it was read back from the disk since (mmf_can_redirty()).  Once
 * per folio: folio_mkclean() does all the folio's pages, and a large folio
 * recorded whole would otherwise cost a walk of all its mappings per page.
 * A page of it written after that walk was recorded by its fault.
 */
void mmf_rearm(struct mmf_section *sec, const pgoff_t *pgoffs, unsigned int n,
	       bool redirty)
{
	pgoff_t end = 0;	/* past the folio done last */
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct folio *folio;

		/* @pgoffs ascend: its folio is write-protected whole already. */
		if (pgoffs[i] < end)
			continue;
		folio = mmf_lock_folio(sec->mapping, pgoffs[i]);
		if (!folio)
			continue;
		if (folio->mapping == sec->mapping) {
			bool was_dirty = folio_mkclean(folio);

			if (was_dirty || (redirty && folio_test_uptodate(folio) &&
					  mmf_can_redirty(sec, folio)))
				folio_mark_dirty(folio);
			end = folio_next_index(folio);
		}
		folio_unlock(folio);
		folio_put(folio);
	}
}

/*
 * mmf_rearm() with @redirty, under the file system's freeze protection:
 * making a clean page dirty again is a write, which a frozen file system
 * must not get (the write-back that follows would allocate blocks and
 * write data under a snapshot; ext4 would warn).  While it is frozen, the
 * pages are only write-protected and false is returned: they stay in the
 * indexes, and the failure stays unsettled, for a flush after the thaw.
 * Never waits for the thaw: the flush may come from a reader, or from the
 * release of the section's last reference.
 */
static bool mmf_rearm_redirty(struct mmf_section *sec, const pgoff_t *pgoffs, unsigned int n)
{
	struct super_block *sb = sec->inode->i_sb;

	if (!sb_start_write_trylock(sb)) {
		mmf_rearm(sec, pgoffs, n, false);
		return false;
	}
	mmf_rearm(sec, pgoffs, n, true);
	sb_end_write(sb);
	return true;
}

/*
 * Whether the page cache holds page @pgoff of @sec dirty.  A page that is
 * not cached is not dirty: it was written back, if it ever was dirty,
 * before it could be evicted.
 */
static bool mmf_page_dirty(struct mmf_section *sec, pgoff_t pgoff)
{
	struct folio *folio = mmf_get_folio(sec->mapping, pgoff);
	bool dirty;

	if (!folio)
		return false;
	dirty = folio_test_dirty(folio);
	folio_put(folio);
	return dirty;
}

/*
 * Whether a write-back of the mapping failed since the section last made
 * the pages of failed write-backs dirty again (mmf_pending_settle()): until
 * then a clean page may be one the disk refused, not one it holds.
 */
static bool mmf_failed_since_settle(struct mmf_section *sec)
{
	errseq_t settled;

	spin_lock(&sec->err_lock);
	settled = sec->pending_err;
	spin_unlock(&sec->err_lock);
	return errseq_check(&sec->mapping->wb_err, settled) != 0;
}

/* mmf_section.moves: a move begun counts 1, a move done MMF_MOVE_DONE. */
#define MMF_MOVE_DONE	BIT_ULL(32)

/*
 * A page is about to leave @dirty for @pending or @pending for @dirty:
 * from the clear of one to the mark of the other it is in neither, and a
 * settle scanning the indexes then would miss it (mmf_pending_settle()).
 * Counted before the clear and after the mark, fully ordered with both.
 */
static void mmf_move_begin(struct mmf_section *sec)
{
	atomic64_inc(&sec->moves);
	smp_mb__after_atomic();	/* The count, then the clear. */
}

static void mmf_move_end(struct mmf_section *sec)
{
	smp_mb__before_atomic();	/* The mark, then the count. */
	atomic64_add(MMF_MOVE_DONE - 1, &sec->moves);
}

/*
 * The kernel's own write-back (its flusher threads, reclaim, anyone's
 * fsync(2) or sync_file_range(2) of the file) cleans pages without the
 * module hearing of it: a recorded page may be clean, or evicted, long
 * before a flush.  Such a page is not dirty (dirty_pages), a flush does
 * not write it (pages_written), and the next write to it is a first write
 * to a clean page (pages_dirtied).  This takes recorded page @pgoff, which
 * the caller saw clean, out of the flush set and notes it in @pending, as
 * a flush notes what it hands to write-back: if that write-back failed,
 * the next waiting flush makes the page dirty again
 * (mmf_pending_settle()).  True when it did.  Nothing is taken while a
 * failure is unsettled: a page clean then may be one that failed, and it
 * stays recorded (and counted in dirty_pages) until a waiting flush.
 *
 * Against a write that records the page (page_mkwrite marks the folio
 * dirty, then sets the bit): the bit is cleared first and the folio looked
 * at after, both ordered by the index's lock, so the folio of a write
 * recorded before the clear is seen dirty and the bit set again, and a
 * write recorded after the clear sets its own bit.  The bit is set again
 * too while a failure is unsettled, or without memory to note the page in
 * @pending.  A file system's write-back cleans folios only (nothing here
 * takes the folio lock), so only sections that write back
 * (@can_writeback) call this: on shmem a swapped-out page is still dirty,
 * in swap.  From the clear to the last mark the page is a move
 * (mmf_move_begin()).
 */
bool mmf_written_back(struct mmf_section *sec, pgoff_t pgoff)
{
	bool moved = false;

	/* Cheap when not recorded: every first write to a page comes here. */
	if (!mmf_dirty_test(&sec->dirty, pgoff))
		return false;
	mmf_move_begin(sec);
	if (!mmf_dirty_clear(&sec->dirty, pgoff))
		goto out;
	if (mmf_page_dirty(sec, pgoff) || mmf_failed_since_settle(sec) ||
	    mmf_dirty_prepare(&sec->pending, pgoff)) {
		mmf_dirty_mark(&sec->dirty, pgoff);
		goto out;
	}
	mmf_dirty_mark(&sec->pending, pgoff);
	moved = true;
out:
	mmf_move_end(sec);
	return moved;
}

/*
 * Take every recorded page that the kernel wrote back out of the flush
 * set (mmf_written_back()), so that the dirty index counts dirty pages
 * (STAT, debugfs).  One page-cache lookup per recorded page.
 */
int mmf_settle_written_back(struct mmf_section *sec)
{
	pgoff_t *buf, pos = 0;
	unsigned int n, i;

	if (!sec->can_writeback || !atomic_long_read(&sec->dirty.count) ||
	    mmf_failed_since_settle(sec))
		return 0;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while ((n = mmf_dirty_scan(&sec->dirty, &pos, sec->pages - 1, buf, MMF_FLUSH_BATCH,
				   false))) {
		for (i = 0; i < n; i++)
			if (!mmf_page_dirty(sec, buf[i]))
				mmf_written_back(sec, buf[i]);
		cond_resched();
	}
	kfree(buf);
	return 0;
}

/*
 * Of the recorded pages @pgoffs a flush just took out of the flush set,
 * keep, in order, those the page cache still holds dirty, and return how
 * many: the kernel wrote the others back already, so this flush neither
 * writes nor counts them.  One lookup per folio: the pages of a large
 * folio that follow the first share its answer.
 */
static unsigned int mmf_still_dirty(struct mmf_section *sec, pgoff_t *pgoffs, unsigned int n)
{
	struct folio *folio = NULL;
	unsigned int i, kept = 0;
	pgoff_t end = 0;	/* past the folio looked at */
	bool dirty = false;

	for (i = 0; i < n; i++) {
		if (!folio || pgoffs[i] >= end) {
			if (folio)
				folio_put(folio);
			folio = mmf_get_folio(sec->mapping, pgoffs[i]);
			dirty = folio && folio_test_dirty(folio);
			end = folio ? folio_next_index(folio) : 0;
		}
		if (dirty)
			pgoffs[kept++] = pgoffs[i];
	}
	if (folio)
		folio_put(folio);
	return kept;
}

/*
 * The mapping's write-back error state now, as a cursor a later
 * errseq_check() compares with: the raw value, never errseq_sample()'s 0
 * for an error nobody saw yet, which would make that older error look like
 * a failure of the write-back that follows.  An unseen error is marked
 * seen here, so that a new failure of the same errno moves the value
 * (errseq only counts a new error once the old one was seen).  That hides
 * nothing: the flush reports errors through the handle's cursor, which
 * marks them seen anyway, and opens of the file made before still see it.
 */
static errseq_t mmf_wb_err_now(struct address_space *mapping)
{
	errseq_t now = 0;

	errseq_check_and_advance(&mapping->wb_err, &now);
	return now;
}

/*
 * A write-back that failed may have dropped the dirty state of pages the
 * section still counts as unwritten, recorded (dirty) or handed to
 * write-back (pending), without any waiting flush seeing it: the kernel's
 * own write-back, an asynchronous flush, another user's sync_file_range().
 * When the mapping recorded an error since these pages were last made
 * dirty again (@sec->pending_err), make them all dirty again now, before
 * the write-back that follows: no page a view wrote is confirmed, or
 * forgotten, without having been written.  @now is the mapping's wb_err
 * value to settle at.  False when the file system is frozen
 * (mmf_rearm_redirty()), or when a page moved between the indexes while
 * they were scanned (mmf_move_begin()): it may have been in neither when
 * looked at, a page that failed and stays clean.  Nothing is settled then,
 * the next waiting flush settles again, and a flush must not confirm the
 * pending pages, which may be pages that failed and are clean
 * (diskfault_test
 * a_page_moving_to_pending_while_a_flush_settles_a_failure_is_not_forgotten).
 */
static bool mmf_pending_settle(struct mmf_section *sec, errseq_t now, pgoff_t *buf)
{
	struct mmf_dirty *idx[] = { &sec->pending, &sec->dirty };
	bool redirty, done = true;
	errseq_t settled;
	unsigned int i, n;
	s64 moves = 0;
	pgoff_t pos;

	spin_lock(&sec->err_lock);
	settled = sec->pending_err;
	spin_unlock(&sec->err_lock);
	redirty = sec->can_retry && errseq_check(&now, settled);
	if (redirty) {
		moves = atomic64_read(&sec->moves);
		smp_mb();	/* Before the scans; pairs with mmf_move_begin/end(). */
	}
	for (i = 0; redirty && i < ARRAY_SIZE(idx); i++) {
		pos = 0;
		while ((n = mmf_dirty_scan(idx[i], &pos, sec->pages - 1, buf,
					   MMF_FLUSH_BATCH, false)))
			done &= mmf_rearm_redirty(sec, buf, n);
	}
	/* Frozen: settled by a flush after the thaw. */
	if (!done)
		return false;
	if (redirty) {
		smp_mb();	/* After the scans. */
		if ((moves & (MMF_MOVE_DONE - 1)) || atomic64_read(&sec->moves) != moves)
			return false;
	}
	/* Concurrent settlers may both re-dirty: harmless, and none skips it. */
	spin_lock(&sec->err_lock);
	if (sec->pending_err == settled)
		sec->pending_err = now;
	spin_unlock(&sec->err_lock);
	return true;
}

/* The handle's cursor on @sec, made on first use; NULL without memory. */
static struct mmf_cursor *mmf_cursor_get(struct mmf_handle *h, struct mmf_section *sec)
{
	struct mmf_cursor *c;
	int err;

	lockdep_assert_held(&h->lock);
	c = xa_load(&h->cursors, sec->id);
	if (c)
		return c;
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	c->h = h;
	c->err = sec->wb_base;
	mutex_lock(&mmf_cursors_lock);
	err = xa_err(xa_store(&h->cursors, sec->id, c, GFP_KERNEL_ACCOUNT));
	if (!err) {
		hlist_add_head(&c->node, &sec->cursors);
		atomic_long_inc(&mmf_nr_cursors);
	}
	mutex_unlock(&mmf_cursors_lock);
	if (err) {
		kfree(c);
		return NULL;
	}
	return c;
}

/* The section goes: the cursors handles keep on it go with it. */
void mmf_cursors_drop_section(struct mmf_section *sec)
{
	struct mmf_cursor *c;
	struct hlist_node *tmp;

	mutex_lock(&mmf_cursors_lock);
	hlist_for_each_entry_safe(c, tmp, &sec->cursors, node) {
		xa_erase(&c->h->cursors, sec->id);
		hlist_del(&c->node);
		kfree(c);
		atomic_long_dec(&mmf_nr_cursors);
	}
	mutex_unlock(&mmf_cursors_lock);
}

/* The handle goes: its cursors leave the sections' lists. */
void mmf_cursors_drop_handle(struct mmf_handle *h)
{
	struct mmf_cursor *c;
	unsigned long id;

	mutex_lock(&mmf_cursors_lock);
	xa_for_each(&h->cursors, id, c) {
		hlist_del(&c->node);
		kfree(c);
		atomic_long_dec(&mmf_nr_cursors);
	}
	xa_destroy(&h->cursors);
	mutex_unlock(&mmf_cursors_lock);
}

/*
 * The write-back error this open file has not been told of on @sec,
 * advancing its cursor.  A cursor starts at the section's creation.  An
 * error of a failure episode (mmf_flush_outcome()) this open file was
 * already told of is not told again: the pages kept dirty after it failing
 * again on a full or failing disk are the same news, and so are the
 * failures errseq counted during the episode once it ended.  Without
 * memory for a cursor the error is told now and again next time: never
 * lost.
 */
static int mmf_report_error(struct mmf_handle *h, struct mmf_section *sec)
{
	struct mmf_cursor *c;
	errseq_t cursor;
	u32 told;
	int err;

	mutex_lock(&h->lock);
	c = mmf_cursor_get(h, sec);
	cursor = c ? c->err : sec->wb_base;
	told = c ? c->told : 0;
	err = errseq_check_and_advance(&sec->mapping->wb_err, &cursor);
	if (err) {
		spin_lock(&sec->err_lock);
		if (sec->err_epoch && told == sec->err_epoch &&
		    (sec->err_active || !errseq_check(&sec->mapping->wb_err, sec->err_end)))
			err = 0;
		told = sec->err_epoch;
		spin_unlock(&sec->err_lock);
	}
	if (c) {
		c->err = cursor;
		c->told = told;
	}
	mutex_unlock(&h->lock);
	if (err)
		atomic64_inc(&sec->wb_errors);
	return err;
}

/* What a waiting flush's pass without error confirms against. */
struct mmf_confirm {
	struct mmf_section *sec;
	errseq_t since;		/* the mapping's wb_err before the pass wrote */
};

/*
 * Whether the pending pages in [@first, @last] stay pending when a waiting
 * flush's pass saw no error (mmf_flush_outcome()): the pass waited for
 * what it wrote, but another flush, or mmf_written_back() seeing the
 * kernel's write-back, may have put a page in pending after that.  Such a
 * page is dirty or under write-back, or, if that write-back already
 * failed, clean with the failure recorded since the pass began.  It stays
 * for the flush that took it, the next waiting flush's settle or the
 * release.  The page cache's tags tell, without touching a folio: a folio
 * keeps its dirty tag while a write-back takes it, until the tag moves to
 * write-back, and a failed write-back sets wb_err before its folio leaves
 * write-back.  The tags are looked at under the mapping's lock
 * (i_pages), under which they move: __folio_start_writeback() sets the
 * write-back tag and clears the dirty tag with plain stores that a
 * lockless reader on a weakly ordered CPU may see in the other order (the
 * dirty tag gone, the write-back tag not yet there), and the flag test
 * this replaced read one word.  Taking the lock also orders the wb_err
 * read after a write-back end seen here.  Runs under the pending index's
 * lock, which every pending mark takes after the folio was made dirty, so
 * a mark before is seen here and a mark after stays; i_pages nests inside
 * it and nothing takes them the other way round.  Never sleeps.
 */
static bool mmf_unconfirmed(void *arg, pgoff_t first, pgoff_t last)
{
	const struct mmf_confirm *c = arg;
	struct address_space *mapping = c->sec->mapping;
	unsigned long index = first, flags;
	bool busy;

	xa_lock_irqsave(&mapping->i_pages, flags);
	busy = xa_find(&mapping->i_pages, &index, last, PAGECACHE_TAG_DIRTY);
	if (!busy) {
		index = first;
		busy = xa_find(&mapping->i_pages, &index, last, PAGECACHE_TAG_WRITEBACK);
	}
	xa_unlock_irqrestore(&mapping->i_pages, flags);
	return busy || errseq_check(&mapping->wb_err, c->since) != 0;
}

/*
 * The outcome of a write-back pass over [first, last] that waited (or,
 * @async, failed at once).
 *
 * A failure starts an episode, unless one of the same errno is going on:
 * each open of /dev/mmf is told of an episode once (mmf_report_error()).
 * The pages flushes handed to write-back there (the pending index) go
 * back to the flush set, dirty in the page cache again (the file system
 * dropped the dirty state of what it could not write: a block it could
 * not place, a write the disk failed), and to the write watch: the flush
 * that took them did not write them.  The next flush of their range (or
 * the kernel's write-back, or the section's release) writes them again,
 * with no new write from the user.  Where that cannot work (!@can_retry:
 * NFS), the pages only go to the watch.
 *
 * To the watch also when this pass comes from a view that may not write (a
 * reader's flush): the pending pages may be those a writer's flush took
 * out of its watch, and a reader must not hide from the writer that they
 * were never written (diskfault_test
 * a_readers_failed_flush_leaves_unwritten_pages_in_the_writers_watch).
 *
 * A pass without error ends the episode and confirms the pending pages it
 * wrote (mmf_unconfirmed() says which stay: another flush, or the kernel's
 * write-back, may have handed a page to write-back after this pass waited).
 * @since: the mapping's wb_err before this pass wrote.
 */
static void mmf_flush_outcome(struct mmf_section *sec, pgoff_t first, pgoff_t last,
			      int werr, errseq_t since, pgoff_t *buf)
{
	errseq_t now = werr ? 0 : mmf_wb_err_now(sec->mapping);
	pgoff_t pos = first;
	unsigned int n, i;

	spin_lock(&sec->err_lock);
	if (werr && (!sec->err_active || werr != sec->err_errno)) {
		sec->err_active = true;
		sec->err_errno = werr;
		sec->err_epoch = (sec->err_epoch + 1) & 0x7fffffff;
		if (!sec->err_epoch)
			sec->err_epoch = 1;
	} else if (!werr && sec->err_active) {
		sec->err_active = false;
		sec->err_end = now;
	}
	spin_unlock(&sec->err_lock);
	if (!werr) {
		struct mmf_confirm c = { .sec = sec, .since = since };

		while ((n = mmf_dirty_scan(&sec->pending, &pos, last, buf, MMF_FLUSH_BATCH,
					   false))) {
			mmf_dirty_clear_unless(&sec->pending, buf, n, mmf_unconfirmed, &c);
			cond_resched();
		}
		return;
	}
	do {
		mmf_move_begin(sec);
		n = mmf_dirty_scan(&sec->pending, &pos, last, buf, MMF_FLUSH_BATCH, true);
		/*
		 * Frozen: the failure that brought us here moved wb_err past
		 * @pending_err, so a flush after the thaw re-dirties them.
		 */
		if (n && sec->can_retry)
			mmf_rearm_redirty(sec, buf, n);
		for (i = 0; i < n; i++) {
			if (sec->can_retry)
				mmf_dirty_record(&sec->dirty, buf[i]);
			mmf_dirty_record(&sec->watch, buf[i]);
		}
		mmf_move_end(sec);
	} while (n);
}

/*
 * After a WB_SYNC_NONE pass over the recorded pages @pgoffs: a folio it
 * skipped (under write-back already) is still dirty and may still be
 * mapped writable, so a later write to it would never fault and never be
 * recorded.  Write-protect every page, as write-back would have, and put
 * the pages still dirty back into the flush set: they were not written.
 * Returns how many went back.
 */
static unsigned int mmf_async_rearm(struct mmf_section *sec, const pgoff_t *pgoffs,
				    unsigned int n)
{
	pgoff_t end = 0;	/* past the folio write-protected last */
	unsigned int i, back = 0;

	for (i = 0; i < n; i++) {
		struct folio *folio = mmf_lock_folio(sec->mapping, pgoffs[i]);

		if (!folio)
			continue;
		if (folio->mapping == sec->mapping) {
			/* Once per folio (@pgoffs ascend): it does all its pages. */
			if (pgoffs[i] >= end) {
				if (folio_mkclean(folio))
					folio_mark_dirty(folio);
				end = folio_next_index(folio);
			}
			if (folio_test_dirty(folio) && mmf_dirty_record(&sec->dirty, pgoffs[i]))
				back++;
		}
		folio_unlock(folio);
		folio_put(folio);
	}
	return back;
}

/*
 * Flush [first, last] of @sec: the pages views recorded, and every page
 * the page cache holds dirty there (write(2), pages kept after ENOSPC).
 * Adds the recorded pages written to *written.  Returns the error to
 * report to this open file, if any.  @keep_watch: the flush comes through
 * a view that may not write the section, which must not hide the writers'
 * writes from their write watch (as a reset through it may not).
 */
static int mmf_section_flush(struct mmf_handle *h, struct mmf_section *sec, pgoff_t first,
			     pgoff_t last, u32 flags, bool keep_watch, pgoff_t *buf,
			     u64 *written)
{
	loff_t start = (loff_t)first << PAGE_SHIFT;
	loff_t end = ((loff_t)last << PAGE_SHIFT) + PAGE_SIZE - 1;
	bool async = flags & MMF_FLUSH_ASYNC;
	pgoff_t pos = first;
	unsigned int n;
	u64 taken = 0;
	bool settled = true;
	errseq_t since = 0;
	int err = 0, werr = 0;

	atomic64_inc(&sec->flushes);
	/*
	 * A waiting flush makes what failed dirty again, and writes it: first
	 * of all, so that the page cache then tells what is still unwritten.
	 * A page the file system dropped with its failed write-back (NFS drops
	 * the pages themselves) is gone: neither written nor counted.
	 */
	if (!async && sec->can_writeback && mmf_failed_since_settle(sec))
		mmf_pending_settle(sec, mmf_wb_err_now(sec->mapping), buf);
	/*
	 * Take the recorded pages out of the indexes before write-back or
	 * mmf_rearm() write-protects them: a write after that is recorded
	 * again.  The watch first, so that a write in between is in the
	 * flush set and, recorded anew, in the watch.
	 */
	while (!keep_watch &&
	       mmf_dirty_scan(&sec->watch, &pos, last, buf, MMF_FLUSH_BATCH, true))
		;
	pos = first;
	for (;;) {
		/* From the flush set to pending: a move (mmf_move_begin()). */
		mmf_move_begin(sec);
		n = mmf_dirty_scan(&sec->dirty, &pos, last, buf, MMF_FLUSH_BATCH, true);
		if (sec->can_writeback)
			mmf_dirty_record_many(&sec->pending, buf, n);
		mmf_move_end(sec);
		if (!n)
			break;
		/* shmem: nothing writes the pages back, so nothing re-arms. */
		if (!sec->can_writeback) {
			mmf_rearm(sec, buf, n, false);
			taken += n;
			continue;
		}
		/* What the kernel wrote back already is not this flush's. */
		n = mmf_still_dirty(sec, buf, n);
		if (async && n) {
			/* Start this batch now, and see what it skipped. */
			int e = mmf_writeback_start(sec->mapping, (loff_t)buf[0] << PAGE_SHIFT,
						    ((loff_t)buf[n - 1] << PAGE_SHIFT) +
						    PAGE_SIZE - 1);

			if (e && !werr)
				werr = e;
			n -= mmf_async_rearm(sec, buf, n);
		}
		taken += n;
	}
	if (!sec->can_writeback) {
		*written += taken;
		atomic64_add(taken, &sec->pages_flushed);
		return 0;
	}

	if (async) {
		/*
		 * Start write-back and return: never wait for a folio.  The
		 * recorded pages were started above; this pass is for the
		 * rest of the range (write(2), pages kept after ENOSPC).
		 */
		if (!werr)
			werr = mmf_writeback_start(sec->mapping, start, end);
	} else {
		since = mmf_wb_err_now(sec->mapping);
		settled = mmf_pending_settle(sec, since, buf);
		werr = filemap_fdatawrite_range(sec->mapping, start, end);
		/*
		 * Its return value is the legacy AS_EIO/AS_ENOSPC state,
		 * which the _keep_errors variant never clears: errseq says
		 * what happened now.
		 */
		filemap_fdatawait_range_keep_errors(sec->mapping, start, end);
		if (!werr)
			werr = errseq_check(&sec->mapping->wb_err, since);
	}
	/* Unsettled (frozen), a clean pending page may be one that failed. */
	if ((!async && settled) || werr)
		mmf_flush_outcome(sec, first, last, werr, since, buf);
	if (!werr) {
		*written += taken;
		atomic64_add(taken, &sec->pages_flushed);
	}
	/* EIO and ENOSPC are reported through errseq below. */
	if (werr && werr != -EIO && werr != -ENOSPC)
		err = werr;
	/*
	 * A write-back that failed left nothing durable to make: an fsync
	 * would write the pages made dirty again above, fail the same way and
	 * drop their dirty state again (NFS drops the pages themselves: nfs_test
	 * enospc_on_the_server_is_reported_and_not_claimed_written).
	 */
	if ((flags & MMF_FLUSH_DURABLE) && !werr) {
		werr = vfs_fsync_range(sec->file, start, end, 1);
		if (werr && werr != -EIO && werr != -ENOSPC && !err)
			err = werr;
	}
	werr = mmf_report_error(h, sec);
	return werr ? werr : err;
}

/* Start write-back of @n ascending page offsets, one call per run. */
static void mmf_writeback_runs(struct mmf_section *sec, const pgoff_t *pgoffs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pgoffs[j] == pgoffs[j - 1] + 1; j++)
			;
		mmf_writeback_start(sec->mapping, (loff_t)pgoffs[i] << PAGE_SHIFT,
				    ((loff_t)pgoffs[j - 1] << PAGE_SHIFT) + PAGE_SIZE - 1);
	}
}

/*
 * The last reference to @sec is going: start write-back of what the
 * section itself left dirty, that is the pages views wrote and no flush
 * wrote (dirty) and those a flush handed to write-back without a waiting
 * flush confirming them (pending, re-dirtied first if an ENOSPC may have
 * dropped them).  Nothing else: pages others dirtied with write(2) are
 * theirs.  Sections that cannot write have nothing to write.  Nothing is
 * waited for (WB_SYNC_NONE): the close, munmap or exit that dropped the
 * reference must not wait for the disk.  Nothing is lost either: a page
 * skipped here (under write-back already) or never reached (no memory for
 * the batch) stays dirty in the page cache, which writes it back anyway.
 */
void mmf_release_writeback(struct mmf_section *sec)
{
	struct mmf_dirty *idx[] = { &sec->dirty, &sec->pending };
	unsigned int i, n;
	pgoff_t *buf, pos;

	if (sec->prot != MMF_PROT_READWRITE || !sec->can_writeback)
		return;
	if (!atomic_long_read(&sec->dirty.count) && !atomic_long_read(&sec->pending.count))
		return;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return;
	/* Compared, not marked seen: nobody would report it now. */
	mmf_pending_settle(sec, READ_ONCE(sec->mapping->wb_err), buf);
	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		pos = 0;
		while ((n = mmf_dirty_scan(idx[i], &pos, sec->pages - 1, buf,
					   MMF_FLUSH_BATCH, false)))
			mmf_writeback_runs(sec, buf, n);
	}
	kfree(buf);
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
		bool shared, maywrite;

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
		maywrite = vma->vm_flags & VM_MAYWRITE;
		addr = min(end, vma->vm_end);
		mmf_section_get(sec);
		mmap_read_unlock(mm);

		/* Copy-on-write views never write the file. */
		if (shared) {
			int e = mmf_section_flush(h, sec, first, last, f.flags, !maywrite,
						  buf, &written);

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

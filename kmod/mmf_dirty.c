// SPDX-License-Identifier: GPL-2.0
/*
 * The page indexes of a section (dirty, watch, pending): which pages a view
 * wrote since the last flush or write-watch reset, and which a flush handed
 * to write-back.  A sparse bitmap whose cost follows its set bits, not the
 * section's size nor what was ever written:
 *
 * - an xarray of one-page chunks, allocated on the first write into their
 *   span and freed by the scan or clear that takes their last bit, so
 *   memory follows what is recorded now;
 * - chunks holding a set bit carry MMF_CHUNK_BUSY in the xarray, so a scan
 *   steps from one non-empty chunk to the next without reading empty ones;
 * - each chunk has a summary bit per bitmap word, so finding the set bits
 *   of a chunk reads the summary and the non-zero words only.
 *
 * Locking and lifetime rules are in kmod/mmf.h (struct mmf_dirty).
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/slab.h>

#include "mmf.h"

#define MMF_CHUNK_BUSY		XA_MARK_0

/* A chunk is one page: the summary, then the bitmap. */
#define MMF_CHUNK_LONGS		(PAGE_SIZE / sizeof(unsigned long))
#define MMF_SUMMARY_LONGS	DIV_ROUND_UP(MMF_CHUNK_LONGS, BITS_PER_LONG)
#define MMF_CHUNK_WORDS		(MMF_CHUNK_LONGS - MMF_SUMMARY_LONGS)
#define MMF_CHUNK_BITS		(MMF_CHUNK_WORDS * BITS_PER_LONG)

struct mmf_chunk {
	unsigned long summary[MMF_SUMMARY_LONGS];	/* bit w: bits[w] != 0 */
	unsigned long bits[MMF_CHUNK_WORDS];		/* bit b: page base + b */
};

atomic_long_t mmf_nr_chunks = ATOMIC_LONG_INIT(0);

static struct mmf_chunk *mmf_chunk_alloc(gfp_t gfp)
{
	struct mmf_chunk *chunk;

	BUILD_BUG_ON(sizeof(struct mmf_chunk) > PAGE_SIZE);
	chunk = kzalloc(sizeof(*chunk), gfp);
	if (chunk)
		atomic_long_inc(&mmf_nr_chunks);
	return chunk;
}

static void mmf_chunk_free(struct mmf_chunk *chunk)
{
	if (!chunk)
		return;
	kfree(chunk);
	atomic_long_dec(&mmf_nr_chunks);
}

static bool mmf_chunk_empty(const struct mmf_chunk *chunk)
{
	return bitmap_empty(chunk->summary, MMF_CHUNK_WORDS);
}

/* Set @bit; true when it was clear.  Under xa_lock, as all that follow. */
static bool mmf_chunk_set(struct mmf_chunk *chunk, unsigned long bit)
{
	if (__test_and_set_bit(bit, chunk->bits))
		return false;
	__set_bit(bit / BITS_PER_LONG, chunk->summary);
	return true;
}

static void mmf_chunk_clear(struct mmf_chunk *chunk, unsigned long bit)
{
	__clear_bit(bit, chunk->bits);
	if (!chunk->bits[bit / BITS_PER_LONG])
		__clear_bit(bit / BITS_PER_LONG, chunk->summary);
}

/* The first set bit in [from, end), or @end: the summary skips zero words. */
static unsigned long mmf_chunk_next(const struct mmf_chunk *chunk, unsigned long from,
				    unsigned long end)
{
	while (from < end) {
		unsigned long w = from / BITS_PER_LONG;
		unsigned long word = chunk->bits[w] & BITMAP_FIRST_WORD_MASK(from);

		if (word) {
			from = w * BITS_PER_LONG + __ffs(word);
			break;
		}
		w = find_next_bit(chunk->summary, MMF_CHUNK_WORDS, w + 1);
		from = w * BITS_PER_LONG;
	}
	return min(from, end);
}

void mmf_dirty_init(struct mmf_dirty *d)
{
	xa_init(&d->chunks);
	atomic_long_set(&d->count, 0);
}

void mmf_dirty_destroy(struct mmf_dirty *d)
{
	struct mmf_chunk *chunk;
	unsigned long idx;

	xa_for_each(&d->chunks, idx, chunk)
		mmf_chunk_free(chunk);
	xa_destroy(&d->chunks);
}

/*
 * Make sure the chunk holding @pgoff exists, before the page is dirtied:
 * failing here costs nothing, failing after page_mkwrite would lose a
 * record.  Lock-free when the chunk is there already.  Charged to the
 * writer's memory cgroup: sparse writes would otherwise let a cgroup
 * allocate kernel memory for as long as its pages stay unflushed.
 */
int mmf_dirty_prepare(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long idx = pgoff / MMF_CHUNK_BITS;
	struct mmf_chunk *chunk, *old;

	if (likely(xa_load(&d->chunks, idx)))
		return 0;
	chunk = mmf_chunk_alloc(GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	old = xa_cmpxchg(&d->chunks, idx, NULL, chunk, GFP_KERNEL_ACCOUNT);
	if (old) {
		/* Lost a race (old is the winner) or out of memory. */
		mmf_chunk_free(chunk);
		return xa_is_err(old) ? xa_err(old) : 0;
	}
	return 0;
}

/*
 * Undo mmf_dirty_prepare() for a write that did not happen (page_mkwrite
 * refused it): free the chunk holding @pgoff if nothing is recorded in it,
 * so that the index's memory keeps following its set bits.  A fault
 * between its own prepare and mark in the same chunk meets a missing chunk
 * and makes a new one (mmf_dirty_mark()).
 */
void mmf_dirty_unprepare(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long idx = pgoff / MMF_CHUNK_BITS;
	struct mmf_chunk *chunk;

	xa_lock(&d->chunks);
	chunk = xa_load(&d->chunks, idx);
	if (chunk && mmf_chunk_empty(chunk))
		__xa_erase(&d->chunks, idx);
	else
		chunk = NULL;
	xa_unlock(&d->chunks);
	mmf_chunk_free(chunk);
}

/*
 * Record @pgoff; true when it was clear.  Normally its chunk exists
 * (prepared); when a scan emptied and freed it since, a new one is made
 * here and may not fail (see struct mmf_dirty).
 */
bool mmf_dirty_mark(struct mmf_dirty *d, pgoff_t pgoff)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOFAIL;
	unsigned long idx = pgoff / MMF_CHUNK_BITS;
	struct mmf_chunk *chunk, *fresh = NULL;
	bool was_clear = false;

	might_sleep();
	xa_lock(&d->chunks);
	chunk = xa_load(&d->chunks, idx);
	if (unlikely(!chunk)) {
		xa_unlock(&d->chunks);
		fresh = mmf_chunk_alloc(gfp);
		xa_lock(&d->chunks);
		/* Drops and retakes the lock if it must allocate a node. */
		chunk = __xa_cmpxchg(&d->chunks, idx, NULL, fresh, gfp);
		if (!chunk) {
			chunk = fresh;
			fresh = NULL;
		}
	}
	if (!WARN_ON_ONCE(xa_is_err(chunk))) {
		if (mmf_chunk_empty(chunk))
			__xa_set_mark(&d->chunks, idx, MMF_CHUNK_BUSY);
		was_clear = mmf_chunk_set(chunk, pgoff % MMF_CHUNK_BITS);
	}
	xa_unlock(&d->chunks);
	mmf_chunk_free(fresh);
	if (was_clear)
		atomic_long_inc(&d->count);
	return was_clear;
}

/*
 * Under the lock, after the caller's mmf_dirty_mark() or mmf_dirty_record()
 * of a run's first page: chunk @idx, for the caller to set the rest of the
 * run in (@more).  NULL if a flush freed it meanwhile; if it was emptied,
 * freed and prepared anew, it is marked busy again so that scans see it.
 */
static struct mmf_chunk *mmf_chunk_for_more(struct mmf_dirty *d, unsigned long idx, bool more)
{
	struct mmf_chunk *chunk = xa_load(&d->chunks, idx);

	if (chunk && more && mmf_chunk_empty(chunk))
		__xa_set_mark(&d->chunks, idx, MMF_CHUNK_BUSY);
	return chunk;
}

/*
 * mmf_dirty_mark() for every page of [@first, @last] (a large folio's): one
 * lock and one lookup per chunk, not per page.  The first page of each
 * chunk goes through mmf_dirty_mark(), which makes the chunk if a flush
 * freed it since it was prepared; if a flush frees it again before the
 * rest are set, they start over the same way.  Returns how many pages were
 * clear.  May sleep, as mmf_dirty_mark() may.
 */
unsigned long mmf_dirty_mark_range(struct mmf_dirty *d, pgoff_t first, pgoff_t last)
{
	unsigned long marked = 0;

	while (first <= last) {
		unsigned long idx = first / MMF_CHUNK_BITS;
		pgoff_t end = min_t(pgoff_t, last, (pgoff_t)(idx + 1) * MMF_CHUNK_BITS - 1);
		struct mmf_chunk *chunk;
		unsigned long n = 0;

		marked += mmf_dirty_mark(d, first);
		first++;
		xa_lock(&d->chunks);
		chunk = mmf_chunk_for_more(d, idx, first <= end);
		for (; chunk && first <= end; first++)
			n += mmf_chunk_set(chunk, first % MMF_CHUNK_BITS);
		xa_unlock(&d->chunks);
		atomic_long_add(n, &d->count);
		marked += n;
	}
	return marked;
}

/*
 * mmf_dirty_record() for @n ascending page offsets (a flush's batch): one
 * allocation check, one lock and one lookup per chunk, not per page, the
 * same way as mmf_dirty_mark_range().  Returns how many were clear.
 */
unsigned int mmf_dirty_record_many(struct mmf_dirty *d, const pgoff_t *pgoffs, unsigned int n)
{
	unsigned int i = 0, marked = 0;

	while (i < n) {
		unsigned long idx = pgoffs[i] / MMF_CHUNK_BITS;
		struct mmf_chunk *chunk;
		unsigned int set = 0;

		marked += mmf_dirty_record(d, pgoffs[i]);
		i++;
		xa_lock(&d->chunks);
		chunk = mmf_chunk_for_more(d, idx, i < n && pgoffs[i] / MMF_CHUNK_BITS == idx);
		for (; chunk && i < n && pgoffs[i] / MMF_CHUNK_BITS == idx; i++)
			set += mmf_chunk_set(chunk, pgoffs[i] % MMF_CHUNK_BITS);
		xa_unlock(&d->chunks);
		atomic_long_add(set, &d->count);
		marked += set;
	}
	return marked;
}

/* Whether any page of [@first, @last] is set. */
bool mmf_dirty_any(struct mmf_dirty *d, pgoff_t first, pgoff_t last)
{
	bool found = false;

	xa_lock(&d->chunks);
	while (!found && first <= last) {
		unsigned long idx = first / MMF_CHUNK_BITS;
		pgoff_t end = min_t(pgoff_t, last, (pgoff_t)(idx + 1) * MMF_CHUNK_BITS - 1);
		struct mmf_chunk *chunk = xa_load(&d->chunks, idx);
		unsigned long stop = end % MMF_CHUNK_BITS + 1;

		found = chunk && mmf_chunk_next(chunk, first % MMF_CHUNK_BITS, stop) < stop;
		first = end + 1;
	}
	xa_unlock(&d->chunks);
	return found;
}

/*
 * Record @pgoff, never failing: for a page that leaves one index for
 * another and must not fall out of both (a flush taking it, a failed
 * write-back giving it back).  An ordinary allocation first
 * (mmf_dirty_prepare()), so that mmf_dirty_mark()'s __GFP_NOFAIL serves
 * only when memory is short.  True when it was clear.
 */
bool mmf_dirty_record(struct mmf_dirty *d, pgoff_t pgoff)
{
	mmf_dirty_prepare(d, pgoff);
	return mmf_dirty_mark(d, pgoff);
}

/*
 * Take the recorded pages among @pgoffs (@n of them, ascending) out of the
 * index, unless @keep(@arg, first, last) says they stay: asked once for
 * the whole span of the batch and, when it says so, again for each page
 * alone.  @keep runs under the index's lock, so it sees what a page
 * recorded before saw, and a page recorded after stays recorded; it must
 * not sleep.  Chunks left empty are freed, as by a clearing scan.  Returns
 * how many pages were taken out.
 */
unsigned int mmf_dirty_clear_unless(struct mmf_dirty *d, const pgoff_t *pgoffs, unsigned int n,
				    bool (*keep)(void *arg, pgoff_t first, pgoff_t last),
				    void *arg)
{
	unsigned long idx, last_idx = ULONG_MAX;
	struct mmf_chunk *chunk = NULL;
	unsigned int i, taken = 0;
	bool all;

	if (!n)
		return 0;
	xa_lock(&d->chunks);
	all = !keep(arg, pgoffs[0], pgoffs[n - 1]);
	for (i = 0; i < n; i++) {
		unsigned long bit = pgoffs[i] % MMF_CHUNK_BITS;

		/* One lookup per chunk: the batch is ascending. */
		idx = pgoffs[i] / MMF_CHUNK_BITS;
		if (idx != last_idx) {
			chunk = xa_load(&d->chunks, idx);
			last_idx = idx;
		}
		if (!chunk || !test_bit(bit, chunk->bits) ||
		    (!all && keep(arg, pgoffs[i], pgoffs[i])))
			continue;
		mmf_chunk_clear(chunk, bit);
		taken++;
		if (mmf_chunk_empty(chunk)) {
			__xa_erase(&d->chunks, idx);
			mmf_chunk_free(chunk);
			chunk = NULL;
		}
	}
	xa_unlock(&d->chunks);
	atomic_long_sub(taken, &d->count);
	return taken;
}

/* Whether @pgoff is recorded. */
bool mmf_dirty_test(struct mmf_dirty *d, pgoff_t pgoff)
{
	struct mmf_chunk *chunk;
	bool set;

	xa_lock(&d->chunks);
	chunk = xa_load(&d->chunks, pgoff / MMF_CHUNK_BITS);
	set = chunk && test_bit(pgoff % MMF_CHUNK_BITS, chunk->bits);
	xa_unlock(&d->chunks);
	return set;
}

/*
 * Take @pgoff out of the index; true when it was recorded.  A chunk left
 * empty is freed, as by a clearing scan.
 */
bool mmf_dirty_clear(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long idx = pgoff / MMF_CHUNK_BITS, bit = pgoff % MMF_CHUNK_BITS;
	struct mmf_chunk *chunk;
	bool was_set = false;

	xa_lock(&d->chunks);
	chunk = xa_load(&d->chunks, idx);
	if (chunk && test_bit(bit, chunk->bits)) {
		mmf_chunk_clear(chunk, bit);
		was_set = true;
		if (mmf_chunk_empty(chunk))
			__xa_erase(&d->chunks, idx);
		else
			chunk = NULL;
	} else {
		chunk = NULL;
	}
	xa_unlock(&d->chunks);
	mmf_chunk_free(chunk);
	if (was_set)
		atomic_long_dec(&d->count);
	return was_set;
}

/*
 * Collect up to @max recorded page offsets in [*pos, last] into @out, in
 * ascending order, clearing them when @clear (a chunk left empty is freed).
 * *pos is advanced past the last one returned (or past @last), so that a
 * caller can loop.  Cost: the set bits found, the words and summary words
 * read to find them, one xarray step per non-empty chunk; never an empty
 * chunk.  The lock is held for at most @max bits.
 */
unsigned int mmf_dirty_scan(struct mmf_dirty *d, pgoff_t *pos, pgoff_t last,
			    pgoff_t *out, unsigned int max, bool clear)
{
	unsigned long idx = *pos / MMF_CHUNK_BITS;
	unsigned long last_idx = last / MMF_CHUNK_BITS;
	struct mmf_chunk *chunk;
	unsigned int n = 0;

	if (*pos > last || !max)
		return 0;
	xa_lock(&d->chunks);
	while ((chunk = xa_find(&d->chunks, &idx, last_idx, MMF_CHUNK_BUSY))) {
		pgoff_t base = (pgoff_t)idx * MMF_CHUNK_BITS;
		unsigned long end = idx == last_idx ? last - base + 1 : MMF_CHUNK_BITS;
		unsigned long bit = *pos > base ? *pos - base : 0;

		for (bit = mmf_chunk_next(chunk, bit, end); bit < end && n < max;
		     bit = mmf_chunk_next(chunk, bit + 1, end)) {
			if (clear)
				mmf_chunk_clear(chunk, bit);
			out[n++] = base + bit;
		}
		if (clear && mmf_chunk_empty(chunk)) {
			__xa_erase(&d->chunks, idx);
			mmf_chunk_free(chunk);
		}
		if (n == max) {
			*pos = out[n - 1] + 1;
			goto out;
		}
		if (idx == last_idx)
			break;
		idx++;
		*pos = (pgoff_t)idx * MMF_CHUNK_BITS;
	}
	*pos = last + 1;
out:
	xa_unlock(&d->chunks);
	if (clear && n)
		atomic_long_sub(n, &d->count);
	return n;
}

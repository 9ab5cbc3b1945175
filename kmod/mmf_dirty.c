// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty index of a section: which pages a view wrote since the last
 * flush or write-watch reset.  A sparse bitmap: an xarray of page-sized
 * chunks, so a huge sparse section costs memory only where it is written
 * and a scan costs one xarray step per present chunk plus one
 * find_next_bit() per set bit.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/slab.h>

#include "mmf.h"

void mmf_dirty_init(struct mmf_dirty *d)
{
	xa_init(&d->chunks);
	atomic_long_set(&d->count, 0);
}

void mmf_dirty_destroy(struct mmf_dirty *d)
{
	unsigned long idx;
	void *chunk;

	xa_for_each(&d->chunks, idx, chunk)
		kfree(chunk);
	xa_destroy(&d->chunks);
}

/*
 * Make sure the chunk holding @pgoff exists, before the page is dirtied:
 * failing here costs nothing, failing after page_mkwrite would lose a
 * record.  Lock-free when the chunk is there already.  Charged to the
 * writer's memory cgroup: chunks live as long as the section, after the
 * pages they stand for were written back and reclaimed, so sparse writes
 * would otherwise let a cgroup allocate kernel memory without limit.
 */
int mmf_dirty_prepare(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long idx = pgoff >> MMF_CHUNK_SHIFT;
	void *chunk, *old;

	if (likely(xa_load(&d->chunks, idx)))
		return 0;
	chunk = kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	old = xa_cmpxchg(&d->chunks, idx, NULL, chunk, GFP_KERNEL_ACCOUNT);
	if (old) {
		/* Lost a race (old is the winner) or out of memory. */
		kfree(chunk);
		return xa_is_err(old) ? xa_err(old) : 0;
	}
	return 0;
}

/* Record @pgoff (its chunk prepared); true when it was clean. */
bool mmf_dirty_mark(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long *chunk = xa_load(&d->chunks, pgoff >> MMF_CHUNK_SHIFT);

	if (WARN_ON_ONCE(!chunk))
		return false;
	if (test_and_set_bit(pgoff & (MMF_CHUNK_BITS - 1), chunk))
		return false;
	atomic_long_inc(&d->count);
	return true;
}

/* Forget @pgoff; true when it was set. */
bool mmf_dirty_clear(struct mmf_dirty *d, pgoff_t pgoff)
{
	unsigned long *chunk = xa_load(&d->chunks, pgoff >> MMF_CHUNK_SHIFT);

	if (!chunk || !test_and_clear_bit(pgoff & (MMF_CHUNK_BITS - 1), chunk))
		return false;
	atomic_long_dec(&d->count);
	return true;
}

/*
 * Collect up to @max dirty page offsets in [*pos, last] into @out, in
 * ascending order, clearing them when @clear.  *pos is advanced past the
 * last one returned (or past @last), so that a caller can loop.
 */
unsigned int mmf_dirty_scan(struct mmf_dirty *d, pgoff_t *pos, pgoff_t last,
			    pgoff_t *out, unsigned int max, bool clear)
{
	unsigned long idx = *pos >> MMF_CHUNK_SHIFT;
	unsigned long last_idx = last >> MMF_CHUNK_SHIFT;
	unsigned int n = 0;
	unsigned long *chunk;

	if (*pos > last)
		return 0;
	while (n < max && (chunk = xa_find(&d->chunks, &idx, last_idx, XA_PRESENT))) {
		pgoff_t base = (pgoff_t)idx << MMF_CHUNK_SHIFT;
		unsigned long bit = *pos > base ? *pos - base : 0;
		unsigned long end = MMF_CHUNK_BITS;

		if (idx == last_idx)
			end = (last - base) + 1;
		for (bit = find_next_bit(chunk, end, bit); bit < end;
		     bit = find_next_bit(chunk, end, bit + 1)) {
			if (clear) {
				if (!test_and_clear_bit(bit, chunk))
					continue;
				atomic_long_dec(&d->count);
			}
			out[n++] = base + bit;
			if (n == max) {
				*pos = base + bit + 1;
				return n;
			}
		}
		if (idx == last_idx)
			break;
		idx++;
		*pos = (pgoff_t)idx << MMF_CHUNK_SHIFT;
	}
	*pos = last + 1;
	return n;
}

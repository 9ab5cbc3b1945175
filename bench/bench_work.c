// SPDX-License-Identifier: GPL-2.0
/*
 * mmf_bench's workloads.  Each run maps the target afresh (native or mmf,
 * the same calls otherwise), times only the part the workload is named
 * for, and checks what it read or wrote: every page read must hold its
 * stamp, every page written must read back with pread(2) (a file) or
 * through the mapping (swap-backed).  A wrong byte ends the program.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int commits = 1000;

/* Pages written per commit of the commit loop (a small transaction). */
#define COMMIT_PAGES 4
/* The sparse workload writes one page in this many. */
#define SPARSE_EVERY 100
/* Dirty pages of the flush-256 workloads. */
#define FLUSH_DIRTY_PAGES 256
/* Fault latency: one first touch per fault-around window (64 KiB). */
#define FAULT_BLOCK_PAGES 16

static volatile uint64_t sink;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A file's pages hold their stamps; a swap-backed section starts zero. */
static void read_page(struct target *t, struct map *m, size_t i)
{
	uint64_t v = *(volatile uint64_t *)(m->addr + i * page);

	if (t->fd >= 0)
		check_page("read through the mapping", v, i, -1);
	else if (v)
		fail("swap-backed page %zu reads %#llx, not zero", i, (unsigned long long)v);
	sink += v;
}

static void write_page(struct map *m, size_t i, uint32_t g)
{
	*(volatile uint64_t *)(m->addr + i * page) = stamp(g, i);
}

/* The pages written: with pread(2) from a file, else through the mapping. */
static void verify_written(struct target *t, struct map *m, uint32_t g, size_t step)
{
	if (t->fd >= 0) {
		verify_file(t, g, 0, step, t->pages);
		return;
	}
	for (size_t i = 0; i < t->pages; i += step)
		check_page("read back through the mapping", *(uint64_t *)(m->addr + i * page), i, g);
}

static void read_all(struct target *t, struct map *m, int random)
{
	for (size_t k = 0; k < t->pages; k++)
		read_page(t, m, random ? t->order[k] : k);
}

static void first_touch(struct target *t, int use_mmf, double *out, int cold, int random)
{
	struct map m;
	double t0;

	if (cold)
		target_drop_cache(t);
	else
		target_warm(t);
	map_open(&m, t, use_mmf);
	t0 = now();
	read_all(t, &m, random);
	out[0] = (now() - t0) * 1e3;
	map_close(&m);
}

static void w_seq_cold(struct target *t, int use_mmf, double *out)
{
	first_touch(t, use_mmf, out, 1, 0);
}

static void w_rand_cold(struct target *t, int use_mmf, double *out)
{
	first_touch(t, use_mmf, out, 1, 1);
}

static void w_seq_warm(struct target *t, int use_mmf, double *out)
{
	first_touch(t, use_mmf, out, 0, 0);
}

static void w_rand_warm(struct target *t, int use_mmf, double *out)
{
	first_touch(t, use_mmf, out, 0, 1);
}

static void w_retouch(struct target *t, int use_mmf, double *out)
{
	struct map m;
	double t0;

	target_warm(t);
	map_open(&m, t, use_mmf);
	read_all(t, &m, 0);
	t0 = now();
	read_all(t, &m, 0);
	out[0] = (now() - t0) * 1e3;
	map_close(&m);
}

static void write_flush(struct target *t, int use_mmf, double *out, enum flush_kind kind)
{
	uint32_t g = next_gen();
	struct map m;
	double t0;

	target_warm(t);
	map_open(&m, t, use_mmf);
	t0 = now();
	for (size_t i = 0; i < t->pages; i++)
		write_page(&m, i, g);
	map_flush(&m, t, kind);
	out[0] = (now() - t0) * 1e3;
	verify_written(t, &m, g, verify_stride);
	map_close(&m);
}

static void w_write_flush(struct target *t, int use_mmf, double *out)
{
	write_flush(t, use_mmf, out, FLUSH_PLAIN);
}

static void w_write_durable(struct target *t, int use_mmf, double *out)
{
	write_flush(t, use_mmf, out, FLUSH_DURABLE);
}

/* The view mapped and read everywhere first, as a long-lived view is. */
static void w_sparse(struct target *t, int use_mmf, double *out)
{
	uint32_t g = next_gen();
	struct map m;
	double t0;

	target_warm(t);
	map_open(&m, t, use_mmf);
	read_all(t, &m, 0);
	t0 = now();
	for (size_t i = 0; i < t->pages; i += SPARSE_EVERY)
		write_page(&m, i, g);
	map_flush(&m, t, FLUSH_PLAIN);
	out[0] = (now() - t0) * 1e3;
	verify_written(t, &m, g, SPARSE_EVERY);
	map_close(&m);
}

/*
 * The flush alone, of a view with 256 dirty pages spread over it: it should
 * cost the same at every size (issue 12), also (history) after the whole
 * view was once written and flushed.
 */
static void flush_dirty(struct target *t, int use_mmf, double *out, int history)
{
	size_t step = t->pages / FLUSH_DIRTY_PAGES;
	uint32_t g = next_gen();
	struct map m;
	double t0;

	target_warm(t);
	map_open(&m, t, use_mmf);
	read_all(t, &m, 0);
	if (history) {
		for (size_t i = 0; i < t->pages; i++)
			write_page(&m, i, g);
		map_flush(&m, t, FLUSH_PLAIN);
		g = next_gen();
	}
	for (size_t i = 0; i < t->pages; i += step)
		write_page(&m, i, g);
	t0 = now();
	map_flush(&m, t, FLUSH_PLAIN);
	out[0] = (now() - t0) * 1e6;
	verify_written(t, &m, g, step);
	map_close(&m);
}

static void w_flush_dirty(struct target *t, int use_mmf, double *out)
{
	flush_dirty(t, use_mmf, out, 0);
}

static void w_flush_dirty_history(struct target *t, int use_mmf, double *out)
{
	flush_dirty(t, use_mmf, out, 1);
}

/*
 * A database's commit: a few pages written, the whole view flushed
 * durably, thousands of times; microseconds per commit.
 */
static void w_commit(struct target *t, int use_mmf, double *out)
{
	uint32_t *last = calloc(t->pages, sizeof(*last));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct map m;
	double t0;

	if (!last)
		die("calloc");
	target_warm(t);
	map_open(&m, t, use_mmf);
	read_all(t, &m, 0);
	t0 = now();
	for (int c = 0; c < commits; c++) {
		uint32_t g = next_gen();

		for (int k = 0; k < COMMIT_PAGES; k++) {
			size_t i = rnd(&seed) % t->pages;

			write_page(&m, i, g);
			last[i] = g;
		}
		map_flush(&m, t, FLUSH_DURABLE);
	}
	out[0] = (now() - t0) * 1e6 / commits;
	for (size_t i = 0; i < t->pages; i++)
		if (last[i])
			verify_file(t, last[i], i, 1, 1);
	map_close(&m);
	free(last);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Single first touches, one per fault-around window, the windows in random
 * order, the file in the page cache: p50 and p99 in microseconds.
 */
static void fault_latency(struct target *t, int use_mmf, double *out, int write)
{
	size_t n = 0, max = t->pages / FAULT_BLOCK_PAGES;
	double *lat = malloc(max * sizeof(*lat));
	uint32_t g = next_gen();
	struct map m;

	if (!lat)
		die("malloc");
	target_warm(t);
	map_open(&m, t, use_mmf);
	for (size_t k = 0; k < t->pages && n < max; k++) {
		size_t i = t->order[k];
		double t0;

		if (i % FAULT_BLOCK_PAGES)
			continue;
		t0 = now();
		if (write)
			write_page(&m, i, g);
		else
			sink += *(volatile uint64_t *)(m.addr + i * page);
		lat[n++] = (now() - t0) * 1e6;
		if (!write)
			read_page(t, &m, i);
	}
	if (write)
		verify_written(t, &m, g, FAULT_BLOCK_PAGES);
	qsort(lat, n, sizeof(*lat), cmp_double);
	out[0] = lat[n / 2];
	out[1] = lat[n * 99 / 100];
	map_close(&m);
	free(lat);
}

static void w_fault_read(struct target *t, int use_mmf, double *out)
{
	fault_latency(t, use_mmf, out, 0);
}

static void w_fault_write(struct target *t, int use_mmf, double *out)
{
	fault_latency(t, use_mmf, out, 1);
}

/*
 * After reading the whole target through the mapping (from a cold cache on
 * a disk): resident pages of the mapping, and how much the page cache and
 * anonymous memory grew.  The same for both, or a page is held twice.
 */
static void w_memory(struct target *t, int use_mmf, double *out)
{
	struct map m;
	long before;

	if (t->disk)
		target_drop_cache(t);
	before = meminfo_pages();
	map_open(&m, t, use_mmf);
	read_all(t, &m, 0);
	out[0] = view_rss_pages(m.addr);
	out[1] = meminfo_pages() - before;
	map_close(&m);
}

const struct workload workloads[] = {
	{ "seq-cold", "first touch, sequential, cold cache (read)", UNIT_MS, W_DISK_ONLY,
	  1, { "" }, w_seq_cold },
	{ "rand-cold", "first touch, random order, cold cache (read)", UNIT_MS, W_DISK_ONLY,
	  1, { "" }, w_rand_cold },
	{ "seq-warm", "first touch, sequential, warm cache (read)", UNIT_MS, 0,
	  1, { "" }, w_seq_warm },
	{ "rand-warm", "first touch, random order, warm cache (read)", UNIT_MS, 0,
	  1, { "" }, w_rand_warm },
	{ "retouch", "every page read again, all mapped", UNIT_MS, 0,
	  1, { "" }, w_retouch },
	{ "write-flush", "write every page + flush (msync MS_SYNC)", UNIT_MS, 0,
	  1, { "" }, w_write_flush },
	{ "write-durable", "write every page + durable flush (msync + fdatasync)", UNIT_MS,
	  W_FILE_ONLY, 1, { "" }, w_write_durable },
	{ "sparse-flush", "write 1% of the pages of a mapped view + flush", UNIT_MS, 0,
	  1, { "" }, w_sparse },
	{ "flush-256", "flush alone, 256 dirty pages spread over the view", UNIT_US, 0,
	  1, { "" }, w_flush_dirty },
	{ "flush-256-hist", "the same after the view was once written and flushed", UNIT_US, 0,
	  1, { "" }, w_flush_dirty_history },
	{ "commit", "commit loop: 4 random pages + durable flush, per commit", UNIT_US,
	  W_FILE_ONLY, 1, { "" }, w_commit },
	{ "share", "writer and reader processes, 2 passes, every page checked", UNIT_MS, 0,
	  1, { "" }, run_share },
	{ "fault-read", "single first touch (read), warm cache", UNIT_US, 0,
	  2, { "-p50", "-p99" }, w_fault_read },
	{ "fault-write", "single first touch (write), warm cache", UNIT_US, 0,
	  2, { "-p50", "-p99" }, w_fault_write },
	{ "mem", "after reading it all: resident pages, page cache + anon growth",
	  UNIT_PAGES, 0, 2, { "-rss", "-cache" }, w_memory },
};

const int nworkloads = sizeof(workloads) / sizeof(workloads[0]);

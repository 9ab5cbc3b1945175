/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmf_bench's parts: the mappings it compares (bench_map.c), the workloads
 * (bench_work.c, bench_share.c) and the driver that alternates them and
 * reports (mmf_bench.c).
 */
#ifndef MMF_BENCH_H
#define MMF_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* What the mappings are of: one file (ext4, tmpfs) or swap-backed memory. */
struct target {
	const char *path;	/* NULL for a swap-backed section */
	const char *fs;		/* label: ext4, tmpfs, swap, ... */
	int fd;			/* -1 for swap */
	int disk;		/* the file lives on a disk: cold cache and fsync mean something */
	size_t len;		/* bytes, a page multiple */
	size_t pages;
	uint32_t *order;	/* a fixed random permutation of the pages */
	int cold;		/* the page cache was dropped since the file was last read */
};

/* One mapping of the whole target: native mmap, or a view of an mmf section. */
struct map {
	int handle;		/* /dev/mmf handle, -1 for native */
	char *addr;
	size_t len;
};

enum flush_kind { FLUSH_PLAIN, FLUSH_DURABLE };

extern size_t page;
extern int verify_stride;	/* check every Nth page after a write (1: all) */
extern unsigned long long checked_pages;	/* stamps checked, all told */
extern int native_fsync;	/* native durable flush: fsync, not fdatasync */
extern unsigned int readaround;	/* the sections' read-around in pages, 0: default */
extern int untracked;		/* sections made with MMF_CREATE_UNTRACKED */

void die(const char *what);
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
double now(void);

void target_fill(struct target *t);
void target_drop_cache(struct target *t);
void target_warm(struct target *t);

void map_open(struct map *m, struct target *t, int use_mmf);
void map_open_named(struct map *m, struct target *t, int use_mmf, const char *name);
void map_open_reader(struct map *m, struct target *t, int use_mmf, const char *name);
void map_flush(struct map *m, struct target *t, enum flush_kind kind);
void map_close(struct map *m);

/* Page i holds stamp(gen, i) in its first 8 bytes. */
static inline uint64_t stamp(uint32_t gen, size_t i)
{
	return (uint64_t)gen << 32 | (uint32_t)i;
}

uint32_t next_gen(void);
void check_page(const char *what, uint64_t got, size_t i, int64_t gen);
void verify_file(struct target *t, uint32_t gen, size_t first, size_t step, size_t count);

long meminfo_pages(void);
long view_rss_pages(const void *addr);

/* A workload: one run, one way; fills out[] (nout values, in unit). */
enum unit { UNIT_MS, UNIT_US, UNIT_PAGES };

#define W_DISK_ONLY	(1U << 0)	/* cold cache, fsync: a file on a disk */
#define W_FILE_ONLY	(1U << 1)	/* needs a file (not swap) */
#define MAX_OUT		2

struct workload {
	const char *name;
	const char *what;	/* one line for the table's legend */
	enum unit unit;
	unsigned int flags;
	int nout;
	const char *out_name[MAX_OUT];	/* suffix of each value's row */
	void (*run)(struct target *t, int use_mmf, double *out);
};

extern const struct workload workloads[];
extern const int nworkloads;
extern int commits;

void run_share(struct target *t, int use_mmf, double *out);

#endif

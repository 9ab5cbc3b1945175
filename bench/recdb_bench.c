// SPDX-License-Identifier: GPL-2.0
/*
 * recdb_bench: the record database of examples/recdb at scale, built twice
 * in one program: on libmmf (a section, one view, read-around of one page,
 * mmf_flush) exactly as recdb opens its file, and on plain mmap(2)
 * (MADV_RANDOM, recdb's one-page read-around) with msync(2).  Each run
 * starts from a cold page cache and does random lookups and updates of
 * records, flushing the view every so many updates; the two ways alternate
 * round by round.  Every lookup checks its record's id and version, and
 * every updated record is read back with pread(2) after the run.
 *
 *   recdb_bench [-A] [-W] [-S] [-m MIB] [-r ROUNDS] [-n OPS] [-u PERCENT] [-f EVERY]
 *               [-o CSV] [-L FS] [-k KERNEL] FILE
 *
 * Defaults: a 2048 MiB file, 5 rounds, 100000 operations a run of which 20%
 * are updates, a flush every 100 updates.  -S (make check's smoke run):
 * 16 MiB, one round, 2000 operations.  -A runs native both ways (A/A, the
 * noise floor), -W keeps the page cache warm between runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <mmf.h>

#include "bench_report.h"

#include "../examples/recdb/record.h"

struct db {
	mmf_section *section;	/* NULL: plain mmap */
	struct record *records;
	uint64_t count;
	size_t len;
};

static uint32_t *versions;	/* what each record's version must be */
static int warm;		/* -W: keep the page cache between runs */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "recdb_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* recdb create: COUNT records written with write(2), then on disk. */
static void create_file(const char *path, uint64_t count)
{
	enum { BATCH = 4096 };
	struct record *buf = calloc(BATCH, sizeof(*buf));
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	uint64_t i = 0;

	if (!buf || fd < 0)
		fail("%s: %s", path, strerror(errno));
	while (i < count) {
		size_t n = 0;

		for (; n < BATCH && i < count; n++, i++) {
			memset(&buf[n], 0, sizeof(buf[n]));
			buf[n].magic = RECORD_MAGIC;
			buf[n].id = i;
			snprintf(buf[n].text, sizeof(buf[n].text), "record %" PRIu64, i);
		}
		if (write(fd, buf, n * sizeof(*buf)) != (ssize_t)(n * sizeof(*buf)))
			fail("writing %s: %s", path, strerror(errno));
	}
	if (fsync(fd))
		fail("fsync: %s", strerror(errno));
	close(fd);
	free(buf);
}

static void drop_caches(void)
{
	int d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (d < 0 || write(d, "3", 1) != 1)
		fail("drop_caches: %s", strerror(errno));
	close(d);
}

static void db_open(struct db *db, const char *path, int use_mmf)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *view;
	int ret;

	if (fd < 0)
		fail("%s: %s", path, strerror(errno));
	db->len = lseek(fd, 0, SEEK_END);
	db->count = db->len / sizeof(struct record);
	db->section = NULL;
	if (use_mmf) {
		const struct mmf_options opt = { .size = sizeof(opt), .readaround = 1 };

		ret = mmf_create_options(fd, 0, MMF_PAGE_READWRITE, &opt, &db->section);
		if (!ret)
			ret = mmf_map(db->section, MMF_MAP_WRITE, 0, 0, NULL, &view);
		if (ret < 0)
			fail("mapping %s: %s", path, mmf_strerror(ret));
	} else {
		view = mmap(NULL, db->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (view == MAP_FAILED || madvise(view, db->len, MADV_RANDOM))
			fail("mmap %s: %s", path, strerror(errno));
	}
	close(fd);	/* the section, or the mapping, keeps the file */
	db->records = view;
}

static void db_flush(struct db *db)
{
	int ret = db->section ? mmf_flush(db->records, 0, 0, NULL) :
				msync(db->records, db->len, MS_SYNC) ? -errno : 0;

	if (ret < 0)
		fail("flush: %s", strerror(-ret));
}

static void db_close(struct db *db)
{
	if (db->section) {
		mmf_unmap(db->records);
		mmf_close(db->section);
	} else {
		munmap(db->records, db->len);
	}
}

static void check(const struct record *r, uint64_t n, const char *how)
{
	if (r->magic != RECORD_MAGIC || r->id != n || r->version != versions[n])
		fail("record %" PRIu64 " %s: magic %#x id %" PRIu64 " version %u, not version %u",
		     n, how, r->magic, r->id, r->version, versions[n]);
}

/* One run, one way: milliseconds. */
static double run(const char *path, int use_mmf, long ops, int upd_pct, int every,
		  uint64_t *seed, uint64_t *updated)
{
	long updates = 0;
	struct db db;
	double t0, t;
	int fd;

	if (!warm)
		drop_caches();
	db_open(&db, path, use_mmf);
	t0 = now();
	for (long op = 0; op < ops; op++) {
		uint64_t n = rnd(seed) % db.count;
		struct record *r = &db.records[n];

		if ((int)(rnd(seed) % 100) >= upd_pct) {
			check(r, n, "looked up");
			continue;
		}
		check(r, n, "before its update");
		snprintf(r->text, sizeof(r->text), "record %" PRIu64 ", update %u", n,
			 r->version + 1);
		r->version = ++versions[n];
		updated[updates++] = n;
		if (updates % every == 0)
			db_flush(&db);
	}
	db_flush(&db);
	t = (now() - t0) * 1e3;
	db_close(&db);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("%s: %s", path, strerror(errno));
	for (long i = 0; i < updates; i++) {
		struct record r;

		if (pread(fd, &r, sizeof(r), (off_t)(updated[i] * sizeof(r))) != sizeof(r))
			fail("pread: %s", strerror(errno));
		check(&r, updated[i], "read back with pread(2)");
	}
	close(fd);
	return t;
}

static int usage(void)
{
	fprintf(stderr, "usage: recdb_bench [-A] [-W] [-S] [-m MIB] [-r ROUNDS] [-n OPS] [-u PERCENT] "
			"[-f EVERY] [-o CSV] [-L FS] [-k KERNEL] FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *csv_path = NULL, *path, *fs = "ext4", *kernel = NULL;
	double nat[REPORT_MAX_ROUNDS], mmf[REPORT_MAX_ROUNDS];
	int rounds = 5, upd_pct = 20, every = 100, opt;
	uint64_t seed = 0x853c49e6748fea9bULL, *updated;
	long ops = 100000;
	size_t mib = 2048;
	struct utsname u;
	struct report rep;
	int aa = 0;
	double t0;

	while ((opt = getopt(argc, argv, "AWSm:r:n:u:f:o:L:k:")) != -1) {
		switch (opt) {
		case 'A': aa = 1; break;
		case 'W': warm = 1; break;
		case 'S':
			mib = 16;
			rounds = 1;
			ops = 2000;
			break;
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'n': ops = atol(optarg); break;
		case 'u': upd_pct = atoi(optarg); break;
		case 'f': every = atoi(optarg); break;
		case 'o': csv_path = optarg; break;
		case 'L': fs = optarg; break;
		case 'k': kernel = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc - 1 || !mib || rounds < 1 || rounds > REPORT_MAX_ROUNDS || ops < 1 ||
	    upd_pct < 0 || upd_pct > 100 || every < 1)
		return usage();
	path = argv[optind];
	if (!kernel)
		kernel = uname(&u) ? "?" : u.release;
	rep = (struct report){ kernel, fs, rounds, NULL };
	if (csv_path && !(rep.csv = report_csv_open(csv_path)))
		fail("%s: %s", csv_path, strerror(errno));

	printf("# recdb at scale, Linux %s, %s: %zu MiB of 256-byte records, %ld operations a "
	       "run (%d%% updates, a flush every %d), %s cache, %d round%s%s\n",
	       kernel, path, mib, ops, upd_pct, every, warm ? "warm" : "cold", rounds,
	       rounds > 1 ? "s" : "", aa ? ", native both ways (A/A)" : "");
	fflush(stdout);
	t0 = now();
	create_file(path, ((uint64_t)mib << 20) / sizeof(struct record));
	printf("# created in %.1f s\n", now() - t0);
	versions = calloc(((uint64_t)mib << 20) / sizeof(struct record), sizeof(*versions));
	updated = calloc(ops, sizeof(*updated));
	if (!versions || !updated)
		fail("calloc");
	report_header(aa ? "native" : "mmf");
	for (int r = 0; r < rounds; r++) {
		int first = r % 2;	/* 1: mmf first */
		double a = run(path, first && !aa, ops, upd_pct, every, &seed, updated);
		double b = run(path, !first && !aa, ops, upd_pct, every, &seed, updated);

		nat[r] = first ? b : a;
		mmf[r] = first ? a : b;
	}
	report_row(&rep, "recdb", mib, "ms", nat, mmf);
	if (rep.csv && fclose(rep.csv))
		fail("%s: %s", csv_path, strerror(errno));
	unlink(path);
	free(versions);
	free(updated);
	return 0;
}

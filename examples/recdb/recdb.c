// SPDX-License-Identifier: GPL-2.0
/*
 * recdb: a flat-file database of fixed-size records, read and updated in
 * place through one view of an mmf section (the source document's example).
 *
 *   recdb [-f] create FILE COUNT   a file of COUNT records
 *   recdb get FILE N               print record N
 *   recdb set FILE N TEXT          change record N's text, flush just its bytes
 *   recdb [-f] demo FILE           create a large file, touch a few records
 *                                  and show from the section's counters that
 *                                  only the touched pages were read and only
 *                                  the dirtied pages were written
 *
 * create and demo never replace an existing FILE unless -f is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mmf.h>

#include "record.h"

struct db {
	mmf_section *section;
	struct record *records;
	uint64_t count;
};

/* One line: mmf_strerror() says what to do when the module is not loaded. */
static int fail(const char *what, int err)
{
	fprintf(stderr, "recdb: %s: %s\n", what, mmf_strerror(err));
	return 1;
}

/* A new file, or (with @force) an existing one replaced; -EEXIST otherwise. */
static int create_file(const char *path, uint64_t count, int force)
{
	struct record buf[256];
	uint64_t i = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);

	if (fd < 0)
		return -errno;
	while (i < count) {
		size_t n = 0;

		for (; n < 256 && i < count; n++, i++) {
			memset(&buf[n], 0, sizeof(buf[n]));
			buf[n].magic = RECORD_MAGIC;
			buf[n].id = i;
			snprintf(buf[n].text, sizeof(buf[n].text), "record %" PRIu64, i);
		}
		if (write(fd, buf, n * sizeof(buf[0])) != (ssize_t)(n * sizeof(buf[0]))) {
			close(fd);
			return -EIO;
		}
	}
	/* On disk and out of the page cache, so that the demo starts cold. */
	if (fdatasync(fd) < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int exists(const char *path)
{
	fprintf(stderr, "recdb: %s exists: not replaced (recdb -f ... replaces it)\n", path);
	return 1;
}

/* Map the whole file: one view; read-around 1 page so a lookup reads one page. */
static int db_open(const char *path, struct db *db)
{
	const struct mmf_options opt = { .size = sizeof(opt), .readaround = 1 };
	void *view;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = mmf_create_options(fd, 0, MMF_PAGE_READWRITE, &opt, &db->section);
	close(fd);	/* the section keeps the file */
	if (ret < 0)
		return ret;
	ret = mmf_map(db->section, MMF_MAP_WRITE, 0, 0, NULL, &view);
	if (ret < 0) {
		mmf_close(db->section);
		return ret;
	}
	db->records = view;
	db->count = mmf_section_size(db->section) / sizeof(struct record);
	return 0;
}

static void db_close(struct db *db)
{
	mmf_unmap(db->records);
	mmf_close(db->section);
}

static const struct record *lookup(struct db *db, uint64_t n)
{
	return n < db->count && db->records[n].magic == RECORD_MAGIC ? &db->records[n] : NULL;
}

/* Change a record in place and write back just its bytes. */
static int update(struct db *db, uint64_t n, const char *text)
{
	struct record *r = &db->records[n];

	if (n >= db->count)
		return -ERANGE;
	snprintf(r->text, sizeof(r->text), "%s", text);
	r->version++;
	return mmf_flush(r, sizeof(*r), 0, NULL);
}

static uint64_t page_of(uint64_t n)
{
	return n * sizeof(struct record) / mmf_granularity();
}

/* Pages of the file in the page cache, seen through an ordinary mapping. */
static long resident_pages(const char *path)
{
	size_t page = mmf_granularity(), pages, i;
	unsigned char *vec;
	struct stat st;
	long count = 0;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	pages = ((size_t)st.st_size + page - 1) / page;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && mincore(p, (size_t)st.st_size, vec) == 0)
		for (i = 0; i < pages; i++)
			count += vec[i] & 1;
	else
		count = -1;
	free(vec);
	munmap(p, (size_t)st.st_size);
	return count;
}

static int demo(const char *path, int force)
{
	static const uint64_t lookups[] = { 7, 1000, 31337, 65536, 123457, 200003, 262000, 3 };
	static const uint64_t updates[] = { 1000, 123457, 262000 };
	const uint64_t count = 262144;	/* 64 MiB of records */
	uint64_t touched = 0, dirtied = 0, seen[16];
	struct mmf_stats st = { .size = sizeof(st) };
	struct db db;
	long resident;
	size_t i, j;
	int ret, ok;

	/* Before writing 64 MiB: is there a module to map them with? */
	ret = mmf_available();
	if (ret < 0)
		return fail("cannot run the demo", ret);
	printf("recdb: creating %s: %" PRIu64 " records of %zu bytes (%" PRIu64 " MiB)\n",
	       path, count, sizeof(struct record), count * sizeof(struct record) >> 20);
	ret = create_file(path, count, force);
	if (ret == -EEXIST)
		return exists(path);
	if (ret < 0)
		return fail(path, ret);
	ret = db_open(path, &db);
	if (ret < 0)
		return fail("mapping the file", ret);

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct record *r = lookup(&db, lookups[i]);

		if (!r || r->id != lookups[i]) {
			db_close(&db);
			fprintf(stderr, "recdb: record %" PRIu64 " is wrong\n", lookups[i]);
			return 1;
		}
		printf("  get %6" PRIu64 ": \"%s\" (version %u)\n", r->id, r->text, r->version);
		for (j = 0; j < touched && seen[j] != page_of(lookups[i]); j++)
			;
		if (j == touched)
			seen[touched++] = page_of(lookups[i]);
	}
	for (i = 0; i < sizeof(updates) / sizeof(updates[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "record %" PRIu64 ", updated", updates[i]);
		ret = update(&db, updates[i], text);
		if (ret < 0) {
			db_close(&db);
			return fail("flush", ret);
		}
		printf("  set %6" PRIu64 ": \"%s\", flushed %zu bytes\n", updates[i], text,
		       sizeof(struct record));
		dirtied++;	/* every updated record lies in its own, looked-up page */
	}
	ret = mmf_section_stats(db.section, &st);
	db_close(&db);
	if (ret < 0)
		return fail("statistics", ret);
	resident = resident_pages(path);

	printf("section: %" PRIu64 " pages, %" PRIu64 " faults (%" PRIu64 " read from disk), "
	       "%" PRIu64 " pages dirtied, %" PRIu64 " written by %" PRIu64 " flushes\n",
	       st.section_size / mmf_granularity(), st.faults, st.major_faults,
	       st.pages_dirtied, st.pages_flushed, st.flushes);
	printf("page cache: %ld of %" PRIu64 " pages of the file resident\n", resident,
	       st.section_size / mmf_granularity());
	ok = st.major_faults == touched && st.faults == touched;
	printf("pages read = pages touched: %" PRIu64 " = %" PRIu64 " %s\n", st.major_faults,
	       touched, ok ? "(ok)" : "(MISMATCH)");
	ok &= st.pages_flushed == st.pages_dirtied && st.pages_dirtied == dirtied;
	printf("pages written = pages dirtied: %" PRIu64 " = %" PRIu64 " %s\n", st.pages_flushed,
	       st.pages_dirtied, st.pages_flushed == st.pages_dirtied &&
	       st.pages_dirtied == dirtied ? "(ok)" : "(MISMATCH)");
	return ok ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: recdb [-f] create FILE COUNT | get FILE N | set FILE N TEXT | "
			"[-f] demo FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	int force = 0;
	struct db db;
	uint64_t n;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-f")) {
		force = 1;
		argc--;
		argv++;
	}
	if (argc == 3 && !strcmp(argv[1], "demo"))
		return demo(argv[2], force);
	if (argc == 4 && !strcmp(argv[1], "create")) {
		ret = create_file(argv[2], strtoull(argv[3], NULL, 0), force);
		if (ret == -EEXIST)
			return exists(argv[2]);
		return ret < 0 ? fail(argv[2], ret) : 0;
	}
	if (force)
		return usage();
	if (!((argc == 4 && !strcmp(argv[1], "get")) || (argc == 5 && !strcmp(argv[1], "set"))))
		return usage();
	n = strtoull(argv[3], NULL, 0);
	ret = db_open(argv[2], &db);
	if (ret < 0)
		return fail(argv[2], ret);
	if (argc == 5) {
		ret = update(&db, n, argv[4]);
		db_close(&db);
		return ret < 0 ? fail("set", ret) : 0;
	}
	{
		const struct record *r = lookup(&db, n);

		if (r)
			printf("%" PRIu64 ": \"%s\" (version %u)\n", r->id, r->text, r->version);
		db_close(&db);
		if (!r) {
			fprintf(stderr, "recdb: no record %" PRIu64 "\n", n);
			return 1;
		}
	}
	return 0;
}

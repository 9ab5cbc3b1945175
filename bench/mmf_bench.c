// SPDX-License-Identifier: GPL-2.0
/*
 * mmf_bench: mmf views against plain mmap(2)/msync(2) on the same file, in
 * the same boot, as ratios.  Each case runs both ways alternately, several
 * rounds, and reports the medians and mmf/native.  Run inside the test VM
 * (make bench); nothing here asserts a time.
 *
 *   mmf_bench [-s MIB] [-r ROUNDS] FILE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#define MAX_ROUNDS 15

static size_t page;

static void die(const char *what)
{
	fprintf(stderr, "mmf_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drop_caches(int fd)
{
	int d;

	fsync(fd);
	d = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (d < 0 || write(d, "3", 1) != 1)
		die("drop_caches");
	close(d);
}

/* A mapping of the whole file: native mmap, or a view of an mmf section. */
struct map {
	int handle;		/* /dev/mmf handle, -1 for native */
	char *addr;
	size_t len;
};

static void map_open(struct map *m, int fd, size_t len, int use_mmf)
{
	m->len = len;
	m->handle = -1;
	if (use_mmf) {
		struct mmf_create c = {
			.size = sizeof(c), .fd = fd, .prot = MMF_PROT_READWRITE,
		};

		m->handle = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (m->handle < 0 || ioctl(m->handle, MMF_IOC_CREATE, &c))
			die("MMF_IOC_CREATE");
		m->addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, m->handle, 0);
	} else {
		m->addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (m->addr == MAP_FAILED)
		die("mmap");
}

static void map_flush(struct map *m)
{
	if (m->handle >= 0) {
		struct mmf_flush f = {
			.size = sizeof(f), .addr = (uintptr_t)m->addr, .length = m->len,
		};

		if (ioctl(m->handle, MMF_IOC_FLUSH, &f))
			die("MMF_IOC_FLUSH");
	} else if (msync(m->addr, m->len, MS_SYNC)) {
		die("msync");
	}
}

static void map_close(struct map *m)
{
	munmap(m->addr, m->len);
	if (m->handle >= 0)
		close(m->handle);
}

static volatile unsigned long sink;

static void touch_read(struct map *m, size_t step)
{
	unsigned long sum = 0;

	for (size_t off = 0; off < m->len; off += step)
		sum += m->addr[off];
	sink = sum;
}

static void touch_write(struct map *m, size_t step, char v)
{
	for (size_t off = 0; off < m->len; off += step)
		m->addr[off] = v;
}

enum bench_case { COLD_READ, WARM_READ, WRITE_FLUSH, SPARSE_FLUSH, NCASES };

static const char *const case_name[NCASES] = {
	"first touch, cold cache (read)",
	"first touch, warm cache (read)",
	"write every page + flush",
	"write 1/64 of pages + flush",
};

/* One measurement of one case, one way; returns seconds. */
static double run_case(enum bench_case c, int fd, size_t len, int use_mmf, int round)
{
	struct map m;
	double t0, t;

	if (c == COLD_READ)
		drop_caches(fd);
	map_open(&m, fd, len, use_mmf);
	switch (c) {
	case COLD_READ:
	case WARM_READ:
		t0 = now();
		touch_read(&m, page);
		t = now() - t0;
		break;
	case WRITE_FLUSH:
		t0 = now();
		touch_write(&m, page, (char)round);
		map_flush(&m);
		t = now() - t0;
		break;
	default:
		touch_read(&m, page);	/* fault everything in first */
		t0 = now();
		touch_write(&m, page * 64, (char)round);
		map_flush(&m);
		t = now() - t0;
		break;
	}
	map_close(&m);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	size_t mib = 32;
	int rounds = 5, opt, fd;
	const char *path;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		if (opt == 's')
			mib = strtoul(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			goto usage;
	}
	if (optind != argc - 1 || !mib || rounds < 1 || rounds > MAX_ROUNDS)
		goto usage;
	path = argv[optind];
	page = sysconf(_SC_PAGESIZE);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	if (posix_fallocate(fd, 0, mib << 20))
		die("posix_fallocate");

	printf("# %s, %zu MiB (%zu pages), median of %d rounds\n",
	       path, mib, (mib << 20) / page, rounds);
	printf("# %-34s %12s %12s %8s\n", "case", "native ms", "mmf ms", "mmf/nat");
	for (int c = 0; c < NCASES; c++) {
		double nat[MAX_ROUNDS], mmf[MAX_ROUNDS], n, v;

		for (int r = 0; r < rounds; r++) {
			/* Alternate the order so drift hurts both alike. */
			int first = r % 2;

			double a = run_case(c, fd, mib << 20, first, r);
			double b = run_case(c, fd, mib << 20, !first, r);

			nat[r] = first ? b : a;
			mmf[r] = first ? a : b;
		}
		n = median(nat, rounds);
		v = median(mmf, rounds);
		printf("  %-34s %12.2f %12.2f %8.2f\n", case_name[c], n * 1e3, v * 1e3, v / n);
	}
	close(fd);
	unlink(path);
	return 0;
usage:
	fprintf(stderr, "usage: mmf_bench [-s MIB] [-r ROUNDS] FILE\n");
	return 2;
}

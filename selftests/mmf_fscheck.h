/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What nfs_test and fstypes_test check on every file system: a section over
 * a file there works.  Views read the file's bytes and write them; a named
 * section's second handle and a second section on another open of the file
 * see every write at once; read(2) sees them too; a waiting flush writes
 * exactly the pages written and re-arms them; a durable flush writes the
 * next one; after the page cache is dropped a fresh open reads every byte
 * back with read(2).  Needs kselftest_harness.h and mmf_test.h first.
 */
#ifndef MMF_FSCHECK_H
#define MMF_FSCHECK_H

#include <linux/fiemap.h>
#include <linux/fs.h>

/* The byte of page @i in round @r: never the fill byte 0x11. */
static inline int fsc_pat(int r, size_t i)
{
	return 0x80 | ((r * 31 + i) & 0x7f);
}

#define FSC_FILL	0x11

/* Whether page i of @fd holds fsc_pat(@r, i) for every i < @n (pread). */
static inline int fsc_file_has(int fd, size_t n, int r)
{
	size_t pg = MMFT_PAGE, i;

	for (i = 0; i < n; i++)
		if (!mmft_file_all(fd, i * pg, pg, fsc_pat(r, i)))
			return 0;
	return 1;
}

/* The same through a fresh open of @path. */
static inline int fsc_path_has(const char *path, size_t n, int r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = fsc_file_has(fd, n, r);
	close(fd);
	return ok;
}

/*
 * The whole check on a file of @n pages at @path (filled with FSC_FILL),
 * open read-write as @fd.  @name names the section, unique per run.
 */
static inline void fsc_sections_work(struct __test_metadata *_metadata, const char *path,
				     int fd, size_t n, const char *name)
{
	size_t pg = MMFT_PAGE, size = n * pg, i;
	unsigned char *v1, *v2, *v3;
	struct mmf_stat st;
	uint64_t written;
	int h1, h2, h3, fd2;

	h1 = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0600, MMF_CREATE_EXCL, NULL);
	ASSERT_LE(0, h1) TH_LOG("CREATE on %s: %s", path, strerror(-h1));
	h2 = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
	ASSERT_LE(0, h2) TH_LOG("OPEN: %s", strerror(-h2));
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	h3 = mmft_create(fd2, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h3) TH_LOG("second CREATE: %s", strerror(-h3));
	v1 = mmft_map(h1, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v1) TH_LOG("view: %s", strerror(errno));
	v2 = mmft_map(h2, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v2) TH_LOG("view by name: %s", strerror(errno));
	v3 = mmft_map(h3, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v3) TH_LOG("second section's view: %s", strerror(errno));

	/* Views read what the file holds. */
	EXPECT_TRUE(mmft_all(v1, size, FSC_FILL));
	EXPECT_TRUE(mmft_all(v3, size, FSC_FILL));
	/* Even pages through the first handle, odd ones through the second. */
	for (i = 0; i < n; i++)
		memset((i & 1 ? v2 : v1) + i * pg, fsc_pat(1, i), pg);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(mmft_all(v1 + i * pg, pg, fsc_pat(1, i))) TH_LOG("page %zu, view 1", i);
		EXPECT_TRUE(mmft_all(v2 + i * pg, pg, fsc_pat(1, i))) TH_LOG("page %zu, view 2", i);
		EXPECT_TRUE(mmft_all(v3 + i * pg, pg, fsc_pat(1, i))) TH_LOG("page %zu, view 3", i);
	}
	EXPECT_TRUE(fsc_file_has(fd, n, 1)) TH_LOG("read(2) does not see the views' writes");
	ASSERT_EQ(0, mmft_stat(h1, &st));
	EXPECT_EQ(n, st.pages_dirtied);
	EXPECT_EQ(n, st.dirty_pages);

	/* A waiting flush writes what was written, once, and re-arms it. */
	ASSERT_EQ(0, mmft_flush(h2, v2, size, 0, &written));
	EXPECT_EQ(n, written);
	ASSERT_EQ(0, mmft_stat(h1, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(0, st.writeback_errors);
	ASSERT_EQ(0, mmft_flush(h1, v1, size, 0, &written));
	EXPECT_EQ(0, written);

	/* The other section's next write is its own, and durable. */
	memset(v3, fsc_pat(2, 0), pg);
	EXPECT_TRUE(mmft_all(v1, pg, fsc_pat(2, 0)));
	ASSERT_EQ(0, mmft_stat(h3, &st));
	EXPECT_EQ(1, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(h3, v3, size, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(1, written);
	ASSERT_EQ(0, mmft_stat(h1, &st));
	EXPECT_EQ(0, st.dirty_pages) TH_LOG("the first section recorded another's write");
	memset(v3, fsc_pat(1, 0), pg);
	ASSERT_EQ(0, mmft_flush(h3, v3, pg, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(1, written);

	munmap(v1, size);
	munmap(v2, size);
	munmap(v3, size);
	close(h1);
	close(h2);
	close(h3);
	close(fd2);
	/* Nothing dirty is left: what a fresh open reads after this is stored. */
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_TRUE(fsc_path_has(path, n, 1)) TH_LOG("a fresh open reads other bytes");
}

/*
 * Read [@off, @off + @len) of the file open as @fd from the block device
 * @dev itself (O_DIRECT), following the file's extents as FIEMAP reports
 * them without syncing: -ENODATA when a part has no block on the disk yet
 * (delayed allocation: only in the page cache), else 0 or -errno.
 */
static inline int fsc_read_disk(int fd, const char *dev, off_t off, size_t len,
				unsigned char *out)
{
	unsigned int max = 256, i;
	struct fiemap *fm = calloc(1, sizeof(*fm) + max * sizeof(struct fiemap_extent));
	unsigned char *bounce = NULL;
	size_t done = 0;
	int dfd = -1, ret = -ENODATA;

	if (!fm || posix_memalign((void **)&bounce, 4096, len)) {
		ret = -ENOMEM;
		goto out;
	}
	fm->fm_start = off;
	fm->fm_length = len;
	fm->fm_extent_count = max;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		ret = -errno;
		goto out;
	}
	dfd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < fm->fm_mapped_extents && done < len; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		off_t at = off + done;
		size_t take;

		if (e->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
				   FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_ENCODED))
			goto out;
		if ((off_t)e->fe_logical > at || (off_t)(e->fe_logical + e->fe_length) <= at)
			goto out;
		take = e->fe_logical + e->fe_length - at;
		if (take > len - done)
			take = len - done;
		if (pread(dfd, bounce, take, e->fe_physical + (at - e->fe_logical)) !=
		    (ssize_t)take) {
			ret = -EIO;
			goto out;
		}
		memcpy(out + done, bounce, take);
		done += take;
	}
	if (done == len)
		ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(bounce);
	free(fm);
	return ret;
}

#endif /* MMF_FSCHECK_H */

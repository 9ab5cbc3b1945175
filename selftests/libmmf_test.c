// SPDX-License-Identifier: GPL-2.0
/*
 * The native libmmf API (<mmf.h>) against the module: every call, its
 * success and its documented errors, with file contents read back through
 * a separate read(2), two processes for sharing, and access faults caught
 * in a forked child.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf.h>
#include "mmft_lib.h"

#define PG MMFT_PAGE

FIXTURE(lib) {
	char path[64];
	int fd;		/* O_RDWR, 4 pages of 'a' on ext4 */
};

FIXTURE_SETUP(lib)
{
	self->fd = mmft_tmpfile("/mnt/ext4", 4 * PG, 'a', self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(lib)
{
	close(self->fd);
	unlink(self->path);
}

TEST(abi_version_and_granularity)
{
	EXPECT_EQ(MMF_ABI_VERSION, mmf_abi_version());
	EXPECT_EQ(PG, mmf_granularity());
}

TEST_F(lib, write_flush_and_read_back)
{
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;
	uint64_t written = 0;
	bool existed = true;
	char *v;
	int fd2;

	ASSERT_EQ(0, mmft_lib_create(self->fd, 0, MMF_PAGE_READWRITE, NULL, 0, NULL, &s, &existed));
	EXPECT_FALSE(existed);
	EXPECT_EQ(4 * PG, mmf_section_size(s));
	EXPECT_EQ(MMF_PAGE_READWRITE, mmf_section_protection(s));
	EXPECT_TRUE(mmf_section_access(s) & MMF_MAP_WRITE);
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	memset(v + PG, 'b', PG);
	memset(v + 3 * PG, 'c', 10);
	ASSERT_EQ(0, mmf_flush(v, 0, 0, &written));
	EXPECT_EQ(2, written);
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(2, st.pages_dirtied);
	EXPECT_EQ(2, st.pages_flushed);
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(1, st.views);
	ASSERT_EQ(0, mmf_unmap(v + 2 * PG + 17));
	ASSERT_EQ(0, mmf_close(s));
	/* A separate open, after the clean pages were dropped, reads the disk. */
	ASSERT_EQ(0, mmft_drop_caches());
	fd2 = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd2);
	EXPECT_TRUE(mmft_file_all(fd2, 0, PG, 'a'));
	EXPECT_TRUE(mmft_file_all(fd2, PG, PG, 'b'));
	EXPECT_TRUE(mmft_file_all(fd2, 2 * PG, PG, 'a'));
	EXPECT_TRUE(mmft_file_all(fd2, 3 * PG, 10, 'c'));
	EXPECT_TRUE(mmft_file_all(fd2, 3 * PG + 10, PG - 10, 'a'));
	close(fd2);
}

TEST_F(lib, flush_writes_only_its_range)
{
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;
	uint64_t written;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[0] = 'x';
	v[2 * PG] = 'y';
	ASSERT_EQ(0, mmf_flush(v + 2 * PG + 100, 10, 0, &written));
	EXPECT_EQ(1, written);
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(1, st.dirty_pages);
	/* Flags: start only, durable, both (refused). */
	EXPECT_EQ(-EINVAL, mmf_flush(v, PG, MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE, NULL));
	EXPECT_EQ(0, mmf_flush(v, PG, MMF_FLUSH_ASYNC, NULL));
	v[PG] = 'z';
	EXPECT_EQ(0, mmf_flush(v, 0, MMF_FLUSH_DURABLE, &written));
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(3, st.pages_flushed);
	/* Foreign mappings and holes. */
	EXPECT_EQ(-EINVAL, mmf_flush(&st, 1, 0, NULL));
	mmf_unmap(v);
	EXPECT_EQ(-ENOMEM, mmf_flush(v, PG, 0, NULL));
	mmf_close(s);
}

TEST_F(lib, create_grows_the_file_only_when_writable)
{
	struct stat sb;
	mmf_section *s;

	EXPECT_EQ(-EACCES, mmf_create(self->fd, 8 * PG, MMF_PAGE_READONLY, &s));
	EXPECT_EQ(-EACCES, mmf_create(self->fd, 8 * PG, MMF_PAGE_WRITECOPY, &s));
	ASSERT_EQ(0, fstat(self->fd, &sb));
	EXPECT_EQ(4 * PG, sb.st_size);
	ASSERT_EQ(0, mmf_create(self->fd, 8 * PG + 5, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, fstat(self->fd, &sb));
	EXPECT_EQ(8 * PG + 5, sb.st_size);
	EXPECT_EQ(8 * PG + 5, mmf_section_size(s));
	mmf_close(s);
}

/*
 * The library grows the file with ftruncate(2) on the caller's fd, so what
 * counts is the fd's access, not the path's mode: a file opened O_RDWR by
 * its owner and then made 0400 still grows, as ftruncate(2) on that fd
 * would.  Run as a user, so that no capability overrides the mode.
 */
static int grow_as_user(void *arg)
{
	const char *path = arg;
	mmf_section *s;
	struct stat sb;
	int fd, ret;

	if (mmft_become(62000, 62000))
		return 100;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, PG) || fchmod(fd, 0400))
		return 101;
	ret = mmf_create(fd, 3 * PG, MMF_PAGE_READWRITE, &s);
	if (ret < 0)
		return -ret;
	if (fstat(fd, &sb) || sb.st_size != (off_t)(3 * PG) || mmf_section_size(s) != 3 * PG)
		return 102;
	mmf_close(s);
	return 0;
}

TEST(growth_follows_the_fd_not_the_path_mode)
{
	char path[64];
	int status;

	snprintf(path, sizeof(path), "/tmp/mmft-grow-%d", getpid());
	status = mmft_in_child(grow_as_user, path);
	unlink(path);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("growing mmf_create: %d (%s)",
						 WEXITSTATUS(status), strerror(WEXITSTATUS(status)));
}

/*
 * What ftruncate(2) refuses, mmf_create refuses, and the file keeps its
 * size: a grow-sealed memfd (EPERM), RLIMIT_FSIZE (EFBIG, SIGXFSZ ignored),
 * an fd whose file the module refuses before any growth (a read-only fd:
 * EACCES, the file untouched).
 */
TEST(create_growth_is_refused_as_ftruncate_refuses_it)
{
	struct rlimit old, lim;
	mmf_section *s;
	struct stat sb;
	char path[64];
	int fd, ro;

	fd = memfd_create("mmft-grow", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * PG));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	EXPECT_EQ(-EPERM, mmf_create(fd, 3 * PG, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(2 * PG, sb.st_size);
	/* Within the size, the sealed memfd is fine. */
	ASSERT_EQ(0, mmf_create(fd, 2 * PG, MMF_PAGE_READWRITE, &s));
	mmf_close(s);
	close(fd);

	fd = mmft_tmpfile("/mnt/ext4", PG, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old));
	lim = old;
	lim.rlim_cur = 2 * PG;
	ASSERT_NE(SIG_ERR, signal(SIGXFSZ, SIG_IGN));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));
	EXPECT_EQ(-EFBIG, mmf_create(fd, 3 * PG, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_DFL);
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(PG, sb.st_size);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, mmf_create(ro, 3 * PG, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(PG, sb.st_size);
	EXPECT_TRUE(mmft_file_all(fd, 0, PG, 'a'));
	close(ro);
	close(fd);
	unlink(path);
}

/*
 * The file shrinks under mmf_create, between its growth and its CREATE: a
 * thread truncates it back to one page in a loop.  mmf_create either
 * succeeds with a section of the asked size or, when the file shrank
 * again after its second growth, fails with -EOVERFLOW; never with
 * anything else, and never leaves a smaller section.
 */
struct shrinker {
	int fd;
	volatile int stop;
	long shrinks;
};

static void *shrink_loop(void *arg)
{
	struct shrinker *sh = arg;
	struct stat sb;

	while (!sh->stop) {
		if (fstat(sh->fd, &sb) || (sb.st_size > (off_t)PG && ftruncate(sh->fd, PG)))
			break;
		sh->shrinks += sb.st_size > (off_t)PG;
	}
	return NULL;
}

TEST_F(lib, create_survives_the_file_shrinking_meanwhile)
{
	struct shrinker sh = { .fd = self->fd };
	int i, ok = 0, overflow = 0, other = 0, ret;
	pthread_t t;
	mmf_section *s;

	ASSERT_EQ(0, pthread_create(&t, NULL, shrink_loop, &sh));
	for (i = 0; i < 2000; i++) {
		ret = mmf_create(self->fd, 8 * PG, MMF_PAGE_READWRITE, &s);
		if (ret == 0) {
			ok++;
			if (mmf_section_size(s) != 8 * PG)
				other++;
			mmf_close(s);
		} else if (ret == -EOVERFLOW) {
			overflow++;
		} else {
			other++;
		}
	}
	sh.stop = 1;
	pthread_join(t, NULL);
	TH_LOG("%d created, %d gave up with EOVERFLOW, %ld shrinks", ok, overflow, sh.shrinks);
	EXPECT_EQ(0, other);
	EXPECT_LT(0, ok);
	/* The file really was shrunk under the creates, again and again. */
	EXPECT_LT(10, sh.shrinks);
}

TEST_F(lib, create_errors_from_the_module)
{
	int ro = open(self->path, O_RDONLY), empty, pipefd[2], dir;
	char epath[64];
	mmf_section *s;

	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, mmf_create(ro, 0, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(0, mmf_create(ro, 0, MMF_PAGE_READONLY, &s));
	mmf_close(s);
	close(ro);
	EXPECT_EQ(-EBADF, mmf_create(999, 0, MMF_PAGE_READONLY, &s));
	dir = open("/mnt/ext4", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(-EISDIR, mmf_create(dir, 0, MMF_PAGE_READONLY, &s));
	close(dir);
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ENODEV, mmf_create(pipefd[0], PG, MMF_PAGE_READONLY, &s));
	close(pipefd[0]);
	close(pipefd[1]);
	empty = mmft_tmpfile("/mnt/ext4", 0, 0, epath, sizeof(epath));
	ASSERT_LE(0, empty);
	EXPECT_EQ(-EINVAL, mmf_create(empty, 0, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(NULL, s);
	close(empty);
	unlink(epath);
}

TEST_F(lib, read_view_faults_on_write_and_map_checks_rights)
{
	mmf_section *s;
	char *v;
	void *w = (void *)1;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READONLY, &s));
	EXPECT_EQ(-EACCES, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, &w));
	EXPECT_EQ(NULL, w);
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, PG, 0, NULL, (void **)&v));
	EXPECT_EQ('a', v[0]);
	EXPECT_EQ(0, mmft_access_signal(v + PG, 0));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + PG, 1));
	EXPECT_EQ(-EINVAL, mmf_map(s, MMF_MAP_READ, 4 * PG, 0, NULL, &w));
	EXPECT_EQ(-EINVAL, mmf_map(s, MMF_MAP_READ, PG, 3 * PG + 1, NULL, &w));
	EXPECT_EQ(-EINVAL, mmf_map(s, MMF_MAP_READ, 1, 0, NULL, &w));
	EXPECT_EQ(0, mmf_unmap(v));
	mmf_close(s);
}

TEST_F(lib, copy_on_write_never_reaches_the_file)
{
	mmf_section *s;
	char *c, *r;
	uint64_t written = 9;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_WRITECOPY, &s));
	EXPECT_EQ(-EACCES, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&c));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_COPY, 0, 0, NULL, (void **)&c));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, 0, 0, NULL, (void **)&r));
	memset(c, 'q', 2 * PG);
	EXPECT_EQ(0, mmf_flush(c, 0, 0, &written));
	EXPECT_EQ(0, written);
	EXPECT_TRUE(mmft_all(r, 2 * PG, 'a'));
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 4 * PG, 'a'));
	EXPECT_TRUE(mmft_all(c, 2 * PG, 'q'));
	mmf_unmap(c);
	mmf_unmap(r);
	mmf_close(s);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 4 * PG, 'a'));
}

static int child_writes_named(void *arg)
{
	mmf_section *s;
	char *v;

	if (mmf_open(arg, MMF_MAP_WRITE, &s))
		return 1;
	if (mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v))
		return 2;
	strcpy(v + 100, "from the child");
	mmf_close(s);
	return 0;
}

TEST(named_swap_section_is_shared_between_processes)
{
	const char *name = "libmmf-test-shared";
	mmf_section *s, *again, *ro;
	bool existed = false;
	int status;
	char *v;
	void *w;

	ASSERT_EQ(0, mmft_lib_create(MMF_NO_FILE, 3 * PG, MMF_PAGE_READWRITE, name, 0, NULL, &s, &existed));
	EXPECT_FALSE(existed);
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	EXPECT_TRUE(mmft_all(v, 3 * PG, 0));	/* swap-backed starts zeroed */
	status = mmft_in_child(child_writes_named, (void *)name);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_STREQ("from the child", v + 100);

	/* Creating it again binds to the same section, with its own size. */
	ASSERT_EQ(0, mmft_lib_create(MMF_NO_FILE, 9 * PG, MMF_PAGE_READWRITE, name, 0, NULL, &again, &existed));
	EXPECT_TRUE(existed);
	EXPECT_EQ(3 * PG, mmf_section_size(again));
	mmf_close(again);
	EXPECT_EQ(-EEXIST, mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, name, MMF_SECTION_EXCL, NULL, &again, NULL));
	/* Read-only handles may not map for writing. */
	ASSERT_EQ(0, mmf_open(name, MMF_MAP_READ, &ro));
	EXPECT_EQ(-EACCES, mmf_map(ro, MMF_MAP_WRITE, 0, 0, NULL, &w));
	mmf_close(ro);

	/* The name goes with the last handle; the view stays usable. */
	mmf_close(s);
	EXPECT_EQ(-ENOENT, mmf_open(name, MMF_MAP_READ, &ro));
	strcpy(v, "still mapped");
	EXPECT_STREQ("still mapped", v);
	EXPECT_EQ(0, mmf_unmap(v));
}

TEST(open_errors)
{
	const char *name = "libmmf-test-readonly";
	struct mmf_options opt = { .size = sizeof(opt), .mode = 0644 };
	mmf_section *s, *o;
	int fd;
	char path[64];

	EXPECT_EQ(-ENOENT, mmf_open("libmmf-test-no-such", MMF_MAP_READ, &o));
	fd = mmft_tmpfile("/tmp", PG, 'r', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmft_lib_create(fd, 0, MMF_PAGE_READONLY, name, 0, &opt, &s, NULL));
	EXPECT_EQ(-EACCES, mmf_open(name, MMF_MAP_WRITE, &o));
	ASSERT_EQ(0, mmf_open(name, MMF_MAP_COPY, &o));
	EXPECT_EQ(MMF_PAGE_READONLY, mmf_section_protection(o));
	mmf_close(o);
	mmf_close(s);
	close(fd);
	unlink(path);
}

/*
 * EXEC on a named section needs the execute bit of the caller's class, as
 * shmat(SHM_EXEC) does: the library's default mode 0600 gives none, so
 * mmf_open(MMF_MAP_EXEC) fails and a joining mmf_create gets a handle
 * without MMF_MAP_EXEC; mode 0700 gives it.  Run as a user, so that
 * CAP_IPC_OWNER does not override the mode.
 */
static int exec_needs_x_as_user(void *arg)
{
	struct mmf_options x = { .size = sizeof(x), .mode = 0700 };
	mmf_section *s, *o;
	void *v;

	(void)arg;
	if (mmft_become(62001, 62001))
		return 100;
	if (mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, "libmmf-noexec", 0, NULL, &s, NULL))
		return 101;
	if (!(mmf_section_access(s) & MMF_MAP_EXEC))
		return 1;	/* the creator's own handle keeps EXEC */
	if (mmf_open("libmmf-noexec", MMF_MAP_READ | MMF_MAP_EXEC, &o) != -EACCES)
		return 2;
	if (mmf_open("libmmf-noexec", MMF_MAP_READ, &o))
		return 3;
	mmf_close(o);
	if (mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, "libmmf-noexec", 0, NULL, &o, NULL))
		return 4;
	if (mmf_section_access(o) & MMF_MAP_EXEC)
		return 5;
	if (mmf_map(o, MMF_MAP_READ | MMF_MAP_EXEC, 0, PG, NULL, &v) != -EACCES)
		return 6;
	mmf_close(o);
	mmf_close(s);

	if (mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, "libmmf-exec", 0, &x, &s, NULL))
		return 102;
	if (mmf_open("libmmf-exec", MMF_MAP_READ | MMF_MAP_EXEC, &o))
		return 7;
	if (mmf_map(o, MMF_MAP_READ | MMF_MAP_EXEC, 0, PG, NULL, &v))
		return 8;
	mmf_unmap(v);
	mmf_close(o);
	mmf_close(s);
	return 0;
}

TEST(exec_on_a_named_section_needs_the_execute_bit)
{
	int status = mmft_in_child(exec_needs_x_as_user, NULL);

	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A named section backed by one file: mmf_create with another file (or
 * with none) refuses to join it by default and leaves both files alone;
 * with MMF_SECTION_ANY_BACKING it joins and says so; the same file (any
 * open of it) joins and says it is the same.
 */
TEST_F(lib, create_refuses_a_name_backed_by_another_file)
{
	const char *name = "libmmf-backing";
	mmf_section *s, *j;
	bool existed = false;
	char opath[64];
	int other, again;
	char *v;

	ASSERT_EQ(0, mmft_lib_create(self->fd, 0, MMF_PAGE_READWRITE, name, 0, NULL, &s, &existed));
	EXPECT_FALSE(existed);
	EXPECT_FALSE(mmf_section_other_backing(s));
	other = mmft_tmpfile("/mnt/ext4", 2 * PG, 'o', opath, sizeof(opath));
	ASSERT_LE(0, other);

	EXPECT_EQ(-EEXIST, mmft_lib_create(other, 0, MMF_PAGE_READWRITE, name, 0, NULL, &j, &existed));
	EXPECT_EQ(NULL, j);
	EXPECT_EQ(-EEXIST, mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, name, 0, NULL, &j, NULL));
	/* A size past the end of the other file: refused before it is grown. */
	EXPECT_EQ(-EEXIST, mmft_lib_create(other, 8 * PG, MMF_PAGE_READWRITE, name, 0, NULL, &j, NULL));
	EXPECT_TRUE(mmft_file_all(other, 0, 2 * PG, 'o'));
	EXPECT_EQ(2 * PG, (size_t)lseek(other, 0, SEEK_END));

	/* Asked for: joins the section, whose writes go to its own file. */
	ASSERT_EQ(0, mmft_lib_create(other, 0, MMF_PAGE_READWRITE, name, MMF_SECTION_ANY_BACKING, NULL, &j, &existed));
	EXPECT_TRUE(existed);
	EXPECT_TRUE(mmf_section_other_backing(j));
	EXPECT_EQ(4 * PG, mmf_section_size(j));
	ASSERT_EQ(0, mmf_map(j, MMF_MAP_WRITE, 0, PG, NULL, (void **)&v));
	memset(v, 'j', 10);
	ASSERT_EQ(0, mmf_flush(v, PG, 0, NULL));
	mmf_unmap(v);
	mmf_close(j);
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 10, 'j'));
	EXPECT_TRUE(mmft_file_all(other, 0, 2 * PG, 'o'));

	/* Another open of the very file is the same backing. */
	again = open(self->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, again);
	ASSERT_EQ(0, mmft_lib_create(again, 0, MMF_PAGE_READWRITE, name, 0, NULL, &j, &existed));
	EXPECT_TRUE(existed);
	EXPECT_FALSE(mmf_section_other_backing(j));
	mmf_close(j);
	close(again);
	mmf_close(s);
	close(other);
	unlink(opath);
}

/* Swap-backed names: another swap-backed create joins, a file does not. */
TEST(create_refuses_a_file_for_a_swap_backed_name)
{
	const char *name = "libmmf-swapname";
	mmf_section *s, *j;
	bool existed = false;
	char path[64];
	int fd;

	ASSERT_EQ(0, mmft_lib_create(MMF_NO_FILE, 2 * PG, MMF_PAGE_READWRITE, name, 0, NULL, &s, NULL));
	ASSERT_EQ(0, mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, name, 0, NULL, &j, &existed));
	EXPECT_TRUE(existed);
	EXPECT_FALSE(mmf_section_other_backing(j));
	EXPECT_EQ(2 * PG, mmf_section_size(j));
	mmf_close(j);
	fd = mmft_tmpfile("/mnt/ext4", PG, 'f', path, sizeof(path));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, mmft_lib_create(fd, 0, MMF_PAGE_READWRITE, name, 0, NULL, &j, NULL));
	ASSERT_EQ(0, mmft_lib_create(fd, 0, MMF_PAGE_READWRITE, name, MMF_SECTION_ANY_BACKING, NULL, &j, &existed));
	EXPECT_TRUE(existed);
	EXPECT_TRUE(mmf_section_other_backing(j));
	mmf_close(j);
	mmf_close(s);
	close(fd);
	unlink(path);
}

TEST_F(lib, views_outlive_the_handle)
{
	mmf_section *s;
	uint64_t written;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 2 * PG, NULL, (void **)&v));
	ASSERT_EQ(0, mmf_close(s));
	v[PG] = 'h';
	ASSERT_EQ(0, mmf_flush(v, 0, 0, &written));
	EXPECT_EQ(1, written);
	EXPECT_TRUE(mmft_file_all(self->fd, PG, 1, 'h'));
	EXPECT_EQ(0, mmf_unmap(v));
}

TEST_F(lib, query_reports_the_view)
{
	struct mmf_view_info info = { .size = sizeof(info) };
	mmf_section *s;
	struct mmf_stats st = { .size = sizeof(st) };
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, PG, 2 * PG, NULL, (void **)&v));
	ASSERT_EQ(0, mmf_query(v + PG + 3, &info));
	EXPECT_EQ(v, info.start);
	EXPECT_EQ(2 * PG, info.length);
	EXPECT_EQ(PG, info.offset);
	EXPECT_EQ(4 * PG, info.section_size);
	EXPECT_EQ(MMF_MAP_READ, info.access & (MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY));
	EXPECT_EQ(MMF_PAGE_READWRITE, info.protection);
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(st.section_id, info.section_id);
	EXPECT_EQ(-EINVAL, mmf_query(&info, &info));	/* the stack is no view */
	mmf_unmap(v);
	EXPECT_EQ(-ENOMEM, mmf_query(v, &info));
	mmf_close(s);
}

TEST_F(lib, unmap_takes_any_address_even_after_a_split)
{
	struct mmf_view_info info = { .size = sizeof(info) };
	mmf_section *s;
	uint64_t views = 9;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	ASSERT_EQ(0, mprotect(v + PG, PG, PROT_READ));	/* three VMAs now */
	ASSERT_EQ(0, mmf_query(v, &info));
	EXPECT_EQ(PG, info.length);
	ASSERT_EQ(0, mmf_file_mapped(self->fd, NULL, &views));
	EXPECT_EQ(3, views);
	EXPECT_EQ(0, mmf_unmap(v + 3 * PG + 5));
	EXPECT_EQ(-ENOMEM, mmf_query(v, &info));
	EXPECT_EQ(-ENOMEM, mmf_query(v + PG, &info));
	EXPECT_EQ(-ENOMEM, mmf_query(v + 3 * PG, &info));
	ASSERT_EQ(0, mmf_file_mapped(self->fd, NULL, &views));
	EXPECT_EQ(0, views);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + 2 * PG, 0));
	EXPECT_EQ(-EINVAL, mmf_unmap(v));
	EXPECT_EQ(-EINVAL, mmf_unmap(&views));
	mmf_close(s);
}

TEST_F(lib, write_watch_reports_and_resets)
{
	uint64_t bits[1] = { ~0ULL };
	mmf_section *s;
	size_t dirty;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[0] = 1;
	v[2 * PG + 9] = 1;
	ASSERT_EQ(0, mmf_write_watch(v, 4 * PG, MMF_WRITE_WATCH_RESET, bits, 64, &dirty));
	EXPECT_EQ(2, dirty);
	EXPECT_EQ(0x5, bits[0]);
	ASSERT_EQ(0, mmf_write_watch(v, 4 * PG, 0, bits, 64, &dirty));
	EXPECT_EQ(0, dirty);
	EXPECT_EQ(0, bits[0]);
	v[3 * PG] = 1;
	ASSERT_EQ(0, mmf_write_watch(v + 2 * PG, 2 * PG, 0, bits, 2, &dirty));
	EXPECT_EQ(1, dirty);
	EXPECT_EQ(0x2, bits[0]);
	EXPECT_EQ(-EINVAL, mmf_write_watch(v, 8 * PG, 0, bits, 64, &dirty));
	mmf_unmap(v);
	EXPECT_EQ(-ENOMEM, mmf_write_watch(v, PG, 0, bits, 64, &dirty));
	mmf_close(s);
}

TEST_F(lib, truncated_file_raises_sigbus)
{
	mmf_section *s;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, 0, 0, NULL, (void **)&v));
	ASSERT_EQ(0, ftruncate(self->fd, PG));
	EXPECT_EQ(0, mmft_access_signal(v, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 2 * PG, 0));
	mmf_unmap(v);
	mmf_close(s);
}

struct worker {
	int id;
	int ok;
};

/* Each thread: its own named section, views, flushes, unmaps. */
static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	char name[32];
	mmf_section *s;
	uint64_t written;
	char *v;
	int i;

	snprintf(name, sizeof(name), "libmmf-thread-%d", w->id);
	for (i = 0; i < 50; i++) {
		if (mmft_lib_create(MMF_NO_FILE, 2 * PG, MMF_PAGE_READWRITE, name, 0, NULL, &s, NULL))
			return NULL;
		if (mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v))
			return NULL;
		mmf_close(s);
		memset(v, w->id, 2 * PG);
		if (mmf_flush(v + PG, 0, 0, &written) || written != 1)
			return NULL;
		if (!mmft_all(v, 2 * PG, w->id) || mmf_unmap(v + PG))
			return NULL;
	}
	w->ok = 1;
	return NULL;
}

TEST(threads_share_the_library)
{
	struct worker w[8];
	pthread_t t[8];
	int i;

	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .id = i + 1 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		EXPECT_TRUE(w[i].ok) {
			TH_LOG("thread %d failed", i);
		}
	}
}

TEST(module_errors_pass_through_unchanged)
{
	uint64_t *bad_bitmap = (uint64_t *)8;
	mmf_section *s;
	size_t dirty;
	char *v;
	int memfd;

	/* Sealed against writes: no read-write section. */
	memfd = memfd_create("libmmf-sealed", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, PG));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(-EPERM, mmf_create(memfd, 0, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(0, mmf_create(memfd, 0, MMF_PAGE_READONLY, &s));
	mmf_close(s);
	close(memfd);
	/* Past what any file may be; more swap than can be committed. */
	memfd = memfd_create("libmmf-big", 0);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-EFBIG, mmf_create(memfd, 1ULL << 63, MMF_PAGE_READWRITE, &s));
	close(memfd);
	EXPECT_EQ(-ENOMEM, mmf_create(MMF_NO_FILE, 1ULL << 46, MMF_PAGE_READWRITE, &s));
	/* Larger than any address space: no swap-backed section (issue 7, item 5). */
	EXPECT_EQ(-EFBIG, mmf_create(MMF_NO_FILE, 1ULL << 62, MMF_PAGE_READWRITE, &s));
	/* A bitmap that cannot be written; a closed fd. */
	ASSERT_EQ(0, mmf_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[0] = 1;
	EXPECT_EQ(-EFAULT, mmf_write_watch(v, PG, 0, bad_bitmap, 64, &dirty));
	EXPECT_EQ(-EBADF, mmf_file_mapped(999, NULL, NULL));
	mmf_unmap(v);
	mmf_close(s);
}

TEST_HARNESS_MAIN

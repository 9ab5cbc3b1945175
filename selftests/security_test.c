// SPDX-License-Identifier: GPL-2.0
/*
 * What a hostile or careless user can do to the module and to other users
 * through it: a create blocked in the open of its file must not stall every
 * other user's names (mmf_names_lock is global); failing calls leak no
 * section, view or charge; CREATE's output ignores its input; the dirty
 * index is charged to the writer's memory cgroup; a reader cannot reset
 * the writers' write watch; a stacked file (overlayfs) is refused or
 * flushed for real; a handle passed over SCM_RIGHTS carries exactly its
 * rights; an opener who may not read the file never sees it grow past the
 * section; two threads binding one handle get exactly one section; names
 * with odd bytes cannot corrupt the debugfs listing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define EXT4_DIR	"/mnt/ext4"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The state letter of process @pid (/proc/PID/stat), 0 if unknown. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A named CREATE whose open of the file waits (here for a write lease to
 * be given up, as an open may wait for a FUSE or network server) must not
 * keep an unrelated OPEN by name (any user, any name) from being answered:
 * the module's global name lock must never be held across file system
 * calls, or one user with a slow or hostile file system stalls every other
 * user's names and every exit of a process holding a named handle.  (The
 * module no longer grows files, so a frozen mount no longer blocks it.)
 */
TEST(a_create_blocked_in_its_file_system_does_not_stall_other_names)
{
	char path[256];
	int fd, status, answered = 0, i;
	pid_t creator, opener;

	fd = mmft_tmpfile(EXT4_DIR, 4 * MMFT_PAGE, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	/* The lease's break signal must not kill the test. */
	ASSERT_NE(SIG_ERR, signal(SIGIO, SIG_IGN));
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_WRLCK)) TH_LOG("F_SETLEASE: %s", strerror(errno));

	creator = fork();
	if (creator == 0) {
		int h = mmft_create(fd, MMF_PROT_READWRITE, 4 * MMFT_PAGE,
				    "mmf-sec-frozen-creator", 0600, 0, NULL);

		_exit(h >= 0 ? 0 : 1);
	}
	ASSERT_LT(0, creator);
	/* Wait until the creator's open of the file breaks the lease and sleeps. */
	for (i = 0; i < 3000 && (fcntl(fd, F_GETLEASE) == F_WRLCK || proc_state(creator) != 'S');
	     i++)
		nap_ms(10);
	EXPECT_EQ(F_UNLCK, fcntl(fd, F_GETLEASE));
	EXPECT_EQ('S', proc_state(creator));

	opener = fork();
	if (opener == 0) {
		int h = mmft_open_named("mmf-sec-frozen-unrelated", MMF_ACCESS_READ, NULL);

		_exit(h == -ENOENT ? 0 : 1);
	}
	ASSERT_LT(0, opener);
	/* Generous: a lookup that is not blocked takes microseconds. */
	for (i = 0; i < 2000; i++) {
		if (waitpid(opener, &status, WNOHANG) == opener) {
			answered = 1;
			break;
		}
		nap_ms(10);
	}
	/* The creator must still be waiting: the test proved nothing else. */
	EXPECT_EQ(0, waitpid(creator, NULL, WNOHANG));

	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_UNLCK));
	if (!answered) {
		ASSERT_EQ(opener, waitpid(opener, &status, 0));
	}
	EXPECT_TRUE(answered);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The creator did its job once the lease was given up. */
	ASSERT_EQ(creator, waitpid(creator, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	signal(SIGIO, SIG_DFL);
	close(fd);
	unlink(path);
}

/*
 * Thousands of failing calls of every kind leave the module-wide counts
 * of sections and views where they were, and charge nothing to the
 * per-user limit (a create still succeeds afterwards).
 */
TEST(failing_calls_leak_no_section_view_or_charge)
{
	char path[256];
	long sections, views;
	int rw, ro, keep, h, i;
	void *p;

	sections = mmft_debugfs_counter("sections");
	views = mmft_debugfs_counter("views");
	ASSERT_LE(0, sections);
	ASSERT_LE(0, views);

	rw = mmft_tmpfile("/tmp", 2 * MMFT_PAGE, 'x', path, sizeof(path));
	ASSERT_LE(0, rw);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	keep = mmft_create(rw, MMF_PROT_READ, 0, "mmf-sec-leak", 0600, 0, NULL);
	ASSERT_LE(0, keep);

	for (i = 0; i < 2000; i++) {
		/* CREATE failures after the fd was taken. */
		ASSERT_EQ(-EACCES, mmft_create(ro, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL));
		ASSERT_EQ(-EACCES, mmft_create(ro, MMF_PROT_READ, 8 * MMFT_PAGE, NULL, 0, 0,
					       NULL));
		ASSERT_EQ(-EEXIST, mmft_create(rw, MMF_PROT_READ, 0, "mmf-sec-leak", 0600,
					       MMF_CREATE_EXCL, NULL));
		ASSERT_EQ(-ENOENT, mmft_open_named("mmf-sec-leak-none", MMF_ACCESS_READ, NULL));
		ASSERT_EQ(-EACCES, mmft_open_named("mmf-sec-leak", MMF_ACCESS_WRITE, NULL));

		/* mmap failures on a bound handle. */
		h = mmft_create(rw, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
		ASSERT_LE(0, h);
		p = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_EQ(MAP_FAILED, p);
		ASSERT_EQ(EACCES, errno);
		p = mmft_map(h, MMFT_PAGE, PROT_READ, MAP_SHARED, 2 * MMFT_PAGE);
		ASSERT_EQ(MAP_FAILED, p);
		ASSERT_EQ(EINVAL, errno);
		p = mmft_map(h, 3 * MMFT_PAGE, PROT_READ, MAP_SHARED, 0);
		ASSERT_EQ(MAP_FAILED, p);
		ASSERT_EQ(EINVAL, errno);
		close(h);
	}
	close(keep);
	/* Section releases are deferred to task work: done by now. */
	EXPECT_EQ(sections, mmft_debugfs_counter("sections"));
	EXPECT_EQ(views, mmft_debugfs_counter("views"));
	h = mmft_create(rw, MMF_PROT_READ, 0, "mmf-sec-leak", 0600, MMF_CREATE_EXCL, NULL);
	EXPECT_LE(0, h);
	if (h >= 0) {
		close(h);
	}
	close(ro);
	close(rw);
	unlink(path);
}

/*
 * CREATE's result is an output: a caller passing garbage in it for a new
 * named section is told the section is new, and the name works.
 */
TEST(create_result_ignores_what_the_caller_passed_in)
{
	static const char name[] = "mmf-sec-result-in";
	struct mmf_create c = {
		.size = sizeof(c), .flags = MMF_CREATE_SWAP, .fd = -1,
		.prot = MMF_PROT_READWRITE, .max_size = 4096,
		.name = (uintptr_t)name, .name_len = sizeof(name) - 1, .mode = 0600,
		.result = MMF_RESULT_EXISTED,
	};
	int h = mmft_handle(), h2;

	ASSERT_LE(0, h);
	ASSERT_EQ(0, ioctl(h, MMF_IOC_CREATE, &c));
	EXPECT_EQ(0, c.result);
	h2 = mmft_open_named(name, MMF_ACCESS_READ, NULL);
	EXPECT_LE(0, h2);
	close(h);
	if (h2 >= 0) {
		close(h2);
	}
	EXPECT_EQ(-ENOENT, mmft_open_named(name, MMF_ACCESS_READ, NULL));
}

#define CG_DIR		"/tmp/mmf-sec-cgroup"
#define CG_CHILD	CG_DIR "/writer"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* slab_unreclaimable of the writer's cgroup in bytes, -1 if unknown. */
static long long cg_slab(void)
{
	char line[256];
	long long val = -1;
	FILE *f = fopen(CG_CHILD "/memory.stat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "slab_unreclaimable %lld", &val) == 1)
			break;
	fclose(f);
	return val;
}

/*
 * Write one byte every 128 MiB of a 64 GiB sparse file through one view,
 * from inside the cgroup, and send the growth of the cgroup's unreclaimable
 * slab over @out.  Exit code: 0, or the step that failed.
 */
static int sparse_writer(int out)
{
	const size_t len = 64ULL << 30, step = 128ULL << 20;
	char path[256], pid[32];
	long long before, after;
	unsigned char *v;
	size_t off;
	int fd, h;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(CG_CHILD "/cgroup.procs", pid))
		return 10;
	fd = mmft_tmpfile("/tmp", 0, 0, path, sizeof(path));
	if (fd < 0)
		return 11;
	unlink(path);
	if (ftruncate(fd, len))
		return 12;
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return 13;
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 14;
	before = cg_slab();
	for (off = 0; off < len; off += step)
		v[off] = 1;
	after = cg_slab();
	if (before < 0 || after < 0)
		return 15;
	after -= before;
	if (write(out, &after, sizeof(after)) != sizeof(after))
		return 16;
	return 0;
}

/*
 * The dirty index costs kernel memory in proportion to how sparse the
 * writes are (a 4 KiB chunk per 128 MiB of section, twice: the flush set
 * and the write watch), and it lives as long as the section, after the
 * pages themselves were written back and reclaimed.  It must be charged to
 * the writer's memory cgroup, or a container can make the host allocate
 * without limit: 512 sparse writes make 1024 chunks (4 MiB), of which the
 * cgroup's unreclaimable slab must show at least 3 MiB (slack for lazily
 * flushed statistics; uncharged it grows by a few KiB).
 */
TEST(dirty_index_memory_is_charged_to_the_writer)
{
	long long grew = -1;
	int pfd[2], status;
	pid_t pid;

	if (mkdir(CG_DIR, 0700) && errno != EEXIST)
		SKIP(return, "no %s", CG_DIR);
	if (mount("none", CG_DIR, "cgroup2", 0, NULL))
		SKIP(return, "no cgroup2 (%s)", strerror(errno));
	if (write_str(CG_DIR "/cgroup.subtree_control", "+memory")) {
		umount(CG_DIR);
		SKIP(return, "no memory controller");
	}
	ASSERT_EQ(0, mkdir(CG_CHILD, 0700));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(sparse_writer(pfd[1]));
	}
	ASSERT_LT(0, pid);
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(sizeof(grew), read(pfd[0], &grew, sizeof(grew)));
	close(pfd[0]);
	TH_LOG("cgroup slab grew by %lld bytes", grew);
	EXPECT_LE(3LL << 20, grew);
	rmdir(CG_CHILD);
	umount(CG_DIR);
	rmdir(CG_DIR);
}

static int watch(int h, void *addr, size_t len, unsigned int flags, uint64_t *bits,
		 uint64_t *dirty)
{
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)bits, .bitmap_bits = 64,
	};

	if (ioctl(h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	*dirty = w.dirty_pages;
	return 0;
}

/*
 * A user who may only read a named section (another uid, mode 0644) must
 * not wipe the write watch of the section's writers: a reset through a
 * view that can never write is refused with EACCES, reading the bits is
 * fine, and the writer still sees its writes afterwards.
 */
TEST(a_reader_cannot_reset_the_writers_write_watch)
{
	static const char name[] = "mmf-sec-watch";
	uint64_t bits = 0, dirty = 0;
	int h, status;
	unsigned char *v;
	pid_t pid;

	h = mmft_create_swap(4 * MMFT_PAGE, name, 0644, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, 4 * MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 1;
	v[2 * MMFT_PAGE] = 1;

	pid = fork();
	if (pid == 0) {
		uint64_t b = 0, d = 0;
		void *r;
		int o;

		if (mmft_become(65534, 65534))
			_exit(10);
		o = mmft_open_named(name, MMF_ACCESS_READ, NULL);
		if (o < 0)
			_exit(11);
		r = mmft_map(o, 4 * MMFT_PAGE, PROT_READ, MAP_SHARED, 0);
		if (r == MAP_FAILED)
			_exit(12);
		if (watch(o, r, 4 * MMFT_PAGE, 0, &b, &d) || d != 2 || b != 5)
			_exit(13);
		if (watch(o, r, 4 * MMFT_PAGE, MMF_WATCH_RESET, &b, &d) != -EACCES)
			_exit(14);
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The writer's watch is intact. */
	ASSERT_EQ(0, watch(h, v, 4 * MMFT_PAGE, MMF_WATCH_RESET, &bits, &dirty));
	EXPECT_EQ(2, dirty);
	EXPECT_EQ(5, bits);
	munmap(v, 4 * MMFT_PAGE);
	close(h);
}

#define OVL_DIR		"/mnt/ext4/mmf-sec-ovl"

/*
 * A file on a file system that stacks its mmap on another file
 * (overlayfs hands the VMA to the upper or lower file) is either refused
 * with ENODEV at CREATE or handled in full: a flush writes the view's page
 * (it is clean and can be dropped afterwards) and the next write to it is
 * recorded again.  Never a flush that reports pages written but wrote
 * nothing.  Skipped where overlayfs is not available.
 */
TEST(a_stacked_file_is_refused_or_flushed_for_real)
{
	static const char *const dirs[] = { "lower", "upper", "work", "merged" };
	char opts[512], path[256];
	struct mmf_stat st;
	uint64_t written = 0;
	unsigned char *v;
	int fd, h, upper;
	size_t i;

	mkdir(OVL_DIR, 0700);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", OVL_DIR, dirs[i]);
		mkdir(path, 0700);
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work",
		 OVL_DIR, OVL_DIR, OVL_DIR);
	if (mount("overlay", OVL_DIR "/merged", "overlay", 0, opts))
		SKIP(return, "no overlayfs (%s)", strerror(errno));
	fd = open(OVL_DIR "/merged/file", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, MMFT_PAGE));
	ASSERT_EQ(0, fsync(fd));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0) {
		EXPECT_EQ(-ENODEV, h);
		goto out;
	}
	v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'o';
	ASSERT_EQ(0, mmft_flush(h, v, MMFT_PAGE, 0, &written));
	EXPECT_EQ(1, written);
	/* Written back means clean: dropping caches drops it. */
	ASSERT_EQ(0, mmft_drop_caches());
	upper = open(OVL_DIR "/upper/file", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, upper);
	EXPECT_EQ(0, mmft_resident(upper, 0, MMFT_PAGE));
	close(upper);
	v[1] = 'v';
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(1, st.dirty_pages);
	munmap(v, MMFT_PAGE);
	close(h);
out:
	close(fd);
	umount(OVL_DIR "/merged");
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'h';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * A handle passed over a unix socket to another uid, who cannot open the
 * file, carries exactly its own rights, as an fd does: a READ section's
 * handle maps for reading only (no shared write, no mprotect upgrade), a
 * READWRITE section's handle writes the file.
 */
TEST(a_handle_passed_to_another_uid_carries_exactly_its_rights)
{
	char path[256], got[2] = { 0 };
	int sv[2], fd, hr, hw, status;
	pid_t pid;

	fd = mmft_tmpfile("/tmp", MMFT_PAGE, 'p', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0600));
	hr = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	hw = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, hr);
	ASSERT_LE(0, hw);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));

	pid = fork();
	if (pid == 0) {
		unsigned char *r, *w;
		int a, b;

		close(sv[0]);
		close(hr);
		close(hw);
		close(fd);
		if (mmft_become(65534, 65534))
			_exit(10);
		if (open(path, O_RDONLY) >= 0 || errno != EACCES)
			_exit(11);
		a = recv_fd(sv[1]);
		b = recv_fd(sv[1]);
		if (a < 0 || b < 0)
			_exit(12);
		if (mmap(NULL, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0) != MAP_FAILED ||
		    errno != EACCES)
			_exit(13);
		r = mmap(NULL, MMFT_PAGE, PROT_READ, MAP_SHARED, a, 0);
		if (r == MAP_FAILED || r[0] != 'p')
			_exit(14);
		if (!mprotect(r, MMFT_PAGE, PROT_READ | PROT_WRITE) || errno != EACCES)
			_exit(15);
		w = mmap(NULL, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
		if (w == MAP_FAILED)
			_exit(16);
		w[1] = 'W';
		_exit(0);
	}
	ASSERT_LT(0, pid);
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], hr));
	ASSERT_EQ(0, send_fd(sv[0], hw));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, pread(fd, got, 2, 0));
	EXPECT_EQ('p', got[0]);
	EXPECT_EQ('W', got[1]);
	close(sv[0]);
	close(hr);
	close(hw);
	close(fd);
	unlink(path);
}

/*
 * A named section of a 100-byte file that another user may open but whose
 * file it may not read: the file then grows by write(2) past the section.
 * The opener's view must never show the appended bytes, even if it had
 * touched the partial last page before the file grew (the module has no
 * hook on growth, so such a page must not be mapped for it at all).
 */
TEST(an_opener_who_cannot_read_the_file_never_sees_it_grow)
{
	static const char name[] = "mmf-sec-grow";
	int fd, h, p1[2], p2[2], status;
	char path[256], c = 0;
	pid_t pid;

	fd = mmft_tmpfile("/tmp", 100, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0600));
	h = mmft_create(fd, MMF_PROT_READ, 0, name, 0644, 0, NULL);
	ASSERT_LE(0, h);
	ASSERT_EQ(0, pipe(p1));
	ASSERT_EQ(0, pipe(p2));
	pid = fork();
	if (pid == 0) {
		volatile unsigned char *v;
		int o, i, hidden;

		if (mmft_become(65534, 65534))
			_exit(10);
		if (open(path, O_RDONLY) >= 0)
			_exit(11);
		o = mmft_open_named(name, MMF_ACCESS_READ, NULL);
		if (o < 0)
			_exit(12);
		v = mmft_map(o, MMFT_PAGE, PROT_READ, MAP_SHARED, 0);
		/* A view may not include the page at all (EACCES): safe. */
		if (v == MAP_FAILED && errno != EACCES)
			_exit(13);
		/*
		 * Map the partial page in this process (a forked prober's
		 * touch would not), if it is shown to us at all.
		 */
		hidden = v == MAP_FAILED || mmft_access_signal((const void *)v, 0) != 0;
		if (!hidden && v[0] != 'a')
			_exit(14);
		if (write(p1[1], "x", 1) != 1 || read(p2[0], &c, 1) != 1)
			_exit(15);
		if (hidden)
			_exit(0);	/* never shown: safe */
		for (i = 100; i < 106; i++)
			if (v[i])
				_exit(1);	/* the appended bytes show */
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(p1[0], &c, 1));
	ASSERT_EQ(6, pwrite(fd, "SECRET", 6, 100));
	ASSERT_EQ(1, write(p2[1], "y", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	close(h);
	close(fd);
	unlink(path);
}

struct bind_race {
	int handle;
	int fd;
	pthread_barrier_t *barrier;
	int err;
};

static void *bind_racer(void *arg)
{
	struct bind_race *r = arg;
	struct mmf_create c = {
		.size = sizeof(c), .fd = r->fd, .prot = MMF_PROT_READWRITE,
	};

	pthread_barrier_wait(r->barrier);
	r->err = ioctl(r->handle, MMF_IOC_CREATE, &c) ? errno : 0;
	return NULL;
}

/* Two threads binding one handle at once: one section, one EBUSY. */
TEST(two_threads_binding_one_handle_make_one_section)
{
	pthread_barrier_t barrier;
	struct bind_race r[2];
	pthread_t t[2];
	char path[256];
	long sections;
	int fd, h, i, k;

	fd = mmft_tmpfile("/tmp", MMFT_PAGE, 'b', path, sizeof(path));
	ASSERT_LE(0, fd);
	sections = mmft_debugfs_counter("sections");
	ASSERT_LE(0, sections);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (i = 0; i < 200; i++) {
		h = mmft_handle();
		ASSERT_LE(0, h);
		for (k = 0; k < 2; k++) {
			r[k] = (struct bind_race){ h, fd, &barrier, -1 };
			ASSERT_EQ(0, pthread_create(&t[k], NULL, bind_racer, &r[k]));
		}
		for (k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		ASSERT_TRUE((r[0].err == 0 && r[1].err == EBUSY) ||
			    (r[0].err == EBUSY && r[1].err == 0));
		EXPECT_EQ(sections + 1, mmft_debugfs_counter("sections"));
		close(h);
	}
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(sections, mmft_debugfs_counter("sections"));
	close(fd);
	unlink(path);
}

/*
 * A name with a newline, a tab, spaces, a backslash and printf
 * conversions: the listing keeps one line per section and prints the
 * name escaped, never interpreted.
 */
TEST(odd_names_cannot_corrupt_the_debugfs_listing)
{
	static const char name[] = "mmf-sec odd\nname\t%s%n%x\\end";
	char line[4096];
	int h, lines = 0, found = 0;
	long sections;
	FILE *f;

	h = mmft_create_swap(MMFT_PAGE, name, 0600, NULL);
	ASSERT_LE(0, h);
	sections = mmft_debugfs_counter("sections");
	ASSERT_LE(1, sections);
	f = fopen(MMFT_DEBUGFS_SECTIONS, "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (strstr(line, "mmf-sec\\040odd\\012name\\011%s%n%x\\134end [swap] "))
			found++;
	}
	fclose(f);
	/* sections, views, chunks, cursors, the header, one line per section. */
	EXPECT_EQ(5 + sections, lines);
	EXPECT_EQ(1, found);
	close(h);
}

TEST_HARNESS_MAIN

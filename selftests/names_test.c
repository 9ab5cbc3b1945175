// SPDX-License-Identifier: GPL-2.0
/*
 * Named sections (issue 3, "Security and limits"): a create that meets an
 * existing name binds to that section as it is; names are exact byte
 * strings of bounded length; owner, group and mode are checked as System V
 * IPC does (the owner's bits for the owner, else the group's for a member,
 * else the others'); names live in the caller's IPC namespace; a per-user
 * limit on sections; whoever opens a section by name never sees or writes
 * its file past the section's end.  Other users are forked children that
 * drop root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define RD	MMF_ACCESS_READ
#define RW	(MMF_ACCESS_READ | MMF_ACCESS_WRITE)

#define OWNER_UID	61000
#define GROUP_GID	61000
#define MEMBER_UID	61001
#define OTHER_UID	61002
#define OTHER_GID	61002

static void uniq(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "mmft-%s-%d", tag, getpid());
}

/* A pipe pair to let a child say "ready" and wait for "go". */
struct gate {
	int up[2], down[2];
};

static int gate_init(struct gate *g)
{
	return pipe(g->up) || pipe(g->down) ? -1 : 0;
}

/* After fork: each side keeps only its own ends, so a death reads as EOF. */
static void gate_side(struct gate *g, int child)
{
	close(child ? g->up[0] : g->up[1]);
	close(child ? g->down[1] : g->down[0]);
	if (child) {
		g->up[0] = -1;
		g->down[1] = -1;
	} else {
		g->up[1] = -1;
		g->down[0] = -1;
	}
}

static void gate_close(struct gate *g)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (g->up[i] >= 0)
			close(g->up[i]);
		if (g->down[i] >= 0)
			close(g->down[i]);
	}
}

static int gate_signal(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int gate_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

TEST(create_of_an_existing_name_binds_that_section)
{
	struct mmf_create a = { 0 }, b = { 0 }, f = { 0 };
	struct mmf_stat st;
	char name[64], path[64];
	unsigned char *va, *vb;
	size_t pg = MMFT_PAGE;
	int ha, hb, hf, fd;

	uniq(name, sizeof(name), "same");
	ha = mmft_create_swap(3 * pg, name, 0600, &a);
	ASSERT_LE(0, ha) TH_LOG("CREATE: %s", strerror(-ha));
	EXPECT_EQ(0, a.result & MMF_RESULT_EXISTED);

	/* Smaller, read-only, other mode: the section stays as it was. */
	hb = mmft_create(-1, MMF_PROT_READ, pg, name, 0644, MMF_CREATE_SWAP, &b);
	ASSERT_LE(0, hb) TH_LOG("second CREATE: %s", strerror(-hb));
	EXPECT_NE(0, b.result & MMF_RESULT_EXISTED);
	EXPECT_EQ(a.section_id, b.section_id);
	EXPECT_EQ(3 * pg, b.section_size);
	ASSERT_EQ(0, mmft_stat(hb, &st));
	EXPECT_EQ(a.section_id, st.section_id);
	EXPECT_EQ(3 * pg, st.section_size);
	EXPECT_EQ(MMF_PROT_READWRITE, st.prot);

	va = mmft_map(ha, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, va);
	vb = mmft_map(hb, 3 * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, vb);
	memset(va + 2 * pg, 0x6B, pg);
	EXPECT_TRUE(mmft_all(vb + 2 * pg, pg, 0x6B));

	/* A file given with an existing name is not used at all. */
	fd = mmft_tmpfile("/tmp", pg, 0x22, path, sizeof(path));
	ASSERT_LE(0, fd);
	hf = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0600, 0, &f);
	ASSERT_LE(0, hf) TH_LOG("CREATE with a file: %s", strerror(-hf));
	EXPECT_NE(0, f.result & MMF_RESULT_EXISTED);
	EXPECT_EQ(a.section_id, f.section_id);
	EXPECT_EQ(3 * pg, f.section_size);
	EXPECT_TRUE(mmft_file_all(fd, 0, pg, 0x22));
	EXPECT_EQ(pg, (size_t)lseek(fd, 0, SEEK_END));

	munmap(va, 3 * pg);
	munmap(vb, 3 * pg);
	close(hf);
	close(fd);
	unlink(path);
	close(hb);
	close(ha);
}

TEST(create_excl)
{
	struct mmf_create c = { 0 };
	char name[64];
	int h, h2;

	uniq(name, sizeof(name), "excl");
	h = mmft_create(-1, MMF_PROT_READWRITE, MMFT_PAGE, name, 0600,
			MMF_CREATE_SWAP | MMF_CREATE_EXCL, &c);
	ASSERT_LE(0, h) TH_LOG("CREATE EXCL of a new name: %s", strerror(-h));
	EXPECT_EQ(0, c.result & MMF_RESULT_EXISTED);
	EXPECT_EQ(-EEXIST, mmft_create(-1, MMF_PROT_READWRITE, MMFT_PAGE, name, 0600,
				       MMF_CREATE_SWAP | MMF_CREATE_EXCL, NULL));
	/* Without EXCL the same call binds. */
	h2 = mmft_create(-1, MMF_PROT_READWRITE, MMFT_PAGE, name, 0600, MMF_CREATE_SWAP, &c);
	EXPECT_LE(0, h2);
	EXPECT_NE(0, c.result & MMF_RESULT_EXISTED);
	if (h2 >= 0)
		close(h2);
	close(h);
}

TEST(names_are_exact_byte_strings)
{
	struct mmf_create c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
	char lower[64], upper[64], longer[64], odd[64];
	int h1, h2, h3, h4, h;

	snprintf(lower, sizeof(lower), "mmft-case-%d", getpid());
	snprintf(upper, sizeof(upper), "mmft-Case-%d", getpid());
	snprintf(longer, sizeof(longer), "mmft-case-%dx", getpid());
	snprintf(odd, sizeof(odd), "mmft/odd\\name \xc3\xa9 %d", getpid());
	h1 = mmft_create_swap(MMFT_PAGE, lower, 0600, &c1);
	ASSERT_LE(0, h1) TH_LOG("CREATE: %s", strerror(-h1));
	h2 = mmft_create_swap(MMFT_PAGE, upper, 0600, &c2);
	ASSERT_LE(0, h2);
	h3 = mmft_create_swap(MMFT_PAGE, longer, 0600, &c3);
	ASSERT_LE(0, h3);
	EXPECT_EQ(0, c2.result & MMF_RESULT_EXISTED);
	EXPECT_EQ(0, c3.result & MMF_RESULT_EXISTED);
	EXPECT_NE(c1.section_id, c2.section_id);
	EXPECT_NE(c1.section_id, c3.section_id);
	EXPECT_NE(c2.section_id, c3.section_id);
	upper[5] = 'C';
	upper[6] = 'A';
	EXPECT_EQ(-ENOENT, mmft_open_named(upper, RD, NULL));
	/* Any byte but NUL may be part of a name. */
	h4 = mmft_create_swap(MMFT_PAGE, odd, 0600, NULL);
	EXPECT_LE(0, h4) TH_LOG("CREATE '%s': %s", odd, strerror(-h4));
	h = mmft_open_named(odd, RW, NULL);
	EXPECT_LE(0, h);
	if (h >= 0)
		close(h);
	if (h4 >= 0)
		close(h4);
	close(h1);
	close(h2);
	close(h3);
}

TEST(name_length_limits)
{
	char name[MMF_NAME_MAX + 2];
	struct mmf_open o = { 0 };
	int h, h2;

	memset(name, 'L', MMF_NAME_MAX + 1);
	name[MMF_NAME_MAX + 1] = '\0';
	snprintf(name, 20, "mmft-%d", getpid());
	name[strlen(name)] = 'L';
	EXPECT_EQ(-ENAMETOOLONG, mmft_create_swap(MMFT_PAGE, name, 0600, NULL));
	EXPECT_EQ(-ENAMETOOLONG, mmft_open_named(name, RD, NULL));

	name[MMF_NAME_MAX] = '\0';		/* exactly MMF_NAME_MAX bytes */
	h = mmft_create_swap(MMFT_PAGE, name, 0600, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE of %d bytes: %s", MMF_NAME_MAX, strerror(-h));
	h2 = mmft_open_named(name, RD, &o);
	EXPECT_LE(0, h2);
	EXPECT_EQ(MMFT_PAGE, o.section_size);
	if (h2 >= 0)
		close(h2);
	close(h);

	h = mmft_create_swap(MMFT_PAGE, "m", 0600, NULL);
	EXPECT_LE(0, h) TH_LOG("one-byte name: %s", strerror(-h));
	if (h >= 0)
		close(h);
}

/* One open (or create) attempt by another user. */
struct attempt {
	uid_t uid;
	gid_t gid;
	const char *name;
	unsigned int access;	/* OPEN with this, or */
	unsigned int prot;	/* CREATE with this when non-zero */
};

/* 0 when allowed, the errno when refused, 100+ when something else broke. */
static int attempt_fn(void *arg)
{
	struct attempt *a = arg;
	void *v;
	int h;

	if (mmft_become(a->uid, a->gid))
		return 100;
	if (a->prot)
		h = mmft_create(-1, a->prot, MMFT_PAGE, a->name, 0600, MMF_CREATE_SWAP, NULL);
	else
		h = mmft_open_named(a->name, a->access, NULL);
	if (h < 0)
		return -h;
	/* A handle without write access must not give a writable view. */
	if (!a->prot && !(a->access & MMF_ACCESS_WRITE)) {
		v = mmap(NULL, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		if (v != MAP_FAILED)
			return 101;
		if (errno != EACCES)
			return 102;
	}
	close(h);
	return 0;
}

static int attempt(uid_t uid, gid_t gid, const char *name, unsigned int access,
		   unsigned int prot)
{
	struct attempt a = { uid, gid, name, access, prot };
	int status = mmft_in_child(attempt_fn, &a);

	if (status == -1 || !WIFEXITED(status))
		return 200;
	return WEXITSTATUS(status);
}

struct owner_arg {
	const char *names[3];
	unsigned int modes[3];
	struct gate *g;
};

/* As OWNER_UID: create the sections, say so, hold them until told. */
static int owner_fn(void *arg)
{
	struct owner_arg *o = arg;
	int i, h[3];

	if (mmft_become(OWNER_UID, GROUP_GID))
		return 100;
	for (i = 0; i < 3; i++) {
		h[i] = mmft_create_swap(MMFT_PAGE, o->names[i], o->modes[i], NULL);
		if (h[i] < 0) {
			gate_signal(o->g->up[1], 'E');
			return 101 + i;
		}
	}
	gate_signal(o->g->up[1], 'R');
	gate_wait(o->g->down[0]);
	return 0;
}

TEST(permissions_follow_owner_group_other)
{
	char n640[64], n604[64], n460[64];
	struct owner_arg o;
	struct gate g;
	int status;
	pid_t pid;

	unsigned long long mark = kmsg_mark();

	uniq(n640, sizeof(n640), "m640");
	uniq(n604, sizeof(n604), "m604");
	uniq(n460, sizeof(n460), "m460");
	ASSERT_EQ(0, gate_init(&g));
	o = (struct owner_arg){ { n640, n604, n460 }, { 0640, 0604, 0460 }, &g };
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gate_side(&g, 1);
		_exit(owner_fn(&o));
	}
	gate_side(&g, 0);
	ASSERT_EQ('R', gate_wait(g.up[0])) TH_LOG("the owner could not create its sections");

	/* 0640 */
	EXPECT_EQ(0, attempt(OWNER_UID, GROUP_GID, n640, RD, 0));
	EXPECT_EQ(0, attempt(OWNER_UID, GROUP_GID, n640, RW, 0));
	EXPECT_EQ(0, attempt(MEMBER_UID, GROUP_GID, n640, RD, 0));
	EXPECT_EQ(EACCES, attempt(MEMBER_UID, GROUP_GID, n640, RW, 0));
	EXPECT_EQ(EACCES, attempt(OTHER_UID, OTHER_GID, n640, RD, 0));
	EXPECT_EQ(EACCES, attempt(OTHER_UID, OTHER_GID, n640, RW, 0));
	/* 0604: a member of the group gets the group's bits, not the others'. */
	EXPECT_EQ(0, attempt(OWNER_UID, GROUP_GID, n604, RW, 0));
	EXPECT_EQ(EACCES, attempt(MEMBER_UID, GROUP_GID, n604, RD, 0));
	EXPECT_EQ(0, attempt(OTHER_UID, OTHER_GID, n604, RD, 0));
	EXPECT_EQ(EACCES, attempt(OTHER_UID, OTHER_GID, n604, RW, 0));
	/* 0460: the owner's own bits bind the owner too. */
	EXPECT_EQ(0, attempt(OWNER_UID, GROUP_GID, n460, RD, 0));
	EXPECT_EQ(EACCES, attempt(OWNER_UID, GROUP_GID, n460, RW, 0));
	EXPECT_EQ(0, attempt(MEMBER_UID, GROUP_GID, n460, RW, 0));
	EXPECT_EQ(EACCES, attempt(OTHER_UID, OTHER_GID, n460, RD, 0));

	/* A create meeting a name the caller may not open fails, not opens. */
	EXPECT_EQ(EACCES, attempt(OTHER_UID, OTHER_GID, n640, 0, MMF_PROT_READ));
	EXPECT_EQ(EACCES, attempt(MEMBER_UID, GROUP_GID, n640, 0, MMF_PROT_READWRITE));
	EXPECT_EQ(0, attempt(MEMBER_UID, GROUP_GID, n640, 0, MMF_PROT_READ));
	EXPECT_EQ(EACCES, attempt(OWNER_UID, GROUP_GID, n460, 0, MMF_PROT_READWRITE));

	gate_signal(g.down[1], 'G');
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	gate_close(&g);
	/* The owner is gone: so are its names. */
	EXPECT_EQ(-ENOENT, mmft_open_named(n640, RD, NULL));
	EXPECT_EQ(0, kmsg_count_since(mark, "mmf"));
}

struct tail_arg {
	const char *name;
	size_t keep;
	int by_create;	/* bind with a CREATE that meets the name, not OPEN */
};

/* As another user: 0 when no byte of the file past the section shows. */
static int peek_tail(void *arg)
{
	struct tail_arg *a = arg;
	size_t i, len, full;
	unsigned char *v;
	int h;

	if (mmft_become(OTHER_UID, OTHER_GID))
		return 100;
	if (a->by_create)
		h = mmft_create(-1, MMF_PROT_READ, MMFT_PAGE, a->name, 0644, MMF_CREATE_SWAP, NULL);
	else
		h = mmft_open_named(a->name, RD, NULL);
	if (h < 0)
		return 101;
	len = (a->keep + MMFT_PAGE - 1) / MMFT_PAGE * MMFT_PAGE;
	v = mmap(NULL, len, PROT_READ, MAP_SHARED, h, 0);
	if (v == MAP_FAILED)
		return 0;		/* refusing the partial page is safe too */
	/* The whole pages first: fault-around must not bring the last one. */
	full = a->keep / MMFT_PAGE * MMFT_PAGE;
	if (!mmft_all(v, full, 'S'))
		return 2;
	for (i = a->keep; i < len; i++)
		if (v[i] == 'S')
			return 1;
	return 0;
}

/*
 * A section shares the first max_size bytes of its file and nothing more:
 * whoever may open it must not read what lies past its end in its last
 * page (the file itself is the creator's, mode 0600).
 */
TEST(a_named_section_never_shows_the_file_past_its_end)
{
	static const size_t keeps[] = { 100, 4096 + 100 };
	struct tail_arg a;
	char name[64], path[64];
	int fd, h, status, k;

	ASSERT_EQ(4096, MMFT_PAGE);
	fd = mmft_tmpfile("/tmp", 4 * MMFT_PAGE, 'S', path, sizeof(path));
	ASSERT_LE(0, fd);
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "mmft-tail%d-%d", k, getpid());
		a = (struct tail_arg){ .name = name, .keep = keeps[k] };
		h = mmft_create(fd, MMF_PROT_READ, a.keep, name, 0644, 0, NULL);
		for (a.by_create = 0; h >= 0 && a.by_create < 2; a.by_create++) {
			status = mmft_in_child(peek_tail, &a);
			/* A SIGBUS on the partial page is safe as well. */
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
				continue;
			ASSERT_TRUE(WIFEXITED(status));
			EXPECT_EQ(0, WEXITSTATUS(status))
				TH_LOG("%zu bytes, %s, step %d: the file past the end is readable",
				       a.keep, a.by_create ? "CREATE" : "OPEN",
				       WEXITSTATUS(status));
		}
		if (h >= 0)
			close(h);
	}
	close(fd);
	unlink(path);
}

/* As another user: write past the section's end in its last page. */
static int poke_tail(void *arg)
{
	struct tail_arg *a = arg;
	unsigned char *v;
	int h;

	if (mmft_become(OTHER_UID, OTHER_GID))
		return 100;
	h = mmft_open_named(a->name, RW, NULL);
	if (h < 0)
		return 101;
	v = mmap(NULL, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	if (v == MAP_FAILED)
		return 0;
	v[a->keep - 1] = 'k';	/* inside: allowed */
	v[a->keep + 100] = 'X';	/* outside: must not reach the file */
	munmap(v, MMFT_PAGE);
	close(h);
	return 0;
}

TEST(a_named_section_never_lets_the_file_past_its_end_be_written)
{
	struct tail_arg a = { .keep = 100 };
	char name[64], path[64];
	int fd, h, status;

	uniq(name, sizeof(name), "wtail");
	a.name = name;
	fd = mmft_tmpfile("/tmp", 2 * MMFT_PAGE, 'S', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, a.keep, name, 0666, 0, NULL);
	if (h >= 0) {
		status = mmft_in_child(poke_tail, &a);
		EXPECT_TRUE(WIFSIGNALED(status) || WEXITSTATUS(status) == 0)
			TH_LOG("set-up step %d", WEXITSTATUS(status));
		close(h);
	}
	EXPECT_EQ(2 * MMFT_PAGE, (size_t)lseek(fd, 0, SEEK_END));
	EXPECT_TRUE(mmft_file_all(fd, a.keep, 2 * MMFT_PAGE - a.keep, 'S'))
		TH_LOG("a byte past the section's end was written");
	close(fd);
	unlink(path);
}

struct ns_arg {
	const char *parents, *own;
	struct gate *g;
};

static int ns_child(void *arg)
{
	struct ns_arg *a = arg;
	struct mmf_create c = { 0 };
	unsigned char *v;
	int h, h2;

	if (unshare(CLONE_NEWIPC))
		return 100;
	if (mmft_open_named(a->parents, RD, NULL) != -ENOENT)
		return 10;
	/* The same name here is a different section. */
	h = mmft_create_swap(MMFT_PAGE, a->parents, 0600, &c);
	if (h < 0)
		return 11;
	if (c.result & MMF_RESULT_EXISTED)
		return 12;
	v = mmap(NULL, MMFT_PAGE, PROT_READ, MAP_SHARED, h, 0);
	if (v == MAP_FAILED || !mmft_all(v, MMFT_PAGE, 0))
		return 13;
	h2 = mmft_create_swap(MMFT_PAGE, a->own, 0600, NULL);
	if (h2 < 0)
		return 14;
	gate_signal(a->g->up[1], 'R');
	gate_wait(a->g->down[0]);
	return 0;
}

TEST(names_are_scoped_to_the_ipc_namespace)
{
	unsigned long long mark = kmsg_mark();
	char parents[64], own[64];
	struct ns_arg a;
	unsigned char *v;
	struct gate g;
	int h, status;
	pid_t pid;

	uniq(parents, sizeof(parents), "ns");
	uniq(own, sizeof(own), "nsonly");
	h = mmft_create_swap(MMFT_PAGE, parents, 0600, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 0x5E, MMFT_PAGE);
	ASSERT_EQ(0, gate_init(&g));
	a = (struct ns_arg){ parents, own, &g };
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gate_side(&g, 1);
		_exit(ns_child(&a));
	}
	gate_side(&g, 0);
	if (gate_wait(g.up[0]) == 'R')
		EXPECT_EQ(-ENOENT, mmft_open_named(own, RD, NULL));
	gate_signal(g.down[1], 'G');
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child failed at step %d",
						 WEXITSTATUS(status));
	EXPECT_TRUE(mmft_all(v, MMFT_PAGE, 0x5E));
	munmap(v, MMFT_PAGE);
	gate_close(&g);
	close(h);
	EXPECT_EQ(0, kmsg_count_since(mark, "mmf"));
}

/* The per-user section limit, set low for the test and restored after. */
FIXTURE(limit) {
	char param[300];
	char old[32];
	int have;
};

FIXTURE_SETUP(limit)
{
	static const char dir[] = "/sys/module/mmf/parameters";
	struct dirent *d;
	char seen[256] = "";
	int score;
	DIR *dp = opendir(dir);

	/* The parameter's name is the module's choice: one about sections. */
	if (dp) {
		while ((d = readdir(dp))) {
			if (d->d_name[0] == '.')
				continue;
			strncat(seen, " ", sizeof(seen) - strlen(seen) - 1);
			strncat(seen, d->d_name, sizeof(seen) - strlen(seen) - 1);
			/* Best: about sections and users; else about sections. */
			score = !strstr(d->d_name, "section") ? 0 :
				strstr(d->d_name, "user") ? 2 : 1;
			if (score > self->have) {
				snprintf(self->param, sizeof(self->param), "%s/%s", dir, d->d_name);
				self->have = score;
			}
		}
		closedir(dp);
	}
	ASSERT_TRUE(self->have) TH_LOG("no per-user section limit among [%s ]", seen);
	ASSERT_EQ(0, mmft_read_knob(self->param, self->old, sizeof(self->old)));
	ASSERT_EQ(0, mmft_write_knob(self->param, "2")) TH_LOG("%s is not writable", self->param);
}

FIXTURE_TEARDOWN(limit)
{
	char now[32];

	if (!self->have)
		return;
	EXPECT_EQ(0, mmft_write_knob(self->param, self->old));
	EXPECT_EQ(0, mmft_read_knob(self->param, now, sizeof(now)));
	EXPECT_STREQ(self->old, now);
}

struct limit_arg {
	const char *name;
	struct gate *g;
};

/* As OTHER_UID, with a limit of 2.  Returns the failed step. */
static int limit_child(void *arg)
{
	struct limit_arg *a = arg;
	struct mmf_create c = { 0 };
	size_t pg = MMFT_PAGE;
	int h1, h2, h3, h;
	void *v;

	if (mmft_become(OTHER_UID, OTHER_GID))
		return 100;
	h1 = mmft_create_swap(pg, NULL, 0, NULL);
	h2 = mmft_create_swap(pg, a->name, 0600, NULL);
	if (h1 < 0 || h2 < 0)
		return 10;
	if (mmft_create_swap(pg, NULL, 0, NULL) != -EMFILE)
		return 11;
	/* Binding to an existing section makes no new one. */
	h = mmft_create_swap(pg, a->name, 0600, &c);
	if (h < 0 || !(c.result & MMF_RESULT_EXISTED))
		return 12;
	close(h);
	h = mmft_open_named(a->name, RW, NULL);
	if (h < 0)
		return 13;
	close(h);
	/* A view keeps its section, and the section still counts. */
	v = mmap(NULL, pg, PROT_READ, MAP_SHARED, h1, 0);
	if (v == MAP_FAILED)
		return 14;
	close(h1);
	if (mmft_create_swap(pg, NULL, 0, NULL) != -EMFILE)
		return 15;
	gate_signal(a->g->up[1], 'R');	/* at the limit: others may create */
	gate_wait(a->g->down[0]);
	munmap(v, pg);
	h3 = mmft_create_swap(pg, NULL, 0, NULL);
	if (h3 < 0)
		return 16;
	close(h3);
	close(h2);
	return 0;
}

static int other_user_creates(void *arg)
{
	int h;

	(void)arg;
	if (mmft_become(OTHER_UID + 1, OTHER_GID))
		return 100;
	h = mmft_create_swap(MMFT_PAGE, NULL, 0, NULL);
	if (h < 0)
		return -h;
	close(h);
	return 0;
}

TEST_F(limit, per_user_section_limit_is_emfile)
{
	struct limit_arg a;
	struct gate g;
	char name[64];
	int status;
	pid_t pid;

	uniq(name, sizeof(name), "limit");
	ASSERT_EQ(0, gate_init(&g));
	a = (struct limit_arg){ name, &g };
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gate_side(&g, 1);
		_exit(limit_child(&a));
	}
	gate_side(&g, 0);
	if (gate_wait(g.up[0]) == 'R') {
		status = mmft_in_child(other_user_creates, NULL);
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("another user was limited: %s",
							 strerror(WEXITSTATUS(status)));
	}
	gate_signal(g.down[1], 'G');
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the limited user failed at step %d",
						 WEXITSTATUS(status));
	gate_close(&g);
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the selftests that play the hostile local user of
 * Documentation/security.rst (attack_test.c, review_test.c, review2_test.c,
 * perm_matrix_test.c): an attacker child of another uid reporting in shared
 * memory, root's secret file, the write watch, Landlock rulesets, inode
 * flags and handles passed over a unix socket.  Include after mmf_test.h.
 */
#ifndef MMF_ATTACK_H
#define MMF_ATTACK_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/landlock.h>
#include <linux/mmf.h>

#include "mmf_test.h"

/* Landlock, for headers older than ABI 3. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset	444
#define __NR_landlock_add_rule		445
#define __NR_landlock_restrict_self	446
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

#define EXT4		"/mnt/ext4"
#define NOBODY		65534
#define PUBLIC		'p'	/* the bytes a section shares */
#define SECRET		'S'	/* the file's bytes it does not */

#define MMFA_UNUSED	__attribute__((unused))

/* What an attacker child did and saw, in memory shared with the test. */
struct attack {
	int ret, err;		/* the attack call: return value, errno */
	int mprotect_ret;	/* mprotect(PROT_READ | PROT_WRITE) afterwards */
	int mprotect_err;
	int read_sig;		/* signal that stopped reading, 0 if none */
	int saw_secret;		/* it read bytes the section does not share */
	int wrote;		/* a write went through */
	long val[8];		/* test-specific results */
	char why[128];		/* why a precondition failed (SKIP) */
};

typedef int (*attack_fn)(struct attack *a, const void *arg);

/*
 * Run @fn(@a, @arg) in a child as @uid and @gid; its exit code is the
 * step @fn failed at (0: it got to the end), 100 when it could not drop
 * root, 128 + signal when it died.
 */
static MMFA_UNUSED int as_user(uid_t uid, gid_t gid, attack_fn fn, struct attack *a,
			       const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (mmft_become(uid, gid))
			_exit(100);
		_exit(fn(a, arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A zeroed struct attack that a forked attacker and the test share. */
static MMFA_UNUSED struct attack *attack_new(void)
{
	struct attack *a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED)
		return NULL;
	memset(a, 0, sizeof(*a));
	return a;
}

/*
 * Root's file on ext4 with mode @mode: @pages pages of SECRET, the first
 * @public bytes PUBLIC, written back.  Its name goes to @path.
 */
static MMFA_UNUSED int secret_file(char *path, size_t plen, size_t pages, size_t public,
				   mode_t mode)
{
	int fd = mmft_tmpfile(EXT4, pages * MMFT_PAGE, SECRET, path, plen);
	char *buf;

	if (fd < 0)
		return fd;
	buf = malloc(public ? public : 1);
	if (buf)
		memset(buf, PUBLIC, public);
	if (!buf || pwrite(fd, buf, public, 0) != (ssize_t)public || fchmod(fd, mode) ||
	    fsync(fd)) {
		free(buf);
		close(fd);
		unlink(path);
		return -EIO;
	}
	free(buf);
	return fd;
}

/*
 * Read @len bytes of @v (may fault) into @buf, or into a buffer of its
 * own when @buf is NULL, and note whether any is SECRET.
 */
static MMFA_UNUSED void look(struct attack *a, const void *v, size_t len, unsigned char *buf)
{
	unsigned char *own = buf ? NULL : malloc(len);

	if (!buf && !own)
		return;
	if (!buf)
		buf = own;
	a->read_sig = mmft_probe_copy(buf, v, len);
	if (!a->read_sig)
		a->saw_secret = !!memchr(buf, SECRET, len);
	free(own);
}

/*
 * WRITE_WATCH of @len bytes at @addr into @bits (@nbits capacity, cleared
 * first): the number of dirty pages, -errno.
 */
static MMFA_UNUSED int watch(int h, void *addr, size_t len, unsigned int flags,
			     uint64_t *bits, size_t nbits)
{
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)bits, .bitmap_bits = nbits,
	};

	memset(bits, 0, (nbits + 63) / 64 * 8);
	return ioctl(h, MMF_IOC_WRITE_WATCH, &w) ? -errno : (int)w.dirty_pages;
}

/* Set (@on) or clear an FS_*_FL inode flag of @fd, such as FS_IMMUTABLE_FL. */
static MMFA_UNUSED int inode_flag(int fd, int flag, int on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	flags = on ? flags | flag : flags & ~flag;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) ? -errno : 0;
}

/*
 * Restrict the calling process with Landlock: the rights of @attr handled,
 * @allowed granted beneath each of the @n @paths; no_new_privs set.
 * 0 or -errno.
 */
static MMFA_UNUSED int landlock_apply(const struct landlock_ruleset_attr *attr,
				      uint64_t allowed, const char *const *paths, int n)
{
	struct landlock_path_beneath_attr rule = { .allowed_access = allowed };
	int rs, i, err = 0;

	rs = syscall(__NR_landlock_create_ruleset, attr, sizeof(*attr), 0);
	if (rs < 0)
		return -errno;
	for (i = 0; i < n && !err; i++) {
		rule.parent_fd = open(paths[i], O_PATH | O_CLOEXEC);
		if (rule.parent_fd < 0 ||
		    syscall(__NR_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0))
			err = -errno;
		close(rule.parent_fd);
	}
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (!err && syscall(__NR_landlock_restrict_self, rs, 0))
		err = -errno;
	close(rs);
	return err;
}

/*
 * Landlock: every file right the running ABI knows is handled, only
 * /dev/mmf granted (read, write and, from ABI 5, its ioctls).  0; 1 when
 * Landlock is not there (@why says); -errno.
 */
static MMFA_UNUSED int landlock_only_mmf(char *why, size_t len)
{
	static const char *const dev[] = { MMF_DEVICE_PATH };
	struct landlock_ruleset_attr attr = { 0 };
	uint64_t allowed = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0) {
		snprintf(why, len, "Landlock is not enabled (%s)", strerror(errno));
		return 1;
	}
	/* ABI 1: 13 rights; 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV. */
	attr.handled_access_fs = (1ULL << 13) - 1;
	if (abi >= 2)
		attr.handled_access_fs |= 1ULL << 13;
	if (abi >= 3)
		attr.handled_access_fs |= 1ULL << 14;
	if (abi >= 5) {
		attr.handled_access_fs |= 1ULL << 15;
		allowed |= 1ULL << 15;
	}
	return landlock_apply(&attr, allowed, dev, 1);
}

/* Send @fd over the unix socket @sock (SCM_RIGHTS, one byte): 0, -errno. */
static MMFA_UNUSED int send_one_fd(int sock, int fd)
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

/* Receive one fd sent by send_one_fd() on @sock: the fd, -errno. */
static MMFA_UNUSED int recv_one_fd(int sock)
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

#endif /* MMF_ATTACK_H */

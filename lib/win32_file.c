// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 file calls on a Linux fd: CreateFileA, ReadFile, WriteFile,
 * GetFileSize(Ex), SetFilePointer(Ex), SetEndOfFile, FlushFileBuffers,
 * GetOverlappedResult.  Shrinking a file while a section of it exists
 * fails with ERROR_USER_MAPPED_FILE, as on Windows (MMF_IOC_FILE_MAPPED
 * counts the sections of any process).
 *
 * CreateFile's flags are honoured or refused, never ignored (issue 11):
 * FILE_FLAG_DELETE_ON_CLOSE removes the file when the last handle of this
 * process to it closes; FILE_FLAG_NO_BUFFERING is O_DIRECT with Windows'
 * alignment rules; FILE_FLAG_OVERLAPPED handles take an OVERLAPPED on every
 * ReadFile/WriteFile, whose I/O completes before the call returns (as
 * Windows may complete it); RANDOM_ACCESS and SEQUENTIAL_SCAN are
 * posix_fadvise() hints; WRITE_THROUGH is O_DSYNC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "win32_handle.h"

static HANDLE fail_handle(int err)
{
	mmf__win32_fail(err);
	return INVALID_HANDLE_VALUE;
}

/* Whether the directory part of path exists (ENOENT: file or path?). */
static int parent_exists(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int ret;

	if (!slash)
		return 1;
	if (slash == path)
		return 1;
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return 1;
	ret = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	free(dir);
	return ret;
}

/*
 * Does a section (file-mapping object) of the file exist, in any process,
 * with or without views?  Windows refuses to shrink such a file.  Without
 * the module there can be none.
 */
static int has_sections(int fd)
{
	uint64_t sections = 0;

	return mmf_file_mapped(fd, &sections, NULL) == 0 && sections > 0;
}

/*
 * FILE_FLAG_DELETE_ON_CLOSE.  Every file object (not duplicate) this
 * process opened is counted per inode, so that the file goes when the last
 * of them closes, whichever was opened with the flag, as on Windows.  The
 * name removed is the one the file has then (/proc/self/fd), or the one it
 * was opened under; only if it is still the same inode.  Handles of other
 * processes are not counted.  A process that exits without closing them
 * removes its files in an atexit() handler, as Windows does at exit.
 * inodes and every entry's fields are under inodes_lock.
 */
struct w32_inode {
	dev_t dev;
	ino_t ino;
	int opens;		/* file objects of this process */
	int delete_on_close;
	pid_t pid;		/* the process that counts them (not a fork child) */
	char *path;		/* absolute name at open (delete_on_close only) */
	struct w32_inode *next;
};

static pthread_mutex_t inodes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct w32_inode *inodes;
static int atexit_done;

/* Remove name if it still is the file dev/ino. */
static void unlink_if_same(const char *name, dev_t dev, ino_t ino)
{
	struct stat st;

	if (name && lstat(name, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(name);
}

static void delete_at_exit(void)
{
	struct w32_inode *n;

	/* Never hang an exit: a fork child may have the lock held by a lost thread. */
	if (pthread_mutex_trylock(&inodes_lock))
		return;
	for (n = inodes; n; n = n->next)
		if (n->delete_on_close && n->pid == getpid())
			unlink_if_same(n->path, n->dev, n->ino);
	pthread_mutex_unlock(&inodes_lock);
}

/* Count one more file object of st's inode; -errno on failure. */
static int inode_open(const struct stat *st, const char *path, int delete_on_close)
{
	struct w32_inode *n;
	int ret = 0;

	pthread_mutex_lock(&inodes_lock);
	for (n = inodes; n; n = n->next)
		if (n->dev == st->st_dev && n->ino == st->st_ino && n->pid == getpid())
			break;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		n->dev = st->st_dev;
		n->ino = st->st_ino;
		n->pid = getpid();
		n->next = inodes;
		inodes = n;
	}
	if (delete_on_close && !n->path) {
		n->path = realpath(path, NULL);
		if (!n->path) {
			ret = -errno;
			if (!n->opens) {
				inodes = n->next;
				free(n);
			}
			goto out;
		}
		if (!atexit_done && atexit(delete_at_exit) == 0)
			atexit_done = 1;
	}
	n->opens++;
	n->delete_on_close |= delete_on_close;
out:
	pthread_mutex_unlock(&inodes_lock);
	return ret;
}

void mmf__w32_file_release(struct w32_object *obj)
{
	struct w32_inode **p, *n = NULL;
	char link[64], name[PATH_MAX + 1];
	struct stat st;
	ssize_t len;

	if (fstat(obj->fd, &st) < 0)
		return;
	pthread_mutex_lock(&inodes_lock);
	for (p = &inodes; *p; p = &(*p)->next) {
		if ((*p)->dev == st.st_dev && (*p)->ino == st.st_ino && (*p)->pid == getpid()) {
			n = *p;
			if (--n->opens == 0)
				*p = n->next;
			else
				n = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&inodes_lock);
	if (!n)
		return;
	if (n->delete_on_close) {
		/* The file's name now (it may have been renamed), else its old one. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", obj->fd);
		len = readlink(link, name, sizeof(name) - 1);
		if (len > 0) {
			name[len] = 0;
			unlink_if_same(name, n->dev, n->ino);
		}
		unlink_if_same(n->path, n->dev, n->ino);
	}
	free(n->path);
	free(n);
}

/* What CreateFile accepts in dwFlagsAndAttributes; everything else is refused. */
#define W32_ATTRIBUTES	(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE | \
			 FILE_ATTRIBUTE_NORMAL | FILE_ATTRIBUTE_TEMPORARY)
#define W32_FLAGS	(FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED | \
			 FILE_FLAG_NO_BUFFERING | FILE_FLAG_RANDOM_ACCESS | \
			 FILE_FLAG_SEQUENTIAL_SCAN | FILE_FLAG_DELETE_ON_CLOSE | \
			 FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_POSIX_SEMANTICS)
/* The attribute part of dwFlagsAndAttributes (the rest are flags). */
#define W32_ATTRIBUTE_BITS	0x0007FFFFu

/* Whether the directory of path lets us remove an entry (DELETE_ON_CLOSE). */
static int can_remove_in(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ok;

	if (!slash)
		return access(".", W_OK | X_OK) == 0;
	if (slash == path)
		return access("/", W_OK | X_OK) == 0;
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return 0;
	ok = access(dir, W_OK | X_OK) == 0;
	free(dir);
	return ok;
}

MMF_EXPORT HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess,
				     DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes,
				     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
				     HANDLE hTemplateFile)
{
	int rd = !!(dwDesiredAccess & (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA));
	int wr = !!(dwDesiredAccess & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA));
	/* FILE_APPEND_DATA alone: every write goes to the end, nothing else is allowed. */
	int append = !wr && (dwDesiredAccess & FILE_APPEND_DATA);
	int flags = O_CLOEXEC, create = 0, truncate = 0, existed = 1, fd;
	int doc = !!(dwFlagsAndAttributes & FILE_FLAG_DELETE_ON_CLOSE);
	mode_t mode = (dwFlagsAndAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
	DWORD unsupported = dwFlagsAndAttributes & ~(W32_ATTRIBUTES | W32_FLAGS);
	struct w32_object *obj;
	struct stat st;
	bool inherit;
	DWORD err;
	HANDLE h;
	int ret;

	err = mmf__w32_security(lpSecurityAttributes, &inherit);
	/*
	 * A template's extended attributes have no Linux counterpart; refused
	 * as Windows 95 to Me refused any (ERROR_NOT_SUPPORTED), not ignored.
	 */
	if (!err && hTemplateFile)
		err = ERROR_NOT_SUPPORTED;
	if (err) {
		mmf__win32_set(err);
		return INVALID_HANDLE_VALUE;
	}
	/* An inheritable handle's fd crosses exec (win32_handle.h). */
	if (inherit)
		flags &= ~O_CLOEXEC;
	if (!lpFileName || !*lpFileName) {
		mmf__win32_set(ERROR_PATH_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	if (dwShareMode & ~(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))
		return fail_handle(EINVAL);
	switch (dwCreationDisposition) {
	case CREATE_NEW:
		flags |= O_CREAT | O_EXCL;
		break;
	case CREATE_ALWAYS:
		create = 1;
		truncate = 1;
		break;
	case OPEN_EXISTING:
		/* Windows uses the attributes only for a file it creates. */
		unsupported &= ~W32_ATTRIBUTE_BITS;
		break;
	case OPEN_ALWAYS:
		create = 1;
		break;
	case TRUNCATE_EXISTING:
		if (!wr)
			return fail_handle(EINVAL);
		truncate = 1;
		unsupported &= ~W32_ATTRIBUTE_BITS;
		break;
	default:
		return fail_handle(EINVAL);
	}
	/*
	 * Attributes Linux cannot store (hidden, system, ...) and flags this
	 * layer cannot honour (reparse points, ...): refused, never ignored.
	 */
	if (unsupported) {
		mmf__win32_set(ERROR_NOT_SUPPORTED);
		return INVALID_HANDLE_VALUE;
	}
	/* Deleting needs the right to remove the name; a read-only file cannot be. */
	if (doc && (!can_remove_in(lpFileName) ||
		    (dwFlagsAndAttributes & FILE_ATTRIBUTE_READONLY))) {
		mmf__win32_set(ERROR_ACCESS_DENIED);
		return INVALID_HANDLE_VALUE;
	}
	if (rd && (wr || append))
		flags |= O_RDWR;
	else if (wr || append)
		flags |= O_WRONLY;
	if (append)
		flags |= O_APPEND;
	else if (rd || dwCreationDisposition != OPEN_EXISTING || doc)
		flags |= O_RDONLY;
	else
		flags |= O_PATH;	/* no data access: attributes only */
	if (dwFlagsAndAttributes & FILE_FLAG_WRITE_THROUGH)
		flags |= O_DSYNC;
	if ((dwFlagsAndAttributes & FILE_FLAG_NO_BUFFERING) && !(flags & O_PATH))
		flags |= O_DIRECT;

	/* Open first, create only if missing, so we know whether it existed. */
	for (;;) {
		fd = open(lpFileName, flags, mode);
		if (fd < 0 && errno == EINVAL && (flags & O_DIRECT)) {
			/*
			 * A file system without direct I/O (tmpfs before 6.6):
			 * the alignment rules still apply (checked per call).
			 */
			flags &= ~O_DIRECT;
			continue;
		}
		if (fd >= 0 || errno != ENOENT || !create)
			break;
		fd = open(lpFileName, flags | O_CREAT | O_EXCL, mode);
		if (fd >= 0) {
			existed = 0;
			break;
		}
		if (errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int err = errno;

		if (err == EEXIST)
			mmf__win32_set(ERROR_FILE_EXISTS);
		else if (err == ENOENT && !parent_exists(lpFileName))
			mmf__win32_set(ERROR_PATH_NOT_FOUND);
		else
			mmf__win32_fail(err);
		return INVALID_HANDLE_VALUE;
	}
	if (flags & O_CREAT)
		existed = 0;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int err = S_ISDIR(st.st_mode) ? EACCES : errno;

		close(fd);
		return fail_handle(err);
	}
	/* An existing read-only file (no write bit for anyone) cannot be deleted. */
	if (doc && existed && !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
		close(fd);
		mmf__win32_set(ERROR_ACCESS_DENIED);
		return INVALID_HANDLE_VALUE;
	}
	if (truncate && existed && st.st_size > 0) {
		if (has_sections(fd)) {
			close(fd);
			mmf__win32_set(ERROR_USER_MAPPED_FILE);
			return INVALID_HANDLE_VALUE;
		}
		if (ftruncate(fd, 0) < 0) {
			int err = errno;

			close(fd);
			return fail_handle(err);
		}
	}
	if (dwFlagsAndAttributes & FILE_FLAG_RANDOM_ACCESS)
		posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	if (dwFlagsAndAttributes & FILE_FLAG_SEQUENTIAL_SCAN)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ret = inode_open(&st, lpFileName, doc);
	if (ret < 0) {
		if (doc && !existed)
			unlink(lpFileName);
		close(fd);
		return fail_handle(ret);
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		struct w32_object tmp = { .kind = W32_FILE, .fd = fd };

		mmf__w32_file_release(&tmp);
		close(fd);
		return fail_handle(ENOMEM);
	}
	obj->kind = W32_FILE;
	obj->fd = fd;
	obj->inherit = inherit;
	obj->rights = (rd ? MMF_MAP_READ : 0) | (wr ? MMF_MAP_WRITE : 0);
	if (append)
		obj->flags |= W32_F_APPEND;
	if (dwFlagsAndAttributes & FILE_FLAG_OVERLAPPED)
		obj->flags |= W32_F_OVERLAPPED;
	if (dwFlagsAndAttributes & FILE_FLAG_NO_BUFFERING)
		obj->flags |= W32_F_NO_BUFFERING;
	h = mmf__w32_insert(obj);	/* releases and closes on failure */
	if (!h)
		return fail_handle(ENOMEM);
	/* Windows reports an existing file for the two "always" dispositions. */
	mmf__win32_set(existed && create ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

/* NTSTATUS values an OVERLAPPED's Internal holds after the I/O. */
#define W32_STATUS_SUCCESS	0x00000000u
#define W32_STATUS_PENDING	0x00000103u
#define W32_STATUS_UNSUCCESSFUL	0xC0000001u
#define W32_STATUS_END_OF_FILE	0xC0000011u

/*
 * ReadFile and WriteFile: loop until all is done, end of file or an error.
 * With an OVERLAPPED the I/O is at its Offset (WriteFile at 0xFFFFFFFF:
 * 0xFFFFFFFF appends) and completes here; a synchronous handle's file
 * pointer then moves past it, as on Windows.
 */
static BOOL transfer(HANDLE h, void *buf, DWORD n, LPDWORD done, LPOVERLAPPED ov, int write_)
{
	struct w32_object *f;
	DWORD total = 0, err = ERROR_SUCCESS;
	int64_t pos = -1;
	int append = 0;

	if (done)
		*done = 0;
	if ((!ov && !done) || (!buf && n))
		return mmf__win32_fail(EINVAL);
	f = mmf__w32_get(h, W32_FILE);
	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!(f->rights & (write_ ? MMF_MAP_WRITE : MMF_MAP_READ)) &&
	    !(write_ && (f->flags & W32_F_APPEND))) {
		err = ERROR_ACCESS_DENIED;
	} else if (!ov && (f->flags & W32_F_OVERLAPPED)) {
		/* An overlapped handle has no file pointer: the offset is required. */
		err = ERROR_INVALID_PARAMETER;
	} else if (ov && ov->hEvent) {
		/* There are no event objects: no handle names one. */
		err = ERROR_INVALID_HANDLE;
	} else if (ov) {
		pos = (int64_t)(((uint64_t)ov->OffsetHigh << 32) | ov->Offset);
		if (write_ && ((ov->Offset == 0xFFFFFFFFu && ov->OffsetHigh == 0xFFFFFFFFu) ||
			       (f->flags & W32_F_APPEND)))
			append = 1;
		else if (pos < 0)
			err = ERROR_INVALID_PARAMETER;
	}
	if (!err && append) {
		struct stat st;

		if (fstat(f->fd, &st) < 0)
			err = mmf__win32_error(errno);
		else
			pos = st.st_size;
	}
	if (!err && (f->flags & W32_F_NO_BUFFERING)) {
		/* Sector-aligned buffer, size and position, or Windows refuses. */
		int64_t at = ov ? pos : (int64_t)lseek(f->fd, 0, SEEK_CUR);

		if ((uintptr_t)buf % W32_SECTOR || n % W32_SECTOR || at < 0 || at % W32_SECTOR)
			err = ERROR_INVALID_PARAMETER;
	}
	while (!err && total < n) {
		ssize_t r;

		if (ov)
			r = write_ ? pwrite(f->fd, (const char *)buf + total, n - total,
					    (off_t)(pos + total))
				   : pread(f->fd, (char *)buf + total, n - total,
					   (off_t)(pos + total));
		else
			r = write_ ? write(f->fd, (const char *)buf + total, n - total)
				   : read(f->fd, (char *)buf + total, n - total);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = mmf__win32_error(errno);
			break;
		}
		if (r == 0)
			break;
		total += (DWORD)r;
	}
	if (ov && pos >= 0 && !(f->flags & W32_F_OVERLAPPED) && (!err || total))
		lseek(f->fd, (off_t)(pos + total), SEEK_SET);
	mmf__w32_put(f);
	if (done)
		*done = total;
	if (ov) {
		/* Reading at or past the end with an OVERLAPPED is an error on Windows. */
		if (!err && !write_ && n && !total)
			err = ERROR_HANDLE_EOF;
		ov->Internal = err == ERROR_SUCCESS ? W32_STATUS_SUCCESS :
			       err == ERROR_HANDLE_EOF ? W32_STATUS_END_OF_FILE :
							 W32_STATUS_UNSUCCESSFUL;
		ov->InternalHigh = total;
	}
	if (err) {
		mmf__win32_set(err);
		return FALSE;
	}
	return TRUE;
}

MMF_EXPORT BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
				LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped)
{
	return transfer(hFile, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead,
			lpOverlapped, 0);
}

MMF_EXPORT BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
				 LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped)
{
	return transfer(hFile, (void *)(uintptr_t)lpBuffer, nNumberOfBytesToWrite,
			lpNumberOfBytesWritten, lpOverlapped, 1);
}

MMF_EXPORT BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped,
					   LPDWORD lpNumberOfBytesTransferred, BOOL bWait)
{
	struct w32_object *f = mmf__w32_get(hFile, W32_FILE);

	(void)bWait;	/* every I/O has completed when ReadFile/WriteFile return */
	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	mmf__w32_put(f);
	if (!lpOverlapped || !lpNumberOfBytesTransferred) {
		mmf__win32_set(ERROR_NOACCESS);
		return FALSE;
	}
	if (lpOverlapped->Internal == W32_STATUS_PENDING) {
		mmf__win32_set(ERROR_IO_INCOMPLETE);
		return FALSE;
	}
	*lpNumberOfBytesTransferred = (DWORD)lpOverlapped->InternalHigh;
	switch (lpOverlapped->Internal) {
	case W32_STATUS_SUCCESS:
		return TRUE;
	case W32_STATUS_END_OF_FILE:
		mmf__win32_set(ERROR_HANDLE_EOF);
		return FALSE;
	default:
		mmf__win32_set(ERROR_GEN_FAILURE);
		return FALSE;
	}
}

/* The file's size, or -errno. */
static int file_size_of(HANDLE h, uint64_t *size)
{
	struct w32_object *f = mmf__w32_get(h, W32_FILE);
	struct stat st;
	int ret;

	if (!f)
		return -EBADF;
	ret = fstat(f->fd, &st) < 0 ? -errno : 0;
	mmf__w32_put(f);
	if (!ret)
		*size = (uint64_t)st.st_size;
	return ret;
}

MMF_EXPORT DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh)
{
	uint64_t size;
	int ret = file_size_of(hFile, &size);

	if (ret < 0) {
		mmf__win32_fail(ret);
		return INVALID_FILE_SIZE;
	}
	if (lpFileSizeHigh)
		*lpFileSizeHigh = (DWORD)(size >> 32);
	/* A size whose low part is INVALID_FILE_SIZE is told apart by the error. */
	mmf__win32_set(ERROR_SUCCESS);
	return (DWORD)size;
}

MMF_EXPORT BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize)
{
	uint64_t size;
	int ret = file_size_of(hFile, &size);

	if (ret < 0)
		return mmf__win32_fail(ret);
	if (!lpFileSize) {
		mmf__win32_set(ERROR_NOACCESS);
		return FALSE;
	}
	lpFileSize->QuadPart = (LONGLONG)size;
	return TRUE;
}

/*
 * SetFilePointer(Ex): move by dist; the new position, or a Win32 error.
 * Windows refuses a negative position before moving anything.
 */
static DWORD seek(HANDLE h, int64_t dist, DWORD method, int64_t *newpos)
{
	struct w32_object *f;
	int64_t base;
	off_t pos;
	DWORD err = ERROR_SUCCESS;

	if (method > FILE_END)
		return ERROR_INVALID_PARAMETER;
	f = mmf__w32_get(h, W32_FILE);
	if (!f)
		return ERROR_INVALID_HANDLE;
	if (method == FILE_BEGIN) {
		base = 0;
	} else if (method == FILE_CURRENT) {
		base = lseek(f->fd, 0, SEEK_CUR);
	} else {
		struct stat st;

		base = fstat(f->fd, &st) < 0 ? -1 : st.st_size;
	}
	if (base < 0) {
		err = mmf__win32_error(errno);
	} else if (dist < 0 && base + dist < 0) {
		err = ERROR_NEGATIVE_SEEK;
	} else if (dist > 0 && base > INT64_MAX - dist) {
		err = ERROR_INVALID_PARAMETER;
	} else {
		pos = lseek(f->fd, (off_t)(base + dist), SEEK_SET);
		if (pos < 0)
			err = mmf__win32_error(errno);
		else
			*newpos = pos;
	}
	mmf__w32_put(f);
	return err;
}

MMF_EXPORT DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove,
				       PLONG lpDistanceToMoveHigh, DWORD dwMoveMethod)
{
	int64_t dist, pos = 0;
	DWORD err;

	if (lpDistanceToMoveHigh)
		dist = (int64_t)(((uint64_t)(uint32_t)*lpDistanceToMoveHigh << 32) |
				 (uint32_t)lDistanceToMove);
	else
		dist = lDistanceToMove;
	err = seek(hFile, dist, dwMoveMethod, &pos);
	if (err) {
		mmf__win32_set(err);
		return INVALID_SET_FILE_POINTER;
	}
	if (lpDistanceToMoveHigh)
		*lpDistanceToMoveHigh = (LONG)((uint64_t)pos >> 32);
	mmf__win32_set(ERROR_SUCCESS);
	return (DWORD)pos;
}

MMF_EXPORT BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove,
					PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod)
{
	int64_t pos = 0;
	DWORD err = seek(hFile, liDistanceToMove.QuadPart, dwMoveMethod, &pos);

	if (err) {
		mmf__win32_set(err);
		return FALSE;
	}
	if (lpNewFilePointer)
		lpNewFilePointer->QuadPart = pos;
	return TRUE;
}

MMF_EXPORT BOOL WINAPI SetEndOfFile(HANDLE hFile)
{
	struct w32_object *f = mmf__w32_get(hFile, W32_FILE);
	struct stat st;
	off_t pos;
	int err = 0;

	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!(f->rights & MMF_MAP_WRITE)) {
		err = EACCES;
	} else if ((pos = lseek(f->fd, 0, SEEK_CUR)) < 0 || fstat(f->fd, &st) < 0) {
		err = errno;
	} else if (pos < st.st_size && has_sections(f->fd)) {
		/* A section of the file exists (views or not): Windows refuses. */
		mmf__w32_put(f);
		mmf__win32_set(ERROR_USER_MAPPED_FILE);
		return FALSE;
	} else if (ftruncate(f->fd, pos) < 0) {
		err = errno;
	}
	mmf__w32_put(f);
	if (err)
		return mmf__win32_fail(err);
	return TRUE;
}

MMF_EXPORT BOOL WINAPI FlushFileBuffers(HANDLE hFile)
{
	struct w32_object *f = mmf__w32_get(hFile, W32_FILE);
	int err = 0;

	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!(f->rights & MMF_MAP_WRITE) && !(f->flags & W32_F_APPEND))
		err = EACCES;
	else if (fsync(f->fd) < 0)
		err = errno;
	mmf__w32_put(f);
	if (err)
		return mmf__win32_fail(err);
	return TRUE;
}

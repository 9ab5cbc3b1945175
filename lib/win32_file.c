// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 file calls on a Linux fd: CreateFileA, ReadFile, WriteFile,
 * GetFileSize, SetFilePointer, SetEndOfFile, FlushFileBuffers.  Overlapped
 * I/O is not supported.  Shrinking a file that has views fails with
 * ERROR_USER_MAPPED_FILE, as on Windows (MMF_IOC_FILE_MAPPED tells).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Any view of the file? Without the module there can be none. */
static int has_views(int fd)
{
	uint64_t views = 0;

	return mmf_file_mapped(fd, NULL, &views) == 0 && views > 0;
}

MMF_EXPORT HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess,
				     DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes,
				     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
				     HANDLE hTemplateFile)
{
	int rd = !!(dwDesiredAccess & (GENERIC_READ | GENERIC_ALL | 0x1u));
	int wr = !!(dwDesiredAccess & (GENERIC_WRITE | GENERIC_ALL | 0x2u | 0x4u));
	int flags = O_CLOEXEC, create = 0, truncate = 0, existed = 1, fd;
	mode_t mode = (dwFlagsAndAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666;
	struct w32_object *obj;
	struct stat st;
	HANDLE h;

	(void)lpSecurityAttributes;
	(void)hTemplateFile;
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
		break;
	case OPEN_ALWAYS:
		create = 1;
		break;
	case TRUNCATE_EXISTING:
		if (!wr)
			return fail_handle(EINVAL);
		truncate = 1;
		break;
	default:
		return fail_handle(EINVAL);
	}
	if (rd && wr)
		flags |= O_RDWR;
	else if (wr)
		flags |= O_WRONLY;
	else if (rd || dwCreationDisposition != OPEN_EXISTING)
		flags |= O_RDONLY;
	else
		flags |= O_PATH;	/* no data access: attributes only */
	if (dwFlagsAndAttributes & FILE_FLAG_WRITE_THROUGH)
		flags |= O_DSYNC;

	/* Open first, create only if missing, so we know whether it existed. */
	for (;;) {
		fd = open(lpFileName, flags, mode);
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
	if (truncate && existed && st.st_size > 0) {
		if (has_views(fd)) {
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
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		close(fd);
		return fail_handle(ENOMEM);
	}
	obj->kind = W32_FILE;
	obj->fd = fd;
	obj->rights = (rd ? MMF_MAP_READ : 0) | (wr ? MMF_MAP_WRITE : 0);
	h = mmf__w32_insert(obj);
	if (!h)
		return fail_handle(ENOMEM);
	/* Windows reports an existing file for the two "always" dispositions. */
	mmf__win32_set(existed && create ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

MMF_EXPORT DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh)
{
	struct w32_object *f = mmf__w32_get(hFile, W32_FILE);
	struct stat st;
	int ret;

	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return INVALID_FILE_SIZE;
	}
	ret = fstat(f->fd, &st) < 0 ? -errno : 0;
	mmf__w32_put(f);
	if (ret < 0) {
		mmf__win32_fail(ret);
		return INVALID_FILE_SIZE;
	}
	if (lpFileSizeHigh)
		*lpFileSizeHigh = (DWORD)((uint64_t)st.st_size >> 32);
	/* A size whose low part is INVALID_FILE_SIZE is told apart by the error. */
	mmf__win32_set(ERROR_SUCCESS);
	return (DWORD)st.st_size;
}

/* ReadFile and WriteFile: loop until all is done, end of file or an error. */
static BOOL transfer(HANDLE h, void *buf, DWORD n, LPDWORD done, LPOVERLAPPED ov, int write_)
{
	struct w32_object *f;
	DWORD total = 0;
	BOOL ok = TRUE;

	if (ov || !done || (!buf && n))
		return mmf__win32_fail(EINVAL);
	*done = 0;
	f = mmf__w32_get(h, W32_FILE);
	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!(f->rights & (write_ ? MMF_MAP_WRITE : MMF_MAP_READ))) {
		mmf__w32_put(f);
		return mmf__win32_fail(EACCES);
	}
	while (total < n) {
		ssize_t r = write_ ? write(f->fd, (const char *)buf + total, n - total)
				   : read(f->fd, (char *)buf + total, n - total);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ok = mmf__win32_fail(errno);
			break;
		}
		if (r == 0)
			break;
		total += (DWORD)r;
	}
	mmf__w32_put(f);
	*done = total;
	return ok;
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

MMF_EXPORT DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove,
				       PLONG lpDistanceToMoveHigh, DWORD dwMoveMethod)
{
	struct w32_object *f;
	int64_t dist;
	off_t pos;
	int whence;

	switch (dwMoveMethod) {
	case FILE_BEGIN:
		whence = SEEK_SET;
		break;
	case FILE_CURRENT:
		whence = SEEK_CUR;
		break;
	case FILE_END:
		whence = SEEK_END;
		break;
	default:
		mmf__win32_set(ERROR_INVALID_PARAMETER);
		return INVALID_SET_FILE_POINTER;
	}
	if (lpDistanceToMoveHigh)
		dist = (int64_t)(((uint64_t)(uint32_t)*lpDistanceToMoveHigh << 32) |
				 (uint32_t)lDistanceToMove);
	else
		dist = lDistanceToMove;
	f = mmf__w32_get(hFile, W32_FILE);
	if (!f) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return INVALID_SET_FILE_POINTER;
	}
	/* Windows refuses a negative position before moving anything. */
	if (whence == SEEK_SET) {
		pos = 0;
	} else if (whence == SEEK_CUR) {
		pos = lseek(f->fd, 0, SEEK_CUR);
	} else {
		struct stat st;

		pos = fstat(f->fd, &st) < 0 ? -1 : st.st_size;
	}
	if (pos >= 0 && dist < 0 && pos + dist < 0) {
		mmf__w32_put(f);
		mmf__win32_set(ERROR_NEGATIVE_SEEK);
		return INVALID_SET_FILE_POINTER;
	}
	if (pos >= 0)
		pos = lseek(f->fd, pos + dist, SEEK_SET);
	if (pos < 0) {
		int err = errno;

		mmf__w32_put(f);
		mmf__win32_fail(err);
		return INVALID_SET_FILE_POINTER;
	}
	mmf__w32_put(f);
	if (lpDistanceToMoveHigh)
		*lpDistanceToMoveHigh = (LONG)((uint64_t)pos >> 32);
	mmf__win32_set(ERROR_SUCCESS);
	return (DWORD)pos;
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
	} else if (pos < st.st_size && has_views(f->fd)) {
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
	if (!(f->rights & MMF_MAP_WRITE))
		err = EACCES;
	else if (fsync(f->fd) < 0)
		err = errno;
	mmf__w32_put(f);
	if (err)
		return mmf__win32_fail(err);
	return TRUE;
}

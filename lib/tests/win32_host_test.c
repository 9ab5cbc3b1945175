// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the Win32 layer: the errno -> Win32 error mapping,
 * the per-thread last error, the handle table, the file calls (on a
 * temporary directory, read back with read(2)), and the checks of the
 * mapping calls that are decided before the module is asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <mmf/win32.h>

#include "internal.h"

TEST(errno_maps_to_win32_errors)
{
	static const struct { int err; DWORD code; } table[] = {
		{ 0, ERROR_SUCCESS }, { EPERM, ERROR_ACCESS_DENIED },
		{ EACCES, ERROR_ACCESS_DENIED }, { EISDIR, ERROR_ACCESS_DENIED },
		{ ENOENT, ERROR_FILE_NOT_FOUND }, { ENOTDIR, ERROR_PATH_NOT_FOUND },
		{ EIO, ERROR_IO_DEVICE }, { ENXIO, ERROR_DEVICE_NOT_AVAILABLE },
		{ EBADF, ERROR_INVALID_HANDLE }, { EBADFD, ERROR_INVALID_HANDLE },
		{ ENOMEM, ERROR_NOT_ENOUGH_MEMORY }, { EFAULT, ERROR_NOACCESS },
		{ EBUSY, ERROR_BUSY }, { EAGAIN, ERROR_BUSY },
		{ EEXIST, ERROR_ALREADY_EXISTS }, { ENODEV, ERROR_INVALID_FUNCTION },
		{ ENOTTY, ERROR_INVALID_FUNCTION }, { EINVAL, ERROR_INVALID_PARAMETER },
		{ E2BIG, ERROR_INVALID_PARAMETER }, { ENFILE, ERROR_TOO_MANY_OPEN_FILES },
		{ EMFILE, ERROR_TOO_MANY_OPEN_FILES }, { ETXTBSY, ERROR_SHARING_VIOLATION },
		{ EFBIG, ERROR_FILE_TOO_LARGE }, { ENOSPC, ERROR_DISK_FULL },
		{ EDQUOT, ERROR_DISK_FULL }, { ESPIPE, ERROR_SEEK_ON_DEVICE },
		{ EROFS, ERROR_WRITE_PROTECT }, { EPIPE, ERROR_BROKEN_PIPE },
		{ ENAMETOOLONG, ERROR_FILENAME_EXCED_RANGE },
		{ ELOOP, ERROR_CANT_RESOLVE_FILENAME }, { ENOSYS, ERROR_CALL_NOT_IMPLEMENTED },
		{ EOPNOTSUPP, ERROR_NOT_SUPPORTED }, { EOVERFLOW, ERROR_ARITHMETIC_OVERFLOW },
		{ EINTR, ERROR_OPERATION_ABORTED }, { EHOSTDOWN, ERROR_GEN_FAILURE },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		EXPECT_EQ(table[i].code, mmf__win32_error(table[i].err)) {
			TH_LOG("errno %d", table[i].err);
		}
		/* Either sign: the native API returns negative values. */
		EXPECT_EQ(table[i].code, mmf__win32_error(-table[i].err));
	}
}

static void *set_in_thread(void *arg)
{
	DWORD *seen = arg;

	seen[0] = GetLastError();	/* a new thread starts at 0 */
	SetLastError(1234);
	seen[1] = GetLastError();
	return NULL;
}

TEST(last_error_is_per_thread)
{
	DWORD seen[2];
	pthread_t t;

	SetLastError(ERROR_MAPPED_ALIGNMENT);
	ASSERT_EQ(0, pthread_create(&t, NULL, set_in_thread, seen));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, seen[0]);
	EXPECT_EQ(1234, seen[1]);
	EXPECT_EQ(ERROR_MAPPED_ALIGNMENT, GetLastError());
}

TEST(system_info_has_64k_granularity)
{
	SYSTEM_INFO si;

	memset(&si, 0xff, sizeof(si));
	GetSystemInfo(&si);
	EXPECT_EQ(65536, si.dwAllocationGranularity);
	EXPECT_EQ((DWORD)sysconf(_SC_PAGESIZE), si.dwPageSize);
	EXPECT_LE(1, si.dwNumberOfProcessors);
	EXPECT_NE(0, si.dwActiveProcessorMask);
	EXPECT_EQ(65536, (uintptr_t)si.lpMinimumApplicationAddress);
}

TEST(bad_handles_are_error_invalid_handle)
{
	DWORD n;
	char buf[4];

	SetLastError(0);
	EXPECT_FALSE(CloseHandle(NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_FALSE(CloseHandle(INVALID_HANDLE_VALUE));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_FALSE(CloseHandle((HANDLE)(uintptr_t)0x7fff0));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_FALSE(ReadFile((HANDLE)(uintptr_t)8, buf, 4, &n, NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile((HANDLE)(uintptr_t)12, FILE_MAP_READ, 0, 0, 0));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_EQ(NULL, CreateFileMappingA((HANDLE)(uintptr_t)12, NULL, PAGE_READONLY, 0, 0, NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	SetLastError(0);
	EXPECT_EQ(INVALID_FILE_SIZE, GetFileSize(NULL, NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
}

FIXTURE(files) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(files)
{
	strcpy(self->dir, "/tmp/mmf-w32-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
}

FIXTURE_TEARDOWN(files)
{
	unlink(self->path);
	rmdir(self->dir);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

TEST_F(files, create_dispositions_and_errors)
{
	char missing[160];
	HANDLE h;

	SetLastError(99);
	h = CreateFileA(self->path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
	snprintf(missing, sizeof(missing), "%s/no/such", self->dir);
	h = CreateFileA(missing, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_PATH_NOT_FOUND, GetLastError());

	/* OPEN_ALWAYS: new file, last error 0; again: ERROR_ALREADY_EXISTS. */
	SetLastError(99);
	h = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
			OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(0, GetLastError());
	EXPECT_TRUE(CloseHandle(h));
	EXPECT_FALSE(CloseHandle(h));	/* closed handles are invalid */
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	h = CreateFileA(self->path, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	CloseHandle(h);

	h = CreateFileA(self->path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_FILE_EXISTS, GetLastError());
	h = CreateFileA(self->path, GENERIC_READ, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	h = CreateFileA(self->path, GENERIC_READ, 0, NULL, 9, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	h = CreateFileA(self->dir, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	h = CreateFileA(NULL, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_PATH_NOT_FOUND, GetLastError());
}

TEST_F(files, read_write_seek_truncate)
{
	char buf[32] = { 0 };
	DWORD n = 77;
	LONG high;
	int fd;
	OVERLAPPED ov = { .Offset = 7 };
	HANDLE h = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
			       0, NULL);

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	ASSERT_TRUE(WriteFile(h, "hello, world", 12, &n, NULL));
	EXPECT_EQ(12, n);
	/* The bytes are in the file, as read(2) sees it. */
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(12, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello, world", 12));
	close(fd);

	EXPECT_EQ(7, SetFilePointer(h, 7, NULL, FILE_BEGIN));
	memset(buf, 0, sizeof(buf));
	ASSERT_TRUE(ReadFile(h, buf, sizeof(buf), &n, NULL));
	EXPECT_EQ(5, n);
	EXPECT_STREQ("world", buf);
	ASSERT_TRUE(ReadFile(h, buf, sizeof(buf), &n, NULL));	/* end of file */
	EXPECT_EQ(0, n);
	/* With an OVERLAPPED the read is at its offset (issue 11). */
	memset(buf, 0, sizeof(buf));
	EXPECT_TRUE(ReadFile(h, buf, 5, &n, &ov));
	EXPECT_STREQ("world", buf);

	EXPECT_EQ(INVALID_SET_FILE_POINTER, SetFilePointer(h, -13, NULL, FILE_END));
	EXPECT_EQ(ERROR_NEGATIVE_SEEK, GetLastError());
	EXPECT_EQ(10, SetFilePointer(h, -2, NULL, FILE_END));
	EXPECT_EQ(INVALID_SET_FILE_POINTER, SetFilePointer(h, 0, NULL, 7));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(5, SetFilePointer(h, -5, NULL, FILE_CURRENT));
	EXPECT_TRUE(SetEndOfFile(h));
	EXPECT_EQ(5, file_size(self->path));
	EXPECT_EQ(5, GetFileSize(h, NULL));

	/* 64-bit positions: grow a sparse file past 4 GiB. */
	high = 1;
	EXPECT_EQ(16, SetFilePointer(h, 16, &high, FILE_BEGIN));
	EXPECT_EQ(1, high);
	EXPECT_TRUE(SetEndOfFile(h));
	n = 0;
	EXPECT_EQ(16, GetFileSize(h, &n));
	EXPECT_EQ(1, n);
	EXPECT_TRUE(FlushFileBuffers(h));
	EXPECT_TRUE(CloseHandle(h));

	/* A read-only handle may not write, truncate or flush. */
	h = CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
			OPEN_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_FALSE(WriteFile(h, "x", 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_FALSE(SetEndOfFile(h));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_FALSE(FlushFileBuffers(h));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	CloseHandle(h);

	/* TRUNCATE_EXISTING empties it. */
	h = CreateFileA(self->path, GENERIC_WRITE, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(0, file_size(self->path));
	EXPECT_FALSE(ReadFile(h, buf, 1, &n, NULL));	/* write-only */
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	CloseHandle(h);
}

TEST_F(files, mapping_checks_before_the_module)
{
	HANDLE f = CreateFileA(self->path, GENERIC_READ, 0, NULL, CREATE_ALWAYS, 0, NULL);

	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	/* Unknown protection and attribute bits. */
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, 0x01, 0, 4096, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READONLY | 0x100000, 0, 4096, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	/* A paging-file section needs a size. */
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	/* PAGE_READWRITE on a handle without GENERIC_WRITE. */
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 4096, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	/* A mapping handle is not a file and the other way round. */
	EXPECT_EQ(NULL, MapViewOfFile(f, FILE_MAP_READ, 0, 0, 0));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_EQ(NULL, OpenFileMappingA(FILE_MAP_READ, FALSE, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	/* No view here: both calls that take an address say so. */
	EXPECT_FALSE(UnmapViewOfFile(self));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	if (access(MMF_DEVICE_PATH, F_OK) != 0) {
		EXPECT_FALSE(FlushViewOfFile(self, 1));
		EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	}
	CloseHandle(f);
}

TEST_HARNESS_MAIN

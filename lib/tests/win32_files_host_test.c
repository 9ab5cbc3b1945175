// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the Win32 layer's file half of issue 11 (no module
 * needed): the SDK constants' values, UTF-16 names, the generic names
 * under UNICODE, GetFileSizeEx/SetFilePointerEx, ReadFile/WriteFile with
 * an OVERLAPPED, FILE_FLAG_NO_BUFFERING's alignment, FILE_FLAG_DELETE_ON_CLOSE,
 * the flags that are refused, and DuplicateHandle on file handles.  Each
 * assertion is Windows' answer as Wine's kernel32 conformance tests record
 * it (file.c, virtual.c) or as Windows documents it; files are read back
 * with read(2) and stat(2).
 */
#define UNICODE		/* the generic names are the W calls here */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <mmf/win32.h>

#include "win32_handle.h"

TEST(header_constants_have_windows_values)
{
	/* The SDK's values (winnt.h, winbase.h, winerror.h, fileapi.h). */
	static const struct { const char *name; unsigned long long have, want; } c[] = {
#define C(n, v) { #n, (unsigned long long)(n), (unsigned long long)(v) }
		C(PAGE_NOACCESS, 0x01), C(PAGE_READONLY, 0x02), C(PAGE_READWRITE, 0x04),
		C(PAGE_WRITECOPY, 0x08), C(PAGE_EXECUTE, 0x10), C(PAGE_EXECUTE_READ, 0x20),
		C(PAGE_EXECUTE_READWRITE, 0x40), C(PAGE_EXECUTE_WRITECOPY, 0x80),
		C(PAGE_GUARD, 0x100), C(PAGE_NOCACHE, 0x200), C(PAGE_WRITECOMBINE, 0x400),
		C(SEC_FILE, 0x800000), C(SEC_IMAGE, 0x1000000), C(SEC_PROTECTED_IMAGE, 0x2000000),
		C(SEC_RESERVE, 0x4000000), C(SEC_COMMIT, 0x8000000), C(SEC_NOCACHE, 0x10000000),
		C(SEC_WRITECOMBINE, 0x40000000), C(SEC_LARGE_PAGES, 0x80000000),
		C(SEC_IMAGE_NO_EXECUTE, 0x11000000),
		C(SECTION_QUERY, 1), C(SECTION_MAP_WRITE, 2), C(SECTION_MAP_READ, 4),
		C(SECTION_MAP_EXECUTE, 8), C(SECTION_EXTEND_SIZE, 0x10),
		C(SECTION_MAP_EXECUTE_EXPLICIT, 0x20), C(SECTION_ALL_ACCESS, 0xF001F),
		C(FILE_MAP_COPY, 1), C(FILE_MAP_WRITE, 2), C(FILE_MAP_READ, 4),
		C(FILE_MAP_ALL_ACCESS, 0xF001F), C(FILE_MAP_EXECUTE, 0x20),
		C(FILE_MAP_LARGE_PAGES, 0x20000000), C(FILE_MAP_TARGETS_INVALID, 0x40000000),
		C(FILE_MAP_RESERVE, 0x80000000),
		C(MEM_COMMIT, 0x1000), C(MEM_RESERVE, 0x2000), C(MEM_DECOMMIT, 0x4000),
		C(MEM_RELEASE, 0x8000), C(MEM_FREE, 0x10000), C(MEM_PRIVATE, 0x20000),
		C(MEM_MAPPED, 0x40000), C(MEM_RESET, 0x80000), C(MEM_TOP_DOWN, 0x100000),
		C(MEM_WRITE_WATCH, 0x200000), C(MEM_PHYSICAL, 0x400000),
		C(MEM_RESET_UNDO, 0x1000000), C(MEM_IMAGE, 0x1000000),
		C(MEM_LARGE_PAGES, 0x20000000),
		C(FILE_FLAG_WRITE_THROUGH, 0x80000000), C(FILE_FLAG_OVERLAPPED, 0x40000000),
		C(FILE_FLAG_NO_BUFFERING, 0x20000000), C(FILE_FLAG_RANDOM_ACCESS, 0x10000000),
		C(FILE_FLAG_SEQUENTIAL_SCAN, 0x08000000), C(FILE_FLAG_DELETE_ON_CLOSE, 0x04000000),
		C(FILE_FLAG_BACKUP_SEMANTICS, 0x02000000), C(FILE_FLAG_POSIX_SEMANTICS, 0x01000000),
		C(FILE_FLAG_SESSION_AWARE, 0x00800000), C(FILE_FLAG_OPEN_REPARSE_POINT, 0x00200000),
		C(FILE_FLAG_OPEN_NO_RECALL, 0x00100000),
		C(FILE_FLAG_FIRST_PIPE_INSTANCE, 0x00080000),
		C(FILE_ATTRIBUTE_READONLY, 1), C(FILE_ATTRIBUTE_HIDDEN, 2),
		C(FILE_ATTRIBUTE_SYSTEM, 4), C(FILE_ATTRIBUTE_DIRECTORY, 0x10),
		C(FILE_ATTRIBUTE_ARCHIVE, 0x20), C(FILE_ATTRIBUTE_DEVICE, 0x40),
		C(FILE_ATTRIBUTE_NORMAL, 0x80), C(FILE_ATTRIBUTE_TEMPORARY, 0x100),
		C(FILE_ATTRIBUTE_SPARSE_FILE, 0x200), C(FILE_ATTRIBUTE_REPARSE_POINT, 0x400),
		C(FILE_ATTRIBUTE_COMPRESSED, 0x800), C(FILE_ATTRIBUTE_OFFLINE, 0x1000),
		C(FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, 0x2000),
		C(FILE_ATTRIBUTE_ENCRYPTED, 0x4000),
		C(GENERIC_READ, 0x80000000), C(GENERIC_WRITE, 0x40000000),
		C(GENERIC_EXECUTE, 0x20000000), C(GENERIC_ALL, 0x10000000),
		C(DELETE, 0x10000), C(READ_CONTROL, 0x20000), C(WRITE_DAC, 0x40000),
		C(WRITE_OWNER, 0x80000), C(SYNCHRONIZE, 0x100000),
		C(STANDARD_RIGHTS_REQUIRED, 0xF0000), C(STANDARD_RIGHTS_ALL, 0x1F0000),
		C(FILE_READ_DATA, 1), C(FILE_WRITE_DATA, 2), C(FILE_APPEND_DATA, 4),
		C(FILE_GENERIC_READ, 0x120089), C(FILE_GENERIC_WRITE, 0x120116),
		C(FILE_GENERIC_EXECUTE, 0x1200A0), C(FILE_ALL_ACCESS, 0x1F01FF),
		C(FILE_SHARE_READ, 1), C(FILE_SHARE_WRITE, 2), C(FILE_SHARE_DELETE, 4),
		C(CREATE_NEW, 1), C(CREATE_ALWAYS, 2), C(OPEN_EXISTING, 3), C(OPEN_ALWAYS, 4),
		C(TRUNCATE_EXISTING, 5), C(FILE_BEGIN, 0), C(FILE_CURRENT, 1), C(FILE_END, 2),
		C(DUPLICATE_CLOSE_SOURCE, 1), C(DUPLICATE_SAME_ACCESS, 2),
		C(INVALID_FILE_SIZE, 0xFFFFFFFF), C(INVALID_SET_FILE_POINTER, 0xFFFFFFFF),
		C(INVALID_FILE_ATTRIBUTES, 0xFFFFFFFF),
		C(ERROR_SUCCESS, 0), C(ERROR_INVALID_FUNCTION, 1), C(ERROR_FILE_NOT_FOUND, 2),
		C(ERROR_PATH_NOT_FOUND, 3), C(ERROR_TOO_MANY_OPEN_FILES, 4),
		C(ERROR_ACCESS_DENIED, 5), C(ERROR_INVALID_HANDLE, 6),
		C(ERROR_NOT_ENOUGH_MEMORY, 8), C(ERROR_BAD_FORMAT, 11), C(ERROR_INVALID_DATA, 13),
		C(ERROR_OUTOFMEMORY, 14), C(ERROR_WRITE_PROTECT, 19), C(ERROR_NOT_READY, 21),
		C(ERROR_WRITE_FAULT, 29), C(ERROR_READ_FAULT, 30), C(ERROR_GEN_FAILURE, 31),
		C(ERROR_SHARING_VIOLATION, 32), C(ERROR_LOCK_VIOLATION, 33),
		C(ERROR_HANDLE_EOF, 38), C(ERROR_NOT_SUPPORTED, 50), C(ERROR_FILE_EXISTS, 80),
		C(ERROR_INVALID_PARAMETER, 87), C(ERROR_BROKEN_PIPE, 109), C(ERROR_DISK_FULL, 112),
		C(ERROR_CALL_NOT_IMPLEMENTED, 120), C(ERROR_INSUFFICIENT_BUFFER, 122),
		C(ERROR_INVALID_NAME, 123), C(ERROR_NEGATIVE_SEEK, 131),
		C(ERROR_SEEK_ON_DEVICE, 132), C(ERROR_DIR_NOT_EMPTY, 145), C(ERROR_BUSY, 170),
		C(ERROR_ALREADY_EXISTS, 183), C(ERROR_BAD_EXE_FORMAT, 193),
		C(ERROR_FILENAME_EXCED_RANGE, 206), C(ERROR_FILE_TOO_LARGE, 223),
		C(ERROR_DIRECTORY, 267), C(ERROR_INVALID_ADDRESS, 487),
		C(ERROR_ARITHMETIC_OVERFLOW, 534), C(ERROR_OPERATION_ABORTED, 995),
		C(ERROR_IO_INCOMPLETE, 996), C(ERROR_IO_PENDING, 997), C(ERROR_NOACCESS, 998),
		C(ERROR_INVALID_FLAGS, 1004), C(ERROR_FILE_INVALID, 1006),
		C(ERROR_NO_UNICODE_TRANSLATION, 1113), C(ERROR_IO_DEVICE, 1117),
		C(ERROR_MAPPED_ALIGNMENT, 1132), C(ERROR_USER_MAPPED_FILE, 1224),
		C(ERROR_PRIVILEGE_NOT_HELD, 1314), C(ERROR_COMMITMENT_LIMIT, 1455),
		C(ERROR_CANT_RESOLVE_FILENAME, 1921), C(ERROR_DEVICE_NOT_AVAILABLE, 4319),
#undef C
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *name = c[i].name ? c[i].name : "?";

		EXPECT_EQ(c[i].want, c[i].have) {
			TH_LOG("%s", name);
		}
	}
	EXPECT_EQ((uintptr_t)-1, (uintptr_t)INVALID_HANDLE_VALUE);
	/* The SDK's sizes and layouts. */
	EXPECT_EQ(8, sizeof(LARGE_INTEGER));
	EXPECT_EQ(2, sizeof(WCHAR));
	EXPECT_EQ(4, sizeof(DWORD));
	EXPECT_EQ(2 * sizeof(void *) + 8 + sizeof(void *), sizeof(OVERLAPPED));
	EXPECT_EQ(2 * sizeof(void *), offsetof(OVERLAPPED, Offset));
	EXPECT_EQ(2 * sizeof(void *) + 4, offsetof(OVERLAPPED, OffsetHigh));
}

TEST(large_integer_parts)
{
	LARGE_INTEGER li;

	li.QuadPart = 0x123456789abcdef0ll;
	EXPECT_EQ(0x9abcdef0u, li.LowPart);
	EXPECT_EQ(0x12345678, li.HighPart);
	EXPECT_EQ(0x9abcdef0u, li.u.LowPart);
	EXPECT_EQ(0x12345678, li.u.HighPart);
	li.QuadPart = -2;
	EXPECT_EQ(0xFFFFFFFEu, li.LowPart);
	EXPECT_EQ(-1, li.HighPart);
}

/* TEXT() and the generic names follow UNICODE (defined at the top of this file). */
TEST(generic_names_follow_unicode)
{
	static const WCHAR want[] = { 'a', 0x00FC, 0 };	/* "aü" */
	LPCTSTR t = TEXT("a\u00fc");
	HANDLE (*create)(LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE) =
		CreateFile;
	HANDLE (*map)(HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR) =
		CreateFileMapping;
	HANDLE (*open_)(DWORD, BOOL, LPCWSTR) = OpenFileMapping;

	EXPECT_EQ(sizeof(WCHAR), sizeof(TCHAR));
	EXPECT_EQ(0, memcmp(want, t, sizeof(want)));
	EXPECT_EQ(0, memcmp(want, _T("a\u00fc"), sizeof(want)));
	EXPECT_EQ((void *)CreateFileW, (void *)create);
	EXPECT_EQ((void *)CreateFileMappingW, (void *)map);
	EXPECT_EQ((void *)OpenFileMappingW, (void *)open_);
}

static int utf8_of(const WCHAR *w, const char *want)
{
	char *got = NULL;
	int ret = mmf__w32_to_utf8(w, &got);

	if (ret == 0) {
		ret = strcmp(got, want) ? -1 : 0;
		free(got);
	}
	return ret;
}

TEST(utf16_converts_to_utf8)
{
	static const WCHAR ascii[] = { 'a', '/', 'b', 0 };
	static const WCHAR two[] = { 0x00E9, 0x07FF, 0 };		/* é, U+07FF */
	static const WCHAR three[] = { 0x0800, 0x20AC, 0xFFFD, 0 };	/* U+0800, €, U+FFFD */
	static const WCHAR pair[] = { 'x', 0xD83D, 0xDE00, 0xDBFF, 0xDFFF, 0 };
	static const WCHAR lone_high[] = { 'x', 0xD83D, 'y', 0 };
	static const WCHAR high_at_end[] = { 'x', 0xD800, 0 };
	static const WCHAR lone_low[] = { 0xDC00, 'y', 0 };
	static const WCHAR reversed[] = { 0xDE00, 0xD83D, 0 };
	static const WCHAR empty[] = { 0 };

	EXPECT_EQ(0, utf8_of(ascii, "a/b"));
	EXPECT_EQ(0, utf8_of(two, "\xC3\xA9\xDF\xBF"));
	EXPECT_EQ(0, utf8_of(three, "\xE0\xA0\x80\xE2\x82\xAC\xEF\xBF\xBD"));
	/* U+1F600 and U+10FFFF: surrogate pairs make 4-byte sequences. */
	EXPECT_EQ(0, utf8_of(pair, "x\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
	EXPECT_EQ(0, utf8_of(empty, ""));
	EXPECT_EQ(-EILSEQ, utf8_of(lone_high, ""));
	EXPECT_EQ(-EILSEQ, utf8_of(high_at_end, ""));
	EXPECT_EQ(-EILSEQ, utf8_of(lone_low, ""));
	EXPECT_EQ(-EILSEQ, utf8_of(reversed, ""));
}

FIXTURE(files) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(files)
{
	strcpy(self->dir, "/tmp/mmf-w32f-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/f", self->dir);
}

FIXTURE_TEARDOWN(files)
{
	DIR *d = opendir(self->dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", self->dir, e->d_name);
		chmod(p, 0600);
		unlink(p);
	}
	if (d)
		closedir(d);
	chmod(self->dir, 0700);
	rmdir(self->dir);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* The file's bytes at off, read with pread(2). */
static int file_has(const char *path, off_t off, const void *want, size_t len)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0 || len > sizeof(buf))
		return -1;
	r = pread(fd, buf, len, off);
	close(fd);
	return r == (ssize_t)len && !memcmp(buf, want, len) ? 0 : -1;
}

static HANDLE create_rw(const char *path, DWORD disposition, DWORD flags)
{
	return CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
			   NULL, disposition, flags, NULL);
}

TEST_F(files, wide_names_create_utf8_files)
{
	/* "f-ü€😀" in UTF-16 (with a surrogate pair) */
	WCHAR wname[160];
	static const WCHAR tail[] = { '/', 'f', '-', 0x00FC, 0x20AC, 0xD83D, 0xDE00, 0 };
	static const WCHAR bad_tail[] = { '/', 'b', 0xDC00, 0 };
	char utf8[200];
	size_t i, n = strlen(self->dir);
	HANDLE h;
	DWORD done;

	for (i = 0; i < n; i++)
		wname[i] = (WCHAR)self->dir[i];
	memcpy(wname + n, tail, sizeof(tail));
	SetLastError(99);
	h = CreateFileW(wname, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_SUCCESS, GetLastError());
	ASSERT_TRUE(WriteFile(h, "wide", 4, &done, NULL));
	EXPECT_TRUE(CloseHandle(h));
	snprintf(utf8, sizeof(utf8), "%s/f-\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80", self->dir);
	EXPECT_EQ(0, file_has(utf8, 0, "wide", 4));
	/* The generic name is the W call here; Windows' answers hold through it. */
	h = CreateFile(wname, GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_FILE_EXISTS, GetLastError());
	h = CreateFile(wname, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	CloseHandle(h);

	/* An unpaired surrogate has no UTF-8 form: refused, nothing created. */
	memcpy(wname + n, bad_tail, sizeof(bad_tail));
	h = CreateFileW(wname, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_NO_UNICODE_TRANSLATION, GetLastError());
	h = CreateFileW(NULL, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_PATH_NOT_FOUND, GetLastError());
	/* The wide mapping calls convert the same way before anything else. */
	EXPECT_EQ(NULL, CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
					   bad_tail + 1));
	EXPECT_EQ(ERROR_NO_UNICODE_TRANSLATION, GetLastError());
	EXPECT_EQ(NULL, OpenFileMappingW(FILE_MAP_READ, FALSE, bad_tail + 1));
	EXPECT_EQ(ERROR_NO_UNICODE_TRANSLATION, GetLastError());
	EXPECT_EQ(NULL, OpenFileMappingW(FILE_MAP_READ, FALSE, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
}

TEST_F(files, file_size_ex_and_file_pointer_ex)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, 0);
	LARGE_INTEGER li, pos;
	DWORD n;
	char c = 0;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	ASSERT_TRUE(WriteFile(h, "0123456789", 10, &n, NULL));
	li.QuadPart = -1;
	ASSERT_TRUE(GetFileSizeEx(h, &li));
	EXPECT_EQ(10, li.QuadPart);

	/* Every move method; the new position comes back. */
	li.QuadPart = 3;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_BEGIN));
	EXPECT_EQ(3, pos.QuadPart);
	li.QuadPart = 2;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_CURRENT));
	EXPECT_EQ(5, pos.QuadPart);
	li.QuadPart = -4;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_END));
	EXPECT_EQ(6, pos.QuadPart);
	ASSERT_TRUE(ReadFile(h, &c, 1, &n, NULL));
	EXPECT_EQ('6', c);
	/* NULL for the new position is allowed. */
	li.QuadPart = 0;
	EXPECT_TRUE(SetFilePointerEx(h, li, NULL, FILE_BEGIN));

	/* Before the start: ERROR_NEGATIVE_SEEK, the position does not move. */
	li.QuadPart = 4;
	ASSERT_TRUE(SetFilePointerEx(h, li, NULL, FILE_BEGIN));
	li.QuadPart = -5;
	SetLastError(0);
	EXPECT_FALSE(SetFilePointerEx(h, li, &pos, FILE_CURRENT));
	EXPECT_EQ(ERROR_NEGATIVE_SEEK, GetLastError());
	li.QuadPart = -1;
	EXPECT_FALSE(SetFilePointerEx(h, li, &pos, FILE_BEGIN));
	EXPECT_EQ(ERROR_NEGATIVE_SEEK, GetLastError());
	li.QuadPart = -11;
	EXPECT_FALSE(SetFilePointerEx(h, li, &pos, FILE_END));
	EXPECT_EQ(ERROR_NEGATIVE_SEEK, GetLastError());
	li.QuadPart = 0;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_CURRENT));
	EXPECT_EQ(4, pos.QuadPart);
	/* An unknown move method. */
	EXPECT_FALSE(SetFilePointerEx(h, li, &pos, 3));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());

	/* Past 4 GiB: the high part counts, SetEndOfFile and GetFileSizeEx agree. */
	li.QuadPart = 0x100000010ll;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_BEGIN));
	EXPECT_EQ(0x100000010ll, pos.QuadPart);
	EXPECT_EQ(1, pos.HighPart);
	EXPECT_EQ(0x10u, pos.LowPart);
	ASSERT_TRUE(SetEndOfFile(h));
	ASSERT_TRUE(GetFileSizeEx(h, &li));
	EXPECT_EQ(0x100000010ll, li.QuadPart);
	EXPECT_EQ(0x100000010ll, size_of(self->path));
	EXPECT_EQ(0x10u, GetFileSize(h, &n));
	EXPECT_EQ(1, n);

	/* Bad handles; a NULL size pointer. */
	EXPECT_FALSE(GetFileSizeEx((HANDLE)(uintptr_t)0x7ff0, &li));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_FALSE(SetFilePointerEx(INVALID_HANDLE_VALUE, li, NULL, FILE_BEGIN));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_FALSE(GetFileSizeEx(h, NULL));
	EXPECT_EQ(ERROR_NOACCESS, GetLastError());
	EXPECT_TRUE(CloseHandle(h));
	EXPECT_FALSE(GetFileSizeEx(h, &li));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
}

TEST_F(files, overlapped_io_on_a_synchronous_handle)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, 0);
	OVERLAPPED ov;
	char buf[16];
	DWORD n = 77;
	LARGE_INTEGER zero, pos;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	zero.QuadPart = 0;
	/* Written at Offset; the file pointer moves past it (synchronous handle). */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 100;
	ASSERT_TRUE(WriteFile(h, "abcdef", 6, &n, &ov));
	EXPECT_EQ(6, n);
	EXPECT_EQ(0, ov.Internal);
	EXPECT_EQ(6, ov.InternalHigh);
	EXPECT_EQ(106, size_of(self->path));
	EXPECT_EQ(0, file_has(self->path, 100, "abcdef", 6));
	ASSERT_TRUE(SetFilePointerEx(h, zero, &pos, FILE_CURRENT));
	EXPECT_EQ(106, pos.QuadPart);
	/* The byte count may be NULL with an OVERLAPPED; GetOverlappedResult tells. */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 102;
	memset(buf, 0, sizeof(buf));
	ASSERT_TRUE(ReadFile(h, buf, 3, NULL, &ov));
	EXPECT_EQ(0, memcmp(buf, "cde", 3));
	n = 0;
	EXPECT_TRUE(GetOverlappedResult(h, &ov, &n, TRUE));
	EXPECT_EQ(3, n);
	ASSERT_TRUE(SetFilePointerEx(h, zero, &pos, FILE_CURRENT));
	EXPECT_EQ(105, pos.QuadPart);
	/* A short read at the end, then reading at the end: ERROR_HANDLE_EOF. */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 104;
	ASSERT_TRUE(ReadFile(h, buf, sizeof(buf), &n, &ov));
	EXPECT_EQ(2, n);
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 106;
	n = 77;
	EXPECT_FALSE(ReadFile(h, buf, sizeof(buf), &n, &ov));
	EXPECT_EQ(ERROR_HANDLE_EOF, GetLastError());
	EXPECT_EQ(0, n);
	EXPECT_EQ(0xC0000011u, ov.Internal);	/* STATUS_END_OF_FILE */
	EXPECT_FALSE(GetOverlappedResult(h, &ov, &n, FALSE));
	EXPECT_EQ(ERROR_HANDLE_EOF, GetLastError());
	/* Without an OVERLAPPED the end of file is a success with 0 bytes. */
	ASSERT_TRUE(SetFilePointerEx(h, zero, NULL, FILE_END));
	EXPECT_TRUE(ReadFile(h, buf, sizeof(buf), &n, NULL));
	EXPECT_EQ(0, n);
	/* Offset 0xFFFFFFFF:0xFFFFFFFF appends. */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 0xFFFFFFFFu;
	ov.OffsetHigh = 0xFFFFFFFFu;
	ASSERT_TRUE(WriteFile(h, "END", 3, &n, &ov));
	EXPECT_EQ(109, size_of(self->path));
	EXPECT_EQ(0, file_has(self->path, 106, "END", 3));
	/* An event handle: there are no event objects. */
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = (HANDLE)(uintptr_t)0x1234;
	EXPECT_FALSE(WriteFile(h, "x", 1, &n, &ov));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_EQ(109, size_of(self->path));
	/* A pending result is ERROR_IO_INCOMPLETE. */
	memset(&ov, 0, sizeof(ov));
	ov.Internal = 0x103;	/* STATUS_PENDING */
	EXPECT_FALSE(GetOverlappedResult(h, &ov, &n, FALSE));
	EXPECT_EQ(ERROR_IO_INCOMPLETE, GetLastError());
	EXPECT_FALSE(GetOverlappedResult(INVALID_HANDLE_VALUE, &ov, &n, FALSE));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	/* Access is still checked. */
	CloseHandle(h);
	h = CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	memset(&ov, 0, sizeof(ov));
	EXPECT_FALSE(WriteFile(h, "x", 1, &n, &ov));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	CloseHandle(h);
}

TEST_F(files, overlapped_handles_need_an_offset)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, FILE_FLAG_OVERLAPPED);
	OVERLAPPED ov;
	char buf[8] = { 0 };
	DWORD n = 77;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	/* No file pointer: I/O without an OVERLAPPED is ERROR_INVALID_PARAMETER. */
	EXPECT_FALSE(WriteFile(h, "abc", 3, &n, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(0, n);
	EXPECT_FALSE(ReadFile(h, buf, 3, &n, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(0, size_of(self->path));
	/* With one the I/O is done when the call returns (TRUE, no ERROR_IO_PENDING). */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 8;
	ASSERT_TRUE(WriteFile(h, "abc", 3, NULL, &ov));
	EXPECT_TRUE(GetOverlappedResult(h, &ov, &n, FALSE));
	EXPECT_EQ(3, n);
	EXPECT_EQ(0, file_has(self->path, 8, "abc", 3));
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 9;
	ASSERT_TRUE(ReadFile(h, buf, 2, NULL, &ov));
	EXPECT_TRUE(GetOverlappedResult(h, &ov, &n, TRUE));
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, memcmp(buf, "bc", 2));
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 11;
	EXPECT_FALSE(ReadFile(h, buf, 2, NULL, &ov));
	EXPECT_EQ(ERROR_HANDLE_EOF, GetLastError());
	CloseHandle(h);
}

TEST_F(files, no_buffering_needs_sector_alignment)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, FILE_FLAG_NO_BUFFERING);
	char *buf = NULL;
	OVERLAPPED ov;
	DWORD n;
	LARGE_INTEGER li;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	ASSERT_EQ(0, posix_memalign((void **)&buf, 4096, 8192));
	memset(buf, 'n', 8192);
	/* Buffer address, size and position must be multiples of the sector. */
	EXPECT_FALSE(WriteFile(h, buf + 1, 4096, &n, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(WriteFile(h, buf, 100, &n, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 100;
	EXPECT_FALSE(WriteFile(h, buf, 4096, &n, &ov));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(0, size_of(self->path));
	/* Aligned I/O works and reaches the file. */
	ASSERT_TRUE(WriteFile(h, buf, 4096, &n, NULL));
	EXPECT_EQ(4096, n);
	EXPECT_EQ(4096, size_of(self->path));
	EXPECT_EQ(0, file_has(self->path, 4000, "nnnnnnnn", 8));
	li.QuadPart = 1;
	ASSERT_TRUE(SetFilePointerEx(h, li, NULL, FILE_BEGIN));
	EXPECT_FALSE(ReadFile(h, buf, 4096, &n, NULL));	/* position 1 */
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	li.QuadPart = 0;
	ASSERT_TRUE(SetFilePointerEx(h, li, NULL, FILE_BEGIN));
	memset(buf, 0, 8192);
	ASSERT_TRUE(ReadFile(h, buf, 8192, &n, NULL));	/* stops at the end */
	EXPECT_EQ(4096, n);
	EXPECT_EQ('n', buf[4095]);
	CloseHandle(h);
	free(buf);
}

TEST_F(files, delete_on_close_removes_the_file_at_the_last_handle)
{
	char other[160];
	HANDLE a, b, d;
	DWORD n;

	/* One handle. */
	a = create_rw(self->path, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	ASSERT_TRUE(WriteFile(a, "doc", 3, &n, NULL));
	EXPECT_TRUE(exists(self->path));
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_FALSE(exists(self->path));

	/* A second handle (opened without the flag) keeps it until it closes too. */
	a = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	b = create_rw(self->path, OPEN_EXISTING, 0);
	ASSERT_NE(INVALID_HANDLE_VALUE, b);
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_TRUE(exists(self->path));
	EXPECT_TRUE(CloseHandle(b));
	EXPECT_FALSE(exists(self->path));

	/* Whichever handle had the flag, the last close removes it. */
	b = create_rw(self->path, CREATE_NEW, 0);
	ASSERT_NE(INVALID_HANDLE_VALUE, b);
	a = create_rw(self->path, OPEN_EXISTING, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	EXPECT_TRUE(CloseHandle(b));
	EXPECT_TRUE(exists(self->path));
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_FALSE(exists(self->path));

	/* A duplicate is a handle too. */
	a = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &d, 0, FALSE,
				    DUPLICATE_SAME_ACCESS));
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_TRUE(exists(self->path));
	EXPECT_TRUE(CloseHandle(d));
	EXPECT_FALSE(exists(self->path));

	/* Renamed while open: the file goes under its new name. */
	snprintf(other, sizeof(other), "%s/renamed", self->dir);
	a = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	ASSERT_EQ(0, rename(self->path, other));
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_FALSE(exists(other));

	/* Replaced under the name while open: the other file stays. */
	a = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	ASSERT_EQ(0, unlink(self->path));
	b = create_rw(self->path, CREATE_NEW, 0);
	ASSERT_NE(INVALID_HANDLE_VALUE, b);
	EXPECT_TRUE(CloseHandle(b));
	EXPECT_TRUE(CloseHandle(a));
	EXPECT_TRUE(exists(self->path));
	unlink(self->path);
}

TEST_F(files, delete_on_close_refusals)
{
	char sub[160], inner[200];
	HANDLE h;

	/* A read-only file cannot be deleted: Windows refuses to open it so. */
	h = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
			FILE_ATTRIBUTE_READONLY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_FALSE(exists(self->path));
	h = CreateFileA(self->path, GENERIC_WRITE, 0, NULL, CREATE_NEW,
			FILE_ATTRIBUTE_READONLY, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	CloseHandle(h);
	h = CreateFileA(self->path, GENERIC_READ, 0, NULL, OPEN_EXISTING,
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(exists(self->path));

	/* A directory that does not let the name be removed (not as root). */
	if (geteuid() != 0) {
		snprintf(sub, sizeof(sub), "%s/ro", self->dir);
		snprintf(inner, sizeof(inner), "%s/x", sub);
		ASSERT_EQ(0, mkdir(sub, 0700));
		close(open(inner, O_CREAT | O_WRONLY, 0600));
		ASSERT_EQ(0, chmod(sub, 0500));
		h = CreateFileA(inner, GENERIC_READ, 0, NULL, OPEN_EXISTING,
				FILE_FLAG_DELETE_ON_CLOSE, NULL);
		EXPECT_EQ(INVALID_HANDLE_VALUE, h);
		EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
		chmod(sub, 0700);
		unlink(inner);
		rmdir(sub);
	}
}

TEST_F(files, delete_on_close_at_process_exit)
{
	HANDLE h;
	pid_t pid;
	int status;

	/* A process that exits with the handle open: the file goes (Windows closes it). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		h = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
		exit(h == INVALID_HANDLE_VALUE ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_FALSE(exists(self->path));

	/* A fork child's exit does not remove its parent's file. */
	h = create_rw(self->path, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(exists(self->path));
	EXPECT_TRUE(CloseHandle(h));
	EXPECT_FALSE(exists(self->path));
}

TEST_F(files, unsupported_flags_are_refused_not_ignored)
{
	static const DWORD refused[] = {
		FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_SYSTEM, FILE_ATTRIBUTE_OFFLINE,
		FILE_ATTRIBUTE_ENCRYPTED, FILE_ATTRIBUTE_COMPRESSED,
		FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, FILE_ATTRIBUTE_SPARSE_FILE,
		FILE_FLAG_OPEN_REPARSE_POINT, FILE_FLAG_OPEN_NO_RECALL, FILE_FLAG_SESSION_AWARE,
		FILE_FLAG_FIRST_PIPE_INSTANCE,
	};
	static const DWORD accepted[] = {
		FILE_ATTRIBUTE_NORMAL, FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_TEMPORARY,
		FILE_FLAG_RANDOM_ACCESS, FILE_FLAG_SEQUENTIAL_SCAN, FILE_FLAG_WRITE_THROUGH,
		FILE_FLAG_POSIX_SEMANTICS, FILE_FLAG_BACKUP_SEMANTICS,
	};
	HANDLE h;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		SetLastError(0);
		h = create_rw(self->path, CREATE_NEW, refused[i]);
		EXPECT_EQ(INVALID_HANDLE_VALUE, h) {
			TH_LOG("flag %#x", refused[i]);
		}
		EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
		EXPECT_FALSE(exists(self->path));
		if (h != INVALID_HANDLE_VALUE) {
			CloseHandle(h);
			unlink(self->path);
		}
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		h = create_rw(self->path, CREATE_NEW, accepted[i]);
		EXPECT_NE(INVALID_HANDLE_VALUE, h) {
			TH_LOG("flag %#x: error %u", accepted[i], GetLastError());
		}
		CloseHandle(h);
		unlink(self->path);
	}
	/* Opening an existing file: Windows uses no attributes, refuses no attribute. */
	h = create_rw(self->path, CREATE_NEW, 0);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	CloseHandle(h);
	h = create_rw(self->path, OPEN_EXISTING, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
	EXPECT_NE(INVALID_HANDLE_VALUE, h);
	CloseHandle(h);
	/* Flags are refused whatever the disposition. */
	h = create_rw(self->path, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT);
	EXPECT_EQ(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
}

TEST_F(files, append_data_alone_appends)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, 0), a, d;
	OVERLAPPED ov;
	LARGE_INTEGER li;
	char c;
	DWORD n;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	ASSERT_TRUE(WriteFile(h, "0123456789", 10, &n, NULL));
	CloseHandle(h);
	/* FILE_APPEND_DATA without FILE_WRITE_DATA: writes go to the end. */
	a = CreateFileA(self->path, FILE_APPEND_DATA, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0,
			NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, a);
	li.QuadPart = 2;
	ASSERT_TRUE(SetFilePointerEx(a, li, NULL, FILE_BEGIN));
	ASSERT_TRUE(WriteFile(a, "ab", 2, &n, NULL));
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 0;
	ASSERT_TRUE(WriteFile(a, "cd", 2, &n, &ov));
	EXPECT_EQ(14, size_of(self->path));
	EXPECT_EQ(0, file_has(self->path, 0, "0123456789abcd", 14));
	EXPECT_TRUE(FlushFileBuffers(a));
	/* It may not read, truncate or map for writing. */
	EXPECT_FALSE(ReadFile(a, &c, 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	li.QuadPart = 4;
	ASSERT_TRUE(SetFilePointerEx(a, li, NULL, FILE_BEGIN));
	EXPECT_FALSE(SetEndOfFile(a));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(a, NULL, PAGE_READWRITE, 0, 0, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	/* A copy that asks for no write access does not append either. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &d,
				    FILE_READ_DATA, FALSE, 0));
	EXPECT_FALSE(WriteFile(d, "x", 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	CloseHandle(d);
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &d,
				    FILE_APPEND_DATA, FALSE, 0));
	EXPECT_TRUE(WriteFile(d, "e", 1, &n, NULL));
	EXPECT_EQ(0, file_has(self->path, 0, "0123456789abcde", 15));
	CloseHandle(d);
	CloseHandle(a);
	/* TRUNCATE_EXISTING needs write access, append is not enough. */
	a = CreateFileA(self->path, FILE_APPEND_DATA, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, a);
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(15, size_of(self->path));
}

TEST_F(files, duplicate_file_handles)
{
	HANDLE h = create_rw(self->path, CREATE_ALWAYS, 0), d, ro;
	char c;
	DWORD n;
	LARGE_INTEGER li, pos;

	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ((HANDLE)(intptr_t)-1, GetCurrentProcess());
	ASSERT_TRUE(WriteFile(h, "0123456789", 10, &n, NULL));

	/* Same access; the file pointer is shared, as it is one file object. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
				    DUPLICATE_SAME_ACCESS));
	EXPECT_NE(h, d);
	li.QuadPart = 2;
	ASSERT_TRUE(SetFilePointerEx(h, li, NULL, FILE_BEGIN));
	ASSERT_TRUE(ReadFile(d, &c, 1, &n, NULL));
	EXPECT_EQ('2', c);
	li.QuadPart = 0;
	ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_CURRENT));
	EXPECT_EQ(3, pos.QuadPart);
	ASSERT_TRUE(WriteFile(d, "X", 1, &n, NULL));
	EXPECT_EQ(0, file_has(self->path, 3, "X", 1));
	/* Closing one leaves the other working. */
	EXPECT_TRUE(CloseHandle(h));
	ASSERT_TRUE(ReadFile(d, &c, 1, &n, NULL));
	EXPECT_EQ('4', c);

	/* Reduced access: the duplicate is refused what it lacks. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), d, GetCurrentProcess(), &ro,
				    GENERIC_READ, FALSE, 0));
	EXPECT_TRUE(ReadFile(ro, &c, 1, &n, NULL));
	EXPECT_FALSE(WriteFile(ro, "Y", 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_FALSE(SetEndOfFile(ro));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	/* ... and a duplicate of it never gets back what its source lacks. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), ro, GetCurrentProcess(), &h,
				    GENERIC_READ | GENERIC_WRITE, FALSE, 0));
	EXPECT_FALSE(WriteFile(h, "Y", 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(CloseHandle(h));
	/* No access at all. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), d, GetCurrentProcess(), &h, 0, FALSE,
				    0));
	EXPECT_FALSE(ReadFile(h, &c, 1, &n, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(CloseHandle(h));
	EXPECT_EQ(0, file_has(self->path, 0, "012X456789", 10));

	/* DUPLICATE_CLOSE_SOURCE: the source is gone, the copy works. */
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), ro, GetCurrentProcess(), &h, 0, FALSE,
				    DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	EXPECT_FALSE(CloseHandle(ro));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_TRUE(ReadFile(h, &c, 1, &n, NULL));
	/* With a NULL target handle: only the source is closed. */
	EXPECT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), NULL, 0, FALSE,
				    DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	EXPECT_FALSE(CloseHandle(h));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());

	/* Errors: a bad source handle; another process (source or target). */
	SetLastError(0);
	ro = (HANDLE)(uintptr_t)0x5555;
	EXPECT_FALSE(DuplicateHandle(GetCurrentProcess(), (HANDLE)(uintptr_t)0x7ff0,
				     GetCurrentProcess(), &ro, 0, FALSE, DUPLICATE_SAME_ACCESS));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_EQ(NULL, ro);
	EXPECT_FALSE(DuplicateHandle((HANDLE)(uintptr_t)0x1234, d, GetCurrentProcess(), &ro, 0,
				     FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_TRUE(ReadFile(d, &c, 1, &n, NULL));	/* not closed: not ours to close */
	EXPECT_FALSE(DuplicateHandle(GetCurrentProcess(), d, GetCurrentProcess(), &ro, 0, FALSE,
				     0x100));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_TRUE(ReadFile(d, &c, 1, &n, NULL));
	/* Another target process: refused, but DUPLICATE_CLOSE_SOURCE still closes. */
	EXPECT_FALSE(DuplicateHandle(GetCurrentProcess(), d, (HANDLE)(uintptr_t)0x1234, &ro, 0,
				     FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_FALSE(CloseHandle(d));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	/* The process pseudo-handle is not a handle that can be copied here. */
	EXPECT_FALSE(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(),
				     GetCurrentProcess(), &ro, 0, FALSE, DUPLICATE_SAME_ACCESS));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The Win32 layer's file half of issue 11 against the module: SetEndOfFile
 * and truncating opens refused while a file-mapping object of the file
 * exists (views or not, this process or another), DuplicateHandle on
 * mapping handles (same, reduced and no access, DUPLICATE_CLOSE_SOURCE, a
 * named section living on through a duplicate), FILE_FLAG_DELETE_ON_CLOSE
 * with a mapping object and a view still open, and wide section names.
 * Windows' answers as Wine's kernel32 tests (virtual.c, file.c) record
 * them; file contents are read back with pread(2), sizes with stat(2).
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf/win32.h>

#define K64 65536u

FIXTURE(w32f) {
	char path[64];
	HANDLE file;	/* GENERIC_READ | GENERIC_WRITE, 2 x 64 KiB of 's', on ext4 */
};

static int fill(HANDLE f, size_t size, int c)
{
	char buf[4096];
	DWORD n;

	memset(buf, c, sizeof(buf));
	SetFilePointer(f, 0, NULL, FILE_BEGIN);
	while (size) {
		DWORD chunk = size < sizeof(buf) ? (DWORD)size : sizeof(buf);

		if (!WriteFile(f, buf, chunk, &n, NULL) || n != chunk)
			return -1;
		size -= chunk;
	}
	return 0;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static int file_all(const char *path, off_t off, size_t len, int c)
{
	int fd = open(path, O_RDONLY), ret;

	if (fd < 0)
		return 0;
	ret = mmft_file_all(fd, off, len, c);
	close(fd);
	return ret;
}

FIXTURE_SETUP(w32f)
{
	snprintf(self->path, sizeof(self->path), "/mnt/ext4/w32f.%d", getpid());
	self->file = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE,
				 FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS,
				 FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, self->file);
	ASSERT_EQ(0, fill(self->file, 2 * K64, 's'));
}

FIXTURE_TEARDOWN(w32f)
{
	CloseHandle(self->file);
	unlink(self->path);
}

/* Shrinking to 64 KiB, and the two truncating opens; 0 when all three refuse. */
static int shrink_refused(struct _test_data_w32f *self)
{
	HANDLE again;
	int refused = 0;

	SetFilePointer(self->file, K64, NULL, FILE_BEGIN);
	if (!SetEndOfFile(self->file) && GetLastError() == ERROR_USER_MAPPED_FILE)
		refused++;
	again = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0,
			    NULL);
	if (again == INVALID_HANDLE_VALUE && GetLastError() == ERROR_USER_MAPPED_FILE)
		refused++;
	else
		CloseHandle(again);
	again = CreateFileA(self->path, GENERIC_WRITE, 0, NULL, TRUNCATE_EXISTING, 0, NULL);
	if (again == INVALID_HANDLE_VALUE && GetLastError() == ERROR_USER_MAPPED_FILE)
		refused++;
	else
		CloseHandle(again);
	return refused == 3 ? 0 : -refused - 1;
}

TEST_F(w32f, set_end_of_file_refused_while_a_mapping_object_exists)
{
	HANDLE m;
	char *v;

	/* A file-mapping object and no view: Windows already refuses. */
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(0, shrink_refused(self));
	EXPECT_EQ(2 * K64, size_of(self->path));
	EXPECT_TRUE(file_all(self->path, 0, 2 * K64, 's'));
	/* Growing is allowed. */
	EXPECT_EQ(3 * K64, SetFilePointer(self->file, 3 * K64, NULL, FILE_BEGIN));
	EXPECT_TRUE(SetEndOfFile(self->file));
	EXPECT_EQ(3 * K64, size_of(self->path));
	/* Setting the end where it is does not shrink. */
	EXPECT_TRUE(SetEndOfFile(self->file));
	/* A view keeps the section after its last handle closes. */
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, K64);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(CloseHandle(m));
	EXPECT_EQ(0, shrink_refused(self));
	EXPECT_EQ(3 * K64, size_of(self->path));
	EXPECT_TRUE(mmft_all(v, K64, 's'));
	/* With neither left the file may shrink. */
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_EQ(K64, SetFilePointer(self->file, K64, NULL, FILE_BEGIN));
	EXPECT_TRUE(SetEndOfFile(self->file));
	EXPECT_EQ(K64, size_of(self->path));
	EXPECT_TRUE(file_all(self->path, 0, K64, 's'));
}

TEST_F(w32f, set_end_of_file_refused_while_another_process_has_a_mapping_object)
{
	int go[2], done[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		HANDLE f = CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
				       NULL, OPEN_EXISTING, 0, NULL);
		HANDLE m = f == INVALID_HANDLE_VALUE ? NULL :
			   CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);

		c = m ? 'm' : 'x';
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(m ? 0 : 1);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_EQ('m', c);
	EXPECT_EQ(0, shrink_refused(self));
	EXPECT_EQ(2 * K64, size_of(self->path));
	ASSERT_EQ(1, write(done[1], "q", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's exit closed its handle: the section is gone. */
	EXPECT_EQ(K64, SetFilePointer(self->file, K64, NULL, FILE_BEGIN));
	EXPECT_TRUE(SetEndOfFile(self->file));
	EXPECT_EQ(K64, size_of(self->path));
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

static HANDLE dup_of(HANDLE h, DWORD access, DWORD options)
{
	HANDLE d = NULL;

	if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, access, FALSE,
			     options))
		return NULL;
	return d;
}

TEST_F(w32f, duplicated_mapping_handles_keep_or_reduce_access)
{
	HANDLE m, d, ro;
	char *v;
	int fd;
	char buf[8];

	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	/* FILE_MAP_READ | FILE_MAP_WRITE: a writable view, writes reach the file. */
	d = dup_of(m, FILE_MAP_READ | FILE_MAP_WRITE, 0);
	ASSERT_NE(NULL, d);
	v = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, K64);
	ASSERT_NE(NULL, v);
	memcpy(v + 100, "dup", 3);
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(d));
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, pread(fd, buf, 3, 100));
	EXPECT_EQ(0, memcmp(buf, "dup", 3));
	close(fd);
	/* FILE_MAP_READ only: a write view is ERROR_ACCESS_DENIED, a read view works. */
	ro = dup_of(m, FILE_MAP_READ, 0);
	ASSERT_NE(NULL, ro);
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, K64));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	v = MapViewOfFile(ro, FILE_MAP_READ, 0, 0, K64);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, memcmp(v + 100, "dup", 3));
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* A duplicate of it never gets back what it lacks. */
	d = dup_of(ro, FILE_MAP_ALL_ACCESS, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(NULL, MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, K64));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(CloseHandle(d));
	EXPECT_TRUE(CloseHandle(ro));
	/* No access: no view. */
	d = dup_of(m, 0, 0);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(NULL, MapViewOfFile(d, FILE_MAP_READ, 0, 0, K64));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(CloseHandle(d));
	/* DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE: the copy does all, the source is gone. */
	d = dup_of(m, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE);
	ASSERT_NE(NULL, d);
	EXPECT_FALSE(CloseHandle(m));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	v = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, memcmp(v + 100, "dup", 3));
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* A duplicate is still a mapping handle, not a file handle. */
	EXPECT_EQ(INVALID_FILE_SIZE, GetFileSize(d, NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_TRUE(CloseHandle(d));
}

TEST_F(w32f, duplicated_file_handles_map_with_their_own_access)
{
	HANDLE ro, m;

	ro = dup_of(self->file, GENERIC_READ, 0);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(NULL, CreateFileMappingA(ro, NULL, PAGE_READWRITE, 0, 0, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	m = CreateFileMappingA(ro, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(NULL, MapViewOfFile(ro, FILE_MAP_READ, 0, 0, 0));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	CloseHandle(m);
	CloseHandle(ro);
}

TEST(a_named_section_lives_on_through_a_duplicate)
{
	char name[64];
	HANDLE m, d, o;
	char *v;

	snprintf(name, sizeof(name), "mmf-w32f-dup-%d", getpid());
	m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, name);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	memset(v, 'n', K64);
	EXPECT_TRUE(UnmapViewOfFile(v));
	d = dup_of(m, FILE_MAP_READ, 0);
	ASSERT_NE(NULL, d);
	EXPECT_TRUE(CloseHandle(m));
	/* The object lives while any handle does: the name still opens it. */
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	ASSERT_NE(NULL, o);
	v = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(mmft_all(v, K64, 'n'));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(o));
	EXPECT_TRUE(CloseHandle(d));
	EXPECT_EQ(NULL, OpenFileMappingA(FILE_MAP_READ, FALSE, name));
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
}

TEST(delete_on_close_with_a_mapping_object_and_a_view)
{
	char path[64];
	struct stat st;
	HANDLE f, m, m2;
	char *v;

	snprintf(path, sizeof(path), "/mnt/ext4/w32f-doc.%d", getpid());
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_DELETE, NULL, CREATE_ALWAYS,
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	ASSERT_EQ(0, fill(f, 2 * K64, 'd'));
	m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	/* The last file handle closes: the file's name goes at once. */
	EXPECT_TRUE(CloseHandle(f));
	EXPECT_NE(0, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
	f = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, f);
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
	/* The mapping object and the view still work on the data. */
	EXPECT_TRUE(mmft_all(v, 2 * K64, 'd'));
	memset(v, 'e', K64);
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	m2 = NULL;
	EXPECT_TRUE(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &m2, 0, FALSE,
				    DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	{
		char *w = MapViewOfFile(m2, FILE_MAP_READ, 0, 0, 0);

		ASSERT_NE(NULL, w);
		EXPECT_TRUE(mmft_all(w, K64, 'e'));
		EXPECT_TRUE(mmft_all(w + K64, K64, 'd'));
		EXPECT_TRUE(UnmapViewOfFile(w));
	}
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m2));

	/* A mapping object without a view: the same. */
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	ASSERT_EQ(0, fill(f, K64, 'g'));
	m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_TRUE(CloseHandle(f));
	EXPECT_NE(0, stat(path, &st));
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(mmft_all(v, K64, 'g'));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m));
}

TEST(wide_section_names_are_utf8_names)
{
	/* L"Local\\mmf-w32f-ü😀-<pid>" built unit by unit. */
	static const WCHAR head[] = { 'L', 'o', 'c', 'a', 'l', '\\', 'm', 'm', 'f', '-', 'w', '3',
				      '2', 'f', '-', 0x00FC, 0xD83D, 0xDE00, '-' };
	WCHAR wname[64];
	char utf8[64], pid[16];
	HANDLE m, o, again;
	size_t i, n = sizeof(head) / sizeof(head[0]);
	char *v, *w;

	memcpy(wname, head, sizeof(head));
	snprintf(pid, sizeof(pid), "%d", getpid());
	for (i = 0; pid[i]; i++)
		wname[n + i] = (WCHAR)pid[i];
	wname[n + i] = 0;
	snprintf(utf8, sizeof(utf8), "mmf-w32f-\xC3\xBC\xF0\x9F\x98\x80-%d", getpid());

	SetLastError(99);
	m = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, wname);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(ERROR_SUCCESS, GetLastError());
	again = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, wname);
	ASSERT_NE(NULL, again);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	EXPECT_TRUE(CloseHandle(again));
	/* The UTF-8 name (Local\ is the default namespace) is the same section. */
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, utf8);
	ASSERT_NE(NULL, o);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	w = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	ASSERT_NE(NULL, w);
	memcpy(v, "wide", 4);
	EXPECT_EQ(0, memcmp(w, "wide", 4));
	EXPECT_TRUE(UnmapViewOfFile(w));
	EXPECT_TRUE(CloseHandle(o));
	o = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
	ASSERT_NE(NULL, o);
	w = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, w);
	EXPECT_EQ(0, memcmp(w, "wide", 4));
	EXPECT_TRUE(UnmapViewOfFile(w));
	EXPECT_TRUE(CloseHandle(o));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m));
	EXPECT_EQ(NULL, OpenFileMappingW(FILE_MAP_READ, FALSE, wname));
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
}

TEST_HARNESS_MAIN

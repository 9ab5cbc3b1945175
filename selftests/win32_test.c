// SPDX-License-Identifier: GPL-2.0
/*
 * The Win32 layer (<mmf/win32.h>) against the module: each behaviour of
 * the table in Documentation/win32.rst, with Windows' GetLastError() codes,
 * file contents read back through read(2), sharing across two processes,
 * and access faults caught in a forked child.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf.h>
#include <mmf/win32.h>

#define PG MMFT_PAGE
#define K64 65536u

FIXTURE(w32) {
	char path[64];
	HANDLE file;	/* GENERIC_READ | GENERIC_WRITE, empty, on ext4 */
};

FIXTURE_SETUP(w32)
{
	snprintf(self->path, sizeof(self->path), "/mnt/ext4/w32.%d", getpid());
	self->file = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE,
				 FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS,
				 FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, self->file);
}

FIXTURE_TEARDOWN(w32)
{
	CloseHandle(self->file);
	unlink(self->path);
}

/* Fill the file with @size bytes of @c through WriteFile. */
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

static int file_all(const char *path, off_t off, size_t len, int c)
{
	int fd = open(path, O_RDONLY), ret;

	if (fd < 0)
		return 0;
	ret = mmft_file_all(fd, off, len, c);
	close(fd);
	return ret;
}

TEST_F(w32, write_through_a_view_and_read_back)
{
	char buf[64] = { 0 };
	HANDLE m, f;
	DWORD n;
	char *v;

	SetLastError(77);
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 2 * K64, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(ERROR_SUCCESS, GetLastError());
	EXPECT_EQ(2 * K64, GetFileSize(self->file, NULL));	/* grown */
	v = MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, (uintptr_t)v % K64);	/* views sit on 64 KiB boundaries */
	strcpy(v + K64 + 10, "written through a view");
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	EXPECT_TRUE(FlushFileBuffers(self->file));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m));
	CloseHandle(self->file);
	self->file = INVALID_HANDLE_VALUE;

	ASSERT_EQ(0, mmft_drop_caches());
	f = CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	EXPECT_EQ(K64 + 10, SetFilePointer(f, K64 + 10, NULL, FILE_BEGIN));
	ASSERT_TRUE(ReadFile(f, buf, 22, &n, NULL));
	EXPECT_EQ(22, n);
	EXPECT_EQ(0, memcmp(buf, "written through a view", 22));
	CloseHandle(f);
	EXPECT_TRUE(file_all(self->path, 0, K64 + 10, 0));
}

/*
 * A view of 2 MiB or more sits where its offset falls modulo 2 MiB (still on
 * a 64 KiB boundary), as mmap of the file would, so that the page cache's
 * large folios map with one fault each.
 */
TEST_F(w32, large_views_are_placed_for_large_folios)
{
	const size_t mib2 = 2u << 20;
	HANDLE m;
	char *v;

	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 8 * mib2, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, (uintptr_t)v % mib2);
	v[mib2] = 'L';
	EXPECT_TRUE(UnmapViewOfFile(v));
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 3 * K64, 4 * mib2);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(3 * K64, (uintptr_t)v % mib2);
	EXPECT_EQ('L', v[mib2 - 3 * K64]);
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* Small views: 64 KiB boundaries only. */
	v = MapViewOfFile(m, FILE_MAP_READ, 0, K64, K64);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, (uintptr_t)v % K64);
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m));
	EXPECT_TRUE(file_all(self->path, mib2, 1, 'L'));
}

TEST_F(w32, zero_length_file_is_error_file_invalid)
{
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL));
	EXPECT_EQ(ERROR_FILE_INVALID, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL));
	EXPECT_EQ(ERROR_FILE_INVALID, GetLastError());
}

TEST_F(w32, larger_size_grows_only_when_writable)
{
	HANDLE m;

	ASSERT_EQ(0, fill(self->file, 1000, 'g'));
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 5000, NULL));
	EXPECT_EQ(ERROR_NOT_ENOUGH_MEMORY, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_WRITECOPY, 0, 5000, NULL));
	EXPECT_EQ(ERROR_NOT_ENOUGH_MEMORY, GetLastError());
	EXPECT_EQ(1000, GetFileSize(self->file, NULL));
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 5000, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(5000, GetFileSize(self->file, NULL));
	EXPECT_TRUE(file_all(self->path, 0, 1000, 'g'));
	EXPECT_TRUE(file_all(self->path, 1000, 4000, 0));
	CloseHandle(m);
}

TEST_F(w32, protection_needs_the_file_access)
{
	HANDLE ro = CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
				NULL, OPEN_EXISTING, 0, NULL);
	HANDLE m;

	ASSERT_EQ(0, fill(self->file, PG, 'p'));
	ASSERT_NE(INVALID_HANDLE_VALUE, ro);
	EXPECT_EQ(NULL, CreateFileMappingA(ro, NULL, PAGE_READWRITE, 0, 0, NULL));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	m = CreateFileMappingA(ro, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	CloseHandle(m);
	CloseHandle(ro);
}

TEST_F(w32, view_offsets_need_64k_alignment)
{
	HANDLE m;
	char *v;

	ASSERT_EQ(0, fill(self->file, 3 * K64, 'o'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(NULL, MapViewOfFile(m, FILE_MAP_READ, 0, PG, PG));
	EXPECT_EQ(ERROR_MAPPED_ALIGNMENT, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(m, FILE_MAP_READ, 0, K64 / 2, 0));
	EXPECT_EQ(ERROR_MAPPED_ALIGNMENT, GetLastError());
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, K64, 0);
	ASSERT_NE(NULL, v);
	v[0] = 'X';
	EXPECT_TRUE(FlushViewOfFile(v, 1));
	EXPECT_TRUE(file_all(self->path, K64, 1, 'X'));
	EXPECT_TRUE(file_all(self->path, K64 - 1, 1, 'o'));
	UnmapViewOfFile(v);
	CloseHandle(m);
}

TEST_F(w32, views_past_the_section_are_access_denied)
{
	HANDLE m;
	char *v;

	ASSERT_EQ(0, fill(self->file, K64 + 37, 'e'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, K64, 37);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(mmft_all(v, 37, 'e'));
	EXPECT_TRUE(mmft_all(v + 37, PG - 37, 0));	/* the rest of the page reads zero */
	UnmapViewOfFile(v);
	EXPECT_EQ(NULL, MapViewOfFile(m, FILE_MAP_READ, 0, K64, 38));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(m, FILE_MAP_READ, 0, 0, K64 + 38));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(m, FILE_MAP_READ, 0, 2 * K64, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	CloseHandle(m);
}

TEST_F(w32, access_wider_than_the_rights_is_denied)
{
	HANDLE ro, wc, rw, opened;
	char *v;

	ASSERT_EQ(0, fill(self->file, K64, 'r'));
	ro = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	wc = CreateFileMappingA(self->file, NULL, PAGE_WRITECOPY, 0, 0, NULL);
	ASSERT_NE(NULL, ro);
	ASSERT_NE(NULL, wc);
	EXPECT_EQ(NULL, MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(wc, FILE_MAP_ALL_ACCESS, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(ro, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	/* A read-only view faults on a store. */
	v = MapViewOfFile(ro, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ('r', v[5]);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + 5, 1));
	UnmapViewOfFile(v);
	CloseHandle(ro);
	CloseHandle(wc);

	/* The handle's rights count too: a FILE_MAP_READ handle gives no write view. */
	rw = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, "w32-rights");
	ASSERT_NE(NULL, rw);
	opened = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-rights");
	ASSERT_NE(NULL, opened);
	EXPECT_EQ(NULL, MapViewOfFile(opened, FILE_MAP_WRITE, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	v = MapViewOfFile(opened, FILE_MAP_READ, 0, 0, 0);
	EXPECT_NE(NULL, v);
	UnmapViewOfFile(v);
	CloseHandle(opened);
	CloseHandle(rw);
}

TEST(existing_name_returns_the_same_section)
{
	HANDLE a, b;
	char *va, *vb;

	SetLastError(5);
	a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, "w32-same");
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, GetLastError());
	b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * K64, "w32-same");
	ASSERT_NE(NULL, b);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	EXPECT_NE(a, b);
	/* The original size: a view of 4 * 64 KiB does not fit. */
	EXPECT_EQ(NULL, MapViewOfFile(b, FILE_MAP_WRITE, 0, 0, 4 * K64));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	va = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
	vb = MapViewOfFile(b, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, va);
	ASSERT_NE(NULL, vb);
	strcpy(va + 123, "same object");
	EXPECT_STREQ("same object", vb + 123);
	EXPECT_TRUE(UnmapViewOfFile(va));
	EXPECT_TRUE(UnmapViewOfFile(vb));
	CloseHandle(a);
	CloseHandle(b);
}

/*
 * A named PAGE_EXECUTE_* section is made with execute bits for its owner,
 * so its creator's user can open it with FILE_MAP_EXECUTE and map code
 * (a named section's EXEC needs the execute bit, as shmat(SHM_EXEC) does);
 * a PAGE_READWRITE one opens for FILE_MAP_EXECUTE only without it.  Run as
 * a user, so that CAP_IPC_OWNER does not override the mode.
 */
static int exec_named_as_user(void *arg)
{
	HANDLE x, o, p;
	void *v;

	(void)arg;
	if (mmft_become(62002, 62002))
		return 100;
	x = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE, 0, K64,
			       "w32-exec");
	p = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, "w32-noexec");
	if (!x || !p)
		return 101;
	o = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_EXECUTE, FALSE, "w32-exec");
	if (!o)
		return 1;
	v = MapViewOfFile(o, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0);
	if (!v)
		return 2;
	UnmapViewOfFile(v);
	CloseHandle(o);
	o = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_EXECUTE, FALSE, "w32-noexec");
	if (o || GetLastError() != ERROR_ACCESS_DENIED)
		return 3;
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-noexec");
	if (!o)
		return 4;
	CloseHandle(o);
	CloseHandle(p);
	CloseHandle(x);
	return 0;
}

TEST(named_execute_sections_open_for_execution)
{
	int status = mmft_in_child(exec_named_as_user, NULL);

	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(name_goes_with_the_last_handle)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64,
				      "w32-last");
	char *v;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(CloseHandle(m));
	EXPECT_EQ(NULL, OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-last"));
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
	strcpy(v, "view still works");
	EXPECT_STREQ("view still works", v);
	EXPECT_TRUE(UnmapViewOfFile(v));
}

TEST(names_are_case_sensitive_with_local_and_global_prefixes)
{
	HANDLE a, b, g, o;

	a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, "W32-Case");
	ASSERT_NE(NULL, a);
	EXPECT_EQ(NULL, OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-case"));
	EXPECT_EQ(ERROR_FILE_NOT_FOUND, GetLastError());
	/* Local\ is the namespace unprefixed names live in. */
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, "Local\\W32-Case");
	EXPECT_NE(NULL, o);
	CloseHandle(o);
	b = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, "Local\\W32-Case");
	EXPECT_NE(NULL, b);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	CloseHandle(b);
	/* Global\ names are apart. */
	g = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, "Global\\W32-Case");
	ASSERT_NE(NULL, g);
	EXPECT_EQ(0, GetLastError());
	o = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "Global\\W32-Case");
	EXPECT_NE(NULL, o);
	CloseHandle(o);
	CloseHandle(g);
	CloseHandle(a);
}

static int child_opens_and_writes(void *arg)
{
	HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, arg);
	char *v;

	if (!m)
		return 10 + (int)GetLastError() % 100;
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	if (!v)
		return 2;
	strcpy(v + 4096, "hello from the child");
	UnmapViewOfFile(v);
	CloseHandle(m);
	return 0;
}

TEST(pagefile_section_shared_by_two_processes)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * K64,
				      "Local\\w32-shared");
	int status;
	char *v;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(mmft_all(v, 2 * K64, 0));
	status = mmft_in_child(child_opens_and_writes, "w32-shared");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_STREQ("hello from the child", v + 4096);
	UnmapViewOfFile(v);
	CloseHandle(m);
}

TEST_F(w32, file_map_copy_never_reaches_the_file)
{
	HANDLE m;
	char *c, *r;

	ASSERT_EQ(0, fill(self->file, K64, 'c'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	c = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
	r = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, r);
	memset(c, 'W', 3 * PG);
	EXPECT_TRUE(FlushViewOfFile(c, 0));
	EXPECT_TRUE(mmft_all(c, 3 * PG, 'W'));
	EXPECT_TRUE(mmft_all(r, K64, 'c'));
	UnmapViewOfFile(c);
	UnmapViewOfFile(r);
	CloseHandle(m);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_TRUE(file_all(self->path, 0, K64, 'c'));
}

TEST_F(w32, flush_with_length_zero_goes_to_the_end_of_the_view)
{
	uint64_t bits[1];
	size_t dirty;
	HANDLE m;
	char *v;

	ASSERT_EQ(0, fill(self->file, 2 * K64, 'f'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, K64);
	ASSERT_NE(NULL, v);
	v[0] = '0';
	v[PG] = '1';
	v[K64 - 1] = '2';
	/* From inside the second page to the end of the view: page 0 stays dirty. */
	EXPECT_TRUE(FlushViewOfFile(v + PG + 5, 0));
	ASSERT_EQ(0, mmf_write_watch(v, K64, 0, bits, 64, &dirty));
	EXPECT_EQ(1, dirty);
	EXPECT_EQ(1, bits[0]);
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	ASSERT_EQ(0, mmf_write_watch(v, K64, 0, bits, 64, &dirty));
	EXPECT_EQ(0, dirty);
	EXPECT_TRUE(FlushFileBuffers(self->file));
	UnmapViewOfFile(v);
	CloseHandle(m);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_TRUE(file_all(self->path, 0, 1, '0'));
	EXPECT_TRUE(file_all(self->path, PG, 1, '1'));
	EXPECT_TRUE(file_all(self->path, K64 - 1, 1, '2'));
	EXPECT_TRUE(file_all(self->path, K64, K64, 'f'));
	/* Not a view. */
	EXPECT_FALSE(FlushViewOfFile(bits, 0));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_FALSE(FlushViewOfFile(v, 0));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
}

TEST_F(w32, unmap_from_any_address_inside_the_view)
{
	HANDLE m;
	char *v;

	ASSERT_EQ(0, fill(self->file, K64, 'u'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, mprotect(v + 2 * PG, PG, PROT_NONE));	/* split it */
	EXPECT_TRUE(UnmapViewOfFile(v + K64 - 100));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 0));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + K64 - 1, 0));
	EXPECT_FALSE(UnmapViewOfFile(v));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_FALSE(UnmapViewOfFile(&m));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_FALSE(UnmapViewOfFile(NULL));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	CloseHandle(m);
}

TEST_F(w32, shrinking_a_mapped_file_is_error_user_mapped_file)
{
	HANDLE m, again;
	char *v;

	ASSERT_EQ(0, fill(self->file, 2 * K64, 's'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(K64, SetFilePointer(self->file, K64, NULL, FILE_BEGIN));
	EXPECT_FALSE(SetEndOfFile(self->file));
	EXPECT_EQ(ERROR_USER_MAPPED_FILE, GetLastError());
	again = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0,
			    NULL);
	EXPECT_EQ(INVALID_HANDLE_VALUE, again);
	EXPECT_EQ(ERROR_USER_MAPPED_FILE, GetLastError());
	EXPECT_EQ(2 * K64, GetFileSize(self->file, NULL));
	EXPECT_TRUE(mmft_all(v, 2 * K64, 's'));
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* The mapping object alone still refuses it, as on Windows (issue 11). */
	EXPECT_FALSE(SetEndOfFile(self->file));
	EXPECT_EQ(ERROR_USER_MAPPED_FILE, GetLastError());
	CloseHandle(m);
	EXPECT_TRUE(SetEndOfFile(self->file));
	EXPECT_EQ(K64, GetFileSize(self->file, NULL));
}

TEST_F(w32, map_view_ex_at_an_address)
{
	HANDLE m;
	char *v, *w;
	void *spot;

	ASSERT_EQ(0, fill(self->file, K64, 'x'));
	m = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	/* Taken. */
	EXPECT_EQ(NULL, MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, v));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, v + PG));
	EXPECT_EQ(ERROR_MAPPED_ALIGNMENT, GetLastError());
	/* A free, aligned spot: mapped exactly there. */
	EXPECT_TRUE(UnmapViewOfFile(v));
	spot = v;
	w = MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, spot);
	EXPECT_EQ(spot, w);
	if (w)
		EXPECT_TRUE(mmft_all(w, K64, 'x'));
	UnmapViewOfFile(w);
	CloseHandle(m);
}

TEST(system_info)
{
	SYSTEM_INFO si;

	GetSystemInfo(&si);
	EXPECT_EQ(K64, si.dwAllocationGranularity);
	EXPECT_EQ(PG, si.dwPageSize);
}

struct w32_worker {
	int id;
	int rounds;
	int ok;
	int round;		/* where it failed: the round, */
	const char *why;	/* the step */
	DWORD error;		/* and GetLastError() then */
};

/* Each thread: pagefile sections, views, flushes, closes, its own last error. */
static void *w32_worker_fn(void *arg)
{
	struct w32_worker *w = arg;
	int i;

	for (i = 0; i < w->rounds; i++) {
		HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
					      2 * K64, NULL);
		char *v;

		w->round = i;
		w->why = "CreateFileMappingA";
		if (!m || GetLastError() != 0)
			goto fail;
		w->why = "MapViewOfFile or CloseHandle";
		v = MapViewOfFile(m, FILE_MAP_WRITE, 0, K64, 0);
		/* No double close here: another thread may already own that value. */
		if (!v || !CloseHandle(m))
			goto fail;
		memset(v, w->id, K64);
		w->why = "FlushViewOfFile or the view's bytes";
		if (!FlushViewOfFile(v, 0) || !mmft_all(v, K64, w->id))
			goto fail;
		w->why = "UnmapViewOfFile from the view's last byte";
		if (!UnmapViewOfFile(v + K64 - 1))
			goto fail;
		/* A failing call sets this thread's last error only. */
		w->why = "UnmapViewOfFile outside any view";
		if (UnmapViewOfFile(&i) || GetLastError() != ERROR_INVALID_ADDRESS)
			goto fail;
	}
	w->ok = 1;
	return NULL;
fail:
	w->error = GetLastError();
	return NULL;
}

/*
 * The budget is for a loaded host, not a speed limit.  Each munmap and
 * each page a flush write-protects interrupts every CPU running this
 * process (a TLB shoot-down) and waits for it, so when the host runs the
 * guest's vCPUs in turn (make stress: three TCG guests on two cores) every
 * round waits for a host time slice or several: the 8 x 40 rounds took
 * 0.7 s on 6.12 with the vCPUs running freely, 39 s (past the harness's
 * default 30 s) with both vCPUs on one host core, where one thread doing
 * the same 320 rounds took 0.8 s.  Under MMF_STRESS=1, 4 times the rounds.
 */
FIXTURE(threads) {
	int unused;
};

FIXTURE_SETUP(threads)
{
}

FIXTURE_TEARDOWN(threads)
{
}

TEST_F_TIMEOUT(threads, use_handles_and_views_concurrently, 900)
{
	struct w32_worker w[8];
	pthread_t t[8];
	int i;

	for (i = 0; i < 8; i++) {
		w[i] = (struct w32_worker){ .id = i + 1, .rounds = mmft_stress() ? 160 : 40 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, w32_worker_fn, &w[i]));
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		EXPECT_TRUE(w[i].ok) {
			TH_LOG("thread %d failed in round %d: %s (error %u)", i, w[i].round,
			       w[i].why, (unsigned int)w[i].error);
		}
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Views through a handle that did not open the file: OpenFileMapping of a
 * file-backed named section, the usual way Windows programs share a file's
 * view with another process (examples/win32port found that a size-0 view
 * of one whose size is not a page multiple failed with
 * ERROR_ACCESS_DENIED).  The module never lets such a handle map the
 * section's partial last page (kmod/mmf_view.c, mmf_view_hides_tail), so a
 * size-0 view ends at the last whole page, VirtualQuery tells that size,
 * and an explicit length reaching into that page is refused.  The bytes
 * written are read back with pread(2).  Also: which reduced handles
 * MmfExportFileMapping hands to another process (issue 11, win32port's
 * DuplicateHandle with reduced rights), and GetMappedFileNameW of a path
 * beyond ASCII.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf/win32.h>

#define FILE_BYTES 100000u	/* 24 whole pages and 1696 bytes (4 KiB pages) */
#define K64 65536u

static SIZE_T region_of(const void *view)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (VirtualQuery(view, &mbi, sizeof(mbi)) != sizeof(mbi) ||
	    mbi.AllocationBase != view || mbi.Type != MEM_MAPPED)
		return 0;
	return mbi.RegionSize;
}

TEST(size_zero_views_by_name_end_at_the_last_whole_page)
{
	static const char path[] = "/mnt/ext4/w32-named-view.dat";
	const SIZE_T page = (SIZE_T)sysconf(_SC_PAGESIZE);
	const SIZE_T whole = FILE_BYTES / page * page;
	HANDLE file, created, opened, all, swap, swap_opened;
	char *cv, *v, *w, *x, buf[8];
	void *at;
	DWORD n;
	int fd;

	file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
			   FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, file);
	ASSERT_TRUE(SetFilePointer(file, FILE_BYTES - 1, NULL, FILE_BEGIN) == FILE_BYTES - 1);
	ASSERT_TRUE(WriteFile(file, "e", 1, &n, NULL));
	created = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, "w32-named-view");
	ASSERT_NE(NULL, created);

	/* The creator, who opened the file, maps every page. */
	cv = MapViewOfFile(created, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, cv);
	EXPECT_EQ((FILE_BYTES + page - 1) / page * page, region_of(cv));
	EXPECT_EQ('e', cv[FILE_BYTES - 1]);

	/* By name: the whole pages (was ERROR_ACCESS_DENIED). */
	opened = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, "w32-named-view");
	ASSERT_NE(NULL, opened);
	v = MapViewOfFile(opened, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v) TH_LOG("GetLastError() = %u", (unsigned int)GetLastError());
	EXPECT_EQ(whole, region_of(v));
	memcpy(v + whole - 4, "tail", 4);
	EXPECT_EQ(0, memcmp(cv + whole - 4, "tail", 4));
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4, pread(fd, buf, 4, whole - 4));
	EXPECT_EQ(0, memcmp(buf, "tail", 4));
	close(fd);

	/* FILE_MAP_ALL_ACCESS on both calls, as Windows' own samples do. */
	all = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "w32-named-view");
	ASSERT_NE(NULL, all);
	w = MapViewOfFile(all, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	ASSERT_NE(NULL, w) TH_LOG("GetLastError() = %u", (unsigned int)GetLastError());
	EXPECT_EQ(whole, region_of(w));
	EXPECT_EQ(0, memcmp(w + whole - 4, "tail", 4));

	/* From an offset; at a chosen address (MapViewOfFileEx). */
	x = MapViewOfFile(opened, FILE_MAP_READ, 0, K64, 0);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(whole - K64, region_of(x));
	EXPECT_TRUE(UnmapViewOfFile(x));
	x = MapViewOfFile(opened, FILE_MAP_READ, 0, 0, 0);	/* a free spot of that size */
	ASSERT_NE(NULL, x);
	EXPECT_TRUE(UnmapViewOfFile(x));
	at = x;
	x = MapViewOfFileEx(opened, FILE_MAP_READ, 0, 0, 0, at);
	ASSERT_EQ(at, x) TH_LOG("GetLastError() = %u", (unsigned int)GetLastError());
	EXPECT_EQ(whole, region_of(x));
	EXPECT_TRUE(UnmapViewOfFile(x));

	/* A length that reaches into the partial page is refused; one short of it maps. */
	EXPECT_EQ(NULL, MapViewOfFile(opened, FILE_MAP_READ, 0, 0, FILE_BYTES));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, MapViewOfFile(opened, FILE_MAP_READ, 0, 0, whole + 1));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	x = MapViewOfFile(opened, FILE_MAP_READ, 0, 0, whole);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(whole, region_of(x));
	EXPECT_TRUE(UnmapViewOfFile(x));

	/* A paging-file section has no such page: 4090 bytes give a page. */
	swap = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4090,
				  "w32-named-view-swap");
	ASSERT_NE(NULL, swap);
	swap_opened = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-named-view-swap");
	ASSERT_NE(NULL, swap_opened);
	x = MapViewOfFile(swap_opened, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(page, region_of(x));
	EXPECT_TRUE(UnmapViewOfFile(x));

	EXPECT_TRUE(UnmapViewOfFile(w));
	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(UnmapViewOfFile(cv));
	EXPECT_TRUE(CloseHandle(swap_opened));
	EXPECT_TRUE(CloseHandle(swap));
	EXPECT_TRUE(CloseHandle(all));
	EXPECT_TRUE(CloseHandle(opened));
	EXPECT_TRUE(CloseHandle(created));
	EXPECT_TRUE(CloseHandle(file));
	unlink(path);
}

/*
 * The hand-off of win32.rst: a descriptor carries its kernel handle's
 * rights, so a handle with fewer Win32 rights than those is not exported
 * (a DuplicateHandle copy with less access, a FILE_MAP_WRITE-only handle);
 * a handle opened by name with the fewer rights is, and carries no more.
 */
TEST(handles_with_fewer_rights_than_their_descriptor_are_not_exported)
{
	HANDLE m, d, w, r, imported;
	int fd;

	m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64,
			       "w32-named-view-export");
	ASSERT_NE(NULL, m);
	ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d,
				    FILE_MAP_READ, FALSE, 0));
	SetLastError(0);
	EXPECT_EQ(-1, MmfExportFileMapping(d));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	w = OpenFileMappingA(FILE_MAP_WRITE, FALSE, "w32-named-view-export");
	ASSERT_NE(NULL, w);
	SetLastError(0);
	EXPECT_EQ(-1, MmfExportFileMapping(w));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());

	r = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-named-view-export");
	ASSERT_NE(NULL, r);
	fd = MmfExportFileMapping(r);
	ASSERT_LE(0, fd);
	SetLastError(0);
	EXPECT_EQ(NULL, MmfImportFileMapping(fd, FILE_MAP_READ | FILE_MAP_WRITE));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	imported = MmfImportFileMapping(fd, FILE_MAP_READ);
	EXPECT_NE(NULL, imported);
	close(fd);
	EXPECT_TRUE(CloseHandle(imported));
	EXPECT_TRUE(CloseHandle(r));
	EXPECT_TRUE(CloseHandle(w));
	EXPECT_TRUE(CloseHandle(d));
	EXPECT_TRUE(CloseHandle(m));
}

/*
 * GetMappedFileNameW of a view of a file whose UTF-8 name has characters
 * beyond ASCII and beyond the BMP: the UTF-16 of the path, a surrogate
 * pair for U+1F600, its length in UTF-16 units (GetMappedFileNameA: the
 * UTF-8 bytes).  The file is created by its UTF-16 name (CreateFileW).
 */
TEST(mapped_file_name_w_is_the_utf16_path)
{
	static const char path8[] = "/mnt/ext4/w32-\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80.dat";
	static const WCHAR tail[] = { '/', 'w', '3', '2', '-', 0x00FC, 0x20AC, 0xD83D, 0xDE00,
				      '.', 'd', 'a', 't', 0 };
	const size_t dir = strlen("/mnt/ext4");
	const size_t units = dir + sizeof(tail) / sizeof(tail[0]) - 1;
	WCHAR path16[64], name[64];
	char name8[128];
	HANDLE file, m;
	DWORD n;
	char *v;
	size_t i;

	for (i = 0; i < dir; i++)
		path16[i] = (WCHAR)path8[i];
	memcpy(path16 + dir, tail, sizeof(tail));
	file = CreateFileW(path16, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
			   FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, file) TH_LOG("GetLastError() = %u",
						     (unsigned int)GetLastError());
	ASSERT_TRUE(WriteFile(file, "x", 1, &n, NULL));
	EXPECT_EQ(0, access(path8, F_OK));
	m = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);

	n = GetMappedFileNameW(GetCurrentProcess(), v, name, 64);
	EXPECT_EQ(units, n);
	EXPECT_EQ(0, memcmp(name, path16, (units + 1) * sizeof(WCHAR)));
	n = GetMappedFileNameA(GetCurrentProcess(), v, name8, sizeof(name8));
	EXPECT_EQ(strlen(path8), n);
	EXPECT_STREQ(path8, name8);

	EXPECT_TRUE(UnmapViewOfFile(v));
	EXPECT_TRUE(CloseHandle(m));
	EXPECT_TRUE(CloseHandle(file));
	unlink(path8);
}

TEST_HARNESS_MAIN

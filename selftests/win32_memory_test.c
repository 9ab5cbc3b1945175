// SPDX-License-Identifier: GPL-2.0
/*
 * The Win32 layer's memory calls on views (issue 11, w32mem): VirtualQuery,
 * VirtualProtect, VirtualAlloc/VirtualFree on views, SEC_RESERVE sections,
 * GetMappedFileNameA/W, the wrong answers of MapViewOfFile and
 * CreateFileMappingA that were fixed, and a section handed to another
 * process.  The expected values are Windows' answers as Wine's kernel32 and
 * psapi conformance tests record them; data is checked with read(2) and
 * access faults in forked children.  Handle inheritance is checked in a
 * child that re-executes this binary (inherit_child()).
 */
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf.h>
#include <mmf/win32.h>

#define PG MMFT_PAGE
#define K64 65536u
#define SELF ((HANDLE)(intptr_t)-1)	/* GetCurrentProcess() */

FIXTURE(mem) {
	char path[64];
	HANDLE file;	/* GENERIC_READ | GENERIC_WRITE, 4 pages of 'a', on ext4 */
	int fd;		/* O_RDONLY, for read(2) checks */
};

FIXTURE_SETUP(mem)
{
	char buf[4096];
	DWORD n;
	int i;

	snprintf(self->path, sizeof(self->path), "/mnt/ext4/w32mem.%d", getpid());
	self->file = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE,
				 FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS,
				 FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, self->file);
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < (int)(4 * PG / sizeof(buf)); i++)
		ASSERT_TRUE(WriteFile(self->file, buf, sizeof(buf), &n, NULL));
	self->fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mem)
{
	close(self->fd);
	CloseHandle(self->file);
	unlink(self->path);
}

/* VirtualQuery at @addr must give these fields (BaseAddress is addr's page). */
#define EXPECT_MBI(addr, base, alloc_prot, size, state, prot, type) do {		\
	MEMORY_BASIC_INFORMATION mbi_;							\
	memset(&mbi_, 0x55, sizeof(mbi_));						\
	EXPECT_EQ(sizeof(mbi_), VirtualQuery((const void *)(uintptr_t)(addr), &mbi_,	\
					     sizeof(mbi_)));				\
	EXPECT_EQ((void *)((uintptr_t)(addr) & ~(uintptr_t)(PG - 1)), mbi_.BaseAddress);	\
	EXPECT_EQ((void *)(base), mbi_.AllocationBase);					\
	EXPECT_EQ((DWORD)(alloc_prot), mbi_.AllocationProtect);				\
	EXPECT_EQ((SIZE_T)(size), mbi_.RegionSize);					\
	EXPECT_EQ((DWORD)(state), mbi_.State);						\
	EXPECT_EQ((DWORD)(prot), mbi_.Protect);						\
	EXPECT_EQ((DWORD)(type), mbi_.Type);						\
} while (0)

/* Wrong answer 1: access 0 is a view with no access, not an error. */
TEST_F(mem, map_view_with_access_zero_is_page_noaccess)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	char *v;

	ASSERT_NE(NULL, m);
	SetLastError(77);
	v = MapViewOfFile(m, 0, 0, 0, 2 * PG);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(ERROR_SUCCESS, GetLastError());
	EXPECT_MBI(v, v, PAGE_NOACCESS, 2 * PG, MEM_COMMIT, PAGE_NOACCESS, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 0));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + PG, 1));
	/* No access is not every access: nothing can be made of it. */
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

/* Wrong answers 2 and 6: handle rights are exact; a paging-file section is page-rounded. */
TEST(handle_rights_are_exact_and_pagefile_sections_page_rounded)
{
	char name[64];
	HANDLE c, w, r, cp;
	char *v, *rv;

	snprintf(name, sizeof(name), "Local\\w32mem.rights.%d", getpid());
	c = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4090, name);
	ASSERT_NE(NULL, c);

	w = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
	ASSERT_NE(NULL, w);
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(w, FILE_MAP_READ, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(w, FILE_MAP_COPY, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(w, 0, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	v = MapViewOfFile(w, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	/* 4090 bytes are one page: the whole page is the section's. */
	EXPECT_MBI(v, v, PAGE_READWRITE, PG, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	v[PG - 1] = 'z';

	r = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	ASSERT_NE(NULL, r);
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(r, FILE_MAP_WRITE, 0, 0, 0));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	/* A view of 4096 bytes of the 4090-byte section. */
	rv = MapViewOfFile(r, FILE_MAP_READ, 0, 0, PG);
	ASSERT_NE(NULL, rv);
	EXPECT_MBI(rv, rv, PAGE_READONLY, PG, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_EQ('z', rv[PG - 1]);
	EXPECT_TRUE(UnmapViewOfFile(rv));

	/* OpenFileMappingA(FILE_MAP_COPY) asks for reading: copy views work. */
	cp = OpenFileMappingA(FILE_MAP_COPY, FALSE, name);
	ASSERT_NE(NULL, cp);
	rv = MapViewOfFile(cp, FILE_MAP_COPY, 0, 0, 0);
	ASSERT_NE(NULL, rv);
	EXPECT_MBI(rv, rv, PAGE_WRITECOPY, PG, MEM_COMMIT, PAGE_WRITECOPY, MEM_MAPPED);
	rv[0] = 'p';
	EXPECT_NE('p', v[0]);
	EXPECT_TRUE(UnmapViewOfFile(rv));
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(cp);
	CloseHandle(r);
	CloseHandle(w);
	CloseHandle(c);
}

/* Wrong answer 3 and the attributes that cannot be honoured. */
TEST_F(mem, sec_attributes_refused_as_windows_does)
{
	HANDLE m;
	char mz[2] = { 'M', 'Z' };
	char *v;
	DWORD n;

	SetLastError(0);
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT, 0, K64, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL,
					   PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT, 0, 0, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	/* Not an image: Windows' answer for a data file, and for no file. */
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
	EXPECT_EQ(ERROR_BAD_EXE_FORMAT, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | SEC_IMAGE,
					   0, K64, NULL));
	EXPECT_EQ(ERROR_BAD_EXE_FORMAT, GetLastError());
	/* An image there is no loader for. */
	SetFilePointer(self->file, 0, NULL, FILE_BEGIN);
	ASSERT_TRUE(WriteFile(self->file, mz, 2, &n, NULL));
	EXPECT_EQ(NULL, CreateFileMappingA(self->file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	/* Large pages need a privilege a process does not have by default. */
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, 0,
					   2u << 20, NULL));
	EXPECT_EQ(ERROR_PRIVILEGE_NOT_HELD, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, 0, K64, NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_COMMIT | SEC_WRITECOMBINE, 0, K64,
					   NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	/* SEC_COMMIT alone is the default; SEC_RESERVE on a file has no effect (as documented). */
	m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_READWRITE, 4 * PG, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	UnmapViewOfFile(v);
	CloseHandle(m);
}

/* Wrong answer 4: far larger than an empty file; the file keeps its size. */
TEST(huge_mapping_of_an_empty_file_is_out_of_memory)
{
	char path[64];
	HANDLE f;
	struct stat st;

	snprintf(path, sizeof(path), "/mnt/ext4/w32mem.huge.%d", getpid());
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	SetLastError(0);
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READWRITE, 0x8000000, 0x00010000, NULL));
	EXPECT_EQ(ERROR_NOT_ENOUGH_MEMORY, GetLastError());
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(0, GetFileSize(f, NULL));
	CloseHandle(f);
	unlink(path);
}

struct view_case {
	DWORD section, access, expect;	/* expect 0: ERROR_ACCESS_DENIED */
};

/* Each section protection and view access: the view's protection (Wine's test_mapping table). */
TEST_F(mem, virtual_query_gives_each_views_protection)
{
	static const struct view_case file_cases[] = {
		{ PAGE_READWRITE, FILE_MAP_READ, PAGE_READONLY },
		{ PAGE_READWRITE, FILE_MAP_WRITE, PAGE_READWRITE },
		{ PAGE_READWRITE, FILE_MAP_READ | FILE_MAP_WRITE, PAGE_READWRITE },
		{ PAGE_READWRITE, FILE_MAP_ALL_ACCESS, PAGE_READWRITE },
		{ PAGE_READWRITE, FILE_MAP_COPY, PAGE_WRITECOPY },
		{ PAGE_READWRITE, 0, PAGE_NOACCESS },
		{ PAGE_READONLY, FILE_MAP_READ, PAGE_READONLY },
		{ PAGE_READONLY, FILE_MAP_COPY, PAGE_WRITECOPY },
		{ PAGE_READONLY, 0, PAGE_NOACCESS },
		{ PAGE_READONLY, FILE_MAP_WRITE, 0 },
		{ PAGE_WRITECOPY, FILE_MAP_READ, PAGE_READONLY },
		{ PAGE_WRITECOPY, FILE_MAP_COPY, PAGE_WRITECOPY },
		{ PAGE_WRITECOPY, FILE_MAP_WRITE, 0 },
	};
	static const struct view_case swap_cases[] = {
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_EXECUTE | FILE_MAP_READ, PAGE_EXECUTE_READ },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_EXECUTE | FILE_MAP_WRITE, PAGE_EXECUTE_READWRITE },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_EXECUTE | FILE_MAP_COPY, PAGE_EXECUTE_WRITECOPY },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_WRITE, PAGE_READWRITE },
		{ PAGE_READWRITE, FILE_MAP_EXECUTE | FILE_MAP_READ, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]) + sizeof(swap_cases) /
		    sizeof(swap_cases[0]); i++) {
		bool file = i < sizeof(file_cases) / sizeof(file_cases[0]);
		const struct view_case *c = file ? &file_cases[i] :
					    &swap_cases[i - sizeof(file_cases) / sizeof(file_cases[0])];
		HANDLE m = CreateFileMappingA(file ? self->file : INVALID_HANDLE_VALUE, NULL,
					      c->section, 0, (DWORD)PG, NULL);
		char *v;

		ASSERT_NE(NULL, m);
		SetLastError(0);
		v = MapViewOfFile(m, c->access, 0, 0, 0);
		if (!c->expect) {
			EXPECT_EQ(NULL, v);
			EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
		} else {
			ASSERT_NE(NULL, v);
			EXPECT_MBI(v, v, c->expect, PG, MEM_COMMIT, c->expect, MEM_MAPPED);
			/* Any address inside gives the page it is in. */
			EXPECT_MBI(v + 100, v, c->expect, PG, MEM_COMMIT, c->expect, MEM_MAPPED);
			EXPECT_TRUE(UnmapViewOfFile(v));
		}
		CloseHandle(m);
	}
}

/* A copy-on-write view: PAGE_WRITECOPY until a page is written, then PAGE_READWRITE. */
TEST_F(mem, copy_view_pages_become_readwrite_once_written)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	volatile char *v;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_WRITECOPY, 4 * PG, MEM_COMMIT, PAGE_WRITECOPY, MEM_MAPPED);
	/* Reading a page maps the file's page: still copy-on-write. */
	EXPECT_EQ('a', v[2 * PG]);
	v[PG + 5] = 'b';
	EXPECT_MBI(v, v, PAGE_WRITECOPY, PG, MEM_COMMIT, PAGE_WRITECOPY, MEM_MAPPED);
	EXPECT_MBI(v + PG, v, PAGE_WRITECOPY, PG, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	EXPECT_MBI(v + 2 * PG, v, PAGE_WRITECOPY, 2 * PG, MEM_COMMIT, PAGE_WRITECOPY, MEM_MAPPED);
	EXPECT_EQ('b', v[PG + 5]);
	/* The file never sees it. */
	EXPECT_TRUE(FlushViewOfFile((void *)v, 0));
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 4 * PG, 'a'));
	EXPECT_TRUE(UnmapViewOfFile((void *)v));
	CloseHandle(m);
}

/* LLVM and Go learn a size-0 view's size from VirtualQuery. */
TEST_F(mem, size_zero_view_size_from_virtual_query)
{
	HANDLE m;
	char *v;
	MEMORY_BASIC_INFORMATION mbi;

	/* 3 pages and 100 bytes: the view covers 4 pages. */
	SetFilePointer(self->file, (LONG)(3 * PG + 100), NULL, FILE_BEGIN);
	ASSERT_TRUE(SetEndOfFile(self->file));
	m = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(sizeof(mbi), VirtualQuery(v, &mbi, sizeof(mbi)));
	EXPECT_EQ(4 * PG, mbi.RegionSize);
	EXPECT_EQ(v, mbi.AllocationBase);
	EXPECT_EQ(MEM_MAPPED, mbi.Type);
	EXPECT_EQ('a', v[3 * PG + 99]);
	EXPECT_EQ(0, v[3 * PG + 100]);	/* zero past the end, as Windows */
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

/* VirtualProtect on views: Windows' compatibility rules and the old protection. */
TEST_F(mem, virtual_protect_on_views_follows_windows_rules)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	DWORD old = 0xdead;
	char *v, *r, *c, c1 = 0;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 2 * PG);
	ASSERT_NE(NULL, v);
	ASSERT_TRUE(VirtualProtect(v, PG, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_READWRITE, old);
	EXPECT_MBI(v, v, PAGE_READWRITE, PG, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_MBI(v + PG, v, PAGE_READWRITE, PG, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	EXPECT_EQ(0, mmft_access_signal(v + PG, 1));
	ASSERT_TRUE(VirtualProtect(v, 2 * PG, PAGE_NOACCESS, &old));
	EXPECT_EQ(PAGE_READONLY, old);	/* the first page's */
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v + PG, 0));
	ASSERT_TRUE(VirtualProtect(v + 10, 1, PAGE_READWRITE, &old));
	EXPECT_EQ(PAGE_NOACCESS, old);
	v[10] = 'w';
	EXPECT_TRUE(FlushViewOfFile(v, 0));
	EXPECT_EQ(1, pread(self->fd, &c1, 1, 10));
	EXPECT_EQ('w', c1);
	/* Not allowed by the view (no execution) or by nothing at all. */
	SetLastError(0);
	EXPECT_FALSE(VirtualProtect(v, PG, PAGE_EXECUTE_READ, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualProtect(v, PG, 0x3, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualProtect(v, PG, PAGE_READONLY, NULL));
	EXPECT_EQ(ERROR_NOACCESS, GetLastError());
	/* Past the view's end. */
	EXPECT_FALSE(VirtualProtect(v + PG, 2 * PG, PAGE_READONLY, &old));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	/* A shared page cannot become copy-on-write here (win32.rst): refused, not ignored. */
	EXPECT_FALSE(VirtualProtect(v, PG, PAGE_WRITECOPY, &old));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());

	/* A read view may not become writable. */
	r = MapViewOfFile(m, FILE_MAP_READ, 0, 0, PG);
	ASSERT_NE(NULL, r);
	EXPECT_FALSE(VirtualProtect(r, PG, PAGE_READWRITE, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	ASSERT_TRUE(VirtualProtect(r, PG, PAGE_NOACCESS, &old));
	EXPECT_EQ(PAGE_READONLY, old);

	/* A copy view: READWRITE is not its to take, WRITECOPY is. */
	c = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, PG);
	ASSERT_NE(NULL, c);
	EXPECT_FALSE(VirtualProtect(c, PG, PAGE_READWRITE, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	ASSERT_TRUE(VirtualProtect(c, PG, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_WRITECOPY, old);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(c, 1));
	ASSERT_TRUE(VirtualProtect(c, PG, PAGE_WRITECOPY, &old));
	EXPECT_EQ(PAGE_READONLY, old);
	c[20] = 'c';
	EXPECT_MBI(c, c, PAGE_WRITECOPY, PG, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	ASSERT_TRUE(VirtualProtect(c, PG, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_READWRITE, old);
	EXPECT_TRUE(mmft_file_all(self->fd, 20, 1, 'a'));

	EXPECT_TRUE(UnmapViewOfFile(c));
	EXPECT_TRUE(UnmapViewOfFile(r));
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

/* Execution on a view that may execute: Windows reports EXECUTE_WRITECOPY there as EXECUTE_READWRITE. */
TEST(virtual_protect_execute_on_an_executable_view)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE, 0,
				      (DWORD)(2 * PG), NULL);
	DWORD old = 0;
	char *v;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_EXECUTE | FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_EXECUTE_READWRITE, 2 * PG, MEM_COMMIT, PAGE_EXECUTE_READWRITE,
		   MEM_MAPPED);
	ASSERT_TRUE(VirtualProtect(v, PG, PAGE_NOACCESS, &old));
	EXPECT_EQ(PAGE_EXECUTE_READWRITE, old);
	ASSERT_TRUE(VirtualProtect(v, PG, PAGE_EXECUTE_READ, &old));
	EXPECT_EQ(PAGE_NOACCESS, old);
	EXPECT_MBI(v, v, PAGE_EXECUTE_READWRITE, PG, MEM_COMMIT, PAGE_EXECUTE_READ, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	ASSERT_TRUE(VirtualProtect(v, PG, PAGE_EXECUTE_WRITECOPY, &old));
	EXPECT_EQ(PAGE_EXECUTE_READ, old);
	EXPECT_MBI(v, v, PAGE_EXECUTE_READWRITE, 2 * PG, MEM_COMMIT, PAGE_EXECUTE_READWRITE,
		   MEM_MAPPED);
	ASSERT_TRUE(VirtualProtect(v, PG, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_EXECUTE_READWRITE, old);
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

#define RSV (16 * K64)

/* SEC_RESERVE: views start reserved; committing through one view commits for all. */
TEST(sec_reserve_views_commit_for_every_view)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE,
				      0, RSV, NULL);
	MEMORY_BASIC_INFORMATION mbi;
	char *p, *p2, *p3;
	DWORD old;

	ASSERT_NE(NULL, m);
	p = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, p);
	p2 = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, p2);
	EXPECT_NE(p, p2);
	EXPECT_MBI(p, p, PAGE_READWRITE, RSV, MEM_RESERVE, 0, MEM_MAPPED);
	EXPECT_MBI(p2, p2, PAGE_READWRITE, RSV, MEM_RESERVE, 0, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(p, 0));
	SetLastError(0);
	EXPECT_FALSE(VirtualProtect(p, PG, PAGE_READONLY, &old));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());

	EXPECT_EQ(p, VirtualAlloc(p, K64, MEM_COMMIT, PAGE_READONLY));
	EXPECT_MBI(p, p, PAGE_READWRITE, K64, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_MBI(p + K64, p, PAGE_READWRITE, RSV - K64, MEM_RESERVE, 0, MEM_MAPPED);
	/* The other view sees the commit, with its own protection. */
	EXPECT_MBI(p2, p2, PAGE_READWRITE, K64, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	EXPECT_MBI(p2 + K64, p2, PAGE_READWRITE, RSV - K64, MEM_RESERVE, 0, MEM_MAPPED);
	strcpy(p2 + 100, "committed");
	EXPECT_STREQ("committed", p + 100);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(p, 1));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(p2 + K64, 0));

	/* A view made afterwards starts with the committed pages. */
	p3 = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, p3);
	EXPECT_MBI(p3, p3, PAGE_READONLY, K64, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_MBI(p3 + K64, p3, PAGE_READONLY, RSV - K64, MEM_RESERVE, 0, MEM_MAPPED);
	EXPECT_STREQ("committed", p3 + 100);

	/* What Windows refuses on views. */
	SetLastError(0);
	EXPECT_FALSE(VirtualFree(p, K64, MEM_DECOMMIT));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualFree(p, 0, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualFree(p, K64, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(p, K64, MEM_RESERVE, PAGE_READWRITE));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_EQ(p, VirtualAlloc(p, RSV, MEM_RESET, PAGE_READONLY));
	EXPECT_STREQ("committed", p2 + 100);

	EXPECT_TRUE(UnmapViewOfFile(p3));
	EXPECT_TRUE(UnmapViewOfFile(p2));
	EXPECT_TRUE(UnmapViewOfFile(p));
	/* Gone: free address space, as Windows reports it. */
	ASSERT_EQ(sizeof(mbi), VirtualQuery(p, &mbi, sizeof(mbi)));
	EXPECT_EQ(p, mbi.BaseAddress);
	EXPECT_EQ(NULL, mbi.AllocationBase);
	EXPECT_EQ(0, mbi.AllocationProtect);
	EXPECT_EQ(MEM_FREE, mbi.State);
	EXPECT_EQ(PAGE_NOACCESS, mbi.Protect);
	EXPECT_EQ(0, mbi.Type);
	EXPECT_LE(RSV, mbi.RegionSize);
	CloseHandle(m);
}

/* A committed paging-file view takes a new protection from VirtualAlloc; a file view does not. */
TEST_F(mem, virtual_alloc_commit_on_committed_views)
{
	HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT, 0,
				      RSV, NULL);
	HANDLE f = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	char *p, *q;

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, f);
	p = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, p);
	EXPECT_MBI(p, p, PAGE_READWRITE, RSV, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
	EXPECT_EQ(p, VirtualAlloc(p, K64, MEM_COMMIT, PAGE_READONLY));
	EXPECT_MBI(p, p, PAGE_READWRITE, K64, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	q = MapViewOfFile(f, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, q);
	SetLastError(0);
	EXPECT_EQ(NULL, VirtualAlloc(q, PG, MEM_COMMIT, PAGE_READWRITE));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(q, PG, MEM_COMMIT, PAGE_READONLY));
	EXPECT_EQ(ERROR_ACCESS_DENIED, GetLastError());
	EXPECT_TRUE(UnmapViewOfFile(q));
	EXPECT_TRUE(UnmapViewOfFile(p));
	CloseHandle(f);
	CloseHandle(s);
}

/* The file behind a view: the Linux path (win32.rst), and psapi's errors. */
TEST_F(mem, get_mapped_file_name_gives_the_file)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READONLY | SEC_COMMIT, 0, 0, NULL);
	HANDLE s = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | SEC_COMMIT, 0,
				      (DWORD)PG, NULL);
	char name[512], real[512];
	WCHAR wname[512];
	char *v, *sv;
	DWORD n;
	size_t i;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, realpath(self->path, real));
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	n = GetMappedFileNameA(SELF, v, name, sizeof(name));
	EXPECT_EQ(strlen(real), n);
	EXPECT_STREQ(real, name);
	n = GetMappedFileNameA(SELF, v + 2 * PG + 7, name, sizeof(name));
	EXPECT_EQ(strlen(real), n);
	EXPECT_STREQ(real, name);
	n = GetMappedFileNameW(SELF, v, wname, 512);
	ASSERT_EQ(strlen(real), n);
	for (i = 0; i <= n; i++)
		EXPECT_EQ((WCHAR)(unsigned char)real[i], wname[i]);
	/* A buffer of one: an empty string, as Windows. */
	name[0] = 'x';
	EXPECT_EQ(1, GetMappedFileNameA(SELF, v, name, 1));
	EXPECT_EQ(0, name[0]);
	SetLastError(0);
	EXPECT_EQ(0, GetMappedFileNameA(SELF, v, name, 0));
	EXPECT_EQ(ERROR_INSUFFICIENT_BUFFER, GetLastError());
	EXPECT_EQ(0, GetMappedFileNameA(SELF, v, NULL, sizeof(name)));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(0, GetMappedFileNameA(NULL, v, name, sizeof(name)));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_EQ(0, GetMappedFileNameA(SELF, NULL, name, sizeof(name)));
	EXPECT_EQ(ERROR_UNEXP_NET_ERR, GetLastError());
	/* The paging file has no name. */
	sv = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, sv);
	EXPECT_EQ(0, GetMappedFileNameA(SELF, sv, name, sizeof(name)));
	EXPECT_EQ(ERROR_FILE_INVALID, GetLastError());
	EXPECT_TRUE(UnmapViewOfFile(sv));
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* Unmapped: not a file any more. */
	EXPECT_EQ(0, GetMappedFileNameA(SELF, v, name, sizeof(name)));
	EXPECT_EQ(ERROR_UNEXP_NET_ERR, GetLastError());
	CloseHandle(s);
	CloseHandle(m);
}

/* A reservation of VirtualAlloc is no place for a view until released. */
TEST_F(mem, map_view_ex_into_a_reservation_is_refused)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READONLY, 0, 0, NULL);
	char *a, *v;

	ASSERT_NE(NULL, m);
	a = VirtualAlloc(NULL, K64, MEM_RESERVE, PAGE_NOACCESS);
	ASSERT_NE(NULL, a);
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, a));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	ASSERT_TRUE(VirtualFree(a, 0, MEM_RELEASE));
	v = MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, a);
	EXPECT_EQ(a, v);
	EXPECT_MBI(v, v, PAGE_READONLY, 4 * PG, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	/* A view is not VirtualAlloc's to release. */
	EXPECT_FALSE(VirtualFree(v, 0, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

/* A view unmapped behind the layer's back is not reported from the layer's record. */
TEST_F(mem, a_view_unmapped_behind_the_layers_back_is_not_reported)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	char *v, *p;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, munmap(v, 4 * PG));
	p = mmap(v, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	ASSERT_EQ(v, p);
	p[0] = 1;
	EXPECT_MBI(v, v, PAGE_READWRITE, 4 * PG, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
	munmap(p, 4 * PG);
	CloseHandle(m);
}

struct churn {
	HANDLE m;		/* a SEC_RESERVE paging-file section of RSV bytes */
	int slot;		/* the thread's 64 KiB of the section */
	int rounds;
	int errors;
	unsigned int what;	/* which checks failed: bit 0 map, 1 commit, 2 other view, 3 query, 4 unmap */
};

#define CHURN_THREADS 4

/*
 * One thread: map a view, commit its own 64 KiB through it, write a
 * pattern, check VirtualQuery on its pages and on another view mapped
 * meanwhile, unmap both; other threads do the same on other slots of the
 * same section at the same time.
 */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	size_t off = (size_t)c->slot * K64;
	MEMORY_BASIC_INFORMATION mbi;
	int r;

	for (r = 0; r < c->rounds; r++) {
		char *v = MapViewOfFile(c->m, FILE_MAP_WRITE, 0, 0, 0), *w;

		if (!v) {
			c->errors++;
			c->what |= 1;
			continue;
		}
		if (VirtualAlloc(v + off, K64, MEM_COMMIT, PAGE_READWRITE) != v + off) {
			c->errors++;
			c->what |= 2;
		}
		memset(v + off, 'a' + c->slot, K64);
		w = MapViewOfFile(c->m, FILE_MAP_READ, 0, 0, 0);
		if (!w || VirtualQuery(w + off, &mbi, sizeof(mbi)) != sizeof(mbi) ||
		    mbi.State != MEM_COMMIT || mbi.Protect != PAGE_READONLY ||
		    mbi.AllocationBase != w || !mmft_all(w + off, K64, 'a' + c->slot)) {
			c->errors++;
			c->what |= 4;
		}
		if (VirtualQuery(v + off + 100, &mbi, sizeof(mbi)) != sizeof(mbi) ||
		    mbi.BaseAddress != v + off || mbi.State != MEM_COMMIT ||
		    mbi.Protect != PAGE_READWRITE || mbi.Type != MEM_MAPPED) {
			c->errors++;
			c->what |= 8;
		}
		if ((w && !UnmapViewOfFile(w)) || !UnmapViewOfFile(v)) {
			c->errors++;
			c->what |= 16;
		}
	}
	return NULL;
}

/* Threads map, commit, query and unmap views of one SEC_RESERVE section at once. */
TEST_F_TIMEOUT(mem, sec_reserve_views_from_many_threads, 900)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE,
				      0, RSV, NULL);
	struct churn c[CHURN_THREADS];
	pthread_t t[CHURN_THREADS];
	char *v;
	int i;

	ASSERT_NE(NULL, m);
	for (i = 0; i < CHURN_THREADS; i++) {
		c[i] = (struct churn){ .m = m, .slot = i, .rounds = mmft_stress() ? 3000 : 100 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &c[i]));
	}
	for (i = 0; i < CHURN_THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, c[i].errors) TH_LOG("thread %d: checks %#x", i, c[i].what);
	}
	/* The commits outlived every view: a new view starts with them. */
	v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_READONLY, CHURN_THREADS * K64, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_MBI(v + CHURN_THREADS * K64, v, PAGE_READONLY, RSV - CHURN_THREADS * K64,
		   MEM_RESERVE, 0, MEM_MAPPED);
	for (i = 0; i < CHURN_THREADS; i++)
		EXPECT_TRUE(mmft_all(v + i * K64, K64, 'a' + i));
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
}

/* Send @fd over @sock (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The child: import the descriptor twice, once asking more than it
 * carries (refused), then with what it carries; write through a view when
 * @write.  Exit codes tell the parent which step failed.
 */
static int child_import(int sock, int write)
{
	int fd = recv_fd(sock);
	HANDLE h;
	char *v;

	if (fd < 0)
		return 10;
	if (!write) {
		if (MmfImportFileMapping(fd, FILE_MAP_WRITE) ||
		    GetLastError() != ERROR_ACCESS_DENIED)
			return 11;
	}
	h = MmfImportFileMapping(fd, write ? FILE_MAP_WRITE : FILE_MAP_READ);
	close(fd);
	if (!h)
		return 12;
	v = MapViewOfFile(h, write ? FILE_MAP_WRITE : FILE_MAP_READ, 0, 0, 0);
	if (!v)
		return 13;
	if (write) {
		strcpy(v + 64, "from the child");
	} else {
		if (strcmp(v + 64, "from the parent"))
			return 14;
		/* Execution was not handed over either. */
		if (MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0))
			return 15;
	}
	UnmapViewOfFile(v);
	CloseHandle(h);
	return 0;
}

/*
 * Handle inheritance (bInheritHandle): what a child started with exec
 * receives.  The test binary re-executes itself with W32INH set; its part
 * runs before the harness (inherit_child()) and its exit code says what it
 * found: 0 done, 20 nothing inherited, others a failed step.
 */
#define INHERIT_NOTHING 20

/* "m<fd>": make a handle of the inherited descriptor fd and write "inherited". */
static int inherited_mapping(int fd)
{
	HANDLE h = MmfImportFileMapping(fd, FILE_MAP_WRITE);
	char *v;

	if (!h)
		return GetLastError() == ERROR_INVALID_HANDLE ? INHERIT_NOTHING : 21;
	v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	if (!v)
		return 22;
	strcpy(v + 64, "inherited");
	UnmapViewOfFile(v);
	CloseHandle(h);
	return 0;
}

/* "f<path>": write "XYZ" at the file pointer of the one inherited fd of path. */
static int inherited_file(const char *path)
{
	char link[64], target[PATH_MAX];
	int fd, found = -1, n = 0;
	ssize_t len;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, path)) {
			found = fd;
			n++;
		}
	}
	if (!n)
		return INHERIT_NOTHING;
	if (n > 1)
		return 23;
	return write(found, "XYZ", 3) == 3 ? 0 : 24;
}

__attribute__((constructor)) static void inherit_child(void)
{
	const char *role = getenv("W32INH");

	if (role)
		_exit(role[0] == 'm' ? inherited_mapping(atoi(role + 1)) :
				       inherited_file(role + 1));
}

/* Run this binary as the exec'd child with @role; its exit code, or -1. */
static int exec_child(const char *role)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("W32INH", role, 1);
		execl("/proc/self/exe", "win32_memory_test", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The child inherits what an exported descriptor of this mapping handle carries. */
static int exec_child_with_export(HANDLE m, int *cloexec)
{
	char role[32];
	int fd = MmfExportFileMapping(m), ret;

	if (fd < 0)
		return -1;
	*cloexec = fcntl(fd, F_GETFD) & FD_CLOEXEC;
	snprintf(role, sizeof(role), "m%d", fd);
	ret = exec_child(role);
	close(fd);
	return ret;
}

/* bInheritHandle of CreateFileMappingA, OpenFileMappingA and DuplicateHandle is kept. */
TEST(inheritable_mapping_handles_cross_exec)
{
	SECURITY_ATTRIBUTES inh = { sizeof(inh), NULL, TRUE }, sd = inh;
	HANDLE m, n, o, d;
	char name[64], *v;
	int cloexec = -1;

	snprintf(name, sizeof(name), "w32mem.inherit.%d", getpid());
	m = CreateFileMappingA(INVALID_HANDLE_VALUE, &inh, PAGE_READWRITE, 0, K64, name);
	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, exec_child_with_export(m, &cloexec));
	EXPECT_EQ(0, cloexec);
	EXPECT_STREQ("inherited", v + 64);
	memset(v, 0, 128);

	/* Not inheritable: the exec'd child gets nothing. */
	n = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, name);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(INHERIT_NOTHING, exec_child_with_export(n, &cloexec));
	EXPECT_EQ(FD_CLOEXEC, cloexec);
	o = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_WRITE, TRUE, name);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(0, exec_child_with_export(o, &cloexec));
	EXPECT_EQ(0, cloexec);
	EXPECT_STREQ("inherited", v + 64);
	memset(v, 0, 128);

	/* A duplicate has its own inheritance, whatever its source's. */
	ASSERT_TRUE(DuplicateHandle(SELF, n, SELF, &d, 0, TRUE, DUPLICATE_SAME_ACCESS));
	EXPECT_EQ(0, exec_child_with_export(d, &cloexec));
	EXPECT_STREQ("inherited", v + 64);
	CloseHandle(d);
	ASSERT_TRUE(DuplicateHandle(SELF, o, SELF, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
	EXPECT_EQ(INHERIT_NOTHING, exec_child_with_export(d, &cloexec));
	CloseHandle(d);

	/* A security descriptor cannot be applied: refused, not ignored. */
	sd.lpSecurityDescriptor = &sd;
	SetLastError(0);
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, &sd, PAGE_READWRITE, 0, K64,
					   NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	sd.bInheritHandle = FALSE;
	SetLastError(0);
	EXPECT_EQ(INVALID_HANDLE_VALUE, CreateFileA("/mnt/ext4/w32mem.sd", GENERIC_READ, 0, &sd,
						    CREATE_ALWAYS, 0, NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	EXPECT_EQ(-1, access("/mnt/ext4/w32mem.sd", F_OK));
	UnmapViewOfFile(v);
	CloseHandle(o);
	CloseHandle(n);
	CloseHandle(m);
}

/* An inheritable file handle's descriptor crosses exec with its file pointer. */
TEST_F(mem, inheritable_file_handles_cross_exec)
{
	SECURITY_ATTRIBUTES inh = { sizeof(inh), NULL, TRUE };
	char role[80], buf[8] = "";
	HANDLE h, d;
	DWORD n;

	/* Only the handles under test may reach the child. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFD, FD_CLOEXEC));
	snprintf(role, sizeof(role), "f%s", self->path);
	EXPECT_EQ(INHERIT_NOTHING, exec_child(role));

	h = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE,
			FILE_SHARE_READ | FILE_SHARE_WRITE, &inh, OPEN_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, h);
	EXPECT_EQ(3u, SetFilePointer(h, 3, NULL, FILE_BEGIN));
	EXPECT_EQ(0, exec_child(role));
	EXPECT_EQ(3, pread(self->fd, buf, 3, 3));
	EXPECT_STREQ("XYZ", buf);
	/* The child moved the pointer the handle shares. */
	EXPECT_EQ(6u, SetFilePointer(h, 0, NULL, FILE_CURRENT));
	CloseHandle(h);

	/* An inheritable duplicate of a handle that is not: its own descriptor. */
	ASSERT_TRUE(DuplicateHandle(SELF, self->file, SELF, &d, 0, TRUE, DUPLICATE_SAME_ACCESS));
	EXPECT_EQ(8u, SetFilePointer(d, 8, NULL, FILE_BEGIN));
	EXPECT_EQ(0, exec_child(role));
	EXPECT_EQ(11u, SetFilePointer(self->file, 0, NULL, FILE_CURRENT));
	CloseHandle(d);
	EXPECT_EQ(INHERIT_NOTHING, exec_child(role));
	/* The source still works once its copy (and the copy's fd) is gone. */
	EXPECT_TRUE(WriteFile(self->file, "!", 1, &n, NULL));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, pread(self->fd, buf, 4, 8));
	EXPECT_STREQ("XYZ!", buf);

	/* A template file's attributes cannot be copied: refused, not ignored. */
	SetLastError(0);
	EXPECT_EQ(INVALID_HANDLE_VALUE, CreateFileA(self->path, GENERIC_READ, FILE_SHARE_READ,
						    NULL, OPEN_EXISTING, 0, self->file));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
}

/* MapViewOfFile's access word: rights, FILE_MAP_ALL_ACCESS's others, three flags. */
TEST_F(mem, map_view_access_bits_are_taken_or_refused)
{
	HANDLE m = CreateFileMappingA(self->file, NULL, PAGE_READWRITE, 0, 0, NULL);
	HANDLE x = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE, 0,
				      K64, NULL);
	HANDLE r = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE,
				      0, RSV, NULL);
	static const DWORD refused[] = {
		FILE_MAP_READ | 0x40, FILE_MAP_READ | 0x1000, FILE_MAP_WRITE | 0x00100000,
		FILE_MAP_READ | FILE_MAP_LARGE_PAGES, FILE_MAP_READ | FILE_MAP_TARGETS_INVALID,
		FILE_MAP_WRITE | FILE_MAP_RESERVE,
	};
	size_t i;
	char *v;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, x);
	ASSERT_NE(NULL, r);
	/* The other rights of FILE_MAP_ALL_ACCESS give a view nothing more. */
	v = MapViewOfFile(m, FILE_MAP_READ | SECTION_EXTEND_SIZE | 0x000F0000, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_READONLY, 4 * PG, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	EXPECT_TRUE(UnmapViewOfFile(v));
	/* SECTION_MAP_EXECUTE alone, or with FILE_MAP_COPY, is a view without access. */
	v = MapViewOfFile(m, SECTION_MAP_EXECUTE | FILE_MAP_COPY, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_NOACCESS, 4 * PG, MEM_COMMIT, PAGE_NOACCESS, MEM_MAPPED);
	EXPECT_TRUE(UnmapViewOfFile(v));

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		SetLastError(0);
		EXPECT_EQ(NULL, MapViewOfFile(m, refused[i], 0, 0, 0)) TH_LOG("%#x", refused[i]);
		EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError()) TH_LOG("%#x", refused[i]);
	}
	/* No Control Flow Guard here to mark targets invalid for. */
	SetLastError(0);
	EXPECT_EQ(NULL, MapViewOfFile(x, FILE_MAP_WRITE | FILE_MAP_EXECUTE |
				      FILE_MAP_TARGETS_INVALID, 0, 0, 0));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	/* A reserved view of a SEC_RESERVE section is what its views are. */
	v = MapViewOfFile(r, FILE_MAP_WRITE | FILE_MAP_RESERVE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	EXPECT_MBI(v, v, PAGE_READWRITE, RSV, MEM_RESERVE, 0, MEM_MAPPED);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 0));
	EXPECT_EQ(v, VirtualAlloc(v, K64, MEM_COMMIT, PAGE_READWRITE));
	strcpy(v, "committed");
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(r);
	CloseHandle(x);
	CloseHandle(m);
}

/* Chromium-style shared memory: an unnamed section handed over a Unix socket. */
TEST(unnamed_section_handed_to_another_process_with_its_rights)
{
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, NULL);
	int sv[2], fd, status;
	char name[64];
	HANDLE r;
	char *v;
	pid_t pid;

	ASSERT_NE(NULL, m);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

	/* All the rights: the child writes, the parent reads it. */
	fd = MmfExportFileMapping(m);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_import(sv[1], 1));
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %#x", status);
	EXPECT_STREQ("from the child", v + 64);

	/* A read-only handle (opened by name): the child can read, not write. */
	snprintf(name, sizeof(name), "w32mem.handoff.%d", getpid());
	CloseHandle(m);
	m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, K64, name);
	ASSERT_NE(NULL, m);
	UnmapViewOfFile(v);
	v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_NE(NULL, v);
	strcpy(v + 64, "from the parent");
	r = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	ASSERT_NE(NULL, r);
	fd = MmfExportFileMapping(r);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_import(sv[1], 0));
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %#x", status);
	EXPECT_STREQ("from the parent", v + 64);

	/* Not a section: refused. */
	SetLastError(0);
	EXPECT_EQ(NULL, MmfImportFileMapping(sv[0], FILE_MAP_READ));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	EXPECT_EQ(-1, MmfExportFileMapping(NULL));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	close(sv[0]);
	close(sv[1]);
	UnmapViewOfFile(v);
	CloseHandle(r);
	CloseHandle(m);
}

/* The native half: mmf_section_export/import keep the rights the descriptor carries. */
TEST_F(mem, native_section_descriptor_carries_exact_rights)
{
	int fd = open(self->path, O_RDONLY), d;
	mmf_section *s, *t;
	void *view;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmf_create(fd, 0, MMF_PAGE_READONLY, &s));
	close(fd);
	ASSERT_EQ(0, mmf_section_export(s, &d));
	EXPECT_EQ(-EACCES, mmf_section_import(d, MMF_MAP_READ | MMF_MAP_WRITE, &t));
	ASSERT_EQ(0, mmf_section_import(d, MMF_MAP_READ, &t));
	EXPECT_EQ(mmf_section_size(s), mmf_section_size(t));
	EXPECT_EQ(MMF_PAGE_READONLY, mmf_section_protection(t));
	close(d);
	mmf_close(s);
	ASSERT_EQ(0, mmf_map(t, MMF_MAP_READ, 0, 0, NULL, &view));
	EXPECT_TRUE(mmft_all(view, 4 * PG, 'a'));
	EXPECT_EQ(0, mmf_unmap(view));
	/* Write is not the handle's to give, whatever the library is asked. */
	EXPECT_EQ(-EACCES, mmf_map(t, MMF_MAP_WRITE, 0, 0, NULL, &view));
	mmf_close(t);
	EXPECT_EQ(-EBADF, mmf_section_import(self->fd, MMF_MAP_READ, &t));
}

TEST_HARNESS_MAIN

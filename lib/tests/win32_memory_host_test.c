// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the Win32 memory calls (issue 11, w32mem) where no
 * view is needed: VirtualQuery and VirtualProtect on ordinary memory, the
 * refusals of VirtualAlloc/VirtualFree, GetMappedFileNameA/W on a plain
 * file mapping, GetLargePageMinimum, and the CreateFileMappingA attributes
 * decided before the module is asked.  Expected values are Windows' answers
 * (Wine's kernel32/psapi conformance tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <mmf.h>
#include <mmf/win32.h>

#define SELF ((HANDLE)(intptr_t)-1)

static size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

TEST(virtual_query_outside_views)
{
	MEMORY_BASIC_INFORMATION mbi;
	size_t p = pg();
	char *rw, *none, *hole;

	rw = mmap(NULL, 3 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rw);
	/* Split into three: read-write, nothing (a reservation), a hole. */
	ASSERT_EQ(0, mprotect(rw + p, p, PROT_NONE));
	ASSERT_EQ(0, munmap(rw + 2 * p, p));
	none = rw + p;
	hole = rw + 2 * p;

	ASSERT_EQ(sizeof(mbi), VirtualQuery(rw + 10, &mbi, sizeof(mbi)));
	EXPECT_EQ(rw, mbi.BaseAddress);
	EXPECT_EQ(p, mbi.RegionSize);
	EXPECT_EQ(MEM_COMMIT, mbi.State);
	EXPECT_EQ(PAGE_READWRITE, mbi.Protect);
	EXPECT_EQ(MEM_PRIVATE, mbi.Type);

	ASSERT_EQ(sizeof(mbi), VirtualQuery(none, &mbi, sizeof(mbi)));
	EXPECT_EQ(none, mbi.BaseAddress);
	EXPECT_EQ(MEM_RESERVE, mbi.State);
	EXPECT_EQ(0, mbi.Protect);
	EXPECT_EQ(MEM_PRIVATE, mbi.Type);

	/* Free address space: Windows' answer, as after UnmapViewOfFile. */
	if (VirtualQuery(hole, &mbi, sizeof(mbi)) == sizeof(mbi) && mbi.State == MEM_FREE) {
		EXPECT_EQ(hole, mbi.BaseAddress);
		EXPECT_EQ(NULL, mbi.AllocationBase);
		EXPECT_EQ(0, mbi.AllocationProtect);
		EXPECT_EQ(PAGE_NOACCESS, mbi.Protect);
		EXPECT_EQ(0, mbi.Type);
		EXPECT_LE(p, mbi.RegionSize);
	}
	/* A program's code: an image, executable. */
	ASSERT_EQ(sizeof(mbi), VirtualQuery((void *)(uintptr_t)&pg, &mbi, sizeof(mbi)));
	EXPECT_EQ(MEM_IMAGE, mbi.Type);
	EXPECT_EQ(PAGE_EXECUTE_READ, mbi.Protect);

	SetLastError(0);
	EXPECT_EQ(0, VirtualQuery(rw, &mbi, sizeof(mbi) - 1));
	EXPECT_EQ(ERROR_BAD_LENGTH, GetLastError());
	EXPECT_EQ(0, VirtualQuery((void *)(uintptr_t)0xFFFFFFFFFFFF0000ull, &mbi, sizeof(mbi)));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	munmap(rw, 2 * p);
}

static int write_fn(void *addr)
{
	signal(SIGSEGV, SIG_DFL);
	*(volatile char *)addr = 1;
	return 0;
}

static int signal_on_write(void *addr)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(write_fn(addr));
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST(virtual_protect_on_private_memory)
{
	size_t p = pg();
	char *m = mmap(NULL, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	DWORD old = 0;

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_TRUE(VirtualProtect(m, p, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_READWRITE, old);
	EXPECT_EQ(SIGSEGV, signal_on_write(m));
	EXPECT_EQ(0, signal_on_write(m + p));
	ASSERT_TRUE(VirtualProtect(m, 2 * p, PAGE_NOACCESS, &old));
	EXPECT_EQ(PAGE_READONLY, old);
	ASSERT_TRUE(VirtualProtect(m, 2 * p, PAGE_READWRITE, &old));
	EXPECT_EQ(PAGE_NOACCESS, old);
	/* Copy-on-write is for views; the old protection is required. */
	SetLastError(0);
	EXPECT_FALSE(VirtualProtect(m, p, PAGE_WRITECOPY, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualProtect(m, p, PAGE_READONLY, NULL));
	EXPECT_EQ(ERROR_NOACCESS, GetLastError());
	EXPECT_FALSE(VirtualProtect(m, p, PAGE_READONLY | PAGE_READWRITE, &old));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualProtect(m, p, PAGE_READWRITE | PAGE_GUARD, &old));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	munmap(m, 2 * p);
	/* Nothing mapped there any more. */
	EXPECT_FALSE(VirtualProtect(m, p, PAGE_READONLY, &old));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
}

/* Wine's test_VirtualAlloc facts: reserve, commit, protect, decommit, release. */
TEST(virtual_alloc_reserve_commit_decommit_release)
{
	MEMORY_BASIC_INFORMATION mbi;
	char buf[64], *a, *b;
	DWORD old = 0;

	SetLastError(0);
	EXPECT_EQ(NULL, VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_NOACCESS));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	a = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, (uintptr_t)a & 0xFFFF);	/* 64 KiB aligned */
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a, &mbi, sizeof(mbi)));
	EXPECT_EQ(a, mbi.BaseAddress);
	EXPECT_EQ(a, mbi.AllocationBase);
	EXPECT_EQ(PAGE_NOACCESS, mbi.AllocationProtect);
	EXPECT_EQ(0x10000, mbi.RegionSize);
	EXPECT_EQ(MEM_RESERVE, mbi.State);
	EXPECT_EQ(0, mbi.Protect);
	EXPECT_EQ(MEM_PRIVATE, mbi.Type);
	EXPECT_FALSE(VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());

	EXPECT_EQ(a, VirtualAlloc(a, 0x1000, MEM_COMMIT, PAGE_NOACCESS));
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a, &mbi, sizeof(mbi)));
	EXPECT_EQ(0x1000, mbi.RegionSize);
	EXPECT_EQ(MEM_COMMIT, mbi.State);
	EXPECT_EQ(PAGE_NOACCESS, mbi.Protect);
	EXPECT_EQ(PAGE_NOACCESS, mbi.AllocationProtect);
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a + 0x1000, &mbi, sizeof(mbi)));
	EXPECT_EQ(0xF000, mbi.RegionSize);
	EXPECT_EQ(MEM_RESERVE, mbi.State);
	/* Not all committed. */
	EXPECT_FALSE(VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	ASSERT_TRUE(VirtualProtect(a, 0x1000, PAGE_READONLY, &old));
	EXPECT_EQ(PAGE_NOACCESS, old);
	ASSERT_TRUE(VirtualProtect(a, 0x1000, PAGE_READWRITE, &old));
	EXPECT_EQ(PAGE_READONLY, old);
	a[10] = 'x';

	EXPECT_FALSE(VirtualFree(a, 0x10000, 0));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	ASSERT_TRUE(VirtualFree(a, 0x10000, MEM_DECOMMIT));
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a, &mbi, sizeof(mbi)));
	EXPECT_EQ(MEM_RESERVE, mbi.State);
	EXPECT_EQ(0x10000, mbi.RegionSize);
	EXPECT_EQ(SIGSEGV, signal_on_write(a));
	/* Committed again: zeros. */
	EXPECT_EQ(a, VirtualAlloc(a, 0x1000, MEM_COMMIT, PAGE_READWRITE));
	EXPECT_EQ(0, a[10]);
	EXPECT_FALSE(VirtualFree(a, 1, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualFree(a + 0x1000, 0, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	ASSERT_TRUE(VirtualFree(a, 0, MEM_RELEASE));
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a, &mbi, sizeof(mbi)));
	EXPECT_EQ(MEM_FREE, mbi.State);

	/* Reserve and commit at once; again at the same address once released. */
	b = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, (uintptr_t)b & 0xFFFF);
	b[0x1fff] = 1;
	ASSERT_TRUE(VirtualFree(b, 0, MEM_RELEASE));
	EXPECT_EQ(b, VirtualAlloc(b, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
	/* Taken: a view or an allocation is there. */
	EXPECT_EQ(NULL, VirtualAlloc(b, 0x1000, MEM_RESERVE, PAGE_READWRITE));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	/* MEM_COMMIT alone without an address reserves too. */
	a = VirtualAlloc(NULL, 0x3000, MEM_COMMIT, PAGE_READONLY);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(sizeof(mbi), VirtualQuery(a, &mbi, sizeof(mbi)));
	EXPECT_EQ(MEM_COMMIT, mbi.State);
	EXPECT_EQ(PAGE_READONLY, mbi.Protect);
	EXPECT_EQ(0x3000, mbi.RegionSize);
	ASSERT_TRUE(VirtualFree(a, 0, MEM_RELEASE));
	ASSERT_TRUE(VirtualFree(b, 0, MEM_RELEASE));

	/* What Windows refuses. */
	EXPECT_EQ(NULL, VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT | 0x40000000,
				     PAGE_READWRITE));	/* AT_ROUND_TO_PAGE */
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_WRITECOPY));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(NULL, 0x200000, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
				     PAGE_READWRITE));
	EXPECT_EQ(ERROR_PRIVILEGE_NOT_HELD, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE | PAGE_GUARD));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	EXPECT_EQ(NULL, VirtualAlloc(buf, 0x1000, MEM_COMMIT, PAGE_READWRITE));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
	EXPECT_FALSE(VirtualFree(buf, 0, 0));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_FALSE(VirtualFree(buf, 0, MEM_RELEASE));
	EXPECT_EQ(ERROR_INVALID_ADDRESS, GetLastError());
}

TEST(get_mapped_file_name_of_a_file_mapping)
{
	char path[] = "/tmp/w32mem.XXXXXX", real[4096], name[4096];
	WCHAR wname[64];
	int fd = mkstemp(path);
	char *m;
	DWORD n;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * pg()));
	m = mmap(NULL, 2 * pg(), PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_NE(NULL, realpath(path, real));
	n = GetMappedFileNameA(SELF, m + pg() + 1, name, sizeof(name));
	EXPECT_EQ(strlen(real), n);
	EXPECT_STREQ(real, name);
	/* Truncated to the buffer: NUL-terminated, the buffer's size returned. */
	EXPECT_EQ(5, GetMappedFileNameA(SELF, m, name, 5));
	EXPECT_EQ(0, strncmp(name, real, 4));
	EXPECT_EQ(0, name[4]);
	n = GetMappedFileNameW(SELF, m, wname, 64);
	EXPECT_EQ(strlen(real), n);
	EXPECT_EQ('/', wname[0]);
	EXPECT_EQ(0, wname[n]);
	/* Not a file: heap, stack. */
	SetLastError(0);
	EXPECT_EQ(0, GetMappedFileNameA(SELF, name, name, sizeof(name)));
	EXPECT_EQ(ERROR_UNEXP_NET_ERR, GetLastError());
	EXPECT_EQ(0, GetMappedFileNameA((HANDLE)(intptr_t)8, m, name, sizeof(name)));
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	munmap(m, 2 * pg());
	close(fd);
	unlink(path);
}

TEST(large_page_minimum_is_the_huge_page_size)
{
	SIZE_T s = GetLargePageMinimum();
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long kb = 0;
	char line[128];

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	EXPECT_EQ((SIZE_T)kb * 1024, s);
	if (s) {
		EXPECT_EQ(0, s & (s - 1));
	}
}

/* CreateFileMappingA's attributes: decided before the module is asked. */
TEST(sec_attributes_before_the_module)
{
	char path[] = "/tmp/w32mem.XXXXXX";
	int fd = mkstemp(path);
	HANDLE f;

	ASSERT_LE(0, fd);
	close(fd);
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	SetLastError(0);
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_COMMIT | SEC_RESERVE, 0, 65536, NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	/* An empty file is no image. */
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
	EXPECT_EQ(ERROR_BAD_EXE_FORMAT, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READWRITE | SEC_LARGE_PAGES, 0, 4096,
					   NULL));
	EXPECT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
					   PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, 0, 2u << 20,
					   NULL));
	EXPECT_EQ(ERROR_PRIVILEGE_NOT_HELD, GetLastError());
	EXPECT_EQ(NULL, CreateFileMappingA(f, NULL, PAGE_READWRITE | SEC_NOCACHE, 0, 4096, NULL));
	EXPECT_EQ(ERROR_NOT_SUPPORTED, GetLastError());
	CloseHandle(f);
	unlink(path);
}

/* A descriptor that is not a section is refused (or there is no module to ask). */
TEST(import_refuses_what_is_not_a_section)
{
	mmf_section *s;
	int fd = open("/dev/null", O_RDONLY);
	int ret;

	ASSERT_LE(0, fd);
	ret = mmf_section_import(fd, MMF_MAP_READ, &s);
	EXPECT_TRUE(ret == -EBADF || ret == -ENXIO);
	EXPECT_EQ(-EINVAL, mmf_section_import(fd, 0, &s));
	EXPECT_EQ(-EINVAL, mmf_section_export(NULL, &fd));
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 file mappings: CreateFileMappingA, OpenFileMappingA,
 * MapViewOfFile(Ex), FlushViewOfFile, UnmapViewOfFile, GetSystemInfo, with
 * Windows' rules on top of the native calls: 64 KiB view offsets and
 * addresses, byte-exact view bounds, Local\ and Global\ names, and the
 * error codes Windows gives in each situation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "win32_handle.h"
#include "win32_memory.h"

/* Not in mmf.h's rights: the section was created with a PAGE_EXECUTE_* protection. */
#define W32_SECTION_ALL	(MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY | MMF_MAP_EXEC)

static HANDLE fail_null(int err)
{
	mmf__win32_fail(err);
	return NULL;
}

/*
 * The kernel name for a Win32 name: "Local\" is the session namespace every
 * unprefixed name lives in, so it is dropped; "Global\" names stay apart.
 */
static const char *section_name(const char *name)
{
	if (!name || !*name)
		return NULL;
	if (!strncmp(name, "Local\\", 6))
		return name + 6;
	return name;
}

static HANDLE new_mapping(mmf_section *s, unsigned int rights, bool inherit)
{
	struct w32_object *obj = calloc(1, sizeof(*obj));

	if (!obj) {
		mmf_close(s);
		return fail_null(ENOMEM);
	}
	obj->kind = W32_MAPPING;
	obj->section = s;
	obj->rights = rights;
	obj->inherit = inherit;
	return mmf__w32_insert(obj);
}

/*
 * w32mem: the SEC_* attributes of CreateFileMappingA: 0, or the Win32
 * error Windows gives (or gives where it cannot honour them).  SEC_RESERVE
 * applies to paging-file sections (their views start reserved, committed
 * with VirtualAlloc); Windows ignores it for files, as here.
 */
static int sec_attributes(HANDLE hFile, DWORD flProtect)
{
	DWORD sec = flProtect & ~0xFFu;
	bool pagefile = hFile == INVALID_HANDLE_VALUE;
	struct w32_object *file;
	char mz[2];

	if (sec & ~(SEC_COMMIT | SEC_RESERVE | SEC_IMAGE | SEC_NOCACHE | SEC_WRITECOMBINE |
		    SEC_LARGE_PAGES))
		return ERROR_INVALID_PARAMETER;
	if ((sec & SEC_COMMIT) && (sec & SEC_RESERVE))
		return ERROR_INVALID_PARAMETER;
	if (sec & SEC_IMAGE) {
		/* No executable image loader: a file that is not one is Windows' answer. */
		if (pagefile)
			return ERROR_BAD_EXE_FORMAT;
		file = mmf__w32_get(hFile, W32_FILE);
		if (!file)
			return ERROR_INVALID_HANDLE;
		if (pread(file->fd, mz, 2, 0) == 2 && mz[0] == 'M' && mz[1] == 'Z') {
			mmf__w32_put(file);
			return ERROR_NOT_SUPPORTED;
		}
		mmf__w32_put(file);
		return ERROR_BAD_EXE_FORMAT;
	}
	/* Large pages need SeLockMemoryPrivilege, which a process lacks by default. */
	if (sec & SEC_LARGE_PAGES)
		return pagefile ? ERROR_PRIVILEGE_NOT_HELD : ERROR_INVALID_PARAMETER;
	/* Linux has no uncached or write-combined attribute for this memory. */
	if (sec & (SEC_NOCACHE | SEC_WRITECOMBINE))
		return ERROR_NOT_SUPPORTED;
	return 0;
}

MMF_EXPORT HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
					    DWORD flProtect, DWORD dwMaximumSizeHigh,
					    DWORD dwMaximumSizeLow, LPCSTR lpName)
{
	uint64_t max = ((uint64_t)dwMaximumSizeHigh << 32) | dwMaximumSizeLow;
	const char *name = section_name(lpName);
	struct mmf_options opts = { .size = sizeof(opts), .name = name };
	unsigned int prot, rights, exec = 0;
	struct w32_object *file = NULL;
	mmf_section *s;
	bool existed;
	struct stat st, st0;
	bool inherit;
	DWORD err;
	HANDLE h;
	int ret;

	err = mmf__w32_security(lpAttributes, &inherit);
	if (err) {
		mmf__win32_set(err);
		return NULL;
	}
	/* w32mem: the SEC_* attributes as Windows takes them (sec_attributes()). */
	ret = sec_attributes(hFile, flProtect);
	if (ret) {
		mmf__win32_set((DWORD)ret);
		return NULL;
	}
	switch (flProtect & 0xFF) {
	case PAGE_EXECUTE_READ:
		exec = MMF_MAP_EXEC;
		/* fall through */
	case PAGE_READONLY:
		prot = MMF_PAGE_READONLY;
		rights = MMF_MAP_READ | MMF_MAP_COPY;
		break;
	case PAGE_EXECUTE_READWRITE:
		exec = MMF_MAP_EXEC;
		/* fall through */
	case PAGE_READWRITE:
		prot = MMF_PAGE_READWRITE;
		rights = MMF_MAP_READ | MMF_MAP_WRITE | MMF_MAP_COPY;
		break;
	case PAGE_EXECUTE_WRITECOPY:
		exec = MMF_MAP_EXEC;
		/* fall through */
	case PAGE_WRITECOPY:
		prot = MMF_PAGE_WRITECOPY;
		rights = MMF_MAP_READ | MMF_MAP_COPY;
		break;
	default:
		return fail_null(EINVAL);
	}
	rights |= exec;
	/* An executable named section may be opened for execution by its owner. */
	if (exec)
		opts.mode = 0700;

	if (hFile == INVALID_HANDLE_VALUE) {
		/* Backed by the paging file: a size is required. */
		if (max == 0)
			return fail_null(EINVAL);
		/* w32mem: a paging-file section is a whole number of pages. */
		if (max > UINT64_MAX - mmf__page_size())
			return fail_null(ENOMEM);
		max = (max + mmf__page_size() - 1) & ~(uint64_t)(mmf__page_size() - 1);
		ret = mmf_create_options(MMF_NO_FILE, max, prot, &opts, &s);
	} else {
		file = mmf__w32_get(hFile, W32_FILE);
		if (!file)
			return fail_null(EBADF);
		/* The file handle's access must cover the protection. */
		if (!(file->rights & MMF_MAP_READ) ||
		    (prot == MMF_PAGE_READWRITE && !(file->rights & MMF_MAP_WRITE))) {
			mmf__w32_put(file);
			return fail_null(EACCES);
		}
		/* w32mem: a failed grow leaves the file's size as it was. */
		if (fstat(file->fd, &st0) < 0)
			st0.st_size = -1;
		ret = mmf_create_options(file->fd, max, prot, &opts, &s);
		if (ret < 0 && st0.st_size >= 0 && fstat(file->fd, &st) == 0 &&
		    st.st_size > st0.st_size)
			(void)!ftruncate(file->fd, st0.st_size);
		/* Windows: a section larger than the file system allows is out of memory. */
		if (ret == -EFBIG) {
			mmf__w32_put(file);
			mmf__win32_set(ERROR_NOT_ENOUGH_MEMORY);
			return NULL;
		}
		if (ret == -EINVAL || ret == -EACCES) {
			if (fstat(file->fd, &st) < 0)
				st.st_size = 0;
			if (ret == -EINVAL && max == 0 && st.st_size == 0) {
				mmf__w32_put(file);
				mmf__win32_set(ERROR_FILE_INVALID);
				return NULL;
			}
			/* Windows cannot grow a file through a section it may not write. */
			if (ret == -EACCES && max > (uint64_t)st.st_size &&
			    prot != MMF_PAGE_READWRITE) {
				mmf__w32_put(file);
				mmf__win32_set(ERROR_NOT_ENOUGH_MEMORY);
				return NULL;
			}
		}
		mmf__w32_put(file);
	}
	if (ret == -EEXIST) {
		/*
		 * The name belongs to a section backed by another file (or by
		 * the paging file): Windows' answer for a name whose object is
		 * not what was asked for.
		 */
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return NULL;
	}
	if (ret < 0)
		return fail_null(ret);
	existed = mmf_section_existed(s);
	if (existed) {
		/*
		 * Windows opens the existing object with all rights; what a view
		 * may do follows the section's own protection (checked per view).
		 */
		rights = W32_SECTION_ALL;
	}
	/* w32mem: a new SEC_RESERVE paging-file section starts uncommitted. */
	if (!existed && hFile == INVALID_HANDLE_VALUE && (flProtect & SEC_RESERVE)) {
		ret = mmf__w32_reserve_new(s->id, mmf_section_size(s));
		if (ret < 0) {
			mmf_close(s);
			return fail_null(ret);
		}
	}
	h = new_mapping(s, rights, inherit);
	if (h)
		mmf__win32_set(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

/*
 * FILE_MAP_* of OpenFileMappingA: the rights are exact, as on Windows
 * (w32mem): FILE_MAP_WRITE alone does not grant reading.  FILE_MAP_COPY
 * alone asks for reading (Windows turns it into SECTION_MAP_READ);
 * SECTION_MAP_EXECUTE (0x8, part of FILE_MAP_ALL_ACCESS) or
 * FILE_MAP_EXECUTE grant execution.
 */
static unsigned int open_rights(DWORD access)
{
	unsigned int r = 0;

	if (access == FILE_MAP_COPY || (access & FILE_MAP_READ))
		r |= MMF_MAP_READ | MMF_MAP_COPY;
	if (access & FILE_MAP_WRITE)
		r |= MMF_MAP_WRITE;
	if (access & (FILE_MAP_EXECUTE | 0x0008u))
		r |= MMF_MAP_EXEC;
	return r;
}

MMF_EXPORT HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle,
					  LPCSTR lpName)
{
	const char *name = section_name(lpName);
	unsigned int rights = open_rights(dwDesiredAccess);
	mmf_section *s;
	int ret;

	if (!name)
		return fail_null(EINVAL);
	/* A handle without rights is allowed; its views will be refused. */
	ret = mmf_open(name, rights ? rights : MMF_MAP_READ, &s);
	if (ret == -EACCES && (rights & MMF_MAP_WRITE)) {
		/*
		 * Windows checks a section's security, not its protection, when
		 * it is opened: a read-only section opens for FILE_MAP_WRITE and
		 * only a writable view fails.  Keep EACCES when permissions say no.
		 */
		ret = mmf_open(name, (rights & ~MMF_MAP_WRITE) | MMF_MAP_READ, &s);
		if (ret == 0 && mmf_section_protection(s) == MMF_PAGE_READWRITE) {
			mmf_close(s);
			ret = -EACCES;
		}
	}
	if (ret == -ENOENT) {
		mmf__win32_set(ERROR_FILE_NOT_FOUND);
		return NULL;
	}
	if (ret < 0)
		return fail_null(ret);
	{
		HANDLE h = new_mapping(s, rights, bInheritHandle != FALSE);

		if (h)
			mmf__win32_set(ERROR_SUCCESS);
		return h;
	}
}

/* w32mem: the PAGE_* of a view of this access (VirtualQuery's AllocationProtect). */
static DWORD view_protect(unsigned int access)
{
	bool x = access & MMF_MAP_EXEC;

	if (access & MMF_MAP_COPY)
		return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
	if (access & MMF_MAP_WRITE)
		return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	if (access & MMF_MAP_READ)
		return x ? PAGE_EXECUTE_READ : PAGE_READONLY;
	return PAGE_NOACCESS;
}

/* w32mem: the PAGE_* of the section as far as this handle knows it. */
static DWORD section_protect(const struct w32_object *m)
{
	bool x = m->rights & MMF_MAP_EXEC;

	switch (mmf_section_protection(m->section)) {
	case MMF_PAGE_READWRITE:
		return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	case MMF_PAGE_WRITECOPY:
		return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
	default:
		return x ? PAGE_EXECUTE_READ : PAGE_READONLY;
	}
}

/* Where the page cache's 2 MiB folios can be mapped with one fault each. */
#define W32_FOLIO_ALIGN	((size_t)2 << 20)

/*
 * Windows puts views at 64 KiB boundaries; so do we when no address is
 * asked.  A view of 2 MiB or more also goes where its file offset falls
 * modulo 2 MiB, as mmf_map() (and mmap of the file) would place it, so that
 * large folios map with one fault; the offset is a multiple of 64 KiB, so
 * the address is too.
 */
static int map_aligned(mmf_section *s, unsigned int access, uint64_t offset, size_t length,
		       void **view)
{
	size_t align = length >= W32_FOLIO_ALIGN ? W32_FOLIO_ALIGN : W32_GRANULARITY;
	size_t slack = align - mmf__page_size();
	uintptr_t phase = (uintptr_t)(offset & (align - 1));
	int tries, ret = -ENOMEM;

	for (tries = 0; tries < 8; tries++) {
		void *r = mmap(NULL, length + slack, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		uintptr_t a;

		if (r == MAP_FAILED)
			break;
		/* The first address at or past r that is phase modulo align. */
		a = (((uintptr_t)r - phase + align - 1) & ~(uintptr_t)(align - 1)) + phase;
		munmap(r, length + slack);
		/* Another thread may take the spot in between: then try again. */
		ret = mmf__map(s, access, offset, length, (void *)a, 1, view);
		if (ret != -EEXIST)
			return ret;
	}
	if (ret == -EEXIST || ret == -ENOMEM)
		ret = mmf__map(s, access, offset, length, NULL, 0, view);
	return ret;
}

/* A view of @length bytes at @addr exactly, or at a 64 KiB boundary (NULL). */
static int map_view(mmf_section *s, unsigned int access, uint64_t offset, size_t length,
		    void *addr, void **view)
{
	if (addr)
		return mmf__map(s, access, offset, length, addr, 1, view);
	return map_aligned(s, access, offset, length, view);
}

/*
 * What MapViewOfFileEx takes in dwDesiredAccess: the rights a view uses
 * (FILE_MAP_COPY, _WRITE, _READ, _EXECUTE, and SECTION_MAP_EXECUTE, which
 * Windows takes and which gives no access by itself: w32mem), the other
 * rights of FILE_MAP_ALL_ACCESS (SECTION_EXTEND_SIZE, the standard rights),
 * which a view does not use, and three flags (view_flags()).  Any other bit
 * is refused rather than ignored: it asks for something no view here does.
 */
#define W32_VIEW_ACCESS	(FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE)
#define W32_VIEW_FLAGS	(FILE_MAP_LARGE_PAGES | FILE_MAP_TARGETS_INVALID | FILE_MAP_RESERVE)

/* 0 if the view flags in @access can be honoured, else the Win32 error. */
static DWORD view_flags(const struct w32_object *m, DWORD access)
{
	if (access & ~(W32_VIEW_ACCESS | W32_VIEW_FLAGS))
		return ERROR_INVALID_PARAMETER;
	/* Large-page views need a SEC_LARGE_PAGES section; none can be made here. */
	if (access & FILE_MAP_LARGE_PAGES)
		return ERROR_INVALID_PARAMETER;
	/*
	 * Invalid call targets for Control Flow Guard go with FILE_MAP_EXECUTE;
	 * Linux has no CFG to tell, so the restriction cannot be kept.
	 */
	if (access & FILE_MAP_TARGETS_INVALID)
		return (access & FILE_MAP_EXECUTE) ? ERROR_NOT_SUPPORTED : ERROR_INVALID_PARAMETER;
	/*
	 * A reserved view is one of a SEC_RESERVE paging-file section, whose
	 * views start reserved here anyway; no other section has one.
	 */
	if ((access & FILE_MAP_RESERVE) && !mmf__w32_reserve_exists(m->section->id))
		return ERROR_INVALID_PARAMETER;
	return 0;
}

MMF_EXPORT LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
					 DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
					 SIZE_T dwNumberOfBytesToMap, LPVOID lpBaseAddress)
{
	uint64_t offset = ((uint64_t)dwFileOffsetHigh << 32) | dwFileOffsetLow;
	DWORD plain = dwDesiredAccess & ~FILE_MAP_EXECUTE;
	struct w32_object *m;
	unsigned int access, allowed, need;
	uint64_t size;
	size_t length = dwNumberOfBytesToMap, len = 0;
	void *view = NULL;
	DWORD err;
	int ret;

	m = mmf__w32_get(hFileMappingObject, W32_MAPPING);
	if (!m) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return NULL;
	}
	err = view_flags(m, dwDesiredAccess);
	if (err) {
		mmf__w32_put(m);
		mmf__win32_set(err);
		return NULL;
	}
	plain &= W32_VIEW_ACCESS;
	/* FILE_MAP_COPY alone is copy-on-write; with write (ALL_ACCESS) it is not. */
	if (plain == FILE_MAP_COPY)
		access = MMF_MAP_READ | MMF_MAP_COPY;
	else if (plain & FILE_MAP_WRITE)
		access = MMF_MAP_READ | MMF_MAP_WRITE;
	else if (plain & FILE_MAP_READ)
		access = MMF_MAP_READ;
	else
		access = 0;	/* w32mem: a view without access, PAGE_NOACCESS */
	if (access && (dwDesiredAccess & FILE_MAP_EXECUTE))
		access |= MMF_MAP_EXEC;
	/*
	 * w32mem: the rights the view's protection needs, exact as on Windows:
	 * a FILE_MAP_WRITE handle maps write views only, and every other view
	 * (copy, read, no access) needs FILE_MAP_READ.
	 */
	need = (access & MMF_MAP_WRITE) ? MMF_MAP_WRITE : MMF_MAP_READ;
	need |= access & MMF_MAP_EXEC;
	allowed = m->rights;
	size = mmf_section_size(m->section);
	if ((need & ~allowed) ||
	    ((access & MMF_MAP_WRITE) &&
	     mmf_section_protection(m->section) != MMF_PAGE_READWRITE)) {
		ret = -EACCES;
	} else if (offset % W32_GRANULARITY ||
		   (uintptr_t)lpBaseAddress % W32_GRANULARITY) {
		mmf__w32_put(m);
		mmf__win32_set(ERROR_MAPPED_ALIGNMENT);
		return NULL;
	} else if (offset >= size || (length && length > size - offset)) {
		/* Byte-exact: Windows refuses a view past the section's end. */
		ret = -EACCES;
	} else if (!length && size - offset > SIZE_MAX) {
		ret = -ENOMEM;
	} else {
		/* The placement needs the real length: 0 means to the end. */
		len = length ? length : (size_t)(size - offset);
		ret = map_view(m->section, access ? access : MMF_MAP_READ, offset, len,
			       lpBaseAddress, &view);
		/*
		 * w32prog: a handle that did not open the file (OpenFileMapping)
		 * may not map a section's partial last page (kmod/mmf_view.c,
		 * mmf_view_hides_tail): a size-0 view then ends at the last whole
		 * page, as mmf_map's whole views do, and VirtualQuery says so.
		 */
		if (ret == -EACCES && !length && len % mmf__page_size() && len > mmf__page_size()) {
			len -= len % mmf__page_size();
			ret = map_view(m->section, access ? access : MMF_MAP_READ, offset, len,
				       lpBaseAddress, &view);
		}
		if (lpBaseAddress && (ret == -EEXIST || ret == -EINVAL)) {
			mmf__w32_put(m);
			mmf__win32_set(ERROR_INVALID_ADDRESS);
			return NULL;
		}
	}
	if (ret == 0) {
		/* w32mem: the view's Win32 record (VirtualQuery, VirtualProtect...). */
		ret = mmf__w32_view_add(view, len, view_protect(access), section_protect(m),
					access & MMF_MAP_COPY, false, m->section->id, offset);
		if (ret < 0) {
			mmf_unmap(view);
			view = NULL;
		}
	}
	mmf__w32_put(m);
	if (ret < 0)
		return fail_null(ret);
	mmf__win32_set(ERROR_SUCCESS);
	return view;
}

MMF_EXPORT LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
				       DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
				       SIZE_T dwNumberOfBytesToMap)
{
	return MapViewOfFileEx(hFileMappingObject, dwDesiredAccess, dwFileOffsetHigh,
			       dwFileOffsetLow, dwNumberOfBytesToMap, NULL);
}

MMF_EXPORT BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T dwNumberOfBytesToFlush)
{
	int ret = mmf_flush(lpBaseAddress, dwNumberOfBytesToFlush, 0, NULL);

	/* Not a view (or no module, so no view at all). */
	if (ret == -EINVAL || ret == -ENOMEM || ret == -ENXIO) {
		mmf__win32_set(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (ret < 0)
		return mmf__win32_fail(ret);
	return TRUE;
}

MMF_EXPORT BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress)
{
	/* w32mem: the layer's record of the view goes with it. */
	uint64_t record = mmf__w32_view_find(lpBaseAddress);
	int ret = mmf_unmap((void *)(uintptr_t)lpBaseAddress);

	if (ret == 0 && record)
		mmf__w32_view_remove(record);

	if (ret == -EINVAL) {
		mmf__win32_set(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (ret < 0)
		return mmf__win32_fail(ret);
	return TRUE;
}

MMF_EXPORT void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!lpSystemInfo)
		return;
	memset(lpSystemInfo, 0, sizeof(*lpSystemInfo));
#if defined(__x86_64__)
	lpSystemInfo->wProcessorArchitecture = 9;	/* PROCESSOR_ARCHITECTURE_AMD64 */
	lpSystemInfo->dwProcessorType = 8664;		/* PROCESSOR_AMD_X86_64 */
#elif defined(__aarch64__)
	lpSystemInfo->wProcessorArchitecture = 12;	/* PROCESSOR_ARCHITECTURE_ARM64 */
#else
	lpSystemInfo->wProcessorArchitecture = 0xFFFF;	/* unknown */
#endif
	lpSystemInfo->dwPageSize = (DWORD)mmf__page_size();
	lpSystemInfo->dwAllocationGranularity = W32_GRANULARITY;
	lpSystemInfo->lpMinimumApplicationAddress = (LPVOID)(uintptr_t)W32_GRANULARITY;
	lpSystemInfo->lpMaximumApplicationAddress =
		(LPVOID)(uintptr_t)(sizeof(void *) == 8 ? 0x7FFFFFFEFFFFull : 0x7FFEFFFFull);
	if (cpus < 1)
		cpus = 1;
	lpSystemInfo->dwNumberOfProcessors = (DWORD)cpus;
	lpSystemInfo->dwActiveProcessorMask =
		cpus >= (long)(8 * sizeof(DWORD_PTR)) ? ~(DWORD_PTR)0 :
							 ((DWORD_PTR)1 << cpus) - 1;
}

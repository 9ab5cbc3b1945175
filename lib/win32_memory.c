// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 memory calls on views: VirtualQuery, VirtualProtect, VirtualAlloc,
 * VirtualFree, GetMappedFileNameA/W, GetLargePageMinimum, and the hand-off
 * of a mapping handle to another process (MmfExportFileMapping,
 * MmfImportFileMapping).
 *
 * Linux keeps each page's protection in the VMAs (/proc/self/maps); the
 * record of the views MapViewOfFileEx made adds what Linux does not know:
 * the view's and the section's Win32 protection and, for SEC_RESERVE
 * paging-file sections, which pages are committed, shared by every view of
 * the section in this process.  A copy-on-write view's written pages are
 * told from /proc/self/pagemap: a page no longer the file's (bit 61 clear,
 * present or swapped) is the view's own copy, PAGE_READWRITE on Windows.
 * Views mapped through the native API are found with MMF_IOC_QUERY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "win32_handle.h"
#include "win32_memory.h"

#define CURRENT_PROCESS ((HANDLE)(intptr_t)-1)
#define MEM_WRITE_WATCH_ 0x00200000U	/* the SDK's MEM_WRITE_WATCH */
#define MEM_PHYSICAL_ 0x00400000U	/* MEM_PHYSICAL (AWE) */
#define MAX_USER_ADDRESS ((uintptr_t)(sizeof(void *) == 8 ? 0x7FFFFFFEFFFFull : 0x7FFEFFFFull))

/* SEC_RESERVE commit state of one section, shared by its views here. */
struct w32_reserve {
	uint64_t id;
	size_t pages;
	unsigned char *committed;	/* one byte per page of the section */
	int refs;			/* mapping handles and views */
	struct w32_reserve *next;
};

struct w32_view {
	uintptr_t start;
	size_t length;			/* a page multiple */
	DWORD alloc_protect;		/* PAGE_* the view was mapped with */
	DWORD sec_protect;		/* PAGE_* of the section */
	bool copy;			/* MAP_PRIVATE (FILE_MAP_COPY) */
	bool pagefile;			/* swap-backed section */
	bool recorded;			/* in the list (not from QUERY) */
	uint64_t id, offset;
	uint64_t record;		/* unique, for mmf__w32_view_remove */
	struct w32_reserve *rsv;
	struct w32_view *next;
};

/* Views and reserve states; never held across a call that can block long. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct w32_view *views;
static struct w32_reserve *reserves;
static uint64_t records;		/* the last record number given */

static size_t page_size(void)
{
	return mmf__page_size();
}

static void *fail_ptr(DWORD code)
{
	mmf__win32_set(code);
	return NULL;
}

static BOOL fail_false(DWORD code)
{
	mmf__win32_set(code);
	return FALSE;
}

/* --- reserve states ---------------------------------------------------- */

static struct w32_reserve *reserve_find(uint64_t id)
{
	struct w32_reserve *r;

	for (r = reserves; r; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

static void reserve_put_locked(struct w32_reserve *r)
{
	struct w32_reserve **pp;

	if (--r->refs > 0)
		return;
	for (pp = &reserves; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	free(r->committed);
	free(r);
}

bool mmf__w32_reserve_exists(uint64_t section_id)
{
	bool found;

	pthread_mutex_lock(&lock);
	found = reserve_find(section_id) != NULL;
	pthread_mutex_unlock(&lock);
	return found;
}

int mmf__w32_reserve_new(uint64_t section_id, uint64_t size)
{
	size_t pg = page_size();
	struct w32_reserve *r;
	uint64_t pages = (size + pg - 1) / pg;

	if (pages > SIZE_MAX)
		return -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->committed = calloc((size_t)pages ? (size_t)pages : 1, 1);
	if (!r->committed) {
		free(r);
		return -ENOMEM;
	}
	r->id = section_id;
	r->pages = (size_t)pages;
	pthread_mutex_lock(&lock);
	/* A section id is never reused while the module is loaded. */
	if (reserve_find(section_id)) {
		pthread_mutex_unlock(&lock);
		free(r->committed);
		free(r);
		return 0;
	}
	r->next = reserves;
	reserves = r;
	/* Held by the handle about to be made; mmf__w32_reserve_hold adds one. */
	r->refs = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}

void mmf__w32_reserve_hold(uint64_t section_id)
{
	struct w32_reserve *r;

	pthread_mutex_lock(&lock);
	r = reserve_find(section_id);
	if (r)
		r->refs++;
	pthread_mutex_unlock(&lock);
}

void mmf__w32_reserve_release(uint64_t section_id)
{
	struct w32_reserve *r;

	pthread_mutex_lock(&lock);
	r = reserve_find(section_id);
	if (r)
		reserve_put_locked(r);
	pthread_mutex_unlock(&lock);
}

/* --- protections ------------------------------------------------------- */

/* The one PAGE_* value of @p (no modifiers), or 0 if it is not one. */
static DWORD plain_protect(DWORD p)
{
	switch (p) {
	case PAGE_NOACCESS:
	case PAGE_READONLY:
	case PAGE_READWRITE:
	case PAGE_WRITECOPY:
	case PAGE_EXECUTE:
	case PAGE_EXECUTE_READ:
	case PAGE_EXECUTE_READWRITE:
	case PAGE_EXECUTE_WRITECOPY:
		return p;
	default:
		return 0;
	}
}

static int linux_prot(DWORD p)
{
	switch (p) {
	case PAGE_READONLY:
		return PROT_READ;
	case PAGE_READWRITE:
	case PAGE_WRITECOPY:
		return PROT_READ | PROT_WRITE;
	case PAGE_EXECUTE:
		return PROT_EXEC;
	case PAGE_EXECUTE_READ:
		return PROT_READ | PROT_EXEC;
	case PAGE_EXECUTE_READWRITE:
	case PAGE_EXECUTE_WRITECOPY:
		return PROT_READ | PROT_WRITE | PROT_EXEC;
	default:
		return PROT_NONE;
	}
}

/* What Windows reports for a page with these Linux rights. */
static DWORD win_protect(bool r, bool w, bool x, bool copy, bool own_copy)
{
	if (w) {
		if (copy && !own_copy)
			return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
		return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	}
	if (x)
		return r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
	return r ? PAGE_READONLY : PAGE_NOACCESS;
}

/* Rights a protection needs, as Windows compares them (VirtualProtect on views). */
#define ACC_READ	1u
#define ACC_WRITE	2u
#define ACC_EXEC	4u
#define ACC_COPY	8u

static unsigned int protect_access(DWORD p)
{
	switch (p) {
	case PAGE_READONLY:
	case PAGE_WRITECOPY:
		return ACC_READ;
	case PAGE_READWRITE:
		return ACC_READ | ACC_WRITE;
	case PAGE_EXECUTE:
	case PAGE_EXECUTE_READ:
		return ACC_READ | ACC_EXEC;
	case PAGE_EXECUTE_READWRITE:
		return ACC_READ | ACC_WRITE | ACC_COPY | ACC_EXEC;
	case PAGE_EXECUTE_WRITECOPY:
		return ACC_READ | ACC_COPY | ACC_EXEC;
	default:
		return 0;
	}
}

/*
 * Windows' rule for a new protection of a view's pages: the view's own
 * protection allows it, and so does the section's (or it is the view's).
 */
static bool compatible(const struct w32_view *v, DWORD prot)
{
	unsigned int view = protect_access(v->alloc_protect);
	unsigned int want = protect_access(prot);

	if (view == want)
		return true;
	if (!view || (view & want) != want)
		return false;
	return (protect_access(v->sec_protect) & want) == want;
}

/* The PAGE_* of a view from the rights it has (views the layer did not map). */
static DWORD access_protect(unsigned int access)
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

static DWORD section_protect(unsigned int prot, bool exec)
{
	switch (prot) {
	case MMF_PAGE_READWRITE:
		return exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	case MMF_PAGE_WRITECOPY:
		return exec ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
	default:
		return exec ? PAGE_EXECUTE_READ : PAGE_READONLY;
	}
}

/* --- views ------------------------------------------------------------- */

struct vma {
	uintptr_t start, end;
	bool r, w, x, shared;
	char path[4096];
};

static bool vma_at(uintptr_t addr, struct vma *out, uintptr_t *next);
static int alloc_find(uintptr_t a, struct w32_view *out, unsigned char **committed,
		      size_t *pages);

int mmf__w32_view_add(void *start, size_t length, DWORD alloc_protect, DWORD sec_protect,
		      bool copy, bool pagefile, uint64_t section_id, uint64_t offset)
{
	struct w32_view *v = calloc(1, sizeof(*v)), **pp;
	size_t pg = page_size(), i, first, n;
	uintptr_t next;
	struct vma m;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	length = (length + pg - 1) & ~(pg - 1);
	if (vma_at((uintptr_t)start, &m, &next)) {
		/* The module's own swap file backs a paging-file section. */
		if (!strcmp(m.path, "/mmf (deleted)"))
			pagefile = true;
		/* A whole-section view may end before a partial last page it may not see. */
		if (m.end - (uintptr_t)start < length)
			length = m.end - (uintptr_t)start;
	}
	/* A view without access (PAGE_NOACCESS) is mapped readable, then closed. */
	if (alloc_protect == PAGE_NOACCESS && mprotect(start, length, PROT_NONE)) {
		free(v);
		return -errno;
	}
	*v = (struct w32_view){
		.start = (uintptr_t)start,
		.length = length,
		.alloc_protect = alloc_protect,
		.sec_protect = sec_protect,
		.copy = copy,
		.pagefile = pagefile,
		.recorded = true,
		.id = section_id,
		.offset = offset,
	};
	pthread_mutex_lock(&lock);
	v->record = ++records;
	/* Records overlapping the new view are stale (unmapped behind our back). */
	for (pp = &views; *pp;) {
		struct w32_view *o = *pp;

		if (o->start < v->start + v->length && v->start < o->start + o->length) {
			*pp = o->next;
			if (o->rsv)
				reserve_put_locked(o->rsv);
			free(o);
		} else {
			pp = &o->next;
		}
	}
	v->rsv = reserve_find(section_id);
	if (v->rsv)
		v->pagefile = true;
	if (v->rsv) {
		v->rsv->refs++;
		/* Uncommitted pages of the section are reserved in the new view. */
		first = (size_t)(offset / pg);
		n = v->length / pg;
		for (i = 0; i < n && ret == 0; i++) {
			size_t j = i;

			if (first + i < v->rsv->pages && v->rsv->committed[first + i])
				continue;
			while (j < n && !(first + j < v->rsv->pages && v->rsv->committed[first + j]))
				j++;
			if (mprotect((void *)(v->start + i * pg), (j - i) * pg, PROT_NONE))
				ret = -errno;
			i = j;
		}
	}
	v->next = views;
	views = v;
	if (ret) {
		views = v->next;
		if (v->rsv)
			reserve_put_locked(v->rsv);
		free(v);
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

uint64_t mmf__w32_view_find(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	struct w32_view *v;
	uint64_t record = 0;

	pthread_mutex_lock(&lock);
	for (v = views; v; v = v->next) {
		if (a >= v->start && a - v->start < v->length) {
			record = v->record;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return record;
}

void mmf__w32_view_remove(uint64_t record)
{
	struct w32_view **pp, *v;

	pthread_mutex_lock(&lock);
	for (pp = &views; *pp; pp = &(*pp)->next) {
		v = *pp;
		if (v->record == record) {
			*pp = v->next;
			if (v->rsv)
				reserve_put_locked(v->rsv);
			free(v);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

static int query_kernel(uintptr_t addr, struct mmf_query *q)
{
	int fd = mmf__control_get(), ret;

	if (fd < 0)
		return fd;
	*q = (struct mmf_query){ .size = sizeof(*q), .addr = addr };
	ret = mmf__ioctl(fd, MMF_IOC_QUERY, q);
	mmf__control_put();
	return ret;
}

/*
 * The view containing @addr: this layer's record (copied, without its
 * reserve state pointer's ownership), or one made from MMF_IOC_QUERY for
 * views of the native API.  0, or -ENOENT.
 */
static int find_view(uintptr_t addr, struct w32_view *out, unsigned char **committed,
		     size_t *rsv_pages)
{
	struct w32_view *v;
	struct mmf_query q;

	*committed = NULL;
	*rsv_pages = 0;
	/*
	 * Whatever is at @addr now: a record is trusted only while the kernel
	 * still has a view of its section there (munmap() or mmf_unmap() may
	 * have removed it behind this layer's back).
	 */
	if (query_kernel(addr, &q) < 0) {
		q.section_id = 0;
		q.view_start = 0;
	}
	pthread_mutex_lock(&lock);
	for (v = views; v; v = v->next) {
		if (addr >= v->start && addr - v->start < v->length) {
			if (!q.view_start || q.section_id != v->id ||
			    q.offset - v->offset != q.view_start - v->start)
				break;
			*out = *v;
			/* A snapshot of the commit state, taken under the lock. */
			if (v->rsv) {
				*committed = malloc(v->rsv->pages ? v->rsv->pages : 1);
				if (*committed) {
					memcpy(*committed, v->rsv->committed, v->rsv->pages);
					*rsv_pages = v->rsv->pages;
				}
			}
			pthread_mutex_unlock(&lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&lock);
	if (!q.view_start)
		return -ENOENT;
	*out = (struct w32_view){
		.start = (uintptr_t)q.view_start,
		.length = (size_t)q.view_length,
		.alloc_protect = access_protect(q.access),
		.sec_protect = section_protect(q.prot, q.access & MMF_MAP_EXEC),
		.copy = q.access & MMF_MAP_COPY,
		.id = q.section_id,
		.offset = q.offset,
	};
	return 0;
}

/* --- /proc/self/maps --------------------------------------------------- */

/* The whole of /proc/self/maps, NUL-terminated (malloc'd), or NULL. */
static char *read_maps(void)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Parse one line at *pos into @v; advances *pos.  false at the end. */
static bool next_vma(char **pos, struct vma *v)
{
	char *line = *pos, *nl, perms[8] = "", *p;
	unsigned long long s, e;
	int off = 0;

	if (!line || !*line)
		return false;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	*pos = nl ? nl + 1 : line + strlen(line);
	if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &s, &e, perms, &off) < 3)
		return next_vma(pos, v);
	v->start = (uintptr_t)s;
	v->end = (uintptr_t)e;
	v->r = perms[0] == 'r';
	v->w = perms[1] == 'w';
	v->x = perms[2] == 'x';
	v->shared = perms[3] == 's';
	p = off ? line + off : line + strlen(line);
	while (*p == ' ')
		p++;
	snprintf(v->path, sizeof(v->path), "%s", p);
	return true;
}

/* The VMA containing @addr (true), else the start of the next one in *next. */
static bool vma_at(uintptr_t addr, struct vma *out, uintptr_t *next)
{
	char *buf = read_maps(), *pos = buf;
	struct vma v;
	bool found = false;

	*next = MAX_USER_ADDRESS + 1;
	while (next_vma(&pos, &v)) {
		if (addr >= v.start && addr < v.end) {
			*out = v;
			found = true;
			break;
		}
		if (v.start > addr) {
			*next = v.start;
			break;
		}
	}
	free(buf);
	return found;
}

/* --- the pages of a view ---------------------------------------------- */

/*
 * The state of the pages of a view from @from on, as VirtualQuery reports
 * them: the run of pages with the same state and protection, within the
 * view and its VMAs.  0 or -errno.
 */
struct page_run {
	DWORD state, protect;
	size_t length;
};

static int view_run(const struct w32_view *v, const unsigned char *committed, size_t rsv_pages,
		    uintptr_t from, struct page_run *run)
{
	size_t pg = page_size();
	uintptr_t end = v->start + v->length, a = from;
	char *buf = read_maps(), *pos = buf;
	uint64_t first = v->offset / pg;
	int pm = -1, ret = 0;
	bool have = false;
	struct vma m;

	if (!buf)
		return -ENOMEM;
	run->length = 0;
	while (a < end && next_vma(&pos, &m)) {
		if (m.end <= a)
			continue;
		if (m.start > a)
			break;	/* a hole: the view ends here for now */
		for (; a < m.end && a < end; a += pg) {
			size_t idx = (size_t)(first + (a - v->start) / pg);
			DWORD state = MEM_COMMIT, protect;
			bool own = false;

			if (committed && !(idx < rsv_pages && committed[idx])) {
				state = MEM_RESERVE;
				protect = 0;
			} else {
				if (v->copy && m.w) {
					uint64_t e = 0;

					if (pm < 0)
						pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
					if (pm >= 0 && pread(pm, &e, sizeof(e),
							     (off_t)(a / pg * sizeof(e))) == sizeof(e))
						own = (e & (3ull << 62)) && !(e & (1ull << 61));
				}
				protect = win_protect(m.r, m.w, m.x, v->copy, own);
			}
			if (!have) {
				run->state = state;
				run->protect = protect;
				have = true;
			} else if (state != run->state || protect != run->protect) {
				goto out;
			}
			run->length += pg;
		}
	}
out:
	if (pm >= 0)
		close(pm);
	free(buf);
	if (!have)
		ret = -ENOENT;
	return ret;
}

/* --- VirtualQuery ------------------------------------------------------ */

MMF_EXPORT SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer,
				      SIZE_T dwLength)
{
	size_t pg = page_size(), rsv_pages;
	uintptr_t a = (uintptr_t)lpAddress & ~(uintptr_t)(pg - 1), next;
	MEMORY_BASIC_INFORMATION mbi;
	unsigned char *committed;
	struct page_run run;
	struct w32_view v;
	DWORD type = 0;
	struct vma m;

	if (!lpBuffer) {
		mmf__win32_set(ERROR_NOACCESS);
		return 0;
	}
	if (dwLength < sizeof(mbi)) {
		mmf__win32_set(ERROR_BAD_LENGTH);
		return 0;
	}
	if (a > MAX_USER_ADDRESS) {
		mmf__win32_set(ERROR_INVALID_PARAMETER);
		return 0;
	}
	memset(&mbi, 0, sizeof(mbi));
	mbi.BaseAddress = (LPVOID)a;
	/* A view, a private allocation of VirtualAlloc, or whatever Linux has there. */
	if (find_view(a, &v, &committed, &rsv_pages) == 0 &&
	    view_run(&v, committed, rsv_pages, a, &run) == 0) {
		type = MEM_MAPPED;
	} else {
		free(committed);
		if (alloc_find(a, &v, &committed, &rsv_pages) == 0 &&
		    view_run(&v, committed, rsv_pages, a, &run) == 0)
			type = MEM_PRIVATE;
	}
	free(committed);
	if (type) {
		mbi.AllocationBase = (LPVOID)v.start;
		mbi.AllocationProtect = v.alloc_protect;
		mbi.RegionSize = run.length;
		mbi.State = run.state;
		mbi.Protect = run.protect;
		mbi.Type = type;
	} else if (vma_at(a, &m, &next)) {
		bool file = m.path[0] == '/';

		mbi.AllocationBase = (LPVOID)m.start;
		mbi.RegionSize = m.end - a;
		mbi.Protect = win_protect(m.r, m.w, m.x, false, false);
		mbi.AllocationProtect = mbi.Protect;
		/* An inaccessible private mapping is how Linux reserves address space. */
		if (!m.r && !m.w && !m.x && !m.shared && !file) {
			mbi.State = MEM_RESERVE;
			mbi.Protect = 0;
			mbi.AllocationProtect = PAGE_NOACCESS;
		} else {
			mbi.State = MEM_COMMIT;
		}
		/* Files mapped privately are programs and libraries (images). */
		mbi.Type = !file ? MEM_PRIVATE : m.shared ? MEM_MAPPED : MEM_IMAGE;
	} else {
		mbi.AllocationBase = NULL;
		mbi.AllocationProtect = 0;
		mbi.RegionSize = next - a;
		mbi.State = MEM_FREE;
		mbi.Protect = PAGE_NOACCESS;
		mbi.Type = 0;
	}
	memcpy(lpBuffer, &mbi, sizeof(mbi));
	return sizeof(mbi);
}

/* --- VirtualProtect ---------------------------------------------------- */

/* The page-aligned range of (addr, size), one page at least. */
static void page_range(const void *addr, SIZE_T size, uintptr_t *a, uintptr_t *e)
{
	size_t pg = page_size();

	*a = (uintptr_t)addr & ~(uintptr_t)(pg - 1);
	*e = ((uintptr_t)addr + size + pg - 1) & ~(uintptr_t)(pg - 1);
	if (*e <= *a)
		*e = *a + pg;
}

static bool range_committed(const struct w32_view *v, const unsigned char *committed,
			    size_t rsv_pages, uintptr_t a, uintptr_t e)
{
	size_t pg = page_size();
	uint64_t first = v->offset / pg;

	if (!v->rsv && !committed)
		return true;
	for (; a < e; a += pg) {
		size_t idx = (size_t)(first + (a - v->start) / pg);

		if (!committed || idx >= rsv_pages || !committed[idx])
			return false;
	}
	return true;
}

/* Change a view's pages: the checks VirtualProtect and VirtualAlloc share. */
static DWORD view_protect(const struct w32_view *v, const unsigned char *committed,
			  size_t rsv_pages, uintptr_t a, uintptr_t e, DWORD prot, DWORD *old)
{
	struct page_run run;

	if (e > v->start + v->length)
		return ERROR_INVALID_ADDRESS;
	if (!range_committed(v, committed, rsv_pages, a, e))
		return ERROR_INVALID_ADDRESS;
	if (!compatible(v, prot))
		return ERROR_INVALID_PARAMETER;
	/*
	 * A shared view's page cannot become copy-on-write on Linux (it would
	 * have to be mapped privately again): refused rather than ignored.
	 */
	if (!v->copy && prot == PAGE_WRITECOPY)
		return ERROR_NOT_SUPPORTED;
	if (old) {
		if (view_run(v, committed, rsv_pages, a, &run) < 0)
			return ERROR_INVALID_ADDRESS;
		*old = run.protect;
	}
	if (mprotect((void *)a, e - a, linux_prot(prot)))
		return mmf__win32_error(errno);
	return ERROR_SUCCESS;
}

MMF_EXPORT BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect,
				      PDWORD lpflOldProtect)
{
	DWORD prot = plain_protect(flNewProtect), old = 0, err;
	unsigned char *committed;
	uintptr_t a, e, next, p;
	size_t rsv_pages;
	struct w32_view v;
	struct vma m;

	if (!lpflOldProtect)
		return fail_false(ERROR_NOACCESS);
	if (flNewProtect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) {
		/* Linux has no guard pages nor cache attributes for this memory. */
		return fail_false(plain_protect(flNewProtect & 0xFF) ? ERROR_NOT_SUPPORTED :
								      ERROR_INVALID_PARAMETER);
	}
	if (!prot)
		return fail_false(ERROR_INVALID_PARAMETER);
	page_range(lpAddress, dwSize, &a, &e);
	if (find_view(a, &v, &committed, &rsv_pages) == 0) {
		err = view_protect(&v, committed, rsv_pages, a, e, prot, &old);
		free(committed);
		if (err)
			return fail_false(err);
		*lpflOldProtect = old;
		return TRUE;
	}
	/* Private memory: every page mapped; copy-on-write is for views only. */
	if (prot == PAGE_WRITECOPY || prot == PAGE_EXECUTE_WRITECOPY)
		return fail_false(ERROR_INVALID_PARAMETER);
	/* A VirtualAlloc allocation: committed pages only, within it. */
	if (alloc_find(a, &v, &committed, &rsv_pages) == 0) {
		struct page_run run;

		err = ERROR_SUCCESS;
		if (e > v.start + v.length || !range_committed(&v, committed, rsv_pages, a, e) ||
		    view_run(&v, committed, rsv_pages, a, &run) < 0)
			err = ERROR_INVALID_ADDRESS;
		else if (mprotect((void *)a, e - a, linux_prot(prot)))
			err = mmf__win32_error(errno);
		free(committed);
		if (err)
			return fail_false(err);
		*lpflOldProtect = run.protect;
		return TRUE;
	}
	for (p = a; p < e; p = m.end) {
		if (!vma_at(p, &m, &next))
			return fail_false(ERROR_INVALID_ADDRESS);
		if (p == a)
			old = win_protect(m.r, m.w, m.x, false, false);
	}
	if (mprotect((void *)a, e - a, linux_prot(prot)))
		return fail_false(mmf__win32_error(errno));
	*lpflOldProtect = old;
	return TRUE;
}

/* --- VirtualAlloc, VirtualFree ---------------------------------------- */

/* SEC_RESERVE: commit a view's pages for every view of the section here. */
static void commit_pages(const struct w32_view *v, uintptr_t a, uintptr_t e)
{
	size_t pg = page_size(), first = (size_t)(v->offset / pg);
	size_t lo = first + (a - v->start) / pg, hi = first + (e - v->start) / pg;
	struct w32_reserve *r;
	struct w32_view *o;

	pthread_mutex_lock(&lock);
	r = reserve_find(v->id);
	if (!r) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (hi > r->pages)
		hi = r->pages;
	for (o = views; o; o = o->next) {
		size_t ofirst, on, i;

		if (o->rsv != r || o->start == v->start)
			continue;
		ofirst = (size_t)(o->offset / pg);
		on = o->length / pg;
		/* Newly committed pages take the other view's own protection. */
		for (i = lo; i < hi; i++) {
			if (r->committed[i] || i < ofirst || i >= ofirst + on)
				continue;
			mprotect((void *)(o->start + (i - ofirst) * pg), pg,
				 linux_prot(o->alloc_protect));
		}
	}
	memset(r->committed + lo, 1, hi > lo ? hi - lo : 0);
	pthread_mutex_unlock(&lock);
}

/*
 * --- private allocations: VirtualAlloc outside views ----------------------
 * A reservation is an anonymous private mapping at a 64 KiB boundary,
 * inaccessible (and not charged: MAP_NORESERVE) until committed; the record
 * says which pages are committed, since a committed PAGE_NOACCESS page and
 * a reserved one are both PROT_NONE to Linux.  Decommitted pages are
 * dropped (MADV_DONTNEED) and read as zeros when committed again.
 */
struct w32_alloc {
	uintptr_t base;
	size_t size;			/* a page multiple */
	DWORD alloc_protect;
	unsigned char *committed;	/* one byte per page */
	struct w32_alloc *next;
};

static struct w32_alloc *allocs;	/* under lock */

static struct w32_alloc *alloc_find_locked(uintptr_t a)
{
	struct w32_alloc *r;

	for (r = allocs; r; r = r->next)
		if (a >= r->base && a - r->base < r->size)
			return r;
	return NULL;
}

/*
 * The allocation containing @a as a view-like record (for view_run and
 * range_committed) with a snapshot of its commit state.  0, or -ENOENT.
 */
static int alloc_find(uintptr_t a, struct w32_view *out, unsigned char **committed,
		      size_t *pages)
{
	struct w32_alloc *r;

	*committed = NULL;
	pthread_mutex_lock(&lock);
	r = alloc_find_locked(a);
	if (r) {
		*pages = r->size / page_size();
		*committed = malloc(*pages);
		if (*committed)
			memcpy(*committed, r->committed, *pages);
		*out = (struct w32_view){ .start = r->base, .length = r->size,
					  .alloc_protect = r->alloc_protect,
					  .sec_protect = PAGE_EXECUTE_READWRITE };
	}
	pthread_mutex_unlock(&lock);
	if (!r)
		return -ENOENT;
	return *committed ? 0 : -ENOMEM;
}

/* Mark pages [a, e) of the allocation at @a committed or not. */
static void alloc_mark(uintptr_t a, uintptr_t e, unsigned char value)
{
	struct w32_alloc *r;
	size_t pg = page_size();

	pthread_mutex_lock(&lock);
	r = alloc_find_locked(a);
	if (r && e <= r->base + r->size)
		memset(r->committed + (a - r->base) / pg, value, (e - a) / pg);
	pthread_mutex_unlock(&lock);
}

/* Reserve (and perhaps commit) @len bytes at @base (0: anywhere, 64 KiB aligned). */
static void *alloc_map(uintptr_t base, size_t len, int prot)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t slack = W32_GRANULARITY - page_size();
	uintptr_t a;
	void *p;

	if (base) {
		p = mmap((void *)base, len, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && (uintptr_t)p != base) {
			munmap(p, len);	/* an old kernel took it as a hint */
			errno = EEXIST;
			return MAP_FAILED;
		}
		return p;
	}
	if (len > SIZE_MAX - slack) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = mmap(NULL, len + slack, prot, flags, -1, 0);
	if (p == MAP_FAILED)
		return p;
	a = ((uintptr_t)p + W32_GRANULARITY - 1) & ~(uintptr_t)(W32_GRANULARITY - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if ((uintptr_t)p + len + slack > a + len)
		munmap((void *)(a + len), (uintptr_t)p + len + slack - (a + len));
	return (void *)a;
}

static LPVOID private_alloc(LPVOID lpAddress, SIZE_T dwSize, DWORD type, DWORD prot)
{
	size_t pg = page_size();
	bool commit = type & MEM_COMMIT;
	uintptr_t a, e, base;
	struct w32_alloc *r;
	void *p;

	if (!prot || prot == PAGE_WRITECOPY || prot == PAGE_EXECUTE_WRITECOPY)
		return fail_ptr(ERROR_INVALID_PARAMETER);
	if (!(type & MEM_RESERVE) && lpAddress) {
		/* Commit pages of a reservation. */
		struct w32_view v;
		unsigned char *committed;
		size_t pages;

		page_range(lpAddress, dwSize, &a, &e);
		if (alloc_find(a, &v, &committed, &pages) < 0)
			return fail_ptr(ERROR_INVALID_ADDRESS);
		free(committed);
		if (e > v.start + v.length)
			return fail_ptr(ERROR_INVALID_ADDRESS);
		if (mprotect((void *)a, e - a, linux_prot(prot)))
			return fail_ptr(mmf__win32_error(errno));
		alloc_mark(a, e, 1);
		return (LPVOID)a;
	}
	/* Reserve, and commit with MEM_COMMIT (also alone without an address). */
	base = (uintptr_t)lpAddress & ~(uintptr_t)(W32_GRANULARITY - 1);
	e = ((uintptr_t)lpAddress + dwSize + pg - 1) & ~(uintptr_t)(pg - 1);
	if (e <= (uintptr_t)lpAddress)
		return fail_ptr(ERROR_INVALID_PARAMETER);
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail_ptr(ERROR_NOT_ENOUGH_MEMORY);
	r->size = e - base;
	r->committed = malloc(r->size / pg);
	if (!r->committed) {
		free(r);
		return fail_ptr(ERROR_NOT_ENOUGH_MEMORY);
	}
	memset(r->committed, commit, r->size / pg);
	p = alloc_map(base, r->size, commit ? linux_prot(prot) : PROT_NONE);
	if (p == MAP_FAILED) {
		int err = errno;

		free(r->committed);
		free(r);
		return fail_ptr(err == EEXIST ? ERROR_INVALID_ADDRESS : mmf__win32_error(err));
	}
	r->base = (uintptr_t)p;
	r->alloc_protect = prot;
	pthread_mutex_lock(&lock);
	r->next = allocs;
	allocs = r;
	pthread_mutex_unlock(&lock);
	return p;
}

static BOOL private_free(LPVOID lpAddress, SIZE_T dwSize, DWORD type)
{
	uintptr_t a, e;
	struct w32_alloc **pp, *r;
	struct w32_view v;
	unsigned char *committed;
	size_t pages;

	if (!lpAddress || alloc_find((uintptr_t)lpAddress, &v, &committed, &pages) < 0)
		return fail_false(ERROR_INVALID_ADDRESS);
	free(committed);
	if (type == MEM_RELEASE) {
		/* The whole allocation, from its base only. */
		if ((uintptr_t)lpAddress != v.start)
			return fail_false(ERROR_INVALID_PARAMETER);
		pthread_mutex_lock(&lock);
		for (pp = &allocs; *pp; pp = &(*pp)->next) {
			r = *pp;
			if (r->base == v.start) {
				*pp = r->next;
				munmap((void *)r->base, r->size);
				free(r->committed);
				free(r);
				break;
			}
		}
		pthread_mutex_unlock(&lock);
		return TRUE;
	}
	/* MEM_DECOMMIT: size 0 from the base is the whole allocation. */
	if (!dwSize) {
		if ((uintptr_t)lpAddress != v.start)
			return fail_false(ERROR_INVALID_PARAMETER);
		a = v.start;
		e = v.start + v.length;
	} else {
		page_range(lpAddress, dwSize, &a, &e);
		if (e > v.start + v.length)
			return fail_false(ERROR_INVALID_PARAMETER);
	}
	if (madvise((void *)a, e - a, MADV_DONTNEED) || mprotect((void *)a, e - a, PROT_NONE))
		return fail_false(mmf__win32_error(errno));
	alloc_mark(a, e, 0);
	return TRUE;
}

MMF_EXPORT LPVOID WINAPI VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType,
				      DWORD flProtect)
{
	DWORD prot = plain_protect(flProtect), err;
	unsigned char *committed;
	size_t rsv_pages;
	struct w32_view v;
	uintptr_t a, e;

	if (!dwSize || (flAllocationType & ~(MEM_COMMIT | MEM_RESERVE | MEM_RESET |
					     MEM_RESET_UNDO | MEM_TOP_DOWN | MEM_LARGE_PAGES |
					     MEM_WRITE_WATCH_ | MEM_PHYSICAL_)))
		return fail_ptr(ERROR_INVALID_PARAMETER);
	/* Large pages need SeLockMemoryPrivilege, which a process lacks by default. */
	if (flAllocationType & MEM_LARGE_PAGES)
		return fail_ptr(ERROR_PRIVILEGE_NOT_HELD);
	/* Write watches and AWE: not here (mmf_write_watch() watches views). */
	if (flAllocationType & (MEM_WRITE_WATCH_ | MEM_PHYSICAL_))
		return fail_ptr(ERROR_NOT_SUPPORTED);
	if (flProtect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) {
		/* Linux has no guard pages nor cache attributes for this memory. */
		return fail_ptr(plain_protect(flProtect & 0xFF) ? ERROR_NOT_SUPPORTED :
								  ERROR_INVALID_PARAMETER);
	}
	if (!lpAddress || find_view((uintptr_t)lpAddress, &v, &committed, &rsv_pages) < 0) {
		if (flAllocationType == MEM_RESET || flAllocationType == MEM_RESET_UNDO)
			return lpAddress ? lpAddress : fail_ptr(ERROR_INVALID_PARAMETER);
		if (!(flAllocationType & (MEM_COMMIT | MEM_RESERVE)))
			return fail_ptr(ERROR_INVALID_PARAMETER);
		return private_alloc(lpAddress, dwSize, flAllocationType, prot);
	}
	page_range(lpAddress, dwSize, &a, &e);
	err = ERROR_INVALID_PARAMETER;
	if (flAllocationType == MEM_RESET || flAllocationType == MEM_RESET_UNDO) {
		/* The data may be discarded: keeping it is allowed. */
		err = ERROR_SUCCESS;
	} else if (flAllocationType & MEM_RESERVE) {
		/* The address range is already a view. */
		err = ERROR_INVALID_ADDRESS;
	} else if (flAllocationType == MEM_COMMIT) {
		if (!prot)
			err = ERROR_INVALID_PARAMETER;
		else if (!v.pagefile)
			err = ERROR_ACCESS_DENIED;	/* views of files are committed */
		else if (e > v.start + v.length)
			err = ERROR_INVALID_ADDRESS;
		else if (!compatible(&v, prot))
			err = ERROR_INVALID_PARAMETER;
		else if (!v.copy && prot == PAGE_WRITECOPY)
			err = ERROR_NOT_SUPPORTED;
		else if (mprotect((void *)a, e - a, linux_prot(prot)))
			err = mmf__win32_error(errno);
		else {
			if (v.rsv)
				commit_pages(&v, a, e);
			err = ERROR_SUCCESS;
		}
	}
	free(committed);
	if (err)
		return fail_ptr(err);
	return (LPVOID)a;
}

MMF_EXPORT BOOL WINAPI VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType)
{
	unsigned char *committed;
	size_t rsv_pages;
	struct w32_view v;

	if (dwFreeType != MEM_RELEASE && dwFreeType != MEM_DECOMMIT)
		return fail_false(ERROR_INVALID_PARAMETER);
	if (dwFreeType == MEM_RELEASE && dwSize)
		return fail_false(ERROR_INVALID_PARAMETER);
	if (lpAddress && find_view((uintptr_t)lpAddress, &v, &committed, &rsv_pages) == 0) {
		free(committed);
		/* A view is released with UnmapViewOfFile and never decommitted. */
		return fail_false(ERROR_INVALID_PARAMETER);
	}
	return private_free(lpAddress, dwSize, dwFreeType);
}

/* --- GetMappedFileNameA/W, GetLargePageMinimum ----------------------- */

/*
 * The file behind a view (or any file mapping) at @lpv: its Linux path.
 * 0 and the Win32 error, or 1 and the path in @out (malloc'd).
 */
static DWORD mapped_file(const void *lpv, char **out)
{
	uintptr_t a = (uintptr_t)lpv, next;
	unsigned char *committed;
	struct w32_view v;
	size_t rsv_pages, len;
	struct vma m;
	bool view;

	view = find_view(a, &v, &committed, &rsv_pages) == 0;
	if (view) {
		free(committed);
		if (v.pagefile)
			return ERROR_FILE_INVALID;
	}
	if (!vma_at(a, &m, &next) || m.path[0] != '/')
		return view ? ERROR_FILE_INVALID : ERROR_UNEXP_NET_ERR;
	len = strlen(m.path);
	if (len > 10 && !strcmp(m.path + len - 10, " (deleted)")) {
		/* The module's own swap file of a section: no file behind it. */
		if (view && !strcmp(m.path, "/mmf (deleted)"))
			return ERROR_FILE_INVALID;
		m.path[len - 10] = '\0';
	}
	*out = strdup(m.path);
	return *out ? ERROR_SUCCESS : ERROR_NOT_ENOUGH_MEMORY;
}

/* GetMappedFileNameA/W's common checks, in Windows' order, then the path. */
static DWORD mapped_file_checked(HANDLE hProcess, const void *lpv, int has_buffer, DWORD nSize,
				 char **out)
{
	if (hProcess != CURRENT_PROCESS)
		return ERROR_INVALID_HANDLE;
	if (!has_buffer)
		return ERROR_INVALID_PARAMETER;
	if (!nSize)
		return ERROR_INSUFFICIENT_BUFFER;
	return mapped_file(lpv, out);
}

MMF_EXPORT DWORD WINAPI GetMappedFileNameA(HANDLE hProcess, LPVOID lpv, LPSTR lpFilename,
					   DWORD nSize)
{
	char *path = NULL;
	size_t len;
	DWORD err;

	err = mapped_file_checked(hProcess, lpv, lpFilename != NULL, nSize, &path);
	if (err) {
		mmf__win32_set(err);
		return 0;
	}
	len = strlen(path);
	if (len >= nSize) {
		/* Truncated, NUL-terminated: Windows returns the buffer's size. */
		memcpy(lpFilename, path, nSize - 1);
		lpFilename[nSize - 1] = '\0';
		free(path);
		return nSize;
	}
	memcpy(lpFilename, path, len + 1);
	free(path);
	return (DWORD)len;
}

/* UTF-8 to UTF-16 (invalid bytes become U+FFFD); the units written, NUL included. */
static size_t to_utf16(const char *s, WCHAR *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		uint32_t c = *p++;
		int more = 0;

		if (c >= 0xF0 && c < 0xF8) {
			c &= 0x07;
			more = 3;
		} else if (c >= 0xE0) {
			c &= 0x0F;
			more = 2;
		} else if (c >= 0xC0) {
			c &= 0x1F;
			more = 1;
		} else if (c >= 0x80) {
			c = 0xFFFD;
		}
		for (; more > 0; more--) {
			if ((*p & 0xC0) != 0x80) {
				c = 0xFFFD;
				break;
			}
			c = (c << 6) | (*p++ & 0x3F);
		}
		if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
			c = 0xFFFD;
		if (c >= 0x10000) {
			if (n + 2 <= cap) {
				out[n] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
				out[n + 1] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
			}
			n += 2;
		} else {
			if (n + 1 <= cap)
				out[n] = (WCHAR)c;
			n++;
		}
	}
	if (n < cap)
		out[n] = 0;
	return n + 1;
}

MMF_EXPORT DWORD WINAPI GetMappedFileNameW(HANDLE hProcess, LPVOID lpv, LPWSTR lpFilename,
					   DWORD nSize)
{
	char *path = NULL;
	WCHAR *tmp;
	size_t units;
	DWORD err;

	err = mapped_file_checked(hProcess, lpv, lpFilename != NULL, nSize, &path);
	if (err) {
		mmf__win32_set(err);
		return 0;
	}
	units = to_utf16(path, NULL, 0);
	tmp = malloc(units * sizeof(WCHAR));
	if (!tmp) {
		free(path);
		mmf__win32_set(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	to_utf16(path, tmp, units);
	free(path);
	if (units > nSize) {
		memcpy(lpFilename, tmp, (nSize - 1) * sizeof(WCHAR));
		lpFilename[nSize - 1] = 0;
		free(tmp);
		return nSize;
	}
	memcpy(lpFilename, tmp, units * sizeof(WCHAR));
	free(tmp);
	return (DWORD)(units - 1);
}

/*
 * The huge page size (what Windows calls the large page minimum).  Large
 * pages need a privilege on Windows that a process lacks by default;
 * SEC_LARGE_PAGES fails here as it does there (ERROR_PRIVILEGE_NOT_HELD).
 */
MMF_EXPORT SIZE_T WINAPI GetLargePageMinimum(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return (SIZE_T)kb * 1024;
}

/* --- handing a section to another process ---------------------------- */

MMF_EXPORT int WINAPI MmfExportFileMapping(HANDLE hFileMappingObject)
{
	struct w32_object *m = mmf__w32_get(hFileMappingObject, W32_MAPPING);
	unsigned int carried;
	int fd, ret;

	if (!m) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return -1;
	}
	/*
	 * The descriptor carries the kernel handle's rights: never more than
	 * this handle has (the kernel cannot reduce them: win32.rst).
	 */
	carried = mmf_section_access(m->section);
	if (((carried & MMF_MAP_WRITE) && !(m->rights & MMF_MAP_WRITE)) ||
	    !(m->rights & MMF_MAP_READ)) {
		mmf__w32_put(m);
		mmf__win32_set(ERROR_ACCESS_DENIED);
		return -1;
	}
	ret = mmf_section_export(m->section, &fd);
	/* An inheritable handle's descriptor crosses exec (win32_handle.h). */
	if (ret == 0 && m->inherit && fcntl(fd, F_SETFD, 0) < 0) {
		ret = -errno;
		close(fd);
	}
	mmf__w32_put(m);
	if (ret < 0) {
		mmf__win32_fail(ret);
		return -1;
	}
	return fd;
}

MMF_EXPORT HANDLE WINAPI MmfImportFileMapping(int fd, DWORD dwDesiredAccess)
{
	unsigned int rights = 0;
	struct w32_object *obj;
	mmf_section *s;
	int ret;

	if (dwDesiredAccess & (FILE_MAP_READ | FILE_MAP_COPY))
		rights |= MMF_MAP_READ | MMF_MAP_COPY;
	if (dwDesiredAccess & FILE_MAP_WRITE)
		rights |= MMF_MAP_WRITE;
	if (dwDesiredAccess & (FILE_MAP_EXECUTE | 0x0008u))
		rights |= MMF_MAP_EXEC;
	ret = mmf_section_import(fd, rights ? rights : MMF_MAP_READ, &s);
	if (ret < 0) {
		mmf__win32_fail(ret);
		return NULL;
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		mmf_close(s);
		mmf__win32_set(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	obj->kind = W32_MAPPING;
	obj->section = s;
	obj->rights = rights;
	return mmf__w32_insert(obj);
}

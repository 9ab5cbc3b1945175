// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 handles: small integers (multiples of 4, as on Windows) indexing a
 * table, so that a wrong or stale handle is ERROR_INVALID_HANDLE and never
 * a wild pointer.  Objects are reference-counted so that CloseHandle() in
 * one thread cannot free an object another thread is using.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "win32_handle.h"
#include "win32_memory.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct w32_object **table;
static size_t slots, cursor;

static HANDLE to_handle(size_t i)
{
	return (HANDLE)(uintptr_t)((i + 1) * 4);
}

static int to_index(HANDLE h, size_t *i)
{
	uintptr_t v = (uintptr_t)h;

	if (v == 0 || v % 4 || h == INVALID_HANDLE_VALUE)
		return -1;
	*i = v / 4 - 1;
	return *i < slots ? 0 : -1;
}

static void destroy(struct w32_object *obj)
{
	if (obj->base) {
		/* A duplicate: base owns the section, or the fd this one dup'ed. */
		if (obj->kind == W32_FILE)
			close(obj->fd);
		mmf__w32_put(obj->base);
	} else if (obj->kind == W32_FILE) {
		mmf__w32_file_release(obj);
		close(obj->fd);
	} else {
		/* w32mem: a SEC_RESERVE section's commit state (win32_memory.c). */
		mmf__w32_reserve_release(obj->section->id);
		mmf_close(obj->section);
	}
	free(obj);
}

DWORD mmf__w32_security(const SECURITY_ATTRIBUTES *sa, bool *inherit)
{
	*inherit = sa && sa->bInheritHandle;
	/* Windows ACLs have no meaning here; the defaults of win32.rst apply. */
	if (sa && sa->lpSecurityDescriptor)
		return ERROR_NOT_SUPPORTED;
	return 0;
}

HANDLE mmf__w32_insert(struct w32_object *obj)
{
	HANDLE h = NULL;
	size_t i;

	obj->refs = 1;
	/* w32mem: kept while a mapping handle of the section lives (destroy drops it). */
	if (obj->kind == W32_MAPPING && !obj->base)
		mmf__w32_reserve_hold(obj->section->id);
	pthread_mutex_lock(&lock);
	/*
	 * Search from after the last slot handed out, so that a closed handle's
	 * value is not reused at once and a stray double CloseHandle() is more
	 * likely to fail than to close someone else's object.
	 */
	for (size_t k = 0; k < slots; k++) {
		i = (cursor + k) % slots;
		if (!table[i])
			goto found;
	}
	i = slots;
	{
		size_t n = slots ? slots * 2 : 64;
		struct w32_object **t = realloc(table, n * sizeof(*t));

		if (!t)
			goto out;
		for (size_t j = slots; j < n; j++)
			t[j] = NULL;
		table = t;
		slots = n;
	}
found:
	table[i] = obj;
	cursor = i + 1;
	h = to_handle(i);
out:
	pthread_mutex_unlock(&lock);
	if (!h)
		destroy(obj);
	return h;
}

struct w32_object *mmf__w32_get(HANDLE h, enum w32_kind kind)
{
	struct w32_object *obj = NULL;
	size_t i;

	pthread_mutex_lock(&lock);
	if (to_index(h, &i) == 0 && table[i] && table[i]->kind == kind) {
		obj = table[i];
		obj->refs++;
	}
	pthread_mutex_unlock(&lock);
	return obj;
}

void mmf__w32_put(struct w32_object *obj)
{
	int last;

	pthread_mutex_lock(&lock);
	last = --obj->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(obj);
}

MMF_EXPORT BOOL WINAPI CloseHandle(HANDLE hObject)
{
	struct w32_object *obj = NULL;
	size_t i;

	pthread_mutex_lock(&lock);
	if (to_index(hObject, &i) == 0 && table[i]) {
		obj = table[i];
		table[i] = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (!obj) {
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	mmf__w32_put(obj);
	return TRUE;
}

/*
 * DuplicateHandle (w32files, issue 11).  Only this process's handles:
 * GetCurrentProcess() is the pseudo-handle (HANDLE)-1, as on Windows.
 */
MMF_EXPORT HANDLE WINAPI GetCurrentProcess(void)
{
	return (HANDLE)(intptr_t)-1;
}

/* The rights a duplicate asks for, as MMF_MAP_* rights of its kind. */
static unsigned int dup_rights(enum w32_kind kind, DWORD access)
{
	unsigned int r = 0;

	if (kind == W32_FILE) {
		if (access & (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA))
			r |= MMF_MAP_READ;
		if (access & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA))
			r |= MMF_MAP_WRITE;
		return r;
	}
	/*
	 * Section rights: SECTION_MAP_READ (FILE_MAP_READ) maps read and copy
	 * views, SECTION_MAP_WRITE (FILE_MAP_WRITE) writable ones; FILE_MAP_COPY
	 * is SECTION_QUERY and grants no mapping by itself.
	 */
	if (access & (GENERIC_READ | GENERIC_ALL | SECTION_MAP_READ))
		r |= MMF_MAP_READ | MMF_MAP_COPY;
	if (access & (GENERIC_WRITE | GENERIC_ALL | SECTION_MAP_WRITE))
		r |= MMF_MAP_WRITE;
	if (access & (GENERIC_EXECUTE | GENERIC_ALL | SECTION_MAP_EXECUTE |
		      SECTION_MAP_EXECUTE_EXPLICIT))
		r |= MMF_MAP_EXEC;
	return r;
}

MMF_EXPORT BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
				       HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle,
				       DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions)
{
	HANDLE self = GetCurrentProcess();
	struct w32_object *src = NULL, *dup;
	DWORD err = ERROR_SUCCESS;
	HANDLE h;
	size_t i;

	if (lpTargetHandle)
		*lpTargetHandle = NULL;
	if (hSourceProcessHandle != self) {
		/* No other process's handles can be reached: nothing is closed. */
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	/* The source is taken out of the table at once when it is to be closed. */
	pthread_mutex_lock(&lock);
	if (to_index(hSourceHandle, &i) == 0 && table[i]) {
		src = table[i];
		if (dwOptions & DUPLICATE_CLOSE_SOURCE)
			table[i] = NULL;	/* the table's reference is now ours */
		else
			src->refs++;
	}
	pthread_mutex_unlock(&lock);
	if (!src) {
		/* Includes GetCurrentProcess() itself: there are no process objects. */
		mmf__win32_set(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (dwOptions & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | 0x4u)) {
		err = ERROR_INVALID_PARAMETER;
	} else if (hTargetProcessHandle != self) {
		err = ERROR_INVALID_HANDLE;
	} else if (lpTargetHandle) {
		dup = calloc(1, sizeof(*dup));
		if (!dup) {
			err = ERROR_NOT_ENOUGH_MEMORY;
		} else {
			*dup = *src;
			dup->base = src->base ? src->base : src;
			dup->inherit = bInheritHandle != FALSE;
			/* A file's copy has its own fd: same file pointer, its own FD_CLOEXEC. */
			if (dup->kind == W32_FILE)
				dup->fd = fcntl(src->fd, dup->inherit ? F_DUPFD : F_DUPFD_CLOEXEC, 0);
			/* A duplicate never has a right its source lacks. */
			dup->rights = (dwOptions & DUPLICATE_SAME_ACCESS) ? src->rights :
				      dup_rights(src->kind, dwDesiredAccess) & src->rights;
			/* An append-only source's copy appends only if it asks to write. */
			if (!(dwOptions & DUPLICATE_SAME_ACCESS) &&
			    !(dwDesiredAccess & (GENERIC_WRITE | GENERIC_ALL | FILE_APPEND_DATA)))
				dup->flags &= ~W32_F_APPEND;
			if (dup->kind == W32_FILE && dup->fd < 0) {
				err = mmf__win32_error(errno);
				free(dup);
			} else {
				pthread_mutex_lock(&lock);
				dup->base->refs++;
				pthread_mutex_unlock(&lock);
				/* frees dup (its fd, its base ref) on failure */
				h = mmf__w32_insert(dup);
				if (h)
					*lpTargetHandle = h;
				else
					err = ERROR_NOT_ENOUGH_MEMORY;
			}
		}
	}
	/* Windows closes the source with DUPLICATE_CLOSE_SOURCE even on failure. */
	mmf__w32_put(src);
	if (err != ERROR_SUCCESS) {
		mmf__win32_set(err);
		return FALSE;
	}
	return TRUE;
}

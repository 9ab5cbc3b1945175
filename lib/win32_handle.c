// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 handles: small integers (multiples of 4, as on Windows) indexing a
 * table, so that a wrong or stale handle is ERROR_INVALID_HANDLE and never
 * a wild pointer.  Objects are reference-counted so that CloseHandle() in
 * one thread cannot free an object another thread is using.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "win32_handle.h"

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
	if (obj->kind == W32_FILE)
		close(obj->fd);
	else
		mmf_close(obj->section);
	free(obj);
}

HANDLE mmf__w32_insert(struct w32_object *obj)
{
	HANDLE h = NULL;
	size_t i;

	obj->refs = 1;
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

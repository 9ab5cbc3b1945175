/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Win32 layer's handle table (win32_handle.c), shared by its files. */
#ifndef MMF_WIN32_HANDLE_H
#define MMF_WIN32_HANDLE_H

#include <stdint.h>

#include <mmf/win32.h>

#include "internal.h"

#define W32_GRANULARITY 65536u

enum w32_kind { W32_FILE = 1, W32_MAPPING = 2 };

/* The MMF_MAP_* rights a handle grants (files: read and write). */
struct w32_object {
	enum w32_kind kind;
	unsigned int rights;
	int fd;			/* W32_FILE */
	mmf_section *section;	/* W32_MAPPING */
	int refs;		/* table reference + users; under the table lock */
};

/* A handle for a new object (which it owns from then on), or NULL. */
HANDLE mmf__w32_insert(struct w32_object *obj);
/* The object behind a handle of that kind, referenced; NULL if none. */
struct w32_object *mmf__w32_get(HANDLE h, enum w32_kind kind);
void mmf__w32_put(struct w32_object *obj);

#endif

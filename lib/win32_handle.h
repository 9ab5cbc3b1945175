/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Win32 layer's handle table (win32_handle.c), shared by its files. */
#ifndef MMF_WIN32_HANDLE_H
#define MMF_WIN32_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <mmf/win32.h>

#include "internal.h"

#define W32_GRANULARITY 65536u

enum w32_kind { W32_FILE = 1, W32_MAPPING = 2 };

/* W32_FILE flags (CreateFile's FILE_FLAG_*; w32files, issue 11). */
#define W32_F_OVERLAPPED	0x1u	/* FILE_FLAG_OVERLAPPED: I/O needs an OVERLAPPED */
#define W32_F_NO_BUFFERING	0x2u	/* FILE_FLAG_NO_BUFFERING: aligned I/O only */
#define W32_F_APPEND		0x4u	/* FILE_APPEND_DATA without FILE_WRITE_DATA: O_APPEND */
/* The smallest sector size of Windows: NO_BUFFERING I/O is aligned to it. */
#define W32_SECTOR		512u

/*
 * The MMF_MAP_* rights a handle grants (files: read and write).
 *
 * A DuplicateHandle() copy is an object of its own (its own rights and
 * inherit) whose base is the object it was copied from: it shares base's
 * section, or has a dup(2) of base's fd (so the same file pointer) that it
 * closes itself, and holds a reference on base, which alone closes base's
 * fd or section.  Every other field is a copy of base's, set once and
 * never changed.
 *
 * inherit is bInheritHandle: a file handle's own fd then crosses exec (no
 * FD_CLOEXEC), and so does a mapping handle's MmfExportFileMapping()
 * descriptor; that is how a child process inherits handles on Linux.
 */
struct w32_object {
	enum w32_kind kind;
	unsigned int rights;
	int fd;			/* W32_FILE */
	mmf_section *section;	/* W32_MAPPING */
	int refs;		/* table reference + users; under the table lock */
	struct w32_object *base;	/* a duplicate's source (referenced), or NULL */
	unsigned int flags;	/* W32_FILE: W32_F_* */
	bool inherit;		/* bInheritHandle (see above) */
};

/*
 * The SECURITY_ATTRIBUTES of a call that makes a handle: 0 and whether the
 * handle is inheritable, or the Win32 error (a security descriptor, which
 * the layer cannot apply, is refused).
 */
DWORD mmf__w32_security(const SECURITY_ATTRIBUTES *sa, bool *inherit);

/* A handle for a new object (which it owns from then on), or NULL. */
HANDLE mmf__w32_insert(struct w32_object *obj);
/* The object behind a handle of that kind, referenced; NULL if none. */
struct w32_object *mmf__w32_get(HANDLE h, enum w32_kind kind);
void mmf__w32_put(struct w32_object *obj);

/* win32_file.c: a file object's last reference goes (before its fd is closed). */
void mmf__w32_file_release(struct w32_object *obj);

/*
 * win32_wide.c: a NUL-terminated UTF-16 string as a new UTF-8 string
 * (free() it); -EILSEQ for an unpaired surrogate, -ENOMEM.
 */
int mmf__w32_to_utf8(const WCHAR *s, char **out);

#endif

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Win32 layer's wide (W) calls: CreateFileW, CreateFileMappingW and
 * OpenFileMappingW take UTF-16 names (WCHAR is one 16-bit unit, as on
 * Windows), convert them to UTF-8, Linux's file and section names, and
 * call the A versions.  A name that is not valid UTF-16 (an unpaired
 * surrogate) fails with ERROR_NO_UNICODE_TRANSLATION, Windows' code for a
 * string that has no translation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "win32_handle.h"

int mmf__w32_to_utf8(const WCHAR *s, char **out)
{
	size_t n = 0, len = 0, i;
	char *p;

	/* At most 3 bytes per unit (a pair's 2 units make 4 bytes). */
	while (s[n])
		n++;
	p = malloc(3 * n + 1);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t c = (uint16_t)s[i];

		if (c >= 0xD800 && c <= 0xDBFF) {
			uint32_t lo = i + 1 < n ? (uint16_t)s[i + 1] : 0;

			if (lo < 0xDC00 || lo > 0xDFFF)
				goto bad;
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			i++;
		} else if (c >= 0xDC00 && c <= 0xDFFF) {
			goto bad;
		}
		if (c < 0x80) {
			p[len++] = (char)c;
		} else if (c < 0x800) {
			p[len++] = (char)(0xC0 | (c >> 6));
			p[len++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			p[len++] = (char)(0xE0 | (c >> 12));
			p[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
			p[len++] = (char)(0x80 | (c & 0x3F));
		} else {
			p[len++] = (char)(0xF0 | (c >> 18));
			p[len++] = (char)(0x80 | ((c >> 12) & 0x3F));
			p[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
			p[len++] = (char)(0x80 | (c & 0x3F));
		}
	}
	p[len] = 0;
	*out = p;
	return 0;
bad:
	free(p);
	return -EILSEQ;
}

/* name as UTF-8 (NULL stays NULL); FALSE with the last error set if not. */
static BOOL convert(LPCWSTR name, char **out)
{
	int ret;

	*out = NULL;
	if (!name)
		return TRUE;
	ret = mmf__w32_to_utf8(name, out);
	if (ret == -EILSEQ) {
		mmf__win32_set(ERROR_NO_UNICODE_TRANSLATION);
		return FALSE;
	}
	if (ret < 0)
		return mmf__win32_fail(ret);
	return TRUE;
}

MMF_EXPORT HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess,
				     DWORD dwShareMode, LPSECURITY_ATTRIBUTES lpSecurityAttributes,
				     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
				     HANDLE hTemplateFile)
{
	char *name;
	HANDLE h;

	if (!convert(lpFileName, &name))
		return INVALID_HANDLE_VALUE;
	h = CreateFileA(name, dwDesiredAccess, dwShareMode, lpSecurityAttributes,
			dwCreationDisposition, dwFlagsAndAttributes, hTemplateFile);
	free(name);
	return h;
}

MMF_EXPORT HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
					    DWORD flProtect, DWORD dwMaximumSizeHigh,
					    DWORD dwMaximumSizeLow, LPCWSTR lpName)
{
	char *name;
	HANDLE h;

	if (!convert(lpName, &name))
		return NULL;
	h = CreateFileMappingA(hFile, lpAttributes, flProtect, dwMaximumSizeHigh,
			       dwMaximumSizeLow, name);
	free(name);
	return h;
}

MMF_EXPORT HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle,
					  LPCWSTR lpName)
{
	char *name;
	HANDLE h;

	if (!convert(lpName, &name))
		return NULL;
	h = OpenFileMappingA(dwDesiredAccess, bInheritHandle, name);
	free(name);
	return h;
}

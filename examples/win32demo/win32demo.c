// SPDX-License-Identifier: GPL-2.0
/*
 * win32demo: a program written only against <mmf/win32.h>, as it would be
 * on Windows: create a file, map it, write through a view, flush, unmap,
 * close, then reopen it and read the data back with ReadFile.
 *
 *   cc win32demo.c $(pkg-config --cflags --libs mmf)
 *   ./win32demo FILE
 */
#include <stdio.h>
#include <string.h>

#include <mmf/win32.h>

static int fail(const char *what)
{
	DWORD err = GetLastError();

	/* libmmf's code for "no /dev/mmf": say what to do, in one line. */
	if (err == ERROR_DEVICE_NOT_AVAILABLE)
		fprintf(stderr, "win32demo: %s failed: the mmf kernel module is not loaded "
			"(/dev/mmf is missing; run: sudo mmfctl load)\n", what);
	else
		fprintf(stderr, "win32demo: %s failed, GetLastError() = %u\n", what,
			(unsigned int)err);
	return 1;
}

int main(int argc, char **argv)
{
	static const char msg[] = "Hello from a Win32 view";
	SYSTEM_INFO si;
	char buf[sizeof(msg)];
	HANDLE file, mapping;
	DWORD size, got;
	char *view;

	if (argc != 2) {
		fprintf(stderr, "usage: win32demo FILE\n");
		return 2;
	}
	GetSystemInfo(&si);
	size = 2 * si.dwAllocationGranularity;

	file = CreateFileA(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
			   FILE_ATTRIBUTE_NORMAL, NULL);
	if (file == INVALID_HANDLE_VALUE)
		return fail("CreateFileA");
	mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, size, NULL);
	if (!mapping)
		return fail("CreateFileMappingA");
	/* The second 64 KiB of the file. */
	view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, si.dwAllocationGranularity, 0);
	if (!view)
		return fail("MapViewOfFile");
	memcpy(view + 100, msg, sizeof(msg));
	if (!FlushViewOfFile(view, 0) || !FlushFileBuffers(file))
		return fail("FlushViewOfFile/FlushFileBuffers");
	if (!UnmapViewOfFile(view + 5000))	/* any address inside the view */
		return fail("UnmapViewOfFile");
	if (!CloseHandle(mapping) || !CloseHandle(file))
		return fail("CloseHandle");

	file = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	if (file == INVALID_HANDLE_VALUE)
		return fail("CreateFileA (reopen)");
	if (GetFileSize(file, NULL) != size)
		return fail("GetFileSize");
	if (SetFilePointer(file, (LONG)si.dwAllocationGranularity + 100, NULL, FILE_BEGIN) ==
	    INVALID_SET_FILE_POINTER)
		return fail("SetFilePointer");
	if (!ReadFile(file, buf, sizeof(buf), &got, NULL) || got != sizeof(buf))
		return fail("ReadFile");
	CloseHandle(file);
	if (memcmp(buf, msg, sizeof(msg))) {
		fprintf(stderr, "win32demo: read back \"%.*s\"\n", (int)sizeof(buf), buf);
		return 1;
	}
	printf("win32demo: %s: %u bytes, read back \"%s\" at offset %u\n", argv[1],
	       (unsigned int)size, buf, (unsigned int)si.dwAllocationGranularity + 100);
	return 0;
}

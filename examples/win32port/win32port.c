// SPDX-License-Identifier: GPL-2.0
/*
 * win32port: Windows mapping code as porters meet it (issue 11), built
 * unchanged against <mmf/win32.h>: a UNICODE build with the generic names
 * and TEXT(), GetFileSizeEx, VirtualQuery on a size-0 view to learn its
 * size (as LLVM and Go do), DuplicateHandle with reduced rights, and a
 * section handed to a child process.  The hand-off is the one place that
 * differs from Windows, where the parent would DuplicateHandle() into the
 * child's process: here the handle travels as a file descriptor
 * (MmfExportFileMapping), kept across exec like an inherited handle.
 *
 *   cc win32port.c $(pkg-config --cflags --libs mmf)
 *   ./win32port FILE
 *
 * Prints one line per step and "win32port: ok" at the end; exits non-zero
 * with GetLastError() at the first step that fails.
 */
#define UNICODE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmf/win32.h>

#define FILE_BYTES 100000u	/* not a page multiple */

static int fail(const char *what)
{
	fprintf(stderr, "win32port: %s failed, GetLastError() = %u\n", what,
		(unsigned int)GetLastError());
	return 1;
}

/* The child: the section's descriptor is argv[2]; write an answer into it. */
static int child(const char *arg)
{
	HANDLE h = MmfImportFileMapping(atoi(arg), FILE_MAP_WRITE);
	char *view;

	if (!h)
		return fail("child: MmfImportFileMapping");
	view = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	if (!view)
		return fail("child: MapViewOfFile");
	strcpy(view + 16, "written by the child");
	UnmapViewOfFile(view);
	CloseHandle(h);
	return 0;
}

/* Hand the section to a child process (the new program image of this one). */
static int hand_to_child(const char *self, HANDLE mapping)
{
	char fdarg[16];
	int fd = MmfExportFileMapping(mapping), status;
	pid_t pid;

	if (fd < 0)
		return fail("MmfExportFileMapping");
	/* Inherited across exec, as a handle created inheritable on Windows. */
	fcntl(fd, F_SETFD, 0);
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--child", fdarg, (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const TCHAR name[] = TEXT("win32port-section");
	WCHAR wpath[512];
	LARGE_INTEGER size;
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE file, mapping, reader, shared, opened;
	char *view, *shview;
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--child"))
		return child(argv[2]);
	if (argc != 2 || strlen(argv[1]) >= sizeof(wpath) / sizeof(wpath[0])) {
		fprintf(stderr, "usage: win32port FILE\n");
		return 2;
	}
	/* An ASCII path as a wide string, as a Windows program has it. */
	for (i = 0; argv[1][i]; i++)
		wpath[i] = (WCHAR)(unsigned char)argv[1][i];
	wpath[i] = 0;

	/* CreateFile is CreateFileW in a UNICODE build. */
	file = CreateFile(wpath, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
			  CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (file == INVALID_HANDLE_VALUE)
		return fail("CreateFile");
	size.QuadPart = FILE_BYTES;
	if (!SetFilePointerEx(file, size, NULL, FILE_BEGIN) || !SetEndOfFile(file))
		return fail("SetEndOfFile");
	if (!GetFileSizeEx(file, &size) || size.QuadPart != FILE_BYTES)
		return fail("GetFileSizeEx");
	printf("win32port: GetFileSizeEx: %lld bytes\n", (long long)size.QuadPart);

	mapping = CreateFileMapping(file, NULL, PAGE_READWRITE, 0, 0, NULL);
	if (!mapping)
		return fail("CreateFileMapping");
	/* A size-0 view: VirtualQuery tells how much was mapped. */
	view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
	if (!view)
		return fail("MapViewOfFile");
	if (VirtualQuery(view, &mbi, sizeof(mbi)) != sizeof(mbi) || mbi.Type != MEM_MAPPED ||
	    mbi.AllocationBase != view || mbi.RegionSize < FILE_BYTES)
		return fail("VirtualQuery");
	printf("win32port: VirtualQuery: a view of %zu bytes, protection %#x\n",
	       (size_t)mbi.RegionSize, (unsigned int)mbi.Protect);
	memcpy(view, "through the view", 17);

	/* A duplicate with read access only is refused a write view. */
	if (!DuplicateHandle(GetCurrentProcess(), mapping, GetCurrentProcess(), &reader,
			     FILE_MAP_READ, FALSE, 0))
		return fail("DuplicateHandle");
	if (MapViewOfFile(reader, FILE_MAP_WRITE, 0, 0, 0) ||
	    GetLastError() != ERROR_ACCESS_DENIED)
		return fail("the read-only duplicate's write view");
	printf("win32port: DuplicateHandle(FILE_MAP_READ): a write view is refused (%u)\n",
	       (unsigned int)GetLastError());
	CloseHandle(reader);

	/* Shared memory for a child process: a paging-file section. */
	shared = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, name);
	if (!shared)
		return fail("CreateFileMapping (paging file)");
	opened = OpenFileMapping(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, name);
	if (!opened)
		return fail("OpenFileMapping");
	if (hand_to_child(argv[0], opened))
		return fail("the child");
	shview = MapViewOfFile(shared, FILE_MAP_READ, 0, 0, 0);
	if (!shview)
		return fail("MapViewOfFile (paging file)");
	printf("win32port: the child wrote \"%s\"\n", shview + 16);
	if (strcmp(shview + 16, "written by the child"))
		return 1;

	if (!FlushViewOfFile(view, 0) || !UnmapViewOfFile(view) || !UnmapViewOfFile(shview))
		return fail("FlushViewOfFile/UnmapViewOfFile");
	CloseHandle(opened);
	CloseHandle(shared);
	CloseHandle(mapping);
	CloseHandle(file);
	printf("win32port: ok\n");
	return 0;
}

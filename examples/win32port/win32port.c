// SPDX-License-Identifier: GPL-2.0
/*
 * win32port: Windows mapping code as porters meet it (issue 11), compiled
 * unchanged against <mmf/win32.h>.  A UNICODE build: the generic names
 * (CreateFile, CreateFileMapping, OpenFileMapping) and TEXT(), a 64-bit
 * file size with SetFilePointerEx/GetFileSizeEx, VirtualQuery on a size-0
 * view to learn its size (as LLVM's and Go's mapped files do), a
 * DuplicateHandle with reduced rights that is refused a write view, and a
 * view of the file shared with a child process through a named section:
 * the child reads the parent's request through its own view and writes an
 * answer back, which the parent checks through its view and with ReadFile.
 *
 *   cc win32port.c $(pkg-config --cflags --libs mmf)
 *   ./win32port FILE
 *
 * One difference from Windows shows: the child's view, through a handle
 * that did not open the file, ends at the last whole page of the section
 * (98304 of its 100000 bytes with 4 KiB pages; Documentation/win32.rst),
 * which the child learns from VirtualQuery, so the answer goes before it.
 *
 * Everything above the "Platform glue" comment is written as it would be
 * for Windows; below it, main() and widen() are the glue: wmain would
 * receive a UTF-16 argv, and the parent would start the child with
 * CreateProcess, WaitForSingleObject and GetExitCodeProcess, which the
 * layer does not have (it covers files and mappings); here main() widens
 * the UTF-8 argv and uses fork, exec and waitpid.
 *
 * Prints one line per step and "win32port: ok" at the end; exits non-zero
 * with GetLastError() at the first step that fails.
 */
#define UNICODE
#define _UNICODE
#include <stdio.h>
#include <string.h>

#include <mmf/win32.h>

#define FILE_BYTES	100000		/* not a page multiple */
#define DATA_AT		4096		/* the bytes the child sums */
#define DATA_BYTES	90000
#define ANSWER_AT	96000
#define ANSWER_BYTES	64

/* One name for the parent's section and the child's OpenFileMapping. */
static const TCHAR section_name[] = TEXT("Local\\win32port-request");

static int fail(const char *who, const char *what)
{
	fprintf(stderr, "win32port: %s: %s failed, GetLastError() = %lu\n", who, what,
		(unsigned long)GetLastError());
	return 1;
}

/* FNV-1a over @n bytes: the answer the child computes and the parent checks. */
static DWORD fnv1a(const unsigned char *p, SIZE_T n)
{
	DWORD h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* The size of the view at @base, as a size-0 MapViewOfFile leaves it unknown. */
static SIZE_T view_size(LPCVOID base, DWORD *protect)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (VirtualQuery(base, &mbi, sizeof(mbi)) != sizeof(mbi) ||
	    mbi.AllocationBase != base || mbi.Type != MEM_MAPPED ||
	    mbi.State != MEM_COMMIT)
		return 0;
	*protect = mbi.Protect;
	return mbi.RegionSize;
}

/*
 * The child: open the section by name, find the request the parent wrote
 * at the start of the view, and write the answer where it says.
 */
static int child(void)
{
	unsigned int at, bytes, answer_at;
	HANDLE mapping;
	DWORD protect;
	SIZE_T size;
	char *view;

	mapping = OpenFileMapping(FILE_MAP_ALL_ACCESS, FALSE, section_name);
	if (!mapping)
		return fail("child", "OpenFileMapping");
	view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (!view)
		return fail("child", "MapViewOfFile");
	size = view_size(view, &protect);
	if (!size || protect != PAGE_READWRITE)
		return fail("child", "VirtualQuery");
	if (!memchr(view, '\n', 64) ||
	    sscanf(view, "request: fnv1a of %u bytes at %u, answer at %u\n",
		   &bytes, &at, &answer_at) != 3 ||
	    at > size || bytes > size - at || answer_at > size - ANSWER_BYTES) {
		fprintf(stderr, "win32port: child: no request in a view of %lu bytes\n",
			(unsigned long)size);
		return 1;
	}
	snprintf(view + answer_at, ANSWER_BYTES, "answer: %08lx from the child\n",
		 (unsigned long)fnv1a((unsigned char *)view + at, bytes));
	if (!FlushViewOfFile(view, 0))
		return fail("child", "FlushViewOfFile");
	if (!UnmapViewOfFile(view) || !CloseHandle(mapping))
		return fail("child", "UnmapViewOfFile/CloseHandle");
	printf("win32port: child: a view of %lu bytes, answered at %u\n",
	       (unsigned long)size, answer_at);
	return 0;
}

struct parent {
	HANDLE file, mapping;
	char *view;
	DWORD sum;
};

/* The parent, before the child runs: the file, its section, the request. */
static int parent_begin(LPCTSTR path, struct parent *p)
{
	LARGE_INTEGER size;
	HANDLE reader;
	char *rview;
	DWORD protect;
	SIZE_T region, i;

	p->file = CreateFile(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
			     CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (p->file == INVALID_HANDLE_VALUE)
		return fail("parent", "CreateFile");
	size.QuadPart = FILE_BYTES;
	if (!SetFilePointerEx(p->file, size, NULL, FILE_BEGIN) || !SetEndOfFile(p->file))
		return fail("parent", "SetFilePointerEx/SetEndOfFile");
	if (!GetFileSizeEx(p->file, &size))
		return fail("parent", "GetFileSizeEx");
	printf("win32port: GetFileSizeEx: %lld bytes\n", (long long)size.QuadPart);
	if (size.QuadPart != FILE_BYTES)
		return 1;

	/* Size 0: the section is the file; named, so that the child finds it. */
	p->mapping = CreateFileMapping(p->file, NULL, PAGE_READWRITE, 0, 0, section_name);
	if (!p->mapping)
		return fail("parent", "CreateFileMapping");
	if (GetLastError() == ERROR_ALREADY_EXISTS) {
		fprintf(stderr, "win32port: another instance has the section\n");
		return 1;
	}
	p->view = MapViewOfFile(p->mapping, FILE_MAP_WRITE, 0, 0, 0);
	if (!p->view)
		return fail("parent", "MapViewOfFile");
	region = view_size(p->view, &protect);
	if (region < FILE_BYTES || protect != PAGE_READWRITE)
		return fail("parent", "VirtualQuery");
	printf("win32port: VirtualQuery: a size-0 view of %lu bytes, PAGE_READWRITE\n",
	       (unsigned long)region);

	for (i = 0; i < DATA_BYTES; i++)
		p->view[DATA_AT + i] = (char)((i * 2654435761u) >> 24);
	p->sum = fnv1a((unsigned char *)p->view + DATA_AT, DATA_BYTES);
	snprintf(p->view, DATA_AT, "request: fnv1a of %u bytes at %u, answer at %u\n",
		 DATA_BYTES, DATA_AT, ANSWER_AT);

	/* A duplicate with read access only: no write view, a read view sees it all. */
	if (!DuplicateHandle(GetCurrentProcess(), p->mapping, GetCurrentProcess(), &reader,
			     FILE_MAP_READ, FALSE, 0))
		return fail("parent", "DuplicateHandle");
	if (MapViewOfFile(reader, FILE_MAP_WRITE, 0, 0, 0)) {
		fprintf(stderr, "win32port: the read-only duplicate maps a write view\n");
		return 1;
	}
	if (GetLastError() != ERROR_ACCESS_DENIED)
		return fail("parent", "the read-only duplicate's write view");
	printf("win32port: DuplicateHandle(FILE_MAP_READ): a write view is refused (%lu)\n",
	       (unsigned long)GetLastError());
	rview = MapViewOfFile(reader, FILE_MAP_READ, 0, 0, 0);
	if (!rview)
		return fail("parent", "MapViewOfFile of the duplicate");
	region = view_size(rview, &protect);
	if (region < FILE_BYTES || protect != PAGE_READONLY ||
	    memcmp(rview, p->view, FILE_BYTES))
		return fail("parent", "the duplicate's read view");
	printf("win32port: the duplicate's view: %lu bytes, PAGE_READONLY, the same bytes\n",
	       (unsigned long)region);
	if (!UnmapViewOfFile(rview) || !CloseHandle(reader))
		return fail("parent", "UnmapViewOfFile/CloseHandle of the duplicate");
	return 0;
}

/* The parent, after the child exited: its answer, through the view and ReadFile. */
static int parent_end(struct parent *p)
{
	char expect[ANSWER_BYTES], got[ANSWER_BYTES];
	OVERLAPPED at;
	DWORD n;

	snprintf(expect, sizeof(expect), "answer: %08lx from the child\n",
		 (unsigned long)p->sum);
	if (strcmp(p->view + ANSWER_AT, expect)) {
		fprintf(stderr, "win32port: the view has \"%.40s\", not \"%s\"\n",
			p->view + ANSWER_AT, expect);
		return 1;
	}
	memset(&at, 0, sizeof(at));
	at.Offset = ANSWER_AT;
	if (!ReadFile(p->file, got, (DWORD)strlen(expect), &n, &at) ||
	    n != strlen(expect) || memcmp(got, expect, n))
		return fail("parent", "ReadFile of the answer");
	printf("win32port: the child's %.*s", (int)n, got);
	if (!FlushViewOfFile(p->view, 0) || !FlushFileBuffers(p->file))
		return fail("parent", "FlushViewOfFile/FlushFileBuffers");
	if (!UnmapViewOfFile(p->view) || !CloseHandle(p->mapping) || !CloseHandle(p->file))
		return fail("parent", "UnmapViewOfFile/CloseHandle");
	/* The name went with the last handle. */
	if (OpenFileMapping(FILE_MAP_READ, FALSE, section_name) ||
	    GetLastError() != ERROR_FILE_NOT_FOUND)
		return fail("parent", "OpenFileMapping after the last CloseHandle");
	printf("win32port: ok\n");
	return 0;
}

/*
 * Platform glue (Linux): what wmain and CreateProcess would do on Windows.
 * The only code here that Windows would not compile.
 */
#include <sys/wait.h>
#include <unistd.h>

/* UTF-8 to UTF-16, as wmain's argv arrives; 0 if it does not fit or is not UTF-8. */
static int widen(const char *s, WCHAR *w, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	while (*u) {
		unsigned long c;
		int more;

		if (*u < 0x80)
			c = *u, more = 0;
		else if ((*u & 0xE0) == 0xC0)
			c = *u & 0x1F, more = 1;
		else if ((*u & 0xF0) == 0xE0)
			c = *u & 0x0F, more = 2;
		else if ((*u & 0xF8) == 0xF0)
			c = *u & 0x07, more = 3;
		else
			return 0;
		for (u++; more--; u++) {
			if ((*u & 0xC0) != 0x80)
				return 0;
			c = c << 6 | (*u & 0x3F);
		}
		if (n + 3 > max)
			return 0;
		if (c >= 0x10000) {
			c -= 0x10000;
			w[n++] = (WCHAR)(0xD800 | c >> 10);
			w[n++] = (WCHAR)(0xDC00 | (c & 0x3FF));
		} else {
			w[n++] = (WCHAR)c;
		}
	}
	w[n] = 0;
	return 1;
}

int main(int argc, char **argv)
{
	static WCHAR path[4096];
	struct parent p;
	int status;
	pid_t pid;

	memset(&p, 0, sizeof(p));
	if (argc == 2 && !strcmp(argv[1], "--child"))
		return child();
	if (argc != 2 || !widen(argv[1], path, sizeof(path) / sizeof(path[0]))) {
		fprintf(stderr, "usage: win32port FILE\n");
		return 2;
	}
	if (parent_begin(path, &p))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "--child", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "win32port: the child failed\n");
		return 1;
	}
	return parent_end(&p);
}

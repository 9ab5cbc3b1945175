// SPDX-License-Identifier: GPL-2.0
/*
 * <mmf/win32.h> as porters compile it (issue 11): no warning with
 * -std=c99 -pedantic, -std=c11 -pedantic and g++ -std=c++17 -pedantic,
 * ANSI and UNICODE builds (L"..." with -fshort-wchar, u"..." otherwise),
 * the SDK's nameless members and NONAMELESSUNION's names, next to a
 * project's own windows.h stand-in (MMF_W32_NO_BASIC_TYPES), and a stand-in
 * whose types have the wrong sizes refused at compile time.  A UNICODE
 * program using the generic names is linked with libmmf.a and run.
 * The compilers are $CC (default cc) and $CXX (default c++).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

/* The source tree, from this file's path (make passes it absolute). */
static void top_dir(char *buf, size_t size)
{
	const char *tail = strstr(__FILE__, "/lib/tests/");

	snprintf(buf, size, "%.*s", tail ? (int)(tail - __FILE__) : 1, tail ? __FILE__ : ".");
}

static const char snippet[] =
	"#include <mmf/win32.h>\n"
	"int use(HANDLE f, LPCTSTR name);\n"
	"int use(HANDLE f, LPCTSTR name)\n"
	"{\n"
	"	LARGE_INTEGER li;\n"
	"	SYSTEM_INFO si;\n"
	"	OVERLAPPED ov;\n"
	"	HANDLE m, d;\n"
	"	DWORD n = 0;\n"
	"	LPVOID p;\n"
	"	char buf[4];\n"
	"	const TCHAR *t = TEXT(\"x\");\n"
	"	GetSystemInfo(&si);\n"
	"	ov.Internal = 0; ov.InternalHigh = 0; ov.hEvent = NULL;\n"
	"#ifdef NONAMELESSUNION\n"
	"	ov.u.s.Offset = 0; ov.u.s.OffsetHigh = 0;\n"
	"	n += si.u.s.wProcessorArchitecture;\n"
	"	li.s.LowPart = 1; li.s.HighPart = 0;\n"
	"#else\n"
	"	ov.Offset = 0; ov.OffsetHigh = 0;\n"
	"	n += si.wProcessorArchitecture;\n"
	"	li.LowPart = 1; li.HighPart = 0;\n"
	"#endif\n"
	"	li.QuadPart = li.u.LowPart;\n"
	"	if (!GetFileSizeEx(f, &li) || !SetFilePointerEx(f, li, NULL, FILE_BEGIN))\n"
	"		return 1;\n"
	"	if (!ReadFile(f, buf, sizeof(buf), &n, &ov) && GetLastError() != ERROR_HANDLE_EOF)\n"
	"		return 2;\n"
	"	m = CreateFileMapping(f, NULL, PAGE_READONLY | SEC_COMMIT, 0, 0, name);\n"
	"	if (!m || !DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d,\n"
	"				   FILE_MAP_READ, FALSE, DUPLICATE_CLOSE_SOURCE))\n"
	"		return 3;\n"
	"	p = MapViewOfFile(d, FILE_MAP_READ, 0, 0, 0);\n"
	"	if (p)\n"
	"		UnmapViewOfFile(p);\n"
	"	m = OpenFileMapping(FILE_MAP_READ, FALSE, name);\n"
	"	CloseHandle(m);\n"
	"	CloseHandle(d);\n"
	"	f = CreateFile(t, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,\n"
	"		       FILE_ATTRIBUTE_NORMAL | FILE_FLAG_DELETE_ON_CLOSE, NULL);\n"
	"	return f == INVALID_HANDLE_VALUE ? (int)n : 0;\n"
	"}\n";

/* A project's own stand-in, with Windows' sizes (or not). */
static const char standin[] =
	"#include <stdint.h>\n"
	"#include <stddef.h>\n"
	"typedef int BOOL; typedef unsigned char BYTE; typedef unsigned short WORD;\n"
	"typedef STANDIN_DWORD DWORD; typedef int LONG; typedef unsigned int ULONG;\n"
	"typedef long long LONGLONG; typedef unsigned long long ULONGLONG;\n"
	"typedef uintptr_t DWORD_PTR, ULONG_PTR; typedef size_t SIZE_T;\n"
	"typedef void *HANDLE, **PHANDLE, **LPHANDLE; typedef void *PVOID, *LPVOID;\n"
	"typedef const void *LPCVOID; typedef char CHAR, *LPSTR; typedef const char *LPCSTR;\n"
	"typedef uint16_t WCHAR; typedef WCHAR *LPWSTR; typedef const WCHAR *LPCWSTR;\n"
	"typedef DWORD *LPDWORD, *PDWORD; typedef LONG *PLONG, *LPLONG;\n"
	"typedef char TCHAR, *LPTSTR; typedef const char *LPCTSTR;\n"
	"#define MMF_W32_NO_BASIC_TYPES\n";

static const char program[] =
	"#include <string.h>\n"
	"#include <unistd.h>\n"
	"#include <mmf/win32.h>\n"
	"int main(void)\n"
	"{\n"
	"	LARGE_INTEGER size;\n"
	"	DWORD n;\n"
	"	HANDLE f = CreateFile(TEXT(\"unicode-\\u00fc.dat\"), GENERIC_READ | GENERIC_WRITE,\n"
	"			      0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);\n"
	"	if (f == INVALID_HANDLE_VALUE)\n"
	"		return 10;\n"
	"	if (!WriteFile(f, \"twelve bytes\", 12, &n, NULL) || !GetFileSizeEx(f, &size))\n"
	"		return 11;\n"
	"	if (size.QuadPart != 12 || access(\"unicode-\\xc3\\xbc.dat\", F_OK))\n"
	"		return 12;\n"
	"	CloseHandle(f);\n"
	"	return unlink(\"unicode-\\xc3\\xbc.dat\") ? 13 : 0;\n"
	"}\n";

FIXTURE(hdr) {
	char dir[64];
	char top[512];
	const char *cc, *cxx;
};

FIXTURE_SETUP(hdr)
{
	strcpy(self->dir, "/tmp/mmf-w32h-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	top_dir(self->top, sizeof(self->top));
	self->cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	self->cxx = getenv("CXX") && *getenv("CXX") ? getenv("CXX") : "c++";
}

FIXTURE_TEARDOWN(hdr)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static int write_file(const char *path, const char *a, const char *b)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(a, f);
	fputs(b, f);
	return fclose(f);
}

/* Compile (syntax only) name with compiler and flags; 0 when clean. */
static int compile(struct _test_data_hdr *self, const char *compiler, const char *flags,
		   const char *prefix, const char *body)
{
	char src[128], cmd[2048];
	int ret;

	snprintf(src, sizeof(src), "%s/t.%s", self->dir, strstr(flags, "c++") ? "cpp" : "c");
	if (write_file(src, prefix, body))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "%s %s -Wall -Wextra -Werror -fsyntax-only -I'%s/include' '%s' 2>'%s/log'",
		 compiler, flags, self->top, src, self->dir);
	ret = system(cmd);
	if (ret) {
		snprintf(cmd, sizeof(cmd), "cat '%s/log' >&2", self->dir);
		if (system(cmd))
			ret = -1;
	}
	return ret;
}

static int have(const char *compiler)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "%s --version >/dev/null 2>&1", compiler);
	return system(cmd) == 0;
}

TEST_F(hdr, c99_and_c11_pedantic_are_clean)
{
	if (!have(self->cc))
		SKIP(return, "no C compiler (%s)", self->cc);
	EXPECT_EQ(0, compile(self, self->cc, "-std=c99 -pedantic", "", snippet));
	EXPECT_EQ(0, compile(self, self->cc, "-std=c11 -pedantic", "", snippet));
	/* UNICODE: L"..." with a 16-bit wchar_t; u"..." from C11 on. */
	EXPECT_EQ(0, compile(self, self->cc, "-std=c99 -pedantic -fshort-wchar -DUNICODE", "",
			     snippet));
	EXPECT_EQ(0, compile(self, self->cc, "-std=c11 -pedantic -DUNICODE", "", snippet));
	/* The SDK's names for the nameless members. */
	EXPECT_EQ(0, compile(self, self->cc, "-std=c99 -pedantic -DNONAMELESSUNION", "",
			     snippet));
}

TEST_F(hdr, cxx17_pedantic_is_clean)
{
	if (!have(self->cxx))
		SKIP(return, "no C++ compiler (%s)", self->cxx);
	EXPECT_EQ(0, compile(self, self->cxx, "-x c++ -std=c++17 -pedantic", "", snippet));
	EXPECT_EQ(0, compile(self, self->cxx, "-x c++ -std=c++17 -pedantic -DUNICODE", "",
			     snippet));
	EXPECT_EQ(0, compile(self, self->cxx,
			     "-x c++ -std=c++17 -pedantic -DUNICODE -fshort-wchar", "", snippet));
	EXPECT_EQ(0, compile(self, self->cxx, "-x c++ -std=c++17 -pedantic -DNONAMELESSUNION",
			     "", snippet));
}

TEST_F(hdr, next_to_a_windows_h_stand_in)
{
	if (!have(self->cc))
		SKIP(return, "no C compiler (%s)", self->cc);
	EXPECT_EQ(0, compile(self, self->cc, "-std=c99 -pedantic -DSTANDIN_DWORD='unsigned int'",
			     standin, snippet));
	/* A stand-in whose DWORD is 64 bits would break the ABI: refused. */
	EXPECT_NE(0, compile(self, self->cc,
			     "-std=c99 -pedantic -DSTANDIN_DWORD='unsigned long long'", standin,
			     snippet));
}

TEST_F(hdr, a_unicode_program_links_and_runs)
{
	char src[128], cmd[2048];
	const char *build = getenv("BUILD");

	if (!have(self->cc))
		SKIP(return, "no C compiler (%s)", self->cc);
	if (!build || !*build)
		SKIP(return, "BUILD not set (run by make host-check)");
	snprintf(src, sizeof(src), "%s/prog.c", self->dir);
	ASSERT_EQ(0, write_file(src, "", program));
	snprintf(cmd, sizeof(cmd),
		 "%s -std=c11 -pedantic -Wall -Wextra -Werror -DUNICODE -I'%s/include' -o '%s/prog' "
		 "'%s' '%s/lib/libmmf.a' -lpthread && cd '%s' && ./prog",
		 self->cc, self->top, self->dir, src, build, self->dir);
	EXPECT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN

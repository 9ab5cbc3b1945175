/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmmf's Win32 compatibility layer: the Win32 file and file-mapping calls
 * with Windows' behaviour and GetLastError() codes, so that Windows code
 * that uses memory-mapped files ports with a recompile.  The supported
 * calls and how each Linux error maps to a Win32 error are listed in
 * Documentation/win32.rst and mmf_win32(3).
 *
 * The functions keep their Win32 names in C; in the library they are the
 * symbols mmf_w32_<name> (an assembler label), so that libmmf exports only
 * mmf_* symbols and cannot clash with another library's CloseHandle.
 */
#ifndef MMF_WIN32_H
#define MMF_WIN32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef WINAPI
#define WINAPI
#endif

/*
 * Basic types (issue 11, w32files).  They have Windows' sizes (DWORD 32
 * bits, WCHAR one 16-bit UTF-16 unit, HANDLE a pointer).  A project whose
 * own windows.h stand-in already defines them defines
 * MMF_W32_NO_BASIC_TYPES before including this header; its definitions
 * must have the same sizes (checked below), since the library's ABI uses
 * these.  The structures (SECURITY_ATTRIBUTES, OVERLAPPED, SYSTEM_INFO,
 * LARGE_INTEGER) likewise stay out with MMF_W32_NO_STRUCTS.
 *
 * WCHAR: with a 16-bit wchar_t (gcc/clang -fshort-wchar) it is wchar_t, so
 * L"..." literals fit; otherwise char16_t in C++ and uint16_t in C, the
 * types of u"..." literals (C11, C++11).  TEXT()/_T() pick the right one.
 */
#ifndef MMF_W32_NO_BASIC_TYPES
typedef int BOOL;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t DWORD_PTR;
typedef uintptr_t ULONG_PTR;
typedef size_t SIZE_T;
typedef void *HANDLE;
typedef HANDLE *PHANDLE, *LPHANDLE;
typedef void *PVOID;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef char CHAR;
typedef char *LPSTR;
typedef const char *LPCSTR;
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
typedef wchar_t WCHAR;
#elif defined(__cplusplus)
typedef char16_t WCHAR;
#else
typedef uint16_t WCHAR;
#endif
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
typedef DWORD *LPDWORD;
typedef LONG *PLONG;
typedef LONG *LPLONG;
#ifdef UNICODE
typedef WCHAR TCHAR;
#else
typedef char TCHAR;
#endif
typedef TCHAR *LPTSTR;
typedef const TCHAR *LPCTSTR;
#endif /* MMF_W32_NO_BASIC_TYPES */

/* The ABI's sizes, also for a stand-in's own typedefs (C99-compatible check). */
typedef char mmf_w32_sizes_are_windows_sizes_[(sizeof(DWORD) == 4 && sizeof(LONG) == 4 &&
					       sizeof(WORD) == 2 && sizeof(WCHAR) == 2 &&
					       sizeof(BOOL) == 4 &&
					       sizeof(HANDLE) == sizeof(void *)) ? 1 : -1];

/*
 * The SDK's nameless members: with NONAMELESSUNION (or a compiler that has
 * neither C11 nor GNU extensions) they are named s and u, as in the SDK;
 * otherwise they are anonymous, marked __extension__ so that -pedantic C99
 * and C++ stay quiet.
 */
#if defined(__GNUC__) || defined(__clang__)
#define MMF_W32_NAMELESS_ __extension__
#else
#define MMF_W32_NAMELESS_
#endif
#ifndef DUMMYSTRUCTNAME
#if defined(NONAMELESSUNION) || \
	(!defined(__GNUC__) && !defined(__clang__) && !defined(__cplusplus) && \
	 !(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L))
#define DUMMYSTRUCTNAME s
#define DUMMYUNIONNAME u
#else
#define DUMMYSTRUCTNAME
#define DUMMYUNIONNAME
#endif
#endif

#ifndef MMF_W32_NO_STRUCTS
typedef struct _SECURITY_ATTRIBUTES {
	DWORD nLength;
	LPVOID lpSecurityDescriptor;
	BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

/*
 * ReadFile/WriteFile at Offset/OffsetHigh.  The I/O always completes
 * before the call returns (Internal 0, InternalHigh the bytes moved);
 * hEvent must be NULL (there are no event objects).
 */
typedef struct _OVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	MMF_W32_NAMELESS_ union {
		MMF_W32_NAMELESS_ struct {
			DWORD Offset;
			DWORD OffsetHigh;
		} DUMMYSTRUCTNAME;
		PVOID Pointer;
	} DUMMYUNIONNAME;
	HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

typedef struct _SYSTEM_INFO {
	MMF_W32_NAMELESS_ union {
		DWORD dwOemId;
		MMF_W32_NAMELESS_ struct {
			WORD wProcessorArchitecture;
			WORD wReserved;
		} DUMMYSTRUCTNAME;
	} DUMMYUNIONNAME;
	DWORD dwPageSize;
	LPVOID lpMinimumApplicationAddress;
	LPVOID lpMaximumApplicationAddress;
	DWORD_PTR dwActiveProcessorMask;
	DWORD dwNumberOfProcessors;
	DWORD dwProcessorType;
	DWORD dwAllocationGranularity;
	WORD wProcessorLevel;
	WORD wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;

/* GetFileSizeEx, SetFilePointerEx: the SDK's union. */
typedef union _LARGE_INTEGER {
	MMF_W32_NAMELESS_ struct {
		DWORD LowPart;
		LONG HighPart;
	} DUMMYSTRUCTNAME;
	struct {
		DWORD LowPart;
		LONG HighPart;
	} u;
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
#endif /* MMF_W32_NO_STRUCTS */

#ifndef TRUE
#define TRUE	1
#define FALSE	0
#endif

/*
 * SDK constants, with Windows' values (issue 11, w32files): every name
 * that Windows mapping and file code uses for what this layer implements
 * or refuses.  lib/tests/win32_host_test.c header_constants_have_windows_values
 * checks each value.
 */
#define INVALID_HANDLE_VALUE		((HANDLE)(intptr_t)-1)
#define INVALID_FILE_SIZE		((DWORD)0xFFFFFFFF)
#define INVALID_SET_FILE_POINTER	((DWORD)-1)
#define INVALID_FILE_ATTRIBUTES		((DWORD)-1)

/* Access rights (CreateFile, DuplicateHandle, OpenFileMapping) */
#define DELETE				0x00010000U
#define READ_CONTROL			0x00020000U
#define WRITE_DAC			0x00040000U
#define WRITE_OWNER			0x00080000U
#define SYNCHRONIZE			0x00100000U
#define STANDARD_RIGHTS_REQUIRED	0x000F0000U
#define STANDARD_RIGHTS_READ		READ_CONTROL
#define STANDARD_RIGHTS_WRITE		READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE		READ_CONTROL
#define STANDARD_RIGHTS_ALL		0x001F0000U
#define GENERIC_READ			0x80000000U
#define GENERIC_WRITE			0x40000000U
#define GENERIC_EXECUTE			0x20000000U
#define GENERIC_ALL			0x10000000U
#define FILE_READ_DATA			0x0001U
#define FILE_WRITE_DATA			0x0002U
#define FILE_APPEND_DATA		0x0004U
#define FILE_READ_EA			0x0008U
#define FILE_WRITE_EA			0x0010U
#define FILE_EXECUTE			0x0020U
#define FILE_READ_ATTRIBUTES		0x0080U
#define FILE_WRITE_ATTRIBUTES		0x0100U
#define FILE_ALL_ACCESS			(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FFU)
#define FILE_GENERIC_READ		(STANDARD_RIGHTS_READ | FILE_READ_DATA | \
					 FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE		(STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | \
					 FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | \
					 FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE		(STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | \
					 FILE_EXECUTE | SYNCHRONIZE)

/* CreateFile: share modes, dispositions, attributes and flags */
#define FILE_SHARE_READ			0x00000001U
#define FILE_SHARE_WRITE		0x00000002U
#define FILE_SHARE_DELETE		0x00000004U
#define CREATE_NEW			1
#define CREATE_ALWAYS			2
#define OPEN_EXISTING			3
#define OPEN_ALWAYS			4
#define TRUNCATE_EXISTING		5
#define FILE_ATTRIBUTE_READONLY		0x00000001U
#define FILE_ATTRIBUTE_HIDDEN		0x00000002U
#define FILE_ATTRIBUTE_SYSTEM		0x00000004U
#define FILE_ATTRIBUTE_DIRECTORY	0x00000010U
#define FILE_ATTRIBUTE_ARCHIVE		0x00000020U
#define FILE_ATTRIBUTE_DEVICE		0x00000040U
#define FILE_ATTRIBUTE_NORMAL		0x00000080U
#define FILE_ATTRIBUTE_TEMPORARY	0x00000100U
#define FILE_ATTRIBUTE_SPARSE_FILE	0x00000200U
#define FILE_ATTRIBUTE_REPARSE_POINT	0x00000400U
#define FILE_ATTRIBUTE_COMPRESSED	0x00000800U
#define FILE_ATTRIBUTE_OFFLINE		0x00001000U
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000U
#define FILE_ATTRIBUTE_ENCRYPTED	0x00004000U
#define FILE_FLAG_WRITE_THROUGH		0x80000000U
#define FILE_FLAG_OVERLAPPED		0x40000000U
#define FILE_FLAG_NO_BUFFERING		0x20000000U
#define FILE_FLAG_RANDOM_ACCESS		0x10000000U
#define FILE_FLAG_SEQUENTIAL_SCAN	0x08000000U
#define FILE_FLAG_DELETE_ON_CLOSE	0x04000000U
#define FILE_FLAG_BACKUP_SEMANTICS	0x02000000U
#define FILE_FLAG_POSIX_SEMANTICS	0x01000000U
#define FILE_FLAG_SESSION_AWARE		0x00800000U
#define FILE_FLAG_OPEN_REPARSE_POINT	0x00200000U
#define FILE_FLAG_OPEN_NO_RECALL	0x00100000U
#define FILE_FLAG_FIRST_PIPE_INSTANCE	0x00080000U

/* SetFilePointer(Ex) */
#define FILE_BEGIN			0
#define FILE_CURRENT			1
#define FILE_END			2

/* DuplicateHandle */
#define DUPLICATE_CLOSE_SOURCE		0x00000001U
#define DUPLICATE_SAME_ACCESS		0x00000002U

/* Page protections (CreateFileMapping, VirtualProtect, VirtualQuery) */
#define PAGE_NOACCESS			0x01U
#define PAGE_READONLY			0x02U
#define PAGE_READWRITE			0x04U
#define PAGE_WRITECOPY			0x08U
#define PAGE_EXECUTE			0x10U
#define PAGE_EXECUTE_READ		0x20U
#define PAGE_EXECUTE_READWRITE		0x40U
#define PAGE_EXECUTE_WRITECOPY		0x80U
#define PAGE_GUARD			0x100U
#define PAGE_NOCACHE			0x200U
#define PAGE_WRITECOMBINE		0x400U

/* Section attributes (CreateFileMapping) */
#define SEC_FILE			0x00800000U
#define SEC_IMAGE			0x01000000U
#define SEC_PROTECTED_IMAGE		0x02000000U
#define SEC_RESERVE			0x04000000U
#define SEC_COMMIT			0x08000000U
#define SEC_NOCACHE			0x10000000U
#define SEC_WRITECOMBINE		0x40000000U
#define SEC_LARGE_PAGES			0x80000000U
#define SEC_IMAGE_NO_EXECUTE		(SEC_IMAGE | SEC_NOCACHE)

/* Section access (MapViewOfFile, OpenFileMapping, DuplicateHandle) */
#define SECTION_QUERY			0x0001U
#define SECTION_MAP_WRITE		0x0002U
#define SECTION_MAP_READ		0x0004U
#define SECTION_MAP_EXECUTE		0x0008U
#define SECTION_EXTEND_SIZE		0x0010U
#define SECTION_MAP_EXECUTE_EXPLICIT	0x0020U
#define SECTION_ALL_ACCESS		(STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | \
					 SECTION_MAP_WRITE | SECTION_MAP_READ | \
					 SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE)
#define FILE_MAP_COPY			0x0001U
#define FILE_MAP_WRITE			0x0002U
#define FILE_MAP_READ			0x0004U
#define FILE_MAP_ALL_ACCESS		0x000F001FU
#define FILE_MAP_EXECUTE		0x0020U
#define FILE_MAP_LARGE_PAGES		0x20000000U
#define FILE_MAP_TARGETS_INVALID	0x40000000U
#define FILE_MAP_RESERVE		0x80000000U

/* Memory states, types and operations (VirtualQuery, VirtualAlloc, VirtualFree) */
#define MEM_COMMIT			0x00001000U
#define MEM_RESERVE			0x00002000U
#define MEM_DECOMMIT			0x00004000U
#define MEM_RELEASE			0x00008000U
#define MEM_FREE			0x00010000U
#define MEM_PRIVATE			0x00020000U
#define MEM_MAPPED			0x00040000U
#define MEM_RESET			0x00080000U
#define MEM_TOP_DOWN			0x00100000U
#define MEM_WRITE_WATCH			0x00200000U
#define MEM_PHYSICAL			0x00400000U
#define MEM_RESET_UNDO			0x01000000U
#define MEM_IMAGE			0x01000000U
#define MEM_LARGE_PAGES			0x20000000U

/* GetLastError() codes this layer sets. */
#define ERROR_SUCCESS			0
#define ERROR_INVALID_FUNCTION		1
#define ERROR_FILE_NOT_FOUND		2
#define ERROR_PATH_NOT_FOUND		3
#define ERROR_TOO_MANY_OPEN_FILES	4
#define ERROR_ACCESS_DENIED		5
#define ERROR_INVALID_HANDLE		6
#define ERROR_NOT_ENOUGH_MEMORY		8
#define ERROR_BAD_FORMAT		11
#define ERROR_INVALID_DATA		13
#define ERROR_OUTOFMEMORY		14
#define ERROR_NOT_READY			21
#define ERROR_WRITE_FAULT		29
#define ERROR_READ_FAULT		30
#define ERROR_SHARING_VIOLATION		32
#define ERROR_HANDLE_EOF		38
#define ERROR_NOT_SUPPORTED		50
#define ERROR_FILE_EXISTS		80
#define ERROR_INVALID_PARAMETER		87
#define ERROR_BROKEN_PIPE		109
#define ERROR_DISK_FULL			112
#define ERROR_CALL_NOT_IMPLEMENTED	120
#define ERROR_INVALID_NAME		123
#define ERROR_NEGATIVE_SEEK		131
#define ERROR_DIR_NOT_EMPTY		145
#define ERROR_BUSY			170
#define ERROR_ALREADY_EXISTS		183
#define ERROR_FILENAME_EXCED_RANGE	206
#define ERROR_FILE_TOO_LARGE		223
#define ERROR_INVALID_ADDRESS		487
#define ERROR_ARITHMETIC_OVERFLOW	534
#define ERROR_MAPPED_ALIGNMENT		1132
#define ERROR_USER_MAPPED_FILE		1224
#define ERROR_IO_DEVICE			1117
#define ERROR_FILE_INVALID		1006
#define ERROR_PRIVILEGE_NOT_HELD	1314
#define ERROR_DEVICE_NOT_AVAILABLE	4319
#define ERROR_DIRECTORY			267
#define ERROR_WRITE_PROTECT		19
#define ERROR_GEN_FAILURE		31
#define ERROR_SEEK_ON_DEVICE		132
#define ERROR_OPERATION_ABORTED		995
#define ERROR_NOACCESS			998
#define ERROR_CANT_RESOLVE_FILENAME	1921
/* Issue 11 (w32files): more codes the layer sets. */
#define ERROR_LOCK_VIOLATION		33
#define ERROR_INSUFFICIENT_BUFFER	122
#define ERROR_BAD_EXE_FORMAT		193
#define ERROR_INVALID_FLAGS		1004
#define ERROR_NO_UNICODE_TRANSLATION	1113
#define ERROR_IO_INCOMPLETE		996
#define ERROR_IO_PENDING		997
#define ERROR_COMMITMENT_LIMIT		1455

/*
 * --- Memory calls on views (w32mem block: lib/win32_memory.c) ---
 * VirtualQuery, VirtualProtect, VirtualAlloc/VirtualFree as Windows applies
 * them to views, GetMappedFileNameA/W, GetLargePageMinimum, and the hand-off
 * of a section to another process (MmfExportFileMapping/MmfImportFileMapping,
 * not Win32 names: Windows uses DuplicateHandle into the target process).
 */
#ifndef MMF_W32_NO_BASIC_TYPES
typedef DWORD *PDWORD;
#endif

#ifndef MMF_W32_NO_STRUCTS
typedef struct _MEMORY_BASIC_INFORMATION {
	LPVOID BaseAddress;
	LPVOID AllocationBase;
	DWORD AllocationProtect;
#if UINTPTR_MAX > 0xFFFFFFFFu
	WORD PartitionId;
#endif
	SIZE_T RegionSize;
	DWORD State;
	DWORD Protect;
	DWORD Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;
#endif /* MMF_W32_NO_STRUCTS */

#ifndef PAGE_NOACCESS
#define PAGE_NOACCESS			0x01U
#endif
#ifndef PAGE_EXECUTE
#define PAGE_EXECUTE			0x10U
#endif
#ifndef PAGE_GUARD
#define PAGE_GUARD			0x100U
#endif
#ifndef PAGE_NOCACHE
#define PAGE_NOCACHE			0x200U
#endif
#ifndef PAGE_WRITECOMBINE
#define PAGE_WRITECOMBINE		0x400U
#endif
#ifndef MEM_COMMIT
#define MEM_COMMIT			0x00001000U
#define MEM_RESERVE			0x00002000U
#define MEM_DECOMMIT			0x00004000U
#define MEM_RELEASE			0x00008000U
#define MEM_FREE			0x00010000U
#define MEM_PRIVATE			0x00020000U
#define MEM_MAPPED			0x00040000U
#define MEM_RESET			0x00080000U
#define MEM_TOP_DOWN			0x00100000U
#define MEM_RESET_UNDO			0x01000000U
#define MEM_IMAGE			0x01000000U
#define MEM_LARGE_PAGES			0x20000000U
#endif
/* CreateFileMappingA: refused with Windows' codes where not honoured. */
#ifndef SEC_FILE
#define SEC_FILE			0x00800000U
#endif
#ifndef SEC_IMAGE
#define SEC_IMAGE			0x01000000U
#endif
#ifndef SEC_NOCACHE
#define SEC_NOCACHE			0x10000000U
#endif
#ifndef SEC_WRITECOMBINE
#define SEC_WRITECOMBINE		0x40000000U
#endif
#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES			0x80000000U
#endif
/* GetLastError() codes of the calls below. */
#ifndef ERROR_BAD_LENGTH
#define ERROR_BAD_LENGTH		24
#endif
#ifndef ERROR_UNEXP_NET_ERR
#define ERROR_UNEXP_NET_ERR		59
#endif
/* --- end of the w32mem block --- */

#if defined(__GNUC__) || defined(__clang__)
#define MMF_W32_(name) __asm__("mmf_w32_" #name)
#else
#define MMF_W32_(name)
#define GetLastError mmf_w32_GetLastError
#define SetLastError mmf_w32_SetLastError
#define CloseHandle mmf_w32_CloseHandle
#define GetSystemInfo mmf_w32_GetSystemInfo
#define CreateFileA mmf_w32_CreateFileA
#define GetFileSize mmf_w32_GetFileSize
#define ReadFile mmf_w32_ReadFile
#define WriteFile mmf_w32_WriteFile
#define SetFilePointer mmf_w32_SetFilePointer
#define SetEndOfFile mmf_w32_SetEndOfFile
#define FlushFileBuffers mmf_w32_FlushFileBuffers
#define CreateFileMappingA mmf_w32_CreateFileMappingA
#define OpenFileMappingA mmf_w32_OpenFileMappingA
#define MapViewOfFile mmf_w32_MapViewOfFile
#define MapViewOfFileEx mmf_w32_MapViewOfFileEx
#define FlushViewOfFile mmf_w32_FlushViewOfFile
#define UnmapViewOfFile mmf_w32_UnmapViewOfFile
/* w32mem block */
#define VirtualQuery mmf_w32_VirtualQuery
#define VirtualProtect mmf_w32_VirtualProtect
#define VirtualAlloc mmf_w32_VirtualAlloc
#define VirtualFree mmf_w32_VirtualFree
#define GetMappedFileNameA mmf_w32_GetMappedFileNameA
#define GetMappedFileNameW mmf_w32_GetMappedFileNameW
#define GetLargePageMinimum mmf_w32_GetLargePageMinimum
#define MmfExportFileMapping mmf_w32_MmfExportFileMapping
#define MmfImportFileMapping mmf_w32_MmfImportFileMapping
/* w32files block */
#define CreateFileW mmf_w32_CreateFileW
#define CreateFileMappingW mmf_w32_CreateFileMappingW
#define OpenFileMappingW mmf_w32_OpenFileMappingW
#define GetFileSizeEx mmf_w32_GetFileSizeEx
#define SetFilePointerEx mmf_w32_SetFilePointerEx
#define GetOverlappedResult mmf_w32_GetOverlappedResult
#define GetCurrentProcess mmf_w32_GetCurrentProcess
#define DuplicateHandle mmf_w32_DuplicateHandle
#endif

DWORD WINAPI GetLastError(void) MMF_W32_(GetLastError);
void WINAPI SetLastError(DWORD dwErrCode) MMF_W32_(SetLastError);
BOOL WINAPI CloseHandle(HANDLE hObject) MMF_W32_(CloseHandle);
void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo) MMF_W32_(GetSystemInfo);

HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
			  LPSECURITY_ATTRIBUTES lpSecurityAttributes,
			  DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
			  HANDLE hTemplateFile) MMF_W32_(CreateFileA);
DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh) MMF_W32_(GetFileSize);
BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
		     LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped) MMF_W32_(ReadFile);
BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
		      LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped)
	MMF_W32_(WriteFile);
DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove, PLONG lpDistanceToMoveHigh,
			    DWORD dwMoveMethod) MMF_W32_(SetFilePointer);
BOOL WINAPI SetEndOfFile(HANDLE hFile) MMF_W32_(SetEndOfFile);
BOOL WINAPI FlushFileBuffers(HANDLE hFile) MMF_W32_(FlushFileBuffers);

HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
				 DWORD flProtect, DWORD dwMaximumSizeHigh,
				 DWORD dwMaximumSizeLow, LPCSTR lpName)
	MMF_W32_(CreateFileMappingA);
HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName)
	MMF_W32_(OpenFileMappingA);
LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
			    DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
			    SIZE_T dwNumberOfBytesToMap) MMF_W32_(MapViewOfFile);
LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
			      DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
			      SIZE_T dwNumberOfBytesToMap, LPVOID lpBaseAddress)
	MMF_W32_(MapViewOfFileEx);
BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T dwNumberOfBytesToFlush)
	MMF_W32_(FlushViewOfFile);
BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress) MMF_W32_(UnmapViewOfFile);

/*
 * Wide names, 64-bit file sizes and positions, completed overlapped I/O,
 * handle duplication (w32files, issue 11).  The W calls take UTF-16 names
 * (surrogate pairs included) and use them as UTF-8; a name that is not
 * valid UTF-16 fails with ERROR_NO_UNICODE_TRANSLATION.
 */
HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
			  LPSECURITY_ATTRIBUTES lpSecurityAttributes,
			  DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
			  HANDLE hTemplateFile) MMF_W32_(CreateFileW);
HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
				 DWORD flProtect, DWORD dwMaximumSizeHigh,
				 DWORD dwMaximumSizeLow, LPCWSTR lpName)
	MMF_W32_(CreateFileMappingW);
HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName)
	MMF_W32_(OpenFileMappingW);
BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize) MMF_W32_(GetFileSizeEx);
BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove,
			     PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod)
	MMF_W32_(SetFilePointerEx);
BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped,
				LPDWORD lpNumberOfBytesTransferred, BOOL bWait)
	MMF_W32_(GetOverlappedResult);
HANDLE WINAPI GetCurrentProcess(void) MMF_W32_(GetCurrentProcess);
BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
			    HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle,
			    DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions)
	MMF_W32_(DuplicateHandle);

/*
 * Generic names and TEXT()/_T(), following UNICODE as the SDK does.  A
 * UNICODE build's TEXT("x") is L"x" where wchar_t is 16 bits (gcc/clang
 * -fshort-wchar) and u"x" otherwise (C11 or C++11): see
 * Documentation/win32.rst.
 */
#ifdef UNICODE
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
#define MMF_W32_TEXT_(quote) L##quote
#else
#define MMF_W32_TEXT_(quote) u##quote
#endif
#define CreateFile CreateFileW
#define CreateFileMapping CreateFileMappingW
#define OpenFileMapping OpenFileMappingW
#else
#define MMF_W32_TEXT_(quote) quote
#define CreateFile CreateFileA
#define CreateFileMapping CreateFileMappingA
#define OpenFileMapping OpenFileMappingA
#endif
#ifndef TEXT
#define TEXT(quote) MMF_W32_TEXT_(quote)
#endif
#ifndef __TEXT
#define __TEXT(quote) MMF_W32_TEXT_(quote)
#endif
#ifndef _T
#define _T(x) MMF_W32_TEXT_(x)
#endif
#ifndef _TEXT
#define _TEXT(x) MMF_W32_TEXT_(x)
#endif

/* --- w32mem block: memory calls on views (lib/win32_memory.c) --- */
SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer,
			   SIZE_T dwLength) MMF_W32_(VirtualQuery);
BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect,
			   PDWORD lpflOldProtect) MMF_W32_(VirtualProtect);
LPVOID WINAPI VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType,
			   DWORD flProtect) MMF_W32_(VirtualAlloc);
BOOL WINAPI VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType)
	MMF_W32_(VirtualFree);
/* hProcess must be GetCurrentProcess(): the Linux path (see win32.rst). */
DWORD WINAPI GetMappedFileNameA(HANDLE hProcess, LPVOID lpv, LPSTR lpFilename, DWORD nSize)
	MMF_W32_(GetMappedFileNameA);
DWORD WINAPI GetMappedFileNameW(HANDLE hProcess, LPVOID lpv, LPWSTR lpFilename, DWORD nSize)
	MMF_W32_(GetMappedFileNameW);
SIZE_T WINAPI GetLargePageMinimum(void) MMF_W32_(GetLargePageMinimum);
/*
 * Not Win32: hand a section to another process.  MmfExportFileMapping
 * returns a new file descriptor carrying exactly the rights of the handle,
 * to send over a Unix socket (SCM_RIGHTS), close-on-exec unless the handle
 * is inheritable (bInheritHandle: then it crosses exec, which is how a
 * child inherits it); -1 and GetLastError() on failure.  MmfImportFileMapping makes a
 * mapping handle of such a descriptor (which stays the caller's) with the
 * FILE_MAP_* rights asked, or fails with ERROR_ACCESS_DENIED if the
 * descriptor does not carry them all.
 */
int WINAPI MmfExportFileMapping(HANDLE hFileMappingObject) MMF_W32_(MmfExportFileMapping);
HANDLE WINAPI MmfImportFileMapping(int fd, DWORD dwDesiredAccess)
	MMF_W32_(MmfImportFileMapping);
#ifdef UNICODE
#define GetMappedFileName GetMappedFileNameW
#else
#define GetMappedFileName GetMappedFileNameA
#endif
/* --- end of the w32mem block --- */

#ifdef __cplusplus
}
#endif

#endif /* MMF_WIN32_H */

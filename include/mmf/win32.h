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

typedef int BOOL;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef void *HANDLE;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef const char *LPCSTR;
typedef DWORD *LPDWORD;
typedef LONG *PLONG;

typedef struct _SECURITY_ATTRIBUTES {
	DWORD nLength;
	LPVOID lpSecurityDescriptor;
	BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

/* Overlapped I/O is not supported: pass NULL. */
typedef struct _OVERLAPPED OVERLAPPED, *LPOVERLAPPED;

typedef struct _SYSTEM_INFO {
	union {
		DWORD dwOemId;
		struct {
			WORD wProcessorArchitecture;
			WORD wReserved;
		};
	};
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

#ifndef TRUE
#define TRUE	1
#define FALSE	0
#endif

#define INVALID_HANDLE_VALUE		((HANDLE)(intptr_t)-1)
#define INVALID_FILE_SIZE		((DWORD)0xFFFFFFFF)
#define INVALID_SET_FILE_POINTER	((DWORD)-1)

/* CreateFileA */
#define GENERIC_READ			0x80000000U
#define GENERIC_WRITE			0x40000000U
#define GENERIC_EXECUTE			0x20000000U
#define GENERIC_ALL			0x10000000U
#define FILE_SHARE_READ			0x00000001U
#define FILE_SHARE_WRITE		0x00000002U
#define FILE_SHARE_DELETE		0x00000004U
#define CREATE_NEW			1
#define CREATE_ALWAYS			2
#define OPEN_EXISTING			3
#define OPEN_ALWAYS			4
#define TRUNCATE_EXISTING		5
#define FILE_ATTRIBUTE_READONLY		0x00000001U
#define FILE_ATTRIBUTE_NORMAL		0x00000080U
#define FILE_ATTRIBUTE_TEMPORARY	0x00000100U
#define FILE_FLAG_WRITE_THROUGH		0x80000000U
#define FILE_FLAG_RANDOM_ACCESS		0x10000000U
#define FILE_FLAG_SEQUENTIAL_SCAN	0x08000000U

/* SetFilePointer */
#define FILE_BEGIN			0
#define FILE_CURRENT			1
#define FILE_END			2

/* CreateFileMappingA */
#define PAGE_READONLY			0x02U
#define PAGE_READWRITE			0x04U
#define PAGE_WRITECOPY			0x08U
#define PAGE_EXECUTE_READ		0x20U
#define PAGE_EXECUTE_READWRITE		0x40U
#define PAGE_EXECUTE_WRITECOPY		0x80U
#define SEC_COMMIT			0x08000000U
#define SEC_RESERVE			0x04000000U

/* MapViewOfFile, OpenFileMappingA */
#define FILE_MAP_COPY			0x0001U
#define FILE_MAP_WRITE			0x0002U
#define FILE_MAP_READ			0x0004U
#define FILE_MAP_ALL_ACCESS		0x000F001FU
#define FILE_MAP_EXECUTE		0x0020U

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

#ifdef __cplusplus
}
#endif

#endif /* MMF_WIN32_H */

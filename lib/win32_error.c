// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 error codes: the per-thread last error, and the default mapping of
 * a Linux errno to a Win32 error.  Calls whose Windows code depends on the
 * situation (ERROR_FILE_INVALID, ERROR_MAPPED_ALIGNMENT...) decide it
 * themselves; Documentation/win32.rst has both tables.
 */
#define _GNU_SOURCE
#include <errno.h>

#include <mmf/win32.h>

#include "internal.h"

static _Thread_local DWORD last_error;

uint32_t mmf__win32_error(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return ERROR_SUCCESS;
	case EPERM:
	case EACCES:
	case EISDIR:
		return ERROR_ACCESS_DENIED;
	case ENOENT:
		return ERROR_FILE_NOT_FOUND;
	case ENOTDIR:
		return ERROR_PATH_NOT_FOUND;
	case EIO:
		return ERROR_IO_DEVICE;
	case ENXIO:
		return ERROR_DEVICE_NOT_AVAILABLE;
	case EBADF:
	case EBADFD:
		return ERROR_INVALID_HANDLE;
	case ENOMEM:
		return ERROR_NOT_ENOUGH_MEMORY;
	case EFAULT:
		return ERROR_NOACCESS;
	case EBUSY:
	case EAGAIN:
		return ERROR_BUSY;
	case EEXIST:
		return ERROR_ALREADY_EXISTS;
	case ENODEV:
	case ENOTTY:
		return ERROR_INVALID_FUNCTION;
	case EINVAL:
	case E2BIG:
		return ERROR_INVALID_PARAMETER;
	case ENFILE:
	case EMFILE:
		return ERROR_TOO_MANY_OPEN_FILES;
	case ETXTBSY:
		return ERROR_SHARING_VIOLATION;
	case EFBIG:
		return ERROR_FILE_TOO_LARGE;
	case ENOSPC:
	case EDQUOT:
		return ERROR_DISK_FULL;
	case ESPIPE:
		return ERROR_SEEK_ON_DEVICE;
	case EROFS:
		return ERROR_WRITE_PROTECT;
	case EPIPE:
		return ERROR_BROKEN_PIPE;
	case ENAMETOOLONG:
		return ERROR_FILENAME_EXCED_RANGE;
	case ELOOP:
		return ERROR_CANT_RESOLVE_FILENAME;
	case ENOSYS:
		return ERROR_CALL_NOT_IMPLEMENTED;
	case EOPNOTSUPP:
		return ERROR_NOT_SUPPORTED;
	case EOVERFLOW:
		return ERROR_ARITHMETIC_OVERFLOW;
	case EINTR:
		return ERROR_OPERATION_ABORTED;
	default:
		return ERROR_GEN_FAILURE;
	}
}

void mmf__win32_set(uint32_t code)
{
	last_error = code;
}

/* Set the last error from an errno (either sign); returns FALSE. */
int mmf__win32_fail(int err)
{
	last_error = mmf__win32_error(err);
	return FALSE;
}

MMF_EXPORT DWORD WINAPI GetLastError(void)
{
	return last_error;
}

MMF_EXPORT void WINAPI SetLastError(DWORD dwErrCode)
{
	last_error = dwErrCode;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/* mmf_strerror(): what a libmmf error means for a program using mmf. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "internal.h"

MMF_EXPORT const char *mmf_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENXIO:
		return "the mmf kernel module is not loaded (/dev/mmf is missing; run: sudo mmfctl load)";
	case EPROTONOSUPPORT:
		return "the loaded mmf kernel module speaks another ABI version than this libmmf";
	case E2BIG:
		return "a struct passed to libmmf is larger than this libmmf knows and sets fields it cannot honour";
	case EOVERFLOW:
		return "the section is larger than its file";
	case EEXIST:
		return "the name or address is already taken";
	default:
		/* glibc's strerror() is thread-safe for known values. */
		return strerror(err);
	}
}

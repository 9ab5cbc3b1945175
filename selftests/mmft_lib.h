/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper over <mmf.h> (include it first): mmf_create_options() called
 * with a name, flags and options given as separate arguments, *existed from
 * mmf_section_existed().  An options struct is passed as given (any size,
 * any tail) unless a name or flags must be added to it.
 */
#ifndef MMFT_LIB_H
#define MMFT_LIB_H

#include <stdbool.h>
#include <string.h>

static inline int mmft_lib_create(int fd, uint64_t size, unsigned int prot, const char *name,
				  unsigned int flags, const struct mmf_options *opts,
				  mmf_section **s, bool *existed)
{
	union {
		struct mmf_options o;
		unsigned char b[4096];
	} u;
	const struct mmf_options *p = opts;
	int ret;

	if (name || flags) {
		memset(&u, 0, sizeof(u));
		if (opts)
			memcpy(&u, opts, opts->size < sizeof(u) ? opts->size : sizeof(u));
		if (u.o.size < sizeof(u.o))
			u.o.size = sizeof(u.o);
		u.o.name = name;
		u.o.flags = flags;
		p = &u.o;
	}
	ret = mmf_create_options(fd, size, prot, p, s);
	if (existed && ret == 0)
		*existed = mmf_section_existed(*s);
	return ret;
}

#endif

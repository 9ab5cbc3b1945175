// SPDX-License-Identifier: GPL-2.0
/*
 * Extensible ioctl arguments: every struct starts with a __u32 size.  Older
 * callers pass less (the rest reads as zero), newer callers may pass more as
 * long as the bytes this module does not know are zero.
 */
#include <linux/uaccess.h>
#include <linux/minmax.h>

#include "mmf.h"

/* Largest argument we look at; anything larger is surely a bad size. */
#define MMF_UARG_MAX	PAGE_SIZE

/* @minsize: the struct's size when first published; what it grew reads as 0. */
int mmf_uarg_in_min(void *karg, size_t ksize, size_t minsize, const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < minsize || usize > MMF_UARG_MAX)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	*(u32 *)karg = usize;
	return 0;
}

/* For the structs published at their present size in ABI 1. */
int mmf_uarg_in(void *karg, size_t ksize, const void __user *uarg)
{
	return mmf_uarg_in_min(karg, ksize, ksize, uarg);
}

int mmf_uarg_out(void __user *uarg, const void *karg, size_t ksize)
{
	u32 usize = *(const u32 *)karg;

	if (copy_to_user(uarg, karg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

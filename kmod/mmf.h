/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the mmf module.
 */
#ifndef MMF_H
#define MMF_H

#include <linux/types.h>
#include <uapi/linux/mmf.h>

#include "mmf_compat.h"

/*
 * Copy an extensible ioctl argument (a struct whose first __u32 is its size
 * as the caller knows it) in and out.  See the comment atop uapi/linux/mmf.h.
 */
int mmf_uarg_in(void *karg, size_t ksize, const void __user *uarg);
int mmf_uarg_out(void __user *uarg, const void *karg, size_t ksize);

#endif /* MMF_H */

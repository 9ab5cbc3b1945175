/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where the differences between the kernel series mmf builds
 * for (Debian 12's 6.1 and 6.12) are papered over.  Logic elsewhere calls
 * the names defined here and never tests LINUX_VERSION_CODE itself.
 */
#ifndef MMF_COMPAT_H
#define MMF_COMPAT_H

#include <linux/version.h>

#endif /* MMF_COMPAT_H */

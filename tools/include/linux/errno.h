/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel header (see linux/types.h here): the
 * system's uapi <linux/errno.h> has the same E* numbers. glibc's <errno.h>
 * includes it too, and finds this file first.
 */
#ifndef _TOOLS_LINUX_ERRNO_H
#define _TOOLS_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif /* _TOOLS_LINUX_ERRNO_H */

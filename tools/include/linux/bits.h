/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel header (see linux/types.h here). */
#ifndef _TOOLS_LINUX_BITS_H
#define _TOOLS_LINUX_BITS_H

#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

#endif /* _TOOLS_LINUX_BITS_H */

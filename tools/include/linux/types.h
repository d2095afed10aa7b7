/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel header, for the module's files that
 * also build into tools/vmx-probe.c. Like every file under tools/include/,
 * it holds only what those files use. The system's <linux/types.h> (the
 * uapi one) comes first, for the system headers that want it.
 */
#ifndef _TOOLS_LINUX_TYPES_H
#define _TOOLS_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#endif /* _TOOLS_LINUX_TYPES_H */

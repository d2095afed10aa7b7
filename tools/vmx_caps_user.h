/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-ins for the kernel headers that vmx_caps.c and
 * vmx_caps.h include, so that the module's decision code builds unchanged
 * into tools/vmx-probe.c (vmx-status --probe): one copy of the rules.
 * Only what those two files use; nothing else belongs here.
 */
#ifndef _VMX_CAPS_USER_H
#define _VMX_CAPS_USER_H

#ifdef __KERNEL__
#error "user space only: the module uses the kernel's headers"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

/* No module here: nothing to export to the KUnit suites. */
#define EXPORT_SYMBOL_IF_KUNIT(sym)	extern __typeof__(sym) sym

#endif /* _VMX_CAPS_USER_H */

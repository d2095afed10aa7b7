/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel header (see linux/types.h here). */
#ifndef _TOOLS_KUNIT_VISIBILITY_H
#define _TOOLS_KUNIT_VISIBILITY_H

/* No module here: nothing to export to the KUnit suites. */
#define EXPORT_SYMBOL_IF_KUNIT(sym)	extern __typeof__(sym) sym

#endif /* _TOOLS_KUNIT_VISIBILITY_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel header (see linux/types.h here).
 * User space has no modules: nothing of it is used there, vmx_caps.c and
 * vmx_percpu.h include it for the module build only.
 */
#ifndef _TOOLS_LINUX_MODULE_H
#define _TOOLS_LINUX_MODULE_H

#endif /* _TOOLS_LINUX_MODULE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel header (see linux/types.h here):
 * vmx_percpu.h's struct vmxon_client holds a list node, which user space
 * never uses.
 */
#ifndef _TOOLS_LINUX_LIST_H
#define _TOOLS_LINUX_LIST_H

struct list_head {
	struct list_head *next, *prev;
};

#endif /* _TOOLS_LINUX_LIST_H */

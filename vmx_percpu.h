/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxon's API for client modules (a hypervisor that builds on VMX root
 * operation). Symbols are GPL-only, in the namespace VMXON: a client says
 * MODULE_IMPORT_NS(VMXON).
 *
 * A client takes a reference with vmxon_get() before it relies on VMX root
 * operation and drops it with vmxon_put(). While any reference is held,
 * vmxon keeps every CPU it enabled in VMX operation and cannot be unloaded.
 */
#ifndef _VMX_PERCPU_H
#define _VMX_PERCPU_H

#include <linux/types.h>

#include "vmx_caps.h"

int vmxon_get(void);
int vmxon_put(void);
u32 vmxon_vmcs_revision_id(void);
bool vmxon_cpu_is_enabled(unsigned int cpu);
enum vmx_reason vmxon_cpu_reason(unsigned int cpu);
int vmxon_cpu_enable(unsigned int cpu);
int vmxon_cpu_disable(unsigned int cpu);

#endif /* _VMX_PERCPU_H */

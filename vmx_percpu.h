/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxon's API for client modules (a hypervisor that builds on VMX root
 * operation). It needs nothing but the kernel's headers. The symbols are
 * GPL-only, in the symbol namespace VMXON: a client module says
 * VMXON_IMPORT_NS() once.
 *
 * A client takes a reference with vmxon_get() before it relies on VMX root
 * operation and drops it with vmxon_put(). A reference keeps vmxon loaded
 * and makes writing 0 to /sys/kernel/vmxon/enabled fail with -EBUSY. It
 * does not hold the system back: a CPU that goes offline leaves VMX
 * operation (while vmxon is enabled it comes back online in VMX operation,
 * or not at all), a reboot or kexec takes every CPU out of VMX operation
 * until vmxon is loaded again, a CPU other than the boot CPU that fails its
 * check on resume stays offline, and a boot CPU that fails it leaves vmxon
 * disabled and every CPU out of VMX operation. So a client asks
 * vmxon_cpu_is_enabled() on the CPU it runs on, with interrupts disabled,
 * before it executes VMX instructions there: every change to a CPU's
 * state but a crash's emergency VMXOFF runs on that CPU, so the answer
 * holds until interrupts are enabled again.
 */
#ifndef _VMX_PERCPU_H
#define _VMX_PERCPU_H

#include <linux/module.h>
#include <linux/types.h>

/*
 * Why a CPU is not (or cannot be) in VMX operation. The values and their
 * tokens (vmxon_reason_token()) are ABI, in sysfs, dmesg, scripts and
 * client modules built against this header: never renumber or rename one,
 * only add new ones before VMX_REASON_COUNT. VMX_REASON_COUNT is no reason:
 * vmxon_cpu_reason() returns it for a CPU that does not exist, and it grows
 * as reasons are added. So rebuild a client against the vmxon it runs
 * with; on kernels with CONFIG_MODVERSIONS the symbol versions include this
 * enum, and the kernel refuses a client built against another one.
 */
enum vmx_reason {
	VMX_REASON_OK,
	VMX_REASON_NO_VMX,
	VMX_REASON_DISABLED_BY_FIRMWARE,
	VMX_REASON_CR0_FIXED_BITS,
	VMX_REASON_CR4_FIXED_BITS,
	VMX_REASON_VMCS_TOO_LARGE,
	VMX_REASON_VMCS_SIZE_ZERO,
	VMX_REASON_MEMTYPE_NOT_WB,
	VMX_REASON_ADDR_32BIT_ONLY,
	VMX_REASON_BUSY,
	VMX_REASON_INCONSISTENT,
	VMX_REASON_NO_MEMORY,
	VMX_REASON_VMXON_FAULT,
	VMX_REASON_VMXON_FAILED,
	VMX_REASON_VMXOFF_FAILED,
	VMX_REASON_FEATURE_CONTROL_WRITE_FAILED,
	VMX_REASON_COUNT
};

/*
 * MODULE_IMPORT_NS(VMXON) on every kernel vmxon builds for: the namespace
 * is an identifier up to 6.12 (MODULE_IMPORT_NS() turns it into this
 * string) and a string from 6.13.
 */
#define VMXON_IMPORT_NS() MODULE_INFO(import_ns, "VMXON")

int vmxon_get(void);
int vmxon_put(void);
u32 vmxon_vmcs_revision_id(void);
bool vmxon_cpu_is_enabled(unsigned int cpu);
enum vmx_reason vmxon_cpu_reason(unsigned int cpu);
const char *vmxon_reason_token(enum vmx_reason reason);
int vmxon_cpu_enable(unsigned int cpu);
int vmxon_cpu_disable(unsigned int cpu);

#endif /* _VMX_PERCPU_H */

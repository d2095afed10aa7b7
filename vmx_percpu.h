/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxon's API for client modules: a hypervisor that runs VMX instructions
 * in the VMX root operation vmxon holds on every CPU. It needs nothing but
 * the kernel's headers. The symbols are GPL-only, in the symbol namespace
 * VMXON: a client module says VMXON_IMPORT_NS() once, and builds with
 * vmxon's Module.symvers in KBUILD_EXTRA_SYMBOLS (docs/usage.md).
 *
 * A client registers a struct vmxon_client while vmxon is enabled. From
 * then on vmxon calls it on each CPU it puts in VMX operation (cpu_up, after
 * VMXON) and on each CPU before it takes it out (cpu_down, before VMXOFF),
 * on every path: registering and unregistering, CPU hotplug, suspend and
 * resume, a reboot or kexec, the module's forced exit. A crash, kdump or
 * NMI shootdown calls emergency instead, before its VMXOFF. So a client may
 * execute VMX instructions on a CPU between its cpu_up and its cpu_down
 * there, with interrupts disabled: both run on that CPU with interrupts
 * disabled, so neither can come in between.
 *
 * No CPU is held back for a client: a CPU goes offline, a reboot takes
 * every CPU out of VMX operation, a CPU that fails its check on resume
 * stays out of it. A client learns of each through cpu_down. Writing 0 to
 * /sys/kernel/vmxon/enabled fails with -EBUSY while a client is registered,
 * and vmxon cannot be unloaded.
 */
#ifndef _VMX_PERCPU_H
#define _VMX_PERCPU_H

#include <linux/list.h>
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
	VMX_REASON_CLIENT_REFUSED,
	VMX_REASON_DISABLED_BY_KERNEL,
	VMX_REASON_COUNT
};

/**
 * struct vmxon_client - a module that runs VMX instructions on vmxon
 * @name: who it is, in vmxon's messages and /sys/kernel/vmxon/clients
 * @owner: THIS_MODULE
 * @cpu_up: @cpu entered VMX operation (vmxon enabled it, it came online,
 *	it resumed, or the client registered): load what the client needs
 *	there. Runs on @cpu with interrupts disabled, after VMXON and before
 *	vmxon reports @cpu on; must not sleep. A negative errno refuses @cpu:
 *	the clients already up there get cpu_down, VMXOFF follows, and @cpu
 *	is reported client_refused (an online fails, an enable is rolled
 *	back, a registration fails). Optional.
 * @cpu_down: @cpu leaves VMX operation (vmxon is disabled or unloaded, the
 *	CPU goes offline or suspends, a reboot or kexec, the client
 *	unregisters): VMCLEAR what the client loaded there. Runs on @cpu with
 *	interrupts disabled, before VMXOFF, only after a cpu_up there that
 *	succeeded; must not sleep. Optional.
 * @emergency: a crash, kdump or emergency reboot is about to VMXOFF @cpu:
 *	VMCLEAR what the client loaded there, so that a kdump finds the VMCS
 *	data in memory. Runs on @cpu in NMI context or with interrupts
 *	disabled, on every CPU in VMX operation by vmxon, also one whose
 *	cpu_up is under way or failed: go by the client's own record of what
 *	it loaded. Must take no lock and free nothing. Optional.
 * @node: vmxon's; the client leaves it alone
 *
 * The callbacks of several clients run in the order they registered on
 * the way up, and in the reverse order on the way down and in an
 * emergency.
 */
struct vmxon_client {
	const char *name;
	struct module *owner;
	int (*cpu_up)(struct vmxon_client *client, unsigned int cpu);
	void (*cpu_down)(struct vmxon_client *client, unsigned int cpu);
	void (*emergency)(struct vmxon_client *client, unsigned int cpu);
	struct list_head node;
};

/*
 * MODULE_IMPORT_NS(VMXON) on every kernel vmxon builds for: the namespace
 * is an identifier up to 6.12 (MODULE_IMPORT_NS() turns it into this
 * string) and a string from 6.13.
 */
#define VMXON_IMPORT_NS() MODULE_INFO(import_ns, "VMXON")

int vmxon_register(struct vmxon_client *client);
void vmxon_unregister(struct vmxon_client *client);
bool vmxon_going_down(void);
u32 vmxon_vmcs_revision_id(void);
bool vmxon_cpu_is_enabled(unsigned int cpu);
enum vmx_reason vmxon_cpu_reason(unsigned int cpu);
const char *vmxon_reason_token(enum vmx_reason reason);

#endif /* _VMX_PERCPU_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Proof that vmx_percpu.h is all a client needs: this module includes only
 * kernel headers and vmx_percpu.h, uses every function it declares, and
 * must build and link (modpost) against vmxon's Module.symvers. It is never
 * loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/smp.h>

#include "vmx_percpu.h"

static int __init header_client_init(void)
{
	unsigned int cpu;
	int err;

	err = vmxon_get();
	if (err)
		return err;
	local_irq_disable();
	cpu = smp_processor_id();
	if (vmxon_cpu_is_enabled(cpu) && !vmxon_cpu_disable(cpu))
		err = vmxon_cpu_enable(cpu);
	local_irq_enable();
	pr_info("cpu%u: %s, revision 0x%x, %d\n", cpu,
		vmxon_reason_token(vmxon_cpu_reason(cpu)),
		vmxon_vmcs_revision_id(), err);
	vmxon_put();
	return err;
}

static void __exit header_client_exit(void)
{
}

module_init(header_client_init);
module_exit(header_client_exit);
MODULE_DESCRIPTION("vmxon test bench: a client built from vmx_percpu.h alone");
MODULE_LICENSE("GPL");
VMXON_IMPORT_NS();

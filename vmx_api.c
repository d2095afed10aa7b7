// SPDX-License-Identifier: GPL-2.0
/*
 * The API for client modules (vmx_percpu.h) that needs no lock: what a CPU
 * is and why, and the reason tokens. The client registration, which does
 * need the module's lock, is in vmx_core.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>

#include "vmx_internal.h"
#include "vmx_percpu.h"

/**
 * vmxon_vmcs_revision_id() - the VMCS revision id every VMCS must carry
 *
 * Context: Any context.
 * Return: the revision id of the CPUs, or 0 when none was checked.
 */
u32 vmxon_vmcs_revision_id(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		u32 id = READ_ONCE(vmx_core_state(cpu)->vmcs_revision_id);

		if (id)
			return id;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmxon_vmcs_revision_id, VMXON_NS);

/**
 * vmxon_cpu_is_enabled() - is a CPU in VMX operation, by this module
 * @cpu: the CPU
 *
 * Context: Any context.
 * Return: true when this module executed VMXON on @cpu and not yet VMXOFF.
 */
bool vmxon_cpu_is_enabled(unsigned int cpu)
{
	/* cpu_possible() alone would warn about a number past the mask. */
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return false;
	return vmx_percpu_is_enabled(vmx_core_state(cpu));
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_is_enabled, VMXON_NS);

/**
 * vmxon_cpu_reason() - why a CPU is, or is not, in VMX operation
 * @cpu: the CPU
 *
 * Context: Any context.
 * Return: the reason from the CPU's last check, enable or disable.
 */
enum vmx_reason vmxon_cpu_reason(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return VMX_REASON_COUNT;
	return READ_ONCE(vmx_core_state(cpu)->reason);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_reason, VMXON_NS);

/**
 * vmxon_reason_token() - the stable text token of a reason
 * @reason: a reason, as vmxon_cpu_reason() returns it
 *
 * The tokens are those of /sys/devices/system/cpu/cpuN/vmx/reason and of
 * vmxon's messages.
 *
 * Context: Any context.
 * Return: the token, or "invalid" for a value that is no reason.
 */
const char *vmxon_reason_token(enum vmx_reason reason)
{
	return vmx_reason_token(reason);
}
EXPORT_SYMBOL_NS_GPL(vmxon_reason_token, VMXON_NS);

// SPDX-License-Identifier: GPL-2.0
/*
 * The API for client modules (vmx_percpu.h) that needs no lock: what a CPU
 * is and why, and the per-CPU VMXON and VMXOFF, which a client runs on the
 * CPU itself with interrupts disabled. The references, which do need the
 * module's lock, are in vmx_core.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/smp.h>

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
	if (cpu >= nr_cpu_ids)
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
	if (cpu >= nr_cpu_ids)
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

/* The per-CPU operations need the CPU itself, with interrupts off. */
static struct vmx_percpu *vmx_client_state(unsigned int cpu)
{
	if (!irqs_disabled() || cpu != smp_processor_id())
		return NULL;
	return vmx_core_state(cpu);
}

/**
 * vmxon_cpu_enable() - VMXON on the current CPU
 * @cpu: the current CPU, as the caller believes it to be
 *
 * For clients that turned a CPU off with vmxon_cpu_disable(): the CPU
 * keeps its region while vmxon is enabled.
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0; -EPERM from the wrong CPU or with interrupts enabled; -ENODEV
 * when vmxon is not enabled; otherwise as vmx_percpu_hardware_enable().
 */
int vmxon_cpu_enable(unsigned int cpu)
{
	struct vmx_percpu *st = vmx_client_state(cpu);

	if (!st)
		return -EPERM;
	if (!vmx_core_is_enabled())
		return -ENODEV;
	return vmx_percpu_hardware_enable(st, VMX_HW);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_enable, VMXON_NS);

/**
 * vmxon_cpu_disable() - VMXOFF on the current CPU
 * @cpu: the current CPU, as the caller believes it to be
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0; -EPERM from the wrong CPU or with interrupts enabled; -EIO
 * when this module did not enable @cpu or VMXOFF failed.
 */
int vmxon_cpu_disable(unsigned int cpu)
{
	struct vmx_percpu *st = vmx_client_state(cpu);

	if (!st)
		return -EPERM;
	return vmx_percpu_hardware_disable(st, VMX_HW);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_disable, VMXON_NS);

// SPDX-License-Identifier: GPL-2.0
/*
 * vmxon: every CPU into VMX root operation and back.
 *
 * This first version only checks: at load it reads each online CPU's VMX
 * registers and logs whether, and why not, that CPU could enter VMX root.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/module.h>
#include <linux/smp.h>

#include "vmx_caps.h"
#include "vmx_msr.h"

/* The pure code keeps its own bit names: make sure they are the kernel's. */
static_assert(VMXCAP_FC_LOCKED == FEAT_CTL_LOCKED);
static_assert(VMXCAP_FC_VMXON_INSIDE_SMX == FEAT_CTL_VMX_ENABLED_INSIDE_SMX);
static_assert(VMXCAP_FC_VMXON_OUTSIDE_SMX == FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
static_assert(VMXCAP_CR4_VMXE == X86_CR4_VMXE);
static_assert(VMXCAP_CR4_SMXE == X86_CR4_SMXE);
static_assert(VMX_CAP_MSR_BASE == MSR_IA32_VMX_BASIC);
static_assert(VMX_CAP_MSR_BASE + VMX_CAP_VMFUNC == MSR_IA32_VMX_VMFUNC);

static void vmx_read_regs_ipi(void *regs)
{
	vmx_read_regs(regs);
}

static void vmx_report_cpu(unsigned int cpu)
{
	struct vmx_cpu_regs regs;
	struct vmx_verdict v;

	smp_call_function_single(cpu, vmx_read_regs_ipi, &regs, 1);
	vmx_check_cpu(&regs, &v);
	pr_info("cpu%u: %s (feature_control 0x%llx, vmcs revision 0x%x, cr0 0x%llx, cr4 0x%llx, bad bits 0x%llx)\n",
		cpu, vmx_reason_token(v.reason), regs.feature_control,
		v.basic.revision_id, regs.cr0, regs.cr4, v.bad_bits);
}

static int __init vmxon_init(void)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		vmx_report_cpu(cpu);
	cpus_read_unlock();
	return 0;
}

static void __exit vmxon_exit(void)
{
}

module_init(vmxon_init);
module_exit(vmxon_exit);

MODULE_DESCRIPTION("Put every CPU in VMX root operation and report why not");
MODULE_LICENSE("GPL");

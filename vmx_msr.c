// SPDX-License-Identifier: GPL-2.0
/*
 * The real hardware behind struct vmx_hw. Nothing here decides anything.
 */
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx_conftest.h"
#include "vmx_msr.h"

/*
 * From 6.19, cr4_update_irqsoff() and cr4_read_shadow() are exported to
 * KVM's modules only (EXPORT_SYMBOL_FOR_KVM): no other module can set
 * CR4.VMXE and keep the kernel's CR4 shadow right there.
 */
#ifdef VMX_HAVE_EXPORT_SYMBOL_FOR_KVM
#error "vmxon: this kernel restricts the CR4 helpers to KVM; vmxon supports Linux 6.1 to 6.18"
#endif

/*
 * Without the kernel's emergency virtualization callback, a crash would
 * leave CPUs in VMX operation, where INIT is blocked: the kdump kernel
 * could not start them.
 */
#ifndef VMX_HAVE_EMERGENCY_VIRT_CALLBACK
#error "vmxon: no emergency virtualization callback (Linux 6.6+ or Debian 6.1, with KVM)"
#endif

/* 6.16 renamed the 64-bit MSR accessors. */
#ifdef VMX_HAVE_RDMSRQ
#define vmx_rdmsr_safe rdmsrq_safe
#define vmx_wrmsr_safe wrmsrq_safe
#else
#define vmx_rdmsr_safe rdmsrl_safe
#define vmx_wrmsr_safe wrmsrl_safe
#endif

/* The pure code keeps its own bit names: make sure they are the kernel's. */
static_assert(VMXCAP_FC_LOCKED == FEAT_CTL_LOCKED);
static_assert(VMXCAP_FC_VMXON_INSIDE_SMX == FEAT_CTL_VMX_ENABLED_INSIDE_SMX);
static_assert(VMXCAP_FC_VMXON_OUTSIDE_SMX == FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
static_assert(VMXCAP_CR4_VMXE == X86_CR4_VMXE);
static_assert(VMX_CAP_MSR_BASE == MSR_IA32_VMX_BASIC);
static_assert(VMX_CAP_MSR_BASE + VMX_CAP_VMFUNC == MSR_IA32_VMX_VMFUNC);

static void hw_read_regs(struct vmx_cpu_regs *regs)
{
	int i;

	*regs = (struct vmx_cpu_regs){};
	regs->cpuid1_ecx = cpuid_ecx(1);
	regs->kernel_vmx = this_cpu_has(X86_FEATURE_VMX);
	regs->kernel_fc = this_cpu_has(X86_FEATURE_MSR_IA32_FEAT_CTL);
	regs->cr0 = read_cr0();
	regs->cr4 = __read_cr4() | cr4_read_shadow();
	if (vmx_rdmsr_safe(MSR_IA32_FEAT_CTL, &regs->feature_control))
		regs->feature_control = 0;
	for (i = 0; i < VMX_CAP_COUNT; i++) {
		if (vmx_rdmsr_safe(VMX_CAP_MSR_BASE + i, &regs->caps.msr[i]))
			regs->caps.msr[i] = 0;
		else
			regs->caps.present |= BIT(i);
	}
}

static int hw_read_feature_control(u64 *val)
{
	return vmx_rdmsr_safe(MSR_IA32_FEAT_CTL, val) ? -EIO : 0;
}

static int hw_write_feature_control(u64 val)
{
	return vmx_wrmsr_safe(MSR_IA32_FEAT_CTL, val) ? -EIO : 0;
}

static bool hw_vmxe_set(void)
{
	return (__read_cr4() | cr4_read_shadow()) & X86_CR4_VMXE;
}

static void hw_cr4_set_vmxe(void)
{
	cr4_set_bits(X86_CR4_VMXE);
}

static void hw_cr4_clear_vmxe(void)
{
	cr4_clear_bits(X86_CR4_VMXE);
}

/* As KVM's kvm_cpu_vmxon(), plus VMfail (CF VMfailInvalid, ZF VMfailValid). */
static int hw_vmxon(u64 phys)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(phys) : "cc", "memory"
		 : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static int hw_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

const struct vmx_hw vmx_hw_real = {
	.read_regs		= hw_read_regs,
	.read_feature_control	= hw_read_feature_control,
	.write_feature_control	= hw_write_feature_control,
	.vmxe_set		= hw_vmxe_set,
	.cr4_set_vmxe		= hw_cr4_set_vmxe,
	.cr4_clear_vmxe		= hw_cr4_clear_vmxe,
	.vmxon			= hw_vmxon,
	.vmxoff			= hw_vmxoff,
	.pt_handle_vmx		= intel_pt_handle_vmx,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * VMX readiness decisions, from register values only.
 *
 * The checks follow Linux KVM (arch/x86/kvm/vmx/vmx.c) and the SDM, in the
 * order a CPU is enabled: CPUID, ownership (CR4.VMXE), IA32_FEATURE_CONTROL
 * and the kernel's X86_FEATURE_VMX, CR0/CR4 fixed bits, IA32_VMX_BASIC.
 *
 * - CR validity is (v & fixed0) == fixed0 && (v & ~fixed1) == 0: every bit
 *   fixed to 1 is set, and no bit fixed to 0.
 * - CR4 is checked with VMXE set: CR4_FIXED0 demands it, and VMXON runs
 *   with it set.
 * - The region size must be 1..4096 bytes, as in KVM: real parts report
 *   1 KiB. INS/OUTS reporting and the TRUE controls are decoded but not
 *   required: VMXON needs neither, and KVM does not refuse without them.
 * - IA32_FEATURE_CONTROL and SMX: see vmx_check_feature_control().
 * - CR4.VMXE counts as set when either the hardware or the kernel's CR4
 *   shadow has it: a hypervisor that took VMX may have set it in either.
 */
#include <linux/errno.h>
#include <linux/module.h>
#include <kunit/visibility.h>

#include "vmx_caps.h"

static const char *const vmx_reason_tokens[VMX_REASON_COUNT] = {
	[VMX_REASON_OK]			  = "ok",
	[VMX_REASON_NO_VMX]		  = "no_vmx",
	[VMX_REASON_DISABLED_BY_FIRMWARE] = "disabled_by_firmware",
	[VMX_REASON_CR0_FIXED_BITS]	  = "cr0_fixed_bits",
	[VMX_REASON_CR4_FIXED_BITS]	  = "cr4_fixed_bits",
	[VMX_REASON_VMCS_TOO_LARGE]	  = "vmcs_too_large",
	[VMX_REASON_VMCS_SIZE_ZERO]	  = "vmcs_size_zero",
	[VMX_REASON_MEMTYPE_NOT_WB]	  = "memtype_not_wb",
	[VMX_REASON_ADDR_32BIT_ONLY]	  = "addr_32bit_only",
	[VMX_REASON_BUSY]		  = "busy",
	[VMX_REASON_INCONSISTENT]	  = "inconsistent",
	[VMX_REASON_NO_MEMORY]		  = "no_memory",
	[VMX_REASON_VMXON_FAULT]	  = "vmxon_fault",
	[VMX_REASON_VMXON_FAILED]	  = "vmxon_failed",
	[VMX_REASON_VMXOFF_FAILED]	  = "vmxoff_failed",
	[VMX_REASON_FEATURE_CONTROL_WRITE_FAILED] = "feature_control_write_failed",
	[VMX_REASON_CLIENT_REFUSED]	  = "client_refused",
	[VMX_REASON_DISABLED_BY_KERNEL]	  = "disabled_by_kernel",
};

/**
 * vmx_reason_token() - the stable text token of a reason
 * @reason: the reason
 *
 * Context: Any context.
 * Return: the token, or "invalid" for a value outside the enum.
 */
const char *vmx_reason_token(enum vmx_reason reason)
{
	if ((unsigned int)reason >= VMX_REASON_COUNT)
		return "invalid";
	return vmx_reason_tokens[reason];
}
EXPORT_SYMBOL_IF_KUNIT(vmx_reason_token);

/**
 * vmx_reason_errno() - the error code that reports a reason
 * @reason: the reason
 *
 * Unsupported hardware or firmware is -EOPNOTSUPP, VMX owned by someone else
 * is -EBUSY, a CPU in a state where VMXON or VMXOFF cannot work is -EIO.
 *
 * Context: Any context.
 * Return: 0 for VMX_REASON_OK, otherwise a negative errno.
 */
int vmx_reason_errno(enum vmx_reason reason)
{
	switch (reason) {
	case VMX_REASON_OK:
		return 0;
	case VMX_REASON_NO_VMX:
	case VMX_REASON_DISABLED_BY_FIRMWARE:
	case VMX_REASON_DISABLED_BY_KERNEL:
	case VMX_REASON_VMCS_TOO_LARGE:
	case VMX_REASON_VMCS_SIZE_ZERO:
	case VMX_REASON_MEMTYPE_NOT_WB:
	case VMX_REASON_ADDR_32BIT_ONLY:
	case VMX_REASON_INCONSISTENT:
		return -EOPNOTSUPP;
	case VMX_REASON_BUSY:
		return -EBUSY;
	case VMX_REASON_NO_MEMORY:
		return -ENOMEM;
	case VMX_REASON_CR0_FIXED_BITS:
	case VMX_REASON_CR4_FIXED_BITS:
	case VMX_REASON_VMXON_FAULT:
	case VMX_REASON_VMXON_FAILED:
	case VMX_REASON_VMXOFF_FAILED:
	case VMX_REASON_FEATURE_CONTROL_WRITE_FAILED:
	case VMX_REASON_CLIENT_REFUSED:
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vmx_reason_errno);

/**
 * vmx_check_cpuid() - does CPUID report VMX
 * @cpuid1_ecx: ECX of CPUID leaf 1
 *
 * The vendor string is not checked: VMX is not Intel's alone.
 *
 * Context: Any context.
 * Return: VMX_REASON_OK or VMX_REASON_NO_VMX.
 */
enum vmx_reason vmx_check_cpuid(u32 cpuid1_ecx)
{
	return cpuid1_ecx & VMXCAP_CPUID1_ECX_VMX ? VMX_REASON_OK :
						 VMX_REASON_NO_VMX;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_cpuid);

/**
 * vmx_check_feature_control() - may VMXON run, per IA32_FEATURE_CONTROL and
 *	the kernel's word on VMX
 * @msr: IA32_FEATURE_CONTROL
 * @kernel_fc: feat_ctl.c configured the MSR on this CPU
 * @kernel_vmx: the kernel's X86_FEATURE_VMX for this CPU
 * @write: set to the value to write (and lock) first, or 0 for none
 *
 * Whether VMXON needs "enabled inside SMX" or "outside SMX" depends on SMX
 * operation (a TXT launch), which only tboot_enabled() tells, and modules
 * cannot call it. feat_ctl.c does, when it configures the MSR at boot: it
 * locks it, and clears X86_FEATURE_VMX when the bit for the kernel's mode
 * is clear. So:
 *
 * - Locked without either enable bit: disabled by firmware.
 * - Locked, configured by feat_ctl.c, with X86_FEATURE_VMX: its verdict
 *   holds (with "inside SMX" alone, this is tboot).
 * - Otherwise locked: "outside SMX" is needed (without feat_ctl.c there is
 *   no tboot, and with it the flag says the mode's bit is clear), else
 *   firmware disabled VMX; with it, a cleared X86_FEATURE_VMX is the
 *   kernel's doing (clearcpuid=vmx, or "inside SMX" missing under tboot).
 * - Unlocked (feat_ctl.c did not run for this CPU): not in SMX operation,
 *   since GETSEC[SENTER] needs the MSR locked. Written as feat_ctl.c
 *   writes it, from nothing but the lock bit and "VMXON outside SMX":
 *   whatever else firmware left there is not enabled behind its back.
 *   Unless the kernel turned VMX off.
 *
 * A locked MSR is never written: the write would fault.
 *
 * Context: Any context.
 * Return: VMX_REASON_OK, VMX_REASON_DISABLED_BY_FIRMWARE or
 * VMX_REASON_DISABLED_BY_KERNEL.
 */
enum vmx_reason vmx_check_feature_control(u64 msr, bool kernel_fc,
					  bool kernel_vmx, u64 *write)
{
	*write = 0;
	if (msr & VMXCAP_FC_LOCKED) {
		if (!(msr & (VMXCAP_FC_VMXON_INSIDE_SMX |
			     VMXCAP_FC_VMXON_OUTSIDE_SMX)))
			return VMX_REASON_DISABLED_BY_FIRMWARE;
		if (kernel_fc && kernel_vmx)
			return VMX_REASON_OK;
		if (!(msr & VMXCAP_FC_VMXON_OUTSIDE_SMX))
			return VMX_REASON_DISABLED_BY_FIRMWARE;
		return kernel_vmx ? VMX_REASON_OK :
				    VMX_REASON_DISABLED_BY_KERNEL;
	}
	if (!kernel_vmx)
		return VMX_REASON_DISABLED_BY_KERNEL;
	*write = VMXCAP_FC_LOCKED | VMXCAP_FC_VMXON_OUTSIDE_SMX;
	return VMX_REASON_OK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_feature_control);

/**
 * vmx_fixed_bits_offending() - bits of a CR that VMX operation forbids
 * @val: the CR value
 * @fixed0: IA32_VMX_CRn_FIXED0: bits set here must be 1
 * @fixed1: IA32_VMX_CRn_FIXED1: bits clear here must be 0
 *
 * Context: Any context.
 * Return: the offending bits: required but clear, or set but not allowed.
 */
u64 vmx_fixed_bits_offending(u64 val, u64 fixed0, u64 fixed1)
{
	return (fixed0 & ~val) | (val & ~fixed1);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fixed_bits_offending);

/**
 * vmx_check_cr0() - is CR0 valid for VMX operation
 * @cr0: CR0
 * @fixed0: IA32_VMX_CR0_FIXED0
 * @fixed1: IA32_VMX_CR0_FIXED1
 * @bad: set to the offending bits
 *
 * Context: Any context.
 * Return: VMX_REASON_OK or VMX_REASON_CR0_FIXED_BITS.
 */
enum vmx_reason vmx_check_cr0(u64 cr0, u64 fixed0, u64 fixed1, u64 *bad)
{
	*bad = vmx_fixed_bits_offending(cr0, fixed0, fixed1);
	return *bad ? VMX_REASON_CR0_FIXED_BITS : VMX_REASON_OK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_cr0);

/**
 * vmx_check_cr4() - is CR4, with VMXE set, valid for VMX operation
 * @cr4: CR4 as it is now (VMXE may be clear)
 * @fixed0: IA32_VMX_CR4_FIXED0
 * @fixed1: IA32_VMX_CR4_FIXED1
 * @bad: set to the offending bits
 *
 * Context: Any context.
 * Return: VMX_REASON_OK or VMX_REASON_CR4_FIXED_BITS.
 */
enum vmx_reason vmx_check_cr4(u64 cr4, u64 fixed0, u64 fixed1, u64 *bad)
{
	*bad = vmx_fixed_bits_offending(cr4 | VMXCAP_CR4_VMXE, fixed0, fixed1);
	return *bad ? VMX_REASON_CR4_FIXED_BITS : VMX_REASON_OK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_cr4);

/**
 * vmx_basic_decode() - decode IA32_VMX_BASIC
 * @basic: the MSR's value
 * @info: the decoded fields
 *
 * Context: Any context.
 */
void vmx_basic_decode(u64 basic, struct vmx_basic_info *info)
{
	info->revision_id = basic & VMXCAP_BASIC_REVISION_ID;
	info->region_size = (basic & VMXCAP_BASIC_REGION_SIZE) >> 32;
	info->addr_32bit = basic & VMXCAP_BASIC_ADDR_32BIT;
	info->memtype = (basic & VMXCAP_BASIC_MEMTYPE) >> 50;
	info->ins_outs = basic & VMXCAP_BASIC_INS_OUTS;
	info->true_ctls = basic & VMXCAP_BASIC_TRUE_CTLS;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_basic_decode);

/**
 * vmx_check_basic() - can a 4 KiB page serve as this CPU's VMXON region
 * @info: IA32_VMX_BASIC decoded
 *
 * Context: Any context.
 * Return: VMX_REASON_OK, VMX_REASON_VMCS_SIZE_ZERO, VMX_REASON_VMCS_TOO_LARGE,
 * VMX_REASON_ADDR_32BIT_ONLY or VMX_REASON_MEMTYPE_NOT_WB.
 */
enum vmx_reason vmx_check_basic(const struct vmx_basic_info *info)
{
	if (!info->region_size)
		return VMX_REASON_VMCS_SIZE_ZERO;
	if (info->region_size > VMXCAP_REGION_MAX_SIZE)
		return VMX_REASON_VMCS_TOO_LARGE;
	/* This module is 64-bit only: its pages may lie above 4 GiB. */
	if (info->addr_32bit)
		return VMX_REASON_ADDR_32BIT_ONLY;
	if (info->memtype != VMXCAP_MEMTYPE_WB)
		return VMX_REASON_MEMTYPE_NOT_WB;
	return VMX_REASON_OK;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_basic);

/**
 * vmx_caps_first_difference() - where two CPUs' VMX capabilities differ
 * @a: one CPU's capability MSRs
 * @b: another CPU's
 *
 * Context: Any context.
 * Return: -1 when they agree, else the index (enum vmx_cap) of the first
 * MSR that one CPU lacks or reads differently.
 */
int vmx_caps_first_difference(const struct vmx_caps *a,
			      const struct vmx_caps *b)
{
	int i;

	for (i = 0; i < VMX_CAP_COUNT; i++) {
		u32 bit = BIT(i);

		if ((a->present & bit) != (b->present & bit))
			return i;
		if ((a->present & bit) && a->msr[i] != b->msr[i])
			return i;
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_caps_first_difference);

/**
 * vmx_caps_agree() - the rule across CPUs: every ready CPU has the VMX
 *	capabilities of the first ready one
 * @ref: the reference; filled from the first ready CPU, when @have_ref
 *	is false
 * @have_ref: @ref is filled
 * @caps: this CPU's capabilities
 * @reason: this CPU's reason so far; becomes inconsistent when they differ
 *
 * Call it for each CPU in order.
 *
 * Context: Any context.
 */
void vmx_caps_agree(struct vmx_caps *ref, bool *have_ref,
		    const struct vmx_caps *caps, enum vmx_reason *reason)
{
	if (*reason != VMX_REASON_OK)
		return;
	if (!*have_ref) {
		*ref = *caps;
		*have_ref = true;
	} else if (vmx_caps_first_difference(ref, caps) >= 0) {
		*reason = VMX_REASON_INCONSISTENT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vmx_caps_agree);

/* Without these the CPU's VMX support cannot be judged, nor used. */
#define VMX_CAPS_REQUIRED (BIT(VMX_CAP_BASIC) |				\
			   BIT(VMX_CAP_CR0_FIXED0) | BIT(VMX_CAP_CR0_FIXED1) | \
			   BIT(VMX_CAP_CR4_FIXED0) | BIT(VMX_CAP_CR4_FIXED1))

/**
 * vmx_check_cpu() - every check VMXON needs, in order, for one CPU
 * @regs: the values read on that CPU
 * @verdict: the first failing check's reason and its details
 *
 * Context: Any context.
 * Return: @verdict->reason.
 */
enum vmx_reason vmx_check_cpu(const struct vmx_cpu_regs *regs,
			      struct vmx_verdict *verdict)
{
	const struct vmx_caps *caps = &regs->caps;
	enum vmx_reason r;

	*verdict = (struct vmx_verdict){};
	vmx_basic_decode(caps->msr[VMX_CAP_BASIC], &verdict->basic);

	r = vmx_check_cpuid(regs->cpuid1_ecx);
	if (r == VMX_REASON_OK &&
	    (caps->present & VMX_CAPS_REQUIRED) != VMX_CAPS_REQUIRED)
		r = VMX_REASON_NO_VMX;
	if (r == VMX_REASON_OK && (regs->cr4 & VMXCAP_CR4_VMXE))
		r = VMX_REASON_BUSY;
	if (r == VMX_REASON_OK)
		r = vmx_check_feature_control(regs->feature_control,
					      regs->kernel_fc, regs->kernel_vmx,
					      &verdict->feature_control_write);
	if (r == VMX_REASON_OK)
		r = vmx_check_cr0(regs->cr0, caps->msr[VMX_CAP_CR0_FIXED0],
				  caps->msr[VMX_CAP_CR0_FIXED1],
				  &verdict->bad_bits);
	if (r == VMX_REASON_OK)
		r = vmx_check_cr4(regs->cr4, caps->msr[VMX_CAP_CR4_FIXED0],
				  caps->msr[VMX_CAP_CR4_FIXED1],
				  &verdict->bad_bits);
	if (r == VMX_REASON_OK)
		r = vmx_check_basic(&verdict->basic);

	verdict->reason = r;
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_check_cpu);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX readiness decisions: pure functions of MSR, CR and CPUID values.
 *
 * Nothing here touches hardware. The callers read the registers (see
 * vmx_msr.h) and hand the values in, so that every decision and every
 * failure can be driven from KUnit with made-up values.
 */
#ifndef _VMX_CAPS_H
#define _VMX_CAPS_H

#include <linux/bits.h>
#include <linux/types.h>

/* enum vmx_reason, which the client API returns too. */
#include "vmx_percpu.h"

/* CPUID.1:ECX */
#define VMXCAP_CPUID1_ECX_VMX		BIT(5)

/* CR4 */
#define VMXCAP_CR4_VMXE			BIT_ULL(13)

/* IA32_FEATURE_CONTROL (MSR 0x3a) */
#define VMXCAP_FC_LOCKED			BIT_ULL(0)
#define VMXCAP_FC_VMXON_INSIDE_SMX		BIT_ULL(1)
#define VMXCAP_FC_VMXON_OUTSIDE_SMX	BIT_ULL(2)

/* IA32_VMX_BASIC (MSR 0x480) */
#define VMXCAP_BASIC_REVISION_ID		GENMASK_ULL(30, 0)
#define VMXCAP_BASIC_REGION_SIZE		GENMASK_ULL(44, 32)
#define VMXCAP_BASIC_ADDR_32BIT		BIT_ULL(48)
#define VMXCAP_BASIC_MEMTYPE		GENMASK_ULL(53, 50)
#define VMXCAP_BASIC_INS_OUTS		BIT_ULL(54)
#define VMXCAP_BASIC_TRUE_CTLS		BIT_ULL(55)
#define VMXCAP_MEMTYPE_WB			6
#define VMXCAP_REGION_MAX_SIZE		4096

/*
 * The architectural VMX capability MSRs, IA32_VMX_BASIC (0x480) through
 * IA32_VMX_VMFUNC (0x491): index i of struct vmx_caps is MSR 0x480 + i.
 */
#define VMX_CAP_MSR_BASE		0x480
enum vmx_cap {
	VMX_CAP_BASIC,
	VMX_CAP_PINBASED_CTLS,
	VMX_CAP_PROCBASED_CTLS,
	VMX_CAP_EXIT_CTLS,
	VMX_CAP_ENTRY_CTLS,
	VMX_CAP_MISC,
	VMX_CAP_CR0_FIXED0,
	VMX_CAP_CR0_FIXED1,
	VMX_CAP_CR4_FIXED0,
	VMX_CAP_CR4_FIXED1,
	VMX_CAP_VMCS_ENUM,
	VMX_CAP_PROCBASED_CTLS2,
	VMX_CAP_EPT_VPID_CAP,
	VMX_CAP_TRUE_PINBASED_CTLS,
	VMX_CAP_TRUE_PROCBASED_CTLS,
	VMX_CAP_TRUE_EXIT_CTLS,
	VMX_CAP_TRUE_ENTRY_CTLS,
	VMX_CAP_VMFUNC,
	VMX_CAP_COUNT
};

/**
 * struct vmx_caps - one CPU's VMX capability MSRs
 * @msr: value of MSR VMX_CAP_MSR_BASE + i, 0 where not present
 * @present: bit i set when MSR VMX_CAP_MSR_BASE + i could be read
 */
struct vmx_caps {
	u64 msr[VMX_CAP_COUNT];
	u32 present;
};

/**
 * struct vmx_basic_info - IA32_VMX_BASIC decoded
 * @revision_id: VMCS revision identifier (bits 30:0; bit 31 is always 0)
 * @region_size: bytes needed for the VMXON region and a VMCS (bits 44:32)
 * @addr_32bit: physical addresses of VMX regions limited to 32 bits (bit 48)
 * @memtype: memory type the CPU uses for VMX structures (bits 53:50)
 * @ins_outs: VM exits on INS/OUTS report instruction information (bit 54)
 * @true_ctls: the IA32_VMX_TRUE_*_CTLS MSRs exist (bit 55)
 */
struct vmx_basic_info {
	u32 revision_id;
	u32 region_size;
	bool addr_32bit;
	u8 memtype;
	bool ins_outs;
	bool true_ctls;
};

/**
 * struct vmx_cpu_regs - everything the checks read from one CPU
 * @cpuid1_ecx: CPUID leaf 1, ECX
 * @kernel_vmx: the kernel's X86_FEATURE_VMX for this CPU (the "vmx" flag of
 *	/proc/cpuinfo): cleared by clearcpuid=vmx, and by feat_ctl.c when
 *	IA32_FEATURE_CONTROL does not allow VMXON in the mode the kernel runs
 *	in (inside SMX under tboot, outside otherwise)
 * @kernel_fc: feat_ctl.c configured IA32_FEATURE_CONTROL on this CPU
 *	(X86_FEATURE_MSR_IA32_FEAT_CTL), so @kernel_vmx is its verdict; it
 *	does not run for CPU vendors the kernel was built without
 * @cr0: CR0
 * @cr4: CR4, as the kernel believes it (its shadow) ORed with the hardware
 *	 value: VMXE set in either means VMX is not ours to take
 * @feature_control: IA32_FEATURE_CONTROL
 * @caps: the VMX capability MSRs
 */
struct vmx_cpu_regs {
	u32 cpuid1_ecx;
	bool kernel_vmx;
	bool kernel_fc;
	u64 cr0;
	u64 cr4;
	u64 feature_control;
	struct vmx_caps caps;
};

/**
 * struct vmx_verdict - the outcome of vmx_check_cpu()
 * @reason: VMX_REASON_OK or the first check that failed
 * @bad_bits: for the CR reasons, the CR bits that violate the fixed bits
 * @feature_control_write: non-zero when IA32_FEATURE_CONTROL is unlocked:
 *	the value to write (and lock) before VMXON
 * @basic: IA32_VMX_BASIC decoded
 */
struct vmx_verdict {
	enum vmx_reason reason;
	u64 bad_bits;
	u64 feature_control_write;
	struct vmx_basic_info basic;
};

/* Room for the longest token (feature_control_write_failed) and its NUL. */
#define VMX_REASON_TOKEN_SIZE 32

const char *vmx_reason_token(enum vmx_reason reason);
int vmx_reason_errno(enum vmx_reason reason);
enum vmx_reason vmx_check_cpuid(u32 cpuid1_ecx);
enum vmx_reason vmx_check_feature_control(u64 msr, bool kernel_fc,
					  bool kernel_vmx, u64 *write);
u64 vmx_fixed_bits_offending(u64 val, u64 fixed0, u64 fixed1);
enum vmx_reason vmx_check_cr0(u64 cr0, u64 fixed0, u64 fixed1, u64 *bad);
enum vmx_reason vmx_check_cr4(u64 cr4, u64 fixed0, u64 fixed1, u64 *bad);
void vmx_basic_decode(u64 basic, struct vmx_basic_info *info);
enum vmx_reason vmx_check_basic(const struct vmx_basic_info *info);
int vmx_caps_first_difference(const struct vmx_caps *a,
			      const struct vmx_caps *b);
void vmx_caps_agree(struct vmx_caps *ref, bool *have_ref,
		    const struct vmx_caps *caps, enum vmx_reason *reason);
enum vmx_reason vmx_check_cpu(const struct vmx_cpu_regs *regs,
			      struct vmx_verdict *verdict);

#endif /* _VMX_CAPS_H */

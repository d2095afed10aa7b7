/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware seam: every MSR, CR and CPUID access and every VMX
 * instruction this module executes goes through one struct vmx_hw. The
 * real one is vmx_hw_real (vmx_msr.c); KUnit drives everything above it
 * with a fake CPU.
 *
 * All operations act on the current CPU; the caller keeps preemption
 * disabled.
 */
#ifndef _VMX_MSR_H
#define _VMX_MSR_H

#include <linux/types.h>

#include "vmx_caps.h"

/**
 * struct vmx_hw - one CPU's VMX hardware
 * @read_regs: read everything vmx_check_cpu() decides on; capability MSRs
 *	that fault are left 0 and absent from @regs->caps.present
 * @read_feature_control: read IA32_FEATURE_CONTROL; 0 or -EIO on a fault
 * @write_feature_control: write IA32_FEATURE_CONTROL; 0 or -EIO on a fault
 * @vmxe_set: CR4.VMXE is set, in CR4 or in the kernel's CR4 shadow
 * @cr4_set_vmxe: set CR4.VMXE, through the kernel's CR4 shadow
 * @cr4_clear_vmxe: clear CR4.VMXE, through the kernel's CR4 shadow
 * @vmxon: VMXON with the region at @phys. 0; -EFAULT when it faulted (#UD:
 *	CR4.VMXE clear; #GP: IA32_FEATURE_CONTROL forbids it, a CR fixed bit);
 *	-EIO on VMfail. Outside VMX operation VMfail (Invalid) means a bad
 *	region, its address or revision id; in VMX root operation VMXON
 *	fails too, VMfailValid with a current VMCS, else VMfailInvalid
 * @vmxoff: VMXOFF. 0; -EFAULT when it faulted (#UD: not in VMX operation);
 *	-EIO on VMfail (still in VMX operation, e.g. the dual-monitor
 *	treatment of SMM is active)
 * @pt_handle_vmx: tell Intel PT that VMX operation begins (1) or ends (0)
 */
struct vmx_hw {
	void (*read_regs)(struct vmx_cpu_regs *regs);
	int (*read_feature_control)(u64 *val);
	int (*write_feature_control)(u64 val);
	bool (*vmxe_set)(void);
	void (*cr4_set_vmxe)(void);
	void (*cr4_clear_vmxe)(void);
	int (*vmxon)(u64 phys);
	int (*vmxoff)(void);
	void (*pt_handle_vmx)(int on);
};

extern const struct vmx_hw vmx_hw_real;

#endif /* _VMX_MSR_H */

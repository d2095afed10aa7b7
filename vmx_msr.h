/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware seam: every register read that feeds vmx_caps.c.
 * Nothing above this header touches MSRs, CRs or CPUID directly.
 */
#ifndef _VMX_MSR_H
#define _VMX_MSR_H

#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx_caps.h"

/*
 * Read everything vmx_check_cpu() decides on, on this CPU. Capability MSRs
 * that fault are left 0 and absent from @regs->caps.present.
 * Context: preemption disabled, so that every value comes from one CPU.
 */
static inline void vmx_read_regs(struct vmx_cpu_regs *regs)
{
	int i;

	*regs = (struct vmx_cpu_regs){};
	regs->cpuid1_ecx = cpuid_ecx(1);
	regs->cr0 = read_cr0();
	regs->cr4 = __read_cr4() | cr4_read_shadow();
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &regs->feature_control))
		regs->feature_control = 0;
	for (i = 0; i < VMX_CAP_COUNT; i++)
		if (!rdmsrl_safe(VMX_CAP_MSR_BASE + i, &regs->caps.msr[i]))
			regs->caps.present |= BIT(i);
		else
			regs->caps.msr[i] = 0;
}

#endif /* _VMX_MSR_H */

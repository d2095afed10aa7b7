/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hv_main.c and hv_run.S share: the layout of the guest's general
 * purpose registers in memory and the one VMCS field the assembly writes.
 */
#ifndef _VMXON_HV_H
#define _VMXON_HV_H

/* Indices of the guest's registers in hv_gprs[] (RSP is in the VMCS). */
#define HV_RAX	0
#define HV_RCX	1
#define HV_RDX	2
#define HV_RBX	3
#define HV_RBP	4
#define HV_RSI	5
#define HV_RDI	6
#define HV_R8	7
#define HV_R9	8
#define HV_R10	9
#define HV_R11	10
#define HV_R12	11
#define HV_R13	12
#define HV_R14	13
#define HV_R15	14
#define HV_NR_GPRS 15

/* The encoding of the VMCS field HOST_RSP (SDM Vol. 3, Appendix B.4.4). */
#define HV_VMCS_HOST_RSP 0x6c14

/* The hypercall the guest makes with VMCALL, in RAX. */
#define HV_CALL_PING	1

/* The guest's RDX at entry: what it does besides its rounds */
#define HV_GUEST_FAULT		1	/* UD2 first */
#define HV_GUEST_NO_CPUID	2	/* rounds of VMCALL alone */
#define HV_GUEST_INT18		4	/* INT 18 first (after UD2's place) */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/**
 * hv_vmrun() - enter the guest of the current VMCS until its next VM exit
 * @gprs: the guest's registers: loaded before the entry, saved after exit
 * @launched: VMRESUME when true, else VMLAUNCH
 *
 * Writes HOST_RSP; the VMCS's HOST_RIP must be hv_vmexit. Call with
 * interrupts disabled.
 *
 * Return: 0 after a VM exit (a failed VM entry included, SDM 26.8), 1 when
 * the instruction failed (VMfailInvalid or VMfailValid: read
 * VM_INSTRUCTION_ERROR).
 */
int hv_vmrun(u64 *gprs, bool launched);

/* Where a VM exit returns to, inside hv_vmrun() (HOST_RIP). */
void hv_vmexit(void);

/* The guest's code, position independent, copied into its own page. */
extern const u8 hv_guest_code[], hv_guest_code_end[];
#endif

#endif /* _VMXON_HV_H */

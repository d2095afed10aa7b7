/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch of the sample hypervisor, and its guest's code.
 *
 * hv_vmrun() saves the host's callee-saved registers on its stack, writes
 * HOST_RSP, loads the guest's registers and executes VMLAUNCH or
 * VMRESUME. A VM exit loads RSP from HOST_RSP and RIP from HOST_RIP
 * (hv_vmexit), the instruction after VMLAUNCH's jump: so a VM exit and a
 * failed VMLAUNCH/VMRESUME (which falls through) end at the same place
 * with the same stack. They differ in RFLAGS: a VM exit clears every
 * flag (SDM 27.5.3), VMfail sets CF or ZF (SDM 31.2). Only MOV, PUSH and
 * POP run between there and the SETNA that reads them.
 *
 * In .noinstr.text, as KVM's __vmx_vcpu_run(): that keeps kprobes off
 * hv_vmrun() (the section is on the kprobe blacklist); being assembly, it
 * has no ftrace hook or compiler instrumentation anyway. That is all: the
 * C code around it (run_guest() and what it calls between the VM exit
 * and do_machine_check() or handle_nmi()) is ordinary text, which ftrace,
 * kprobes and the sanitizers can trace and instrument.
 *
 * It does none of KVM's speculative-execution defences (vmenter.S): a
 * hypervisor that runs a guest it does not trust must add them: fill the
 * RSB after the VM exit before the first RET (FILL_RETURN_BUFFER, or
 * KVM's RSB_VMEXIT handling), switch IA32_SPEC_CTRL between the guest's
 * and the host's values, and clear CPU buffers (VERW) before the entry
 * where the CPU needs it (MDS, MMIO stale data). The sample's guest is its
 * own code.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include "hv.h"

#define GPR(r)	(HV_##r * 8)

	.section .noinstr.text, "ax"

/* int hv_vmrun(u64 *gprs, bool launched): see hv.h */
SYM_FUNC_START(hv_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* gprs, found again at 0(%rsp) after the VM exit */
	push	%rdi

	mov	$HV_VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jna	.Lvmwrite_failed

	/* ZF for the choice below: MOV leaves the flags alone */
	test	%sil, %sil

	mov	GPR(RAX)(%rdi), %rax
	mov	GPR(RCX)(%rdi), %rcx
	mov	GPR(RDX)(%rdi), %rdx
	mov	GPR(RBX)(%rdi), %rbx
	mov	GPR(RBP)(%rdi), %rbp
	mov	GPR(RSI)(%rdi), %rsi
	mov	GPR(R8)(%rdi), %r8
	mov	GPR(R9)(%rdi), %r9
	mov	GPR(R10)(%rdi), %r10
	mov	GPR(R11)(%rdi), %r11
	mov	GPR(R12)(%rdi), %r12
	mov	GPR(R13)(%rdi), %r13
	mov	GPR(R14)(%rdi), %r14
	mov	GPR(R15)(%rdi), %r15
	mov	GPR(RDI)(%rdi), %rdi

	jnz	.Lvmresume
	vmlaunch
	jmp	hv_vmexit
.Lvmresume:
	vmresume

SYM_INNER_LABEL(hv_vmexit, SYM_L_GLOBAL)
	/*
	 * HOST_RIP: not a branch target, but its address is taken. It is
	 * also the ip of a machine check's pt_regs (hv_main.c), whose
	 * handler decodes the instruction here: keep it no load (a load
	 * would make it set current->mce_vaddr, though with no exception
	 * table entry here the error stays one in the kernel).
	 */
	ENDBR
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, GPR(RAX)(%rdi)
	mov	%rcx, GPR(RCX)(%rdi)
	mov	%rdx, GPR(RDX)(%rdi)
	mov	%rbx, GPR(RBX)(%rdi)
	mov	%rbp, GPR(RBP)(%rdi)
	mov	%rsi, GPR(RSI)(%rdi)
	mov	%r8, GPR(R8)(%rdi)
	mov	%r9, GPR(R9)(%rdi)
	mov	%r10, GPR(R10)(%rdi)
	mov	%r11, GPR(R11)(%rdi)
	mov	%r12, GPR(R12)(%rdi)
	mov	%r13, GPR(R13)(%rdi)
	mov	%r14, GPR(R14)(%rdi)
	mov	%r15, GPR(R15)(%rdi)
	pop	GPR(RDI)(%rdi)

	/* 0 after a VM exit (no flag set), 1 after VMfail (CF or ZF) */
	mov	$0, %eax
	setna	%al
	jmp	.Lout

.Lvmwrite_failed:
	mov	$1, %eax
.Lout:
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(hv_vmrun)

/*
 * The guest: 64-bit code at CPL 0, run from its own page with RSI = the
 * number of rounds and RDX = its flags (HV_GUEST_*): with HV_GUEST_FAULT
 * it executes UD2 at once, with HV_GUEST_INT18 INT 18 (which, with no
 * IDT, raises #GP in its delivery). Each round runs CPUID leaf 0 (not with
 * HV_GUEST_NO_CPUID) and the hypercall HV_CALL_PING with RBX = the round's
 * number, and adds CPUID's EAX and the hypercall's answer (RAX) to R9, the
 * result. Then HLT, which exits. Data, not code of the module: the
 * hypervisor copies it into the guest's page.
 */
	.section .rodata, "a"
SYM_DATA_START(hv_guest_code)
	xor	%r9d, %r9d
	xor	%edi, %edi
	mov	%rdx, %r8
	test	$HV_GUEST_FAULT, %r8
	jz	4f
	ud2
4:	test	$HV_GUEST_INT18, %r8
	jz	1f
	int	$18
1:	test	%rsi, %rsi
	jz	2f
	test	$HV_GUEST_NO_CPUID, %r8
	jnz	3f
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	add	%rax, %r9
3:	mov	$HV_CALL_PING, %eax
	mov	%rdi, %rbx
	vmcall
	add	%rax, %r9
	inc	%rdi
	dec	%rsi
	jmp	1b
2:	hlt
	jmp	2b
SYM_DATA_END_LABEL(hv_guest_code, SYM_L_GLOBAL, hv_guest_code_end)

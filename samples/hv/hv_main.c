// SPDX-License-Identifier: GPL-2.0
/*
 * vmxon_hv - a sample hypervisor on vmxon: a tiny guest on every CPU
 *
 * On each CPU that vmxon holds in VMX root operation, it builds a VMCS
 * from the CPU's IA32_VMX_* capability MSRs, enters a 64-bit guest with
 * its own page tables, and handles the guest's exits until it halts: the
 * guest runs CPUID and a hypercall (VMCALL) `loops` times; the hypervisor
 * emulates CPUID (the host's answer), answers each hypercall with its
 * sequence number, and advances the guest's RIP. docs/sample.md explains
 * every field.
 *
 *   /sys/kernel/debug/vmxon_hv/run     a write runs the guest once on every
 *                                      online CPU
 *   /sys/kernel/debug/vmxon_hv/status  per online CPU: the runs so far and
 *                                      what the last one did, e.g.
 *     "cpu0 runs 1 exits 201 cpuid 100 vmcall 100 hlt 1 result ok"
 *   /sys/kernel/debug/vmxon_hv/times   per online CPU: the exits and the
 *                                      nanoseconds of its last run, from
 *                                      the first entry to the last exit
 *
 * The last field says how the run ended: "result ok" (the guest halted with
 * the result the hypervisor expected), "result bad ...", "entry failed
 * reason 0x... qualification 0x..." (the VM entry failed its checks on the
 * guest state, SDM 26.8), "vmfail error N" (VMLAUNCH or VMRESUME failed,
 * with the VM-instruction error, SDM 31.4), "exception N" (the guest took
 * exception N, which the exception bitmap makes exit), "machine check" and
 * "machine check during entry" (a #MC, passed to the host's handler),
 * "machine check earlier, not run" (a #MC came in an earlier run on this
 * CPU: its pages may be poisoned, the guest is not entered there again),
 * "off" (the CPU is not in VMX operation), or another exit it does not
 * handle.
 *
 * Knobs, writable at run time: loops (the guest's rounds); for tests,
 * fault (the guest executes UD2 first), int18 (INT 18 first: not a #MC)
 * and bad_guest (the guest's RFLAGS lacks its reserved bit 1, which fails
 * the VM entry); for make bench,
 * vmcall_only (rounds without CPUID).
 *
 * Like samples/client, it makes its VMCS current on each CPU in cpu_up and
 * VMCLEARs it in cpu_down and in an emergency. The current VMCS is shared
 * by all clients of vmxon, so each run makes its own VMCS current again.
 * It includes nothing of vmxon but vmx_percpu.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/perf_event.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/topology.h>
/* asm/kvm_host.h's kvm_arch_alloc_vm() calls __vmalloc() without including it */
#include <linux/vmalloc.h>
#include <asm/asm.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/kvm_host.h>
#include <asm/mce.h>
/* load_gs_index(): asm/special_insns.h up to 6.1, asm/gsseg.h from 6.2 */
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "vmx_percpu.h"
#include "hv.h"

static unsigned int loops = 100;
module_param(loops, uint, 0644);
MODULE_PARM_DESC(loops, "Rounds of CPUID and VMCALL the guest runs (at most 100000)");

/* Test knobs, not part of what a hypervisor needs: drop them when copying. */
static bool fault;
module_param(fault, bool, 0644);
MODULE_PARM_DESC(fault, "Test: the guest executes UD2 (an exception exit) first");
static bool bad_guest;
module_param(bad_guest, bool, 0644);
MODULE_PARM_DESC(bad_guest, "Test: guest RFLAGS bit 1 clear, so that VM entry fails");
static bool int18;
module_param(int18, bool, 0644);
MODULE_PARM_DESC(int18, "Test: the guest executes INT 18 (a software interrupt, not a #MC) first");
static bool vmcall_only;
module_param(vmcall_only, bool, 0644);
MODULE_PARM_DESC(vmcall_only, "Bench: the guest's rounds make no CPUID, only the VMCALL");

#define HV_MAX_LOOPS	100000

/* IA32_VMX_BASIC bit 55: the TRUE capability MSRs exist (SDM A.1). */
#define HV_BASIC_TRUE_CTLS	BIT_ULL(55)

/* Segment access rights in the VMCS's format (SDM 24.4.1, Table 24-2). */
#define VMCS_AR_TYPE_CODE_XRA	0xb	/* execute/read, accessed */
#define VMCS_AR_TYPE_DATA_RWA	0x3	/* read/write, accessed */
#define VMCS_AR_TYPE_TSS_BUSY	0xb	/* 64-bit TSS, busy */
#define VMCS_AR_S			BIT(4)	/* code or data, not system */
#define VMCS_AR_P			BIT(7)
#define VMCS_AR_L			BIT(13)	/* 64-bit code */
#define VMCS_AR_DB			BIT(14)
#define VMCS_AR_G			BIT(15)
#define VMCS_AR_UNUSABLE		BIT(16)

/* DR7 after reset and after every VM exit: bit 10 set (SDM 27.5.1) */
#define HV_DR7_FIXED		0x400UL

/* Page-table entry bits (SDM Vol. 3, 4.5) */
#define PTE_P	BIT_ULL(0)
#define PTE_RW	BIT_ULL(1)

enum hv_end {
	HV_END_NONE,		/* no run yet */
	HV_END_OFF,		/* the CPU is not in VMX operation */
	HV_END_NO_VMCS,		/* VMCLEAR or VMPTRLD of the VMCS failed */
	HV_END_CONTROLS,	/* a control it needs is not allowed */
	HV_END_VMWRITE,		/* a VMWRITE failed */
	HV_END_VMFAIL,		/* VMLAUNCH/VMRESUME failed */
	HV_END_ENTRY_FAILED,	/* VM entry failed on the guest state */
	HV_END_HLT,		/* the guest halted: its result is checked */
	HV_END_EXCEPTION,	/* the guest took an exception */
	HV_END_MCE,		/* a machine check while the guest ran */
	HV_END_MCE_ENTRY,	/* a machine check during the VM entry */
	HV_END_MCE_EARLIER,	/* not run: a machine check in an earlier run */
	HV_END_UNEXPECTED,	/* an exit the sample does not handle */
	HV_END_RUNAWAY,		/* more exits than the guest can make */
};

/**
 * struct hv_result - what the last run on a CPU did
 * @end: how it ended
 * @exits: VM exits handled (a failed entry is not one; NMIs are apart)
 * @cpuid: CPUID exits
 * @vmcall: VMCALL exits
 * @hlt: HLT exits
 * @nmi: NMIs that came while the guest ran (exits passed to the host)
 * @mce: machine checks that came while it ran or entered (passed too)
 * @result: the guest's R9 when it halted
 * @expected: what R9 must be
 * @error: VM-instruction error, or the failed VMWRITE's field
 * @reason: the exit reason of the last exit
 * @qualification: its exit qualification
 * @intr_info: its VM-exit interruption information
 * @error_code: its VM-exit interruption error code
 * @vectoring: its IDT-vectoring information (the event it was delivering)
 * @rip: the guest's RIP at the last exit, as an offset in its page
 * @ns: the time from the first VM entry to the last exit (ktime_get_ns())
 */
struct hv_result {
	enum hv_end end;
	unsigned int exits;
	unsigned int cpuid;
	unsigned int vmcall;
	unsigned int hlt;
	unsigned int nmi;
	unsigned int mce;
	u64 result;
	u64 expected;
	u64 error;
	u32 reason;
	u64 qualification;
	u32 intr_info;
	u32 error_code;
	u32 vectoring;
	u64 rip;
	u64 ns;
};

/**
 * struct hv_cpu - the hypervisor's state on one CPU
 * @vmcs: its VMCS, a zeroed page with the revision id in its first u32
 * @pml4: the guest's page tables: PML4, PDPT, PD and PT, which map
 * @pdpt: the guest's page (@guest) at its physical address, and nothing
 * @pd:   else. Without EPT a guest-physical address is host-physical:
 * @pt:   CR3 and every entry hold host-physical addresses.
 * @guest: the guest's code, at offset 0, and its stack, below the end
 * @msrs: the VM-entry MSR-load list (the guest's values), then at
 *        HV_MSR_LIST the VM-exit MSR-load list (the host's): perf's MSRs
 * @loaded: the VMCS may be active on this CPU (as in samples/client)
 * @mce_seen: a run here had a machine check: its pages may be poisoned,
 *            so no later run enters the guest on this CPU
 * @gprs: the guest's registers while it does not run
 * @runs: runs started on this CPU
 * @last: what the last one did
 *
 * All pages are allocated for every possible CPU at load, on its node:
 * the callbacks and the runs execute with interrupts disabled.
 */
struct hv_cpu {
	void *vmcs;
	u64 *pml4;
	u64 *pdpt;
	u64 *pd;
	u64 *pt;
	u8 *guest;
	struct vmx_msr_entry *msrs;
	bool loaded;
	bool mce_seen;
	u64 gprs[HV_NR_GPRS];
	unsigned int runs;
	struct hv_result last;
};

static DEFINE_PER_CPU(struct hv_cpu, hv_cpu);

/* Entries of each MSR-load list: half a page (SDM 25.7.2: 16-byte aligned) */
#define HV_MSR_LIST	(PAGE_SIZE / 2 / sizeof(struct vmx_msr_entry))

/*
 * The host state that a VM exit changes and the kernel needs back (SDM
 * 27.5): GDTR and IDTR limits (set to 0xffff), LDTR (null), the DS, ES,
 * FS and GS selectors (null: see setup_host()), DR7 (0x400) and
 * IA32_DEBUGCTL (0). The TR limit (0x67) is the kernel's to fix:
 * invalidate_tss_limit(), as KVM does.
 */
struct hv_host {
	struct desc_ptr gdt;
	struct desc_ptr idt;
	u16 ldt;
	u16 ds, es, fs, gs;
	unsigned long dr7;
	u64 debugctl;
	u64 fs_base;
	u64 kernel_gs_base;
};

/* VMX instructions, as in samples/client: -EFAULT on a fault, -EIO on VMfail */
static int vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static int vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/*
 * VMREAD and VMWRITE run only with a VMCS of this module current, in VMX
 * operation, with interrupts disabled: they cannot fault. They fail
 * (CF or ZF) on a field the CPU does not have.
 */
static u64 vmcs_read(unsigned long field)
{
	unsigned long val = 0;
	bool ok;

	/* a VMREAD that fails writes nothing: 0 then, not what was there */
	asm volatile("vmread %[field], %[val]"
		     : [val] "+rm"(val), "=@cca"(ok) : [field] "r"(field) : "cc");
	return ok ? val : 0;
}

/* The first VMWRITE that failed in this run: its field, or 0. */
static DEFINE_PER_CPU(unsigned long, vmwrite_failed);

static void vmcs_write(unsigned long field, u64 val)
{
	bool ok;

	asm volatile("vmwrite %[val], %[field]"
		     : "=@cca"(ok) : [val] "rm"(val), [field] "r"(field) : "cc");
	if (!ok && !this_cpu_read(vmwrite_failed))
		this_cpu_write(vmwrite_failed, field ? field : ~0UL);
}

/*
 * adjust_controls() - the value of a VM-execution, exit or entry control
 * field: @want with the bits the capability MSR @msr requires (allowed-0
 * settings, its low half) and without those it forbids (allowed-1, its
 * high half), SDM A.3-A.5. @want must be allowed: else false.
 */
static bool adjust_controls(u32 msr, u32 want, u32 *val)
{
	u64 cap;

	rdmsrl(msr, cap);
	*val = (want | (u32)cap) & (u32)(cap >> 32);
	return (*val & want) == want;
}

/* CR0 or CR4 with the bits the fixed MSRs require and none they forbid */
static u64 fixed_cr(u32 fixed0_msr, u32 fixed1_msr, u64 want)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	return (want | fixed0) & fixed1;
}

/**
 * setup_controls() - the VM-execution, exit and entry controls
 * @c: this CPU's state: the address of its MSR-load lists
 *
 * Pin-based: NMI exiting, so that an NMI that comes while the guest runs
 * goes to the host (handle_nmi()); no external-interrupt exiting: the
 * guest runs with RFLAGS.IF clear, so an interrupt stays pending until
 * the host enables interrupts again. Processor-based: HLT exiting, the
 * guest's way to stop (CPUID and VMCALL always exit). Exit: a 64-bit
 * host. Entry: a 64-bit guest (IA-32e mode guest). With IA32_VMX_BASIC
 * bit 55 the TRUE MSRs give the allowed-0 settings (SDM A.2): they may
 * clear default-1 bits that the others keep set, such as CR3-load exiting.
 *
 * Return: 0, or -EOPNOTSUPP when the CPU does not allow a bit it needs.
 */
static int setup_controls(struct hv_cpu *c)
{
	bool true_ctls;
	u32 pin, cpu, exit, entry;
	u64 basic;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	true_ctls = basic & HV_BASIC_TRUE_CTLS;
	if (!adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			     MSR_IA32_VMX_PINBASED_CTLS,
			     PIN_BASED_NMI_EXITING, &pin) ||
	    !adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			     MSR_IA32_VMX_PROCBASED_CTLS,
			     CPU_BASED_HLT_EXITING, &cpu) ||
	    !adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			     MSR_IA32_VMX_EXIT_CTLS,
			     VM_EXIT_HOST_ADDR_SPACE_SIZE, &exit) ||
	    !adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			     MSR_IA32_VMX_ENTRY_CTLS,
			     VM_ENTRY_IA32E_MODE, &entry))
		return -EOPNOTSUPP;
	/* Nothing it does not set up: no secondary controls (EPT, VPID) */
	if (cpu & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		return -EOPNOTSUPP;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, cpu);
	vmcs_write(VM_EXIT_CONTROLS, exit);
	vmcs_write(VM_ENTRY_CONTROLS, entry);
	/*
	 * Every exception exits, every #PF included (mask and match 0). #MC
	 * (bit 18) must: with the bit clear, a machine check in the guest is
	 * delivered through the guest's IDT (SDM 25.2), and the host never
	 * sees it. KVM always sets it and calls the host's handler.
	 */
	vmcs_write(EXCEPTION_BITMAP, 0xffffffff);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	/* the guest owns CR0 and CR4: no bit exits */
	vmcs_write(CR0_GUEST_HOST_MASK, 0);
	vmcs_write(CR4_GUEST_HOST_MASK, 0);
	vmcs_write(CR0_READ_SHADOW, 0);
	vmcs_write(CR4_READ_SHADOW, 0);
	/* the MSR-load lists of switch_perf_msrs(); no MSR is stored */
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, __pa(c->msrs));
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, __pa(c->msrs + HV_MSR_LIST));
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	return 0;
}

/*
 * The host state (SDM 26.2.2-26.2.4, 27.5): what a VM exit loads, read on
 * this CPU now. CR3 is the current one, of whatever task this CPU runs.
 * The selectors' RPL and TI must be 0 (SDM 26.2.3). DS, ES, FS and GS
 * are 0 there, and restore_host() reloads each that was not 0. KVM's
 * vmx_set_host_fs_gs() puts an FS or GS with RPL and TI 0 in the VMCS
 * as it is; not here: the VM exit loads a non-null selector with DPL 0 in
 * its hidden part (SDM 27.5.2), and the next IRET to ring 3 turns a data
 * segment register with DPL below 3 into the null selector (SDM, IRET).
 * A run interrupts the task on every other CPU, which the IPI returns to
 * with IRET. The FS and GS bases are the current ones; TR's base is this
 * CPU's TSS.
 */
static void setup_host(unsigned int cpu, const struct hv_host *h)
{
	u64 val;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, __read_cr4());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_write(HOST_FS_BASE, h->fs_base);
	rdmsrl(MSR_GS_BASE, val);
	vmcs_write(HOST_GS_BASE, val);
	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, h->gdt.address);
	vmcs_write(HOST_IDTR_BASE, h->idt.address);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write(HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmcs_write(HOST_IA32_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_write(HOST_IA32_SYSENTER_EIP, val);
	/* HOST_RSP: hv_vmrun() writes it, with its own stack pointer */
	vmcs_write(HOST_RIP, (unsigned long)hv_vmexit);
}

/* A code or data segment of the flat guest: base 0, limit 4 GiB. */
static void guest_segment(unsigned long sel_field, unsigned long base_field,
			  unsigned long limit_field, unsigned long ar_field,
			  u16 sel, u32 ar)
{
	vmcs_write(sel_field, sel);
	vmcs_write(base_field, 0);
	vmcs_write(limit_field, 0xffffffff);
	vmcs_write(ar_field, ar);
}

/*
 * The guest state (SDM 26.3.1): a 64-bit guest at CPL 0 with paging, in
 * its page, with interrupts disabled (RFLAGS.IF clear). It never loads a
 * segment or takes an exception through its IDT (every exception exits),
 * so it has no GDT, IDT or TSS in memory: the VMCS's segment registers
 * are all it needs. CR0 and CR4 take the bits that VMX operation fixes
 * (PE, NE, PG; VMXE) on top of what a 64-bit guest needs (PAE).
 */
static void setup_guest(struct hv_cpu *c)
{
	u64 code = __pa(c->guest);
	u32 data_ar = VMCS_AR_TYPE_DATA_RWA | VMCS_AR_S | VMCS_AR_P | VMCS_AR_DB | VMCS_AR_G;

	vmcs_write(GUEST_CR0, fixed_cr(MSR_IA32_VMX_CR0_FIXED0,
				       MSR_IA32_VMX_CR0_FIXED1,
				       X86_CR0_PE | X86_CR0_ET | X86_CR0_NE |
				       X86_CR0_PG));
	vmcs_write(GUEST_CR3, __pa(c->pml4));
	/*
	 * CR4.MCE as the host has it, as KVM keeps it: with it clear, a
	 * machine check in the guest, or at the end of its VM entry, shuts
	 * the CPU down instead of exiting (SDM 26.8, 27.1).
	 */
	vmcs_write(GUEST_CR4, fixed_cr(MSR_IA32_VMX_CR4_FIXED0,
				       MSR_IA32_VMX_CR4_FIXED1,
				       X86_CR4_PAE | X86_CR4_VMXE |
				       (__read_cr4() & X86_CR4_MCE)));
	vmcs_write(GUEST_DR7, HV_DR7_FIXED);
	vmcs_write(GUEST_RSP, code + PAGE_SIZE);
	vmcs_write(GUEST_RIP, code);
	/* bit 1 is reserved and must be 1; bad_guest breaks just that */
	vmcs_write(GUEST_RFLAGS, READ_ONCE(bad_guest) ? 0 : X86_EFLAGS_FIXED);
	guest_segment(GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT,
		      GUEST_CS_AR_BYTES, 0x08,
		      VMCS_AR_TYPE_CODE_XRA | VMCS_AR_S | VMCS_AR_P | VMCS_AR_L | VMCS_AR_G);
	guest_segment(GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT,
		      GUEST_SS_AR_BYTES, 0x10, data_ar);
	guest_segment(GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT,
		      GUEST_DS_AR_BYTES, 0x10, data_ar);
	guest_segment(GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT,
		      GUEST_ES_AR_BYTES, 0x10, data_ar);
	guest_segment(GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT,
		      GUEST_FS_AR_BYTES, 0x10, data_ar);
	guest_segment(GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT,
		      GUEST_GS_AR_BYTES, 0x10, data_ar);
	/* no LDT; TR must be usable, a busy 64-bit TSS (SDM 26.3.1.2) */
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR_BYTES, VMCS_AR_UNUSABLE);
	vmcs_write(GUEST_TR_SELECTOR, 0x18);
	vmcs_write(GUEST_TR_BASE, 0);
	vmcs_write(GUEST_TR_LIMIT, 0x67);
	vmcs_write(GUEST_TR_AR_BYTES, VMCS_AR_TYPE_TSS_BUSY | VMCS_AR_P);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);		/* active */
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* no shadow VMCS: the link pointer must be all ones (SDM 26.3.1.5) */
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

/* Save what a VM exit changes (struct hv_host); interrupts are disabled. */
static void save_host(struct hv_host *h)
{
	native_store_gdt(&h->gdt);
	store_idt(&h->idt);
	store_ldt(h->ldt);
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	h->dr7 = native_get_debugreg(7);
	rdmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
}

/*
 * Put back what the VM exits changed, as KVM's vmx_prepare_switch_to_host()
 * does: once after the run, since the kernel's own code runs correctly
 * with the values a VM exit leaves.
 */
static void restore_host(const struct hv_host *h)
{
	native_load_gdt(&h->gdt);
	native_load_idt(&h->idt);
	/* from their descriptors: see setup_host() */
	if (h->ldt || h->gs) {
		asm volatile("lldt %0" : : "rm"(h->ldt));
		/* loads the user's GS base from the descriptor: put it back */
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->ds | h->es) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	invalidate_tss_limit();
	if (h->dr7 != HV_DR7_FIXED)
		native_set_debugreg(7, h->dr7);
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
}

/* Past the exiting instruction (CPUID, VMCALL): SDM 28.2.5 */
static void skip_instruction(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) +
		   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* CPUID in the guest: the host CPU's answer, for the guest's EAX and ECX */
static void handle_cpuid(u64 *gprs)
{
	u32 eax, ebx, ecx, edx;

	cpuid_count((u32)gprs[HV_RAX], (u32)gprs[HV_RCX], &eax, &ebx, &ecx,
		    &edx);
	gprs[HV_RAX] = eax;
	gprs[HV_RBX] = ebx;
	gprs[HV_RCX] = ecx;
	gprs[HV_RDX] = edx;
	skip_instruction();
}

/*
 * An NMI came while the guest ran: NMI exiting made it exit, and NMIs are
 * blocked until the next IRET (a VM exit due to an NMI leaves them so,
 * unless "virtual NMIs" is set, which the sample does not set). INT 2,
 * with interrupts still disabled, hands it to the kernel's NMI handler
 * through the IDT's NMI gate (its IST stack and the entry code's nested
 * NMI checks), and the handler's IRET unblocks NMIs: none is lost, as
 * one that comes meanwhile stays pending. KVM once did the same; it now
 * calls the handler on a frame of its own (vmx_do_nmi_irqoff()),
 * which saves the cost of INT n. Not with FRED: events go through FRED's
 * entry points there, not the IDT, and KVM calls fred_entry_from_kvm();
 * hv_init() refuses a kernel with FRED enabled.
 */
static void handle_nmi(void)
{
	asm volatile("int $2");
}

/*
 * switch_perf_msrs() - the host's perf MSRs that the guest must not run
 * with, as KVM's atomic_switch_perf_msrs(): perf_guest_get_msrs() gives
 * each with its host value and its value for a guest, e.g.
 * IA32_PERF_GLOBAL_CTRL without the counters of events that exclude the
 * guest and of PEBS events (PEBS writes its records through the host's
 * linear addresses, in the DS area), and IA32_PEBS_ENABLE 0 on CPUs that
 * do not isolate PEBS from a guest. Those that differ go in the VM-entry
 * MSR-load list (the guest's value, loaded after the guest state) and the
 * VM-exit one (the host's, loaded after the host state). Before each
 * entry, as KVM: perf may change them between two (a PMI). Both 6.1 and
 * 6.12 have this signature, GPL-exported.
 *
 * Its data is the guest's PMU, KVM's struct kvm_pmu: no_pmu, zeroed.
 * Not NULL: 6.1's intel_guest_get_msrs() returns early on NULL, but
 * 6.12's reads the structure on every CPU with PEBS in VMX non-root
 * operation (x86_pmu.pebs_ept: Ice Lake-X, Sapphire Rapids and later),
 * and would dereference NULL. Zeroed, it is a guest that enabled no PEBS
 * counter: both keep the PEBS counters out of the guest's
 * IA32_PERF_GLOBAL_CTRL; 6.12 leaves the host's IA32_DS_AREA and
 * MSR_PEBS_DATA_CFG in place (no entry), 6.1 lists them, its host value
 * of the second being perf's pending one, which the exit list should not
 * load: both are skipped. Perf only reads no_pmu. Returns the number of
 * entries in each list. IA32_PEBS_ENABLE off before the entry is best
 * effort, as KVM's: a PMI before it can turn it on again.
 */
static unsigned int switch_perf_msrs(struct hv_cpu *c)
{
	unsigned int n = 0;
#if IS_ENABLED(CONFIG_PERF_EVENTS)
	static const struct kvm_pmu no_pmu;
	struct vmx_msr_entry *guest = c->msrs, *host = c->msrs + HV_MSR_LIST;
	struct perf_guest_switch_msr *msrs;
	int i, nr = 0;

	/* at most X86_PMC_IDX_MAX (perf's array), fewer than HV_MSR_LIST */
	msrs = perf_guest_get_msrs(&nr, (void *)&no_pmu);
	for (i = 0; msrs && i < nr && n < HV_MSR_LIST; i++) {
		/*
		 * With no_pmu the guest has no PEBS: its DS area and PEBS
		 * record layout are the host's, as 6.12 lists them (6.1
		 * lists them with perf's pending value, not the MSR's).
		 */
		if (msrs[i].host == msrs[i].guest ||
		    msrs[i].msr == MSR_IA32_DS_AREA ||
		    msrs[i].msr == MSR_PEBS_DATA_CFG)
			continue;
		/*
		 * As KVM's add_atomic_switch_msr(): PEBS needs a quiescent
		 * period after it is disabled, to finish a record, which
		 * the entry's MSR load does not give: the CPU could write a
		 * host record into the guest's memory. Off now, then; the
		 * exit list loads the host's value back.
		 */
		if (msrs[i].msr == MSR_IA32_PEBS_ENABLE)
			wrmsrl(MSR_IA32_PEBS_ENABLE, 0);
		guest[n].index = msrs[i].msr;
		guest[n].value = msrs[i].guest;
		host[n].index = msrs[i].msr;
		host[n].value = msrs[i].host;
		n++;
	}
#endif
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, n);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, n);
	return n;
}

/*
 * After a VMfail, which loads no list: the host's values of the first @n
 * entries back, as the exit list would have loaded them (PEBS_ENABLE,
 * which switch_perf_msrs() wrote 0 to, among them).
 */
static void restore_perf_msrs(struct hv_cpu *c, unsigned int n)
{
	const struct vmx_msr_entry *host = c->msrs + HV_MSR_LIST;
	unsigned int i;

	for (i = 0; i < n; i++)
		wrmsrl(host[i].index, host[i].value);
}

/*
 * A #MC: a hardware exception of vector 18. INT 18 in the guest is a
 * software interrupt (type 4), never an exception exit of its own: it
 * exits only through the exception that its delivery raises (a #GP,
 * vector 13, with 18 in the IDT-vectoring information alone). So the
 * int18 test does not reach the type check here: a check of the vector
 * alone would pass it too.
 */
static bool hv_is_machine_check(u32 intr_info)
{
	u32 mask = INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK;

	return (intr_info & mask) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC);
}

/*
 * A machine check came while the guest ran (an exception exit, vector 18)
 * or during its VM entry (exit reason 41): the host's #MC handler takes
 * it, with interrupts still disabled, on registers that say what the host
 * was doing: kernel mode, at hv_vmexit (HOST_RIP, where the VM exit came
 * back), interrupts off. do_machine_check() takes .ip and .cs from them
 * (mce_gather_info(), with MCG_STATUS.RIPV or EIPV), and looks at the
 * instruction at .ip and its exception-table entry
 * (error_context(): hv_vmexit has none). So it judges the error as one in
 * the kernel, which it is, the guest's memory being the kernel's: an
 * action-required one is fatal (mce_panic()), one it can go on after is
 * logged.
 *
 * Not KVM's kvm_machine_check(), whose fake user mode (.cs = 3) fits its
 * vCPU task in process context: there an action-required error queues
 * task work that kills the task. The sample runs in an IPI, on the
 * hardirq stack in whatever task the CPU runs (often the idle task), or
 * in the writer's task on its CPU: the user-mode path would hit
 * do_machine_check()'s BUG_ON(!on_thread_stack() || !user_mode(regs)) or
 * kill a task that has nothing to do with the error.
 *
 * do_machine_check() is GPL-exported where the kernel has CONFIG_X86_MCE;
 * without it there is no handler to call.
 */
static void handle_machine_check(void)
{
#if IS_ENABLED(CONFIG_X86_MCE)
	struct pt_regs regs = {
		.ip = (unsigned long)hv_vmexit,
		.cs = __KERNEL_CS,
		.flags = X86_EFLAGS_FIXED,
		.ss = __KERNEL_DS,
	};

	do_machine_check(&regs);
#endif
}

/*
 * run_guest() - run the guest once on this CPU, until it halts or fails
 * @c: this CPU's state; its VMCS is current
 * @r: what the run did
 * @n: the guest's rounds
 */
static void run_guest(struct hv_cpu *c, struct hv_result *r, unsigned int n)
{
	bool launched = false;
	u64 leaf0 = cpuid_eax(0);
	unsigned int n_msrs;

	memset(c->gprs, 0, sizeof(c->gprs));
	c->gprs[HV_RSI] = n;
	c->gprs[HV_RDX] = (READ_ONCE(fault) ? HV_GUEST_FAULT : 0) |
			  (READ_ONCE(int18) ? HV_GUEST_INT18 : 0) |
			  (READ_ONCE(vmcall_only) ? HV_GUEST_NO_CPUID : 0);
	/* R9 at HLT: each round adds CPUID(0).EAX and the call's answer */
	if (c->gprs[HV_RDX] & HV_GUEST_NO_CPUID)
		leaf0 = 0;
	r->expected = n * leaf0 + (u64)n * (n + 1) / 2;

	for (;;) {
		u32 reason;

		n_msrs = switch_perf_msrs(c);
		if (hv_vmrun(c->gprs, launched)) {
			/* no VM exit: the exit list was not loaded either */
			restore_perf_msrs(c, n_msrs);
			r->end = HV_END_VMFAIL;
			r->error = vmcs_read(VM_INSTRUCTION_ERROR);
			return;
		}
		launched = true;
		reason = vmcs_read(VM_EXIT_REASON);
		r->reason = reason;
		r->qualification = vmcs_read(EXIT_QUALIFICATION);
		r->rip = vmcs_read(GUEST_RIP) - __pa(c->guest);
		/* a failed entry too (bit 31): first, interrupts still off */
		if ((u16)reason == EXIT_REASON_MCE_DURING_VMENTRY) {
			r->mce++;
			c->mce_seen = true;
			handle_machine_check();
			r->end = HV_END_MCE_ENTRY;
			return;
		}
		if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
			r->end = HV_END_ENTRY_FAILED;
			return;
		}
		if ((u16)reason == EXIT_REASON_EXCEPTION_NMI) {
			r->intr_info = vmcs_read(VM_EXIT_INTR_INFO);
			if ((r->intr_info & INTR_INFO_INTR_TYPE_MASK) ==
			    INTR_TYPE_NMI_INTR) {
				r->nmi++;
				handle_nmi();
				continue;
			}
			if (hv_is_machine_check(r->intr_info)) {
				r->exits++;
				r->mce++;
				c->mce_seen = true;
				handle_machine_check();
				r->end = HV_END_MCE;
				return;
			}
		}
		r->exits++;
		switch ((u16)reason) {
		case EXIT_REASON_CPUID:
			r->cpuid++;
			handle_cpuid(c->gprs);
			break;
		case EXIT_REASON_VMCALL:
			r->vmcall++;
			/* the answer: the call's sequence number, from 1 */
			c->gprs[HV_RAX] = c->gprs[HV_RAX] == HV_CALL_PING &&
					  c->gprs[HV_RBX] == r->vmcall - 1 ?
					  r->vmcall : 0;
			skip_instruction();
			break;
		case EXIT_REASON_HLT:
			r->hlt++;
			r->result = c->gprs[HV_R9];
			r->end = HV_END_HLT;
			return;
		case EXIT_REASON_EXCEPTION_NMI:
			r->error_code = vmcs_read(VM_EXIT_INTR_ERROR_CODE);
			r->vectoring = vmcs_read(IDT_VECTORING_INFO_FIELD);
			r->end = HV_END_EXCEPTION;
			return;
		default:
			r->end = HV_END_UNEXPECTED;
			return;
		}
		if (r->exits > 2 * n + 1) {
			r->end = HV_END_RUNAWAY;
			return;
		}
	}
}

/* on_each_cpu(): run the guest on this CPU, interrupts disabled */
static void run_this_cpu(void *info)
{
	unsigned int cpu = smp_processor_id();
	struct hv_cpu *c = this_cpu_ptr(&hv_cpu);
	struct hv_result *r = &c->last;
	unsigned int n = min(READ_ONCE(loops), HV_MAX_LOOPS);
	struct hv_host host;
	u64 start;

	memset(r, 0, sizeof(*r));
	c->runs++;
	/* vmxon holds VMX here, and this module's cpu_up loaded its VMCS */
	if (!vmxon_cpu_is_enabled(cpu) || !c->loaded) {
		r->end = HV_END_OFF;
		return;
	}
	/* a machine check here before: the guest's page may be poisoned */
	if (c->mce_seen) {
		r->end = HV_END_MCE_EARLIER;
		return;
	}
	/*
	 * Another client may have made its own VMCS current since: VMCLEAR
	 * and VMPTRLD ours again. VMCLEAR also resets its launch state, so
	 * that each run starts with VMLAUNCH on a VMCS written afresh.
	 */
	if (vmx_vmclear(__pa(c->vmcs)) || vmx_vmptrld(__pa(c->vmcs))) {
		r->end = HV_END_NO_VMCS;
		return;
	}
	save_host(&host);
	this_cpu_write(vmwrite_failed, 0);
	if (setup_controls(c)) {
		r->end = HV_END_CONTROLS;
		return;
	}
	setup_host(cpu, &host);
	setup_guest(c);
	if (this_cpu_read(vmwrite_failed)) {
		r->end = HV_END_VMWRITE;
		r->error = this_cpu_read(vmwrite_failed);
		return;
	}
	start = ktime_get_ns();
	run_guest(c, r, n);
	r->ns = ktime_get_ns() - start;
	restore_host(&host);
	if (r->end == HV_END_HLT && r->result != r->expected)
		pr_err("cpu%u: guest result 0x%llx, expected 0x%llx\n", cpu,
		       r->result, r->expected);
	if (c->mce_seen)
		pr_err("cpu%u: machine check in a run: its pages may be poisoned, no more runs here\n",
		       cpu);
}

/* The last field of a status line: how the last run ended */
static int print_end(char *buf, size_t size, const struct hv_result *r)
{
	switch (r->end) {
	case HV_END_NONE:
		return scnprintf(buf, size, "none");
	case HV_END_OFF:
		return scnprintf(buf, size, "off");
	case HV_END_NO_VMCS:
		return scnprintf(buf, size, "no vmcs");
	case HV_END_CONTROLS:
		return scnprintf(buf, size, "controls not allowed");
	case HV_END_VMWRITE:
		return scnprintf(buf, size, "vmwrite failed field 0x%llx",
				 r->error);
	case HV_END_VMFAIL:
		return scnprintf(buf, size, "vmfail error %llu", r->error);
	case HV_END_ENTRY_FAILED:
		return scnprintf(buf, size,
				 "entry failed reason 0x%x qualification 0x%llx",
				 r->reason, r->qualification);
	case HV_END_HLT:
		if (r->result == r->expected)
			return scnprintf(buf, size, "result ok");
		return scnprintf(buf, size, "result bad 0x%llx want 0x%llx",
				 r->result, r->expected);
	case HV_END_EXCEPTION:
		return scnprintf(buf, size, "exception %u",
				 r->intr_info & INTR_INFO_VECTOR_MASK);
	case HV_END_MCE:
		return scnprintf(buf, size, "machine check");
	case HV_END_MCE_ENTRY:
		return scnprintf(buf, size, "machine check during entry");
	case HV_END_MCE_EARLIER:
		return scnprintf(buf, size, "machine check earlier, not run");
	case HV_END_UNEXPECTED:
		return scnprintf(buf, size,
				 "unexpected exit reason %u qualification 0x%llx",
				 r->reason, r->qualification);
	case HV_END_RUNAWAY:
		return scnprintf(buf, size, "runaway");
	}
	return scnprintf(buf, size, "?");
}

static int print_status(char *buf, size_t size, unsigned int cpu)
{
	const struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);
	const struct hv_result *r = &c->last;
	int len;

	len = scnprintf(buf, size,
			"cpu%u runs %u exits %u cpuid %u vmcall %u hlt %u ",
			cpu, c->runs, r->exits, r->cpuid, r->vmcall, r->hlt);
	if (r->nmi)
		len += scnprintf(buf + len, size - len, "nmi %u ", r->nmi);
	if (r->mce)
		len += scnprintf(buf + len, size - len, "mce %u ", r->mce);
	return len + print_end(buf + len, size - len, r);
}

/* Serialises the runs, and the status against them. */
static DEFINE_MUTEX(run_lock);

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	unsigned int cpu;
	char line[160];

	mutex_lock(&run_lock);
	/* the same CPUs for the IPIs and the report; no cpu_down meanwhile */
	cpus_read_lock();
	on_each_cpu(run_this_cpu, NULL, 1);
	for_each_online_cpu(cpu) {
		const struct hv_result *r = &per_cpu_ptr(&hv_cpu, cpu)->last;

		print_status(line, sizeof(line), cpu);
		pr_info("%s\n", line);
		if (r->end == HV_END_EXCEPTION)
			pr_info("cpu%u: exception intr_info 0x%x at guest rip +0x%llx error 0x%x vectoring 0x%x\n",
				cpu, r->intr_info, r->rip, r->error_code, r->vectoring);
	}
	cpus_read_unlock();
	mutex_unlock(&run_lock);
	return count;
}

static const struct file_operations run_fops = {
	.owner	= THIS_MODULE,
	.write	= run_write,
	.llseek	= noop_llseek,
};

static int status_show(struct seq_file *m, void *v)
{
	unsigned int cpu;
	char line[160];

	mutex_lock(&run_lock);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		print_status(line, sizeof(line), cpu);
		seq_printf(m, "%s\n", line);
	}
	cpus_read_unlock();
	mutex_unlock(&run_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/* For make bench: per online CPU, the exits and duration of its last run */
static int times_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	mutex_lock(&run_lock);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		const struct hv_result *r = &per_cpu_ptr(&hv_cpu, cpu)->last;

		seq_printf(m, "cpu%u exits %u ns %llu\n", cpu, r->exits, r->ns);
	}
	cpus_read_unlock();
	mutex_unlock(&run_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(times);

/*
 * cpu_up: make this CPU's VMCS current, as samples/client does; the runs
 * write its fields. Runs on @cpu with interrupts disabled.
 */
static int hv_cpu_up(struct vmxon_client *client, unsigned int cpu)
{
	struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);
	int err;

	WRITE_ONCE(c->loaded, true);
	barrier();	/* loaded before VMPTRLD, for an emergency in between */
	err = vmx_vmclear(__pa(c->vmcs));
	if (!err)
		err = vmx_vmptrld(__pa(c->vmcs));
	if (err) {
		barrier();
		WRITE_ONCE(c->loaded, false);
		pr_err("cpu%u: cpu_up: VMCLEAR/VMPTRLD failed (%d)\n", cpu, err);
	}
	return err;
}

/* cpu_down: VMCLEAR before vmxon's VMXOFF; interrupts are disabled */
static void hv_cpu_down(struct vmxon_client *client, unsigned int cpu)
{
	struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);
	int err;

	err = vmx_vmclear(__pa(c->vmcs));
	if (err) {
		/* maybe still active: hv_free() must not free it */
		pr_err("cpu%u: cpu_down: VMCLEAR failed (%d)\n", cpu, err);
		return;
	}
	barrier();
	WRITE_ONCE(c->loaded, false);
	/* a VMCLEAR that worked: still in VMX operation (reboot.sh) */
	pr_info("cpu%u: cpu_down, VMCS cleared%s\n", cpu,
		vmxon_going_down() ? " (going down)" : "");
}

/* emergency: no lock, no message; goes by @loaded alone */
static void hv_emergency(struct vmxon_client *client, unsigned int cpu)
{
	struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);

	if (READ_ONCE(c->loaded) && !vmx_vmclear(__pa(c->vmcs)))
		WRITE_ONCE(c->loaded, false);
}

static struct vmxon_client hv_client = {
	.name		= KBUILD_MODNAME,
	.owner		= THIS_MODULE,
	.cpu_up		= hv_cpu_up,
	.cpu_down	= hv_cpu_down,
	.emergency	= hv_emergency,
};

static struct dentry *debugfs_dir;

static void free_page_ptr(void *p)
{
	free_page((unsigned long)p);
}

/* The pages; a VMCS that may still be active is leaked, not freed. */
static void hv_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);

		if (c->loaded)
			pr_err("cpu%u: VMCS still active, page leaked\n", cpu);
		else
			free_page_ptr(c->vmcs);
		free_page_ptr(c->pml4);
		free_page_ptr(c->pdpt);
		free_page_ptr(c->pd);
		free_page_ptr(c->pt);
		free_page_ptr(c->guest);
		free_page_ptr(c->msrs);
		memset(c, 0, sizeof(*c));
	}
}

static void *alloc_page_on(unsigned int cpu)
{
	struct page *page = alloc_pages_node(cpu_to_node(cpu),
					     GFP_KERNEL | __GFP_ZERO, 0);

	return page ? page_address(page) : NULL;
}

/*
 * One CPU's pages: the VMCS, and the guest's page with the page tables
 * that map it 1:1 at its physical address (4 levels, 4 KiB pages).
 */
static int hv_alloc(unsigned int cpu, u32 revision)
{
	struct hv_cpu *c = per_cpu_ptr(&hv_cpu, cpu);
	size_t code_size = hv_guest_code_end - hv_guest_code;
	u64 pa;

	c->vmcs = alloc_page_on(cpu);
	c->pml4 = alloc_page_on(cpu);
	c->pdpt = alloc_page_on(cpu);
	c->pd = alloc_page_on(cpu);
	c->pt = alloc_page_on(cpu);
	c->guest = alloc_page_on(cpu);
	c->msrs = alloc_page_on(cpu);
	if (!c->vmcs || !c->pml4 || !c->pdpt || !c->pd || !c->pt || !c->guest ||
	    !c->msrs)
		return -ENOMEM;
	*(u32 *)c->vmcs = revision;
	memcpy(c->guest, hv_guest_code, code_size);
	pa = __pa(c->guest);
	c->pml4[(pa >> 39) & 511] = __pa(c->pdpt) | PTE_P | PTE_RW;
	c->pdpt[(pa >> 30) & 511] = __pa(c->pd) | PTE_P | PTE_RW;
	c->pd[(pa >> 21) & 511] = __pa(c->pt) | PTE_P | PTE_RW;
	c->pt[(pa >> 12) & 511] = pa | PTE_P | PTE_RW;
	return 0;
}

static int __init hv_init(void)
{
	u32 revision = vmxon_vmcs_revision_id();
	unsigned int cpu;
	int err;

	BUILD_BUG_ON(HV_VMCS_HOST_RSP != HOST_RSP);
	BUILD_BUG_ON(X86_PMC_IDX_MAX > HV_MSR_LIST);
#ifdef X86_FEATURE_FRED
	/*
	 * From 6.9, with CONFIG_X86_FRED and fred=on: handle_nmi()'s INT 2
	 * would not reach the NMI handler. KVM's fred_entry_from_kvm() is
	 * GPL-exported up to 6.18 (asm_fred_entry_from_kvm), but as KVM's
	 * entry, being restricted to KVM's modules: not for a sample.
	 */
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err("FRED is enabled: not supported (an NMI exit is passed on with INT 2 through the IDT); boot with fred=off\n");
		return -EOPNOTSUPP;
	}
#endif
	/* the guest's code and its stack share its page */
	if (hv_guest_code_end - hv_guest_code > PAGE_SIZE / 2)
		return -EINVAL;
	/* 0: no CPU was checked, vmxon cannot be enabled */
	if (!revision)
		return -ENODEV;
	for_each_possible_cpu(cpu) {
		err = hv_alloc(cpu, revision);
		if (err) {
			hv_free();
			return err;
		}
	}
	err = vmxon_register(&hv_client);
	if (err) {
		pr_err("vmxon_register failed (%d)\n", err);
		hv_free();
		return err;
	}
	debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, debugfs_dir, NULL, &run_fops);
	debugfs_create_file("status", 0444, debugfs_dir, NULL, &status_fops);
	debugfs_create_file("times", 0444, debugfs_dir, NULL, &times_fops);
	pr_info("registered, VMCS revision 0x%x, %zu bytes of guest code\n",
		revision, (size_t)(hv_guest_code_end - hv_guest_code));
	return 0;
}

static void __exit hv_exit(void)
{
	/* no run may come while the VMCSs go */
	debugfs_remove_recursive(debugfs_dir);
	debugfs_dir = NULL;
	vmxon_unregister(&hv_client);
	hv_free();
	pr_info("unregistered\n");
}

module_init(hv_init);
module_exit(hv_exit);
MODULE_DESCRIPTION("vmxon sample hypervisor: a tiny 64-bit guest on every CPU");
MODULE_LICENSE("GPL");
VMXON_IMPORT_NS();

// SPDX-License-Identifier: GPL-2.0
/*
 * vmxon_client - a sample client of vmxon that keeps one VMCS per CPU
 *
 * It does what a hypervisor built on vmxon must do with the VMCSs it has
 * loaded, and nothing more: it registers a struct vmxon_client, makes its
 * VMCS current on each CPU that enters VMX operation (cpu_up: VMCLEAR,
 * VMPTRLD), and VMCLEARs it before the CPU leaves (cpu_down) or crashes
 * (emergency). It records every callback, so that a test can tell that
 * vmxon called it on every path, on the right CPU, at the right time:
 *
 *   /sys/kernel/debug/vmxon_client/counts  per CPU: how many cpu_up,
 *                                          cpu_down, emergency, refusals
 *                                          and failed VMX instructions
 *   /sys/kernel/debug/vmxon_client/log     the last LOG_SIZE callbacks,
 *                                          "SEQ EVENT CPU", oldest first
 *   /sys/kernel/debug/vmxon_client/check   reading it runs VMPTRST on every
 *                                          online CPU in VMX operation:
 *                                          "cpuN loaded ok" when the
 *                                          client's VMCS is current there,
 *                                          "cpuN unloaded ok" when it is
 *                                          not, else "... bad"
 *
 * The current VMCS is one per CPU, shared by every client of vmxon: after
 * this client's cpu_up, another's may have made its own VMCS current. So a
 * hypervisor built from this sample does, before each sequence of VMX
 * instructions and with interrupts disabled, a VMPTRLD of its VMCS unless
 * VMPTRST shows it current (as KVM's vmx_vcpu_load_vmcs()). The check file
 * assumes this client is the only one that loads a VMCS.
 *
 * The module parameter fail_cpu_up=N (writable at run time) makes cpu_up
 * refuse CPU N with -EIO, to test how vmxon handles a client's refusal.
 *
 * It includes nothing of vmxon but vmx_percpu.h. Build it as any client
 * builds (Makefile): against a kernel tree, with vmxon's Module.symvers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <asm/asm.h>
#include <asm/page.h>

#include "vmx_percpu.h"

/*
 * How many callbacks the debugfs log keeps: a few rounds on a small VM
 * (fewer than one registration on a machine with more CPUs).
 */
#define LOG_SIZE 256

/* A test knob, not part of what a hypervisor needs: drop it when copying. */
static int fail_cpu_up = -1;
module_param(fail_cpu_up, int, 0644);
MODULE_PARM_DESC(fail_cpu_up, "Test: CPU whose cpu_up returns -EIO (-1: none)");

/**
 * struct client_cpu - what the client keeps for one CPU
 * @vmcs: its VMCS, a zeroed page with the revision id in its first u32.
 *	Allocated for every possible CPU at load: cpu_up runs with
 *	interrupts disabled, where it could not allocate.
 * @loaded: the VMCS may be active on this CPU (current, or cached by the
 *	CPU). Set before VMPTRLD and cleared after a VMCLEAR that worked, so
 *	that an emergency that interrupts either one still VMCLEARs it (a
 *	VMCLEAR too many is harmless), and so that a VMCS still active is
 *	never freed.
 * @up: cpu_up calls that loaded the VMCS
 * @down: cpu_down calls
 * @emergency: emergency calls
 * @refused: cpu_up calls refused by fail_cpu_up
 * @failures: VMX instructions that failed, and callbacks that came on the
 *	wrong CPU or with interrupts enabled
 *
 * Only this CPU writes it, in its callbacks (a callback on the wrong CPU
 * only counts a failure); the debugfs files read it.
 */
struct client_cpu {
	void *vmcs;
	bool loaded;
	unsigned int up;
	unsigned int down;
	unsigned int emergency;
	unsigned int refused;
	unsigned int failures;
};

static DEFINE_PER_CPU(struct client_cpu, client_cpu);

/**
 * struct client_check - one CPU's answer to a read of the check file
 * @enabled: vmxon_cpu_is_enabled() on that CPU
 * @loaded: the client's record
 * @current_vmcs: what VMPTRST stored, or -1 when it did not run
 * @err: VMPTRST's error, or 0
 */
struct client_check {
	bool enabled;
	bool loaded;
	u64 current_vmcs;
	int err;
};

static DEFINE_PER_CPU(struct client_check, client_check);

enum client_event {
	EV_CPU_UP,
	EV_CPU_DOWN,
	EV_EMERGENCY,
	EV_REFUSED,
	EV_FAILED,
};

static const char * const event_names[] = {
	[EV_CPU_UP]	= "cpu_up",
	[EV_CPU_DOWN]	= "cpu_down",
	[EV_EMERGENCY]	= "emergency",
	[EV_REFUSED]	= "cpu_up_refused",
	[EV_FAILED]	= "failed",
};

/*
 * The event log: a ring of u64 words (sequence number << 32 | event << 24
 * | CPU) written without a lock, because emergency may run in NMI context
 * and take none. A writer claims a slot with one atomic increment and
 * fills it with one store; a reader skips a slot whose sequence number is
 * not the one it expects (overwritten, or not yet filled).
 */
static u64 event_log[LOG_SIZE];
static atomic_t event_seq = ATOMIC_INIT(0);

static void log_event(enum client_event ev, unsigned int cpu)
{
	u32 seq = atomic_inc_return(&event_seq);

	WRITE_ONCE(event_log[(seq - 1) % LOG_SIZE],
		   (u64)seq << 32 | (u64)ev << 24 | (cpu & 0xffffff));
}

/*
 * Thin wrappers of the VMX instructions, as KVM's vmx_ops.h: a fault
 * (#UD outside VMX operation, #GP) goes to the exception table and comes
 * back as -EFAULT; VMfailInvalid (CF) and VMfailValid (ZF) as -EIO.
 */
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
 * VMPTRST writes *pa. asm goto takes no output operand on every compiler
 * the kernel supports, so the operand is an input and "memory" tells the
 * compiler that the asm writes memory.
 */
static int vmx_vmptrst(u64 *pa)
{
	asm goto("1: vmptrst %[pa]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(*pa) : "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

static u64 vmcs_pa(struct client_cpu *c)
{
	return __pa(c->vmcs);
}

/*
 * vmxon's contract: every callback runs on the CPU it names, with
 * interrupts disabled. A VMX instruction elsewhere would act on the wrong
 * CPU's VMCS pointer, so refuse, and count it: a test must fail.
 */
static bool on_the_right_cpu(struct client_cpu *c, unsigned int cpu,
			     const char *what)
{
	if (cpu == raw_smp_processor_id() && irqs_disabled())
		return true;
	c->failures++;
	pr_err("%s(%u) called on cpu%u, interrupts %s\n", what, cpu,
	       raw_smp_processor_id(), irqs_disabled() ? "off" : "on");
	return false;
}

/**
 * client_cpu_up() - make this CPU's VMCS current
 * @client: this client
 * @cpu: the CPU, which just did VMXON; interrupts are disabled
 *
 * VMCLEAR first: it initialises the VMCS's launch state, and the SDM asks
 * for it before a VMCS's first VMPTRLD.
 *
 * Return: 0, or a negative errno, which makes vmxon take @cpu out of VMX
 * operation again and report it client_refused.
 */
static int client_cpu_up(struct vmxon_client *client, unsigned int cpu)
{
	struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);
	int err;

	if (!on_the_right_cpu(c, cpu, "cpu_up"))
		return -EINVAL;
	if ((int)cpu == READ_ONCE(fail_cpu_up)) {
		c->refused++;
		log_event(EV_REFUSED, cpu);
		pr_info("cpu%u: cpu_up refused (fail_cpu_up)\n", cpu);
		return -EIO;
	}
	if (c->loaded) {
		/* vmxon's contract: one cpu_up, then one cpu_down */
		c->failures++;
		log_event(EV_FAILED, cpu);
		pr_err("cpu%u: cpu_up while the VMCS is loaded\n", cpu);
	}
	WRITE_ONCE(c->loaded, true);
	barrier();	/* loaded before VMPTRLD, for an emergency in between */
	err = vmx_vmclear(vmcs_pa(c));
	if (!err)
		err = vmx_vmptrld(vmcs_pa(c));
	if (err) {
		/*
		 * Cleared (or never active), and not current: a VMPTRLD
		 * that fails leaves the current-VMCS pointer as it was.
		 */
		barrier();
		WRITE_ONCE(c->loaded, false);
		c->failures++;
		log_event(EV_FAILED, cpu);
		pr_err("cpu%u: cpu_up: VMCLEAR/VMPTRLD failed (%d)\n", cpu, err);
		return err;
	}
	c->up++;
	log_event(EV_CPU_UP, cpu);
	/* For the tests, which read the order of events in the kernel log. */
	pr_info("cpu%u: cpu_up, VMCS loaded\n", cpu);
	return 0;
}

/**
 * client_cpu_down() - VMCLEAR this CPU's VMCS before vmxon's VMXOFF
 * @client: this client
 * @cpu: the CPU, still in VMX operation; interrupts are disabled
 *
 * VMCLEAR writes the VMCS's cached state back to memory; after VMXOFF the
 * CPU would lose it. A VMCLEAR that succeeds also proves that @cpu was
 * still in VMX operation (else it faults), which the message says, so that
 * a test can read the order of events from the log of a reboot.
 */
static void client_cpu_down(struct vmxon_client *client, unsigned int cpu)
{
	struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);
	int err;

	if (!on_the_right_cpu(c, cpu, "cpu_down"))
		return;
	c->down++;
	log_event(EV_CPU_DOWN, cpu);
	if (!c->loaded) {
		/* vmxon's contract: cpu_down only after a cpu_up that worked */
		c->failures++;
		log_event(EV_FAILED, cpu);
		pr_err("cpu%u: cpu_down without cpu_up\n", cpu);
	}
	err = vmx_vmclear(vmcs_pa(c));
	if (err) {
		/* Maybe still active: client_free() must not free it. */
		c->failures++;
		log_event(EV_FAILED, cpu);
		pr_err("cpu%u: cpu_down: VMCLEAR failed (%d)\n", cpu, err);
		return;
	}
	barrier();
	WRITE_ONCE(c->loaded, false);
	pr_info("cpu%u: cpu_down, VMCS cleared%s\n", cpu,
		vmxon_going_down() ? " (going down)" : "");
}

/**
 * client_emergency() - VMCLEAR this CPU's VMCS before an emergency VMXOFF
 * @client: this client
 * @cpu: the CPU; NMI context or interrupts disabled
 *
 * Goes by @loaded alone, takes no lock and prints nothing: it may have
 * interrupted this CPU's own cpu_up or cpu_down, or anything else.
 */
static void client_emergency(struct vmxon_client *client, unsigned int cpu)
{
	struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);

	c->emergency++;
	log_event(EV_EMERGENCY, cpu);
	if (!READ_ONCE(c->loaded))
		return;
	if (vmx_vmclear(vmcs_pa(c)))
		c->failures++;
	else
		WRITE_ONCE(c->loaded, false);
}

static struct vmxon_client client = {
	.name		= KBUILD_MODNAME,
	.owner		= THIS_MODULE,
	.cpu_up		= client_cpu_up,
	.cpu_down	= client_cpu_down,
	.emergency	= client_emergency,
};

static int counts_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);

		seq_printf(m, "cpu%u up %u down %u emergency %u refused %u failures %u loaded %d\n",
			   cpu, READ_ONCE(c->up), READ_ONCE(c->down),
			   READ_ONCE(c->emergency), READ_ONCE(c->refused),
			   READ_ONCE(c->failures), READ_ONCE(c->loaded));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counts);

static int log_show(struct seq_file *m, void *v)
{
	u32 last = atomic_read(&event_seq);
	u32 seq = last > LOG_SIZE ? last - LOG_SIZE + 1 : 1;

	for (; seq && seq <= last; seq++) {
		u64 e = READ_ONCE(event_log[(seq - 1) % LOG_SIZE]);
		unsigned int ev = (e >> 24) & 0xff;

		if ((u32)(e >> 32) != seq || ev >= ARRAY_SIZE(event_names))
			continue;
		seq_printf(m, "%u %s %u\n", seq, event_names[ev],
			   (unsigned int)(e & 0xffffff));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(log);

/* Serialises the readers of check: they share client_check. */
static DEFINE_MUTEX(check_lock);

/* on_each_cpu(): on each online CPU, interrupts disabled */
static void check_this_cpu(void *unused)
{
	unsigned int cpu = smp_processor_id();
	struct client_check *r = this_cpu_ptr(&client_check);

	r->enabled = vmxon_cpu_is_enabled(cpu);
	r->loaded = READ_ONCE(this_cpu_ptr(&client_cpu)->loaded);
	r->current_vmcs = -1ULL;
	/* VMPTRST outside VMX operation is #UD: ask only where vmxon holds it */
	r->err = r->enabled ? vmx_vmptrst(&r->current_vmcs) : 0;
}

static int check_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	mutex_lock(&check_lock);
	/* the same CPUs for the IPIs and the report */
	cpus_read_lock();
	on_each_cpu(check_this_cpu, NULL, 1);
	for_each_online_cpu(cpu) {
		struct client_check *r = per_cpu_ptr(&client_check, cpu);
		u64 pa = vmcs_pa(per_cpu_ptr(&client_cpu, cpu));
		/*
		 * Loaded: in VMX operation, and ours is current. Not loaded:
		 * ours is not current (a CPU whose VMXOFF failed stays in VMX
		 * operation after its cpu_down).
		 */
		bool ok = r->loaded ?
			  r->enabled && !r->err && r->current_vmcs == pa :
			  !r->enabled || (!r->err && r->current_vmcs != pa);

		seq_printf(m, "cpu%u %s %s", cpu,
			   r->loaded ? "loaded" : "unloaded", ok ? "ok" : "bad");
		if (!ok)
			seq_printf(m, " (vmx %s, vmptrst %d 0x%llx, vmcs 0x%llx)",
				   r->enabled ? "on" : "off", r->err,
				   r->current_vmcs, pa);
		seq_putc(m, '\n');
	}
	cpus_read_unlock();
	mutex_unlock(&check_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(check);

static struct dentry *debugfs_dir;

/* The VMCS pages; one that may still be active is leaked, not freed. */
static void client_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);

		if (c->loaded)
			pr_err("cpu%u: VMCS still active, page leaked\n", cpu);
		else
			free_page((unsigned long)c->vmcs);
		c->vmcs = NULL;
	}
}

/* One line per CPU that had a callback: what a test reads after unload. */
static void print_totals(const char *when)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);

		if (!c->up && !c->down && !c->emergency && !c->refused &&
		    !c->failures)
			continue;
		pr_info("%s: cpu%u up %u down %u emergency %u refused %u failures %u\n",
			when, cpu, c->up, c->down, c->emergency, c->refused,
			c->failures);
	}
}

static int __init client_init(void)
{
	u32 revision = vmxon_vmcs_revision_id();
	unsigned int cpu;
	int err;

	/* 0: no CPU was checked, vmxon cannot be enabled. */
	if (!revision)
		return -ENODEV;
	for_each_possible_cpu(cpu) {
		struct client_cpu *c = per_cpu_ptr(&client_cpu, cpu);
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			client_free();
			return -ENOMEM;
		}
		c->vmcs = page_address(page);
		*(u32 *)c->vmcs = revision;
	}
	err = vmxon_register(&client);
	if (err) {
		pr_err("vmxon_register failed (%d)\n", err);
		print_totals("register failed");
		client_free();
		return err;
	}
	/* After registering: before it, every CPU would read as unloaded. */
	debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("counts", 0444, debugfs_dir, NULL, &counts_fops);
	debugfs_create_file("log", 0444, debugfs_dir, NULL, &log_fops);
	debugfs_create_file("check", 0444, debugfs_dir, NULL, &check_fops);
	pr_info("registered, VMCS revision 0x%x\n", revision);
	return 0;
}

static void __exit client_exit(void)
{
	/* no reader may run VMPTRST while the VMCSs go */
	debugfs_remove_recursive(debugfs_dir);
	debugfs_dir = NULL;
	vmxon_unregister(&client);
	print_totals("exit");
	client_free();
}

module_init(client_init);
module_exit(client_exit);
MODULE_DESCRIPTION("vmxon sample client: one VMCS per CPU, every callback recorded");
MODULE_LICENSE("GPL");
VMXON_IMPORT_NS();

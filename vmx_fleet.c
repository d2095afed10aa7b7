// SPDX-License-Identifier: GPL-2.0
/*
 * Every online CPU together, and one CPU joining or leaving them.
 *
 * Enabling is all or nothing across the online CPUs: a check round on
 * every CPU, every region allocated (before, and outside, the cross-CPU
 * calls, since allocating may sleep), then a VMXON round; if one CPU
 * fails, the others are turned off again. A CPU that joins CPUs already in
 * VMX operation, by hotplug or resume, must have their capabilities.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"

/* One line per CPU: the reason and the values it was decided on. */
static void vmx_report(const struct vmx_percpu *st, bool failed)
{
	const struct vmx_cpu_regs *r = &st->regs;
	char values[160];

	snprintf(values, sizeof(values),
		 "feature_control 0x%llx, cr0 0x%llx, cr4 0x%llx, bad bits 0x%llx, vmx_basic 0x%llx",
		 r->feature_control, r->cr0, r->cr4, st->verdict.bad_bits,
		 r->caps.msr[VMX_CAP_BASIC]);
	if (failed)
		pr_err("cpu%u: %s (%s)\n", st->cpu,
		       vmx_reason_token(st->reason), values);
	else
		pr_info("cpu%u: %s (%s)\n", st->cpu,
			vmx_reason_token(st->reason), values);
}

static const char * const vmx_phase_names[VMX_PHASE_COUNT] = {
	[VMX_PHASE_CHECK]	= "enable_check_ns",
	[VMX_PHASE_ALLOC]	= "enable_alloc_ns",
	[VMX_PHASE_VMXON]	= "enable_vmxon_ns",
	[VMX_PHASE_VMXOFF]	= "disable_vmxoff_ns",
	[VMX_PHASE_FREE]	= "disable_free_ns",
};

/* The time since *@t is @phase's; the next phase starts now. */
static void vmx_phase_end(const struct vmx_fleet *f, enum vmx_phase phase,
			  u64 *t)
{
	u64 now = ktime_get_ns();

	f->stats->phase_ns[phase] = now - *t;
	*t = now;
}

static void vmx_broadcast(smp_call_func_t fn, const struct vmx_fleet *f)
{
	f->stats->rounds++;
	on_each_cpu(fn, (void *)f, 1);
}

static void vmx_check_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;
	struct vmx_percpu *st = f->state(smp_processor_id());

	/* Still ours (its VMXOFF failed): its CR4.VMXE is not someone else's. */
	if (!st->enabled)
		vmx_percpu_check(st, f->hw);
}

/* Every online CPU passed the check round: VMXON on what it read. */
static void vmx_enable_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;

	vmx_percpu_vmxon(f->state(smp_processor_id()), f->hw);
}

static void vmx_disable_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;
	struct vmx_percpu *st = f->state(smp_processor_id());

	if (st->enabled && vmx_percpu_hardware_disable(st, f->hw))
		atomic_inc(&f->stats->vmxoff_failures);
}

/**
 * vmx_fleet_check() - check every online CPU, and that they all agree
 * @f: the CPUs' states and hardware
 * @only_checking: report every CPU as information, not the failures as
 *	errors
 *
 * Each CPU's VMX capability MSRs must equal the first ready CPU's, which
 * become @f->ref. A CPU still in VMX operation by this module (its VMXOFF
 * failed) is not read again: it keeps its reason.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or the first failing CPU's errno.
 */
int vmx_fleet_check(const struct vmx_fleet *f, bool only_checking)
{
	bool have_ref = false;
	unsigned int cpu;
	int err = 0;

	vmx_broadcast(vmx_check_ipi, f);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		vmx_caps_agree(f->ref, &have_ref, &st->regs.caps, &st->reason);
		if (st->reason == VMX_REASON_OK && !only_checking)
			continue;
		vmx_report(st, !only_checking);
		if (!err)
			err = vmx_reason_errno(st->reason);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_check);

static void vmx_fleet_free_regions(const struct vmx_fleet *f)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		vmx_region_free(f->state(cpu));
}

/**
 * vmx_fleet_disable() - VMXOFF wherever this module did VMXON
 * @f: the CPUs' states and hardware
 *
 * Frees every region but those of CPUs still in VMX operation.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or -EIO when VMXOFF failed (the CPU stays in VMX operation)
 * or faulted (the CPU had left it) on some CPU.
 */
int vmx_fleet_disable(const struct vmx_fleet *f)
{
	unsigned int rounds = f->stats->rounds, cpu;
	u64 start = ktime_get_ns(), t = start;
	int failed, err = 0;

	atomic_set(&f->stats->vmxoff_failures, 0);
	vmx_broadcast(vmx_disable_ipi, f);
	vmx_phase_end(f, VMX_PHASE_VMXOFF, &t);
	failed = atomic_read(&f->stats->vmxoff_failures);
	for_each_possible_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->enabled ||
		    (failed && st->reason == VMX_REASON_VMXOFF_FAILED)) {
			vmx_report(st, true);
			err = -EIO;
		}
	}
	vmx_fleet_free_regions(f);
	vmx_phase_end(f, VMX_PHASE_FREE, &t);
	f->stats->disable_ns = t - start;
	f->stats->disable_rounds = f->stats->rounds - rounds;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_disable);

/**
 * vmx_fleet_enable() - every online CPU into VMX operation, or none
 * @f: the CPUs' states and hardware
 *
 * Checks every CPU, allocates every region, then VMXON on each CPU; if one
 * fails, the others are turned off again and every region is freed.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or the first failing CPU's errno.
 */
int vmx_fleet_enable(const struct vmx_fleet *f)
{
	u64 t = ktime_get_ns();
	unsigned int cpu;
	int err;

	f->stats->phase_ns[VMX_PHASE_ALLOC] = 0;
	f->stats->phase_ns[VMX_PHASE_VMXON] = 0;
	err = vmx_fleet_check(f, false);
	vmx_phase_end(f, VMX_PHASE_CHECK, &t);
	if (err)
		return err;
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (vmx_region_alloc(st)) {
			st->reason = VMX_REASON_NO_MEMORY;
			vmx_report(st, true);
			vmx_fleet_free_regions(f);
			vmx_phase_end(f, VMX_PHASE_ALLOC, &t);
			return -ENOMEM;
		}
	}
	vmx_phase_end(f, VMX_PHASE_ALLOC, &t);
	vmx_broadcast(vmx_enable_ipi, f);
	vmx_phase_end(f, VMX_PHASE_VMXON, &t);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->enabled)
			continue;
		vmx_report(st, true);
		if (!err)
			err = vmx_reason_errno(st->reason);
	}
	if (err)
		vmx_fleet_disable(f);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_enable);

/*
 * Check a CPU that is to join CPUs already in VMX operation: it must be
 * ready, and have their capabilities.
 */
static int vmx_fleet_check_joining(const struct vmx_fleet *f,
				   struct vmx_percpu *st)
{
	bool have_ref = true;

	vmx_percpu_check(st, f->hw);
	vmx_caps_agree(f->ref, &have_ref, &st->regs.caps, &st->reason);
	return vmx_reason_errno(st->reason);
}

/**
 * vmx_fleet_cpu_online() - a CPU comes online: check it, and enable it too
 *	when the others are enabled
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 * @enable: the other online CPUs are in VMX operation
 *
 * With @enable, the CPU must have the others' capabilities (@f->ref).
 * A failure leaves the CPU out of VMX operation, without a region.
 *
 * Context: Process context on @cpu, not migratable, interrupts enabled.
 * Return: 0; without @enable always 0; else the CPU's errno.
 */
int vmx_fleet_cpu_online(const struct vmx_fleet *f, unsigned int cpu,
			 bool enable)
{
	struct vmx_percpu *st = f->state(cpu);
	int err;

	if (st->enabled)
		return 0;
	local_irq_disable();
	if (enable)
		err = vmx_fleet_check_joining(f, st);
	else
		err = vmx_percpu_check(st, f->hw);
	local_irq_enable();
	if (!enable)
		return 0;
	if (!err && vmx_region_alloc(st))
		err = vmx_percpu_fail(st, VMX_REASON_NO_MEMORY);
	if (!err) {
		local_irq_disable();
		err = vmx_percpu_vmxon(st, f->hw);
		local_irq_enable();
	}
	if (err) {
		vmx_report(st, true);
		vmx_region_free(st);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_online);

/**
 * vmx_fleet_cpu_suspend() - VMXOFF on the current CPU, keeping its region
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0, or -EIO when the CPU stays in VMX operation.
 */
int vmx_fleet_cpu_suspend(const struct vmx_fleet *f, unsigned int cpu)
{
	struct vmx_percpu *st = f->state(cpu);

	if (!st->enabled)
		return 0;
	vmx_percpu_hardware_disable(st, f->hw);
	if (!st->enabled)
		return 0;
	vmx_report(st, true);
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_suspend);

/**
 * vmx_fleet_cpu_resume() - VMXON again on the current CPU, after checking
 *	it again (firmware may have reset IA32_FEATURE_CONTROL)
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one, with the region it kept
 *
 * A failure leaves the CPU out of VMX operation, without a region.
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0 or the CPU's errno.
 */
int vmx_fleet_cpu_resume(const struct vmx_fleet *f, unsigned int cpu)
{
	struct vmx_percpu *st = f->state(cpu);
	int err;

	err = vmx_fleet_check_joining(f, st);
	if (!err)
		err = vmx_percpu_vmxon(st, f->hw);
	if (err) {
		vmx_report(st, true);
		vmx_region_free(st);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_resume);

/**
 * vmx_fleet_cpu_offline() - a CPU goes offline: VMXOFF, free its region
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 *
 * Context: Process context on @cpu, not migratable, interrupts enabled.
 * Return: 0, or -EIO when the CPU stays in VMX operation (and keeps its
 * region).
 */
int vmx_fleet_cpu_offline(const struct vmx_fleet *f, unsigned int cpu)
{
	int err;

	local_irq_disable();
	err = vmx_fleet_cpu_suspend(f, cpu);
	local_irq_enable();
	if (!err)
		vmx_region_free(f->state(cpu));
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_offline);

/**
 * vmx_fleet_stats_show() - the fleet's counters, and the memory it holds
 * @f: the CPUs' states and counters
 * @m: the debugfs file
 *
 * Context: Process context, under the lock that serialises @f.
 */
void vmx_fleet_stats_show(const struct vmx_fleet *f, struct seq_file *m)
{
	const struct vmx_fleet_stats *s = f->stats;
	unsigned int cpu, pages = 0;
	int i;

	for_each_possible_cpu(cpu)
		pages += !!f->state(cpu)->region;
	seq_printf(m, "enable_ns %llu\nenable_rounds %u\n", s->enable_ns,
		   s->enable_rounds);
	seq_printf(m, "disable_ns %llu\ndisable_rounds %u\n", s->disable_ns,
		   s->disable_rounds);
	for (i = 0; i < VMX_PHASE_COUNT; i++)
		seq_printf(m, "%s %llu\n", vmx_phase_names[i], s->phase_ns[i]);
	seq_printf(m, "pages %u\nstate_bytes %zu\n", pages,
		   sizeof(struct vmx_percpu));
}

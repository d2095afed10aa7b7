// SPDX-License-Identifier: GPL-2.0
/*
 * vmxon: every CPU into VMX root operation and back.
 *
 * The per-CPU state object mirrors the seed design's VmxPerCpuState
 * (new, is_enabled, hardware_enable, hardware_disable). Where it differs,
 * on purpose:
 * - is_enabled means "this module executed VMXON here", not "CR4.VMXE is
 *   set": VMX owned by someone else is busy, never ours to turn off.
 * - CR4.VMXE is changed only through the kernel's CR4 shadow
 *   (cr4_set_bits/cr4_clear_bits); the seed wrote CR4 behind it.
 * - A failed VMXON clears VMXE again only when the CPU is not in VMX
 *   operation; a failed VMXOFF that leaves it in VMX operation keeps VMXE
 *   and the region (clearing VMXE there is a #GP).
 * - The region is allocated before, and outside, the cross-CPU calls.
 * - Enabling is all-or-nothing across the online CPUs, with rollback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#include <linux/smp.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"

/* --- the per-CPU state object ---------------------------------------- */

/**
 * vmx_percpu_init() - a fresh state for a CPU (the seed's new())
 * @st: the state
 * @cpu: its CPU
 *
 * Context: Any context.
 */
void vmx_percpu_init(struct vmx_percpu *st, unsigned int cpu)
{
	*st = (struct vmx_percpu){ .cpu = cpu, .reason = VMX_REASON_OK };
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_init);

/**
 * vmx_percpu_is_enabled() - did this module put the CPU in VMX operation
 * @st: the CPU's state
 *
 * Context: Any context.
 * Return: true between a successful enable and a successful disable.
 */
bool vmx_percpu_is_enabled(const struct vmx_percpu *st)
{
	return READ_ONCE(st->enabled);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_is_enabled);

/**
 * vmx_percpu_check() - read the CPU's registers and judge them
 * @st: the current CPU's state, not enabled
 * @hw: the hardware
 *
 * Records the values read, the verdict, the revision id and the reason.
 *
 * Context: On @st->cpu, interrupts disabled.
 * Return: 0 when the CPU can enter VMX operation, else the reason's errno.
 */
int vmx_percpu_check(struct vmx_percpu *st, const struct vmx_hw *hw)
{
	hw->read_regs(&st->regs);
	vmx_check_cpu(&st->regs, &st->verdict);
	st->vmcs_revision_id = st->verdict.basic.revision_id;
	st->reason = st->verdict.reason;
	return vmx_reason_errno(st->reason);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_check);

static int vmx_percpu_fail(struct vmx_percpu *st, enum vmx_reason reason)
{
	st->reason = reason;
	return vmx_reason_errno(reason);
}

/*
 * The VMXON half of vmx_percpu_hardware_enable(), for a CPU that passed
 * vmx_percpu_check(): on the values that check read, without reading the
 * MSRs again. Only CR4.VMXE is looked at again: another hypervisor may
 * have taken VMX since the check, if interrupts were enabled in between.
 *
 * Context: On @st->cpu, interrupts disabled.
 */
static int vmx_percpu_vmxon(struct vmx_percpu *st, const struct vmx_hw *hw)
{
	u32 *region;
	int r;

	if (st->enabled)
		return 0;
	if (hw->vmxe_set()) {
		st->regs.cr4 |= VMXCAP_CR4_VMXE;	/* as reported */
		return vmx_percpu_fail(st, VMX_REASON_BUSY);
	}
	if (!st->region)
		return vmx_percpu_fail(st, VMX_REASON_NO_MEMORY);
	region = page_address(st->region);
	if (*region != st->vmcs_revision_id)
		return vmx_percpu_fail(st, VMX_REASON_INCONSISTENT);
	if (st->verdict.feature_control_write &&
	    hw->write_feature_control(st->verdict.feature_control_write))
		return vmx_percpu_fail(st,
				       VMX_REASON_FEATURE_CONTROL_WRITE_FAILED);

	hw->pt_handle_vmx(1);
	hw->cr4_set_vmxe();
	r = hw->vmxon(page_to_phys(st->region));
	if (!r) {
		WRITE_ONCE(st->enabled, true);
		return 0;
	}
	/* VMfailValid: already in (someone else's) VMX operation. */
	if (r != -EBUSY)
		hw->cr4_clear_vmxe();
	hw->pt_handle_vmx(0);
	switch (r) {
	case -EFAULT:
		return vmx_percpu_fail(st, VMX_REASON_VMXON_FAULT);
	case -EBUSY:
		return vmx_percpu_fail(st, VMX_REASON_BUSY);
	default:
		return vmx_percpu_fail(st, VMX_REASON_VMXON_FAILED);
	}
}

/**
 * vmx_percpu_hardware_enable() - check, then VMXON on the current CPU
 * @st: the current CPU's state, with its region allocated
 * @hw: the hardware
 *
 * Busy (VMX on, not ours) touches nothing. Any failure leaves the CPU as it
 * was: CR4.VMXE clear again unless the CPU is in someone else's VMX
 * operation, Intel PT told that VMX operation did not begin.
 *
 * Context: On @st->cpu, interrupts disabled.
 * Return: 0 (also when already enabled), -EOPNOTSUPP, -EBUSY, -ENOMEM or
 * -EIO; @st->reason says why.
 */
int vmx_percpu_hardware_enable(struct vmx_percpu *st, const struct vmx_hw *hw)
{
	int r;

	if (st->enabled)
		return 0;
	r = vmx_percpu_check(st, hw);
	if (r)
		return r;
	return vmx_percpu_vmxon(st, hw);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_hardware_enable);

/**
 * vmx_percpu_hardware_disable() - VMXOFF on the current CPU
 * @st: the current CPU's state
 * @hw: the hardware
 *
 * A CPU this module did not enable is left alone. When VMXOFF faults the
 * CPU was not in VMX operation after all: CR4.VMXE is cleared and the CPU
 * counts as disabled. When VMXOFF fails, the CPU is still in VMX operation:
 * VMXE, the region and the enabled state stay.
 *
 * Context: On @st->cpu, interrupts disabled.
 * Return: 0, or -EIO when the CPU was not enabled or VMXOFF failed.
 */
int vmx_percpu_hardware_disable(struct vmx_percpu *st,
				const struct vmx_hw *hw)
{
	int r;

	if (!st->enabled)
		return -EIO;
	r = hw->vmxoff();
	if (r == -EIO)
		return vmx_percpu_fail(st, VMX_REASON_VMXOFF_FAILED);
	hw->cr4_clear_vmxe();
	hw->pt_handle_vmx(0);
	WRITE_ONCE(st->enabled, false);
	if (r)
		return vmx_percpu_fail(st, VMX_REASON_VMXOFF_FAILED);
	st->reason = VMX_REASON_OK;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_hardware_disable);

/**
 * vmx_percpu_emergency_disable() - VMXOFF on a crash or emergency reboot
 * @st: the current CPU's state
 * @hw: the hardware
 *
 * For the kernel's emergency callback: takes no lock and frees nothing.
 * Tries VMXOFF whether or not @st says enabled, since an NMI can land
 * between a VMXON and the write of @st->enabled; a CPU not in VMX
 * operation faults harmlessly. CR4.VMXE is cleared unless VMXOFF failed,
 * which leaves the CPU in VMX operation.
 *
 * Context: On @st->cpu, NMI or interrupts disabled.
 */
void vmx_percpu_emergency_disable(struct vmx_percpu *st,
				  const struct vmx_hw *hw)
{
	if (hw->vmxoff() == -EIO)
		return;
	hw->cr4_clear_vmxe();
	WRITE_ONCE(st->enabled, false);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_emergency_disable);

/* --- every CPU ---------------------------------------------------------- */

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

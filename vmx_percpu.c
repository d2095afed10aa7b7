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

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/kobject.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#include <linux/smp.h>
#include <asm/reboot.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"
#include "vmx_percpu.h"

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

/* --- the module's state ------------------------------------------------- */

static DEFINE_PER_CPU(struct vmx_percpu, vmx_state);
static struct vmx_caps vmx_ref_caps;
static struct vmx_fleet_stats vmx_stats;

/*
 * Serialises enabling, disabling, the client references and the emergency
 * slot. Taken inside the CPU hotplug lock: the hotplug callbacks take it.
 */
static DEFINE_MUTEX(vmx_lock);
/* Every online CPU is in VMX operation, by vmx_fleet_enable(). */
static bool vmx_enabled;
/* A reboot began: nothing may enable VMX any more. */
static bool vmx_stopped;
static unsigned int vmx_users;
/* This module's callback is the kernel's emergency VMXOFF. */
static bool vmx_slot_held;
/* kvm_intel is loading or loaded (as far as the module notifier saw). */
static bool vmx_kvm_seen;
/* Scratch, under vmx_lock. */
static struct cpumask vmx_mask;

/**
 * vmx_state_of() - a CPU's state
 * @cpu: the CPU, below nr_cpu_ids
 *
 * Context: Any context.
 * Return: the state.
 */
struct vmx_percpu *vmx_state_of(unsigned int cpu)
{
	return per_cpu_ptr(&vmx_state, cpu);
}

static const struct vmx_fleet vmx_fleet = {
	.hw = VMX_HW,
	.state = vmx_state_of,
	.ref = &vmx_ref_caps,
	.stats = &vmx_stats,
};

static bool vmx_any_enabled(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (vmx_percpu_is_enabled(vmx_state_of(cpu)))
			return true;
	return false;
}

/* CPUs this module holds in VMX operation, into @mask. */
static bool vmx_cpus_enabled(struct cpumask *mask)
{
	unsigned int cpu;

	cpumask_clear(mask);
	for_each_possible_cpu(cpu)
		if (vmx_percpu_is_enabled(vmx_state_of(cpu)))
			cpumask_set_cpu(cpu, mask);
	return !cpumask_empty(mask);
}

/**
 * vmxon_emergency_disable() - the kernel's emergency VMXOFF, on this CPU
 *
 * Context: NMI or interrupts disabled, on a crash or emergency reboot.
 */
void vmxon_emergency_disable(void)
{
	vmx_percpu_emergency_disable(this_cpu_ptr(&vmx_state), &vmx_hw_real);
}

/**
 * vmx_kvm_intel_loaded() - is kvm_intel loaded, or built in
 *
 * Every module's kobject is in the kset of ours (/sys/module).
 *
 * Context: Process context.
 * Return: true when /sys/module/kvm_intel exists.
 */
static bool vmx_kvm_intel_loaded(void)
{
	struct kobject *kobj;

	kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, "kvm_intel");
	if (!kobj)
		return false;
	kobject_put(kobj);
	return true;
}

/*
 * The emergency slot has one owner, and registering a second callback
 * WARNs. kvm_intel takes it at load on 6.1 (and while it has VMX on, from
 * 6.3); its callback turns off any CPU with CR4.VMXE, ours included. So
 * vmxon takes the slot only while it holds VMX and kvm_intel is absent,
 * and refuses kvm_intel while it holds VMX (vmxon_kvm_coming()).
 */
static void vmx_emergency_take(bool kvm_gone)
{
	if (vmx_slot_held)
		return;
	/* A going kvm_intel has released the slot, though not its kobject. */
	if (!kvm_gone && (vmx_kvm_seen || vmx_kvm_intel_loaded()))
		return;
	cpu_emergency_register_virt_callback(vmxon_emergency_disable);
	vmx_slot_held = true;
}

static void vmx_emergency_release(void)
{
	if (!vmx_slot_held)
		return;
	cpu_emergency_unregister_virt_callback(vmxon_emergency_disable);
	vmx_slot_held = false;
}

static void vmx_explain_busy(void)
{
	pr_err("VMX is in use by another hypervisor%s: unload it first (KVM: rmmod kvm_intel; from 6.12 KVM takes VMX at load unless kvm.enable_virt_at_load=0)\n",
	       vmx_kvm_intel_loaded() ? " (kvm_intel is loaded)" : "");
}

static int vmx_set_enabled_locked(bool on)
{
	unsigned int rounds;
	u64 start;
	int err;

	lockdep_assert_held(&vmx_lock);
	if (on) {
		if (vmx_enabled)
			return 0;
		if (vmx_stopped)
			return -ESHUTDOWN;
		rounds = vmx_stats.rounds;
		start = ktime_get_ns();
		vmx_emergency_take(false);
		err = vmx_fleet_enable(&vmx_fleet);
		vmx_stats.enable_ns = ktime_get_ns() - start;
		vmx_stats.enable_rounds = vmx_stats.rounds - rounds;
		if (err == -EBUSY)
			vmx_explain_busy();
		vmx_enabled = !err;
	} else {
		if (vmx_users)
			return -EBUSY;
		err = vmx_fleet_disable(&vmx_fleet);
		vmx_enabled = false;
	}
	if (!vmx_any_enabled())
		vmx_emergency_release();
	return err;
}

/**
 * vmxon_set_enabled() - enable every online CPU, or disable every CPU
 * @on: the wanted state
 *
 * Context: Process context; takes the CPU hotplug lock and vmx_lock.
 * Return: 0; the first failing CPU's errno; -EBUSY to disable while a
 * client holds a reference; -ESHUTDOWN to enable once a reboot began.
 */
int vmxon_set_enabled(bool on)
{
	int err;

	cpus_read_lock();
	mutex_lock(&vmx_lock);
	err = vmx_set_enabled_locked(on);
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
	return err;
}

/**
 * vmxon_stats_show() - the last enabling and disabling, for benchmarks
 * @m: the debugfs file
 * @unused: unused
 *
 * Context: Process context; takes vmx_lock.
 * Return: 0.
 */
int vmxon_stats_show(struct seq_file *m, void *unused)
{
	mutex_lock(&vmx_lock);
	vmx_fleet_stats_show(&vmx_fleet, m);
	mutex_unlock(&vmx_lock);
	return 0;
}

/**
 * vmxon_is_enabled() - are all online CPUs in VMX operation, by this module
 *
 * Context: Any context.
 * Return: the state last set by vmxon_set_enabled().
 */
bool vmxon_is_enabled(void)
{
	return READ_ONCE(vmx_enabled);
}

/**
 * vmxon_init_state() - every CPU's state, fresh
 *
 * Context: Module init, before anything can reach the states.
 */
void vmxon_init_state(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		vmx_percpu_init(vmx_state_of(cpu), cpu);
}

/**
 * vmxon_check_all() - check every online CPU and report each (enable=0)
 *
 * Context: Process context; takes the CPU hotplug lock and vmx_lock.
 */
void vmxon_check_all(void)
{
	cpus_read_lock();
	mutex_lock(&vmx_lock);
	vmx_fleet_check(&vmx_fleet, true);
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
}

/**
 * vmxon_cpu_online() - hotplug: a CPU came online
 * @cpu: the CPU, which is the current one
 *
 * Checks the CPU, and while vmxon is enabled puts it in VMX operation or
 * refuses it.
 *
 * Context: The CPU's hotplug thread; takes vmx_lock.
 * Return: 0, or the CPU's errno: the CPU stays offline.
 */
int vmxon_cpu_online(unsigned int cpu)
{
	bool enable;
	int err;

	mutex_lock(&vmx_lock);
	enable = vmx_enabled;
	err = vmx_fleet_cpu_online(&vmx_fleet, cpu, enable);
	mutex_unlock(&vmx_lock);
	if (err)
		pr_err("cpu%u: refused online: %s, and vmxon holds VMX on every other CPU (write 0 to /sys/kernel/vmxon/enabled to online it without VMX)\n",
		       cpu, vmx_reason_token(vmx_state_of(cpu)->reason));
	else if (enable)
		pr_info("cpu%u: online, VMX on\n", cpu);
	return err;
}

/**
 * vmxon_cpu_offline() - hotplug: a CPU goes offline
 * @cpu: the CPU, which is the current one
 *
 * Context: The CPU's hotplug thread; takes vmx_lock.
 * Return: 0, or -EIO when VMXOFF failed and the CPU stays in VMX operation.
 */
int vmxon_cpu_offline(unsigned int cpu)
{
	bool was_on;
	int err;

	mutex_lock(&vmx_lock);
	was_on = vmx_percpu_is_enabled(vmx_state_of(cpu));
	err = vmx_fleet_cpu_offline(&vmx_fleet, cpu);
	mutex_unlock(&vmx_lock);
	if (err)
		pr_err("cpu%u: VMXOFF failed, the CPU stays online\n", cpu);
	else if (was_on)
		pr_info("cpu%u: going offline, VMX off\n", cpu);
	return err;
}

/**
 * vmxon_stop() - reboot or kexec: VMXOFF everywhere, and never again VMXON
 *
 * VMX operation blocks INIT, and a kexec'd kernel must not start in it.
 * Client references do not hold a reboot back.
 *
 * Context: Process context (a reboot notifier); takes the CPU hotplug lock
 * and vmx_lock.
 */
void vmxon_stop(void)
{
	cpus_read_lock();
	mutex_lock(&vmx_lock);
	vmx_stopped = true;
	vmx_cpus_enabled(&vmx_mask);
	vmx_enabled = false;
	vmx_fleet_disable(&vmx_fleet);
	if (vmx_any_enabled()) {
		vmx_cpus_enabled(&vmx_mask);
		pr_err("reboot: CPUs %*pbl stay in VMX operation; no more enabling\n",
		       cpumask_pr_args(&vmx_mask));
	} else if (!cpumask_empty(&vmx_mask)) {
		pr_info("reboot: VMX off on CPUs %*pbl; no more enabling\n",
			cpumask_pr_args(&vmx_mask));
		vmx_emergency_release();
	} else {
		pr_info("reboot: no CPU in VMX operation; no more enabling\n");
	}
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(vmxon_stop);

/**
 * vmxon_suspend() - system suspend: VMXOFF on the last CPU running
 *
 * The other CPUs went offline before, through vmxon_cpu_offline().
 *
 * Context: syscore suspend: the boot CPU alone, interrupts disabled.
 * Return: 0, or -EIO to abort the suspend.
 */
int vmxon_suspend(void)
{
	unsigned int cpu = smp_processor_id();
	bool was_on = vmx_percpu_is_enabled(vmx_state_of(cpu));
	int err;

	err = vmx_fleet_cpu_suspend(&vmx_fleet, cpu);
	if (err)
		pr_err("suspend: cpu%u: VMXOFF failed, suspend aborted\n", cpu);
	else if (was_on)
		pr_info("suspend: cpu%u: VMX off\n", cpu);
	return err;
}

/**
 * vmxon_resume() - system resume: VMXON again where it was before
 *
 * The CPU is checked again first. If it cannot come back, vmxon is
 * disabled, so that the CPUs brought online next stay off too: never half
 * on. vmx_lock is not taken: nothing else runs.
 *
 * Context: syscore resume: the boot CPU alone, interrupts disabled.
 */
void vmxon_resume(void)
{
	unsigned int cpu = smp_processor_id();

	if (!vmx_enabled)
		return;
	vmx_fault_resume(cpu);
	if (vmx_fleet_cpu_resume(&vmx_fleet, cpu)) {
		WRITE_ONCE(vmx_enabled, false);
		pr_err("resume: cpu%u: VMX stays off (%s); vmxon is disabled, write 1 to /sys/kernel/vmxon/enabled to retry\n",
		       cpu, vmx_reason_token(vmx_state_of(cpu)->reason));
		return;
	}
	pr_info("resume: cpu%u: VMX on\n", cpu);
}

/**
 * vmxon_kvm_coming() - kvm_intel is about to initialise
 *
 * Refused while vmxon holds VMX: kvm_intel could not use VMX, and taking
 * the emergency slot from us would WARN.
 *
 * Context: Process context (module notifier); takes vmx_lock.
 * Return: 0, or -EBUSY to refuse kvm_intel.
 */
int vmxon_kvm_coming(void)
{
	int err = 0;

	mutex_lock(&vmx_lock);
	if (vmx_cpus_enabled(&vmx_mask)) {
		pr_err("refusing kvm_intel: vmxon holds VMX on CPUs %*pbl; write 0 to /sys/kernel/vmxon/enabled or rmmod vmxon first\n",
		       cpumask_pr_args(&vmx_mask));
		err = -EBUSY;
	} else {
		vmx_kvm_seen = true;
	}
	mutex_unlock(&vmx_lock);
	return err;
}

/**
 * vmxon_kvm_going() - kvm_intel is gone (it released the emergency slot)
 *
 * Context: Process context (module notifier); takes vmx_lock.
 */
void vmxon_kvm_going(void)
{
	mutex_lock(&vmx_lock);
	vmx_kvm_seen = false;
	if (vmx_any_enabled())
		vmx_emergency_take(true);
	mutex_unlock(&vmx_lock);
}

/* --- the API for client modules ---------------------------------------- */

/**
 * vmxon_get() - keep VMX on and this module loaded
 *
 * Context: Process context; may sleep.
 * Return: 0 with a reference taken; -ENODEV when VMX is not on.
 */
int vmxon_get(void)
{
	int err = 0;

	mutex_lock(&vmx_lock);
	if (!vmx_enabled || !try_module_get(THIS_MODULE))
		err = -ENODEV;
	else
		vmx_users++;
	mutex_unlock(&vmx_lock);
	return err;
}
EXPORT_SYMBOL_NS_GPL(vmxon_get, VMXON_NS);

/**
 * vmxon_put() - drop a reference taken by vmxon_get()
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL when no reference is held.
 */
int vmxon_put(void)
{
	int err = 0;

	mutex_lock(&vmx_lock);
	if (!vmx_users) {
		err = -EINVAL;
	} else {
		vmx_users--;
		module_put(THIS_MODULE);
	}
	mutex_unlock(&vmx_lock);
	if (err)
		pr_warn("%s() without vmxon_get() from %pS\n", __func__,
			__builtin_return_address(0));
	return err;
}
EXPORT_SYMBOL_NS_GPL(vmxon_put, VMXON_NS);

/**
 * vmxon_vmcs_revision_id() - the VMCS revision id every VMCS must carry
 *
 * Context: Any context.
 * Return: the revision id of the CPUs, or 0 when none was checked.
 */
u32 vmxon_vmcs_revision_id(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		u32 id = READ_ONCE(per_cpu_ptr(&vmx_state, cpu)->vmcs_revision_id);

		if (id)
			return id;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(vmxon_vmcs_revision_id, VMXON_NS);

/**
 * vmxon_cpu_is_enabled() - is a CPU in VMX operation, by this module
 * @cpu: the CPU
 *
 * Context: Any context.
 * Return: true when this module executed VMXON on @cpu and not yet VMXOFF.
 */
bool vmxon_cpu_is_enabled(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return false;
	return vmx_percpu_is_enabled(per_cpu_ptr(&vmx_state, cpu));
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_is_enabled, VMXON_NS);

/**
 * vmxon_cpu_reason() - why a CPU is, or is not, in VMX operation
 * @cpu: the CPU
 *
 * Context: Any context.
 * Return: the reason from the CPU's last check, enable or disable.
 */
enum vmx_reason vmxon_cpu_reason(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return VMX_REASON_COUNT;
	return READ_ONCE(per_cpu_ptr(&vmx_state, cpu)->reason);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_reason, VMXON_NS);

/* The per-CPU operations need the CPU itself, with interrupts off. */
static struct vmx_percpu *vmx_client_state(unsigned int cpu)
{
	if (!irqs_disabled() || cpu != smp_processor_id())
		return NULL;
	return this_cpu_ptr(&vmx_state);
}

/**
 * vmxon_cpu_enable() - VMXON on the current CPU (the seed's hardware_enable)
 * @cpu: the current CPU, as the caller believes it to be
 *
 * For clients that turned a CPU off with vmxon_cpu_disable(): the CPU
 * keeps its region while vmxon is enabled.
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0; -EPERM from the wrong CPU or with interrupts enabled; -ENODEV
 * when vmxon is not enabled; otherwise as vmx_percpu_hardware_enable().
 */
int vmxon_cpu_enable(unsigned int cpu)
{
	struct vmx_percpu *st = vmx_client_state(cpu);

	if (!st)
		return -EPERM;
	if (!READ_ONCE(vmx_enabled))
		return -ENODEV;
	return vmx_percpu_hardware_enable(st, VMX_HW);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_enable, VMXON_NS);

/**
 * vmxon_cpu_disable() - VMXOFF on the current CPU (the seed's hardware_disable)
 * @cpu: the current CPU, as the caller believes it to be
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0; -EPERM from the wrong CPU or with interrupts enabled; -EIO
 * when this module did not enable @cpu or VMXOFF failed.
 */
int vmxon_cpu_disable(unsigned int cpu)
{
	struct vmx_percpu *st = vmx_client_state(cpu);

	if (!st)
		return -EPERM;
	return vmx_percpu_hardware_disable(st, VMX_HW);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_disable, VMXON_NS);

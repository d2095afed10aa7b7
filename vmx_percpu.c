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
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/smp.h>
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
	u32 *region;
	int r;

	if (st->enabled)
		return 0;
	r = vmx_percpu_check(st, hw);
	if (r)
		return r;
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

/* --- every CPU ---------------------------------------------------------- */

static DEFINE_PER_CPU(struct vmx_percpu, vmx_state);

/* Serialises enabling, disabling and the client references. */
static DEFINE_MUTEX(vmx_lock);
/* Every online CPU is in VMX operation, by vmx_fleet_enable(). */
static bool vmx_enabled;
static unsigned int vmx_users;

static bool enable = true;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Enable VMX on every CPU at load (default Y); N only checks and reports");

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

static void vmx_check_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;

	vmx_percpu_check(f->state(smp_processor_id()), f->hw);
}

static void vmx_enable_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;

	vmx_percpu_hardware_enable(f->state(smp_processor_id()), f->hw);
}

static void vmx_disable_ipi(void *fleet)
{
	const struct vmx_fleet *f = fleet;

	vmx_percpu_hardware_disable(f->state(smp_processor_id()), f->hw);
}

/**
 * vmx_fleet_check() - check every online CPU, and that they all agree
 * @f: the CPUs' states and hardware
 * @only_checking: report every CPU as information, not the failures as
 *	errors
 *
 * Each CPU's VMX capability MSRs must equal the first ready CPU's.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or the first failing CPU's errno.
 */
int vmx_fleet_check(const struct vmx_fleet *f, bool only_checking)
{
	const struct vmx_percpu *ref = NULL;
	unsigned int cpu;
	int err = 0;

	on_each_cpu(vmx_check_ipi, (void *)f, 1);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->reason == VMX_REASON_OK) {
			if (!ref)
				ref = st;
			else if (vmx_caps_first_difference(&ref->regs.caps,
							   &st->regs.caps) >= 0)
				st->reason = VMX_REASON_INCONSISTENT;
		}
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
 * Return: 0, or -EIO when a CPU stays in VMX operation.
 */
int vmx_fleet_disable(const struct vmx_fleet *f)
{
	unsigned int cpu;
	int err = 0;

	on_each_cpu(vmx_disable_ipi, (void *)f, 1);
	for_each_possible_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->enabled) {
			vmx_report(st, true);
			err = -EIO;
		}
	}
	vmx_fleet_free_regions(f);
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
	unsigned int cpu;
	int err;

	err = vmx_fleet_check(f, false);
	if (err)
		return err;
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (vmx_region_alloc(st)) {
			st->reason = VMX_REASON_NO_MEMORY;
			vmx_report(st, true);
			vmx_fleet_free_regions(f);
			return -ENOMEM;
		}
	}
	on_each_cpu(vmx_enable_ipi, (void *)f, 1);
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

static const struct vmx_fleet vmx_fleet = {
	.hw = &vmx_hw_real,
	.state = vmx_state_of,
};

/**
 * vmxon_set_enabled() - enable every online CPU, or disable every CPU
 * @on: the wanted state
 *
 * Context: Process context; takes vmx_lock and the CPU hotplug lock.
 * Return: 0; the first failing CPU's errno; -EBUSY to disable while a
 * client holds a reference.
 */
int vmxon_set_enabled(bool on)
{
	int err;

	mutex_lock(&vmx_lock);
	cpus_read_lock();
	if (on) {
		err = vmx_enabled ? 0 : vmx_fleet_enable(&vmx_fleet);
		vmx_enabled = !err;
	} else if (vmx_users) {
		err = -EBUSY;
	} else {
		err = vmx_fleet_disable(&vmx_fleet);
		vmx_enabled = false;
	}
	cpus_read_unlock();
	mutex_unlock(&vmx_lock);
	return err;
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
EXPORT_SYMBOL_NS_GPL(vmxon_get, VMXON);

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
EXPORT_SYMBOL_NS_GPL(vmxon_put, VMXON);

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
EXPORT_SYMBOL_NS_GPL(vmxon_vmcs_revision_id, VMXON);

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
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_is_enabled, VMXON);

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
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_reason, VMXON);

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
	return vmx_percpu_hardware_enable(st, &vmx_hw_real);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_enable, VMXON);

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
	return vmx_percpu_hardware_disable(st, &vmx_hw_real);
}
EXPORT_SYMBOL_NS_GPL(vmxon_cpu_disable, VMXON);

/* --- the module ----------------------------------------------------------- */

static int __init vmxon_init(void)
{
	unsigned int cpu;
	int err;

	for_each_possible_cpu(cpu)
		vmx_percpu_init(per_cpu_ptr(&vmx_state, cpu), cpu);

	if (enable) {
		err = vmxon_set_enabled(true);
		if (err)
			return err;
	} else {
		cpus_read_lock();
		vmx_fleet_check(&vmx_fleet, true);
		cpus_read_unlock();
	}
	err = vmx_sysfs_init();
	if (err) {
		vmxon_set_enabled(false);
		return err;
	}
	pr_info("%s, %u CPUs\n", enable ? "VMX root on every CPU" : "checked only (enable=0)",
		num_online_cpus());
	return 0;
}

static void __exit vmxon_exit(void)
{
	vmx_sysfs_exit();
	vmxon_set_enabled(false);
}

module_init(vmxon_init);
module_exit(vmxon_exit);

MODULE_DESCRIPTION("Put every CPU in VMX root operation and report why not");
MODULE_LICENSE("GPL");

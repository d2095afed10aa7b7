// SPDX-License-Identifier: GPL-2.0
/*
 * One CPU's VMX state object: init, is_enabled, hardware_enable and
 * hardware_disable, and the emergency VMXOFF of a crash.
 * - is_enabled means "this module executed VMXON here", not "CR4.VMXE is
 *   set": VMX owned by someone else is busy, never ours to turn off.
 * - CR4.VMXE is changed only through the kernel's CR4 shadow
 *   (cr4_set_bits/cr4_clear_bits): the kernel writes CR4 from its shadow,
 *   and would clear a VMXE set behind it (a #GP in VMX operation).
 * - A failed VMXON clears VMXE again only when the CPU is not in VMX
 *   operation; a failed VMXOFF that leaves it in VMX operation keeps VMXE
 *   and the region (clearing VMXE there is a #GP).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"

/**
 * vmx_percpu_init() - a fresh state for a CPU
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

/**
 * vmx_percpu_fail() - record why the CPU is not in VMX operation
 * @st: the CPU's state
 * @reason: why
 *
 * Context: On @st->cpu, or while nothing else can reach @st.
 * Return: the reason's errno.
 */
int vmx_percpu_fail(struct vmx_percpu *st, enum vmx_reason reason)
{
	st->reason = reason;
	return vmx_reason_errno(reason);
}

/**
 * vmx_percpu_vmxon() - VMXON on a CPU that passed vmx_percpu_check()
 * @st: the current CPU's state, with its region allocated
 * @hw: the hardware
 *
 * The VMXON half of vmx_percpu_hardware_enable(): on the values that check
 * read, without reading the MSRs again. Only CR4.VMXE is looked at again:
 * another hypervisor may have taken VMX since the check, if interrupts
 * were enabled in between.
 *
 * Context: On @st->cpu, interrupts disabled.
 * Return: as vmx_percpu_hardware_enable().
 */
int vmx_percpu_vmxon(struct vmx_percpu *st, const struct vmx_hw *hw)
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
	WRITE_ONCE(st->clients_up, false);
	WRITE_ONCE(st->enabled, false);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_emergency_disable);

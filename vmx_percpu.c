// SPDX-License-Identifier: GPL-2.0
/*
 * One CPU's VMX state object: init, is_enabled, hardware_enable and
 * hardware_disable, and the emergency VMXOFF of a crash.
 * - is_enabled means "this module executed VMXON here", not "CR4.VMXE is
 *   set": VMX owned by someone else is busy, never ours to turn off.
 * - CR4.VMXE is changed only through the kernel's CR4 shadow
 *   (cr4_set_bits/cr4_clear_bits): the kernel writes CR4 from its shadow,
 *   and would clear a VMXE set behind it (a #GP in VMX operation).
 * - A failed VMXON clears VMXE again: VMXE was clear, with interrupts
 *   off, just before, so the CPU was in nobody's VMX operation. A failed
 *   VMXOFF that leaves it in VMX operation keeps VMXE and the region
 *   (clearing VMXE there is a #GP).
 * - Intel PT hears that VMX operation ends only when it did: never while
 *   the CPU stays in VMX operation (a VMXOFF that failed).
 * - Sysfs and clients read @reason, @vmcs_revision_id, @feature_control
 *   and @enabled without a lock: they are written with WRITE_ONCE.
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
	WRITE_ONCE(st->feature_control, st->regs.feature_control);
	WRITE_ONCE(st->vmcs_revision_id, st->verdict.basic.revision_id);
	WRITE_ONCE(st->reason, st->verdict.reason);
	return vmx_reason_errno(st->verdict.reason);
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
	WRITE_ONCE(st->reason, reason);
	return vmx_reason_errno(reason);
}

/*
 * Write IA32_FEATURE_CONTROL as the check decided, and read it back: the
 * write must have locked it with VMXON allowed. Sysfs shows what was read
 * back (0 when that faulted), or the value before when the write faulted.
 */
static int vmx_percpu_lock_feature_control(struct vmx_percpu *st,
					   const struct vmx_hw *hw)
{
	u64 val, write;

	if (hw->write_feature_control(st->verdict.feature_control_write))
		return vmx_percpu_fail(st,
				       VMX_REASON_FEATURE_CONTROL_WRITE_FAILED);
	if (hw->read_feature_control(&val))
		val = 0;
	WRITE_ONCE(st->feature_control, val);
	if (vmx_check_feature_control(val, st->regs.kernel_fc,
				      st->regs.kernel_vmx, &write) !=
	    VMX_REASON_OK || write)
		return vmx_percpu_fail(st,
				       VMX_REASON_FEATURE_CONTROL_WRITE_FAILED);
	return 0;
}

/**
 * vmx_percpu_vmxon() - VMXON on a CPU that passed vmx_percpu_check()
 * @st: the current CPU's state, with its region allocated
 * @hw: the hardware
 *
 * The VMXON half of vmx_percpu_hardware_enable(): on the values that check
 * read, without reading the MSRs again. Only CR4.VMXE is looked at again:
 * another hypervisor may have taken VMX since the check, if interrupts
 * were enabled in between. From that look to VMXON interrupts stay off, and
 * nobody can enter VMX operation without setting VMXE first: a VMXON that
 * fails (VMfail, or a fault) failed outside VMX operation, so CR4.VMXE is
 * cleared again and Intel PT told that VMX operation did not begin.
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
	if (st->verdict.feature_control_write) {
		r = vmx_percpu_lock_feature_control(st, hw);
		if (r)
			return r;
	}

	hw->pt_handle_vmx(1);
	hw->cr4_set_vmxe();
	r = hw->vmxon(page_to_phys(st->region));
	if (!r) {
		WRITE_ONCE(st->enabled, true);
		return 0;
	}
	hw->cr4_clear_vmxe();
	hw->pt_handle_vmx(0);
	return vmx_percpu_fail(st, r == -EFAULT ? VMX_REASON_VMXON_FAULT :
						 VMX_REASON_VMXON_FAILED);
}

/**
 * vmx_percpu_hardware_enable() - check, then VMXON on the current CPU
 * @st: the current CPU's state, with its region allocated
 * @hw: the hardware
 *
 * Busy (VMX on, not ours) touches nothing. Any other failure leaves the CPU
 * as it was: CR4.VMXE clear again, Intel PT told that VMX operation did not
 * begin.
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
	WRITE_ONCE(st->reason, VMX_REASON_OK);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_hardware_disable);

/**
 * vmx_percpu_emergency_disable() - VMXOFF on a crash or emergency reboot
 * @st: the current CPU's state
 * @hw: the hardware
 *
 * For the kernel's emergency callback: takes no lock and frees nothing.
 * Looks at CR4.VMXE, as KVM does, not at @st->enabled: an NMI can land
 * between a VMXON and the write of @st->enabled. VMXE clear: not in VMX
 * operation, nothing to do. VMXE set: VMXOFF, which faults harmlessly when
 * the NMI landed between setting VMXE and VMXON. CR4.VMXE is cleared
 * unless VMXOFF failed, which leaves the CPU in VMX operation.
 *
 * Context: On @st->cpu, NMI or interrupts disabled.
 */
void vmx_percpu_emergency_disable(struct vmx_percpu *st,
				  const struct vmx_hw *hw)
{
	if (!hw->vmxe_set() || hw->vmxoff() == -EIO)
		return;
	hw->cr4_clear_vmxe();
	WRITE_ONCE(st->clients_up, false);
	WRITE_ONCE(st->enabled, false);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_percpu_emergency_disable);

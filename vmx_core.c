// SPDX-License-Identifier: GPL-2.0
/*
 * The module's one fleet, every CPU over the real hardware, and the policy
 * around it: one lock for enabling, disabling and the client references;
 * what CPU hotplug, suspend and resume, reboot and kvm_intel may do while
 * vmxon holds VMX; the kernel's emergency VMXOFF slot; and the client
 * references of the API (vmx_percpu.h), which need the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/kobject.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/reboot.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"
#include "vmx_percpu.h"

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
 * vmx_core_state() - a CPU's state
 * @cpu: the CPU, below nr_cpu_ids
 *
 * Context: Any context.
 * Return: the state.
 */
struct vmx_percpu *vmx_core_state(unsigned int cpu)
{
	return per_cpu_ptr(&vmx_state, cpu);
}

static const struct vmx_fleet vmx_fleet = {
	.hw = VMX_HW,
	.state = vmx_core_state,
	.ref = &vmx_ref_caps,
	.stats = &vmx_stats,
};

static bool vmx_any_enabled(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (vmx_percpu_is_enabled(vmx_core_state(cpu)))
			return true;
	return false;
}

/* CPUs this module holds in VMX operation, into @mask. */
static bool vmx_cpus_enabled(struct cpumask *mask)
{
	unsigned int cpu;

	cpumask_clear(mask);
	for_each_possible_cpu(cpu)
		if (vmx_percpu_is_enabled(vmx_core_state(cpu)))
			cpumask_set_cpu(cpu, mask);
	return !cpumask_empty(mask);
}

/**
 * vmx_emergency_disable() - the kernel's emergency VMXOFF, on this CPU
 *
 * Context: NMI or interrupts disabled, on a crash or emergency reboot.
 */
static void vmx_emergency_disable(void)
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
 * and refuses kvm_intel while it holds VMX (vmx_core_kvm_coming()).
 */
static void vmx_emergency_take(bool kvm_gone)
{
	/* After a reboot's VMXOFF or the module's exit: never again. */
	if (vmx_slot_held || vmx_stopped)
		return;
	/* A going kvm_intel has released the slot, though not its kobject. */
	if (!kvm_gone && (vmx_kvm_seen || vmx_kvm_intel_loaded()))
		return;
	cpu_emergency_register_virt_callback(vmx_emergency_disable);
	vmx_slot_held = true;
}

static void vmx_emergency_release(void)
{
	if (!vmx_slot_held)
		return;
	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
	vmx_slot_held = false;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * vmx_core_slot_held() - is this module's callback the emergency VMXOFF
 *
 * For KUnit.
 *
 * Context: Process context; takes vmx_lock.
 * Return: true while the kernel's emergency slot holds this module's callback.
 */
bool vmx_core_slot_held(void)
{
	bool held;

	mutex_lock(&vmx_lock);
	held = vmx_slot_held;
	mutex_unlock(&vmx_lock);
	return held;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_slot_held);
#endif

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
 * vmx_core_set_enabled() - enable every online CPU, or disable every CPU
 * @on: the wanted state
 *
 * Context: Process context; takes the CPU hotplug lock and vmx_lock.
 * Return: 0; the first failing CPU's errno; -EBUSY to disable while a
 * client holds a reference; -ESHUTDOWN to enable once a reboot began.
 */
int vmx_core_set_enabled(bool on)
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
 * vmx_core_stats_show() - the last enabling and disabling, for benchmarks
 * @m: the debugfs file
 * @unused: unused
 *
 * Context: Process context; takes vmx_lock.
 * Return: 0.
 */
int vmx_core_stats_show(struct seq_file *m, void *unused)
{
	mutex_lock(&vmx_lock);
	vmx_fleet_stats_show(&vmx_fleet, m);
	mutex_unlock(&vmx_lock);
	return 0;
}

/**
 * vmx_core_is_enabled() - are all online CPUs in VMX operation, by this module
 *
 * Context: Any context.
 * Return: the state last set by vmx_core_set_enabled().
 */
bool vmx_core_is_enabled(void)
{
	return READ_ONCE(vmx_enabled);
}

/**
 * vmx_core_init() - every CPU's state, fresh
 *
 * Context: Module init, before anything can reach the states.
 */
void vmx_core_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		vmx_percpu_init(vmx_core_state(cpu), cpu);
}

/**
 * vmx_core_check_all() - check every online CPU and report each (enable=0)
 *
 * Context: Process context; takes the CPU hotplug lock and vmx_lock.
 */
void vmx_core_check_all(void)
{
	cpus_read_lock();
	mutex_lock(&vmx_lock);
	vmx_fleet_check(&vmx_fleet, true);
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
}

/**
 * vmx_core_cpu_online() - hotplug: a CPU came online
 * @cpu: the CPU, which is the current one
 *
 * Checks the CPU, and while vmxon is enabled puts it in VMX operation or
 * refuses it.
 *
 * Context: The CPU's hotplug thread; takes vmx_lock.
 * Return: 0, or the CPU's errno: the CPU stays offline.
 */
int vmx_core_cpu_online(unsigned int cpu)
{
	bool enable;
	int err;

	mutex_lock(&vmx_lock);
	enable = vmx_enabled;
	err = vmx_fleet_cpu_online(&vmx_fleet, cpu, enable);
	mutex_unlock(&vmx_lock);
	if (err)
		pr_err("cpu%u: refused online: %s, and vmxon holds VMX on every other CPU (write 0 to /sys/kernel/vmxon/enabled to online it without VMX)\n",
		       cpu, vmx_reason_token(vmx_core_state(cpu)->reason));
	else if (enable)
		pr_info("cpu%u: online, VMX on\n", cpu);
	return err;
}

/**
 * vmx_core_cpu_offline() - hotplug: a CPU goes offline
 * @cpu: the CPU, which is the current one
 *
 * Context: The CPU's hotplug thread; takes vmx_lock.
 * Return: 0, or -EIO when VMXOFF failed and the CPU stays in VMX operation.
 */
int vmx_core_cpu_offline(unsigned int cpu)
{
	bool was_on;
	int err;

	mutex_lock(&vmx_lock);
	was_on = vmx_percpu_is_enabled(vmx_core_state(cpu));
	err = vmx_fleet_cpu_offline(&vmx_fleet, cpu);
	mutex_unlock(&vmx_lock);
	if (err)
		pr_err("cpu%u: VMXOFF failed, the CPU stays online\n", cpu);
	else if (was_on)
		pr_info("cpu%u: going offline, VMX off\n", cpu);
	return err;
}

/**
 * vmx_core_exit() - the module leaves: the kernel must never call it again
 *
 * The emergency slot is released whatever state the CPUs were left in: a
 * CPU whose VMXOFF failed twice, or a forced unload while clients held
 * references, would otherwise leave the kernel's crash and reboot paths
 * calling into freed module text. Such a CPU stays in VMX operation, and
 * says so.
 *
 * Nothing takes the slot again: vmxon is stopped, as after a reboot. Call it
 * once the CPU hotplug state and the sysfs files are gone, before the
 * notifiers go.
 *
 * Context: Process context; takes vmx_lock.
 */
void vmx_core_exit(void)
{
	mutex_lock(&vmx_lock);
	vmx_stopped = true;
	if (vmx_cpus_enabled(&vmx_mask))
		pr_err("leaving with CPUs %*pbl in VMX operation: no emergency VMXOFF for them\n",
		       cpumask_pr_args(&vmx_mask));
	vmx_emergency_release();
	mutex_unlock(&vmx_lock);
}

/**
 * vmx_core_stop() - reboot or kexec: VMXOFF everywhere, and never again VMXON
 *
 * VMX operation blocks INIT, and a kexec'd kernel must not start in it.
 * Client references do not hold a reboot back.
 *
 * Context: Process context (a reboot notifier); takes the CPU hotplug lock
 * and vmx_lock.
 */
void vmx_core_stop(void)
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
EXPORT_SYMBOL_IF_KUNIT(vmx_core_stop);

/**
 * vmx_core_suspend() - system suspend: VMXOFF on the last CPU running
 *
 * The other CPUs went offline before, through vmx_core_cpu_offline().
 *
 * Context: syscore suspend: the boot CPU alone, interrupts disabled.
 * Return: 0, or -EIO to abort the suspend.
 */
int vmx_core_suspend(void)
{
	unsigned int cpu = smp_processor_id();
	bool was_on = vmx_percpu_is_enabled(vmx_core_state(cpu));
	int err;

	err = vmx_fleet_cpu_suspend(&vmx_fleet, cpu);
	if (err)
		pr_err("suspend: cpu%u: VMXOFF failed, suspend aborted\n", cpu);
	else if (was_on)
		pr_info("suspend: cpu%u: VMX off\n", cpu);
	return err;
}

/**
 * vmx_core_resume() - system resume: VMXON again where it was before
 *
 * The CPU is checked again first. If it cannot come back, vmxon is
 * disabled, so that the CPUs brought online next stay off too: never half
 * on. vmx_lock is not taken: nothing else runs.
 *
 * Context: syscore resume: the boot CPU alone, interrupts disabled.
 */
void vmx_core_resume(void)
{
	unsigned int cpu = smp_processor_id();

	if (!vmx_enabled)
		return;
	vmx_fault_resume(cpu);
	if (vmx_fleet_cpu_resume(&vmx_fleet, cpu)) {
		WRITE_ONCE(vmx_enabled, false);
		pr_err("resume: cpu%u: VMX stays off (%s); vmxon is disabled, write 1 to /sys/kernel/vmxon/enabled to retry\n",
		       cpu, vmx_reason_token(vmx_core_state(cpu)->reason));
		return;
	}
	pr_info("resume: cpu%u: VMX on\n", cpu);
}

/**
 * vmx_core_kvm_coming() - kvm_intel is about to initialise
 *
 * Refused while vmxon holds VMX on a CPU or is enabled (its clients may
 * turn CPUs on again): kvm_intel could not use VMX, and taking the
 * emergency slot from us would WARN. Accepted otherwise, with the slot
 * released for it.
 *
 * Context: Process context (module notifier); takes vmx_lock.
 * Return: 0, or -EBUSY to refuse kvm_intel.
 */
int vmx_core_kvm_coming(void)
{
	int err = 0;

	mutex_lock(&vmx_lock);
	if (vmx_cpus_enabled(&vmx_mask)) {
		pr_err("refusing kvm_intel: vmxon holds VMX on CPUs %*pbl; write 0 to /sys/kernel/vmxon/enabled or rmmod vmxon first\n",
		       cpumask_pr_args(&vmx_mask));
		err = -EBUSY;
	} else if (vmx_enabled) {
		/* Its clients turned every CPU off, and may turn them on again. */
		pr_err("refusing kvm_intel: vmxon is enabled, and its clients may put CPUs in VMX operation again; unload them and rmmod vmxon first\n");
		err = -EBUSY;
	} else {
		vmx_kvm_seen = true;
		/*
		 * vmxon is disabled and no CPU is in VMX operation by it (a
		 * failed disable's CPU went offline since, the boot CPU failed
		 * to resume): the slot protects nothing of ours, and kvm_intel's
		 * own registration would WARN.
		 */
		vmx_emergency_release();
	}
	mutex_unlock(&vmx_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_kvm_coming);

/**
 * vmx_core_kvm_going() - kvm_intel is gone (it released the emergency slot)
 *
 * Context: Process context (module notifier); takes vmx_lock.
 */
void vmx_core_kvm_going(void)
{
	mutex_lock(&vmx_lock);
	vmx_kvm_seen = false;
	/* Enabled with every CPU turned off by clients: they may turn them on. */
	if (vmx_enabled || vmx_any_enabled())
		vmx_emergency_take(true);
	mutex_unlock(&vmx_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_kvm_going);

/* --- the client references (the rest of the API is in vmx_api.c) -------- */

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

// SPDX-License-Identifier: GPL-2.0
/*
 * The module's one fleet, every CPU over the real hardware, and the policy
 * around it: one lock for enabling, disabling and the clients; what CPU
 * hotplug, suspend and resume, reboot and kvm_intel may do while vmxon
 * holds VMX; the kernel's emergency VMXOFF slot; and the client
 * registration of the API (vmx_percpu.h), which needs the lock.
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
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
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
 * Serialises enabling, disabling, the clients and the emergency slot.
 * Taken inside the CPU hotplug lock: the hotplug callbacks take it.
 */
static DEFINE_MUTEX(vmx_lock);
/* Every online CPU is in VMX operation, by vmx_fleet_enable(). */
static bool vmx_enabled;
/*
 * A reboot, kexec, crash or the module's exit began: nothing may enable
 * VMX any more. Written with WRITE_ONCE: the emergency path sets it
 * without the lock, and clients read it (vmxon_going_down()).
 */
static bool vmx_stopped;
/* The registered clients, newest first (struct vmx_fleet). */
static LIST_HEAD(vmx_clients);
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
	.clients = &vmx_clients,
	.enabled = &vmx_enabled,
	.traced = true,
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
 * Always on the real hardware, also in test builds: fault injection must
 * not run in NMI context, nor leave a crashing CPU in VMX operation.
 *
 * Context: NMI or interrupts disabled, on a crash or emergency reboot.
 */
static void vmx_emergency_disable(void)
{
	WRITE_ONCE(vmx_stopped, true);
	vmx_fleet_cpu_emergency(&vmx_fleet, &vmx_hw_real, smp_processor_id());
}

/*
 * The kobject of the module @name, loaded or built in, or NULL: every
 * module's kobject is in the kset of ours, /sys/module.
 */
static struct kobject *vmx_module_kobj(const char *name)
{
	return kset_find_obj(THIS_MODULE->mkobj.kobj.kset, name);
}

/**
 * vmx_kvm_holder() - is kvm_intel loaded, loading or leaving
 *
 * The module notifier sees kvm_intel come only once vmxon is loaded, and
 * kvm_intel's /sys/module entry appears only after its COMING notification;
 * but before that, kvm_intel took its reference on kvm, which it links
 * against. So a kvm module in use counts as kvm_intel loading (or another
 * module built on KVM, such as kvmgt, which needs kvm_intel too).
 *
 * Context: Process context, vmx_lock held.
 * Return: NULL, or what a message says holds VMX.
 */
static const char *vmx_kvm_holder(void)
{
	struct kobject *kobj;
	struct module *kvm;
	bool in_use;

	lockdep_assert_held(&vmx_lock);
	if (vmx_kvm_seen)
		return "kvm_intel is loaded";
	kobj = vmx_module_kobj("kvm_intel");
	if (kobj) {
		kobject_put(kobj);
		return "kvm_intel is loaded";
	}
	kobj = vmx_module_kobj("kvm");
	if (!kobj)
		return NULL;
	/* Its memory stays while its kobject is held; a built-in kvm has none. */
	kvm = container_of(kobj, struct module_kobject, kobj)->mod;
	in_use = kvm && module_refcount(kvm) > 0;
	kobject_put(kobj);
	return in_use ? "kvm is in use, kvm_intel may be loading" : NULL;
}

/*
 * The emergency slot has one owner, and registering a second callback
 * WARNs. kvm_intel takes it at load on 6.1 (and while it has VMX on, from
 * 6.3). vmxon and kvm_intel exclude each other: vmxon refuses to enable
 * while kvm_intel is there, and refuses kvm_intel while it is enabled or
 * holds VMX on a CPU (vmx_core_kvm_coming()). So vmxon takes the slot
 * when it enables, and never while kvm_intel is there.
 */
static void vmx_emergency_take(void)
{
	/* After a reboot's VMXOFF or the module's exit: never again. */
	if (vmx_slot_held || READ_ONCE(vmx_stopped))
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

/**
 * vmx_core_refs() - the references on this module
 *
 * For KUnit: each registered client holds one.
 *
 * Context: Any context.
 * Return: the module's reference count.
 */
int vmx_core_refs(void)
{
	return module_refcount(THIS_MODULE);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_refs);
#endif

static void vmx_explain_busy(void)
{
	pr_err("VMX is in use by another hypervisor: unload it first (from 6.12 KVM takes VMX at load unless kvm.enable_virt_at_load=0)\n");
}

/* Names the registered clients in @buf, comma-separated. */
static void vmx_client_names(char *buf, size_t size)
{
	struct vmxon_client *c;
	size_t len = 0;

	buf[0] = '\0';
	list_for_each_entry_reverse(c, &vmx_clients, node)
		len += scnprintf(buf + len, size - len, "%s%s",
				 len ? ", " : "", c->name);
}

static int vmx_set_enabled_locked(bool on)
{
	const char *holder;
	unsigned int rounds;
	char names[128];
	u64 start;
	int err;

	lockdep_assert_held(&vmx_lock);
	if (on) {
		if (vmx_enabled)
			return 0;
		if (READ_ONCE(vmx_stopped))
			return -ESHUTDOWN;
		holder = vmx_kvm_holder();
		if (holder) {
			/* Each CPU's state, as a platform engineer wants it. */
			vmx_fleet_check(&vmx_fleet, false);
			pr_err("VMX is in use by another hypervisor (%s): rmmod kvm_intel first\n",
			       holder);
			return -EBUSY;
		}
		rounds = vmx_stats.rounds;
		start = ktime_get_ns();
		vmx_emergency_take();
		err = vmx_fleet_enable(&vmx_fleet);
		vmx_stats.enable_ns = ktime_get_ns() - start;
		vmx_stats.enable_rounds = vmx_stats.rounds - rounds;
		if (err == -EBUSY)
			vmx_explain_busy();
	} else {
		if (!list_empty(&vmx_clients)) {
			vmx_client_names(names, sizeof(names));
			pr_err("refusing to disable: registered clients: %s; unload them first\n",
			       names);
			return -EBUSY;
		}
		err = vmx_fleet_disable(&vmx_fleet, VMX_OP_DISABLE);
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
 * Return: 0; the first failing CPU's errno; -EBUSY to enable while
 * kvm_intel is there, or to disable while a client is registered;
 * -ESHUTDOWN to enable once a reboot began.
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
 * @rollback: cpuhp is rolling back a failed offline of @cpu, and must not
 *	fail: @cpu then stays online even when it cannot be enabled
 *
 * Checks the CPU, and while vmxon is enabled puts it in VMX operation, with
 * the clients' cpu_up, or refuses it.
 *
 * Context: The CPU's hotplug thread; takes vmx_lock.
 * Return: 0, or the CPU's errno: the CPU stays offline. Always 0 in a
 * rollback.
 */
int vmx_core_cpu_online(unsigned int cpu, bool rollback)
{
	bool enable;
	int err;

	mutex_lock(&vmx_lock);
	enable = vmx_enabled;
	err = vmx_fleet_cpu_online(&vmx_fleet, cpu, enable);
	/* After a failed resume: nothing of ours for the slot to protect. */
	if (!enable && !vmx_any_enabled())
		vmx_emergency_release();
	mutex_unlock(&vmx_lock);
	if (err && rollback) {
		pr_err("cpu%u: its offline failed and was rolled back: online without VMX (%s); offline and online it to retry\n",
		       cpu, vmx_reason_token(vmx_core_state(cpu)->reason));
		return 0;
	}
	if (err && vmx_core_state(cpu)->reason == VMX_REASON_CLIENT_REFUSED)
		pr_err("cpu%u: refused online: a client refused it (client_refused)\n", cpu);
	else if (err)
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
 * CPU whose VMXOFF failed twice would otherwise leave the kernel's crash
 * and reboot paths calling into freed module text. Such a CPU stays in VMX
 * operation, and says so. Clients still registered (a forced unload) had
 * their cpu_down when the CPU hotplug state went; they are named.
 *
 * Nothing takes the slot again: vmxon is stopped, as after a reboot. Call it
 * once the CPU hotplug state and the sysfs files are gone, before the
 * notifiers go.
 *
 * Context: Process context; takes vmx_lock.
 */
void vmx_core_exit(void)
{
	char names[128];

	mutex_lock(&vmx_lock);
	WRITE_ONCE(vmx_stopped, true);
	if (vmx_cpus_enabled(&vmx_mask))
		pr_err("leaving with CPUs %*pbl in VMX operation: no emergency VMXOFF for them\n",
		       cpumask_pr_args(&vmx_mask));
	if (!list_empty(&vmx_clients)) {
		vmx_client_names(names, sizeof(names));
		pr_err("forced unload: clients %s are still registered, and must not call vmxon again\n",
		       names);
	}
	vmx_emergency_release();
	mutex_unlock(&vmx_lock);
}

/**
 * vmx_core_stop() - reboot or kexec: VMXOFF everywhere, and never again VMXON
 *
 * VMX operation blocks INIT, and a kexec'd kernel must not start in it.
 * Clients do not hold a reboot back: they get their cpu_down first, and
 * vmxon_going_down() tells their threads to stop entering guests.
 *
 * Context: Process context (a reboot notifier); takes the CPU hotplug lock
 * and vmx_lock.
 */
void vmx_core_stop(void)
{
	cpus_read_lock();
	mutex_lock(&vmx_lock);
	WRITE_ONCE(vmx_stopped, true);
	vmx_cpus_enabled(&vmx_mask);
	vmx_fleet_disable(&vmx_fleet, VMX_OP_REBOOT);
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
 * Return: 0; -EBUSY to abort the suspend while vmx_lock is held, -EIO
 * when VMXOFF failed.
 */
int vmx_core_suspend(void)
{
	unsigned int cpu = smp_processor_id();
	bool was_on = vmx_percpu_is_enabled(vmx_core_state(cpu));
	int err;

	/*
	 * The freezer stops user tasks outside vmx_lock, not kernel threads:
	 * one may be half way through registering or unregistering a client
	 * (the CPU hotplug lock does not hold back a suspend with one CPU).
	 */
	if (mutex_is_locked(&vmx_lock)) {
		pr_err("suspend: vmxon is busy (a client registering or unregistering, an enable or disable), suspend aborted\n");
		return -EBUSY;
	}
	err = vmx_fleet_cpu_suspend(&vmx_fleet, cpu);
	if (err)
		pr_err("suspend: cpu%u: VMXOFF failed, suspend aborted\n", cpu);
	else if (was_on)
		pr_info("suspend: cpu%u: VMX off\n", cpu);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_suspend);

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
EXPORT_SYMBOL_IF_KUNIT(vmx_core_resume);

/**
 * vmx_core_kvm_coming() - kvm_intel is about to initialise
 *
 * Refused while vmxon is enabled or holds VMX on a CPU: kvm_intel could not
 * use VMX, and taking the emergency slot from us would WARN. Accepted
 * otherwise, with the slot released for it; vmxon then refuses to enable
 * until kvm_intel is gone.
 *
 * Context: Process context (module notifier); takes vmx_lock.
 * Return: 0, or -EBUSY to refuse kvm_intel.
 */
int vmx_core_kvm_coming(void)
{
	int err = 0;

	mutex_lock(&vmx_lock);
	if (vmx_cpus_enabled(&vmx_mask) || vmx_enabled) {
		pr_err("refusing kvm_intel: vmxon holds VMX on CPUs %*pbl; write 0 to /sys/kernel/vmxon/enabled or rmmod vmxon first\n",
		       cpumask_pr_args(&vmx_mask));
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
 * vmxon was disabled all the while (it refuses to enable beside kvm_intel),
 * so the slot stays free until vmxon enables again.
 *
 * Context: Process context (module notifier); takes vmx_lock.
 */
void vmx_core_kvm_going(void)
{
	mutex_lock(&vmx_lock);
	vmx_kvm_seen = false;
	mutex_unlock(&vmx_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_kvm_going);

/* --- the clients (the rest of the API is in vmx_api.c) ------------------ */

static bool vmx_client_registered(const struct vmxon_client *client)
{
	const struct vmxon_client *c;

	list_for_each_entry(c, &vmx_clients, node)
		if (c == client)
			return true;
	return false;
}

/**
 * vmx_core_module_going() - a module leaves: drop a client it left behind
 * @mod: the module
 *
 * A client module whose exit (or failed init) did not unregister would
 * leave vmxon calling into freed memory. Its client is dropped without a
 * callback: its exit has run, and may have freed what they use.
 *
 * Context: Process context (module notifier); takes vmx_lock, which alone
 * guards the list: not the CPU hotplug lock, which every module's
 * unloading would otherwise take.
 */
void vmx_core_module_going(struct module *mod)
{
	struct vmxon_client *c, *tmp;

	mutex_lock(&vmx_lock);
	list_for_each_entry_safe(c, tmp, &vmx_clients, node) {
		if (c->owner != mod)
			continue;
		pr_err("client %s of module %s did not unregister: dropped without cpu_down\n",
		       c->name, mod->name);
		list_del_rcu(&c->node);
		synchronize_rcu();
		module_put(THIS_MODULE);
	}
	mutex_unlock(&vmx_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_core_module_going);

/**
 * vmx_core_clients_show() - the registered clients, oldest first
 * @buf: a sysfs buffer
 *
 * Context: Process context; takes vmx_lock.
 * Return: the length written.
 */
ssize_t vmx_core_clients_show(char *buf)
{
	struct vmxon_client *c;
	ssize_t len = 0;

	mutex_lock(&vmx_lock);
	list_for_each_entry_reverse(c, &vmx_clients, node)
		len += sysfs_emit_at(buf, len, "%s\n", c->name);
	mutex_unlock(&vmx_lock);
	return len;
}

/**
 * vmxon_register() - register a client: its cpu_up on every CPU in service
 * @client: the client, with @client->name set; vmxon keeps the pointer
 *	until vmxon_unregister()
 *
 * @client's cpu_up runs on each CPU in VMX operation for the clients; if it
 * fails on one, its cpu_down runs where it succeeded, and nothing is
 * registered. From then on vmxon calls @client on every change, and cannot
 * be unloaded or disabled until @client unregisters.
 *
 * Context: Process context; takes the CPU hotplug lock; may sleep. Not from
 * a client's callback.
 * Return: 0; -EINVAL without @client, its name or its owner; -EEXIST when it is
 * registered already; -ENODEV when vmxon is not enabled; -ESHUTDOWN once a
 * reboot began; -ENOMEM; or the errno of @client's failing cpu_up.
 */
int vmxon_register(struct vmxon_client *client)
{
	bool pinned = false;
	int err;

	if (!client || !client->name || !client->owner)
		return -EINVAL;
	cpus_read_lock();
	mutex_lock(&vmx_lock);
	if (vmx_client_registered(client)) {
		err = -EEXIST;
	} else if (READ_ONCE(vmx_stopped)) {
		err = -ESHUTDOWN;
	} else if (!vmx_enabled || !try_module_get(THIS_MODULE)) {
		err = -ENODEV;
	} else {
		pinned = true;
		err = vmx_fleet_client_add(&vmx_fleet, client);
	}
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
	if (!err)
		pr_info("client %s registered\n", client->name);
	else if (pinned)
		module_put(THIS_MODULE);	/* last: no vmxon code after it */
	return err;
}
EXPORT_SYMBOL_NS_GPL(vmxon_register, VMXON_NS);

/**
 * vmxon_unregister() - a client leaves, after its cpu_down on every CPU
 * @client: a client registered with vmxon_register()
 *
 * Once it returns, vmxon calls none of @client's callbacks any more, the
 * emergency one included. A client that is not registered is reported in
 * the kernel log, and nothing changes.
 *
 * Context: Process context; takes the CPU hotplug lock; may sleep. Not from
 * a client's callback.
 */
void vmxon_unregister(struct vmxon_client *client)
{
	bool found;

	cpus_read_lock();
	mutex_lock(&vmx_lock);
	found = client && vmx_client_registered(client);
	if (found)
		vmx_fleet_client_remove(&vmx_fleet, client);
	mutex_unlock(&vmx_lock);
	cpus_read_unlock();
	if (!found) {
		pr_warn("%s() of a client that is not registered, from %pS\n",
			__func__, __builtin_return_address(0));
		return;
	}
	pr_info("client %s unregistered\n", client->name);
	module_put(THIS_MODULE);	/* last: no vmxon code after it */
}
EXPORT_SYMBOL_NS_GPL(vmxon_unregister, VMXON_NS);

/**
 * vmxon_going_down() - is the system going down
 *
 * True once a reboot, kexec or crash began, as KVM's kvm_rebooting: a
 * client's threads stop entering guests. The clients' cpu_down follows (or
 * emergency, in a crash).
 *
 * Context: Any context.
 * Return: true when vmxon will not enable VMX again until it is reloaded.
 */
bool vmxon_going_down(void)
{
	return READ_ONCE(vmx_stopped);
}
EXPORT_SYMBOL_NS_GPL(vmxon_going_down, VMXON_NS);

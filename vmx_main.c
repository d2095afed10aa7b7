// SPDX-License-Identifier: GPL-2.0
/*
 * The module and the kernel's events around it: CPU hotplug, reboot and
 * kexec, suspend and resume, and kvm_intel coming and going. The decisions
 * live in vmx_core.c; this file only connects them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/syscore_ops.h>

#include "vmx_internal.h"

static bool enable = true;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Enable VMX on every CPU at load (default Y); N only checks and reports");

/* --- CPU hotplug --------------------------------------------------------- */

static enum cpuhp_state vmx_cpuhp_state, vmx_cpuhp_dead_state;
/* cpuhp_remove_state() runs: a teardown must not fail (it would BUG). */
static bool vmx_cpuhp_removing;
/*
 * CPUs that passed vmxon's offline teardown and have not died yet. When
 * one comes online again, cpuhp is rolling back an offline that failed
 * further down, and a rollback must not fail: cpuhp WARNs, and leaves the
 * CPU half way.
 */
static struct cpumask vmx_cpus_leaving;

static int vmx_cpu_online(unsigned int cpu)
{
	bool rollback = cpumask_test_and_clear_cpu(cpu, &vmx_cpus_leaving);
	int err;

	/* A CPU coming back from suspend: fail_resume. */
	if (cpuhp_tasks_frozen)
		vmx_fault_resume(cpu);
	err = vmx_core_cpu_online(cpu, rollback);
	if (err)
		return err;
	err = vmx_sysfs_cpu_add(cpu);
	if (err) {
		pr_err("cpu%u: refused online: no sysfs group (%d)\n", cpu, err);
	} else if (vmx_fault_should_fail(VMX_FAULT_ONLINE, cpu)) {
		pr_err("cpu%u: refused online: fail_online injected\n", cpu);
		vmx_sysfs_cpu_remove(cpu);
		err = -EIO;
	}
	/*
	 * Undone but still in VMX operation: offline, the CPU would be lost.
	 * In a rollback, online as it is.
	 */
	if (err && (rollback || vmx_core_cpu_offline(cpu)))
		return 0;
	return err;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	int err;

	err = vmx_core_cpu_offline(cpu);
	if (err && !READ_ONCE(vmx_cpuhp_removing))
		return err;
	vmx_sysfs_cpu_remove(cpu);
	cpumask_set_cpu(cpu, &vmx_cpus_leaving);
	return 0;
}

/* On a control CPU, once @cpu is dead: its offline went through. */
static int vmx_cpu_dead(unsigned int cpu)
{
	cpumask_clear_cpu(cpu, &vmx_cpus_leaving);
	return 0;
}

/* --- reboot, kexec, suspend, resume ------------------------------------- */

/* Also run by kernel_kexec(): 6.1 has no syscore_shutdown() there. */
static int vmx_reboot_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	vmx_core_stop();
	return NOTIFY_DONE;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot_notify,
};

#ifdef VMX_HAVE_REGISTER_SYSCORE
static int vmx_syscore_suspend(void *data)
{
	return vmx_core_suspend();
}

static void vmx_syscore_resume(void *data)
{
	vmx_core_resume();
}

static const struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_syscore_suspend,
	.resume = vmx_syscore_resume,
};

static struct syscore vmx_syscore = {
	.ops = &vmx_syscore_ops,
};

static void vmx_syscore_register(void)
{
	register_syscore(&vmx_syscore);
}

static void vmx_syscore_unregister(void)
{
	unregister_syscore(&vmx_syscore);
}
#else
static int vmx_syscore_suspend(void)
{
	return vmx_core_suspend();
}

static void vmx_syscore_resume(void)
{
	vmx_core_resume();
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_syscore_suspend,
	.resume = vmx_syscore_resume,
};

static void vmx_syscore_register(void)
{
	register_syscore_ops(&vmx_syscore_ops);
}

static void vmx_syscore_unregister(void)
{
	unregister_syscore_ops(&vmx_syscore_ops);
}
#endif

/* --- kvm_intel, and client modules that leave ------------------------------ */

static int vmx_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_GOING)
		vmx_core_module_going(mod);
	if (strcmp(mod->name, "kvm_intel"))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_COMING)
		return notifier_from_errno(vmx_core_kvm_coming());
	if (action == MODULE_STATE_GOING)
		vmx_core_kvm_going();
	return NOTIFY_DONE;
}

static struct notifier_block vmx_module_nb = {
	.notifier_call = vmx_module_notify,
};

/* --- debugfs: measurements, and fault injection in test builds ------------ */

DEFINE_SHOW_ATTRIBUTE(vmx_core_stats);

static struct dentry *vmx_debugfs;

static int vmx_debugfs_init(void)
{
	int err;

	vmx_debugfs = debugfs_create_dir("vmxon", NULL);
	debugfs_create_file("stats", 0400, vmx_debugfs, NULL,
			    &vmx_core_stats_fops);
	err = vmx_fault_init(vmx_debugfs);
	if (err)
		debugfs_remove_recursive(vmx_debugfs);
	return err;
}

/* --- the module ----------------------------------------------------------- */

static int __init vmx_init(void)
{
	int err;

	vmx_core_init();
	err = vmx_debugfs_init();
	if (err)
		return err;
	err = register_module_notifier(&vmx_module_nb);
	if (err)
		goto err_debugfs;
	err = register_reboot_notifier(&vmx_reboot_nb);
	if (err)
		goto err_module_nb;
	err = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "x86/vmxon:dead",
					NULL, vmx_cpu_dead);
	if (err < 0)
		goto err_reboot_nb;
	vmx_cpuhp_dead_state = err;
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "x86/vmxon:online",
				vmx_cpu_online, vmx_cpu_offline);
	if (err < 0)
		goto err_dead_state;
	vmx_cpuhp_state = err;
	err = 0;
	if (enable)
		err = vmx_core_set_enabled(true);
	else
		vmx_core_check_all();
	if (err)
		goto err_cpuhp;
	err = vmx_sysfs_init();
	if (err)
		goto err_disable;
	vmx_syscore_register();
	pr_info("%s, %u CPUs\n",
		enable ? "VMX root on every CPU" : "checked only (enable=0)",
		num_online_cpus());
	return 0;

err_disable:
	vmx_core_set_enabled(false);
err_cpuhp:
	WRITE_ONCE(vmx_cpuhp_removing, true);
	cpuhp_remove_state(vmx_cpuhp_state);
	vmx_core_exit();
err_dead_state:
	cpuhp_remove_state_nocalls(vmx_cpuhp_dead_state);
err_reboot_nb:
	unregister_reboot_notifier(&vmx_reboot_nb);
err_module_nb:
	unregister_module_notifier(&vmx_module_nb);
err_debugfs:
	debugfs_remove_recursive(vmx_debugfs);
	return err;
}

static void __exit vmx_exit(void)
{
	vmx_syscore_unregister();
	vmx_sysfs_exit();
	vmx_core_set_enabled(false);
	WRITE_ONCE(vmx_cpuhp_removing, true);
	cpuhp_remove_state(vmx_cpuhp_state);
	vmx_core_exit();
	cpuhp_remove_state_nocalls(vmx_cpuhp_dead_state);
	unregister_reboot_notifier(&vmx_reboot_nb);
	unregister_module_notifier(&vmx_module_nb);
	debugfs_remove_recursive(vmx_debugfs);
}

module_init(vmx_init);
module_exit(vmx_exit);

MODULE_DESCRIPTION("Put every CPU in VMX root operation and report why not");
MODULE_VERSION(VMXON_VERSION);
MODULE_LICENSE("GPL");

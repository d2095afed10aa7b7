// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: a "vmx" group on each CPU device (/sys/devices/system/cpu/cpuN/vmx/)
 * and the module-wide directory /sys/kernel/vmxon/. Root may write,
 * everyone may read; no kernel or physical address is shown.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vmx_internal.h"
#include "vmx_percpu.h"

/* --- /sys/devices/system/cpu/cpuN/vmx/ --------------------------------- */

static struct vmx_percpu *dev_state(struct device *dev)
{
	return vmx_core_state(dev->id);
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  vmx_percpu_is_enabled(dev_state(dev)) ? "on" : "off");
}
static DEVICE_ATTR_RO(state);

static ssize_t reason_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  vmx_reason_token(READ_ONCE(dev_state(dev)->reason)));
}
static DEVICE_ATTR_RO(reason);

static ssize_t vmcs_revision_id_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n",
			  READ_ONCE(dev_state(dev)->vmcs_revision_id));
}
static DEVICE_ATTR_RO(vmcs_revision_id);

static ssize_t feature_control_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%llx\n",
			  READ_ONCE(dev_state(dev)->feature_control));
}
static DEVICE_ATTR_RO(feature_control);

static struct attribute *vmx_cpu_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_reason.attr,
	&dev_attr_vmcs_revision_id.attr,
	&dev_attr_feature_control.attr,
	NULL
};

static const struct attribute_group vmx_cpu_group = {
	.name = "vmx",
	.attrs = vmx_cpu_attrs,
};

/* CPUs whose device carries the group: those online. */
static struct cpumask vmx_sysfs_cpus;

/* --- /sys/kernel/vmxon/ ---------------------------------------------------- */

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", vmx_core_is_enabled());
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	/* kstrtobool() would take any word starting with these: be exact. */
	static const char * const words[] = {
		"0", "1", "n", "y", "N", "Y", "off", "on",
	};
	bool on;
	int err;

	/* One word, an optional newline, no NUL inside. */
	if (strlen(buf) != count || sysfs_match_string(words, buf) < 0)
		return -EINVAL;
	err = kstrtobool(buf, &on);
	if (err)
		return err;
	err = vmx_core_set_enabled(on);
	return err ? err : count;
}

static struct kobj_attribute enabled_attr = __ATTR_RW_MODE(enabled, 0644);

static ssize_t show_cpus(char *buf, bool failed)
{
	cpumask_var_t mask;
	unsigned int cpu;
	ssize_t len;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		const struct vmx_percpu *st = vmx_core_state(cpu);

		if (failed ? READ_ONCE(st->reason) != VMX_REASON_OK :
			     vmx_percpu_is_enabled(st))
			cpumask_set_cpu(cpu, mask);
	}
	len = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(mask));
	free_cpumask_var(mask);
	return len;
}

static ssize_t cpus_on_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return show_cpus(buf, false);
}

static struct kobj_attribute cpus_on_attr = __ATTR_RO(cpus_on);

static ssize_t cpus_failed_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return show_cpus(buf, true);
}

static struct kobj_attribute cpus_failed_attr = __ATTR_RO(cpus_failed);

static ssize_t global_revision_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", vmxon_vmcs_revision_id());
}

static struct kobj_attribute global_revision_attr =
	__ATTR(vmcs_revision_id, 0444, global_revision_show, NULL);

static ssize_t clients_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return vmx_core_clients_show(buf);
}

static struct kobj_attribute clients_attr = __ATTR_RO(clients);

static struct attribute *vmx_global_attrs[] = {
	&enabled_attr.attr,
	&cpus_on_attr.attr,
	&cpus_failed_attr.attr,
	&global_revision_attr.attr,
	&clients_attr.attr,
	NULL
};

static const struct attribute_group vmx_global_group = {
	.attrs = vmx_global_attrs,
};

static struct kobject *vmx_kobj;

/* --- setup ------------------------------------------------------------------ */

/**
 * vmx_sysfs_cpu_add() - give an online CPU its "vmx" group
 * @cpu: the CPU
 *
 * Context: Process context, CPU hotplug lock held (a hotplug callback).
 * Return: 0 (also when the group exists) or a negative errno.
 */
int vmx_sysfs_cpu_add(unsigned int cpu)
{
	struct device *dev = get_cpu_device(cpu);
	int err;

	if (cpumask_test_cpu(cpu, &vmx_sysfs_cpus))
		return 0;
	if (!dev)
		return -ENODEV;
	if (vmx_fault_should_fail(VMX_FAULT_SYSFS, cpu))
		return -ENOMEM;
	err = sysfs_create_group(&dev->kobj, &vmx_cpu_group);
	if (!err)
		cpumask_set_cpu(cpu, &vmx_sysfs_cpus);
	return err;
}

/**
 * vmx_sysfs_cpu_remove() - take a CPU's "vmx" group away
 * @cpu: the CPU
 *
 * Context: Process context, CPU hotplug lock held (a hotplug callback).
 */
void vmx_sysfs_cpu_remove(unsigned int cpu)
{
	struct device *dev = get_cpu_device(cpu);

	if (!cpumask_test_and_clear_cpu(cpu, &vmx_sysfs_cpus) || !dev)
		return;
	sysfs_remove_group(&dev->kobj, &vmx_cpu_group);
}

/**
 * vmx_sysfs_init() - create /sys/kernel/vmxon
 *
 * Context: Process context.
 * Return: 0 or a negative errno, with nothing left behind.
 */
int vmx_sysfs_init(void)
{
	int err;

	vmx_kobj = kobject_create_and_add("vmxon", kernel_kobj);
	if (!vmx_kobj)
		return -ENOMEM;
	err = sysfs_create_group(vmx_kobj, &vmx_global_group);
	if (err)
		kobject_put(vmx_kobj);
	return err;
}

/**
 * vmx_sysfs_exit() - remove /sys/kernel/vmxon
 *
 * Context: Process context.
 */
void vmx_sysfs_exit(void)
{
	kobject_put(vmx_kobj);
}

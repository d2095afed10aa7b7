// SPDX-License-Identifier: GPL-2.0
/*
 * What the KUnit suites share (vmx_test.h): the fake CPU, and the ways
 * into vmxon that a client or root has. No suite lives here.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "vmx_test.h"

/*
 * Cases run one at a time: the seam reaches the fake through these. The
 * state tests use one fake CPU; the fleet tests one per real CPU, reached
 * from the real cross-CPU calls.
 */
struct fake_cpu *fake;
struct fake_cpu *fleet_cpus;

static struct fake_cpu *cur(void)
{
	return fleet_cpus ? &fleet_cpus[smp_processor_id()] : fake;
}

/* CR4 as read shows VMXE when set; vmxe_later is set only after the read. */
static void fake_read_regs(struct vmx_cpu_regs *regs)
{
	cur()->reads++;
	*regs = cur()->regs;
	if (cur()->vmxe)
		regs->cr4 |= VMXCAP_CR4_VMXE;
}

static int fake_read_feature_control(u64 *val)
{
	cur()->fc_reads++;
	*val = cur()->regs.feature_control;
	return cur()->fc_read_ret;
}

/* A write that succeeds sticks, unless fc_write_lost. */
static int fake_write_feature_control(u64 val)
{
	cur()->fc_writes++;
	cur()->fc_written = val;
	if (!cur()->fc_write_ret && !cur()->fc_write_lost)
		cur()->regs.feature_control = val;
	return cur()->fc_write_ret;
}

static bool fake_vmxe_set(void)
{
	return cur()->vmxe || cur()->vmxe_later;
}

static void fake_cr4_set_vmxe(void)
{
	cur()->cr4_sets++;
	cur()->vmxe = true;
}

static void fake_cr4_clear_vmxe(void)
{
	cur()->cr4_clears++;
	cur()->vmxe = false;
}

/**
 * fake_trace() - append an event to the current fake CPU's trace
 * @event: a VMX instruction, or a client's callback
 *
 * Context: On the CPU, interrupts disabled (or in a case's own thread).
 */
void fake_trace(const char *event)
{
	struct fake_cpu *c = cur();
	size_t len = strlen(c->trace);

	scnprintf(c->trace + len, sizeof(c->trace) - len, "%s%s",
		  len ? " " : "", event);
}

static int fake_vmxon(u64 phys)
{
	fake_trace("vmxon");
	cur()->vmxons++;
	cur()->vmxon_pa = phys;
	return cur()->vmxon_ret;
}

static int fake_vmxoff(void)
{
	fake_trace("vmxoff");
	cur()->vmxoffs++;
	return cur()->vmxoff_ret;
}

static void fake_pt_handle_vmx(int on)
{
	if (on)
		cur()->pt_on++;
	else
		cur()->pt_off++;
}

const struct vmx_hw fake_hw = {
	.read_regs		= fake_read_regs,
	.read_feature_control	= fake_read_feature_control,
	.write_feature_control	= fake_write_feature_control,
	.vmxe_set		= fake_vmxe_set,
	.cr4_set_vmxe		= fake_cr4_set_vmxe,
	.cr4_clear_vmxe		= fake_cr4_clear_vmxe,
	.vmxon			= fake_vmxon,
	.vmxoff			= fake_vmxoff,
	.pt_handle_vmx		= fake_pt_handle_vmx,
};

/**
 * fake_ready() - a fake CPU ready for VMXON, as Bochs' Skylake under Linux
 * @cpu: the fake CPU, all of it overwritten
 */
void fake_ready(struct fake_cpu *cpu)
{
	struct vmx_cpu_regs *r = &cpu->regs;

	*cpu = (struct fake_cpu){};
	r->cpuid1_ecx = VMXCAP_CPUID1_ECX_VMX;
	r->kernel_vmx = true;
	r->kernel_fc = true;
	r->cr0 = HOST_CR0;
	r->cr4 = HOST_CR4;
	r->feature_control = BOCHS_FC;
	r->caps.msr[VMX_CAP_BASIC] = BOCHS_BASIC;
	r->caps.msr[VMX_CAP_CR0_FIXED0] = CR0_FIXED0;
	r->caps.msr[VMX_CAP_CR0_FIXED1] = CR0_FIXED1;
	r->caps.msr[VMX_CAP_CR4_FIXED0] = CR4_FIXED0;
	r->caps.msr[VMX_CAP_CR4_FIXED1] = CR4_FIXED1;
	r->caps.present = GENMASK(VMX_CAP_COUNT - 1, 0);
}

struct vmx_percpu *fleet_states;
static struct vmx_caps fleet_ref;
static struct vmx_fleet_stats fleet_stats;
static LIST_HEAD(fake_fleet_clients);
bool fake_fleet_enabled;

static struct vmx_percpu *fleet_state(unsigned int cpu)
{
	return &fleet_states[cpu];
}

const struct vmx_fleet fake_fleet = {
	.hw = &fake_hw,
	.state = fleet_state,
	.ref = &fleet_ref,
	.stats = &fleet_stats,
	.clients = &fake_fleet_clients,
	.enabled = &fake_fleet_enabled,
};

/**
 * fake_fleet_init() - every fake CPU ready, every state fresh, no client
 * @test: the case
 *
 * Return: 0 or -ENOMEM.
 */
int fake_fleet_init(struct kunit *test)
{
	unsigned int cpu;

	fleet_states = kunit_kcalloc(test, nr_cpu_ids, sizeof(*fleet_states),
				     GFP_KERNEL);
	fleet_cpus = kunit_kcalloc(test, nr_cpu_ids, sizeof(*fleet_cpus),
				   GFP_KERNEL);
	if (!fleet_states || !fleet_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		vmx_percpu_init(&fleet_states[cpu], cpu);
		fake_ready(&fleet_cpus[cpu]);
	}
	INIT_LIST_HEAD(&fake_fleet_clients);
	fake_fleet_enabled = false;
	return 0;
}

/**
 * fake_fleet_lock_and_enable() - the CPU hotplug lock, and the fake fleet
 *	enabled
 * @test: the case
 *
 * On failure the lock is dropped again: a case must never end with it
 * held (an ASSERT would), or every later hotplug and suspend hangs.
 *
 * Return: true with the lock held and the fleet enabled.
 */
bool fake_fleet_lock_and_enable(struct kunit *test)
{
	int err;

	cpus_read_lock();
	err = vmx_fleet_enable(&fake_fleet);
	if (!err)
		return true;
	cpus_read_unlock();
	KUNIT_FAIL(test, "the fake fleet did not enable: %d", err);
	return false;
}

/**
 * fake_fleet_exit() - free what a case left, forget its clients
 * @test: the case
 */
void fake_fleet_exit(struct kunit *test)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		fleet_states[cpu].enabled = false;
		vmx_region_free(&fleet_states[cpu]);
	}
	INIT_LIST_HEAD(&fake_fleet_clients);
	fleet_cpus = NULL;
}

int fake_online(const struct vmx_fleet *f, unsigned int cpu, bool enable)
{
	return vmx_fleet_cpu_online(f, cpu, enable);
}

int fake_offline(const struct vmx_fleet *f, unsigned int cpu, bool enable)
{
	return vmx_fleet_cpu_offline(f, cpu);
}

struct fake_cpu_call {
	fake_cpu_fn fn;
	bool enable;
};

static long fake_cpu_call(void *arg)
{
	const struct fake_cpu_call *c = arg;

	return c->fn(&fake_fleet, smp_processor_id(), c->enable);
}

/**
 * fake_on_cpu() - run a hotplug callback of the fake fleet on a CPU
 * @cpu: the CPU
 * @fn: fake_online or fake_offline
 * @enable: for fake_online: the other CPUs are enabled
 *
 * In process context on @cpu, as cpuhp runs it.
 *
 * Return: what @fn returned.
 */
int fake_on_cpu(unsigned int cpu, fake_cpu_fn fn, bool enable)
{
	struct fake_cpu_call c = { fn, enable };

	return work_on_cpu(cpu, fake_cpu_call, &c);
}

/**
 * vmx_test_any_cpu_enabled() - did vmxon put any online CPU in VMX operation
 *
 * Return: true when vmxon holds some online CPU in VMX operation.
 */
bool vmx_test_any_cpu_enabled(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (vmxon_cpu_is_enabled(cpu))
			return true;
	return false;
}

/**
 * vmx_test_write_enabled() - write /sys/kernel/vmxon/enabled, as root would
 * @val: what to write
 *
 * Return: the bytes written or a negative errno, as write(2).
 */
ssize_t vmx_test_write_enabled(const char *val)
{
	struct file *f = filp_open("/sys/kernel/vmxon/enabled", O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return ret;
}

MODULE_DESCRIPTION("KUnit tests for vmxon");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMX_KUNIT_NS);
VMXON_IMPORT_NS();

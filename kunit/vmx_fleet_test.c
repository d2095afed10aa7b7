// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the fleet (vmx_fleet.c), on one fake CPU per real CPU,
 * reached from the real cross-CPU calls: enabling is all or nothing, and a
 * CPU joining or leaving the others, by hotplug, suspend or resume, is
 * checked against them and left as it was when it fails.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "vmx_test.h"

static void fleet_enable_disable_test(struct kunit *test)
{
	unsigned int cpu;

	cpus_read_lock();
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_TRUE(test, fleet_states[cpu].enabled);
		KUNIT_EXPECT_NOT_NULL(test, fleet_states[cpu].region);
		KUNIT_EXPECT_EQ(test, fleet_cpus[cpu].vmxons, 1);
		/* The check round read the registers; VMXON does not again. */
		KUNIT_EXPECT_EQ(test, fleet_cpus[cpu].reads, 1);
	}
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_FALSE(test, fleet_states[cpu].enabled);
		KUNIT_EXPECT_NULL(test, fleet_states[cpu].region);
		KUNIT_EXPECT_EQ(test, fleet_cpus[cpu].vmxoffs, 1);
		KUNIT_EXPECT_FALSE(test, fleet_cpus[cpu].vmxe);
	}
	cpus_read_unlock();
}

/* VMXON fails on CPU k: every other CPU is turned off again, all freed. */
static void fleet_rollback_test(struct kunit *test)
{
	unsigned int k, cpu;

	cpus_read_lock();
	for_each_online_cpu(k) {
		for_each_possible_cpu(cpu)
			fake_ready(&fleet_cpus[cpu]);
		fleet_cpus[k].vmxon_ret = -EFAULT;
		KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EIO);
		for_each_online_cpu(cpu) {
			const struct vmx_percpu *st = &fleet_states[cpu];
			const struct fake_cpu *c = &fleet_cpus[cpu];

			KUNIT_EXPECT_FALSE_MSG(test, st->enabled, "k=%u cpu%u", k, cpu);
			KUNIT_EXPECT_NULL_MSG(test, st->region, "k=%u cpu%u", k, cpu);
			KUNIT_EXPECT_FALSE_MSG(test, c->vmxe, "k=%u cpu%u", k, cpu);
			KUNIT_EXPECT_EQ_MSG(test, c->vmxons, 1, "k=%u cpu%u", k, cpu);
			KUNIT_EXPECT_EQ_MSG(test, c->vmxoffs, cpu == k ? 0 : 1,
					    "k=%u cpu%u", k, cpu);
			KUNIT_EXPECT_EQ_MSG(test, st->reason,
					    cpu == k ? VMX_REASON_VMXON_FAULT :
						       VMX_REASON_OK,
					    "k=%u cpu%u", k, cpu);
		}
	}
	cpus_read_unlock();
}

/* One CPU reads a different capability: refused before any VMXON. */
static void fleet_inconsistent_test(struct kunit *test)
{
	unsigned int last = 0, cpu;

	VMX_TEST_NEEDS_TWO_CPUS(test);
	cpus_read_lock();
	for_each_online_cpu(cpu)
		last = cpu;
	fleet_cpus[last].regs.caps.msr[VMX_CAP_MISC] ^= 1;
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, fleet_states[last].reason,
			VMX_REASON_INCONSISTENT);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ(test, fleet_cpus[cpu].vmxons, 0);
		KUNIT_EXPECT_EQ(test, fleet_cpus[cpu].cr4_sets, 0);
		KUNIT_EXPECT_NULL(test, fleet_states[cpu].region);
	}
	cpus_read_unlock();
}

/* VMX taken on CPU k between the two rounds: busy there, the rest rolled back. */
static void fleet_busy_between_rounds_test(struct kunit *test)
{
	unsigned int k = 0, cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		k = cpu;
	fleet_cpus[k].vmxe_later = true;
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EBUSY);
	KUNIT_EXPECT_EQ(test, fleet_states[k].reason, VMX_REASON_BUSY);
	KUNIT_EXPECT_EQ(test, fleet_cpus[k].cr4_sets + fleet_cpus[k].pt_on, 0);
	for_each_online_cpu(cpu) {
		const struct vmx_percpu *st = &fleet_states[cpu];
		const struct fake_cpu *c = &fleet_cpus[cpu];

		KUNIT_EXPECT_FALSE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxons, cpu == k ? 0 : 1, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxoffs, cpu == k ? 0 : 1, "cpu%u",
				    cpu);
	}
	cpus_read_unlock();
}

/*
 * VMXOFF failed on CPU k, which stays in VMX operation: enabling again is
 * refused with that reason (not "busy": the VMX is ours) and changes nothing.
 */
static void fleet_enable_after_vmxoff_failed_test(struct kunit *test)
{
	unsigned int k = cpumask_first(cpu_online_mask), cpu;

	if (!fake_fleet_lock_and_enable(test))
		return;
	fleet_cpus[k].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), -EIO);
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EIO);
	KUNIT_EXPECT_EQ(test, fleet_states[k].reason, VMX_REASON_VMXOFF_FAILED);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, fleet_states[cpu].enabled, cpu == k,
				    "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, fleet_cpus[cpu].vmxons, 1, "cpu%u", cpu);
	}
	fleet_cpus[k].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	KUNIT_EXPECT_FALSE(test, fleet_states[k].enabled);
	KUNIT_EXPECT_NULL(test, fleet_states[k].region);
	cpus_read_unlock();
}

/*
 * A disable reports the CPUs whose VMXOFF failed in it, not a CPU whose
 * reason is still vmxoff_failed from an earlier one (its VMXOFF faulted
 * when it went offline).
 */
static void fleet_disable_reports_this_round_test(struct kunit *test)
{
	unsigned int a = cpumask_first(cpu_online_mask);
	unsigned int b = cpumask_next(a, cpu_online_mask);
	const struct cpumask *failed = &fake_fleet.stats->vmxoff_failed;

	VMX_TEST_NEEDS_TWO_CPUS(test);
	if (!fake_fleet_lock_and_enable(test))
		return;
	fleet_cpus[a].vmxoff_ret = -EFAULT;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(a, fake_offline, false), 0);
	KUNIT_EXPECT_EQ(test, fleet_states[a].reason, VMX_REASON_VMXOFF_FAILED);
	fleet_cpus[b].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), -EIO);
	KUNIT_EXPECT_EQ(test, cpumask_weight(failed), 1);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(b, failed));
	fleet_cpus[b].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	KUNIT_EXPECT_TRUE(test, cpumask_empty(failed));
	cpus_read_unlock();
}

/* --- hotplug, suspend and resume of one CPU ------------------------------ */

/* Each CPU goes offline and comes back: off and freed, then on again. */
static void fleet_hotplug_test(struct kunit *test)
{
	unsigned int cpu;

	if (!fake_fleet_lock_and_enable(test))
		return;
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = &fleet_states[cpu];
		struct fake_cpu *c = &fleet_cpus[cpu];

		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), 0);
		KUNIT_EXPECT_FALSE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_FALSE_MSG(test, c->vmxe, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxoffs, 1, "cpu%u", cpu);
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_online, true), 0);
		KUNIT_EXPECT_TRUE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NOT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxons, 2, "cpu%u", cpu);
		/* Online again (a rollback's startup): nothing happens. */
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_online, true), 0);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxons, 2, "cpu%u", cpu);
		/* Offline with nothing enabled does nothing either. */
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), 0);
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), 0);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxoffs, 2, "cpu%u", cpu);
	}
	cpus_read_unlock();
}

struct online_case {
	const char *desc;
	void (*setup)(struct fake_cpu *cpu);
	int err;
	enum vmx_reason reason;
	bool vmxon;	/* VMXON was attempted */
};

static void other_caps(struct fake_cpu *cpu)
{
	cpu->regs.caps.msr[VMX_CAP_MISC] ^= 1;
}

static void other_revision(struct fake_cpu *cpu)
{
	cpu->regs.caps.msr[VMX_CAP_BASIC] ^= 1;
}

static void fc_locked_off(struct fake_cpu *cpu)
{
	cpu->regs.feature_control = 1;
}

static void fc_reset(struct fake_cpu *cpu)
{
	cpu->regs.feature_control = 0;
}

static void taken(struct fake_cpu *cpu)
{
	cpu->regs.cr4 |= VMXCAP_CR4_VMXE;
	cpu->vmxe = true;
}

/* Taken after the check: only VMXON time sees it. */
static void taken_late(struct fake_cpu *cpu)
{
	cpu->vmxe_later = true;
}

static void vmxon_fault(struct fake_cpu *cpu)
{
	cpu->vmxon_ret = -EFAULT;
}

static void as_is(struct fake_cpu *cpu)
{
}

static const struct online_case online_cases[] = {
	{ "ready", as_is, 0, VMX_REASON_OK, true },
	{ "feature control reset: written again", fc_reset, 0, VMX_REASON_OK,
	  true },
	{ "other capabilities", other_caps, -EOPNOTSUPP,
	  VMX_REASON_INCONSISTENT },
	{ "other revision id", other_revision, -EOPNOTSUPP,
	  VMX_REASON_INCONSISTENT },
	{ "feature control locked off", fc_locked_off, -EOPNOTSUPP,
	  VMX_REASON_DISABLED_BY_FIRMWARE },
	{ "VMX taken by someone else", taken, -EBUSY, VMX_REASON_BUSY },
	{ "VMX taken after the check", taken_late, -EBUSY, VMX_REASON_BUSY },
	{ "VMXON faults", vmxon_fault, -EIO, VMX_REASON_VMXON_FAULT, true },
};

VMX_TEST_CASE_DESC(online_case)

KUNIT_ARRAY_PARAM(online, online_cases, online_case_desc);

/* What a CPU joining the others (online or resume) has seen done to it. */
static void expect_cpu_after(struct kunit *test, const struct online_case *c,
			     const struct vmx_percpu *st,
			     const struct fake_cpu *fc)
{
	KUNIT_EXPECT_EQ(test, fc->reads, 1);
	KUNIT_EXPECT_EQ(test, st->reason, c->reason);
	KUNIT_EXPECT_EQ(test, st->enabled, !c->err);
	KUNIT_EXPECT_EQ(test, !!st->region, !c->err);
	KUNIT_EXPECT_EQ(test, fc->vmxons, c->vmxon ? 1 : 0);
	if (c->reason == VMX_REASON_BUSY) {
		/* Someone else's VMX: nothing touched. */
		KUNIT_EXPECT_EQ(test, fc->cr4_sets + fc->cr4_clears, 0);
		KUNIT_EXPECT_EQ(test, fc->pt_on + fc->pt_off, 0);
	} else {
		KUNIT_EXPECT_EQ(test, fc->vmxe, !c->err);
	}
	if (c->setup == fc_reset)
		KUNIT_EXPECT_EQ(test, fc->fc_written, 0x5);
}

/* The last online CPU comes online after the others were enabled. */
static unsigned int fleet_enable_but_last(struct kunit *test)
{
	unsigned int last = 0, cpu;

	for_each_online_cpu(cpu)
		last = cpu;
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	KUNIT_EXPECT_EQ(test, fake_on_cpu(last, fake_offline, false), 0);
	fake_ready(&fleet_cpus[last]);
	return last;
}

static void fleet_online_test(struct kunit *test)
{
	const struct online_case *c = test->param_value;
	struct vmx_percpu *st;
	struct fake_cpu *fc;
	unsigned int last;

	cpus_read_lock();
	last = fleet_enable_but_last(test);
	st = &fleet_states[last];
	fc = &fleet_cpus[last];
	c->setup(fc);
	KUNIT_EXPECT_EQ(test, fake_on_cpu(last, fake_online, true), c->err);
	expect_cpu_after(test, c, st, fc);
	/* Without enable the CPU is only checked, and never refused. */
	if (c->err) {
		fake_ready(fc);
		c->setup(fc);
		KUNIT_EXPECT_EQ(test, fake_on_cpu(last, fake_online, false), 0);
		KUNIT_EXPECT_EQ(test, fc->vmxons, 0);
		KUNIT_EXPECT_NULL(test, st->region);
		/* A check alone sees neither the others nor VMXON. */
		if (c->setup == taken_late)
			KUNIT_EXPECT_EQ(test, st->reason, VMX_REASON_OK);
		else if (!c->vmxon && c->reason != VMX_REASON_INCONSISTENT)
			KUNIT_EXPECT_EQ(test, st->reason, c->reason);
	}
	cpus_read_unlock();
}

/* VMXOFF fails going offline: the CPU stays on, with its region. */
static void fleet_offline_vmxoff_fails_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);

	if (!fake_fleet_lock_and_enable(test))
		return;
	fleet_cpus[cpu].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), -EIO);
	KUNIT_EXPECT_TRUE(test, fleet_states[cpu].enabled);
	KUNIT_EXPECT_NOT_NULL(test, fleet_states[cpu].region);
	KUNIT_EXPECT_TRUE(test, fleet_cpus[cpu].vmxe);
	fleet_cpus[cpu].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), 0);
	KUNIT_EXPECT_NULL(test, fleet_states[cpu].region);
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	cpus_read_unlock();
}

/* Suspend keeps the region; resume checks again, then VMXON or frees. */
static void fleet_resume_test(struct kunit *test)
{
	const struct online_case *c = test->param_value;
	unsigned long flags;
	struct vmx_percpu *st;
	struct fake_cpu *fc;
	unsigned int cpu;
	int suspended, resumed;

	if (!fake_fleet_lock_and_enable(test))
		return;
	local_irq_save(flags);
	cpu = smp_processor_id();
	st = &fleet_states[cpu];
	fc = &fleet_cpus[cpu];
	suspended = vmx_fleet_cpu_suspend(&fake_fleet, cpu);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, suspended, 0);
	KUNIT_EXPECT_FALSE(test, st->enabled);
	KUNIT_EXPECT_FALSE(test, fc->vmxe);
	KUNIT_EXPECT_NOT_NULL(test, st->region);

	local_irq_save(flags);
	fake_ready(fc);
	c->setup(fc);
	resumed = vmx_fleet_cpu_resume(&fake_fleet, cpu);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, resumed, c->err);
	expect_cpu_after(test, c, st, fc);
	cpus_read_unlock();
}

static struct kunit_case vmx_fleet_cases[] = {
	KUNIT_CASE(fleet_enable_disable_test),
	KUNIT_CASE(fleet_rollback_test),
	KUNIT_CASE(fleet_inconsistent_test),
	KUNIT_CASE(fleet_busy_between_rounds_test),
	KUNIT_CASE(fleet_enable_after_vmxoff_failed_test),
	KUNIT_CASE(fleet_disable_reports_this_round_test),
	KUNIT_CASE(fleet_hotplug_test),
	KUNIT_CASE_PARAM(fleet_online_test, online_gen_params),
	KUNIT_CASE(fleet_offline_vmxoff_fails_test),
	KUNIT_CASE_PARAM(fleet_resume_test, online_gen_params),
	{}
};

static struct kunit_suite vmx_fleet_suite = {
	.name = "vmxon_fleet",
	.init = fake_fleet_init,
	.exit = fake_fleet_exit,
	.test_cases = vmx_fleet_cases,
};

kunit_test_suite(vmx_fleet_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU state object, on a fake CPU behind the
 * hardware seam: every reason is reachable, in the order of the checks,
 * and every failure leaves the CPU as it was.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "vmx_test.h"

/* A CPU ready for VMXON, with a state that has its region. */
struct fixture {
	struct fake_cpu cpu;
	struct vmx_percpu st;
};

static int percpu_test_init(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	fake_ready(&f->cpu);
	vmx_percpu_init(&f->st, 0);
	f->st.vmcs_revision_id = 0x2b;
	if (vmx_region_alloc(&f->st))
		return -ENOMEM;
	fake = &f->cpu;
	test->priv = f;
	return 0;
}

static void percpu_test_exit(struct kunit *test)
{
	struct fixture *f = test->priv;

	f->st.enabled = false;
	vmx_region_free(&f->st);
	fake = NULL;
}

/* --- enable: every reason, in the order of the checks --------------------- */

struct enable_case {
	const char *desc;
	void (*setup)(struct fixture *f);
	int err;
	enum vmx_reason reason;
	bool vmxon;		/* VMXON was attempted */
	bool vmxe_after;	/* CR4.VMXE set afterwards */
};

static void ready(struct fixture *f)
{
}

static void no_cpuid(struct fixture *f)
{
	f->cpu.regs.cpuid1_ecx = 0;
}

static void busy(struct fixture *f)
{
	f->cpu.regs.cr4 |= VMXCAP_CR4_VMXE;
	f->cpu.vmxe = true;
}

/* Another hypervisor sets CR4.VMXE after the check read the registers. */
static void busy_after_check(struct fixture *f)
{
	f->cpu.vmxe_later = true;
}

static void locked_off(struct fixture *f)
{
	f->cpu.regs.feature_control = 1;
}

static void unlocked(struct fixture *f)
{
	f->cpu.regs.feature_control = 0;
}

static void unlocked_write_faults(struct fixture *f)
{
	f->cpu.regs.feature_control = 0;
	f->cpu.fc_write_ret = -EIO;
}

static void cr0_bad(struct fixture *f)
{
	f->cpu.regs.cr0 &= ~BIT(5);
}

static void cr4_bad(struct fixture *f)
{
	f->cpu.regs.cr4 |= BIT(12);
}

static void too_large(struct fixture *f)
{
	f->cpu.regs.caps.msr[VMX_CAP_BASIC] |= GENMASK_ULL(44, 32);
}

static void not_wb(struct fixture *f)
{
	f->cpu.regs.caps.msr[VMX_CAP_BASIC] &= ~GENMASK_ULL(53, 50);
}

static void no_region(struct fixture *f)
{
	vmx_region_free(&f->st);
}

static void vmxon_faults(struct fixture *f)
{
	f->cpu.vmxon_ret = -EFAULT;
}

static void vmfail_invalid(struct fixture *f)
{
	f->cpu.vmxon_ret = -EIO;
}

static void vmfail_valid(struct fixture *f)
{
	f->cpu.vmxon_ret = -EBUSY;
}

static const struct enable_case enable_cases[] = {
	{ "ready", ready, 0, VMX_REASON_OK, true, true },
	{ "no cpuid bit", no_cpuid, -EOPNOTSUPP, VMX_REASON_NO_VMX },
	{ "busy: VMXE already set", busy, -EBUSY, VMX_REASON_BUSY, false,
	  true },
	{ "busy: VMXE set after the check", busy_after_check, -EBUSY,
	  VMX_REASON_BUSY },
	{ "feature control locked off", locked_off, -EOPNOTSUPP,
	  VMX_REASON_DISABLED_BY_FIRMWARE },
	{ "feature control unlocked", unlocked, 0, VMX_REASON_OK, true, true },
	{ "feature control write faults", unlocked_write_faults, -EIO,
	  VMX_REASON_FEATURE_CONTROL_WRITE_FAILED },
	{ "cr0 fixed bits", cr0_bad, -EIO, VMX_REASON_CR0_FIXED_BITS },
	{ "cr4 fixed bits", cr4_bad, -EIO, VMX_REASON_CR4_FIXED_BITS },
	{ "vmcs too large", too_large, -EOPNOTSUPP,
	  VMX_REASON_VMCS_TOO_LARGE },
	{ "memory type not WB", not_wb, -EOPNOTSUPP,
	  VMX_REASON_MEMTYPE_NOT_WB },
	{ "no region", no_region, -ENOMEM, VMX_REASON_NO_MEMORY },
	{ "vmxon faults", vmxon_faults, -EIO, VMX_REASON_VMXON_FAULT, true },
	{ "vmxon VMfailInvalid", vmfail_invalid, -EIO,
	  VMX_REASON_VMXON_FAILED, true },
	{ "vmxon VMfailValid: someone else's VMX", vmfail_valid, -EBUSY,
	  VMX_REASON_BUSY, true, true },
};

VMX_TEST_CASE_DESC(enable_case)

KUNIT_ARRAY_PARAM(enable, enable_cases, enable_case_desc);

static void enable_test(struct kunit *test)
{
	const struct enable_case *c = test->param_value;
	struct fixture *f = test->priv;
	struct fake_cpu *cpu = &f->cpu;
	bool was_vmxe;

	c->setup(f);
	was_vmxe = cpu->vmxe;
	KUNIT_EXPECT_EQ(test, vmx_percpu_hardware_enable(&f->st, &fake_hw),
			c->err);
	KUNIT_EXPECT_EQ(test, f->st.reason, c->reason);
	KUNIT_EXPECT_EQ(test, vmx_percpu_is_enabled(&f->st), !c->err);
	KUNIT_EXPECT_EQ(test, cpu->vmxons, c->vmxon ? 1 : 0);
	KUNIT_EXPECT_EQ(test, cpu->vmxe, c->vmxe_after);
	KUNIT_EXPECT_EQ(test, cpu->vmxoffs, 0);
	if (!c->vmxon) {
		/* Refused before VMXON: nothing was touched. */
		KUNIT_EXPECT_EQ(test, cpu->cr4_sets + cpu->cr4_clears, 0);
		KUNIT_EXPECT_EQ(test, cpu->pt_on, 0);
		KUNIT_EXPECT_EQ(test, cpu->vmxe, was_vmxe);
	} else {
		KUNIT_EXPECT_EQ(test, cpu->vmxon_pa, page_to_phys(f->st.region));
		KUNIT_EXPECT_EQ(test, cpu->pt_on, 1);
		KUNIT_EXPECT_EQ(test, cpu->pt_off, c->err ? 1 : 0);
	}
	if (c->setup == unlocked)
		KUNIT_EXPECT_EQ(test, cpu->fc_written, 0x5);
	else if (c->setup != unlocked_write_faults)
		KUNIT_EXPECT_EQ(test, cpu->fc_writes, 0);
}

static void enable_twice_test(struct kunit *test)
{
	struct fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, vmx_percpu_hardware_enable(&f->st, &fake_hw), 0);
	KUNIT_EXPECT_EQ(test, vmx_percpu_hardware_enable(&f->st, &fake_hw), 0);
	KUNIT_EXPECT_EQ(test, f->cpu.vmxons, 1);
}

/* --- disable ------------------------------------------------------------- */

static void disable_not_enabled_test(struct kunit *test)
{
	struct fixture *f = test->priv;

	f->cpu.vmxe = true;	/* someone else's VMX: not ours to turn off */
	KUNIT_EXPECT_EQ(test, vmx_percpu_hardware_disable(&f->st, &fake_hw),
			-EIO);
	KUNIT_EXPECT_EQ(test, f->cpu.vmxoffs, 0);
	KUNIT_EXPECT_EQ(test, f->cpu.cr4_clears, 0);
	KUNIT_EXPECT_TRUE(test, f->cpu.vmxe);
}

struct disable_case {
	const char *desc;
	int vmxoff_ret;
	int err;
	enum vmx_reason reason;
	bool still_enabled;
};

static const struct disable_case disable_cases[] = {
	{ "vmxoff", 0, 0, VMX_REASON_OK, false },
	{ "vmxoff faults: was not in VMX operation", -EFAULT, -EIO,
	  VMX_REASON_VMXOFF_FAILED, false },
	{ "vmxoff VMfail: still in VMX operation", -EIO, -EIO,
	  VMX_REASON_VMXOFF_FAILED, true },
};

VMX_TEST_CASE_DESC(disable_case)

KUNIT_ARRAY_PARAM(disable, disable_cases, disable_case_desc);

static void disable_test(struct kunit *test)
{
	const struct disable_case *c = test->param_value;
	struct fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, vmx_percpu_hardware_enable(&f->st, &fake_hw), 0);
	f->cpu.vmxoff_ret = c->vmxoff_ret;
	KUNIT_EXPECT_EQ(test, vmx_percpu_hardware_disable(&f->st, &fake_hw),
			c->err);
	KUNIT_EXPECT_EQ(test, f->st.reason, c->reason);
	KUNIT_EXPECT_EQ(test, vmx_percpu_is_enabled(&f->st), c->still_enabled);
	/* VMXE may only go while the CPU is out of VMX operation. */
	KUNIT_EXPECT_EQ(test, f->cpu.vmxe, c->still_enabled);
	KUNIT_EXPECT_EQ(test, f->cpu.pt_off, c->still_enabled ? 0 : 1);
	/* The region stays while the CPU may still use it. */
	vmx_region_free(&f->st);
	KUNIT_EXPECT_EQ(test, !!f->st.region, c->still_enabled);
}

/* --- the emergency VMXOFF ------------------------------------------------- */

struct emergency_case {
	const char *desc;
	bool enable_first;
	int vmxoff_ret;
	bool vmxe_after;
};

static const struct emergency_case emergency_cases[] = {
	{ "in VMX operation", true, 0, false },
	{ "between VMXON and the state update", false, 0, false },
	{ "not in VMX operation: VMXOFF faults", false, -EFAULT, false },
	{ "VMXOFF VMfail: still in VMX operation", true, -EIO, true },
};

VMX_TEST_CASE_DESC(emergency_case)

KUNIT_ARRAY_PARAM(emergency, emergency_cases, emergency_case_desc);

static void emergency_test(struct kunit *test)
{
	const struct emergency_case *c = test->param_value;
	struct fixture *f = test->priv;

	if (c->enable_first)
		KUNIT_ASSERT_EQ(test,
				vmx_percpu_hardware_enable(&f->st, &fake_hw), 0);
	else
		f->cpu.vmxe = true;
	f->cpu.vmxoff_ret = c->vmxoff_ret;
	vmx_percpu_emergency_disable(&f->st, &fake_hw);
	KUNIT_EXPECT_EQ(test, f->cpu.vmxoffs, 1);
	KUNIT_EXPECT_EQ(test, f->cpu.vmxe, c->vmxe_after);
	KUNIT_EXPECT_EQ(test, vmx_percpu_is_enabled(&f->st),
			c->enable_first && c->vmxe_after);
	/* No region is freed from NMI context. */
	KUNIT_EXPECT_NOT_NULL(test, f->st.region);
}

/* --- the region ---------------------------------------------------------- */

static void region_test(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct vmx_percpu st;
	u32 *words;
	int i;

	vmx_percpu_init(&st, 0);
	st.vmcs_revision_id = 0xffffffff;
	KUNIT_ASSERT_EQ(test, vmx_region_alloc(&st), 0);
	words = page_address(st.region);
	KUNIT_EXPECT_EQ(test, words[0], 0x7fffffffU);
	for (i = 1; i < PAGE_SIZE / sizeof(u32); i++)
		if (words[i])
			KUNIT_FAIL(test, "word %d is 0x%x, not zero", i, words[i]);
	vmx_region_free(&st);
	KUNIT_EXPECT_NULL(test, st.region);
	KUNIT_EXPECT_EQ(test, *(u32 *)page_address(f->st.region), 0x2bU);
}

static struct kunit_case vmx_percpu_cases[] = {
	KUNIT_CASE_PARAM(enable_test, enable_gen_params),
	KUNIT_CASE(enable_twice_test),
	KUNIT_CASE(disable_not_enabled_test),
	KUNIT_CASE_PARAM(disable_test, disable_gen_params),
	KUNIT_CASE_PARAM(emergency_test, emergency_gen_params),
	KUNIT_CASE(region_test),
	{}
};

static struct kunit_suite vmx_percpu_suite = {
	.name = "vmx_percpu",
	.init = percpu_test_init,
	.exit = percpu_test_exit,
	.test_cases = vmx_percpu_cases,
};

/* --- every CPU: all or nothing ------------------------------------------ */

static struct vmx_percpu *fleet_states;

static struct vmx_percpu *fleet_state(unsigned int cpu)
{
	return &fleet_states[cpu];
}

static struct vmx_caps fleet_ref;
static struct vmx_fleet_stats fleet_stats;

static const struct vmx_fleet fake_fleet = {
	.hw = &fake_hw,
	.state = fleet_state,
	.ref = &fleet_ref,
	.stats = &fleet_stats,
};

static int fleet_test_init(struct kunit *test)
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
	return 0;
}

static void fleet_test_exit(struct kunit *test)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		fleet_states[cpu].enabled = false;
		vmx_region_free(&fleet_states[cpu]);
	}
	fleet_cpus = NULL;
}

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
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet), 0);
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

	cpus_read_lock();
	KUNIT_ASSERT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	fleet_cpus[k].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet), -EIO);
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EIO);
	KUNIT_EXPECT_EQ(test, fleet_states[k].reason, VMX_REASON_VMXOFF_FAILED);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, fleet_states[cpu].enabled, cpu == k,
				    "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, fleet_cpus[cpu].vmxons, 1, "cpu%u", cpu);
	}
	fleet_cpus[k].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet), 0);
	KUNIT_EXPECT_FALSE(test, fleet_states[k].enabled);
	KUNIT_EXPECT_NULL(test, fleet_states[k].region);
	cpus_read_unlock();
}

/* --- hotplug, suspend and resume of one CPU ------------------------------ */

struct cpu_call {
	int (*fn)(const struct vmx_fleet *f, unsigned int cpu, bool enable);
	bool enable;
};

static long cpu_call_fn(void *arg)
{
	const struct cpu_call *c = arg;

	return c->fn(&fake_fleet, smp_processor_id(), c->enable);
}

static int online(const struct vmx_fleet *f, unsigned int cpu, bool enable)
{
	return vmx_fleet_cpu_online(f, cpu, enable);
}

static int offline(const struct vmx_fleet *f, unsigned int cpu, bool enable)
{
	return vmx_fleet_cpu_offline(f, cpu);
}

/* Run a hotplug callback on @cpu, in process context, as cpuhp does. */
static int on_cpu(unsigned int cpu, int (*fn)(const struct vmx_fleet *f,
					      unsigned int cpu, bool enable),
		  bool enable)
{
	struct cpu_call c = { fn, enable };

	return work_on_cpu(cpu, cpu_call_fn, &c);
}

/* Each CPU goes offline and comes back: off and freed, then on again. */
static void fleet_hotplug_test(struct kunit *test)
{
	unsigned int cpu;

	cpus_read_lock();
	KUNIT_ASSERT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = &fleet_states[cpu];
		struct fake_cpu *c = &fleet_cpus[cpu];

		KUNIT_EXPECT_EQ(test, on_cpu(cpu, offline, false), 0);
		KUNIT_EXPECT_FALSE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_FALSE_MSG(test, c->vmxe, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxoffs, 1, "cpu%u", cpu);
		KUNIT_EXPECT_EQ(test, on_cpu(cpu, online, true), 0);
		KUNIT_EXPECT_TRUE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NOT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxons, 2, "cpu%u", cpu);
		/* Online again (a rollback's startup): nothing happens. */
		KUNIT_EXPECT_EQ(test, on_cpu(cpu, online, true), 0);
		KUNIT_EXPECT_EQ_MSG(test, c->vmxons, 2, "cpu%u", cpu);
		/* Offline with nothing enabled does nothing either. */
		KUNIT_EXPECT_EQ(test, on_cpu(cpu, offline, false), 0);
		KUNIT_EXPECT_EQ(test, on_cpu(cpu, offline, false), 0);
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
			     const struct fake_cpu *fc)
{
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
	KUNIT_EXPECT_EQ(test, on_cpu(last, offline, false), 0);
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
	KUNIT_EXPECT_EQ(test, on_cpu(last, online, true), c->err);
	KUNIT_EXPECT_EQ(test, fc->reads, 1);
	KUNIT_EXPECT_EQ(test, st->reason, c->reason);
	KUNIT_EXPECT_EQ(test, st->enabled, !c->err);
	KUNIT_EXPECT_EQ(test, !!st->region, !c->err);
	KUNIT_EXPECT_EQ(test, fc->vmxons, c->vmxon ? 1 : 0);
	expect_cpu_after(test, c, fc);
	/* Without enable the CPU is only checked, and never refused. */
	if (c->err) {
		fake_ready(fc);
		c->setup(fc);
		KUNIT_EXPECT_EQ(test, on_cpu(last, online, false), 0);
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

	cpus_read_lock();
	KUNIT_ASSERT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	fleet_cpus[cpu].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, on_cpu(cpu, offline, false), -EIO);
	KUNIT_EXPECT_TRUE(test, fleet_states[cpu].enabled);
	KUNIT_EXPECT_NOT_NULL(test, fleet_states[cpu].region);
	KUNIT_EXPECT_TRUE(test, fleet_cpus[cpu].vmxe);
	fleet_cpus[cpu].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, on_cpu(cpu, offline, false), 0);
	KUNIT_EXPECT_NULL(test, fleet_states[cpu].region);
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet), 0);
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

	cpus_read_lock();
	KUNIT_ASSERT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
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
	KUNIT_EXPECT_EQ(test, fc->reads, 1);
	KUNIT_EXPECT_EQ(test, st->reason, c->reason);
	KUNIT_EXPECT_EQ(test, st->enabled, !c->err);
	KUNIT_EXPECT_EQ(test, !!st->region, !c->err);
	KUNIT_EXPECT_EQ(test, fc->vmxons, c->vmxon ? 1 : 0);
	expect_cpu_after(test, c, fc);
	cpus_read_unlock();
}

static struct kunit_case vmx_fleet_cases[] = {
	KUNIT_CASE(fleet_enable_disable_test),
	KUNIT_CASE(fleet_rollback_test),
	KUNIT_CASE(fleet_inconsistent_test),
	KUNIT_CASE(fleet_busy_between_rounds_test),
	KUNIT_CASE(fleet_enable_after_vmxoff_failed_test),
	KUNIT_CASE(fleet_hotplug_test),
	KUNIT_CASE_PARAM(fleet_online_test, online_gen_params),
	KUNIT_CASE(fleet_offline_vmxoff_fails_test),
	KUNIT_CASE_PARAM(fleet_resume_test, online_gen_params),
	{}
};

static struct kunit_suite vmx_fleet_suite = {
	.name = "vmx_fleet",
	.init = fleet_test_init,
	.exit = fleet_test_exit,
	.test_cases = vmx_fleet_cases,
};

kunit_test_suites(&vmx_percpu_suite, &vmx_fleet_suite);

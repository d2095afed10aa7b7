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

/* Firmware left SGX and "inside SMX" on: feat_ctl.c would not keep them. */
static void unlocked_other_bits(struct fixture *f)
{
	f->cpu.regs.feature_control = 0x40002;
}

static void unlocked_write_faults(struct fixture *f)
{
	f->cpu.regs.feature_control = 0x40000;
	f->cpu.fc_write_ret = -EIO;
}

/* The write "succeeds" and the MSR reads back unlocked. */
static void unlocked_write_lost(struct fixture *f)
{
	f->cpu.regs.feature_control = 0;
	f->cpu.fc_write_lost = true;
}

/* The write works, reading it back faults. */
static void unlocked_read_back_faults(struct fixture *f)
{
	f->cpu.regs.feature_control = 0x40000;
	f->cpu.fc_read_ret = -EIO;
}

/* clearcpuid=vmx: the kernel cleared X86_FEATURE_VMX. */
static void kernel_off(struct fixture *f)
{
	f->cpu.regs.kernel_vmx = false;
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

static void vmfail(struct fixture *f)
{
	f->cpu.vmxon_ret = -EIO;
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
	{ "kernel cleared X86_FEATURE_VMX", kernel_off, -EOPNOTSUPP,
	  VMX_REASON_DISABLED_BY_KERNEL },
	{ "feature control unlocked", unlocked, 0, VMX_REASON_OK, true, true },
	{ "feature control unlocked, other bits", unlocked_other_bits, 0,
	  VMX_REASON_OK, true, true },
	{ "feature control write faults", unlocked_write_faults, -EIO,
	  VMX_REASON_FEATURE_CONTROL_WRITE_FAILED },
	{ "feature control write does not stick", unlocked_write_lost, -EIO,
	  VMX_REASON_FEATURE_CONTROL_WRITE_FAILED },
	{ "feature control read back faults", unlocked_read_back_faults, -EIO,
	  VMX_REASON_FEATURE_CONTROL_WRITE_FAILED },
	{ "cr0 fixed bits", cr0_bad, -EIO, VMX_REASON_CR0_FIXED_BITS },
	{ "cr4 fixed bits", cr4_bad, -EIO, VMX_REASON_CR4_FIXED_BITS },
	{ "vmcs too large", too_large, -EOPNOTSUPP,
	  VMX_REASON_VMCS_TOO_LARGE },
	{ "memory type not WB", not_wb, -EOPNOTSUPP,
	  VMX_REASON_MEMTYPE_NOT_WB },
	{ "no region", no_region, -ENOMEM, VMX_REASON_NO_MEMORY },
	{ "vmxon faults", vmxon_faults, -EIO, VMX_REASON_VMXON_FAULT, true },
	{ "vmxon VMfail", vmfail, -EIO, VMX_REASON_VMXON_FAILED, true },
};

VMX_TEST_CASE_DESC(enable_case)

KUNIT_ARRAY_PARAM(enable, enable_cases, enable_case_desc);

static void enable_test(struct kunit *test)
{
	const struct enable_case *c = test->param_value;
	struct fixture *f = test->priv;
	struct fake_cpu *cpu = &f->cpu;
	bool unlocked_fc, was_vmxe;
	u64 fc;

	c->setup(f);
	was_vmxe = cpu->vmxe;
	fc = cpu->regs.feature_control;
	unlocked_fc = !(fc & VMXCAP_FC_LOCKED) && cpu->regs.kernel_vmx;
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
	/* Written as feat_ctl.c writes it, and shown as read back. */
	if (unlocked_fc) {
		KUNIT_EXPECT_EQ(test, cpu->fc_writes, 1);
		KUNIT_EXPECT_EQ(test, cpu->fc_written, 0x5);
		if (!c->err)
			KUNIT_EXPECT_EQ(test, f->st.feature_control, 0x5);
	} else {
		KUNIT_EXPECT_EQ(test, cpu->fc_writes, 0);
		KUNIT_EXPECT_EQ(test, f->st.feature_control, fc);
	}
	/* Read back as unlocked, or not at all: shown as read, or 0. */
	if (c->setup == unlocked_write_lost ||
	    c->setup == unlocked_read_back_faults)
		KUNIT_EXPECT_EQ(test, f->st.feature_control, 0);
	/* A write that faulted changed nothing: not read back, shown as before. */
	if (c->setup == unlocked_write_faults) {
		KUNIT_EXPECT_EQ(test, cpu->fc_reads, 0);
		KUNIT_EXPECT_EQ(test, f->st.feature_control, 0x40000);
	}
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
	bool vmxe;		/* without enable_first: CR4.VMXE set */
	int vmxoff_ret;
	int vmxoffs;
	bool vmxe_after;
};

static const struct emergency_case emergency_cases[] = {
	{ "in VMX operation", true, true, 0, 1, false },
	{ "between VMXON and the state update", false, true, 0, 1, false },
	{ "between VMXE and VMXON: VMXOFF faults", false, true, -EFAULT, 1,
	  false },
	{ "VMXE clear: no VMXOFF", false, false, 0, 0, false },
	{ "VMXOFF VMfail: still in VMX operation", true, true, -EIO, 1, true },
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
		f->cpu.vmxe = c->vmxe;
	f->cpu.vmxoff_ret = c->vmxoff_ret;
	vmx_percpu_emergency_disable(&f->st, &fake_hw);
	KUNIT_EXPECT_EQ(test, f->cpu.vmxoffs, c->vmxoffs);
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
	.name = "vmxon_percpu",
	.init = percpu_test_init,
	.exit = percpu_test_exit,
	.test_cases = vmx_percpu_cases,
};

kunit_test_suite(vmx_percpu_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * What the KUnit suites share (vmx_test.h): the fake CPU, and the ways
 * into vmxon that a client or root has. No suite lives here.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/string.h>

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

static int fake_write_feature_control(u64 val)
{
	cur()->fc_writes++;
	cur()->fc_written = val;
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

static int fake_vmxon(u64 phys)
{
	cur()->vmxons++;
	cur()->vmxon_pa = phys;
	return cur()->vmxon_ret;
}

static int fake_vmxoff(void)
{
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

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit on real VMX: with vmxon enabled, every CPU must really be in VMX
 * root operation with the right revision id. On each CPU: VMCLEAR a fresh
 * VMCS that carries vmxon's revision id, VMPTRLD it, VMPTRST it back,
 * VMREAD one field, VMCLEAR it again. Skipped where vmxon enabled no CPU.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/asm.h>

#include "vmx_test.h"

#define VM_INSTRUCTION_ERROR	0x4400

/* Each returns 0, -EIO on VMfail, -EFAULT on a fault (#UD: not in VMX). */
static int test_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static int test_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static int test_vmptrst(u64 *pa)
{
	asm goto("1: vmptrst (%[pa])\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "r"(pa) : "cc", "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

static int test_vmread(unsigned long field, unsigned long *value)
{
	asm goto("1: vmread %[field], (%[value])\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [field] "r"(field), [value] "r"(value) : "cc", "memory"
		 : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

struct vmcs_probe {
	u64 pa;
	u64 loaded;
	unsigned long error;
	const char *step;
	int err;
};

static void vmcs_probe_ipi(void *data)
{
	struct vmcs_probe *p = data;

	p->step = "vmclear";
	p->err = test_vmclear(p->pa);
	if (p->err)
		return;
	p->step = "vmptrld";
	p->err = test_vmptrld(p->pa);
	if (p->err)
		return;
	p->step = "vmptrst";
	p->err = test_vmptrst(&p->loaded);
	if (p->err)
		return;
	p->step = "vmread";
	p->err = test_vmread(VM_INSTRUCTION_ERROR, &p->error);
	if (p->err)
		return;
	p->step = "vmclear again";
	p->err = test_vmclear(p->pa);
}

static void vmcs_on_every_cpu_test(struct kunit *test)
{
	u32 revision = vmxon_vmcs_revision_id();
	unsigned int cpu, tried = 0;

	VMX_TEST_NEEDS_VMX(test);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct vmcs_probe p = {};
		struct page *page;

		if (!vmxon_cpu_is_enabled(cpu))
			continue;
		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		/* No ASSERT: the case must not end holding the lock. */
		KUNIT_EXPECT_NOT_NULL(test, page);
		if (!page)
			break;
		*(u32 *)page_address(page) = revision;
		p.pa = page_to_phys(page);
		smp_call_function_single(cpu, vmcs_probe_ipi, &p, 1);
		__free_page(page);
		tried++;
		KUNIT_EXPECT_EQ_MSG(test, p.err, 0, "cpu%u: %s failed", cpu,
				    p.step);
		if (p.err)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, p.loaded, p.pa,
				    "cpu%u: VMPTRST is not the VMCS loaded", cpu);
		KUNIT_EXPECT_EQ_MSG(test, p.error, 0UL,
				    "cpu%u: VM-instruction error field", cpu);
	}
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, tried, num_online_cpus());
}

static struct kunit_case vmx_real_cases[] = {
	KUNIT_CASE(vmcs_on_every_cpu_test),
	{}
};

static struct kunit_suite vmx_real_suite = {
	.name = "vmxon_real",
	.test_cases = vmx_real_cases,
};

kunit_test_suite(vmx_real_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection, for tests: built only with `make VMXON_FAULT_INJECTION=y`
 * against a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS. Each point is one
 * of the kernel's fault attributes under /sys/kernel/debug/vmxon/; fault_cpu
 * aims them at one CPU (at any CPU when it is nr_cpu_ids or more, the
 * default). Hardware failures are injected at the seam (struct vmx_hw), so
 * everything above it runs as it would on failing hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vmx_internal.h"

static struct fault_attr vmx_faults[VMX_FAULT_COUNT];
static const char * const vmx_fault_names[VMX_FAULT_COUNT] = {
	[VMX_FAULT_REGION]	= "fail_region",
	[VMX_FAULT_CHECK]	= "fail_check",
	[VMX_FAULT_VMXON]	= "fail_vmxon",
	[VMX_FAULT_VMXOFF]	= "fail_vmxoff",
	[VMX_FAULT_SYSFS]	= "fail_sysfs",
	[VMX_FAULT_ONLINE]	= "fail_online",
	[VMX_FAULT_RESUME]	= "fail_resume",
};

static u32 vmx_fault_cpu = U32_MAX;
/* The check that fail_check breaks, by its reason. */
static enum vmx_reason vmx_fault_check = VMX_REASON_NO_VMX;
/* VMXON fails with VMfailInvalid (Y) or faults (N). */
static bool vmx_fault_vmxon_vmfail;
/* VMXOFF fails with VMfail, the CPU staying in VMX operation (Y), or ends
 * VMX operation and then reports a fault (N).
 */
static bool vmx_fault_vmxoff_vmfail = true;
/* This CPU's next register read sees firmware's reset: locked, VMX off. */
static DEFINE_PER_CPU(bool, vmx_fault_firmware_off);

/**
 * vmx_fault_should_fail() - should this point fail now, on this CPU
 * @point: the injection point
 * @cpu: the CPU concerned
 *
 * Context: Any context.
 * Return: true to fail.
 */
bool vmx_fault_should_fail(enum vmx_fault_point point, unsigned int cpu)
{
	u32 target = READ_ONCE(vmx_fault_cpu);

	if (target < nr_cpu_ids && cpu != target)
		return false;
	return should_fail(&vmx_faults[point], 1);
}

/**
 * vmx_fault_resume() - fail_resume: firmware locked FEATURE_CONTROL off
 * @cpu: the CPU coming back from suspend, the current one
 *
 * Context: On @cpu, while it resumes.
 */
void vmx_fault_resume(unsigned int cpu)
{
	if (vmx_fault_should_fail(VMX_FAULT_RESUME, cpu))
		this_cpu_write(vmx_fault_firmware_off, true);
}

/* Break the register values so that the check for @reason fails. */
static void vmx_fault_break(struct vmx_cpu_regs *r, enum vmx_reason reason)
{
	u64 *basic = &r->caps.msr[VMX_CAP_BASIC];

	switch (reason) {
	case VMX_REASON_NO_VMX:
		r->cpuid1_ecx &= ~VMXCAP_CPUID1_ECX_VMX;
		break;
	case VMX_REASON_DISABLED_BY_FIRMWARE:
		r->feature_control = VMXCAP_FC_LOCKED;
		break;
	case VMX_REASON_DISABLED_BY_KERNEL:
		r->kernel_vmx = false;
		break;
	case VMX_REASON_CR0_FIXED_BITS:
		r->cr0 &= ~BIT_ULL(__ffs64(r->caps.msr[VMX_CAP_CR0_FIXED0] | 1));
		break;
	case VMX_REASON_CR4_FIXED_BITS:
		r->cr4 |= BIT_ULL(__ffs64(~r->caps.msr[VMX_CAP_CR4_FIXED1]));
		break;
	case VMX_REASON_VMCS_TOO_LARGE:
		*basic |= GENMASK_ULL(44, 32);
		break;
	case VMX_REASON_VMCS_SIZE_ZERO:
		*basic &= ~GENMASK_ULL(44, 32);
		break;
	case VMX_REASON_MEMTYPE_NOT_WB:
		*basic &= ~GENMASK_ULL(53, 50);
		break;
	case VMX_REASON_ADDR_32BIT_ONLY:
		*basic |= BIT_ULL(48);
		break;
	case VMX_REASON_BUSY:
		r->cr4 |= VMXCAP_CR4_VMXE;
		break;
	case VMX_REASON_INCONSISTENT:
		r->caps.msr[VMX_CAP_MISC] ^= 1;
		break;
	default:
		break;
	}
}

static void faulty_read_regs(struct vmx_cpu_regs *regs)
{
	vmx_hw_real.read_regs(regs);
	if (this_cpu_read(vmx_fault_firmware_off)) {
		this_cpu_write(vmx_fault_firmware_off, false);
		vmx_fault_break(regs, VMX_REASON_DISABLED_BY_FIRMWARE);
	}
	if (vmx_fault_should_fail(VMX_FAULT_CHECK, smp_processor_id()))
		vmx_fault_break(regs, READ_ONCE(vmx_fault_check));
}

static int faulty_vmxon(u64 phys)
{
	if (vmx_fault_should_fail(VMX_FAULT_VMXON, smp_processor_id()))
		return READ_ONCE(vmx_fault_vmxon_vmfail) ? -EIO : -EFAULT;
	return vmx_hw_real.vmxon(phys);
}

static int faulty_vmxoff(void)
{
	if (!vmx_fault_should_fail(VMX_FAULT_VMXOFF, smp_processor_id()))
		return vmx_hw_real.vmxoff();
	if (READ_ONCE(vmx_fault_vmxoff_vmfail))
		return -EIO;
	vmx_hw_real.vmxoff();
	return -EFAULT;
}

/* The real hardware, with the faults above; filled in by vmx_fault_init(). */
struct vmx_hw vmx_hw_faulty;

static ssize_t check_reason_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char buf[40];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			vmx_reason_token(READ_ONCE(vmx_fault_check)));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t check_reason_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char buf[40] = {};
	enum vmx_reason r;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	for (r = VMX_REASON_NO_VMX; r < VMX_REASON_COUNT; r++) {
		if (sysfs_streq(buf, vmx_reason_token(r))) {
			WRITE_ONCE(vmx_fault_check, r);
			return count;
		}
	}
	return -EINVAL;
}

static const struct file_operations check_reason_fops = {
	.read = check_reason_read,
	.write = check_reason_write,
	.llseek = default_llseek,
};

/**
 * vmx_fault_init() - the fault attributes
 * @dir: vmxon's debugfs directory, removed by the caller
 *
 * Context: Module init.
 * Return: 0 or a negative errno.
 */
int vmx_fault_init(struct dentry *dir)
{
	struct dentry *d;
	int i;

	vmx_hw_faulty = vmx_hw_real;
	vmx_hw_faulty.read_regs = faulty_read_regs;
	vmx_hw_faulty.vmxon = faulty_vmxon;
	vmx_hw_faulty.vmxoff = faulty_vmxoff;

	for (i = 0; i < VMX_FAULT_COUNT; i++) {
		vmx_faults[i] = (struct fault_attr)FAULT_ATTR_INITIALIZER;
		/* One line per injected fault, no stack dump. */
		vmx_faults[i].verbose = 1;
		d = fault_create_debugfs_attr(vmx_fault_names[i], dir,
					      &vmx_faults[i]);
		if (IS_ERR(d))
			return PTR_ERR(d);
	}
	debugfs_create_u32("fault_cpu", 0600, dir, &vmx_fault_cpu);
	debugfs_create_bool("vmxon_vmfail", 0600, dir, &vmx_fault_vmxon_vmfail);
	debugfs_create_bool("vmxoff_vmfail", 0600, dir,
			    &vmx_fault_vmxoff_vmfail);
	debugfs_create_file("check_reason", 0600, dir, NULL, &check_reason_fops);
	pr_info("fault injection built in: /sys/kernel/debug/vmxon/\n");
	return 0;
}

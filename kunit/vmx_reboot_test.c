// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of a reboot or kexec (vmx_core_stop(), the reboot notifier's
 * work): it stops vmxon until vmxon is loaded again, so this suite runs
 * after every other (see Kbuild).
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>

#include "vmx_test.h"

/*
 * A reboot began (the notifier's work, called directly): every CPU off,
 * and no way back on: not through sysfs, the API, or a CPU coming online.
 * Runs last: vmxon stays stopped until it is reloaded.
 */
static void reboot_stops_everything_test(struct kunit *test)
{
	unsigned int cpu, last = 0;

	vmx_core_stop();
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_FALSE_MSG(test, vmxon_cpu_is_enabled(cpu), "cpu%u", cpu);
		last = cpu;
	}
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, vmxon_get(), -ENODEV);
	if (!last)
		return;
	KUNIT_ASSERT_EQ(test, remove_cpu(last), 0);
	KUNIT_ASSERT_EQ(test, add_cpu(last), 0);
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(last));
}

static struct kunit_case vmx_reboot_cases[] = {
	KUNIT_CASE(reboot_stops_everything_test),
	{}
};

static struct kunit_suite vmx_reboot_suite = {
	.name = "vmxon_reboot",
	.test_cases = vmx_reboot_cases,
};

kunit_test_suite(vmx_reboot_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of a reboot or kexec (vmx_core_stop(), the reboot notifier's
 * work): it stops vmxon until vmxon is loaded again, so this suite runs
 * after every other (see Kbuild).
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>

#include "vmx_test.h"

struct reboot_client {
	struct vmxon_client client;
	atomic_t downs, going_down;
};

static void reboot_cpu_down(struct vmxon_client *client, unsigned int cpu)
{
	struct reboot_client *rc = container_of(client, struct reboot_client,
						client);

	atomic_inc(&rc->downs);
	if (vmxon_going_down())
		atomic_inc(&rc->going_down);
}

/*
 * A reboot began (the notifier's work, called directly): a registered
 * client gets cpu_down on every CPU, with vmxon_going_down() already
 * true; then every CPU is off, and there is no way back on: not through
 * sysfs, the API, or a CPU coming online. Runs last: vmxon stays stopped
 * until it is reloaded.
 */
static void reboot_stops_everything_test(struct kunit *test)
{
	static struct reboot_client rc = {
		.client = {
			.name = "kunit_reboot",
			.owner = THIS_MODULE,
			.cpu_down = reboot_cpu_down,
		},
	};
	unsigned int cpu, last = 0, on = 0;
	bool registered;

	for_each_online_cpu(cpu)
		on += vmxon_cpu_is_enabled(cpu);
	registered = !vmxon_register(&rc.client);
	KUNIT_EXPECT_EQ(test, registered, on > 0);
	vmx_core_stop();
	KUNIT_EXPECT_TRUE(test, vmxon_going_down());
	KUNIT_EXPECT_EQ(test, atomic_read(&rc.downs), on);
	KUNIT_EXPECT_EQ(test, atomic_read(&rc.going_down), on);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_FALSE_MSG(test, vmxon_cpu_is_enabled(cpu), "cpu%u", cpu);
		last = cpu;
	}
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), -ESHUTDOWN);
	if (registered) {
		/* Still registered after a reboot: not again, but can leave. */
		KUNIT_EXPECT_EQ(test, vmxon_register(&rc.client), -EEXIST);
		vmxon_unregister(&rc.client);
		KUNIT_EXPECT_EQ(test, atomic_read(&rc.downs), on);
	}
	KUNIT_EXPECT_EQ(test, vmxon_register(&rc.client), -ESHUTDOWN);
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

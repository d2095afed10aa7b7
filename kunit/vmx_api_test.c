// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the client API (vmx_percpu.h) on the module's own
 * fleet, used as a client module would, right and wrong: misuse must
 * return an error and change nothing, never crash. Where vmxon enabled no
 * CPU (no VMX), registering must fail with -ENODEV.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "vmx_test.h"

/* A client that counts its callbacks per CPU, and may refuse one CPU. */
struct count_client {
	struct vmxon_client client;
	unsigned int fail_cpu;
	atomic_t ups[NR_CPUS], downs[NR_CPUS];
	atomic_t irqs_on;	/* a callback ran with interrupts enabled */
	atomic_t wrong_cpu;	/* a callback ran on another CPU */
};

static struct count_client *to_count(struct vmxon_client *client)
{
	return container_of(client, struct count_client, client);
}

static void count_context(struct count_client *cc, unsigned int cpu)
{
	if (!irqs_disabled())
		atomic_inc(&cc->irqs_on);
	if (cpu != smp_processor_id())
		atomic_inc(&cc->wrong_cpu);
}

static int count_cpu_up(struct vmxon_client *client, unsigned int cpu)
{
	struct count_client *cc = to_count(client);

	count_context(cc, cpu);
	if (cpu == cc->fail_cpu)
		return -ENOSPC;
	atomic_inc(&cc->ups[cpu]);
	return 0;
}

static void count_cpu_down(struct vmxon_client *client, unsigned int cpu)
{
	struct count_client *cc = to_count(client);

	count_context(cc, cpu);
	atomic_inc(&cc->downs[cpu]);
}

static struct count_client *new_client(struct kunit *test)
{
	struct count_client *cc = kunit_kzalloc(test, sizeof(*cc), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cc);
	cc->client.name = "kunit";
	cc->client.owner = THIS_MODULE;
	cc->client.cpu_up = count_cpu_up;
	cc->client.cpu_down = count_cpu_down;
	cc->fail_cpu = -1;
	return cc;
}

static void expect_counts(struct kunit *test, struct count_client *cc,
			  int ups, int downs)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->ups[cpu]), ups,
				    "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->downs[cpu]), downs,
				    "cpu%u", cpu);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->irqs_on), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->wrong_cpu), 0);
}

/* What /sys/kernel/vmxon/clients reads, as a user would read it. */
static ssize_t read_clients(char *buf, size_t size)
{
	struct file *f = filp_open("/sys/kernel/vmxon/clients", O_RDONLY, 0);
	loff_t pos = 0;
	ssize_t ret;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_read(f, buf, size - 1, &pos);
	filp_close(f, NULL);
	if (ret >= 0)
		buf[ret] = '\0';
	return ret;
}

/*
 * Registering: cpu_up on every CPU, on the CPU, interrupts off. While
 * registered, disabling is refused and changes nothing, and sysfs names
 * the client. Unregistering: cpu_down on every CPU.
 */
static void register_unregister_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	int refs = vmx_core_refs();
	unsigned int cpu;
	char buf[64];

	if (!vmx_test_any_cpu_enabled()) {
		KUNIT_EXPECT_EQ(test, vmxon_register(&cc->client), -ENODEV);
		KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
		return;
	}
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs + 1);
	expect_counts(test, cc, 1, 0);
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("0"), -EBUSY);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_TRUE_MSG(test, vmxon_cpu_is_enabled(cpu), "cpu%u", cpu);
	KUNIT_EXPECT_EQ(test, read_clients(buf, sizeof(buf)), 6);
	KUNIT_EXPECT_STREQ(test, buf, "kunit\n");
	KUNIT_EXPECT_FALSE(test, vmxon_going_down());
	vmxon_unregister(&cc->client);
	expect_counts(test, cc, 1, 1);
	KUNIT_EXPECT_EQ(test, read_clients(buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
}

/* Misuse: nothing registered, nothing changes, no crash. */
static void register_misuse_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	struct vmxon_client nameless = { .owner = THIS_MODULE };
	struct vmxon_client ownerless = { .name = "ownerless" };
	int refs = vmx_core_refs();

	KUNIT_EXPECT_EQ(test, vmxon_register(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmxon_register(&nameless), -EINVAL);
	/* Without an owner it could never be dropped when its module goes. */
	KUNIT_EXPECT_EQ(test, vmxon_register(&ownerless), -EINVAL);
	vmxon_unregister(NULL);
	vmxon_unregister(&cc->client);		/* never registered */
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
	if (!vmx_test_any_cpu_enabled())
		return;
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	KUNIT_EXPECT_EQ(test, vmxon_register(&cc->client), -EEXIST);
	vmxon_unregister(&cc->client);
	vmxon_unregister(&cc->client);		/* twice */
	expect_counts(test, cc, 1, 1);
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
}

/*
 * A client whose cpu_up fails on the last CPU: the registration fails with
 * its errno, every other CPU got cpu_up then cpu_down, and vmxon is as it
 * was.
 */
static void register_refused_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	int refs = vmx_core_refs();
	unsigned int cpu, last = 0;

	VMX_TEST_NEEDS_VMX(test);
	for_each_online_cpu(cpu)
		last = cpu;
	cc->fail_cpu = last;
	KUNIT_EXPECT_EQ(test, vmxon_register(&cc->client), -ENOSPC);
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->ups[cpu]),
				    cpu == last ? 0 : 1, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->downs[cpu]),
				    cpu == last ? 0 : 1, "cpu%u", cpu);
		KUNIT_EXPECT_TRUE_MSG(test, vmxon_cpu_is_enabled(cpu), "cpu%u", cpu);
	}
	/* Not registered: disabling works. */
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("0"), 1);
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), 1);
}

/* A CPU offline and online with a client registered: down, then up. */
static void register_hotplug_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	unsigned int cpu, last = 0;

	VMX_TEST_NEEDS_VMX(test);
	VMX_TEST_NEEDS_TWO_CPUS(test);
	for_each_online_cpu(cpu)
		last = cpu;
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	KUNIT_EXPECT_EQ(test, remove_cpu(last), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->downs[last]), 1);
	/* Refused by the client: the CPU stays offline. */
	cc->fail_cpu = last;
	KUNIT_EXPECT_NE(test, add_cpu(last), 0);
	KUNIT_EXPECT_FALSE(test, cpu_online(last));
	KUNIT_EXPECT_EQ(test, vmxon_cpu_reason(last), VMX_REASON_CLIENT_REFUSED);
	cc->fail_cpu = -1;
	KUNIT_EXPECT_EQ(test, add_cpu(last), 0);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->ups[cpu]),
				    cpu == last ? 2 : 1, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cc->downs[cpu]),
				    cpu == last ? 1 : 0, "cpu%u", cpu);
	}
	KUNIT_EXPECT_TRUE(test, vmxon_cpu_is_enabled(last));
	vmxon_unregister(&cc->client);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->downs[last]), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->irqs_on), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->wrong_cpu), 0);
}

/*
 * A client module that leaves without unregistering: vmxon drops its
 * client when the module goes, without calling into it, and can be
 * disabled again.
 */
static void module_left_without_unregister_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	struct module *mod = kunit_kzalloc(test, sizeof(*mod), GFP_KERNEL);
	int refs = vmx_core_refs();

	VMX_TEST_NEEDS_VMX(test);
	KUNIT_ASSERT_NOT_NULL(test, mod);
	strscpy(mod->name, "gone_client", sizeof(mod->name));
	cc->client.owner = mod;
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	vmx_core_module_going(THIS_MODULE);	/* another module: kept */
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs + 1);
	vmx_core_module_going(mod);
	KUNIT_EXPECT_EQ(test, vmx_core_refs(), refs);
	expect_counts(test, cc, 1, 0);
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("0"), 1);
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), 1);
	expect_counts(test, cc, 1, 0);
}

/*
 * vmxon and kvm_intel exclude each other both ways: kvm_intel is refused
 * while vmxon holds VMX (here with a client registered on it); with vmxon
 * disabled it is accepted, and then vmxon refuses to enable (and so a
 * client to register) until it goes.
 */
static void kvm_intel_excluded_test(struct kunit *test)
{
	struct count_client *cc = new_client(test);
	int coming;

	VMX_TEST_NEEDS_VMX(test);
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	coming = vmx_core_kvm_coming();
	if (!coming)	/* as the module notifier does after an accepted COMING */
		vmx_core_kvm_going();
	KUNIT_EXPECT_EQ(test, coming, -EBUSY);
	vmxon_unregister(&cc->client);
	KUNIT_ASSERT_EQ(test, vmx_test_write_enabled("0"), 1);
	KUNIT_ASSERT_EQ(test, vmx_core_kvm_coming(), 0);
	KUNIT_EXPECT_FALSE(test, vmx_core_slot_held());
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), -EBUSY);
	KUNIT_EXPECT_FALSE(test, vmx_test_any_cpu_enabled());
	KUNIT_EXPECT_EQ(test, vmxon_register(&cc->client), -ENODEV);
	vmx_core_kvm_going();
	KUNIT_EXPECT_FALSE(test, vmx_core_slot_held());
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("1"), 1);
	KUNIT_EXPECT_TRUE(test, vmx_core_slot_held());
}

/* Without VMX: kvm_intel is accepted, and vmxon holds no slot. */
static void kvm_intel_without_vmx_test(struct kunit *test)
{
	int coming;

	if (vmx_test_any_cpu_enabled())
		kunit_skip(test, "vmxon holds VMX on this machine");
	coming = vmx_core_kvm_coming();
	KUNIT_EXPECT_EQ(test, coming, 0);
	if (!coming)
		vmx_core_kvm_going();
	KUNIT_EXPECT_FALSE(test, vmx_core_slot_held());
}

/* Make @cpu's next hotplug step @state fail, as root would; 0 or -errno. */
static int hotplug_fail(unsigned int cpu, int state)
{
	char path[64], val[16];
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/hotplug/fail",
		 cpu);
	snprintf(val, sizeof(val), "%d", state);
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return ret < 0 ? ret : 0;
}

/*
 * An offline that fails below vmxon's step, after vmxon's teardown did
 * cpu_down and VMXOFF: cpuhp rolls it back through vmxon's online, which
 * must not fail even when the client refuses the CPU now (cpuhp would WARN
 * and leave the CPU half way, below the scheduler's step: not active). The
 * CPU stays online and active, out of VMX operation and out of the
 * client's service, until it goes offline and comes back.
 */
static void offline_rolled_back(struct kunit *test, int state)
{
	struct count_client *cc = new_client(test);
	unsigned int cpu, last = 0;
	int err;

	VMX_TEST_NEEDS_VMX(test);
	VMX_TEST_NEEDS_TWO_CPUS(test);
	for_each_online_cpu(cpu)
		last = cpu;
	KUNIT_ASSERT_EQ(test, vmxon_register(&cc->client), 0);
	err = hotplug_fail(last, state);
	if (err) {
		vmxon_unregister(&cc->client);
		kunit_skip(test, "no hotplug/fail (%d): CPU_HOTPLUG_STATE_CONTROL",
			   err);
	}
	cc->fail_cpu = last;
	KUNIT_EXPECT_NE(test, remove_cpu(last), 0);
	hotplug_fail(last, CPUHP_INVALID);	/* in case it was not used up */
	KUNIT_EXPECT_TRUE(test, cpu_online(last));
	KUNIT_EXPECT_TRUE(test, cpu_active(last));
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(last));
	KUNIT_EXPECT_EQ(test, vmxon_cpu_reason(last), VMX_REASON_CLIENT_REFUSED);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->downs[last]), 1);
	/* Offline and online again: back in VMX operation, and in service. */
	cc->fail_cpu = -1;
	KUNIT_EXPECT_EQ(test, remove_cpu(last), 0);
	KUNIT_EXPECT_EQ(test, add_cpu(last), 0);
	KUNIT_EXPECT_TRUE(test, vmxon_cpu_is_enabled(last));
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->ups[last]), 2);
	vmxon_unregister(&cc->client);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->downs[last]), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cc->irqs_on), 0);
}

/*
 * Two cases, not one parameterised case: on 6.1 KUnit prints a skipped
 * parameter as passed.
 */

/* The cacheinfo step, on the CPU in its hotplug thread. */
static void offline_rolled_back_on_cpu_test(struct kunit *test)
{
	offline_rolled_back(test, CPUHP_AP_BASE_CACHEINFO_ONLINE);
}

/* The CPU's teardown on the control CPU: takedown_cpu() restarts its thread. */
static void offline_rolled_back_on_control_cpu_test(struct kunit *test)
{
	offline_rolled_back(test, CPUHP_TEARDOWN_CPU);
}

/*
 * A kernel thread can be half way through registering, holding vmx_lock,
 * when syscore suspend runs on the one CPU left (the freezer does not stop
 * kernel threads). This client's cpu_up, on the registering CPU itself,
 * is such a moment: suspend must refuse, and turn nothing off.
 */
struct suspend_client {
	struct vmxon_client client;
	struct task_struct *registrant;
	bool done;
	int suspended;
	bool still_on;
};

static int suspend_cpu_up(struct vmxon_client *client, unsigned int cpu)
{
	struct suspend_client *sc = container_of(client, struct suspend_client,
						 client);

	/* Once: a resume calls cpu_up again. */
	if (current != sc->registrant || sc->done)
		return 0;
	sc->done = true;
	sc->suspended = vmx_core_suspend();
	if (!sc->suspended)
		vmx_core_resume();
	sc->still_on = vmxon_cpu_is_enabled(cpu);
	return 0;
}

static void suspend_while_registering_test(struct kunit *test)
{
	struct suspend_client sc = {
		.client = {
			.name = "kunit_suspend",
			.owner = THIS_MODULE,
			.cpu_up = suspend_cpu_up,
		},
		.registrant = current,
		.suspended = 1,
	};

	VMX_TEST_NEEDS_VMX(test);
	KUNIT_ASSERT_EQ(test, vmxon_register(&sc.client), 0);
	vmxon_unregister(&sc.client);
	KUNIT_EXPECT_EQ(test, sc.suspended, -EBUSY);
	KUNIT_EXPECT_TRUE(test, sc.still_on);
}

static void cpu_out_of_range_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(nr_cpu_ids));
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(UINT_MAX));
	KUNIT_EXPECT_EQ(test, vmxon_cpu_reason(nr_cpu_ids), VMX_REASON_COUNT);
}

static struct kunit_case vmx_api_cases[] = {
	KUNIT_CASE(register_unregister_test),
	KUNIT_CASE(register_misuse_test),
	KUNIT_CASE(register_refused_test),
	KUNIT_CASE(register_hotplug_test),
	KUNIT_CASE(module_left_without_unregister_test),
	KUNIT_CASE(kvm_intel_excluded_test),
	KUNIT_CASE(kvm_intel_without_vmx_test),
	KUNIT_CASE(suspend_while_registering_test),
	KUNIT_CASE(offline_rolled_back_on_cpu_test),
	KUNIT_CASE(offline_rolled_back_on_control_cpu_test),
	KUNIT_CASE(cpu_out_of_range_test),
	{}
};

static struct kunit_suite vmx_api_suite = {
	.name = "vmxon_api",
	.test_cases = vmx_api_cases,
};

kunit_test_suite(vmx_api_suite);

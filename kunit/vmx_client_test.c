// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the clients' callbacks (vmx_fleet.c), on the fake fleet:
 * on every path a client hears cpu_up after VMXON and cpu_down before
 * VMXOFF, on the CPU itself, in registration order up and the reverse
 * down; a client's refusal turns the CPU off again; registering and
 * unregistering reach exactly the CPUs in service. Each fake CPU keeps a
 * trace ("vmxon A+ B+ B- A- vmxoff": A's cpu_up is "A+", its cpu_down
 * "A-", a refusing cpu_up "A?", its emergency callback "A!").
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/smp.h>

#include "vmx_test.h"

struct test_client {
	struct vmxon_client client;
	char id;
	unsigned int fail_cpu;		/* cpu_up fails here; -1: nowhere */
	int fail_ret;			/* what it returns there */
	atomic_t enabled_at_down;	/* cpu_down saw the fleet enabled */
};

static struct test_client *to_test(struct vmxon_client *client)
{
	return container_of(client, struct test_client, client);
}

static void trace(struct vmxon_client *client, char what)
{
	char ev[3] = { to_test(client)->id, what, '\0' };

	fake_trace(ev);
}

static int test_cpu_up(struct vmxon_client *client, unsigned int cpu)
{
	if (cpu == to_test(client)->fail_cpu) {
		trace(client, '?');
		return to_test(client)->fail_ret;
	}
	trace(client, '+');
	return 0;
}

static void test_cpu_down(struct vmxon_client *client, unsigned int cpu)
{
	if (READ_ONCE(fake_fleet_enabled))
		atomic_inc(&to_test(client)->enabled_at_down);
	trace(client, '-');
}

static void test_emergency(struct vmxon_client *client, unsigned int cpu)
{
	trace(client, '!');
}

static struct test_client clients[3];

/* Clients A, B and C, none registered: A and B join the fake fleet. */
static int client_test_init(struct kunit *test)
{
	static const char * const names[] = { "A", "B", "C" };
	int i, err;

	err = fake_fleet_init(test);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		clients[i] = (struct test_client){
			.client = {
				.name = names[i],
				.cpu_up = test_cpu_up,
				.cpu_down = test_cpu_down,
				.emergency = test_emergency,
			},
			.id = 'A' + i,
			.fail_cpu = -1,
			.fail_ret = -EPERM,
		};
	}
	cpus_read_lock();
	err = vmx_fleet_client_add(&fake_fleet, &clients[0].client) ?:
	      vmx_fleet_client_add(&fake_fleet, &clients[1].client);
	cpus_read_unlock();
	return err;
}

/* Every trace so far is forgotten. */
static void clear_traces(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		fleet_cpus[cpu].trace[0] = '\0';
}

static unsigned int last_online(void)
{
	unsigned int cpu, last = 0;

	for_each_online_cpu(cpu)
		last = cpu;
	return last;
}

static void expect_trace(struct kunit *test, unsigned int cpu,
			 const char *want)
{
	KUNIT_EXPECT_STREQ_MSG(test, fleet_cpus[cpu].trace, want, "cpu%u", cpu);
}

/*
 * Enabling calls cpu_up after VMXON, oldest client first; disabling calls
 * cpu_down before VMXOFF, newest first, with the fleet already disabled
 * (no client may take a CPU for enabled while its VMXOFF runs).
 */
static void enable_disable_order_test(struct kunit *test)
{
	unsigned int cpu;

	cpus_read_lock();
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), 0);
	KUNIT_EXPECT_TRUE(test, fake_fleet_enabled);
	for_each_online_cpu(cpu) {
		expect_trace(test, cpu, "vmxon A+ B+");
		KUNIT_EXPECT_TRUE(test, fleet_states[cpu].clients_up);
	}
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	KUNIT_EXPECT_FALSE(test, fake_fleet_enabled);
	for_each_online_cpu(cpu) {
		expect_trace(test, cpu, "vmxon A+ B+ B- A- vmxoff");
		KUNIT_EXPECT_FALSE(test, fleet_states[cpu].clients_up);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&clients[0].enabled_at_down), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&clients[1].enabled_at_down), 0);
	cpus_read_unlock();
}

/*
 * B refuses the last CPU: A, up there already, gets its cpu_down, the CPU
 * leaves VMX operation as client_refused, and the enable is rolled back
 * everywhere else through the clients' cpu_down.
 */
static void refused_enable_test(struct kunit *test)
{
	unsigned int k = last_online(), cpu;

	clients[1].fail_cpu = k;
	cpus_read_lock();
	KUNIT_EXPECT_EQ(test, vmx_fleet_enable(&fake_fleet), -EIO);
	KUNIT_EXPECT_FALSE(test, fake_fleet_enabled);
	for_each_online_cpu(cpu) {
		const struct vmx_percpu *st = &fleet_states[cpu];

		expect_trace(test, cpu, cpu == k ? "vmxon A+ B? A- vmxoff" :
			     "vmxon A+ B+ B- A- vmxoff");
		KUNIT_EXPECT_FALSE_MSG(test, st->enabled, "cpu%u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, st->region, "cpu%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, st->reason,
				    cpu == k ? VMX_REASON_CLIENT_REFUSED :
					       VMX_REASON_OK, "cpu%u", cpu);
	}
	cpus_read_unlock();
}

/* A CPU offline and online again: cpu_down before VMXOFF, cpu_up after VMXON. */
static void hotplug_test(struct kunit *test)
{
	unsigned int cpu;

	if (!fake_fleet_lock_and_enable(test))
		return;
	clear_traces();
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_offline, false), 0);
		expect_trace(test, cpu, "B- A- vmxoff");
		KUNIT_EXPECT_EQ(test, fake_on_cpu(cpu, fake_online, true), 0);
		expect_trace(test, cpu, "B- A- vmxoff vmxon A+ B+");
		KUNIT_EXPECT_TRUE(test, fleet_states[cpu].clients_up);
	}
	cpus_read_unlock();
}

/* A refused online: the CPU leaves VMX operation again, without its region. */
static void refused_online_test(struct kunit *test)
{
	unsigned int k = last_online();
	const struct vmx_percpu *st = &fleet_states[k];

	if (!fake_fleet_lock_and_enable(test))
		return;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_offline, false), 0);
	clear_traces();
	clients[0].fail_cpu = k;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_online, true), -EIO);
	expect_trace(test, k, "vmxon A? vmxoff");
	KUNIT_EXPECT_FALSE(test, st->enabled);
	KUNIT_EXPECT_FALSE(test, fleet_cpus[k].vmxe);
	KUNIT_EXPECT_NULL(test, st->region);
	KUNIT_EXPECT_EQ(test, st->reason, VMX_REASON_CLIENT_REFUSED);
	cpus_read_unlock();
}

/*
 * A refusal whose VMXOFF fails: the CPU stays in VMX operation and comes
 * online (offline there, INIT would never reach it), out of the clients'
 * service.
 */
static void refused_online_vmxoff_fails_test(struct kunit *test)
{
	unsigned int k = last_online();
	const struct vmx_percpu *st = &fleet_states[k];

	if (!fake_fleet_lock_and_enable(test))
		return;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_offline, false), 0);
	clients[1].fail_cpu = k;
	fleet_cpus[k].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_online, true), 0);
	KUNIT_EXPECT_TRUE(test, st->enabled);
	KUNIT_EXPECT_FALSE(test, st->clients_up);
	KUNIT_EXPECT_NOT_NULL(test, st->region);
	KUNIT_EXPECT_EQ(test, st->reason, VMX_REASON_VMXOFF_FAILED);
	fleet_cpus[k].vmxoff_ret = 0;
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	cpus_read_unlock();
}

/* Suspend and resume of this CPU; a refused resume frees the region. */
static void suspend_resume_test(struct kunit *test)
{
	unsigned long flags;
	unsigned int cpu;
	int suspended, resumed, refused;

	if (!fake_fleet_lock_and_enable(test))
		return;
	clear_traces();
	local_irq_save(flags);
	cpu = smp_processor_id();
	suspended = vmx_fleet_cpu_suspend(&fake_fleet, cpu);
	resumed = vmx_fleet_cpu_resume(&fake_fleet, cpu);
	vmx_fleet_cpu_suspend(&fake_fleet, cpu);
	clients[0].fail_cpu = cpu;
	refused = vmx_fleet_cpu_resume(&fake_fleet, cpu);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, suspended, 0);
	KUNIT_EXPECT_EQ(test, resumed, 0);
	KUNIT_EXPECT_EQ(test, refused, -EIO);
	expect_trace(test, cpu,
		     "B- A- vmxoff vmxon A+ B+ B- A- vmxoff vmxon A? vmxoff");
	KUNIT_EXPECT_FALSE(test, fleet_states[cpu].enabled);
	KUNIT_EXPECT_NULL(test, fleet_states[cpu].region);
	KUNIT_EXPECT_EQ(test, fleet_states[cpu].reason,
			VMX_REASON_CLIENT_REFUSED);
	cpus_read_unlock();
}

/*
 * A client registering while the CPUs are in service: its cpu_up alone, on
 * each; one that fails somewhere gets its cpu_down everywhere it succeeded,
 * and is not added. Unregistering: its cpu_down alone, on each.
 */
static void register_unregister_test(struct kunit *test)
{
	struct vmxon_client *c = &clients[2].client;
	unsigned int k = last_online(), cpu;

	if (!fake_fleet_lock_and_enable(test))
		return;
	clear_traces();
	clients[2].fail_cpu = k;
	KUNIT_EXPECT_EQ(test, vmx_fleet_client_add(&fake_fleet, c), -EPERM);
	for_each_online_cpu(cpu)
		expect_trace(test, cpu, cpu == k ? "C?" : "C+ C-");
	clear_traces();
	clients[2].fail_cpu = -1;
	KUNIT_EXPECT_EQ(test, vmx_fleet_client_add(&fake_fleet, c), 0);
	for_each_online_cpu(cpu)
		expect_trace(test, cpu, "C+");
	vmx_fleet_client_remove(&fake_fleet, &clients[0].client);
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	for_each_online_cpu(cpu)
		expect_trace(test, cpu, "C+ A- C- B- vmxoff");
	cpus_read_unlock();
}

/*
 * A cpu_up that returns a positive value refuses too, and the caller gets
 * an errno: a client that tests for a negative value must not believe it
 * registered.
 */
static void positive_cpu_up_refuses_test(struct kunit *test)
{
	unsigned int k = last_online(), cpu;

	clients[2].fail_cpu = k;
	clients[2].fail_ret = 1;
	if (!fake_fleet_lock_and_enable(test))
		return;
	KUNIT_EXPECT_EQ(test, vmx_fleet_client_add(&fake_fleet,
						   &clients[2].client), -EINVAL);
	clients[1].fail_cpu = k;
	clients[1].fail_ret = 1;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_offline, false), 0);
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_online, true), -EIO);
	KUNIT_EXPECT_EQ(test, fleet_states[k].reason, VMX_REASON_CLIENT_REFUSED);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_FALSE_MSG(test, fleet_states[cpu].enabled && cpu == k,
				       "cpu%u", cpu);
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	cpus_read_unlock();
}

/*
 * A CPU out of the clients' service (offline, or its VMXOFF failed) gets
 * no callback when a client registers or unregisters.
 */
static void register_skips_cpus_out_of_service_test(struct kunit *test)
{
	unsigned int k = last_online(), cpu;

	VMX_TEST_NEEDS_TWO_CPUS(test);
	if (!fake_fleet_lock_and_enable(test))
		return;
	fleet_cpus[k].vmxoff_ret = -EIO;
	KUNIT_EXPECT_EQ(test, fake_on_cpu(k, fake_offline, false), -EIO);
	KUNIT_EXPECT_TRUE(test, fleet_states[k].enabled);
	KUNIT_EXPECT_FALSE(test, fleet_states[k].clients_up);
	clear_traces();
	KUNIT_EXPECT_EQ(test, vmx_fleet_client_add(&fake_fleet,
						   &clients[2].client), 0);
	vmx_fleet_client_remove(&fake_fleet, &clients[0].client);
	for_each_online_cpu(cpu)
		expect_trace(test, cpu, cpu == k ? "" : "C+ A-");
	/* No cpu_down twice: the disable's VMXOFF round alone reaches k. */
	fleet_cpus[k].vmxoff_ret = 0;
	clear_traces();
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	for_each_online_cpu(cpu)
		expect_trace(test, cpu, cpu == k ? "vmxoff" : "C- B- vmxoff");
	cpus_read_unlock();
}

/*
 * A crash: the clients' emergency callbacks, newest first, then VMXOFF,
 * on a CPU in VMX operation; on one that is not (CR4.VMXE clear), nothing.
 */
static void emergency_test(struct kunit *test)
{
	unsigned long flags;
	unsigned int cpu;
	char on[sizeof(fleet_cpus[0].trace)];

	if (!fake_fleet_lock_and_enable(test))
		return;
	clear_traces();
	local_irq_save(flags);
	cpu = smp_processor_id();
	vmx_fleet_cpu_emergency(&fake_fleet, &fake_hw, cpu);
	strscpy(on, fleet_cpus[cpu].trace, sizeof(on));
	fleet_cpus[cpu].trace[0] = '\0';
	vmx_fleet_cpu_emergency(&fake_fleet, &fake_hw, cpu);
	local_irq_restore(flags);
	KUNIT_EXPECT_STREQ(test, on, "B! A! vmxoff");
	expect_trace(test, cpu, "");
	KUNIT_EXPECT_FALSE(test, fleet_states[cpu].enabled);
	KUNIT_EXPECT_FALSE(test, fleet_states[cpu].clients_up);
	KUNIT_EXPECT_EQ(test, vmx_fleet_disable(&fake_fleet, VMX_OP_DISABLE), 0);
	cpus_read_unlock();
}

static struct kunit_case vmx_client_cases[] = {
	KUNIT_CASE(enable_disable_order_test),
	KUNIT_CASE(refused_enable_test),
	KUNIT_CASE(hotplug_test),
	KUNIT_CASE(refused_online_test),
	KUNIT_CASE(refused_online_vmxoff_fails_test),
	KUNIT_CASE(suspend_resume_test),
	KUNIT_CASE(register_unregister_test),
	KUNIT_CASE(positive_cpu_up_refuses_test),
	KUNIT_CASE(register_skips_cpus_out_of_service_test),
	KUNIT_CASE(emergency_test),
	{}
};

static struct kunit_suite vmx_client_suite = {
	.name = "vmxon_clients",
	.init = client_test_init,
	.exit = fake_fleet_exit,
	.test_cases = vmx_client_cases,
};

kunit_test_suite(vmx_client_suite);

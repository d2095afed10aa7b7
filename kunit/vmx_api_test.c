// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the client API (vmx_percpu.h), used as a client module
 * would, right and wrong: misuse must return an error, never crash.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/smp.h>

#include "vmx_test.h"

static void put_without_get_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmxon_put(), -EINVAL);
}

static void get_put_test(struct kunit *test)
{
	if (!vmx_test_any_cpu_enabled()) {
		KUNIT_EXPECT_EQ(test, vmxon_get(), -ENODEV);
		return;
	}
	KUNIT_ASSERT_EQ(test, vmxon_get(), 0);
	KUNIT_EXPECT_EQ(test, vmxon_get(), 0);
	/* A client holds VMX: disabling it is refused, nothing changes. */
	KUNIT_EXPECT_EQ(test, vmx_test_write_enabled("0"), -EBUSY);
	KUNIT_EXPECT_TRUE(test, vmxon_cpu_is_enabled(raw_smp_processor_id()));
	KUNIT_EXPECT_EQ(test, vmxon_put(), 0);
	KUNIT_EXPECT_EQ(test, vmxon_put(), 0);
	KUNIT_EXPECT_EQ(test, vmxon_put(), -EINVAL);
}

static void cpu_out_of_range_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(nr_cpu_ids));
	KUNIT_EXPECT_FALSE(test, vmxon_cpu_is_enabled(UINT_MAX));
	KUNIT_EXPECT_EQ(test, vmxon_cpu_reason(nr_cpu_ids), VMX_REASON_COUNT);
}

static void per_cpu_ops_need_irqs_off_test(struct kunit *test)
{
	unsigned int cpu = get_cpu();

	/* Preemption off but interrupts on: the wrong context. */
	KUNIT_EXPECT_EQ(test, vmxon_cpu_enable(cpu), -EPERM);
	KUNIT_EXPECT_EQ(test, vmxon_cpu_disable(cpu), -EPERM);
	put_cpu();
}

static void per_cpu_ops_preemptible_test(struct kunit *test)
{
	/* Preemption and interrupts on: the CPU may change under the call. */
	KUNIT_EXPECT_EQ(test, vmxon_cpu_enable(raw_smp_processor_id()), -EPERM);
	KUNIT_EXPECT_EQ(test, vmxon_cpu_disable(raw_smp_processor_id()), -EPERM);
}

static void per_cpu_ops_wrong_cpu_test(struct kunit *test)
{
	unsigned long flags;
	unsigned int cpu;

	local_irq_save(flags);
	cpu = smp_processor_id();
	KUNIT_EXPECT_EQ(test, vmxon_cpu_enable(cpu + 1), -EPERM);
	KUNIT_EXPECT_EQ(test, vmxon_cpu_disable(cpu + 1), -EPERM);
	KUNIT_EXPECT_EQ(test, vmxon_cpu_enable(UINT_MAX), -EPERM);
	local_irq_restore(flags);
}

/* Disable and enable this CPU through the API, as a client would. */
static void per_cpu_disable_enable_test(struct kunit *test)
{
	unsigned long flags;
	unsigned int cpu;
	int off, on;

	local_irq_save(flags);
	cpu = smp_processor_id();
	if (!vmxon_cpu_is_enabled(cpu)) {
		off = vmxon_cpu_disable(cpu);
		local_irq_restore(flags);
		/* Not ours: never a VMXOFF, always -EIO. */
		KUNIT_EXPECT_EQ(test, off, -EIO);
		return;
	}
	off = vmxon_cpu_disable(cpu);
	on = vmxon_cpu_enable(cpu);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, on, 0);
	KUNIT_EXPECT_TRUE(test, vmxon_cpu_is_enabled(cpu));
}

static void client_off_ipi(void *fails)
{
	if (vmxon_cpu_disable(smp_processor_id()))
		atomic_inc(fails);
}

static void client_on_ipi(void *fails)
{
	if (vmxon_cpu_enable(smp_processor_id()))
		atomic_inc(fails);
}

/*
 * A client turns every CPU off: vmxon stays enabled, and the client may
 * turn the CPUs on again at any time. So kvm_intel is refused then, and
 * the emergency slot stays vmxon's. Were kvm_intel accepted, it would take
 * the slot, and once it left the CPUs would come back into VMX operation
 * with no emergency VMXOFF at all. Without VMX (nothing enabled) kvm_intel
 * is accepted and vmxon holds no slot.
 */
static void kvm_intel_while_clients_turned_cpus_off_test(struct kunit *test)
{
	atomic_t fails = ATOMIC_INIT(0);
	int coming;

	if (!vmx_test_any_cpu_enabled()) {
		coming = vmx_core_kvm_coming();
		KUNIT_EXPECT_EQ(test, coming, 0);
		if (!coming)
			vmx_core_kvm_going();
		KUNIT_EXPECT_FALSE(test, vmx_core_slot_held());
		return;
	}
	KUNIT_ASSERT_EQ(test, vmxon_get(), 0);
	cpus_read_lock();
	on_each_cpu(client_off_ipi, &fails, 1);
	coming = vmx_core_kvm_coming();
	/* As the module notifier does: GOING only after an accepted COMING. */
	if (!coming)
		vmx_core_kvm_going();
	on_each_cpu(client_on_ipi, &fails, 1);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&fails), 0);
	KUNIT_EXPECT_EQ(test, coming, -EBUSY);
	KUNIT_EXPECT_TRUE(test, vmx_test_any_cpu_enabled());
	KUNIT_EXPECT_TRUE(test, vmx_core_slot_held());
	KUNIT_EXPECT_EQ(test, vmxon_put(), 0);
}

/*
 * kvm_intel is loaded when vmxon enables, so vmxon leaves the emergency
 * slot to it; then the clients turn every CPU off and kvm_intel leaves.
 * vmxon is still enabled and the clients may turn the CPUs on again: vmxon
 * must take the slot back when kvm_intel goes, or they would be in VMX
 * operation with no emergency VMXOFF.
 */
static void kvm_intel_leaving_while_clients_turned_cpus_off_test(struct kunit *test)
{
	atomic_t fails = ATOMIC_INIT(0);

	VMX_TEST_NEEDS_VMX(test);
	KUNIT_ASSERT_EQ(test, vmx_test_write_enabled("0"), 1);
	KUNIT_ASSERT_EQ(test, vmx_core_kvm_coming(), 0);
	KUNIT_ASSERT_EQ(test, vmx_test_write_enabled("1"), 1);
	KUNIT_ASSERT_EQ(test, vmxon_get(), 0);
	cpus_read_lock();
	on_each_cpu(client_off_ipi, &fails, 1);
	vmx_core_kvm_going();
	on_each_cpu(client_on_ipi, &fails, 1);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&fails), 0);
	KUNIT_EXPECT_TRUE(test, vmx_test_any_cpu_enabled());
	KUNIT_EXPECT_TRUE(test, vmx_core_slot_held());
	KUNIT_EXPECT_EQ(test, vmxon_put(), 0);
}

static struct kunit_case vmx_api_cases[] = {
	KUNIT_CASE(put_without_get_test),
	KUNIT_CASE(get_put_test),
	KUNIT_CASE(cpu_out_of_range_test),
	KUNIT_CASE(per_cpu_ops_need_irqs_off_test),
	KUNIT_CASE(per_cpu_ops_preemptible_test),
	KUNIT_CASE(per_cpu_ops_wrong_cpu_test),
	KUNIT_CASE(per_cpu_disable_enable_test),
	KUNIT_CASE(kvm_intel_while_clients_turned_cpus_off_test),
	KUNIT_CASE(kvm_intel_leaving_while_clients_turned_cpus_off_test),
	{}
};

static struct kunit_suite vmx_api_suite = {
	.name = "vmxon_api",
	.test_cases = vmx_api_cases,
};

kunit_test_suite(vmx_api_suite);

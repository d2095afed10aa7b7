/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites share: register values of real and emulated CPUs,
 * the name of a table-driven case, the skips for what a machine lacks, the
 * fake CPU behind the hardware seam (struct vmx_hw), and the ways into
 * vmxon that a client or root has (vmx_test.c).
 */
#ifndef _VMX_TEST_H
#define _VMX_TEST_H

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/string.h>
#include <linux/types.h>

#include "../vmx_internal.h"
#include "../vmx_percpu.h"

/* Values a Bochs corei7_skylake_x guest reads under Linux 6.1. */
#define BOCHS_BASIC	0x00d810000000002bULL
#define BOCHS_FC	0x5ULL

/* Typical fixed-bit MSRs and a Linux host's CR0/CR4 that satisfy them. */
#define CR0_FIXED0	0x80000021ULL			/* PG, NE, PE */
#define CR0_FIXED1	0xffffffffULL
#define CR4_FIXED0	0x2000ULL			/* VMXE */
#define CR4_FIXED1	0x3727ffULL		/* no SMXE, no LA57 */
#define HOST_CR0	0x80050033ULL
#define HOST_CR4	0x3706f0ULL

/*
 * type_desc(), for KUNIT_ARRAY_PARAM(): a case of a table is named by the
 * desc field of its row.
 */
#define VMX_TEST_CASE_DESC(type)					\
static void type##_desc(const struct type *t, char *desc)		\
{									\
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);			\
}

/* Skip the case where vmxon has no CPU in VMX operation (no VMX, enable=0). */
#define VMX_TEST_NEEDS_VMX(test)					\
	do {								\
		if (!vmx_test_any_cpu_enabled())			\
			kunit_skip(test, "vmxon has no CPU in VMX operation"); \
	} while (0)

/* Skip the case on a machine with one online CPU. */
#define VMX_TEST_NEEDS_TWO_CPUS(test)					\
	do {								\
		if (num_online_cpus() < 2)				\
			kunit_skip(test, "needs two online CPUs");	\
	} while (0)

/*
 * The fake CPU: what it returns, a count of everything done to it, and a
 * trace of its VMXONs and VMXOFFs among the clients' callbacks on it
 * ("vmxon A+ B+ B- A- vmxoff", see fake_trace()).
 */
struct fake_cpu {
	struct vmx_cpu_regs regs;
	int fc_write_ret, fc_read_ret, vmxon_ret, vmxoff_ret;
	bool vmxe, vmxe_later, fc_write_lost;
	int reads, fc_reads, fc_writes, cr4_sets, cr4_clears, vmxons, vmxoffs, pt_on,
	    pt_off;
	u64 fc_written, vmxon_pa;
	char trace[96];
};

/*
 * fake_hw drives @fake, or with @fleet_cpus set, fleet_cpus[the current
 * CPU]: a suite's init sets the one it uses and its exit clears it.
 */
extern struct fake_cpu *fake;
extern struct fake_cpu *fleet_cpus;
extern const struct vmx_hw fake_hw;
void fake_ready(struct fake_cpu *cpu);
void fake_trace(const char *event);

/*
 * The fake fleet: one fake CPU (fleet_cpus) and one state (fleet_states)
 * per real CPU, reached from the real cross-CPU calls, with its own
 * clients and enabled flag. A suite's init and exit.
 */
extern struct vmx_percpu *fleet_states;
extern const struct vmx_fleet fake_fleet;
extern bool fake_fleet_enabled;
int fake_fleet_init(struct kunit *test);
bool fake_fleet_lock_and_enable(struct kunit *test);
void fake_fleet_exit(struct kunit *test);

/* A CPU hotplug callback of the fake fleet, run on @cpu as cpuhp does. */
typedef int (*fake_cpu_fn)(const struct vmx_fleet *f, unsigned int cpu,
			   bool enable);
int fake_online(const struct vmx_fleet *f, unsigned int cpu, bool enable);
int fake_offline(const struct vmx_fleet *f, unsigned int cpu, bool enable);
int fake_on_cpu(unsigned int cpu, fake_cpu_fn fn, bool enable);

bool vmx_test_any_cpu_enabled(void);
ssize_t vmx_test_write_enabled(const char *val);

#endif /* _VMX_TEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Every online CPU together, and one CPU joining or leaving them, with the
 * clients' callbacks around each VMXON and VMXOFF.
 *
 * Enabling is all or nothing across the online CPUs: a check round on
 * every CPU, every region allocated (before, and outside, the cross-CPU
 * calls, since allocating may sleep), then a VMXON round; if one CPU
 * fails, the others are turned off again. A CPU that joins CPUs already in
 * VMX operation, by hotplug or resume, must have their capabilities.
 *
 * A CPU enters VMX operation through vmx_cpu_up() alone, and leaves it
 * through vmx_cpu_down() alone (but for a crash's emergency VMXOFF): so the
 * clients hear of every change, on the CPU itself, with interrupts off.
 * There, and where a CPU is refused, the module's fleet emits its trace
 * events (vmx_trace.h); not on the emergency path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"
#include "vmx_percpu.h"
#define CREATE_TRACE_POINTS
#include "vmx_trace.h"

/* One line per CPU: the reason and the values it was decided on. */
static void vmx_report(const struct vmx_percpu *st, bool failed)
{
	const struct vmx_cpu_regs *r = &st->regs;
	char values[160];

	snprintf(values, sizeof(values),
		 "feature_control 0x%llx, cr0 0x%llx, cr4 0x%llx, bad bits 0x%llx, vmx_basic 0x%llx",
		 st->feature_control, r->cr0, r->cr4, st->verdict.bad_bits,
		 r->caps.msr[VMX_CAP_BASIC]);
	if (failed)
		pr_err("cpu%u: %s (%s)\n", st->cpu,
		       vmx_reason_token(st->reason), values);
	else
		pr_info("cpu%u: %s (%s)\n", st->cpu,
			vmx_reason_token(st->reason), values);
}

static const char * const vmx_phase_names[VMX_PHASE_COUNT] = {
	[VMX_PHASE_CHECK]	= "enable_check_ns",
	[VMX_PHASE_ALLOC]	= "enable_alloc_ns",
	[VMX_PHASE_VMXON]	= "enable_vmxon_ns",
	[VMX_PHASE_VMXOFF]	= "disable_vmxoff_ns",
	[VMX_PHASE_FREE]	= "disable_free_ns",
};

/* The time since *@t is @phase's; the next phase starts now. */
static void vmx_phase_end(const struct vmx_fleet *f, enum vmx_phase phase,
			  u64 *t)
{
	u64 now = ktime_get_ns();

	f->stats->phase_ns[phase] = now - *t;
	*t = now;
}

/* A CPU refused VMX operation in @op: its line in the log, and its event. */
static void vmx_refused(const struct vmx_fleet *f, const struct vmx_percpu *st,
			enum vmx_op op, int err)
{
	vmx_report(st, true);
	if (f->traced)
		trace_vmxon_cpu_refused(st->cpu, op, st->reason, err);
}

/* A cross-CPU round: the fleet, and the operation the round is part of. */
struct vmx_round {
	const struct vmx_fleet *f;
	enum vmx_op op;
};

static void vmx_broadcast(smp_call_func_t fn, const struct vmx_round *r)
{
	r->f->stats->rounds++;
	on_each_cpu(fn, (void *)r, 1);
}

/* A client's cpu_up: anything but 0 refuses, and a refusal is an errno. */
static int vmx_client_cpu_up(struct vmxon_client *c, unsigned int cpu)
{
	int err = c->cpu_up(c, cpu);

	if (!err)
		return 0;
	pr_err("cpu%u: client %s refused VMX operation (%d)\n", cpu, c->name,
	       err);
	return err < 0 ? err : -EINVAL;
}

/*
 * The clients' cpu_up on the current CPU, oldest client first (the list is
 * newest first). One that fails refuses the CPU: the clients before it get
 * their cpu_down again, newest first.
 */
static int vmx_clients_up(const struct vmx_fleet *f, struct vmx_percpu *st)
{
	struct vmxon_client *c;
	int err;

	list_for_each_entry_reverse(c, f->clients, node) {
		if (!c->cpu_up)
			continue;
		err = vmx_client_cpu_up(c, st->cpu);
		if (!err)
			continue;
		list_for_each_entry_continue(c, f->clients, node)
			if (c->cpu_down)
				c->cpu_down(c, st->cpu);
		return err;
	}
	WRITE_ONCE(st->clients_up, true);
	return 0;
}

/* The clients' cpu_down on the current CPU, newest client first. */
static void vmx_clients_down(const struct vmx_fleet *f, struct vmx_percpu *st)
{
	struct vmxon_client *c;

	if (!st->clients_up)
		return;
	list_for_each_entry(c, f->clients, node)
		if (c->cpu_down)
			c->cpu_down(c, st->cpu);
	WRITE_ONCE(st->clients_up, false);
}

/* VMXOFF on the current CPU, in VMX operation by this module, in @op. */
static int vmx_cpu_off(const struct vmx_fleet *f, struct vmx_percpu *st,
		       enum vmx_op op)
{
	int err = vmx_percpu_hardware_disable(st, f->hw);

	if (f->traced)
		trace_vmxon_cpu_off(st->cpu, op, err);
	return err;
}

/*
 * VMXON on the current CPU (it passed its check), then the clients'
 * cpu_up. A client's refusal turns the CPU off again: client_refused, or
 * vmxoff_failed when it stays in VMX operation.
 */
static int vmx_cpu_up(const struct vmx_fleet *f, struct vmx_percpu *st,
		      enum vmx_op op)
{
	bool was_on = st->enabled;
	int err;

	if (st->clients_up)
		return 0;
	err = vmx_percpu_vmxon(st, f->hw);
	if (err)
		return err;
	if (f->traced && !was_on)
		trace_vmxon_cpu_on(st->cpu, op, st->vmcs_revision_id);
	if (!vmx_clients_up(f, st))
		return 0;
	err = vmx_cpu_off(f, st, op);
	return err ? err : vmx_percpu_fail(st, VMX_REASON_CLIENT_REFUSED);
}

/* The clients' cpu_down, then VMXOFF, on the current CPU, in @op. */
static int vmx_cpu_down(const struct vmx_fleet *f, struct vmx_percpu *st,
			enum vmx_op op)
{
	vmx_clients_down(f, st);
	return vmx_cpu_off(f, st, op);
}

static void vmx_check_ipi(void *round)
{
	const struct vmx_round *r = round;
	struct vmx_percpu *st = r->f->state(smp_processor_id());

	/* Still ours (its VMXOFF failed): its CR4.VMXE is not someone else's. */
	if (!st->enabled)
		vmx_percpu_check(st, r->f->hw);
}

/* Every online CPU passed the check round: VMXON on what it read. */
static void vmx_enable_ipi(void *round)
{
	const struct vmx_round *r = round;

	vmx_cpu_up(r->f, r->f->state(smp_processor_id()), r->op);
}

static void vmx_disable_ipi(void *round)
{
	const struct vmx_round *r = round;
	struct vmx_percpu *st = r->f->state(smp_processor_id());

	if (st->enabled && vmx_cpu_down(r->f, st, r->op))
		cpumask_set_cpu(st->cpu, &r->f->stats->vmxoff_failed);
}

/**
 * vmx_fleet_check() - check every online CPU, and that they all agree
 * @f: the CPUs' states and hardware
 * @only_checking: report every CPU as information, not the failures as
 *	errors; else the check is an enable's, and a failing CPU is refused
 *
 * Each CPU's VMX capability MSRs must equal the first ready CPU's, which
 * become @f->ref. A CPU still in VMX operation by this module (its VMXOFF
 * failed) is not read again: it keeps its reason.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or the first failing CPU's errno.
 */
int vmx_fleet_check(const struct vmx_fleet *f, bool only_checking)
{
	const struct vmx_round r = { .f = f, .op = VMX_OP_ENABLE };
	bool have_ref = false;
	unsigned int cpu;
	int err = 0;

	vmx_broadcast(vmx_check_ipi, &r);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);
		enum vmx_reason reason = st->reason;

		vmx_caps_agree(f->ref, &have_ref, &st->regs.caps, &reason);
		if (reason != st->reason)
			vmx_percpu_fail(st, reason);
		if (reason == VMX_REASON_OK && !only_checking)
			continue;
		if (only_checking)
			vmx_report(st, false);
		else
			vmx_refused(f, st, VMX_OP_ENABLE,
				    vmx_reason_errno(reason));
		if (!err)
			err = vmx_reason_errno(reason);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_check);

static void vmx_fleet_free_regions(const struct vmx_fleet *f)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		vmx_region_free(f->state(cpu));
}

/**
 * vmx_fleet_disable() - the clients' cpu_down and VMXOFF wherever this
 *	module did VMXON
 * @f: the CPUs' states and hardware
 * @op: what this is part of, for the trace events: VMX_OP_DISABLE,
 *	VMX_OP_REBOOT, or VMX_OP_ENABLE for a failed enable's rollback
 *
 * Clears @f->enabled first, then frees every region but those of CPUs
 * still in VMX operation.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or -EIO when VMXOFF failed (the CPU stays in VMX operation)
 * or faulted (the CPU had left it) on some CPU.
 */
int vmx_fleet_disable(const struct vmx_fleet *f, enum vmx_op op)
{
	const struct vmx_round r = { .f = f, .op = op };
	unsigned int rounds = f->stats->rounds, cpu;
	u64 start = ktime_get_ns(), t = start;
	int err = 0;

	/* First: nothing may take a CPU for enabled while its VMXOFF runs. */
	WRITE_ONCE(*f->enabled, false);
	cpumask_clear(&f->stats->vmxoff_failed);
	vmx_broadcast(vmx_disable_ipi, &r);
	vmx_phase_end(f, VMX_PHASE_VMXOFF, &t);
	/* This round's failures, and CPUs left in VMX operation before it. */
	for_each_possible_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->enabled ||
		    cpumask_test_cpu(cpu, &f->stats->vmxoff_failed)) {
			vmx_report(st, true);
			err = -EIO;
		}
	}
	vmx_fleet_free_regions(f);
	vmx_phase_end(f, VMX_PHASE_FREE, &t);
	f->stats->disable_ns = t - start;
	f->stats->disable_rounds = f->stats->rounds - rounds;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_disable);

/**
 * vmx_fleet_enable() - every online CPU into VMX operation, or none
 * @f: the CPUs' states and hardware
 *
 * Checks every CPU, allocates every region, then VMXON and the clients'
 * cpu_up on each CPU; if one fails, the others are turned off again and
 * every region is freed.
 *
 * Context: Process context, CPU hotplug lock held.
 * Return: 0, or the first failing CPU's errno.
 */
int vmx_fleet_enable(const struct vmx_fleet *f)
{
	const struct vmx_round r = { .f = f, .op = VMX_OP_ENABLE };
	u64 t = ktime_get_ns();
	unsigned int cpu;
	int err;

	f->stats->phase_ns[VMX_PHASE_ALLOC] = 0;
	f->stats->phase_ns[VMX_PHASE_VMXON] = 0;
	err = vmx_fleet_check(f, false);
	vmx_phase_end(f, VMX_PHASE_CHECK, &t);
	if (err)
		return err;
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (vmx_region_alloc(st)) {
			vmx_percpu_fail(st, VMX_REASON_NO_MEMORY);
			vmx_refused(f, st, VMX_OP_ENABLE, -ENOMEM);
			vmx_fleet_free_regions(f);
			vmx_phase_end(f, VMX_PHASE_ALLOC, &t);
			return -ENOMEM;
		}
	}
	vmx_phase_end(f, VMX_PHASE_ALLOC, &t);
	vmx_broadcast(vmx_enable_ipi, &r);
	vmx_phase_end(f, VMX_PHASE_VMXON, &t);
	for_each_online_cpu(cpu) {
		struct vmx_percpu *st = f->state(cpu);

		if (st->clients_up)
			continue;
		vmx_refused(f, st, VMX_OP_ENABLE, vmx_reason_errno(st->reason));
		if (!err)
			err = vmx_reason_errno(st->reason);
	}
	if (err)
		vmx_fleet_disable(f, VMX_OP_ENABLE);
	else
		WRITE_ONCE(*f->enabled, true);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_enable);

/*
 * Check a CPU that is to join CPUs already in VMX operation: it must be
 * ready, and have their capabilities.
 */
static int vmx_fleet_check_joining(const struct vmx_fleet *f,
				   struct vmx_percpu *st)
{
	bool have_ref = true;
	enum vmx_reason reason;

	vmx_percpu_check(st, f->hw);
	reason = st->reason;
	vmx_caps_agree(f->ref, &have_ref, &st->regs.caps, &reason);
	return vmx_percpu_fail(st, reason);
}

/**
 * vmx_fleet_cpu_online() - a CPU comes online: check it, and enable it too
 *	when the others are enabled
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 * @enable: the other online CPUs are in VMX operation
 *
 * With @enable, the CPU must have the others' capabilities (@f->ref), and
 * the clients' cpu_up follows its VMXON. A failure leaves the CPU out of
 * VMX operation, without a region; but a client's refusal whose VMXOFF
 * failed leaves it in VMX operation and online, since INIT is blocked in
 * VMX operation and an offline CPU there would never come back.
 *
 * Context: Process context on @cpu, not migratable, interrupts enabled.
 * Return: 0; without @enable always 0; else the CPU's errno, or a client's.
 */
int vmx_fleet_cpu_online(const struct vmx_fleet *f, unsigned int cpu,
			 bool enable)
{
	struct vmx_percpu *st = f->state(cpu);
	int err;

	if (st->enabled)
		return 0;
	local_irq_disable();
	if (enable)
		err = vmx_fleet_check_joining(f, st);
	else
		err = vmx_percpu_check(st, f->hw);
	local_irq_enable();
	if (!enable)
		return 0;
	if (!err && vmx_region_alloc(st))
		err = vmx_percpu_fail(st, VMX_REASON_NO_MEMORY);
	if (!err) {
		local_irq_disable();
		err = vmx_cpu_up(f, st, VMX_OP_ONLINE);
		local_irq_enable();
	}
	if (!err)
		return 0;
	vmx_refused(f, st, VMX_OP_ONLINE, err);
	/* A refusal whose VMXOFF failed: offline, the CPU would be lost. */
	if (st->enabled)
		return 0;
	vmx_region_free(st);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_online);

/* vmx_fleet_cpu_suspend(), as part of @op. */
static int vmx_cpu_leave(const struct vmx_fleet *f, unsigned int cpu,
			 enum vmx_op op)
{
	struct vmx_percpu *st = f->state(cpu);

	if (!st->enabled)
		return 0;
	vmx_cpu_down(f, st, op);
	if (!st->enabled)
		return 0;
	vmx_report(st, true);
	return -EIO;
}

/**
 * vmx_fleet_cpu_suspend() - the clients' cpu_down and VMXOFF on the current
 *	CPU, keeping its region
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 *
 * A CPU whose VMXOFF failed stays in VMX operation, but its clients have
 * had their cpu_down: they see it again only after it left VMX operation
 * and entered it again.
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0, or -EIO when the CPU stays in VMX operation.
 */
int vmx_fleet_cpu_suspend(const struct vmx_fleet *f, unsigned int cpu)
{
	return vmx_cpu_leave(f, cpu, VMX_OP_SUSPEND);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_suspend);

/**
 * vmx_fleet_cpu_resume() - VMXON again on the current CPU, after checking
 *	it again (firmware may have changed VMX across the sleep)
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one, with the region it kept
 *
 * A failure leaves the CPU out of VMX operation, without a region.
 *
 * Context: On @cpu, interrupts disabled.
 * Return: 0 or the CPU's errno.
 */
int vmx_fleet_cpu_resume(const struct vmx_fleet *f, unsigned int cpu)
{
	struct vmx_percpu *st = f->state(cpu);
	int err;

	err = vmx_fleet_check_joining(f, st);
	if (!err)
		err = vmx_cpu_up(f, st, VMX_OP_RESUME);
	if (err) {
		vmx_refused(f, st, VMX_OP_RESUME, err);
		vmx_region_free(st);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_resume);

/**
 * vmx_fleet_cpu_emergency() - a crash's VMXOFF on the current CPU
 * @f: the CPUs' states and clients
 * @hw: the hardware to use, which the caller names: the module's emergency
 *	path uses the real one also in test builds
 * @cpu: the CPU, which is the current one
 *
 * The clients' emergency callbacks come first, newest first, on a CPU in
 * VMX operation by this module: they VMCLEAR what they loaded, so that a
 * kdump finds it in memory.
 *
 * Context: On @cpu, NMI or interrupts disabled.
 */
void vmx_fleet_cpu_emergency(const struct vmx_fleet *f,
			     const struct vmx_hw *hw, unsigned int cpu)
{
	struct vmx_percpu *st = f->state(cpu);
	struct vmxon_client *c;

	if (READ_ONCE(st->enabled)) {
		rcu_read_lock();
		list_for_each_entry_rcu(c, f->clients, node)
			if (c->emergency)
				c->emergency(c, cpu);
		rcu_read_unlock();
	}
	vmx_percpu_emergency_disable(st, hw);
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_emergency);

/* A client's cpu_up or cpu_down round, and where its cpu_up succeeded. */
struct vmx_client_round {
	const struct vmx_fleet *f;
	struct vmxon_client *client;
	cpumask_var_t up;
	atomic_t err;
};

static void vmx_client_up_ipi(void *arg)
{
	struct vmx_client_round *r = arg;
	struct vmx_percpu *st = r->f->state(smp_processor_id());
	int err;

	if (!st->clients_up)
		return;
	err = vmx_client_cpu_up(r->client, st->cpu);
	if (err) {
		atomic_cmpxchg(&r->err, 0, err);
		return;
	}
	cpumask_set_cpu(st->cpu, r->up);
}

static void vmx_client_down_ipi(void *arg)
{
	struct vmx_client_round *r = arg;
	struct vmx_percpu *st = r->f->state(smp_processor_id());

	if (st->clients_up)
		r->client->cpu_down(r->client, st->cpu);
}

/**
 * vmx_fleet_client_add() - a new client, told of every CPU in service
 * @f: the CPUs' states, hardware and clients
 * @client: the client, not in @f->clients
 *
 * The client's cpu_up runs on every CPU whose clients are up. If it fails
 * on one, its cpu_down runs where it succeeded, and it is not added. It is
 * in @f->clients from the start, so that a crash meanwhile calls its
 * emergency callback.
 *
 * Context: Process context, CPU hotplug lock held, under the lock that
 * serialises @f; may sleep.
 * Return: 0, -ENOMEM, or the errno of the client's first failing cpu_up.
 */
int vmx_fleet_client_add(const struct vmx_fleet *f,
			 struct vmxon_client *client)
{
	struct vmx_client_round r = {
		.f = f, .client = client, .err = ATOMIC_INIT(0),
	};
	int err;

	if (!zalloc_cpumask_var(&r.up, GFP_KERNEL))
		return -ENOMEM;
	list_add_rcu(&client->node, f->clients);
	if (client->cpu_up)
		on_each_cpu(vmx_client_up_ipi, &r, 1);
	err = atomic_read(&r.err);
	if (err && client->cpu_down)
		on_each_cpu_mask(r.up, vmx_client_down_ipi, &r, 1);
	free_cpumask_var(r.up);
	if (!err)
		return 0;
	list_del_rcu(&client->node);
	synchronize_rcu();
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_client_add);

/**
 * vmx_fleet_client_remove() - a client leaves, after its cpu_down
 * @f: the CPUs' states, hardware and clients
 * @client: the client, in @f->clients
 *
 * Its cpu_down runs on every CPU whose clients are up; once it returns, no
 * callback of the client runs any more, the emergency one included.
 *
 * Context: Process context, CPU hotplug lock held, under the lock that
 * serialises @f; may sleep.
 */
void vmx_fleet_client_remove(const struct vmx_fleet *f,
			     struct vmxon_client *client)
{
	struct vmx_client_round r = { .f = f, .client = client };

	if (client->cpu_down)
		on_each_cpu(vmx_client_down_ipi, &r, 1);
	list_del_rcu(&client->node);
	synchronize_rcu();
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_client_remove);

/**
 * vmx_fleet_cpu_offline() - a CPU goes offline: VMXOFF, free its region
 * @f: the CPUs' states and hardware
 * @cpu: the CPU, which is the current one
 *
 * Context: Process context on @cpu, not migratable, interrupts enabled.
 * Return: 0, or -EIO when the CPU stays in VMX operation (and keeps its
 * region).
 */
int vmx_fleet_cpu_offline(const struct vmx_fleet *f, unsigned int cpu)
{
	int err;

	local_irq_disable();
	err = vmx_cpu_leave(f, cpu, VMX_OP_OFFLINE);
	local_irq_enable();
	if (!err)
		vmx_region_free(f->state(cpu));
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_fleet_cpu_offline);

/**
 * vmx_fleet_stats_show() - the fleet's counters, and the memory it holds
 * @f: the CPUs' states and counters
 * @m: the debugfs file
 *
 * Context: Process context, under the lock that serialises @f.
 */
void vmx_fleet_stats_show(const struct vmx_fleet *f, struct seq_file *m)
{
	const struct vmx_fleet_stats *s = f->stats;
	unsigned int cpu, pages = 0;
	int i;

	for_each_possible_cpu(cpu)
		pages += !!f->state(cpu)->region;
	seq_printf(m, "enable_ns %llu\nenable_rounds %u\n", s->enable_ns,
		   s->enable_rounds);
	seq_printf(m, "disable_ns %llu\ndisable_rounds %u\n", s->disable_ns,
		   s->disable_rounds);
	for (i = 0; i < VMX_PHASE_COUNT; i++)
		seq_printf(m, "%s %llu\n", vmx_phase_names[i], s->phase_ns[i]);
	seq_printf(m, "pages %u\nstate_bytes %zu\n", pages,
		   sizeof(struct vmx_percpu));
}

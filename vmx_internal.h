/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module's files share. Client modules use vmx_percpu.h instead.
 *
 * The files are layered; each uses only the files below it:
 *   vmx_main.c    module init and exit; connects the kernel's events
 *   vmx_sysfs.c   the sysfs faces
 *   vmx_api.c     the client API that needs no lock
 *   vmx_core.c    the module's one fleet and its policy; client registration
 *   vmx_fleet.c   every online CPU together, one CPU joining or leaving,
 *                 and the clients' callbacks around each; it emits the
 *                 trace events (vmx_trace.h)
 *   vmx_percpu.c  one CPU's state object
 *   vmx_region.c  a CPU's VMXON region
 *   vmx_fault.c   fault injection, in test builds only
 *   vmx_msr.c     the hardware, behind struct vmx_hw (vmx_msr.h)
 *   vmx_caps.c    decisions on register values only (vmx_caps.h)
 *
 * Names say where a symbol is defined, so that a reader knows which file
 * to open:
 * - vmxon_*() is what vmx_percpu.h exports to client modules, and only
 *   that: a client can tell the API from the module's inside.
 * - Any other function or variable that more than one file uses is
 *   vmx_<layer>_*, <layer> being the file that defines it: vmx_core_*,
 *   vmx_fleet_*, vmx_percpu_*, vmx_region_*, vmx_fault_*, vmx_sysfs_*;
 *   vmx_hw_* are the struct vmx_hw instances. vmx_caps.c, which also
 *   builds in user space, names its decisions vmx_check_*() and its
 *   helpers for what they take: vmx_caps_*(), vmx_reason_*(),
 *   vmx_basic_*(), vmx_fixed_bits_*().
 * - A static is vmx_<what>: its file already says the layer.
 * - Types are named for what they hold (struct vmx_percpu, struct
 *   vmx_fleet), constants in capitals after their type (VMX_REASON_*,
 *   VMX_FAULT_*, VMX_PHASE_*).
 */
#ifndef _VMX_INTERNAL_H
#define _VMX_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/mm_types.h>
#include <linux/types.h>

#include "vmx_caps.h"
#include "vmx_conftest.h"
#include "vmx_msr.h"

/* Symbol namespaces are identifiers up to 6.12, strings from 6.13. */
#ifdef VMX_HAVE_NS_IDENTIFIER
#define VMXON_NS VMXON
#define VMX_KUNIT_NS EXPORTED_FOR_KUNIT_TESTING
#else
#define VMXON_NS "VMXON"
#define VMX_KUNIT_NS "EXPORTED_FOR_KUNIT_TESTING"
#endif

/* Fault injection points (vmx_fault.c, test builds only). */
enum vmx_fault_point {
	VMX_FAULT_REGION,
	VMX_FAULT_CHECK,
	VMX_FAULT_VMXON,
	VMX_FAULT_VMXOFF,
	VMX_FAULT_SYSFS,
	VMX_FAULT_ONLINE,
	VMX_FAULT_RESUME,
	VMX_FAULT_COUNT
};

#ifdef VMXON_FAULT_INJECTION
extern struct vmx_hw vmx_hw_faulty;
#define VMX_HW (&vmx_hw_faulty)
bool vmx_fault_should_fail(enum vmx_fault_point point, unsigned int cpu);
void vmx_fault_resume(unsigned int cpu);
int vmx_fault_init(struct dentry *dir);
#else
#define VMX_HW (&vmx_hw_real)
static inline bool vmx_fault_should_fail(enum vmx_fault_point point,
					 unsigned int cpu)
{
	return false;
}

static inline void vmx_fault_resume(unsigned int cpu)
{
}

static inline int vmx_fault_init(struct dentry *dir)
{
	return 0;
}
#endif

/**
 * struct vmx_percpu - one CPU's VMX state
 * @cpu: the CPU this state belongs to
 * @vmcs_revision_id: from IA32_VMX_BASIC at the last check
 * @region: the VMXON region, or NULL
 * @enabled: this module executed VMXON on @cpu and not yet VMXOFF
 * @clients_up: @enabled, and every client's cpu_up returned 0 on @cpu and
 *	no cpu_down followed: the clients may use @cpu
 * @reason: outcome of the last check, enable or disable
 * @feature_control: IA32_FEATURE_CONTROL as last read, at the last check or
 *	after this module wrote it: what sysfs shows
 * @regs: the register values read at the last check
 * @verdict: what vmx_check_cpu() made of @regs
 *
 * @cpu itself changes the fields, with interrupts disabled, with two
 * exceptions: @region, which vmx_region.c allocates and frees while @cpu is
 * not in VMX operation, and @reason, which the fleet's caller also sets
 * (an inconsistent CPU, a failed allocation) after a cross-CPU round, under
 * the module's lock, when @cpu is not changing it. The fields that sysfs,
 * clients or the emergency path read without a lock (@enabled,
 * @clients_up, @reason, @vmcs_revision_id, @feature_control) are written
 * with WRITE_ONCE.
 */
struct vmx_percpu {
	unsigned int cpu;
	u32 vmcs_revision_id;
	struct page *region;
	bool enabled;
	bool clients_up;
	enum vmx_reason reason;
	u64 feature_control;
	struct vmx_cpu_regs regs;
	struct vmx_verdict verdict;
};

void vmx_percpu_init(struct vmx_percpu *st, unsigned int cpu);
bool vmx_percpu_is_enabled(const struct vmx_percpu *st);
int vmx_percpu_check(struct vmx_percpu *st, const struct vmx_hw *hw);
int vmx_percpu_fail(struct vmx_percpu *st, enum vmx_reason reason);
int vmx_percpu_vmxon(struct vmx_percpu *st, const struct vmx_hw *hw);
int vmx_percpu_hardware_enable(struct vmx_percpu *st, const struct vmx_hw *hw);
int vmx_percpu_hardware_disable(struct vmx_percpu *st,
				const struct vmx_hw *hw);
void vmx_percpu_emergency_disable(struct vmx_percpu *st,
				  const struct vmx_hw *hw);

/* vmx_region.c */
int vmx_region_alloc(struct vmx_percpu *st);
void vmx_region_free(struct vmx_percpu *st);

/* Where the time of an enabling or a disabling of every CPU goes. */
enum vmx_phase {
	VMX_PHASE_CHECK,
	VMX_PHASE_ALLOC,
	VMX_PHASE_VMXON,
	VMX_PHASE_VMXOFF,
	VMX_PHASE_FREE,
	VMX_PHASE_COUNT
};

/*
 * What a CPU's entry into or exit from VMX operation is part of, for the
 * trace events (vmx_trace.h): enabling or disabling every CPU, one CPU's
 * hotplug, suspend and resume, a reboot.
 */
enum vmx_op {
	VMX_OP_ENABLE,
	VMX_OP_DISABLE,
	VMX_OP_ONLINE,
	VMX_OP_OFFLINE,
	VMX_OP_SUSPEND,
	VMX_OP_RESUME,
	VMX_OP_REBOOT,
};

/**
 * struct vmx_fleet_stats - a fleet's counters, for the benchmarks
 * @rounds: cross-CPU call rounds so far
 * @enable_ns: how long the last enabling of every CPU took
 * @enable_rounds: how many rounds it took
 * @disable_ns: how long the last disabling took (also a rollback's or a
 *	reboot's)
 * @disable_rounds: how many rounds it took
 * @phase_ns: where the time went, 0 for a phase not reached
 * @vmxoff_failed: the CPUs whose VMXOFF failed or faulted in the last
 *	vmx_fleet_disable()
 */
struct vmx_fleet_stats {
	unsigned int rounds;
	u64 enable_ns;
	unsigned int enable_rounds;
	u64 disable_ns;
	unsigned int disable_rounds;
	u64 phase_ns[VMX_PHASE_COUNT];
	struct cpumask vmxoff_failed;
};

/**
 * struct vmx_fleet - the CPUs that are enabled and disabled together
 * @hw: their hardware
 * @state: a CPU's state
 * @ref: the capabilities every CPU must have, from the last fleet check
 * @stats: its counters: each fleet has its own, so that a fake one never
 *	shows in the real one's
 * @clients: the registered struct vmxon_client, newest first; changed
 *	under the lock that serialises the fleet, as an RCU list for the
 *	emergency path
 * @enabled: every online CPU is in VMX operation: set by a successful
 *	vmx_fleet_enable(), cleared first thing by vmx_fleet_disable() (and
 *	by the caller when a CPU it resumed could not come back)
 * @traced: its CPUs' changes are trace events (vmx_trace.h): the module's
 *	CPUs, not KUnit's fake ones
 *
 * The module has one, over the real hardware; KUnit makes fakes.
 */
struct vmx_fleet {
	const struct vmx_hw *hw;
	struct vmx_percpu *(*state)(unsigned int cpu);
	struct vmx_caps *ref;
	struct vmx_fleet_stats *stats;
	struct list_head *clients;
	bool *enabled;
	bool traced;
};

int vmx_fleet_check(const struct vmx_fleet *f, bool only_checking);
int vmx_fleet_enable(const struct vmx_fleet *f);
int vmx_fleet_disable(const struct vmx_fleet *f, enum vmx_op op);
int vmx_fleet_cpu_online(const struct vmx_fleet *f, unsigned int cpu,
			 bool enable);
int vmx_fleet_cpu_offline(const struct vmx_fleet *f, unsigned int cpu);
int vmx_fleet_cpu_suspend(const struct vmx_fleet *f, unsigned int cpu);
int vmx_fleet_cpu_resume(const struct vmx_fleet *f, unsigned int cpu);
void vmx_fleet_cpu_emergency(const struct vmx_fleet *f,
			     const struct vmx_hw *hw, unsigned int cpu);
struct vmxon_client;
int vmx_fleet_client_add(const struct vmx_fleet *f,
			 struct vmxon_client *client);
void vmx_fleet_client_remove(const struct vmx_fleet *f,
			     struct vmxon_client *client);
struct seq_file;
void vmx_fleet_stats_show(const struct vmx_fleet *f, struct seq_file *m);

/* vmx_core.c: the module's one fleet, under its lock. */
struct vmx_percpu *vmx_core_state(unsigned int cpu);
int vmx_core_set_enabled(bool on);
bool vmx_core_is_enabled(void);
void vmx_core_init(void);
void vmx_core_check_all(void);
int vmx_core_cpu_online(unsigned int cpu, bool rollback);
int vmx_core_cpu_offline(unsigned int cpu);
void vmx_core_stop(void);
void vmx_core_exit(void);
bool vmx_core_slot_held(void);
int vmx_core_refs(void);
int vmx_core_suspend(void);
void vmx_core_resume(void);
int vmx_core_kvm_coming(void);
void vmx_core_kvm_going(void);
struct module;
void vmx_core_module_going(struct module *mod);
ssize_t vmx_core_clients_show(char *buf);
int vmx_core_stats_show(struct seq_file *m, void *unused);

/* vmx_sysfs.c */
int vmx_sysfs_cpu_add(unsigned int cpu);
void vmx_sysfs_cpu_remove(unsigned int cpu);
int vmx_sysfs_init(void);
void vmx_sysfs_exit(void);

#endif /* _VMX_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU VMX state object and its operations, inside the module.
 * Clients use the API in vmx_percpu.h instead.
 */
#ifndef _VMX_INTERNAL_H
#define _VMX_INTERNAL_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "vmx_caps.h"
#include "vmx_msr.h"

/**
 * struct vmx_percpu - one CPU's VMX state
 * @cpu: the CPU this state belongs to
 * @vmcs_revision_id: from IA32_VMX_BASIC at the last check
 * @region: the VMXON region, or NULL
 * @enabled: this module executed VMXON on @cpu and not yet VMXOFF
 * @reason: outcome of the last check, enable or disable
 * @regs: the register values read at the last check
 * @verdict: what vmx_check_cpu() made of @regs
 *
 * Only @cpu itself changes the fields, with interrupts disabled, except
 * @region, which vmx_region.c allocates and frees while @cpu is not in VMX
 * operation.
 */
struct vmx_percpu {
	unsigned int cpu;
	u32 vmcs_revision_id;
	struct page *region;
	bool enabled;
	enum vmx_reason reason;
	struct vmx_cpu_regs regs;
	struct vmx_verdict verdict;
};

void vmx_percpu_init(struct vmx_percpu *st, unsigned int cpu);
bool vmx_percpu_is_enabled(const struct vmx_percpu *st);
int vmx_percpu_check(struct vmx_percpu *st, const struct vmx_hw *hw);
int vmx_percpu_hardware_enable(struct vmx_percpu *st, const struct vmx_hw *hw);
int vmx_percpu_hardware_disable(struct vmx_percpu *st,
				const struct vmx_hw *hw);

/**
 * struct vmx_fleet - the CPUs that are enabled and disabled together
 * @hw: their hardware
 * @state: a CPU's state
 *
 * The module has one, over the real hardware; KUnit makes fakes.
 */
struct vmx_fleet {
	const struct vmx_hw *hw;
	struct vmx_percpu *(*state)(unsigned int cpu);
};

int vmx_fleet_check(const struct vmx_fleet *f, bool only_checking);
int vmx_fleet_enable(const struct vmx_fleet *f);
int vmx_fleet_disable(const struct vmx_fleet *f);

int vmx_region_alloc(struct vmx_percpu *st);
void vmx_region_free(struct vmx_percpu *st);

struct vmx_percpu *vmx_state_of(unsigned int cpu);
int vmxon_set_enabled(bool on);
bool vmxon_is_enabled(void);

int vmx_sysfs_init(void);
void vmx_sysfs_exit(void);

#endif /* _VMX_INTERNAL_H */

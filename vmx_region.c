// SPDX-License-Identifier: GPL-2.0
/*
 * VMXON regions: one zeroed 4 KiB page per CPU, on that CPU's node.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include <kunit/visibility.h>

#include "vmx_internal.h"

/**
 * vmx_region_alloc() - give a CPU its VMXON region
 * @st: the CPU's state; @st->vmcs_revision_id must be known
 *
 * The first 32-bit word is the VMCS revision id with bit 31 (shadow VMCS)
 * clear; the rest is zero. Does nothing if the CPU already has a region.
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int vmx_region_alloc(struct vmx_percpu *st)
{
	struct page *page;

	if (st->region)
		return 0;
	if (vmx_fault_should_fail(VMX_FAULT_REGION, st->cpu))
		return -ENOMEM;
	page = alloc_pages_node(cpu_to_node(st->cpu), GFP_KERNEL | __GFP_ZERO,
				0);
	if (!page)
		return -ENOMEM;
	*(u32 *)page_address(page) = st->vmcs_revision_id & ~BIT(31);
	st->region = page;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_region_alloc);

/**
 * vmx_region_free() - take back a CPU's VMXON region
 * @st: the CPU's state
 *
 * Keeps the region of a CPU still in VMX operation: the CPU may use it.
 *
 * Context: Any context.
 */
void vmx_region_free(struct vmx_percpu *st)
{
	if (!st->region || st->enabled)
		return;
	__free_page(st->region);
	st->region = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vmx_region_free);

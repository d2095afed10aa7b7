/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxon's trace events, in tracefs as events/vmxon/: a CPU entering VMX
 * operation, leaving it, and refused it, each with the operation it is
 * part of (enable, disable, online, offline, suspend, resume, reboot).
 *
 * vmx_fleet.c alone emits them (and defines them, CREATE_TRACE_POINTS),
 * for the module's CPUs only: KUnit's fake CPUs are not traced. Never on
 * the emergency path (a crash, in NMI context), as KVM does not trace
 * there either. A kernel without CONFIG_TRACEPOINTS compiles them away.
 *
 * The reason of a refusal is copied into the event as its token, as sysfs
 * shows it: a tool reads it from the event alone, without vmxon's table.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmxon

#if !defined(_VMX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMX_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "vmx_internal.h"

/* The operations: their values for user space (the format files), */
TRACE_DEFINE_ENUM(VMX_OP_ENABLE);
TRACE_DEFINE_ENUM(VMX_OP_DISABLE);
TRACE_DEFINE_ENUM(VMX_OP_ONLINE);
TRACE_DEFINE_ENUM(VMX_OP_OFFLINE);
TRACE_DEFINE_ENUM(VMX_OP_SUSPEND);
TRACE_DEFINE_ENUM(VMX_OP_RESUME);
TRACE_DEFINE_ENUM(VMX_OP_REBOOT);

/* and as the events print them. */
#define vmx_trace_op(op)						\
	__print_symbolic(op, { VMX_OP_ENABLE, "enable" },		\
			 { VMX_OP_DISABLE, "disable" },			\
			 { VMX_OP_ONLINE, "online" },			\
			 { VMX_OP_OFFLINE, "offline" },			\
			 { VMX_OP_SUSPEND, "suspend" },			\
			 { VMX_OP_RESUME, "resume" },			\
			 { VMX_OP_REBOOT, "reboot" })

/*
 * vmxon_cpu_on: CPU @cpu entered VMX operation, its VMXON succeeded; the
 * event is emitted there. @op: enable, online or resume. @revision_id: the
 * VMCS revision id its VMXON region carries. The clients' cpu_up follow;
 * one that refuses turns the CPU off again (vmxon_cpu_off, then
 * vmxon_cpu_refused with client_refused).
 */
TRACE_EVENT(vmxon_cpu_on,
	    TP_PROTO(unsigned int cpu, enum vmx_op op, u32 revision_id),
	    TP_ARGS(cpu, op, revision_id),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(unsigned int, op)
			     __field(u32, revision_id)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->op = op;
			   __entry->revision_id = revision_id;),
	    TP_printk("cpu=%u op=%s revision_id=0x%x", __entry->cpu,
		      vmx_trace_op(__entry->op), __entry->revision_id)
);

/*
 * vmxon_cpu_off: CPU @cpu executed VMXOFF, after the clients' cpu_down;
 * the event is emitted there. @op: disable, offline, suspend or reboot; or
 * enable, online or resume when a client refused the CPU or another CPU
 * failed the enable. @err: 0, or -EIO when VMXOFF failed (the CPU's reason
 * is then vmxoff_failed, and it stays in VMX operation unless VMXOFF
 * faulted).
 */
TRACE_EVENT(vmxon_cpu_off,
	    TP_PROTO(unsigned int cpu, enum vmx_op op, int err),
	    TP_ARGS(cpu, op, err),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(unsigned int, op)
			     __field(int, err)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->op = op;
			   __entry->err = err;),
	    TP_printk("cpu=%u op=%s err=%d", __entry->cpu,
		      vmx_trace_op(__entry->op), __entry->err)
);

/*
 * vmxon_cpu_refused: CPU @cpu could not enter VMX operation. @op: enable,
 * online or resume. @reason: its reason, as its sysfs file reason shows
 * it (copied: the buffer outlives the module). @err: the errno of this
 * CPU's refusal. An online or a resume emits it on @cpu. An enable emits
 * it on the CPU that runs the enable, after the cross-CPU rounds, once per
 * refused CPU: the enable fails with the first one's errno, and every CPU
 * that went on goes off again. With kvm_intel loaded, the enable's check
 * round still runs: a CPU where KVM holds VMX is refused as busy. A reboot
 * begun refuses an enable before any CPU is tried: no event. The reason
 * is an array, not __string(): __assign_str() takes two arguments on 6.1
 * and one on 6.12.
 */
TRACE_EVENT(vmxon_cpu_refused,
	    TP_PROTO(unsigned int cpu, enum vmx_op op, enum vmx_reason reason,
		     int err),
	    TP_ARGS(cpu, op, reason, err),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(unsigned int, op)
			     __array(char, reason, VMX_REASON_TOKEN_SIZE)
			     __field(int, err)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->op = op;
			   strscpy(__entry->reason, vmx_reason_token(reason),
				   VMX_REASON_TOKEN_SIZE);
			   __entry->err = err;),
	    TP_printk("cpu=%u op=%s reason=%s err=%d", __entry->cpu,
		      vmx_trace_op(__entry->op), __entry->reason,
		      __entry->err)
);

#endif /* _VMX_TRACE_H */

/* Outside the guard: define_trace.h includes this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vmx_trace
#include <trace/define_trace.h>

# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_trace
# targets: 6.12/bochs */qemu-kvm
# The trace events (events/vmxon/ in tracefs): an enable leaves exactly one
# vmxon_cpu_on per online CPU in the buffer and a disable one vmxon_cpu_off,
# each emitted on its own CPU, with its number and revision id; with the
# events off, none. With fault injection (test builds): a CPU whose VMXON
# fails is one vmxon_cpu_refused with its reason and errno, and the enable's
# rollback turns the others off again; a check that fails in an enable is
# that CPU's refusal alone; a failed VMXOFF's off event says -EIO; a CPU
# refused as it comes online is refused on itself. A hotplug round and a
# suspend (pm_test core) name their operations. Needs VMX.
ktap_begin vmxon_trace

tr=/sys/kernel/tracing
sys=/sys/kernel/vmxon
dbg=/sys/kernel/debug/vmxon
cpudir=/sys/devices/system/cpu
cpus=$(online_cpus)
last=$(echo "$cpus" | tail -1)

if ! has_vmx 0; then
	ktap_skip trace_events "no VMX on this machine"
	ktap_end
	return 0
fi
[ -f $tr/trace ] || mount -t tracefs tracefs $tr
ktap_run tracefs test -f $tr/trace
ktap_run insmod insmod /lib/modules/vmxon.ko enable=0
ktap_run events_exist test -f $tr/events/vmxon/vmxon_cpu_on/enable \
	-a -f $tr/events/vmxon/vmxon_cpu_off/enable \
	-a -f $tr/events/vmxon/vmxon_cpu_refused/enable
# TRACE_DEFINE_ENUM: the formats name numbers, not enum constants.
ktap_expect formats_resolved "$(rd $tr/events/vmxon/*/format | grep -c VMX_OP_)" 0

# trace_events: the vmxon events in the buffer, sorted, one per line, as
# "EVENT at=CPU FIELDS", CPU the one that emitted it (its [NNN] column);
# then the buffer is emptied. A refused event of an enable is emitted on
# whichever CPU ran the write: its at= is dropped.
trace_events() {
	sed -n 's/^.*\[0*\([0-9][0-9]*\)\] .* \(vmxon_[a-z_]*\): \(.*\)$/\2 at=\1 \3/p' \
		$tr/trace | sed 's/^\(vmxon_cpu_refused\) at=[0-9]* \(.*op=enable\)/\1 \2/' | sort
	: >$tr/trace
}

# on CPU OP / off CPU OP ERR: the event that CPU must have emitted.
on() {
	echo "vmxon_cpu_on at=$1 cpu=$1 op=$2 revision_id=$(rd $cpudir/cpu$1/vmx/vmcs_revision_id)"
}

off() {
	echo "vmxon_cpu_off at=$1 cpu=$1 op=$2 err=$3"
}

: >$tr/trace
echo 1 >$tr/events/vmxon/enable
ktap_run write_enabled_1 put 1 $sys/enabled
ktap_expect enable_one_on_per_cpu "$(trace_events)" \
	"$(for c in $cpus; do on "$c" enable; done | sort)"
ktap_run write_enabled_0 put 0 $sys/enabled
ktap_expect disable_one_off_per_cpu "$(trace_events)" \
	"$(for c in $cpus; do off "$c" disable 0; done | sort)"
kmsg "vmxon-test: trace events of an enable and a disable, as recorded:"
echo 1 >$sys/enabled
echo 0 >$sys/enabled
grep vmxon_cpu_ $tr/trace | while IFS= read -r line; do kmsg "vmxon-test: $line"; done
: >$tr/trace

echo 0 >$tr/events/vmxon/enable
echo 1 >$sys/enabled
echo 0 >$sys/enabled
ktap_expect events_off_none "$(trace_events)" ""
echo 1 >$tr/events/vmxon/enable

if [ ! -d $dbg/fail_vmxon ]; then
	ktap_skip refused_enable "no fault injection in this build"
	ktap_skip refused_online "no fault injection in this build"
else
	# VMXON fails (VMfail) on the last CPU: it is refused, vmxon_failed
	# (-EIO), and every other CPU goes on and off again.
	echo Y >$dbg/vmxon_vmfail
	arm fail_vmxon "$last"
	put 1 $sys/enabled 2>/dev/null
	disarm fail_vmxon
	echo N >$dbg/vmxon_vmfail
	ktap_expect refused_enable "$(trace_events)" "$({
		for c in $cpus; do
			[ "$c" = "$last" ] && continue
			on "$c" enable
			off "$c" enable 0
		done
		echo "vmxon_cpu_refused cpu=$last op=enable reason=vmxon_failed err=-5"
	} | sort)"
	ktap_expect refused_enable_all_off "$(rd $sys/cpus_on)" ""

	# A check that fails on the last CPU in an enable: that CPU alone is
	# refused (disabled_by_firmware, -EOPNOTSUPP), before any VMXON.
	echo disabled_by_firmware >$dbg/check_reason
	arm fail_check "$last"
	put 1 $sys/enabled 2>/dev/null
	disarm fail_check
	ktap_expect refused_check "$(trace_events)" \
		"vmxon_cpu_refused cpu=$last op=enable reason=disabled_by_firmware err=-95"

	# VMXOFF fails (VMfail) on the last CPU in a disable: its off event
	# says -EIO, and it stays in VMX operation until the next disable.
	put 1 $sys/enabled
	: >$tr/trace
	echo Y >$dbg/vmxoff_vmfail
	arm fail_vmxoff "$last"
	put 0 $sys/enabled 2>/dev/null
	disarm fail_vmxoff
	echo N >$dbg/vmxoff_vmfail
	ktap_expect vmxoff_failed "$(trace_events)" "$(for c in $cpus; do
		if [ "$c" = "$last" ]; then off "$c" disable -5; else off "$c" disable 0; fi
	done | sort)"
	put 0 $sys/enabled
	ktap_expect vmxoff_after_failure "$(trace_events)" "$(off "$last" disable 0)"

	# A check that fails as the last CPU comes online, with vmxon
	# enabled: the CPU refuses itself (disabled_by_firmware, -EOPNOTSUPP)
	# and stays offline; then it comes online and goes on.
	if [ ! -e $cpudir/cpu$last/online ] || [ "$last" = 0 ]; then
		ktap_skip refused_online "cpu$last cannot go offline"
	else
		echo 1 >$sys/enabled
		echo 0 >$cpudir/cpu$last/online
		: >$tr/trace
		echo disabled_by_firmware >$dbg/check_reason
		arm fail_check "$last"
		put 1 $cpudir/cpu$last/online 2>/dev/null
		disarm fail_check
		ktap_expect refused_online "$(trace_events)" \
			"vmxon_cpu_refused at=$last cpu=$last op=online reason=disabled_by_firmware err=-95"
		echo 1 >$cpudir/cpu$last/online
		ktap_expect online_after_refusal "$(trace_events)" "$(on "$last" online)"
		echo 0 >$sys/enabled
		: >$tr/trace
	fi
fi

# A hotplug round with vmxon enabled: each non-boot CPU off and on again.
nonboot=$(echo "$cpus" | grep -vx 0)
echo 1 >$sys/enabled
: >$tr/trace
if [ -z "$nonboot" ]; then
	ktap_skip hotplug "one CPU only"
else
	for c in $nonboot; do
		echo 0 >$cpudir/cpu$c/online
		echo 1 >$cpudir/cpu$c/online
	done
	ktap_expect hotplug_off_on "$(trace_events)" "$(
		for c in $nonboot; do
			off "$c" offline 0
			on "$c" online
		done | sort
	)"
fi

# Suspend and resume (S3 stopped at the core test point): the non-boot
# CPUs go offline and come back online, the boot CPU suspends and resumes.
if ! why=$(pm_test_core); then
	ktap_skip suspend_resume "$why"
else
	put mem /sys/power/state
	echo none >/sys/power/pm_test
	ktap_expect suspend_resume "$(trace_events)" "$({
		off 0 suspend 0
		on 0 resume
		for c in $nonboot; do
			off "$c" offline 0
			on "$c" online
		done
	} | sort)"
fi
echo 0 >$sys/enabled
echo 0 >$tr/events/vmxon/enable
: >$tr/trace
ktap_run rmmod rmmod vmxon

ktap_end

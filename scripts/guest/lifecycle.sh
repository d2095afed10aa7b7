# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_lifecycle
# CPU hotplug with vmxon enabled (without VMX: check-only), the per-CPU
# group following each CPU and the masks exact after every step; then
# suspend/resume through /sys/power/pm_test=core. vmxon_lifecycle_rounds
# on the kernel command line sets the hotplug rounds (10).
ktap_begin vmxon_lifecycle

sys=/sys/kernel/vmxon
cpudir=/sys/devices/system/cpu
nonboot=$(online_cpus | grep -vx 0)
if has_vmx 0; then
	on=on reason=ok param=
else
	on=off reason=no_vmx param=enable=0
fi
# on_list, failed_list: what cpus_on and cpus_failed must read: every
# online CPU on and none failed, or without VMX the reverse.
on_list() {
	[ "$on" = on ] && cpu_list
}

failed_list() {
	[ "$on" = on ] || cpu_list
}

ktap_run insmod insmod /lib/modules/vmxon.ko $param

# One round: every non-boot CPU offline, then online, checking each step.
hotplug_round() {
	local cpu bad=
	for cpu in $nonboot; do
		echo 0 >$cpudir/cpu$cpu/online || bad="$bad cpu$cpu:offline-failed"
		[ -d $cpudir/cpu$cpu/vmx ] && bad="$bad cpu$cpu:group-stays"
		[ "$(rd $sys/cpus_on)" = "$(on_list)" ] ||
			bad="$bad cpu$cpu-off:cpus_on=$(rd $sys/cpus_on)"
		echo 1 >$cpudir/cpu$cpu/online || bad="$bad cpu$cpu:online-failed"
		cpu_is "$cpu" $on $reason >/dev/null ||
			bad="$bad $(cpu_is "$cpu" $on $reason)"
		[ "$(rd $sys/cpus_on)" = "$(on_list)" ] ||
			bad="$bad cpu$cpu-on:cpus_on=$(rd $sys/cpus_on)"
		[ "$(rd $sys/cpus_failed)" = "$(failed_list)" ] ||
			bad="$bad cpus_failed=$(rd $sys/cpus_failed)"
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

if [ -z "$nonboot" ]; then
	ktap_skip hotplug "one CPU only"
else
	rounds=${vmxon_lifecycle_rounds:-10} round=1
	while [ $round -le "$rounds" ]; do
		ktap_run hotplug_round_$round hotplug_round
		round=$((round + 1))
	done
	kmsg "vmxon-test: $((rounds * $(echo "$nonboot" | grep -c .))) offline/online steps"
	if [ "$on" = on ]; then
		# A CPU offline while disabled comes back on after enabling.
		last=$(echo "$nonboot" | tail -1)
		ktap_run write_enabled_0 put 0 $sys/enabled
		ktap_run every_cpu_off every_cpu_is off ok
		echo 0 >$cpudir/cpu$last/online
		ktap_run write_enabled_1_one_offline put 1 $sys/enabled
		ktap_expect cpus_on_without_offline "$(rd $sys/cpus_on)" "$(cpu_list)"
		echo 1 >$cpudir/cpu$last/online
		ktap_run every_cpu_on_after_online every_cpu_is on ok
		ktap_expect cpus_on_all "$(rd $sys/cpus_on)" "$(cpu_list)"
	fi
fi

# Suspend to RAM, stopped at the "core" test point: the non-boot CPUs go
# offline, syscore suspend runs on the boot CPU, then everything resumes.
if [ "$on" != on ]; then
	ktap_skip suspend_resume "no VMX"
elif ! why=$(pm_test_core); then
	ktap_skip suspend_resume "$why"
else
	kmsg_mark
	ktap_run suspend_resume put mem /sys/power/state
	echo none >/sys/power/pm_test
	log=$(dmesg_since_mark)
	ktap_expect suspend_vmx_off_cpu0 \
		"$(echo "$log" | grep -c "vmxon: suspend: cpu0: VMX off")" 1
	ktap_expect resume_vmx_on_cpu0 \
		"$(echo "$log" | grep -c "vmxon: resume: cpu0: VMX on")" 1
	missing=
	for cpu in $nonboot; do
		echo "$log" | grep -q "vmxon: cpu$cpu: going offline, VMX off" ||
			missing="$missing cpu$cpu:off"
		echo "$log" | grep -q "vmxon: cpu$cpu: online, VMX on" ||
			missing="$missing cpu$cpu:on"
	done
	ktap_expect nonboot_off_then_on "$missing" ""
	ktap_run every_cpu_on_after_resume every_cpu_is on ok
	ktap_expect cpus_on_after_resume "$(rd $sys/cpus_on)" "$(cpu_list)"
fi

ktap_run rmmod rmmod vmxon
ktap_expect no_group_left "$(ls -d $cpudir/cpu*/vmx 2>/dev/null)" ""

ktap_end

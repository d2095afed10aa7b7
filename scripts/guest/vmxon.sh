# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_load
# Load, sysfs, enable/disable through sysfs, unload, reload, check-only.
# Where CPUID has VMX (and Linux locked FEATURE_CONTROL with VMX on at boot)
# every CPU must go on; elsewhere the load must fail with EOPNOTSUPP.
ktap_begin vmxon_load

sys=/sys/kernel/vmxon
cpus=$(online_cpus)
all=$(echo "$cpus" | head -1)-$(echo "$cpus" | tail -1)
[ "$(echo "$cpus" | grep -c .)" = 1 ] && all=$cpus

# sysfs_matches_msrs: feature_control and vmcs_revision_id are the MSRs'.
sysfs_matches_msrs() {
	local cpu bad= fc rev
	for cpu in $cpus; do
		d=/sys/devices/system/cpu/cpu$cpu/vmx
		fc=$(printf '0x%x' $((0x$(rdmsr "$cpu" 0x3a))))
		rev=$(printf '0x%x' $((0x$(rdmsr "$cpu" 0x480) & 0x7fffffff)))
		[ "$(rd $d/feature_control)" = "$fc" ] ||
			bad="$bad cpu$cpu:feature_control=$(rd $d/feature_control)/$fc"
		[ "$(rd $d/vmcs_revision_id)" = "$rev" ] ||
			bad="$bad cpu$cpu:vmcs_revision_id=$(rd $d/vmcs_revision_id)/$rev"
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

if has_vmx "$(echo "$cpus" | head -1)"; then
	ktap_run insmod insmod /lib/modules/vmxon.ko
	ktap_run every_cpu_on every_cpu_is on ok
	ktap_expect enabled_reads_1 "$(rd $sys/enabled)" 1
	ktap_expect cpus_on_all "$(rd $sys/cpus_on)" "$all"
	ktap_expect cpus_failed_none "$(rd $sys/cpus_failed)" ""
	ktap_run sysfs_matches_msrs sysfs_matches_msrs
	vmx-status >/dev/null
	ktap_expect vmx_status_all_on_exit_0 $? 0
	ktap_expect global_revision "$(rd $sys/vmcs_revision_id)" \
		"$(rd /sys/devices/system/cpu/cpu0/vmx/vmcs_revision_id)"
	ktap_run write_enabled_0 put 0 $sys/enabled
	ktap_run every_cpu_off_after_0 every_cpu_is off ok
	ktap_expect cpus_on_none "$(rd $sys/cpus_on)" ""
	ktap_run write_enabled_1 put 1 $sys/enabled
	ktap_run every_cpu_on_after_1 every_cpu_is on ok
	ktap_run write_enabled_1_again put 1 $sys/enabled
	ktap_run rmmod rmmod vmxon
	ktap_run insmod_again insmod /lib/modules/vmxon.ko
	ktap_run every_cpu_on_again every_cpu_is on ok
	ktap_run rmmod_again rmmod vmxon
	ktap_run insmod_check_only insmod /lib/modules/vmxon.ko enable=0
	ktap_run check_only_every_cpu_off_ok every_cpu_is off ok
	ktap_expect check_only_enabled_reads_0 "$(rd $sys/enabled)" 0
	vmx-status >/dev/null
	ktap_expect vmx_status_some_off_exit_1 $? 1
	ktap_run rmmod_check_only rmmod vmxon
	vmx-status >/dev/null
	ktap_expect vmx_status_not_loaded_exit_2 $? 2
else
	out=$(insmod /lib/modules/vmxon.ko 2>&1)
	ktap_expect insmod_fails_eopnotsupp \
		"$(echo "$out" | grep -c "Operation not supported")" 1
	ktap_expect nothing_left "$(ls -d $sys 2>/dev/null)" ""
	ktap_run insmod_check_only insmod /lib/modules/vmxon.ko enable=0
	ktap_run check_only_every_cpu_no_vmx every_cpu_is off no_vmx
	ktap_expect cpus_failed_all "$(rd $sys/cpus_failed)" "$all"
	ktap_expect write_enabled_1_fails \
		"$(put 1 $sys/enabled 2>&1 | grep -c "Operation not supported")" 1
	ktap_expect still_disabled "$(rd $sys/enabled)" 0
	ktap_run rmmod_check_only rmmod vmxon
fi

ktap_end

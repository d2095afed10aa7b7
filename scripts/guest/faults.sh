# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_faults
# targets: 6.1/bochs */qemu-kvm
# Every fault injection point on every CPU (kernel fault attributes in
# /sys/kernel/debug/vmxon/, test builds only): the operation fails with the
# documented errno, the failing CPU shows the reason, no CPU is left in VMX
# operation, and a clean enable afterwards works. Leaks: the kmemleak check
# that ends every boot. Needs VMX.
ktap_begin vmxon_faults

sys=/sys/kernel/vmxon
dbg=/sys/kernel/debug/vmxon
cpudir=/sys/devices/system/cpu
if ! has_vmx 0; then
	ktap_skip fault_matrix "no VMX on this machine"
	ktap_end
	return 0
fi
ktap_run insmod insmod /lib/modules/vmxon.ko enable=0
if ! ktap_run fault_injection_built_in test -d $dbg/fail_region; then
	rmmod vmxon
	ktap_end
	return 0
fi
kmsg_mark
# errno_text TOKEN: what the failing write says for a CPU failing so.
errno_text() {
	case $1 in
	busy) echo "Device or resource busy" ;;
	no_memory) echo "Cannot allocate memory" ;;
	cr0_fixed_bits | cr4_fixed_bits | vmxon_* | vmxoff_*) echo "Input/output error" ;;
	*) echo "Operation not supported" ;;
	esac
}

# settled: nothing half-done. VMX is off everywhere, then a clean enable
# puts every CPU in VMX root, and a disable takes every CPU out.
settled() {
	local bad=
	[ "$(rd $sys/cpus_on)" = "" ] || bad="$bad cpus_on=$(rd $sys/cpus_on)"
	put 1 $sys/enabled 2>/dev/null || bad="$bad clean-enable-failed"
	every_cpu_is on ok >/dev/null || bad="$bad $(every_cpu_is on ok)"
	put 0 $sys/enabled 2>/dev/null || bad="$bad disable-failed"
	echo "$bad"
}

# enable_fails CPU POINT TOKEN: with POINT failing on CPU, enabling every
# CPU fails with TOKEN's errno, and CPU alone reports TOKEN.
enable_fails() {
	local out bad
	arm "$2" "$1"
	out=$(put 1 $sys/enabled 2>&1)
	disarm "$2"
	echo "$out" | grep -q "$(errno_text "$3")" || bad="$bad write:'$out'"
	cpu_is "$1" off "$3" >/dev/null || bad="$bad $(cpu_is "$1" off "$3")"
	[ "$(rd $sys/cpus_failed)" = "$1" ] || bad="$bad cpus_failed=$(rd $sys/cpus_failed)"
	[ "$(rd $sys/enabled)" = 0 ] || bad="$bad enabled=1"
	bad="$bad$(settled)"
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# disable_fails CPU VMFAIL: VMXOFF fails on CPU: -EIO, reason vmxoff_failed;
# on VMfail the CPU stays on (and the next disable takes it out).
disable_fails() {
	local out bad state=off
	[ "$2" = Y ] && state=on
	echo "$2" >$dbg/vmxoff_vmfail
	put 1 $sys/enabled || bad="$bad enable-failed"
	arm fail_vmxoff "$1"
	out=$(put 0 $sys/enabled 2>&1)
	disarm fail_vmxoff
	echo "$out" | grep -q "Input/output error" || bad="$bad write:'$out'"
	cpu_is "$1" $state vmxoff_failed >/dev/null ||
		bad="$bad $(cpu_is "$1" $state vmxoff_failed)"
	[ "$state" = off ] || [ "$(rd $sys/cpus_on)" = "$1" ] ||
		bad="$bad cpus_on=$(rd $sys/cpus_on)"
	put 0 $sys/enabled || bad="$bad second-disable-failed"
	bad="$bad$(settled)"
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# online_fails CPU POINT ERRTEXT: with vmxon enabled, POINT fails while CPU
# comes online: the CPU stays offline, without its group; the others stay on.
online_fails() {
	local out bad
	put 1 $sys/enabled || bad="$bad enable-failed"
	echo 0 >$cpudir/cpu$1/online
	arm "$2" "$1"
	out=$(put 1 $cpudir/cpu$1/online 2>&1)
	disarm "$2"
	echo "$out" | grep -q "$3" || bad="$bad write:'$out'"
	[ "$(rd $cpudir/cpu$1/online)" = 0 ] || bad="$bad cpu$1-online"
	[ -d $cpudir/cpu$1/vmx ] && bad="$bad cpu$1-group"
	[ "$(rd $sys/cpus_on)" = "$(cpu_list)" ] || bad="$bad cpus_on=$(rd $sys/cpus_on)"
	echo 1 >$cpudir/cpu$1/online || bad="$bad clean-online-failed"
	cpu_is "$1" on ok >/dev/null || bad="$bad $(cpu_is "$1" on ok)"
	put 0 $sys/enabled || bad="$bad disable-failed"
	bad="$bad$(settled)"
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# resume_fails CPU: firmware locked FEATURE_CONTROL off across suspend on
# CPU. The boot CPU: vmxon is disabled, every CPU off. Another CPU: it
# stays offline, listed in cpus_failed; the others are on.
resume_fails() {
	local bad
	put 1 $sys/enabled || bad="$bad enable-failed"
	echo core >/sys/power/pm_test
	arm fail_resume "$1"
	echo mem >/sys/power/state || bad="$bad suspend-failed"
	disarm fail_resume
	echo none >/sys/power/pm_test
	if [ "$1" = 0 ]; then
		[ "$(rd $sys/enabled)" = 0 ] || bad="$bad enabled=1"
		cpu_is 0 off disabled_by_firmware >/dev/null ||
			bad="$bad $(cpu_is 0 off disabled_by_firmware)"
		[ "$(rd $sys/cpus_on)" = "" ] || bad="$bad cpus_on=$(rd $sys/cpus_on)"
		put 0 $sys/enabled || bad="$bad disable-failed"
	else
		online_cpus | grep -qx "$1" && bad="$bad cpu$1-online"
		[ "$(rd $sys/cpus_failed)" = "$1" ] || bad="$bad cpus_failed=$(rd $sys/cpus_failed)"
		[ "$(rd $sys/cpus_on)" = "$(cpu_list)" ] || bad="$bad cpus_on=$(rd $sys/cpus_on)"
		# The kernel left the CPU device "online" (only the CPU failed to
		# come up): offline it, which is a no-op, to online it again.
		echo 0 >$cpudir/cpu$1/online
		echo 1 >$cpudir/cpu$1/online || bad="$bad clean-online-failed"
		put 0 $sys/enabled || bad="$bad disable-failed"
	fi
	bad="$bad$(settled)"
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

checks="no_vmx disabled_by_firmware disabled_by_kernel cr0_fixed_bits cr4_fixed_bits vmcs_too_large vmcs_size_zero memtype_not_wb addr_32bit_only busy"
has_s3=
pm_test_core >/dev/null && has_s3=1
for cpu in $(online_cpus); do
	ktap_run region_cpu$cpu enable_fails "$cpu" fail_region no_memory
	for c in $checks; do
		echo $c >$dbg/check_reason
		ktap_run check_${c}_cpu$cpu enable_fails "$cpu" fail_check $c
	done
	echo N >$dbg/vmxon_vmfail
	ktap_run vmxon_fault_cpu$cpu enable_fails "$cpu" fail_vmxon vmxon_fault
	echo Y >$dbg/vmxon_vmfail
	ktap_run vmxon_vmfail_cpu$cpu enable_fails "$cpu" fail_vmxon vmxon_failed
	ktap_run vmxoff_vmfail_cpu$cpu disable_fails "$cpu" Y
	ktap_run vmxoff_fault_cpu$cpu disable_fails "$cpu" N
	if [ ! -e $cpudir/cpu$cpu/online ]; then
		ktap_skip sysfs_cpu$cpu "cpu$cpu cannot go offline"
		ktap_skip online_cpu$cpu "cpu$cpu cannot go offline"
	else
		ktap_run sysfs_cpu$cpu online_fails "$cpu" fail_sysfs "Cannot allocate memory"
		ktap_run online_cpu$cpu online_fails "$cpu" fail_online "Input/output error"
	fi
	if [ -n "$has_s3" ] && [ "$cpu" != 0 ] && [ "$(online_cpus | grep -c .)" -le 2 ]; then
		# A CPU that failed to resume keeps its device "online", and
		# the kernel refuses to offline the last but one CPU: it could
		# not be brought back for the scenarios that follow.
		ktap_skip resume_cpu$cpu "a CPU that failed to resume cannot be brought back with 2 CPUs"
	elif [ -n "$has_s3" ]; then
		ktap_run resume_cpu$cpu resume_fails "$cpu"
	else
		ktap_skip resume_cpu$cpu "no S3 ('deep') here"
	fi
done
kmsg "vmxon-test: $(dmesg_since_mark | grep -c "FAULT_INJECTION: forcing a failure") faults injected"
ktap_run rmmod rmmod vmxon
ktap_end

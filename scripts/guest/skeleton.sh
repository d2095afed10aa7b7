# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_skeleton
# vmxon.ko loads, reports every online CPU and unloads cleanly. Each CPU's
# reason must be ok where the raw CPUID has VMX (Linux locked
# FEATURE_CONTROL with VMX on at boot), no_vmx where it has not; the
# FEATURE_CONTROL value it logs must be the MSR's.
ktap_begin vmxon_skeleton

kmsg_mark
ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
report=$(dmesg_since_mark | grep "vmxon: cpu[0-9]*: ")
ktap_expect every_cpu_reported "$(echo "$report" | grep -c .)" "$(nproc)"
for dir in /sys/devices/system/cpu/cpu[0-9]*; do
	cpu=${dir##*cpu}
	[ "$(cat "$dir/online" 2>/dev/null || echo 1)" = 1 ] || continue
	line=$(echo "$report" | grep "vmxon: cpu$cpu: ")
	ecx=$(cpuid "$cpu" 1 | cut -d' ' -f3)
	want=no_vmx
	[ $((0x${ecx:-0} & 0x20)) != 0 ] && want=ok
	got=$(echo "$line" | sed -n 's/.*: cpu[0-9]*: \([a-z0-9_]*\) .*/\1/p')
	ktap_expect "cpu${cpu}_reason" "$got" "$want"
	fc=$(rdmsr "$cpu" 0x3a)
	got=$(echo "$line" | sed -n 's/.*(feature_control \(0x[0-9a-f]*\),.*/\1/p')
	ktap_expect "cpu${cpu}_feature_control" "$got" "$(printf '0x%x' $((0x${fc:-0})))"
done
ktap_run rmmod_vmxon rmmod vmxon
ktap_run insmod_vmxon_again insmod /lib/modules/vmxon.ko
ktap_run rmmod_vmxon_again rmmod vmxon

ktap_end

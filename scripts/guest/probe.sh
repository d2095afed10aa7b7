# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_probe
# targets: */bochs */qemu */qemu-kvm
# `vmx-status --probe` (user space, vmxon not loaded) and the module's
# check-only mode (insmod vmxon.ko enable=0) name the same reason, revision
# and IA32_FEATURE_CONTROL for every online CPU. The reason expected, from
# the first CPU's CPUID and IA32_FEATURE_CONTROL: no_vmx without VMX in
# CPUID (QEMU); disabled_by_firmware when the MSR is locked without "VMXON
# outside SMX" (a firmware with VT-x off, or a kernel that locked it so:
# feat_ctl.c without CONFIG_KVM_INTEL); disabled_by_kernel when the kernel
# cleared its VMX flag (clearcpuid=vmx: the vmx-cleared target); ok
# otherwise (Bochs). Where VMX works, also what the probe cannot see:
# while KVM holds VMX the module says busy and the probe still says ok.
ktap_begin vmxon_probe

sys=/sys/kernel/vmxon
cpus=$(online_cpus)
first=$(echo "$cpus" | head -1)
fc=$(rdmsr "$first" 0x3a)
fc=$((0x${fc:-0}))
if ! has_vmx "$first"; then
	want=no_vmx
elif [ $((fc & 5)) = 1 ]; then
	want=disabled_by_firmware
elif ! grep -q '^flags.* vmx\( \|$\)' /proc/cpuinfo; then
	want=disabled_by_kernel
else
	want=ok
fi
want_rc=1
[ "$want" = ok ] && want_rc=0

# Each online CPU as "cpuN REASON REVISION FEATURE_CONTROL": from vmx-probe,
# and from the module's sysfs.
probe_rows() {
	vmx-probe | sed -n 's/^\(cpu[0-9]* [^ ]* [^ ]* [^ ]*\) .*/\1/p'
}
sysfs_rows() {
	local cpu d
	for cpu in $cpus; do
		d=/sys/devices/system/cpu/cpu$cpu/vmx
		echo "cpu$cpu $(cat $d/reason) $(cat $d/vmcs_revision_id) $(cat $d/feature_control)"
	done
}
# every_row_says REASON ROWS: the reason of every row.
every_row_says() {
	echo "$2" | awk -v r="$1" '$2 != r { bad = bad " " $1 "=" $2 }
		END { if (bad != "") { print bad; exit 1 } }'
}

ktap_expect vmxon_not_loaded "$(ls -d $sys 2>/dev/null)" ""
[ -d $sys ] && rmmod vmxon

out=$(vmx-status --probe 2>&1)
rc=$?
echo "$out" | while IFS= read -r line; do
	kmsg "vmx-status --probe: $line"
done
ktap_expect probe_exit_status "$rc" "$want_rc"
ktap_expect probe_names_busy_blind_spot \
	"$(echo "$out" | grep -c 'the probe never reports busy')" 1
ktap_expect probe_names_assumed_crs \
	"$(echo "$out" | grep -c 'checked on assumed values')" 1
ktap_expect probe_one_row_per_cpu \
	"$(echo "$out" | grep -c '^cpu[0-9]')" "$(echo "$cpus" | grep -c .)"
probe=$(probe_rows)
ktap_run "probe_every_cpu_$want" every_row_says "$want" "$probe"

ktap_run insmod_check_only insmod /lib/modules/vmxon.ko enable=0
module=$(sysfs_rows)
ktap_run "module_every_cpu_$want" every_row_says "$want" "$module"
ktap_expect probe_equals_module "$probe" "$module"
ktap_run rmmod_check_only rmmod vmxon

if [ "$want" = disabled_by_firmware ]; then
	bad=
	for cpu in $cpus; do
		fc=$(rdmsr "$cpu" 0x3a)
		fc=$((0x${fc:-0}))
		[ $((fc & 5)) = 1 ] || bad="$bad cpu$cpu=$fc"
	done
	ktap_expect feature_control_locked_vmx_off "$bad" ""
fi

# KVM holds VMX (a VM alive): the module sees CR4.VMXE and says busy, the
# probe cannot and says ok, as its note says.
if [ "$want" = ok ]; then
	ktap_run insmod_kvm sh -c 'insmod /lib/modules/irqbypass.ko &&
		insmod /lib/modules/kvm.ko && insmod /lib/modules/kvm-intel.ko'
	start_vm
	ktap_expect vm_runs $? 0
	ktap_run kvm_held_probe_every_cpu_ok every_row_says ok "$(probe_rows)"
	ktap_run kvm_held_insmod_check_only insmod /lib/modules/vmxon.ko enable=0
	ktap_run kvm_held_module_every_cpu_busy every_row_says busy "$(sysfs_rows)"
	ktap_run kvm_held_rmmod_check_only rmmod vmxon
	stop_vm
	ktap_run rmmod_kvm sh -c 'rmmod kvm_intel && rmmod kvm && rmmod irqbypass'
fi

ktap_end

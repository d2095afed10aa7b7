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
# vmx-status --json gives the same rows as the table and sysfs, --caps
# decodes every CPU's capability MSRs, and a busy CPU's holder is named.
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
		echo "cpu$cpu $(rd $d/reason) $(rd $d/vmcs_revision_id) $(rd $d/feature_control)"
	done
}
# json_rows JSON: the CPUs of `vmx-status --json` (module or --probe) as
# "cpuN REASON REVISION FEATURE_CONTROL", as probe_rows and sysfs_rows.
json_rows() {
	echo "$1" | sed 's/}, {/\n/g' | sed -n 's/.*"cpu": \([0-9]*\), "state": [^,]*, "reason": "\([^"]*\)", "revision_id": "\([^"]*\)", "feature_control": "\([^"]*\)".*/cpu\1 \2 \3 \4/p'
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

# --json: one line with the same rows, the same exit status, the verdict.
json=$(vmx-status --probe --json)
ktap_expect probe_json_exit_status "$?" "$want_rc"
kmsg "vmx-status --probe --json: $json"
ktap_expect probe_json_one_line "$(echo "$json" | grep -c .)" 1
ktap_expect probe_json_rows_equal_probe "$(json_rows "$json")" "$probe"
want_ok=false
[ "$want" = ok ] && want_ok=true
ktap_expect probe_json_verdict \
	"$(echo "$json" | grep -o '"verdict": {"ok": [a-z]*, "cpus": [0-9]*')" \
	"\"verdict\": {\"ok\": $want_ok, \"cpus\": $(echo "$cpus" | grep -c .)"

# --caps: the capability MSRs of every CPU, which agree (Bochs and QEMU
# give every CPU the same); IA32_VMX_BASIC as this scenario reads it.
caps=$(vmx-status --caps)
rc=$?
echo "$caps" | while IFS= read -r line; do
	kmsg "vmx-status --caps: $line"
done
if [ "$want" = no_vmx ]; then
	ktap_expect caps_exit_status "$rc" 1
	ktap_expect caps_no_vmx "$(echo "$caps" | tail -1)" "caps: no online CPU has VMX"
else
	ktap_expect caps_exit_status "$rc" 0
	ktap_expect caps_every_cpu_agrees "$(echo "$caps" | tail -1)" \
		"caps: all $(echo "$cpus" | grep -c .) CPUs with VMX agree"
	ktap_expect caps_basic_hex "$(echo "$caps" | sed -n '3s/^  Hex  *//p')" \
		"0x$(rdmsr "$first" 0x480)"
	rev=$(echo "$probe" | head -1 | cut -d' ' -f3)
	ktap_expect caps_revision "$(echo "$caps" | sed -n 's/^  Revision  *//p')" \
		"$(printf %d "$rev")"
	ktap_expect caps_rows_marked_differing "$(echo "$caps" | grep -c '^\*')" 0
fi

ktap_run insmod_check_only insmod /lib/modules/vmxon.ko enable=0
module=$(sysfs_rows)
ktap_run "module_every_cpu_$want" every_row_says "$want" "$module"
ktap_expect probe_equals_module "$probe" "$module"
# enable=0 leaves every CPU off: exit status 1, the rows of sysfs.
json=$(vmx-status --json)
ktap_expect module_json_exit_status "$?" 1
kmsg "vmx-status --json: $json"
ktap_expect module_json_rows_equal_sysfs "$(json_rows "$json")" "$module"
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
	# vmx-status names the holder, in the table and in JSON.
	ktap_expect kvm_held_status_names_kvm_intel \
		"$(vmx-status | grep -c '^holder: kvm_intel (.*); fix: .*rmmod kvm_intel')" 1
	ktap_expect kvm_held_json_names_kvm_intel \
		"$(vmx-status --json | grep -o '"holders": \[{"module": "kvm_intel"')" \
		'"holders": [{"module": "kvm_intel"'
	ktap_run kvm_held_rmmod_check_only rmmod vmxon
	stop_vm
	ktap_run rmmod_kvm sh -c 'rmmod kvm_intel && rmmod kvm && rmmod irqbypass'
fi

ktap_end

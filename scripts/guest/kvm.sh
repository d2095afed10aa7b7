# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_kvm
# targets: */bochs */qemu-kvm
# vmxon beside KVM, in both orders. (a) KVM holds VMX (a VM alive): vmxon's
# load fails with EBUSY, names kvm_intel, changes nothing, the VM runs on.
# vmxon refuses to enable beside an idle kvm_intel too; check-only works.
# (b) vmxon holds VMX: kvm_intel's load is refused with a reason.
# (c) After vmxon is gone, KVM runs a VM. (d) vmxon unloaded after a failed
# VMXOFF leaves nothing registered. (e) The last CPU in VMX operation leaves
# by hotplug: kvm_intel takes the emergency slot. (f) Both loaded at the
# same moment: exactly one holds VMX. No WARN anywhere (the judge fails any
# splat). Needs VMX.
ktap_begin vmxon_kvm

if ! has_vmx 0; then
	ktap_skip kvm_holds_vmx "no VMX on this machine"
	ktap_end
	return 0
fi

sys=/sys/kernel/vmxon
# --- (a) KVM first -----------------------------------------------------------
ktap_run insmod_irqbypass insmod /lib/modules/irqbypass.ko
ktap_run insmod_kvm insmod /lib/modules/kvm.ko
ktap_run insmod_kvm_intel insmod /lib/modules/kvm-intel.ko
start_vm
ktap_expect vm_runs $? 0

kmsg_mark
out=$(insmod /lib/modules/vmxon.ko 2>&1)
ktap_expect insmod_fails_ebusy \
	"$(echo "$out" | grep -c "Device or resource busy")" 1
# Count CPUs, not lines: busybox insmod retries a failed finit_module()
# with init_module(), so the module's init runs twice.
ktap_expect every_cpu_busy \
	"$(dmesg_since_mark | grep -o "vmxon: cpu[0-9]*: busy" | sort -u | grep -c .)" \
	"$(online_cpus | grep -c .)"
ktap_run message_names_kvm_intel sh -c \
	"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep -q 'in use by another hypervisor (kvm_intel is loaded)'"
ktap_expect nothing_left "$(ls -d $sys 2>/dev/null)" ""
before=$(vm_exits)
sleep 1
ktap_run vm_still_runs test "$(vm_exits)" -gt "$before"
ktap_run holder_alive kill -0 $VM_PID
stop_vm
ktap_expect holder_no_error "$(rd /tmp/kvm-hold.err)" ""

# kvm_intel loaded, no VM: vmxon refuses to enable all the same (on 6.1
# an idle kvm_intel owns the emergency slot; on 6.12 it may enable VMX at
# any moment, ignoring VMfail). Check-only works, and a VM runs beside it.
# From 6.12 KVM holds VMX from its load unless kvm.enable_virt_at_load=0.
idle=
[ -e /sys/module/kvm/parameters/enable_virt_at_load ] && idle=enable_virt_at_load=0
ktap_run rmmod_kvm_intel_first rmmod kvm_intel
ktap_run rmmod_kvm_first rmmod kvm
ktap_run insmod_kvm_idle insmod /lib/modules/kvm.ko $idle
ktap_run insmod_kvm_intel_idle insmod /lib/modules/kvm-intel.ko
kmsg_mark
out=$(insmod /lib/modules/vmxon.ko 2>&1)
ktap_expect insmod_beside_idle_kvm_fails_ebusy \
	"$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_expect idle_refusal_names_kvm_intel \
	"$(dmesg_since_mark | grep -c 'in use by another hypervisor (kvm_intel is loaded): rmmod kvm_intel first')" \
	"$(dmesg_since_mark | grep -c 'in use by another hypervisor')"
ktap_expect nothing_left_beside_idle_kvm "$(ls -d $sys 2>/dev/null)" ""
ktap_run insmod_vmxon_check_only insmod /lib/modules/vmxon.ko enable=0
ktap_run every_cpu_checked_beside_kvm every_cpu_is off ok
out=$(put 1 $sys/enabled 2>&1)
ktap_expect enable_beside_kvm_fails_ebusy "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run every_cpu_still_off every_cpu_is off ok
start_vm
ktap_expect vm_runs_beside_check_only $? 0
stop_vm
ktap_run rmmod_kvm_intel_beside_check_only rmmod kvm_intel
ktap_run write_enabled_1 put 1 $sys/enabled
ktap_run every_cpu_on_after_kvm_left every_cpu_is on ok

# --- (b) vmxon first ---------------------------------------------------------
kmsg_mark
out=$(insmod /lib/modules/kvm-intel.ko 2>&1)
ktap_expect kvm_intel_refused "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run refusal_explained sh -c \
	"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep -q 'vmxon: refusing kvm_intel: vmxon holds VMX on CPUs $(cpu_list)'"
ktap_expect kvm_intel_absent "$(ls -d /sys/module/kvm_intel 2>/dev/null)" ""
ktap_run every_cpu_on_after_refusal every_cpu_is on ok

# --- (c) vmxon gone: KVM runs a VM ------------------------------------------
ktap_run rmmod_vmxon rmmod vmxon
ktap_run insmod_kvm_intel_after_vmxon insmod /lib/modules/kvm-intel.ko
start_vm
ktap_expect vm_runs_after_vmxon $? 0
stop_vm
ktap_expect holder_no_error_after_vmxon "$(rd /tmp/kvm-hold.err)" ""
ktap_run rmmod_kvm_intel rmmod kvm_intel

# --- (d) vmxon leaves after a failed VMXOFF: nothing of it stays behind -------
# A CPU's VMXOFF fails once (VMfail) as vmxon is unloaded; the CPU hotplug
# teardown takes it out of VMX operation after all. The kernel's emergency
# VMXOFF callback must not still point into the unloaded module: KVM then
# takes the slot without a WARN and runs a VM.
dbg=/sys/kernel/debug/vmxon
ktap_run insmod_vmxon_to_leave insmod /lib/modules/vmxon.ko
if [ -d $dbg/fail_vmxoff ]; then
	echo Y >$dbg/vmxoff_vmfail
	online_cpus | tail -1 >$dbg/fault_cpu
	echo 1 >$dbg/fail_vmxoff/times
	echo 100 >$dbg/fail_vmxoff/probability
	kmsg_mark
	ktap_run rmmod_vmxon_vmxoff_fails rmmod vmxon
	ktap_expect vmxoff_failed_on_leaving \
		"$(dmesg_since_mark | grep -c "vmxoff_failed")" 1
	ktap_run insmod_kvm_intel_after_leaving insmod /lib/modules/kvm-intel.ko
	start_vm
	ktap_expect vm_runs_after_leaving $? 0
	stop_vm
	ktap_expect no_warn_after_leaving "$(dmesg_since_mark | grep -c "WARNING:")" 0
	ktap_run rmmod_kvm_intel_after_leaving rmmod kvm_intel
else
	ktap_run rmmod_vmxon_to_leave rmmod vmxon
	ktap_skip vmxon_leaves_after_failed_vmxoff "no fault injection in this build"
fi

# --- (e) the last CPU in VMX operation leaves by hotplug ---------------------
# A disable fails on one CPU (VMfail: it stays in VMX operation); that CPU
# then goes offline, and its VMXOFF works. No CPU is in VMX operation by
# vmxon any more: kvm_intel is accepted, and must find the emergency slot
# free (a second registration WARNs).
ktap_run insmod_vmxon_for_hotplug insmod /lib/modules/vmxon.ko
last=$(online_cpus | tail -1)
if [ -d $dbg/fail_vmxoff ] && [ -e /sys/devices/system/cpu/cpu$last/online ]; then
	echo Y >$dbg/vmxoff_vmfail
	echo "$last" >$dbg/fault_cpu
	echo 1 >$dbg/fail_vmxoff/times
	echo 100 >$dbg/fail_vmxoff/probability
	out=$(put 0 $sys/enabled 2>&1)
	ktap_expect disable_fails_on_one_cpu \
		"$(echo "$out" | grep -c "Input/output error")" 1
	ktap_expect that_cpu_stays_on "$(rd $sys/cpus_on)" "$last"
	ktap_run offline_that_cpu put 0 /sys/devices/system/cpu/cpu$last/online
	ktap_expect no_cpu_on "$(rd $sys/cpus_on)" ""
	kmsg_mark
	ktap_run insmod_kvm_intel_no_cpu_on insmod /lib/modules/kvm-intel.ko
	start_vm
	ktap_expect vm_runs_no_cpu_on $? 0
	stop_vm
	ktap_expect no_warn_no_cpu_on "$(dmesg_since_mark | grep -c "WARNING:")" 0
	ktap_run rmmod_kvm_intel_no_cpu_on rmmod kvm_intel
	ktap_run online_that_cpu put 1 /sys/devices/system/cpu/cpu$last/online
else
	ktap_skip last_cpu_leaves_by_hotplug "no fault injection in this build, or cpu$last cannot go offline"
fi
ktap_run rmmod_vmxon_after_hotplug rmmod vmxon

# --- (f) vmxon and kvm_intel loaded at the same moment ------------------------
# As udev and modules-load.d can at boot. Whoever comes first holds VMX and
# the other is refused: never both, never neither, and no WARN or BUG (on
# 6.12 KVM enables every CPU at load, with interrupts on, ignoring VMfail).
ktap_run rmmod_kvm_for_races rmmod kvm
ktap_run insmod_kvm_default insmod /lib/modules/kvm.ko
both=0 neither=0
for round in 1 2 3 4 5 6; do
	insmod /lib/modules/kvm-intel.ko 2>/dev/null &
	kvm_pid=$!
	insmod /lib/modules/vmxon.ko 2>/dev/null
	wait $kvm_pid
	k=$([ -d /sys/module/kvm_intel ] && echo 1 || echo 0)
	v=$([ -d $sys ] && echo 1 || echo 0)
	[ "$k$v" = 11 ] && both=$((both + 1))
	[ "$k$v" = 00 ] && neither=$((neither + 1))
	[ "$v" = 1 ] && ! every_cpu_is on ok >/dev/null && both=$((both + 1))
	rmmod kvm_intel 2>/dev/null
	rmmod vmxon 2>/dev/null
done
ktap_expect concurrent_loads_never_both "$both" 0
ktap_expect concurrent_loads_never_neither "$neither" 0
ktap_run rmmod_kvm rmmod kvm
ktap_run rmmod_irqbypass rmmod irqbypass

ktap_end

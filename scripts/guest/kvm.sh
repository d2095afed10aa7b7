# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_kvm
# KVM holds VMX (a VM alive): vmxon's load fails with EBUSY, names the CPUs
# busy, changes nothing, and the VM still runs. Needs VMX.
ktap_begin vmxon_kvm

if ! has_vmx 0; then
	ktap_skip kvm_holds_vmx "no VMX on this machine"
	ktap_end
	return 0
fi

count() { cat /tmp/kvm-count 2>/dev/null || echo 0; }

ktap_run insmod_irqbypass insmod /lib/modules/irqbypass.ko
ktap_run insmod_kvm insmod /lib/modules/kvm.ko
ktap_run insmod_kvm_intel insmod /lib/modules/kvm-intel.ko
rm -f /tmp/kvm-count
kvm-hold /tmp/kvm-count 2>/tmp/kvm-hold.err &
holder=$!
i=0
while [ "$(count)" = 0 ] && [ $i -lt 100 ] && kill -0 $holder 2>/dev/null; do
	sleep 0.2
	i=$((i + 1))
done
ktap_run vm_runs test "$(count)" -gt 0

kmsg_mark
out=$(insmod /lib/modules/vmxon.ko 2>&1)
ktap_expect insmod_fails_ebusy \
	"$(echo "$out" | grep -c "Device or resource busy")" 1
# Count CPUs, not lines: busybox insmod retries a failed finit_module()
# with init_module(), so the module's init runs twice.
ktap_expect every_cpu_busy \
	"$(dmesg_since_mark | grep -o "vmxon: cpu[0-9]*: busy" | sort -u | grep -c .)" \
	"$(online_cpus | grep -c .)"
ktap_expect nothing_left "$(ls -d /sys/kernel/vmxon 2>/dev/null)" ""
before=$(count)
sleep 1
ktap_run vm_still_runs test "$(count)" -gt "$before"
ktap_run holder_alive kill -0 $holder
kill $holder
wait $holder 2>/dev/null
ktap_expect holder_no_error "$(cat /tmp/kvm-hold.err)" ""

ktap_run rmmod_kvm_intel rmmod kvm_intel
ktap_run rmmod_kvm rmmod kvm
ktap_run rmmod_irqbypass rmmod irqbypass
ktap_run insmod_vmxon_after_kvm insmod /lib/modules/vmxon.ko
ktap_run rmmod_vmxon rmmod vmxon

ktap_end

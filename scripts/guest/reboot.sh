# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_reboot_cycle
# targets: 6.1/bochs:4 6.12/bochs */qemu-kvm
# `reboot -f` with every CPU in VMX root and both samples loaded, the
# client (samples/client) and the hypervisor (samples/hv) after its guest
# ran on every CPU. vmxon calls each client's cpu_down on every CPU before
# the reboot's VMXOFF, with vmxon_going_down() true: a sample's line
# "cpuN: cpu_down, VMCS cleared (going down)" says that its VMCLEAR
# worked, which it can only do in VMX operation. Then the reboot notifier
# turns VMX off on every CPU. The host checks those lines, which precede
# the reset, and the machine comes back through the BIOS; the second boot
# loads all three again and runs the guest on every CPU. /init runs this
# scenario last. One reboot per kernel in the default run, a Bochs boot
# being long: 4 CPUs on 6.1 (hv4), 2 on 6.12. The first boot's result
# crosses the reset in a CMOS byte, through /dev/port (a kernel without it
# skips: every boot would be a first one).
dbg=/sys/kernel/debug

# want_ok: the sample hypervisor's status after one run of its default
# guest (50 rounds) on every CPU.
want_ok() {
	local c
	for c in $(online_cpus); do
		echo "cpu$c runs 1 exits 101 cpuid 50 vmcall 50 hlt 1 result ok"
	done
}

# load: vmxon, every CPU on, the client's check, the guest run on every CPU.
load() {
	local c
	insmod /lib/modules/vmxon.ko || return 1
	every_cpu_is on ok || return 1
	insmod /lib/modules/vmxon_client.ko || return 1
	[ "$(rd $dbg/vmxon_client/check)" = "$(for c in $(online_cpus); do
		echo "cpu$c loaded ok"; done)" ] ||
		{ rd $dbg/vmxon_client/check; return 1; }
	insmod /lib/modules/vmxon_hv.ko loops=50 || return 1
	put 1 $dbg/vmxon_hv/run || return 1
	[ "$(rd $dbg/vmxon_hv/status)" = "$(want_ok)" ] ||
		{ rd $dbg/vmxon_hv/status; return 1; }
}

if rebooted; then
	cmos_write $REBOOT_CMOS 0
	ktap_begin vmxon_reboot_cycle
	ktap_result ok every_cpu_on_before_reboot
	ktap_result ok second_boot
	ktap_run load_after_reboot load
	ktap_run rmmod_hv rmmod vmxon_hv
	ktap_run rmmod_client rmmod vmxon_client
	ktap_run rmmod_vmxon rmmod vmxon
	ktap_end
	return 0
fi

ktap_begin vmxon_reboot_cycle
if ! has_vmx 0; then
	ktap_skip reboot "no VMX on this machine"
	ktap_end
	return 0
fi
if [ ! -e /dev/port ]; then
	ktap_skip reboot "no /dev/port to carry the result across the reboot"
	ktap_end
	return 0
fi
if out=$(load 2>&1); then
	cmos_write $REBOOT_CMOS $REBOOT_DONE
	for c in $(online_cpus); do
		kmsg "vmxon-test: expect before the next boot: client_cpu_down_cpu$c vmxon_client: cpu$c: cpu_down, VMCS cleared (going down)"
		kmsg "vmxon-test: expect before the next boot: hv_cpu_down_cpu$c vmxon_hv: cpu$c: cpu_down, VMCS cleared (going down)"
	done
	kmsg "vmxon-test: expect before the next boot: reboot_vmxoff vmxon: reboot: VMX off on CPUs $(cpu_list); no more enabling"
	sync
	reboot -f
	sleep 60
	ktap_result "not ok" reboot "still running 60 s after reboot -f"
else
	ktap_result "not ok" every_cpu_on_before_reboot "$out"
fi
ktap_end

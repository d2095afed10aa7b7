# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_client_reboot
# targets: 6.1/bochs:4 6.12/bochs
# `reboot -f` with the sample client (samples/client) loaded: vmxon calls
# its cpu_down on every CPU before the reboot's VMXOFF, with
# vmxon_going_down() true. The client's line "cpuN: cpu_down, VMCS cleared
# (going down)" says that its VMCLEAR worked, which it can only do in VMX
# operation: so each cpu_down came before that CPU's VMXOFF. The host
# checks those lines and vmxon's reboot line, which precede the reset (as
# in reboot.sh); the second boot loads both again. /init runs this
# scenario last, one reboot scenario per target: on 6.1 in the 4-CPU
# target client4 (6.1/bochs reboots for reboot.sh), on 6.12 with 2 and 4
# CPUs. The first boot's result crosses the reset in a CMOS byte, through
# /dev/port (a kernel without it skips: every boot would be a first one).
if rebooted; then
	cmos_write $REBOOT_CMOS 0
	ktap_begin vmxon_client_reboot
	ktap_result ok every_cpu_loaded_before_reboot
	ktap_result ok second_boot
	ktap_run insmod_vmxon_after_reboot insmod /lib/modules/vmxon.ko
	ktap_run insmod_client_after_reboot insmod /lib/modules/vmxon_client.ko
	want=$(for c in $(online_cpus); do echo "cpu$c loaded ok"; done)
	ktap_expect check_after_reboot "$(cat /sys/kernel/debug/vmxon_client/check 2>&1)" "$want"
	ktap_run rmmod_client rmmod vmxon_client
	ktap_run rmmod_vmxon rmmod vmxon
	ktap_end
	return 0
fi

ktap_begin vmxon_client_reboot
if ! has_vmx 0; then
	ktap_skip client_reboot "no VMX on this machine"
	ktap_end
	return 0
fi
if [ ! -e /dev/port ]; then
	# Without the CMOS byte every boot would be a first one, rebooting.
	ktap_skip client_reboot "no /dev/port to carry the result across the reboot"
	ktap_end
	return 0
fi
want=$(for c in $(online_cpus); do echo "cpu$c loaded ok"; done)
if insmod /lib/modules/vmxon.ko && insmod /lib/modules/vmxon_client.ko &&
	[ "$(cat /sys/kernel/debug/vmxon_client/check)" = "$want" ]; then
	cmos_write $REBOOT_CMOS $REBOOT_DONE
	for c in $(online_cpus); do
		kmsg "vmxon-test: expect before the next boot: client_cpu_down_cpu$c vmxon_client: cpu$c: cpu_down, VMCS cleared (going down)"
	done
	kmsg "vmxon-test: expect before the next boot: reboot_vmxoff vmxon: reboot: VMX off on CPUs $(cpu_list); no more enabling"
	sync
	reboot -f
	sleep 60
	ktap_result "not ok" client_reboot "still running 60 s after reboot -f"
else
	ktap_result "not ok" every_cpu_loaded_before_reboot \
		"$(cat /sys/kernel/debug/vmxon_client/check 2>&1)"
fi
ktap_end

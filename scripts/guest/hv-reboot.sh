# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_hv_reboot
# targets: 6.1/bochs 6.12/bochs:4
# `reboot -f` with the sample hypervisor (samples/hv) loaded, after its
# guest ran on every CPU: vmxon calls its cpu_down on every CPU before the
# reboot's VMXOFF, with vmxon_going_down() true; its line "cpuN: cpu_down,
# VMCS cleared (going down)" says that its VMCLEAR worked, so in VMX
# operation. The host checks those lines and vmxon's reboot line, which
# precede the reset (as in client-reboot.sh); the second boot runs the
# guest on every CPU again. /init runs this scenario last: on 6.1/bochs,
# in place of reboot.sh (this reboot is vmxon's own with a client more),
# and on 6.12/bochs:4. The first boot's result crosses the reset in a CMOS byte.
dbg=/sys/kernel/debug/vmxon_hv

# want_ok RUNS: the status after RUNS runs of the default guest (50 rounds).
want_ok() {
	local c
	for c in $(online_cpus); do
		echo "cpu$c runs $1 exits 101 cpuid 50 vmcall 50 hlt 1 result ok"
	done
}

if rebooted; then
	cmos_write $REBOOT_CMOS 0
	ktap_begin vmxon_hv_reboot
	ktap_result ok every_cpu_ran_before_reboot
	ktap_result ok second_boot
	ktap_run insmod_vmxon_after_reboot insmod /lib/modules/vmxon.ko
	ktap_run insmod_hv_after_reboot insmod /lib/modules/vmxon_hv.ko loops=50
	ktap_run run_after_reboot sh -c "echo 1 > $dbg/run"
	ktap_expect status_after_reboot "$(cat $dbg/status 2>&1)" "$(want_ok 1)"
	ktap_run rmmod_hv rmmod vmxon_hv
	ktap_run rmmod_vmxon rmmod vmxon
	ktap_end
	return 0
fi

ktap_begin vmxon_hv_reboot
if ! has_vmx 0; then
	ktap_skip hv_reboot "no VMX on this machine"
	ktap_end
	return 0
fi
if [ ! -e /dev/port ]; then
	# Without the CMOS byte every boot would be a first one, rebooting.
	ktap_skip hv_reboot "no /dev/port to carry the result across the reboot"
	ktap_end
	return 0
fi
if insmod /lib/modules/vmxon.ko && insmod /lib/modules/vmxon_hv.ko loops=50 &&
	echo 1 >$dbg/run && [ "$(cat $dbg/status)" = "$(want_ok 1)" ]; then
	cmos_write $REBOOT_CMOS $REBOOT_DONE
	for c in $(online_cpus); do
		kmsg "vmxon-test: expect before the next boot: hv_cpu_down_cpu$c vmxon_hv: cpu$c: cpu_down, VMCS cleared (going down)"
	done
	kmsg "vmxon-test: expect before the next boot: reboot_vmxoff vmxon: reboot: VMX off on CPUs $(cpu_list); no more enabling"
	sync
	reboot -f
	sleep 60
	ktap_result "not ok" hv_reboot "still running 60 s after reboot -f"
else
	ktap_result "not ok" every_cpu_ran_before_reboot \
		"$(cat $dbg/status 2>&1)"
fi
ktap_end

# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_reboot
# targets: */qemu-kvm
# `reboot -f` with every CPU in VMX root: the reboot notifier turns VMX off
# on every CPU (the host checks its log line, which precedes the reset)
# and the machine comes back through the BIOS. A CMOS byte carries the
# first boot's results into the second; /init runs this scenario last.
# hv-reboot.sh does the same with the sample hypervisor loaded, and takes
# its place on the Bochs targets.
if rebooted; then
	cmos_write $REBOOT_CMOS 0
	ktap_begin vmxon_reboot
	ktap_result ok every_cpu_on_before_reboot
	ktap_result ok second_boot
	ktap_run insmod_after_reboot insmod /lib/modules/vmxon.ko
	ktap_run every_cpu_on_after_reboot every_cpu_is on ok
	ktap_run rmmod rmmod vmxon
	ktap_end
	return 0
fi

ktap_begin vmxon_reboot
if ! has_vmx 0; then
	ktap_skip reboot "no VMX on this machine"
	ktap_end
	return 0
fi
if insmod /lib/modules/vmxon.ko && every_cpu_is on ok >/dev/null; then
	cmos_write $REBOOT_CMOS $REBOOT_DONE
	kmsg "vmxon-test: expect before the next boot: reboot_notifier_vmxoff vmxon: reboot: VMX off on CPUs $(cpu_list); no more enabling"
	sync
	reboot -f
	sleep 60
	ktap_result "not ok" reboot "still running 60 s after reboot -f"
else
	ktap_result "not ok" every_cpu_on_before_reboot "$(every_cpu_is on ok)"
fi
ktap_end

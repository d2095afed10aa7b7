# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_kunit_load vmxon_caps vmxon_percpu vmxon_fleet vmxon_real vmxon_api vmxon_reboot
# The KUnit suites run when vmxon_kunit.ko loads. insmod returns 0 even
# when a case fails: the host reads the KTAP they print.
ktap_begin vmxon_kunit_load

# With VMX the suites run beside a vmxon that has every CPU on; without,
# vmxon only checks (enable=0) and the real-VMX cases skip.
enable=0
has_vmx 0 && enable=1
ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko enable=$enable
ktap_run insmod_vmxon_kunit insmod /lib/modules/vmxon_kunit.ko
ktap_run rmmod_vmxon_kunit rmmod vmxon_kunit
ktap_run rmmod_vmxon rmmod vmxon

ktap_end

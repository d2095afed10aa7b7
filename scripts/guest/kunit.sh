# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_kunit_load vmx_caps
# The KUnit suites run when vmxon_kunit.ko loads. insmod returns 0 even
# when a case fails: the host reads the KTAP they print.
ktap_begin vmxon_kunit_load

ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
ktap_run insmod_vmxon_kunit insmod /lib/modules/vmxon_kunit.ko
ktap_run rmmod_vmxon_kunit rmmod vmxon_kunit
ktap_run rmmod_vmxon rmmod vmxon

ktap_end

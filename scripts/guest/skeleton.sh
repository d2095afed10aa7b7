# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_skeleton
# vmxon.ko loads, reports every online CPU with the reason this target
# expects (vmxon_expect on the kernel command line), and unloads cleanly.
ktap_begin vmxon_skeleton

kmsg_mark
ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
cpus=$(nproc)
reported=$(dmesg_since_mark | grep -c "vmxon: cpu[0-9]*: ")
ktap_expect every_cpu_reported "$reported" "$cpus"
want=${vmxon_expect:-ok}
matching=$(dmesg_since_mark | grep -c "vmxon: cpu[0-9]*: $want ")
ktap_expect every_cpu_reason_$want "$matching" "$cpus"
ktap_run rmmod_vmxon rmmod vmxon
ktap_run insmod_vmxon_again insmod /lib/modules/vmxon.ko
ktap_run rmmod_vmxon_again rmmod vmxon

ktap_end

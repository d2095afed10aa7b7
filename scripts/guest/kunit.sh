# SPDX-License-Identifier: GPL-2.0
# The KUnit suites: they run when vmxon_kunit.ko loads (insmod returns 0
# even when a case fails; the host reads the KTAP). Then a leak scan.
ktap_begin vmxon_kunit_load

ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
ktap_run insmod_vmxon_kunit insmod /lib/modules/vmxon_kunit.ko
ktap_run rmmod_vmxon_kunit rmmod vmxon_kunit
ktap_run rmmod_vmxon rmmod vmxon

# kmemleak reports only objects older than 5 s: scan, wait, scan again.
echo scan >/sys/kernel/debug/kmemleak
sleep 6
echo scan >/sys/kernel/debug/kmemleak
leaks=$(cat /sys/kernel/debug/kmemleak)
ktap_expect no_kmemleak_reports "$(echo "$leaks" | grep -c unreferenced)" 0

ktap_end

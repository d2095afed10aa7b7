# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_canary
# targets: */canary
# Provoke, one at a time, each kind of report that the judge
# (scripts/ktap.py) fails a run on, between "canary begin NAME" and "canary
# end NAME" marks. Told with --canary that this boot is the canary, the
# judge fails the run unless it finds each report between its marks, and
# still fails it on any report outside them. lockdep turns itself off after
# its first report: the deadlock comes last of those. On a sanitizer kernel
# (vmxon_variant on the command line) its own reports follow: a KASAN
# report taints the kernel, and a tainted kernel turns lockdep off.
ktap_begin vmxon_canary

canary=/sys/kernel/debug/vmxon_canary
ktap_run insmod insmod /lib/modules/vmxon_canary.ko

# provoke NAME: write NAME to the canary from a short-lived shell, whose
# kernel stack (kmemleak scans those) is gone when it returns.
provoke() {
	ktap_run "provoke_$1" put $1 $canary
}

# The kasan kernel has no lockdep (scripts/kernel-kasan.config).
lockdep=lockdep_assert
[ "${vmxon_variant:-}" = kasan ] && lockdep=
for c in warn $lockdep atomic_sleep; do
	kmsg "vmxon-test: canary begin $c"
	provoke $c
	kmsg "vmxon-test: canary end $c"
done

# kmemleak reports an object once it is 5 s old and unchanged between two
# scans; "clear" then keeps it out of the leak check that ends every boot.
kmsg "vmxon-test: canary begin kmemleak"
kmsg_mark
provoke kmemleak
sleep 6
i=0
while [ $i -lt 4 ] && ! dmesg_since_mark | grep -q "suspected memory leak"; do
	echo scan >/sys/kernel/debug/kmemleak
	i=$((i + 1))
done
ktap_expect kmemleak_found_it "$(dmesg_since_mark | grep -c "new suspected memory leak")" 1
echo clear >/sys/kernel/debug/kmemleak
kmsg "vmxon-test: canary end kmemleak"

if [ -n "$lockdep" ]; then
	kmsg "vmxon-test: canary begin lockdep_deadlock"
	provoke lockdep_deadlock
	kmsg "vmxon-test: canary end lockdep_deadlock"
fi

case "${vmxon_variant:-}" in
kasan) sanitizers="kasan_oob ubsan_shift" ;;
kcsan) sanitizers=kcsan_race ;;
*) sanitizers= ;;
esac
for c in $sanitizers; do
	kmsg "vmxon-test: canary begin $c"
	provoke $c
	kmsg "vmxon-test: canary end $c"
done

ktap_run rmmod rmmod vmxon_canary
ktap_end

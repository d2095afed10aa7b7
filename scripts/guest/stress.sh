# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_stress
# targets: 6.1/qemu */qemu-kvm
# Load/unload cycles; enable/disable toggles racing with CPU hotplug and
# with readers of every sysfs file; reads racing with rmmod. Lockdep and
# DEBUG_ATOMIC_SLEEP are on; the judge fails any splat. Without VMX,
# vmxon runs check-only and the toggles are left out.
ktap_begin vmxon_stress

sys=/sys/kernel/vmxon
cpudir=/sys/devices/system/cpu
param= on=1
has_vmx 0 || { param=enable=0 on=; }
nonboot=$(online_cpus | grep -vx 0)

cycles=0
i=0
while [ $i -lt 100 ]; do
	insmod /lib/modules/vmxon.ko $param && rmmod vmxon && cycles=$((cycles + 1))
	i=$((i + 1))
done
ktap_expect load_unload_100_cycles $cycles 100

# readers: one per online CPU, each reading every vmxon sysfs file in a
# tight loop (sysfs-reader.c) until /tmp/stop appears.
readers() {
	local cpu
	for cpu in $(online_cpus); do
		sysfs-reader /tmp/stop "$sys/*" "$cpudir/cpu*/vmx/*" >/dev/null &
	done
	wait
}

hotplug() {
	while [ ! -e /tmp/stop ]; do
		for cpu in $nonboot; do
			echo 0 >$cpudir/cpu$cpu/online
			echo 1 >$cpudir/cpu$cpu/online
		done
	done
}

rm -f /tmp/stop
ktap_run insmod insmod /lib/modules/vmxon.ko $param
readers &
[ -n "$nonboot" ] && { hotplug & h=$!; }
toggles=0 bad=
if [ -n "$on" ]; then
	i=0
	while [ $i -lt 50 ]; do
		put 0 $sys/enabled || bad="$bad off$i"
		put 1 $sys/enabled || bad="$bad on$i"
		toggles=$((toggles + 1))
		i=$((i + 1))
	done
else
	sleep 20
fi
touch /tmp/stop
wait
ktap_expect toggles_without_error "$bad" ""
kmsg "vmxon-test: $cycles load/unload cycles, $toggles toggle rounds racing with hotplug and readers"
for cpu in $nonboot; do
	echo 1 >$cpudir/cpu$cpu/online 2>/dev/null
done
if [ -n "$on" ]; then
	ktap_run every_cpu_on_at_the_end every_cpu_is on ok
	ktap_expect cpus_on_exact "$(rd $sys/cpus_on)" "$(cpu_list)"
else
	ktap_run every_cpu_checked every_cpu_is off no_vmx
fi
ktap_expect cpus_failed_none_or_all "$(rd $sys/cpus_failed)" \
	"$([ -n "$on" ] || cpu_list)"

# Reads racing with cross-CPU rounds, without hotplug (whose stop_machine
# stalls every CPU, readers included): each write to enabled rewrites every
# CPU's state from an IPI while every CPU reads it. Without VMX each is a
# check round that fails.
rm -f /tmp/stop
readers &
i=0 rounds=0
while [ $i -lt 30 ]; do
	if [ -n "$on" ]; then
		sh -c "echo 0 > $sys/enabled && echo 1 > $sys/enabled" &&
			rounds=$((rounds + 1))
	else
		put 1 $sys/enabled 2>/dev/null ||
			rounds=$((rounds + 1))
	fi
	i=$((i + 1))
done
touch /tmp/stop
wait
ktap_expect rounds_racing_readers $rounds 30
ktap_run rmmod rmmod vmxon

# Reads racing with rmmod (and insmod).
rm -f /tmp/stop
readers &
i=0 raced=0
while [ $i -lt 20 ]; do
	insmod /lib/modules/vmxon.ko $param && rmmod vmxon && raced=$((raced + 1))
	i=$((i + 1))
done
touch /tmp/stop
wait
ktap_expect reads_racing_rmmod_20_cycles $raced 20
ktap_expect nothing_left "$(ls -d $sys /sys/module/vmxon 2>/dev/null)" ""
ktap_end

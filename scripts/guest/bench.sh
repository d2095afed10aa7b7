# SPDX-License-Identifier: GPL-2.0
# `make bench` (issue 7), not part of `make test` (no suites line).
# Time to VMX root on every CPU, and back, for vmxon and for kvm_intel,
# BENCH_REPS times in one boot (vmxon_bench_reps= on the command line).
#
# What is measured, per repetition:
#   vmxon   enable_ns/disable_ns/rounds/pages and the phases (check,
#           alloc, vmxon; vmxoff, free) from the module's own ktime
#           (/sys/kernel/debug/vmxon/stats): after insmod (enable), after
#           `echo 0 > enabled` (disable), after `echo 1 > enabled` (enable
#           again, sysfs path);
#           insmod_us, rmmod_us: the whole insmod and rmmod, as for KVM.
#   kvm     insmod_us: the whole `insmod kvm-intel.ko` with kvm.ko loaded with
#           enable_virt_at_load=1: module load, vendor setup, then VMXON on
#           every CPU; rmmod_us: the whole `rmmod kvm_intel` (VMXOFF on every
#           CPU, then the unload). The same with enable_virt_at_load=0
#           (kvmidle_*): the load without enabling VMX, for reference.
#   vmcall  the cost of a VM exit: the VMCALL round trip of the sample
#           hypervisor (samples/hv, vmcall_only=1: rounds of VMCALL alone,
#           handled by its exit handler with interrupts disabled) beside
#           KVM's (kvm-vmcall: a KVM_RUN guest doing VMCALL, which KVM
#           handles in the kernel), each as the time of a run of
#           BENCH_VMCALLS calls less that of a run of none, per call:
#           hv_ns (ktime, cpu0's run: /sys/kernel/debug/vmxon_hv/times),
#           kvm_ns (CLOCK_MONOTONIC around KVM_RUN).
# A whole insmod/rmmod is timed in the guest between two /dev/kmsg records
# (printk time stamps, microseconds), with console output off meanwhile, so
# the serial console's speed does not count. Results: one line per
# repetition, "bench: rep=N key=value ...", on the console as it ends.

reps=${vmxon_bench_reps:-7}
vmcalls=${vmxon_bench_vmcalls:-10000}
stats=/sys/kernel/debug/vmxon/stats
ncpus=$(online_cpus | grep -c .)
printk_was=$(cut -f1 /proc/sys/kernel/printk)

kmsg "bench: begin cpus=$ncpus reps=$reps"
if ! has_vmx 0; then
	kmsg "bench: error no VMX on this machine"
	return 0
fi

# stamp TAG: a kernel log record, whose time stamp usec_of TAG reads back.
stamp() {
	echo "bench-stamp $1" >/dev/kmsg
}

# usec_of TAG: the printk time of stamp TAG, in microseconds.
usec_of() {
	local t
	t=$(dmesg | sed -n "s/^\[ *\([0-9]*\)\.\([0-9]\{6\}\)\] bench-stamp $1\$/\1\2/p" | tail -1)
	t=$(echo "$t" | sed 's/^0*//')
	echo "${t:-0}"
}

# timed NAME CMD...: run CMD between two stamps; NAME_us is set to the
# interval, NAME_rc to CMD's exit status.
timed() {
	local name=$1 rc
	shift
	stamp "$name.$rep.a"
	"$@" >/tmp/bench.out 2>&1
	rc=$?
	stamp "$name.$rep.b"
	eval "${name}_us=$(($(usec_of "$name.$rep.b") - $(usec_of "$name.$rep.a")))"
	eval "${name}_rc=$rc"
	[ $rc = 0 ] || report "bench: error rep=$rep $name: '$*' exited $rc: $(rd /tmp/bench.out)"
}

# report LINE...: a result line on the console at once (which also shows
# progress), between measurements: console output is synchronous.
report() {
	echo "$printk_was" >/proc/sys/kernel/printk
	kmsg "$*"
	echo 1 >/proc/sys/kernel/printk
}

# vstat KEY: a value from the module's stats file.
vstat() {
	sed -n "s/^$1 //p" $stats
}

# phases PREFIX OPERATION: the phases of the module's last OPERATION
# (enable_check_ns ...), as PREFIX_check_ns=...
phases() {
	sed -n "s/^$2_\([a-z]*\)_ns \([0-9]*\)\$/$1_\1_ns=\2/p" $stats | tr '\n' ' '
}

# VMX is off until a measurement turns it on: on 6.12 kvm.ko alone does
# not take VMX; kvm_intel is loaded only inside its measurement.
insmod /lib/modules/irqbypass.ko
insmod /lib/modules/kvm.ko enable_virt_at_load=1 ||
	report "bench: error insmod kvm.ko enable_virt_at_load=1"

kmsg_mark
echo 1 >/proc/sys/kernel/printk	# console quiet while timing

rep=1
while [ $rep -le "$reps" ]; do
	# vmxon: load (enable every CPU), disable, enable, unload.
	timed vmxon_insmod insmod /lib/modules/vmxon.ko
	on=$(rd /sys/kernel/vmxon/cpus_on 2>/dev/null)
	en_ns=$(vstat enable_ns) en_rounds=$(vstat enable_rounds)
	en_phases=$(phases vmxon_enable enable)
	pages_on=$(vstat pages) state_bytes=$(vstat state_bytes)
	echo 0 >/sys/kernel/vmxon/enabled || report "bench: error rep=$rep echo 0"
	dis_ns=$(vstat disable_ns) dis_rounds=$(vstat disable_rounds)
	dis_phases=$(phases vmxon_disable disable)
	pages_off=$(vstat pages)
	echo 1 >/sys/kernel/vmxon/enabled || report "bench: error rep=$rep echo 1"
	en2_ns=$(vstat enable_ns) en2_rounds=$(vstat enable_rounds)
	en2_phases=$(phases vmxon_enable2 enable)
	timed vmxon_rmmod rmmod vmxon
	# kvm_intel, with kvm.enable_virt_at_load=1: VMX on every CPU at load.
	timed kvm_insmod insmod /lib/modules/kvm-intel.ko
	timed kvm_rmmod rmmod kvm_intel
	report "bench: rep=$rep cpus=$ncpus cpus_on=${on:-none}" \
		"vmxon_enable_ns=$en_ns vmxon_enable_rounds=$en_rounds" \
		"vmxon_disable_ns=$dis_ns vmxon_disable_rounds=$dis_rounds" \
		"vmxon_enable2_ns=$en2_ns vmxon_enable2_rounds=$en2_rounds" \
		"$en_phases $dis_phases $en2_phases" \
		"vmxon_pages_on=$pages_on vmxon_pages_off=$pages_off" \
		"vmxon_state_bytes=$state_bytes" \
		"vmxon_insmod_us=$vmxon_insmod_us vmxon_rmmod_us=$vmxon_rmmod_us" \
		"kvm_insmod_us=$kvm_insmod_us kvm_rmmod_us=$kvm_rmmod_us" \
		"rc=$vmxon_insmod_rc$vmxon_rmmod_rc$kvm_insmod_rc$kvm_rmmod_rc"
	rep=$((rep + 1))
done

# For reference: kvm_intel's load and unload without enabling VMX.
rmmod kvm
insmod /lib/modules/kvm.ko enable_virt_at_load=0 ||
	report "bench: error insmod kvm.ko enable_virt_at_load=0"
rep=1
while [ $rep -le "$reps" ]; do
	timed kvmidle_insmod insmod /lib/modules/kvm-intel.ko
	timed kvmidle_rmmod rmmod kvm_intel
	report "bench: idle rep=$rep cpus=$ncpus" \
		"kvmidle_insmod_us=$kvmidle_insmod_us kvmidle_rmmod_us=$kvmidle_rmmod_us" \
		"rc=$kvmidle_insmod_rc$kvmidle_rmmod_rc"
	rep=$((rep + 1))
done
rmmod kvm

# hv_run LOOPS: one run of the sample's guest; cpu0's nanoseconds.
hv_run() {
	echo "$1" >/sys/module/vmxon_hv/parameters/loops &&
		echo 1 >/sys/kernel/debug/vmxon_hv/run &&
		grep -q "^cpu0 runs [0-9]* exits $(($1 + 1)) cpuid 0 vmcall $1 hlt 1 result ok\$" \
			/sys/kernel/debug/vmxon_hv/status &&
		sed -n 's/^cpu0 exits [0-9]* ns \([0-9]*\)$/\1/p' /sys/kernel/debug/vmxon_hv/times
}

# kvm_run CALLS: one KVM_RUN of kvm-vmcall; its nanoseconds.
kvm_run() {
	kvm-vmcall "$1" | sed -n 's/^ns //p'
}

# The VMCALL round trip: the sample's, then KVM's, BENCH_REPS times each.
if [ -e /lib/modules/vmxon_hv.ko ]; then
	insmod /lib/modules/vmxon.ko && insmod /lib/modules/vmxon_hv.ko vmcall_only=1 ||
		report "bench: error insmod vmxon, vmxon_hv"
	rep=1
	while [ $rep -le "$reps" ]; do
		hv0=$(hv_run 0) hvn=$(hv_run "$vmcalls")
		eval "hv0_$rep=\${hv0:-0} hvn_$rep=\${hvn:-0}"
		rep=$((rep + 1))
	done
	rmmod vmxon_hv
	rmmod vmxon
	insmod /lib/modules/kvm.ko && insmod /lib/modules/kvm-intel.ko ||
		report "bench: error insmod kvm, kvm-intel"
	rep=1
	while [ $rep -le "$reps" ]; do
		k0=$(kvm_run 0) kn=$(kvm_run "$vmcalls")
		eval "hv0=\$hv0_$rep hvn=\$hvn_$rep"
		rc=0
		[ "$hv0" -gt 0 ] && [ "$hvn" -gt "$hv0" ] && [ "${k0:-0}" -gt 0 ] &&
			[ "${kn:-0}" -gt "$k0" ] || rc=1
		report "bench: vmcall rep=$rep cpus=$ncpus calls=$vmcalls" \
			"hv_run0_ns=$hv0 hv_run_ns=$hvn kvm_run0_ns=${k0:-0} kvm_run_ns=${kn:-0}" \
			"hv_ns=$(((hvn - hv0) / vmcalls)) kvm_ns=$(((${kn:-0} - ${k0:-0}) / vmcalls))" \
			"rc=$rc"
		rep=$((rep + 1))
	done
	rmmod kvm_intel
	rmmod kvm
else
	report "bench: error no vmxon_hv.ko for the VMCALL round trip"
fi
rmmod irqbypass

echo "$printk_was" >/proc/sys/kernel/printk
# What the kernel said meanwhile (the console was quiet): shown here, so
# that a splat reaches the log that scripts/ktap.py judges. Through the
# kernel log, not stdout: the tty would interleave with what /init logs next.
dmesg_since_mark | grep -v 'bench-stamp' | while IFS= read -r line; do
	kmsg "bench-dmesg| $line"
done
kmsg "bench: end"

# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_hv
# targets: */bochs */bochs:4 */qemu-kvm
# The sample hypervisor (samples/hv) on vmxon: a run (a write to its
# debugfs file run) enters its guest on every online CPU, and the guest's
# exits are exact there: LOOPS CPUID and LOOPS VMCALL exits and one HLT,
# with the guest's result right. Runs again after a refused disable, CPU
# offline and online, suspend and resume (pm_test core); a failed VM entry
# (bad_guest) reported with its exit reason and qualification; a faulting
# guest (fault) with its exception; a guest INT 18 (int18): the #GP its
# delivery raises, reported with its error code and IDT-vectoring
# information, and no machine-check path taken; the user's FS and GS
# selectors, RPL 3 or 0, as they were after a run; kvm_intel refused while
# the sample is loaded, vmxon unloadable only after it, and a KVM guest
# running after both left. Its reboot is in reboot.sh. Needs VMX.
ktap_begin vmxon_hv

if ! has_vmx 0; then
	ktap_skip hv "no VMX on this machine"
	ktap_end
	return 0
fi

sys=/sys/kernel/vmxon
cpudir=/sys/devices/system/cpu
dbg=/sys/kernel/debug/vmxon_hv
par=/sys/module/vmxon_hv/parameters
cpus=$(online_cpus)
nonboot=$(echo "$cpus" | grep -vx 0)

# The runs each CPU has had, as the sample counts them (from its load).
for c in $cpus; do
	eval "runs_$c=0"
done

# run: one write to run; every online CPU runs the guest once. Run it in
# the scenario's shell, not through ktap_run, whose $(...) would lose the
# counts.
run() {
	local c
	echo 1 >$dbg/run || return 1
	for c in $(online_cpus); do
		eval "runs_$c=\$((runs_$c + 1))"
	done
}

# want_status EXITS CPUID VMCALL HLT END...: the status file when the last
# run on every online CPU made those exits and ended so.
want_status() {
	local c r e=$1 i=$2 v=$3 h=$4
	shift 4
	for c in $(online_cpus); do
		eval "r=\$runs_$c"
		echo "cpu$c runs $r exits $e cpuid $i vmcall $v hlt $h $*"
	done
}

# want_ok LOOPS: the status after a run of a guest of LOOPS rounds.
want_ok() {
	want_status $((2 * $1 + 1)) "$1" "$1" 1 result ok
}

# counted N: N runs made outside run() (by hv-seg), for the counts.
counted() {
	local c i
	for i in $(seq "$1"); do
		for c in $(online_cpus); do
			eval "runs_$c=\$((runs_$c + 1))"
		done
	done
}

# run_expect NAME WANT...: a run, then the status file and the sample's
# lines in dmesg (the same, per CPU) as the output of the command WANT...,
# run after the run (so with its counts).
run_expect() {
	local name=$1 want
	shift
	kmsg_mark
	run
	ktap_expect "${name}_run" $? 0
	want=$("$@")
	ktap_expect "${name}_status" "$(rd $dbg/status 2>&1)" "$want"
	ktap_expect "${name}_dmesg" \
		"$(dmesg | sed -n "/$KMSG_MARK/,\$s/^.*vmxon_hv: \(cpu[0-9]* runs .*\)\$/\1/p")" "$want"
}

online() {	# online CPU 0|1
	echo "$2" >$cpudir/cpu$1/online
}

# --- load, and the first runs ------------------------------------------------
ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
ktap_run insmod_hv insmod /lib/modules/vmxon_hv.ko loops=50
ktap_expect clients_lists_it "$(rd $sys/clients)" vmxon_hv
ktap_expect before_any_run "$(rd $dbg/status 2>&1)" "$(want_status 0 0 0 0 none)"
run_expect first want_ok 50
run_expect second want_ok 50
echo 1 >$par/loops
run_expect loops_1 want_ok 1
echo 0 >$par/loops
run_expect loops_0 want_ok 0
echo 1000 >$par/loops
run_expect loops_1000 want_ok 1000
echo 50 >$par/loops

# --- a refused disable and unload change nothing -----------------------------
out=$(put 0 $sys/enabled 2>&1)
ktap_expect disable_fails_ebusy "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run rmmod_vmxon_refused sh -c "! rmmod vmxon"
run_expect after_refused_disable want_ok 50

# --- CPU offline and online between runs -------------------------------------
if [ -z "$nonboot" ]; then
	ktap_skip hotplug "one CPU only"
else
	for c in $nonboot; do
		ktap_run "offline_cpu$c" online "$c" 0
		run_expect "offline_cpu$c" want_ok 50
		ktap_run "online_cpu$c" online "$c" 1
		run_expect "online_cpu$c" want_ok 50
	done
fi

# --- suspend and resume (pm_test core) ---------------------------------------
if ! why=$(pm_test_core); then
	ktap_skip suspend_resume "$why"
else
	ktap_run suspend_resume put mem /sys/power/state
	echo none >/sys/power/pm_test
	ktap_run every_cpu_on_after_resume every_cpu_is on ok
	run_expect after_resume want_ok 50
fi

# --- a failed VM entry: guest RFLAGS without its reserved bit 1 -------------
# Exit reason 33 (VM-entry failure: invalid guest state) with bit 31 set,
# qualification 0 (SDM 26.8, Table 26-2; Appendix C).
echo 1 >$par/bad_guest
run_expect bad_guest want_status 0 0 0 0 entry failed reason 0x80000021 qualification 0x0
echo 0 >$par/bad_guest
run_expect after_bad_guest want_ok 50

# --- a faulting guest: UD2, an exception exit through the bitmap -------------
# VM-exit interruption information 0x80000306: valid, hardware exception,
# vector 6 (#UD).
echo 1 >$par/fault
run_expect fault want_status 1 0 0 0 exception 6
ktap_expect fault_intr_info \
	"$(dmesg_since_mark | grep -c 'vmxon_hv: cpu[0-9]*: exception intr_info 0x80000306 at guest rip')" \
	"$(online_cpus | grep -c .)"
echo 0 >$par/fault
run_expect after_fault want_ok 50

# --- INT 18 in the guest: the #GP of its delivery, no machine-check path ----
# The guest has no IDT: delivering INT 18 (a software interrupt, type 4)
# raises #GP with error code 0x92 (vector 18, IDT), which the exception
# bitmap makes exit: interruption information 0x80000b0d (valid, error
# code, hardware exception, vector 13), IDT-vectoring information
# 0x80000412 (valid, software interrupt, vector 18), SDM 27.2.2-27.2.4.
# No "mce" in the status, no machine-check line. That is all it shows: the
# exit's vector is 13, so it cannot catch a wrong type check in
# hv_is_machine_check() (18 is only in the IDT-vectoring information).
echo 1 >$par/int18
run_expect int18 want_status 1 0 0 0 exception 13
ktap_expect int18_intr_info \
	"$(dmesg_since_mark | grep -c 'vmxon_hv: cpu[0-9]*: exception intr_info 0x80000b0d at guest rip +0x[0-9a-f]* error 0x92 vectoring 0x80000412$')" \
	"$(online_cpus | grep -c .)"
ktap_expect int18_no_mce "$(dmesg_since_mark | grep -ci 'vmxon_hv:.*machine check')" 0
echo 0 >$par/int18
run_expect after_int18 want_ok 50

# --- the user's FS and GS selectors after a run -------------------------------
# A VM exit loads the VMCS's host selectors, which must have RPL 0 and TI 0
# (SDM 26.2.3): 0x2b (RPL 3, __USER_DS) cannot be there; 0x28 (the same
# descriptor, RPL 0, which ring 3 may load) could, but the exit would
# leave it with DPL 0, which the next IRET to ring 3 makes null. Both must
# come back: hv-seg writes run with the selector in its own FS, then GS,
# each followed by a page fault's IRET, then once more with it in FS and
# GS of a child spinning on another CPU, whose IPI returns with IRET.
for sel in 0x2b 0x28; do
	kmsg_mark
	out=$(hv-seg $sel $dbg/run 2>&1)
	counted 3
	ktap_expect "user_fs_gs_$sel" "$out" "fs $sel gs $sel remote fs $sel gs $sel"
	ktap_expect "user_fs_gs_${sel}_status" "$(rd $dbg/status 2>&1)" "$(want_ok 50)"
done

# --- kvm_intel refused while the sample is loaded, then after it -------------
ktap_run insmod_irqbypass insmod /lib/modules/irqbypass.ko
ktap_run insmod_kvm insmod /lib/modules/kvm.ko
out=$(insmod /lib/modules/kvm-intel.ko 2>&1)
ktap_expect kvm_intel_refused "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_expect kvm_intel_absent "$(ls -d /sys/module/kvm_intel 2>/dev/null)" ""
run_expect beside_kvm want_ok 50
ktap_run rmmod_hv rmmod vmxon_hv
ktap_expect clients_empty "$(rd $sys/clients)" ""
ktap_run rmmod_vmxon rmmod vmxon
ktap_run insmod_kvm_intel insmod /lib/modules/kvm-intel.ko
start_vm
ktap_expect kvm_vm_runs $? 0
stop_vm
ktap_expect kvm_hold_no_error "$(rd /tmp/kvm-hold.err)" ""
ktap_run rmmod_kvm_intel rmmod kvm_intel
ktap_run rmmod_kvm rmmod kvm
ktap_run rmmod_irqbypass rmmod irqbypass

ktap_end

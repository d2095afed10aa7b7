# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest scenarios.
#
# KTAP from shell, in the same shape as a KUnit suite, written to /dev/kmsg
# so that it lands in the console log beside the kernel's own. A suite's
# results are collected and written whole by ktap_end, with its plan; a
# guest that dies before ktap_end loses its end marker, and so fails.

kmsg() {
	echo "$*" >/dev/kmsg
}

# In Bochs a process costs about a third of a second of wall time, and a
# command substitution a tenth: the helpers below use the shell's own
# read, echo and printf where they can.

# put VALUE FILE: write VALUE and a newline to FILE in one write, as
# `sh -c "echo VALUE > FILE"` does, without a process: fails, with the
# shell's message, as that does.
put() {
	echo "$1" >"$2"
}

# rd FILE...: print the files as cat does, through the shell's read. A
# file that cannot be opened or read fails, with the shell's message.
rd() {
	local f l
	for f in "$@"; do
		{ while IFS= read -r l || [ -n "$l" ]; do
			printf '%s\n' "$l"
		done <"$f"; } || return 1
	done
}

# kmsg_mark: put a unique mark in the kernel log; dmesg_since_mark prints
# what the kernel logged after it.
kmsg_mark() {
	KMSG_MARK="vmxon-test: mark $$.$RANDOM.$RANDOM"
	kmsg "$KMSG_MARK"
}

dmesg_since_mark() {
	dmesg | sed -n "/$KMSG_MARK/,\$p"
}

# ktap_begin SUITE
ktap_begin() {
	KTAP_SUITE=$1
	KTAP_N=0
	KTAP_FAILED=0
	KTAP_BUF=/tmp/ktap.$1
	: >"$KTAP_BUF"
}

# ktap_result ok|not ok NAME [DIAGNOSTIC...]
ktap_result() {
	local res=$1 name=$2
	shift 2
	KTAP_N=$((KTAP_N + 1))
	[ "$res" = ok ] || KTAP_FAILED=1
	for d in "$@"; do
		printf '%s\n' "$d" | while IFS= read -r l || [ -n "$l" ]; do
			echo "    # $name: $l"
		done >>"$KTAP_BUF"
	done
	echo "    $res $KTAP_N $name" >>"$KTAP_BUF"
}

# ktap_run NAME CMD...: passes when CMD exits 0; its output becomes diagnostics.
ktap_run() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ktap_result ok "$name"
	else
		ktap_result "not ok" "$name" "'$*' exited $rc" "$out"
	fi
	return $rc
}

# ktap_expect NAME GOT WANT: passes when the two strings are equal.
ktap_expect() {
	if [ "$2" = "$3" ]; then
		ktap_result ok "$1"
	else
		ktap_result "not ok" "$1" "got '$2', want '$3'"
	fi
}

# ktap_skip NAME REASON
ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	echo "    ok $KTAP_N $1 # SKIP $2" >>"$KTAP_BUF"
}

ktap_end() {
	local res=ok
	[ "$KTAP_FAILED" = 0 ] || res="not ok"
	kmsg "    KTAP version 1"
	kmsg "    # Subtest: $KTAP_SUITE"
	kmsg "    1..$KTAP_N"
	while IFS= read -r line; do
		kmsg "$line"
	done <"$KTAP_BUF"
	kmsg "$res 1 $KTAP_SUITE"
}

# arm POINT CPU / disarm POINT: make vmxon's fault point POINT (test
# builds: /sys/kernel/debug/vmxon/POINT) fail every time on CPU, and stop.
arm() {
	echo "$2" >/sys/kernel/debug/vmxon/fault_cpu
	echo -1 >/sys/kernel/debug/vmxon/$1/times
	echo 100 >/sys/kernel/debug/vmxon/$1/probability
}

disarm() {
	echo 0 >/sys/kernel/debug/vmxon/$1/probability
	echo 4096 >/sys/kernel/debug/vmxon/fault_cpu
}

# rdmsr CPU MSR: the MSR's value as 16 hex digits, through /dev/cpu/N/msr.
rdmsr() {
	local v
	v=$(dd if="/dev/cpu/$1/msr" bs=8 count=1 skip=$(($2)) iflag=skip_bytes \
		2>/dev/null | od -An -tx8)
	echo $v
}

# cpuid CPU LEAF: "eax ebx ecx edx" in hex, through /dev/cpu/N/cpuid.
cpuid() {
	local v
	v=$(dd if="/dev/cpu/$1/cpuid" bs=16 count=1 skip=$(($2)) iflag=skip_bytes \
		2>/dev/null | od -An -tx4)
	echo $v
}

# has_vmx CPU: does the raw CPUID.1:ECX of CPU report VMX. The answer is
# kept in HAS_VMX_N (N the CPU); /init asks for CPU 0 before the scenarios.
has_vmx() {
	local cpu=$1 v
	eval "v=\${HAS_VMX_$cpu:-}"
	if [ -z "$v" ]; then
		set -- $(cpuid "$cpu" 1)
		v=$(($((0x${3:-0} & 0x20)) != 0))
		eval "HAS_VMX_$cpu=$v"
	fi
	[ "$v" = 1 ]
}


# cmos_write INDEX VALUE / cmos_read INDEX: a CMOS RAM byte (decimal), which
# survives a reset, through /dev/port (index port 0x70, data port 0x71).
port_write() {
	printf "\\$(printf %o "$2")" |
		dd of=/dev/port bs=1 seek=$(($1)) count=1 conv=notrunc 2>/dev/null
}

cmos_write() {
	port_write 0x70 "$1"
	port_write 0x71 "$2"
}

cmos_read() {
	port_write 0x70 "$1"
	dd if=/dev/port bs=1 skip=$((0x71)) count=1 2>/dev/null | od -An -tu1 | tr -d ' '
}

# The reboot scenario's CMOS byte (above the RTC registers, which Linux
# and the BIOS use; kept across a reset in Bochs), and its value once the
# first boot rebooted with every CPU in VMX root.
REBOOT_CMOS=0x4e
REBOOT_DONE=178

# rebooted: is this the second boot of the reboot scenario?
rebooted() {
	[ "$(cmos_read $REBOOT_CMOS)" = $REBOOT_DONE ]
}

# online_cpus: the online CPU numbers, one per line, from the kernel's mask
# (a CPU's own online file can lag, after a failed resume).
online_cpus() {
	cpus_in /sys/devices/system/cpu/online
}

# cpus_in FILE: the CPU numbers of a cpulist file (0-2,5), one per line.
cpus_in() {
	local list r i IFS=,
	read -r list <"$1"
	for r in $list; do
		case $r in
		*-*)
			i=${r%-*}
			while [ "$i" -le "${r#*-}" ]; do
				echo "$i"
				i=$((i + 1))
			done ;;
		*) echo "$r" ;;
		esac
	done
}

# cpu_list: the online CPUs as the kernel lists them (cpus_on's format).
cpu_list() {
	rd /sys/devices/system/cpu/online
}

# cpu_vmx CPU: read the CPU's vmx group into CPU_STATE and CPU_REASON (?
# for a file that cannot be read).
cpu_vmx() {
	local d=/sys/devices/system/cpu/cpu$1/vmx
	CPU_STATE=? CPU_REASON=?
	read -r CPU_STATE 2>/dev/null <$d/state
	read -r CPU_REASON 2>/dev/null <$d/reason
}

# cpu_is CPU STATE REASON: the CPU's vmx group says so; if not, print what
# it says.
cpu_is() {
	cpu_vmx "$1"
	[ "$CPU_STATE $CPU_REASON" = "$2 $3" ] ||
		{ echo "cpu$1: $CPU_STATE/$CPU_REASON"; return 1; }
}

# every_cpu_is STATE REASON: each online CPU's vmx group says so.
every_cpu_is() {
	local cpu bad=
	for cpu in $(online_cpus); do
		cpu_vmx "$cpu"
		[ "$CPU_STATE $CPU_REASON" = "$1 $2" ] ||
			bad="$bad cpu$cpu: $CPU_STATE/$CPU_REASON"
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# start_vm: run kvm-hold in the background until its VM has run; VM_PID is
# its pid, /tmp/kvm-hold.err its errors. Run it in the scenario's shell,
# not through ktap_run, whose $(...) would wait for kvm-hold to end.
start_vm() {
	local i=0
	rm -f /tmp/kvm-count /tmp/kvm-count.tmp
	kvm-hold /tmp/kvm-count >/dev/null 2>/tmp/kvm-hold.err &
	VM_PID=$!
	while [ "$(vm_exits)" = 0 ] && [ $i -lt 100 ] && kill -0 $VM_PID 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(vm_exits)" -gt 0 ]
}

# vm_exits: how many HLT exits the VM of start_vm has had.
vm_exits() {
	local n=0
	read -r n 2>/dev/null </tmp/kvm-count
	echo "${n:-0}"
}

stop_vm() {
	kill $VM_PID
	wait $VM_PID 2>/dev/null
}

# pm_test_core: make the next `echo mem > /sys/power/state` stop at the
# pm_test `core` point (S3, "deep", where syscore suspend and resume run),
# without the 5 s busy-wait there, long in an emulator. Without S3 it
# changes nothing, prints why and fails.
pm_test_core() {
	if ! grep -qw mem /sys/power/state || ! grep -qw deep /sys/power/mem_sleep; then
		echo "no S3 ('deep') here: $(cat /sys/power/state) / $(cat /sys/power/mem_sleep)"
		return 1
	fi
	echo deep >/sys/power/mem_sleep
	echo core >/sys/power/pm_test
	echo 0 >/sys/module/suspend/parameters/pm_test_delay
}

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
		printf '%s\n' "$d" | sed "s/^/    # $name: /" >>"$KTAP_BUF"
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

# rdmsr CPU MSR: the MSR's value as 16 hex digits, through /dev/cpu/N/msr.
rdmsr() {
	dd if="/dev/cpu/$1/msr" bs=8 count=1 skip=$(($2)) iflag=skip_bytes \
		2>/dev/null | od -An -tx8 | tr -d ' '
}

# cpuid CPU LEAF: "eax ebx ecx edx" in hex, through /dev/cpu/N/cpuid.
cpuid() {
	dd if="/dev/cpu/$1/cpuid" bs=16 count=1 skip=$(($2)) iflag=skip_bytes \
		2>/dev/null | od -An -tx4 | xargs
}

# has_vmx CPU: does the raw CPUID.1:ECX of CPU report VMX.
has_vmx() {
	local ecx
	ecx=$(cpuid "$1" 1 | cut -d' ' -f3)
	[ $((0x${ecx:-0} & 0x20)) != 0 ]
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
	local r
	for r in $(tr , ' ' </sys/devices/system/cpu/online); do
		case $r in
		*-*) seq "${r%-*}" "${r#*-}" ;;
		*) echo "$r" ;;
		esac
	done
}

# cpu_list: the online CPUs as the kernel lists them (cpus_on's format).
cpu_list() {
	cat /sys/devices/system/cpu/online
}

# cpu_is CPU STATE REASON: the CPU's vmx group says so.
cpu_is() {
	local d=/sys/devices/system/cpu/cpu$1/vmx
	[ "$(cat $d/state 2>&1) $(cat $d/reason 2>&1)" = "$2 $3" ] ||
		{ echo "cpu$1: $(cat $d/state 2>&1)/$(cat $d/reason 2>&1)"; return 1; }
}

# every_cpu_is STATE REASON: each online CPU's vmx group says so.
every_cpu_is() {
	local cpu bad=
	for cpu in $(online_cpus); do
		cpu_is "$cpu" "$1" "$2" >/dev/null || bad="$bad $(cpu_is "$cpu" "$1" "$2")"
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# start_vm: run kvm-hold in the background until its VM has run; VM_PID is
# its pid, /tmp/kvm-hold.err its errors. Run it in the scenario's shell,
# not through ktap_run, whose $(...) would wait for kvm-hold to end.
start_vm() {
	local i=0
	rm -f /tmp/kvm-count
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
	cat /tmp/kvm-count 2>/dev/null || echo 0
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

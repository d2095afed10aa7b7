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

# online_cpus: the online CPU numbers, one per line.
online_cpus() {
	local dir
	for dir in /sys/devices/system/cpu/cpu[0-9]*; do
		[ "$(cat "$dir/online" 2>/dev/null || echo 1)" = 1 ] &&
			echo "${dir##*cpu}"
	done
}

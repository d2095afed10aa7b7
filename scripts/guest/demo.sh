# SPDX-License-Identifier: GPL-2.0
# `make demo`: what a user sees. Every line shown goes out as "demo| ...".
show() {
	while IFS= read -r line; do
		kmsg "demo| $line"
	done
}

run() {
	local out rc
	echo "# $*" | show
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || echo "$out" | show
	echo "(exit status $rc)" | show
}

run insmod /lib/modules/vmxon.ko
dmesg | grep "vmxon:" | show
run vmx-status
run cat /sys/kernel/vmxon/enabled /sys/kernel/vmxon/cpus_on /sys/kernel/vmxon/vmcs_revision_id
run sh -c "echo 0 > /sys/kernel/vmxon/enabled"
run vmx-status
run rmmod vmxon
run vmx-status
run insmod /lib/modules/vmxon.ko enable=0
run vmx-status
run rmmod vmxon

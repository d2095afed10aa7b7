# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_input
# targets: 6.12/bochs */qemu */qemu-kvm
# Hostile input: invalid module parameters are refused with EINVAL and a
# message; invalid writes to `enabled` are EINVAL and change nothing; a
# non-root user may read but not write (EACCES).
ktap_begin vmxon_input

sys=/sys/kernel/vmxon
param= want=1
has_vmx 0 || { param=enable=0 want=0; }
tried=0

for p in enable=2 enable=maybe enable= enable=-1; do
	kmsg_mark
	out=$(insmod /lib/modules/vmxon.ko $p 2>&1)
	tried=$((tried + 1))
	ktap_expect "param_${p%%=*}_${p#*=}_refused" \
		"$(echo "$out" | grep -c "Invalid argument")" 1
	# At least once: busybox insmod tries finit_module, then init_module.
	ktap_expect "param_${p%%=*}_${p#*=}_explained" \
		"$(dmesg_since_mark | grep -q "invalid for parameter .enable." && echo yes)" yes
done
ktap_expect nothing_loaded "$(ls -d $sys /sys/module/vmxon 2>/dev/null)" ""

ktap_run insmod insmod /lib/modules/vmxon.ko $param
state() {
	local e o f
	read -r e <$sys/enabled
	read -r o <$sys/cpus_on
	read -r f <$sys/cpus_failed
	echo "$e $o $f"
}
before=$(state)

# write_is_einval NAME BYTES: writing BYTES (echo -e escapes, in one
# write) is EINVAL; the shell's echo reports the error.
write_is_einval() {
	local out
	out=$(sh -c "echo -ne '$2' > $sys/enabled" 2>&1)
	tried=$((tried + 1))
	ktap_expect "write_${1}_einval" "$(echo "$out" | grep -c "Invalid argument")" 1
	ktap_expect "write_${1}_no_change" "$(state)" "$before"
}

write_is_einval two '2'
write_is_einval two_newline '2\n'
write_is_einval spaces_one '  1'
write_is_einval one_space '1 '
write_is_einval yes 'yes'
write_is_einval true 'true'
write_is_einval hex_one '0x1'
write_is_einval one_nul '1\000'
write_is_einval nul_one '\00001'
write_is_einval nul '\000'
write_is_einval two_newlines '1\n\n'
write_is_einval long "$(head -c 4096 /dev/zero | tr '\0' 1)"
write_is_einval long_newline "$(head -c 4094 /dev/zero | tr '\0' 0)\n"
# An empty write never reaches the module: sysfs returns 0 at once.
sh -c "printf '' > $sys/enabled"
ktap_expect write_empty_no_change "$(state)" "$before"

# The accepted words, each exact: they set the state.
if [ "$want" = 1 ]; then
	n=0
	for w in off on 0 1 n y N Y 'off\n' 'on\n'; do
		n=$((n + 1))
		sh -c "printf '$w' > $sys/enabled"
		ktap_expect "accepted_word_$n" "$(rd $sys/enabled)" \
			"$(case $w in on* | 1 | y | Y) echo 1 ;; *) echo 0 ;; esac)"
	done
fi

# Not root: read yes, write no.
for f in enabled cpus_on cpus_failed vmcs_revision_id; do
	ktap_run "nonroot_reads_$f" as-user 1000 cat $sys/$f
done
for v in 0 1; do
	out=$(as-user 1000 sh -c "echo $v > $sys/enabled" 2>&1)
	tried=$((tried + 1))
	ktap_expect "nonroot_write_${v}_eacces" "$(echo "$out" | grep -c "Permission denied")" 1
	ktap_expect "nonroot_write_${v}_no_change" "$(state)" "$before"
done
out=$(as-user 1000 sh -c "echo x > /sys/devices/system/cpu/cpu0/vmx/state" 2>&1)
ktap_expect nonroot_write_percpu_eacces "$(echo "$out" | grep -c "Permission denied")" 1
kmsg "vmxon-test: $tried hostile inputs tried"

ktap_run rmmod rmmod vmxon
ktap_end

# SPDX-License-Identifier: GPL-2.0
# suites: vmxon_client
# targets: */bochs */bochs:4 */qemu-kvm
# The sample client (samples/client) on vmxon: its callbacks on every path,
# checked against exact counts and its event log, and its VMCS current
# exactly where vmxon holds VMX (its debugfs file check, VMPTRST on every
# CPU) after each step: registration; a refused unload of vmxon and a
# refused disable; CPU offline and online; suspend and resume; a client
# that refuses a CPU at registration and at online; kvm_intel in both
# orders; the client's unload. Its reboot is in reboot.sh. Needs VMX.
ktap_begin vmxon_client

if ! has_vmx 0; then
	ktap_skip client "no VMX on this machine"
	ktap_end
	return 0
fi

sys=/sys/kernel/vmxon
cpudir=/sys/devices/system/cpu
dbg=/sys/kernel/debug/vmxon_client
param=/sys/module/vmxon_client/parameters/fail_cpu_up
client=/lib/modules/vmxon_client.ko
cpus=$(online_cpus)
nonboot=$(echo "$cpus" | grep -vx 0)
last=$(echo "$cpus" | tail -1)
possible=$(cpus_in $cpudir/possible)

# What the client's counts must be, per possible CPU: the table is reset
# when the client loads, and each step says which callbacks it expects.
reset_table() {
	local c
	for c in $possible; do
		eval "up_$c=0 down_$c=0 refused_$c=0 loaded_$c=0"
	done
}

went_up() {	# went_up CPU...: one cpu_up each, VMCS loaded
	local c
	for c in "$@"; do
		eval "up_$c=\$((up_$c + 1)) loaded_$c=1"
	done
}

went_down() {	# went_down CPU...: one cpu_down each, VMCS cleared
	local c
	for c in "$@"; do
		eval "down_$c=\$((down_$c + 1)) loaded_$c=0"
	done
}

was_refused() {	# was_refused CPU: fail_cpu_up refused it
	eval "refused_$1=\$((refused_$1 + 1))"
}

# want_counts: the counts file the table says; never an emergency or a
# failure.
want_counts() {
	local c
	for c in $possible; do
		eval "echo \"cpu$c up \$up_$c down \$down_$c emergency 0 refused \$refused_$c failures 0 loaded \$loaded_$c\""
	done
}

# want_totals PREFIX: the client's totals lines in dmesg (print_totals),
# for the CPUs that had any callback.
want_totals() {
	local c u d r
	for c in $possible; do
		eval "u=\$up_$c d=\$down_$c r=\$refused_$c"
		[ "$u$d$r" = 000 ] ||
			echo "vmxon_client: $1: cpu$c up $u down $d emergency 0 refused $r failures 0"
	done
}

# want_check: the check file when every online CPU is as the table says.
want_check() {
	local c l
	for c in $(online_cpus); do
		eval "l=\$loaded_$c"
		if [ "$l" = 1 ]; then
			echo "cpu$c loaded ok"
		else
			echo "cpu$c unloaded ok"
		fi
	done
}

# expect_state NAME: counts and check as the table says, with their own
# cases.
expect_state() {
	ktap_expect "$1_counts" "$(rd $dbg/counts 2>&1)" "$(want_counts)"
	ktap_expect "$1_check" "$(rd $dbg/check 2>&1)" "$(want_check)"
}

# log_mark / log_since: the client's events after the mark, "EVENT CPU;"
# each, in the order they happened.
log_mark() {
	LOG_SEQ=$(tail -n 1 $dbg/log | cut -d' ' -f1)
	LOG_SEQ=${LOG_SEQ:-0}
}

log_since() {
	awk -v s="$LOG_SEQ" '$1 > s { printf "%s %s;", $2, $3 }' $dbg/log
}

# events EVENT CPU...: what log_since prints for those events, in order.
events() {
	local ev=$1 c
	shift
	for c in "$@"; do
		printf '%s %s;' "$ev" "$c"
	done
}

# in_order LOG PATTERN1 PATTERN2: both occur in LOG, the first PATTERN1
# line before the first PATTERN2 line.
in_order() {
	local a b
	a=$(echo "$1" | grep -n "$2" | head -n 1 | cut -d: -f1)
	b=$(echo "$1" | grep -n "$3" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] ||
		{ echo "'$2' at line ${a:-none}, '$3' at line ${b:-none}"; return 1; }
}

# totals_since_mark PREFIX: the client's totals lines since the mark, once
# each (busybox insmod retries a failed finit_module() with init_module(),
# so a failing init runs twice).
totals_since_mark() {
	dmesg_since_mark | grep -o "vmxon_client: $1: .*" | sort -u
}

online() {	# online CPU 0|1
	echo "$2" >$cpudir/cpu$1/online
}

# --- registration: cpu_up once on every online CPU ---------------------------
reset_table
ktap_run insmod_vmxon insmod /lib/modules/vmxon.ko
ktap_run every_cpu_on every_cpu_is on ok
ktap_run insmod_client insmod $client
went_up $cpus
expect_state registered
LOG_SEQ=0
ktap_expect registered_log "$(log_since | tr ';' '\n' | sort | tr '\n' ';')" \
	"$(events cpu_up $cpus | tr ';' '\n' | sort | tr '\n' ';')"
ktap_expect clients_lists_it "$(rd $sys/clients)" vmxon_client

# --- vmxon stays while the client is registered ------------------------------
log_mark
ktap_run rmmod_vmxon_refused sh -c "! rmmod vmxon"
ktap_run vmxon_stays test -d /sys/module/vmxon
kmsg_mark
out=$(put 0 $sys/enabled 2>&1)
ktap_expect disable_fails_ebusy "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run disable_names_client sh -c \
	"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep 'vmxon: ' | grep -qw vmxon_client"
ktap_expect still_enabled "$(rd $sys/enabled)" 1
ktap_run every_cpu_still_on every_cpu_is on ok
ktap_expect refusals_log "$(log_since)" ""
expect_state refusals

# --- CPU offline and online: cpu_down before VMXOFF, cpu_up again ------------
if [ -z "$nonboot" ]; then
	ktap_skip hotplug "one CPU only"
else
	for c in $nonboot; do
		log_mark
		kmsg_mark
		ktap_run "offline_cpu$c" online "$c" 0
		went_down "$c"
		ktap_expect "offline_cpu${c}_log" "$(log_since)" "$(events cpu_down "$c")"
		ktap_run "offline_cpu${c}_down_before_vmxoff" in_order "$(dmesg_since_mark)" \
			"vmxon_client: cpu$c: cpu_down, VMCS cleared" \
			"vmxon: cpu$c: going offline, VMX off"
		expect_state "offline_cpu$c"
		log_mark
		kmsg_mark
		ktap_run "online_cpu$c" online "$c" 1
		went_up "$c"
		ktap_expect "online_cpu${c}_log" "$(log_since)" "$(events cpu_up "$c")"
		ktap_run "online_cpu${c}_up_before_on" in_order "$(dmesg_since_mark)" \
			"vmxon_client: cpu$c: cpu_up, VMCS loaded" \
			"vmxon: cpu$c: online, VMX on"
		expect_state "online_cpu$c"
	done
fi

# --- suspend and resume (pm_test core): every CPU down, then up --------------
if ! why=$(pm_test_core); then
	ktap_skip suspend_resume "$why"
else
	log_mark
	kmsg_mark
	ktap_run suspend_resume put mem /sys/power/state
	echo none >/sys/power/pm_test
	went_down $cpus
	went_up $cpus
	# The non-boot CPUs go offline (6.1 in ascending order, 6.12 in
	# descending order), then the boot CPU suspends last and resumes
	# first, then the others come online.
	n=$(echo "$nonboot" | grep -c .)
	got=$(log_since | tr ';' '\n')
	got="$(echo "$got" | sed -n "1,${n}p" | sort -k2,2n)
$(echo "$got" | sed -n "$((n + 1)),\$p")"
	ktap_expect suspend_resume_log "$(echo "$got" | grep . | tr '\n' ';')" \
		"$(events cpu_down $nonboot)$(events cpu_down 0)$(events cpu_up 0)$(events cpu_up $nonboot)"
	ktap_run suspend_down_before_vmxoff in_order "$(dmesg_since_mark)" \
		"vmxon_client: cpu0: cpu_down, VMCS cleared" "vmxon: suspend: cpu0: VMX off"
	ktap_run resume_up_before_on in_order "$(dmesg_since_mark)" \
		"vmxon_client: cpu0: cpu_up, VMCS loaded" "vmxon: resume: cpu0: VMX on"
	ktap_run every_cpu_on_after_resume every_cpu_is on ok
	expect_state resume
fi

# --- the client's unload: cpu_down on every CPU ------------------------------
kmsg_mark
ktap_run rmmod_client rmmod vmxon_client
went_down $cpus
ktap_expect exit_totals "$(totals_since_mark exit)" "$(want_totals exit | sort)"
ktap_run every_cpu_on_after_client every_cpu_is on ok
ktap_expect clients_empty "$(rd $sys/clients)" ""

# --- a client that refuses a CPU at registration -----------------------------
# The other CPUs got cpu_up, then cpu_down; vmxon stays on everywhere.
reset_table
kmsg_mark
out=$(insmod $client fail_cpu_up="$last" 2>&1)
ktap_run register_refused test $? -ne 0
ktap_expect register_refused_eio "$(echo "$out" | grep -c "Input/output error")" 1
ktap_expect register_refused_unloaded "$(ls -d /sys/module/vmxon_client 2>/dev/null)" ""
others=$(echo "$cpus" | grep -vx "$last")
went_up $others
went_down $others
was_refused "$last"
ktap_expect register_refused_totals "$(totals_since_mark "register failed")" \
	"$(want_totals "register failed" | sort)"
ktap_expect register_refused_enabled "$(rd $sys/enabled)" 1
ktap_run every_cpu_on_after_refused_register every_cpu_is on ok

# --- a client that refuses a CPU coming online -------------------------------
reset_table
ktap_run insmod_client_again insmod $client
went_up $cpus
if [ -z "$nonboot" ]; then
	ktap_skip online_refused "one CPU only"
else
	ktap_run offline_cpu${last}_to_refuse online "$last" 0
	went_down "$last"
	echo "$last" >$param
	log_mark
	kmsg_mark
	out=$(put 1 $cpudir/cpu$last/online 2>&1)
	ktap_expect online_refused "$?" 1
	ktap_expect online_refused_eio "$(echo "$out" | grep -c "Input/output error")" 1
	was_refused "$last"
	ktap_expect online_refused_stays_offline "$(rd $cpudir/cpu$last/online)" 0
	ktap_expect online_refused_log "$(log_since)" "$(events cpu_up_refused "$last")"
	# The reason is client_refused: vmxon says so in the log (its group
	# in sysfs went with the CPU), and counts the CPU failed.
	ktap_run online_refused_reason sh -c \
		"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep -q 'vmxon: cpu$last: refused online: a client refused it'"
	ktap_run online_refused_names_client sh -c \
		"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep -q 'vmxon: cpu$last: client vmxon_client refused VMX operation (-5)'"
	ktap_expect online_refused_cpus_failed "$(rd $sys/cpus_failed)" "$last"
	expect_state online_refused
	echo -1 >$param
	ktap_run online_after_refusal online "$last" 1
	went_up "$last"
	ktap_run cpu${last}_on_after_refusal cpu_is "$last" on ok
	ktap_expect cpus_failed_after_refusal "$(rd $sys/cpus_failed)" ""
	expect_state online_after_refusal
fi

# --- kvm_intel with the client loaded, then without vmxon --------------------
ktap_run insmod_irqbypass insmod /lib/modules/irqbypass.ko
ktap_run insmod_kvm insmod /lib/modules/kvm.ko
log_mark
kmsg_mark
out=$(insmod /lib/modules/kvm-intel.ko 2>&1)
ktap_expect kvm_intel_refused "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run kvm_intel_refusal_explained sh -c \
	"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep -q 'vmxon: refusing kvm_intel'"
ktap_expect kvm_intel_absent "$(ls -d /sys/module/kvm_intel 2>/dev/null)" ""
ktap_expect kvm_intel_refused_log "$(log_since)" ""
expect_state kvm_intel_refused
kmsg_mark
ktap_run rmmod_client_for_kvm rmmod vmxon_client
went_down $cpus
ktap_expect exit_totals_for_kvm "$(totals_since_mark exit)" "$(want_totals exit | sort)"
ktap_run rmmod_vmxon_for_kvm rmmod vmxon
ktap_run insmod_kvm_intel insmod /lib/modules/kvm-intel.ko
kmsg_mark
out=$(insmod /lib/modules/vmxon.ko 2>&1)
ktap_expect vmxon_refused_ebusy "$(echo "$out" | grep -c "Device or resource busy")" 1
ktap_run vmxon_refusal_names_kvm_intel sh -c \
	"dmesg | sed -n '/$KMSG_MARK/,\$p' | grep 'vmxon: ' | grep -q 'kvm_intel'"
ktap_expect vmxon_absent "$(ls -d $sys 2>/dev/null)" ""
ktap_run rmmod_kvm_intel rmmod kvm_intel
ktap_run rmmod_kvm rmmod kvm
ktap_run rmmod_irqbypass rmmod irqbypass

ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: install what is missing, build the test kernel (cached) and
# the modules, boot every target, judge every console log, and end with one
# line "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Environment:
#   TARGETS    targets to run, each EMULATOR[:CPUS] with EMULATOR one of
#              qemu, qemu-kvm, bochs, bochs-MODEL (`bochs --help cpu`);
#              default: qemu bochs bochs:4 qemu-kvm
#   GUEST_TIMEOUT  seconds, overrides each boot's hard timeout
#   SCENARIOS  guest scenarios from scripts/guest/ (default: all)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

TARGETS=${TARGETS:-qemu bochs bochs:4 qemu-kvm}
if [ -z "${SCENARIOS:-}" ]; then
	# The scenarios that report KTAP: those with a "# suites:" line.
	SCENARIOS=$(cd "$VMXON_TOP/scripts/guest" && grep -l '^# suites: ' ./*.sh |
		sed 's|^\./||; s|\.sh$||')
fi
out=$VMXON_OUT/test
rm -rf "$out"
mkdir -p "$out"

"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"
ktree=$("$VMXON_TOP/scripts/kernel.sh" 6.1) || die "no test kernel"
kunit_py=$ktree/source/tools/testing/kunit/kunit.py

# --- host: the module builds, reported as a KTAP suite of their own ------

headers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
log "building the modules against the test kernel and ${headers:-no Debian headers}"
r1=ok r2=ok
# The guests get the test build: fault injection compiled in.
build_module "$ktree" "$out/modules" VMXON_FAULT_INJECTION=y || r1="not ok"
{ [ -n "$headers" ] && build_module "$headers" "$out/modules-headers"; } || r2="not ok"
suite=ok
[ "$r1$r2" = okok ] || suite="not ok"
cat >"$out/host.log" <<EOF
vmxon-test: BEGIN target=host
    # Subtest: vmxon_build
    1..2
    # test_kernel_w1: $out/modules/build.log
    $r1 1 test_kernel_w1
    # debian_headers_w1: ${headers:-no linux-headers-*-amd64} $out/modules-headers/build.log
    $r2 2 debian_headers_w1
$suite 1 vmxon_build
vmxon-test: END
EOF

mods=("$out/modules/vmxon.ko" "$out/modules/vmxon_kunit.ko")
for m in "${mods[@]}"; do
	[ -f "$m" ] || die "module build failed, see $out/modules/build.log"
done
"$VMXON_TOP/scripts/initramfs.sh" "$out/initrd.gz" "$ktree" "${mods[@]}"

# --- guests ------------------------------------------------------------

expected_suites() {
	local s list=vmxon_leaks
	for s in $SCENARIOS; do
		list="$list $(sed -n 's/^# suites: //p' "$VMXON_TOP/scripts/guest/$s.sh")"
	done
	echo "$list" | xargs | tr ' ' ,
}

# nested_vmx: does this host offer VMX to a KVM guest?
nested_vmx() {
	[ -w /dev/kvm ] && grep -qsx '[Y1]' /sys/module/kvm_intel/parameters/nested
}

declare -A why_skipped
started=()
for spec in $TARGETS; do
	t=${spec%%:*}
	cpus=
	[ "$t" = "$spec" ] || cpus=${spec#*:}
	case "$t" in
	qemu | qemu-kvm) cpus=${cpus:-4} tmo=180 extra= ;;
	# With the TSC clocksource a Bochs SMP guest never woke from sleep.
	bochs | bochs-*) cpus=${cpus:-2} tmo=$((300 + 150 * cpus)) extra="clocksource=acpi_pm no_console_suspend" ;;
	*) die "unknown target $t" ;;
	esac
	if [ "$t" = qemu-kvm ] && ! nested_vmx; then
		why_skipped[$spec]="this host offers no nested VMX"
		continue
	fi
	tmo=${GUEST_TIMEOUT:-$tmo}
	dir=$out/${spec/:/-}
	log "booting $spec ($cpus CPUs; log: $dir/serial.log)"
	LABEL=$spec CPUS=$cpus TIMEOUT=$tmo "$VMXON_TOP/scripts/boot.sh" "$t" \
		"$ktree/arch/x86/boot/bzImage" "$out/initrd.gz" "$dir" \
		"vmxon_target=$spec vmxon_scenarios=$(echo $SCENARIOS | tr ' ' ,) $extra" &
	started+=("$spec")
done
wait

# --- results -----------------------------------------------------------

passed=0 failed=0 skipped=0
judge() {	# judge NAME LOG EXPECTED_SUITES
	local res p f s
	res=$(python3 "$VMXON_TOP/scripts/ktap.py" "$2" --target "$1" \
		--expect "$3" --kunit-py "$kunit_py" --ktap-out "${2%/*}/ktap.txt")
	echo "$res" | sed '$d'
	read -r p f s <<<"$(echo "$res" | sed -n '$s/^totals: //p')"
	if [ -z "$s" ]; then
		echo "  $1: PROBLEM: the log could not be judged"
		p=0 f=1 s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

echo
echo "Results (logs under $out):"
judge host "$out/host.log" vmxon_build
for spec in "${started[@]}"; do
	dir=$out/${spec/:/-}
	echo "  $spec: guest $(cat "$dir/result")"
	judge "$spec" "$dir/serial.log" "$(expected_suites)"
done
for t in "${!why_skipped[@]}"; do
	echo "  $t: skipped: ${why_skipped[$t]}"
	skipped=$((skipped + 1))
done
log "done"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: install what is missing, build the test kernel (cached) and
# the modules, boot every target, judge every console log, and end with one
# line "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Environment:
#   KERNELS    test kernels (scripts/kernel.sh series), default: 6.1 6.12
#   TARGETS    targets to run on every kernel, each NAME[:CPUS] of
#              scripts/targets (bochs-MODEL: any Bochs CPU model, see
#              `bochs --help cpu`); default: per kernel, see default_targets
#   JOBS       guests booted at once (default: the number of CPUs)
#   GUEST_TIMEOUT  seconds, overrides each boot's hard timeout
#   SCENARIOS  guest scenarios from scripts/guest/, run on every target
#              (default: every scenario, each on the targets its
#              "# targets:" line names, or on all)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12}
JOBS=${JOBS:-$(nproc)}

# default_targets SERIES: what a plain `make test` boots on that kernel.
# Every kernel gets the no-VMX path (qemu), the real VMX paths (bochs, 2
# CPUs) and nested KVM where the host has it. The 4-CPU Bochs boot runs the
# same scenarios on more CPUs and is the longest of all: one kernel gets it,
# the newest (Debian's current release), which keeps a warm run of both
# kernels short (docs/testing.md, Figures). vmx-locked-off is Bochs with
# firmware that locked VMX off, for the probe scenario alone (one kernel
# suffices: the firmware is the point); vmx-cleared the same with the
# kernel told clearcpuid=vmx. canary is a short QEMU boot where
# the canary scenario provokes every kind of report the judge looks for, on
# each kernel: a kernel option that makes one of them silent fails the run.
# hv4 is a 4-CPU Bochs boot that runs the sample hypervisor's scenario and
# the reboot with both samples alone, for the kernel without bochs:4.
# The sanitizer kernels, one per kernel: KASAN+UBSAN (kasan, Bochs) on
# 6.1, KCSAN (kcsan, QEMU) on 6.12, each with its canary.
# TARGETS=... runs the same targets on every kernel, e.g. TARGETS="qemu
# bochs bochs:4".
default_targets() {
	case "$1" in
	6.12) echo canary qemu bochs bochs:4 kcsan canary-kcsan qemu-kvm ;;
	*) echo canary qemu bochs hv4 vmx-locked-off vmx-cleared kasan canary-kasan qemu-kvm ;;
	esac
}

# scenarios_for KERNEL/SPEC: the scenarios that report KTAP (a "# suites:"
# line) and run there: SCENARIOS if given, else those whose "# targets:"
# line has a pattern matching KERNEL/SPEC, or that have no such line. The
# long scenarios run on one target each, which keeps `make test` short.
scenarios_for() {
	local f s pat run=$1 list=
	if [ -n "${SCENARIOS:-}" ]; then
		echo "$SCENARIOS"
		return
	fi
	for f in "$VMXON_TOP"/scripts/guest/*.sh; do
		grep -q '^# suites: ' "$f" || continue
		s=$(basename "$f" .sh)
		pats=$(sed -n 's/^# targets: //p' "$f")
		if [ -z "$pats" ]; then
			list="$list $s"
			continue
		fi
		for pat in $pats; do
			# shellcheck disable=SC2254
			case "$run" in $pat) list="$list $s"; break ;; esac
		done
	done
	echo $list
}
out=$VMXON_OUT/test
rm -rf "$out"
mkdir -p "$out"

"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"

# Every guest as "KERNEL/SPEC", the slowest first (Bochs by CPU count,
# then QEMU), so that the last boots to start are the short ones. A
# target's kernel is a build: KERNEL, or KERNEL+VARIANT for a kernel
# variant (the sanitizer kernels), each with its own modules and initramfs.
runs=() builds=()
for k in $KERNELS; do
	for spec in ${TARGETS:-$(default_targets "$k")}; do
		target_load "$spec" || die "unknown target $spec (see scripts/targets)"
		w=$T_CPUS
		[ "$T_EMU" = bochs ] && w=$((100 * T_CPUS))
		[ -n "$T_VARIANT" ] && w=$((w * 3))	# sanitizers are slower
		[ "$k" = 6.1 ] || w=$((w + 1))		# newer kernels boot slower
		runs+=("$w	$k/$spec")
		b=$k${T_VARIANT:++$T_VARIANT}
		echo " ${builds[*]} " | grep -q " $b " || builds+=("$b")
	done
	echo " ${builds[*]} " | grep -q " $k " || builds+=("$k")
done
mapfile -t runs < <(printf '%s\n' "${runs[@]}" | sort -s -k1,1nr | cut -f2-)

declare -A ktree
for b in "${builds[@]}"; do
	v=${b#*+}
	[ "$v" = "$b" ] && v=
	ktree[$b]=$("$VMXON_TOP/scripts/kernel.sh" ${v:+--variant "$v"} "${b%%+*}") ||
		die "no $b test kernel"
done

# --- host: the module builds, reported as a KTAP suite per kernel ------

# sample_build SAMPLE KDIR DIR SYMVERS_DIR: build samples/SAMPLE in DIR as
# `make samples` does (its Makefile, KDIR and VMXON), with nothing of vmxon
# but vmx_percpu.h (copied alone into DIR/include) and its Module.symvers;
# fails on an error or any warning, modpost's and objtool's included.
sample_build() {
	local ko
	rm -rf "$3"
	cp -r "$VMXON_TOP/samples/$1" "$3"
	mkdir -p "$3/include"
	cp "$VMXON_TOP/vmx_percpu.h" "$3/include/"
	ko=$(sed -n 's/^obj-m += \(.*\)\.o$/\1.ko/p' "$3/Kbuild")
	make -C "$3" KDIR="$2" VMXON="$4" VMXON_INCLUDE="$3/include" W=1 \
		>"$3/build.log" 2>&1 &&
		! grep -qi "warning" "$3/build.log" &&
		modinfo -F import_ns "$3/$ko" | grep -qx VMXON
}

# build_case NAME DETAIL COMMAND...: run one test of the vmxon_build
# suite, into tests, n and suite.
build_case() {
	local r=ok name=$1 detail=$2
	shift 2
	"$@" || { r="not ok"; suite="not ok"; }
	n=$((n + 1))
	tests+=("    # $name: $detail" "    $r $n $name")
}

# headers_build HEADERS DIR: the module against Debian's headers, if any.
headers_build() {
	[ -n "$1" ] && build_module "$1" "$2"
}

# host_build BUILD: for a build (KERNEL or KERNEL+VARIANT), the module
# against the test kernel and, for a plain KERNEL, against Debian's headers
# of that series; the sample client against the test kernel; the canary;
# the guest's initramfs. Fails when the guests could not boot.
host_build() {
	local k=$1 kout=$out/$1 headers m mods tests=() n=0 suite=ok
	mkdir -p "$kout"
	log "$k: building the modules against the test kernel"
	# The guests get the test build: fault injection compiled in.
	build_case test_kernel_w1 "${ktree[$k]} $kout/modules/build.log" \
		build_module "${ktree[$k]}" "$kout/modules" VMXON_FAULT_INJECTION=y
	if [ "${k%+*}" = "$k" ]; then
		headers=$(stock_headers "$k") || headers=
		build_case debian_headers_w1 \
			"${headers:-no linux-headers-$k.*-amd64} $kout/modules-headers/build.log" \
			headers_build "$headers" "$kout/modules-headers"
	fi
	# The sample client from the public header alone, against vmxon's
	# Module.symvers, as docs/usage.md tells a client to build; the guests
	# load it (scripts/guest/client.sh).
	build_case sample_client "$kout/client/build.log" \
		sample_build client "${ktree[$k]}" "$kout/client" "$kout/modules"
	# The sample hypervisor, built the same way (scripts/guest/hv.sh).
	build_case sample_hv "$kout/hv/build.log" \
		sample_build hv "${ktree[$k]}" "$kout/hv" "$kout/modules"
	{
		echo "vmxon-test: BEGIN target=$k/host"
		echo "    # Subtest: vmxon_build"
		echo "    1..$n"
		printf '%s\n' "${tests[@]}"
		echo "$suite 1 vmxon_build"
		echo "vmxon-test: END"
	} >"$kout/host.log"

	# The canary module (scripts/canary), for the canary target.
	rm -rf "$kout/canary"
	cp -r "$VMXON_TOP/scripts/canary" "$kout/canary"
	make -C "${ktree[$k]}" M="$kout/canary" W=1 modules >"$kout/canary/build.log" 2>&1 ||
		die "$k: the canary module did not build, see $kout/canary/build.log"

	mods=("$kout/modules/vmxon.ko" "$kout/modules/vmxon_kunit.ko"
		"$kout/canary/vmxon_canary.ko")
	for m in "${mods[@]}"; do
		[ -f "$m" ] || die "$k: module build failed, see $kout/modules/build.log"
	done
	# The samples when they built: else sample_client or sample_hv failed
	# above, and so does every scenario of that sample, at its insmod.
	[ -f "$kout/client/vmxon_client.ko" ] && mods+=("$kout/client/vmxon_client.ko")
	[ -f "$kout/hv/vmxon_hv.ko" ] && mods+=("$kout/hv/vmxon_hv.ko")
	"$VMXON_TOP/scripts/initramfs.sh" "$kout/initrd.gz" "${ktree[$k]}" "${mods[@]}"
}

# The builds at once: each make runs one job, and there are two or more.
declare -A build_pid
for k in "${builds[@]}"; do
	host_build "$k" &
	build_pid[$k]=$!
done
for k in "${builds[@]}"; do
	wait "${build_pid[$k]}" || die "$k: the host build failed (see above)"
done

# --- host: the judge's own tests, over recorded console logs, and
# vmx-status's over a made-up sysfs ---------------------------------------

first=${KERNELS%% *}
{
	echo "vmxon-test: BEGIN target=host/judge"
	python3 "$VMXON_TOP/scripts/tests/ktap_test.py" \
		--kunit-py "${ktree[$first]}/source/tools/testing/kunit/kunit.py"
	python3 "$VMXON_TOP/scripts/tests/vmx_status_test.py"
	echo "vmxon-test: END"
} >"$out/judge.log" 2>&1

# --- guests ------------------------------------------------------------

expected_suites() {	# expected_suites SCENARIO...
	local s list=vmxon_leaks
	for s in "$@"; do
		list="$list $(sed -n 's/^# suites: //p' "$VMXON_TOP/scripts/guest/$s.sh")"
	done
	echo "$list" | xargs | tr ' ' ,
}

# nested_vmx: does this host offer VMX to a KVM guest?
nested_vmx() {
	[ -w /dev/kvm ] && grep -qsx '[Y1]' /sys/module/kvm_intel/parameters/nested
}

declare -A why_skipped scenarios_of
started=()
for run in "${runs[@]}"; do
	k=${run%%/*} spec=${run#*/}
	target_load "$spec"
	b=$k${T_VARIANT:++$T_VARIANT}
	scen=${T_SCENARIOS:-$(scenarios_for "$run")}
	# A reboot comes back through the BIOS: one that leaves
	# IA32_FEATURE_CONTROL to Linux (see bochs_bios).
	firmware=
	if [ "$T_EMU" = bochs ] && [ -z "$T_FIRMWARE" ] &&
		echo " $scen " | grep -Eq " ([a-z0-9_-]+-)?reboot "; then
		firmware=os-locks
	fi
	if [ "$T_EMU" = qemu-kvm ] && ! nested_vmx; then
		why_skipped[$run]="this host offers no nested VMX"
		continue
	fi
	dir=$out/$k/${spec/:/-}
	# No more than JOBS emulators at once: they are single-threaded and
	# their hard timeouts are wall time.
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	log "booting $run ($T_CPUS CPUs; log: $dir/serial.log)"
	scenarios_of[$run]=$scen
	LABEL=$run TIMEOUT=${GUEST_TIMEOUT:-$T_TIMEOUT} FIRMWARE=$firmware \
		"$VMXON_TOP/scripts/boot.sh" "$spec" \
		"${ktree[$b]}/arch/x86/boot/bzImage" "$out/$b/initrd.gz" "$dir" \
		"vmxon_target=$spec vmxon_kernel=$k ${T_VARIANT:+vmxon_variant=$T_VARIANT }vmxon_scenarios=$(echo $scen | tr ' ' ,)" &
	started+=("$run")
done
wait

# --- results -----------------------------------------------------------

passed=0 failed=0 skipped=0
judge() {	# judge NAME LOG EXPECTED_SUITES: NAME is KERNEL/TARGET
	local res p f s canary=
	case "${1#*/}" in
	canary*)
		target_load "${1#*/}"
		canary=--canary=$T_VARIANT ;;
	esac
	res=$(python3 "$VMXON_TOP/scripts/ktap.py" "$2" --target "$1" --expect "$3" $canary \
		--kunit-py "${ktree[${1%%/*}]:-${ktree[$first]}}/source/tools/testing/kunit/kunit.py" \
		--ktap-out "${2%/*}/ktap.txt")
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
judge host/judge "$out/judge.log" vmxon_judge,vmx_status
for k in "${builds[@]}"; do
	judge "$k/host" "$out/$k/host.log" vmxon_build
done
for run in "${started[@]}"; do
	k=${run%%/*} spec=${run#*/}
	dir=$out/$k/${spec/:/-}
	echo "  $run: guest $(cat "$dir/result")"
	# shellcheck disable=SC2086
	judge "$run" "$dir/serial.log" "$(expected_suites ${scenarios_of[$run]})"
done
for t in "${!why_skipped[@]}"; do
	echo "  $t: skipped: ${why_skipped[$t]}"
	skipped=$((skipped + 1))
done
log "done"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

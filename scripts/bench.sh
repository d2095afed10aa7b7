#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` (issue 7): time to VMX root on every CPU, and back, for
# vmxon and for kvm_intel (kvm.enable_virt_at_load=1), in Bochs with 1, 2
# and 4 CPUs on a 6.12 kernel built for it: the test kernel's configuration
# without the debugging options (scripts/kernel-bench.config), so that the
# numbers are the code's, not lockdep's. Also the cost of a VM exit: the
# VMCALL round trip of the sample hypervisor (samples/hv) beside KVM's, in
# the same boots. Results in build/bench/: results.md
# (the table and the goals), data.tsv (every repetition), chart.png.
#
# Environment:
#   BENCH_CPUS   CPU counts to boot (default: 1 2 4; T(4)/T(1) needs 1 and 4)
#   BENCH_REPS   repetitions per boot (default: 7; medians are reported)
#   BENCH_JOBS   guests booted at once (default: 2)
#   BENCH_NICE   niceness of the emulators (default: 19)
#   BENCH_TIMEOUT  seconds of wall time per boot (default: 7200): a niced
#                guest on a machine busy with other runs may get almost no
#                CPU for a long time; its timings (guest time) stay exact
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_CPUS=${BENCH_CPUS:-1 2 4}
BENCH_REPS=${BENCH_REPS:-7}
BENCH_JOBS=${BENCH_JOBS:-2}
BENCH_NICE=${BENCH_NICE:-19}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-7200}
series=6.12
out=$VMXON_OUT/bench
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

"$VMXON_TOP/scripts/deps.sh" gnuplot-nox || die "could not install the dependencies"
ktree=$("$VMXON_TOP/scripts/kernel.sh" --variant bench $series) || die "no $series bench kernel"
log "building the modules against the $series bench kernel"
# A plain build (no fault injection), as users get it.
build_module "$ktree" "$out/modules" ||
	die "module build failed, see $out/modules/build.log"
# The sample hypervisor, as `make samples` builds it, for the VMCALL round
# trip.
rm -rf "$out/hv"
cp -r "$VMXON_TOP/samples/hv" "$out/hv"
make -C "$out/hv" KDIR="$ktree" VMXON="$out/modules" VMXON_INCLUDE="$VMXON_TOP" \
	>"$out/hv/build.log" 2>&1 || die "samples/hv did not build, see $out/hv/build.log"
"$VMXON_TOP/scripts/initramfs.sh" "$out/initrd.gz" "$ktree" "$out/modules/vmxon.ko" \
	"$out/hv/vmxon_hv.ko"

# run_nice CMD...: CMD at niceness BENCH_NICE, in a session of its own:
# with autogroup scheduling, niceness counts only against processes of the
# same session, so the session's autogroup gets BENCH_NICE too. The job's
# pid is its process group: an interrupt stops every emulator. In the
# background only (it replaces the shell that runs it).
run_nice() {
	exec setsid -w bash -c 'echo "$0" >/proc/self/autogroup 2>/dev/null
		exec nice -n "$0" "$@"' "$BENCH_NICE" "$@"
}
trap 'for p in $(jobs -p); do kill -- -"$p" 2>/dev/null; done; exit 130' INT TERM

# The most CPUs first: the longest boot starts first. idle=halt: a Bochs
# CPU idling in MWAIT sometimes answered a cross-CPU call only after
# hundreds of microseconds of guest time, which made whole runs noise.
target_load bochs || die "no bochs target in scripts/targets"
for cpus in $(printf '%s\n' $BENCH_CPUS | sort -nr); do
	while [ "$(jobs -rp | wc -l)" -ge "$BENCH_JOBS" ]; do
		wait -n
	done
	dir=$out/bochs-$cpus
	log "booting Bochs $T_MODEL, $cpus CPUs, $BENCH_REPS repetitions (log: $dir/serial.log)"
	LABEL=bochs:$cpus TIMEOUT=$BENCH_TIMEOUT STALL=$BENCH_TIMEOUT \
		run_nice "$VMXON_TOP/scripts/boot.sh" "bochs:$cpus" \
		"$ktree/arch/x86/boot/bzImage" "$out/initrd.gz" "$dir" \
		"vmxon_target=bench:$cpus vmxon_kernel=$series vmxon_scenarios=bench vmxon_bench_reps=$BENCH_REPS idle=halt" &
done
wait

bad=0
for cpus in $BENCH_CPUS; do
	dir=$out/bochs-$cpus
	log "bochs:$cpus: guest $(cat "$dir/result")"
	# Splats (the guest replays what the kernel said while timing).
	python3 "$VMXON_TOP/scripts/ktap.py" "$dir/serial.log" --target "bench:$cpus" \
		--expect vmxon_leaks >"$dir/judge.log" 2>&1
	if grep -q PROBLEM "$dir/judge.log"; then
		grep PROBLEM "$dir/judge.log"
		bad=1
	fi
done

date=$(date +%Y-%m-%d)
machine="$(nproc)-core $(. /etc/os-release && echo "$PRETTY_NAME"), Bochs $(dpkg-query -W -f '${Version}' bochs) $T_MODEL, kernel $(basename "$ktree") (no lockdep, kmemleak or KUnit), guest time by instruction count (clock: sync=none, ips=${BOCHS_IPS:-100000000})"
python3 "$VMXON_TOP/scripts/bench-report.py" "$out" --cpus "$BENCH_CPUS" \
	--date "$date" --machine "$machine" || die "no results, see $out/bochs-*/serial.log"
(cd "$out" && gnuplot "$VMXON_TOP/scripts/bench.gnuplot") ||
	die "gnuplot failed"
echo
cat "$out/results.md"
echo
log "bench done in $(elapsed "$start"): $out/results.md, $out/data.tsv, $out/chart.png"
[ $bad = 0 ] || die "a guest did not run cleanly (see judge.log)"

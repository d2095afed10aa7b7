#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel with an initramfs in one emulator and capture the
# serial console. Stops the emulator as soon as the guest writes its end
# marker or panics, and at the timeout otherwise. The log is judged by
# scripts/ktap.py, never by the emulator's exit status.
#
# TIMEOUT is wall time, but a guest's progress is emulated time: on a busy
# machine (other emulators, other runs) a healthy guest is just slower. So
# a guest still writing to its console when TIMEOUT falls gets more time,
# up to 3 x TIMEOUT in all; one silent for STALL seconds (default 300) by
# then is stopped. On an idle machine no guest comes near TIMEOUT.
#
#   scripts/boot.sh TARGET BZIMAGE INITRD RUNDIR "KERNEL ARGS"
#
# TARGET is a target of scripts/targets (NAME or NAME:CPUS), which gives the
# emulator, its CPU model, the CPUs, the timeout, the firmware and kernel
# arguments of its own. The environment may override: TIMEOUT (seconds),
# STALL (seconds), FIRMWARE (a Bochs BIOS variant, see bochs_bios).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=$1 bzimage=$2 initrd=$3 rundir=$4 append=$5
target_load "$target" || die "unknown target $target (see scripts/targets)"
cpus=$T_CPUS
timeout=${TIMEOUT:-$T_TIMEOUT}
stall=${STALL:-300}
firmware=${FIRMWARE:-$T_FIRMWARE}
mkdir -p "$rundir"
serial=$rundir/serial.log
: >"$serial"
append="console=ttyS0,115200 printk.devkmsg=on panic=-1 $T_ARGS $append"

case "$T_EMU" in
qemu | qemu-kvm)
	accel="-accel tcg"
	[ "$T_EMU" = qemu-kvm ] && accel="-enable-kvm"
	[ -n "$T_MODEL" ] && accel="$accel -cpu $T_MODEL"
	# shellcheck disable=SC2086
	set -- qemu-system-x86_64 -M q35 $accel -smp "$cpus" -m 256 \
		-nographic -no-reboot -monitor none -serial "file:$serial" \
		-kernel "$bzimage" -initrd "$initrd" -append "$append"
	;;
bochs)
	bios=/usr/share/bochs/BIOS-bochs-latest
	if [ -n "$firmware" ]; then
		bios=$rundir/BIOS-$firmware
		bochs_bios "$firmware" "$bios" || die "could not make $bios"
	fi
	iso=$rundir/iso
	rm -rf "$iso"
	mkdir -p "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin \
		/usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	cp "$bzimage" "$iso/vmlinuz"
	cp "$initrd" "$iso/initrd.gz"
	cat >"$iso/isolinux/isolinux.cfg" <<-EOF
		DEFAULT test
		PROMPT 0
		LABEL test
		  KERNEL /vmlinuz
		  APPEND initrd=/initrd.gz $append
	EOF
	xorriso -as mkisofs -quiet -o "$rundir/boot.iso" \
		-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
		-boot-load-size 4 -boot-info-table "$iso" 2>"$rundir/xorriso.log"
	rm -rf "$iso"
	cat >"$rundir/bochsrc" <<-EOF
		megs: 256
		romimage: file=$bios
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		cpu: model=$T_MODEL, count=$cpus, ips=${BOCHS_IPS:-100000000}, quantum=${BOCHS_QUANTUM:-16}
		pci: enabled=1, chipset=i440fx
		ata0-master: type=cdrom, path=$rundir/boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=$serial
		display_library: rfb, options="timeout=0"
		speaker: enabled=0
		sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
		clock: sync=none
		log: $rundir/bochs.log
		panic: action=fatal
		error: action=report
	EOF
	# The debugger stops again at a reset (a reboot): continue each time.
	printf 'c\n%.0s' 1 2 3 4 5 6 7 8 >"$rundir/bochs.rc"
	# Bochs' VNC display listens on all addresses: keep it in a private
	# network namespace, which also lets several runs go side by side.
	set -- unshare --net bochs -q -f "$rundir/bochsrc" -rc "$rundir/bochs.rc"
	;;
*)
	die "target $target: unknown emulator $T_EMU"
	;;
esac

start=$(date +%s)
"$@" </dev/null >"$rundir/emulator.log" 2>&1 &
pid=$!
# However this script ends (its run directory deleted, a signal), the
# emulator ends with it: unshare runs bochs as a child.
trap 'kill "$pid" 2>/dev/null; pkill -P "$pid" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
result=timeout
last=0
size=0
grew=0
while :; do
	if grep -q "vmxon-test: END" "$serial"; then
		result=end
		sleep 1	# let the last console lines out
		break
	fi
	if grep -q "Kernel panic" "$serial"; then
		result=panic
		sleep 1
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		result=exited
		break
	fi
	now=$(($(date +%s) - start))
	s=$(stat -c %s "$serial")
	if [ "$s" != "$size" ]; then
		size=$s
		grew=$now
	fi
	if [ "$now" -ge "$timeout" ]; then
		[ $((now - grew)) -ge "$stall" ] && break
		[ "$now" -ge $((3 * timeout)) ] && break
	fi
	if [ $((now - last)) -ge 30 ]; then
		log "  ${LABEL:-$target}: guest running (${now}s, $(wc -l <"$serial") console lines)"
		last=$now
	fi
	sleep 1
done
kill "$pid" 2>/dev/null || true
# unshare runs bochs as a child: make sure neither outlives the run.
pkill -P "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "$result $(elapsed "$start")" >"$rundir/result"
[ "$result" = timeout ] &&
	echo "vmxon-test: TIMEOUT after $(elapsed "$start") (timeout ${timeout}s, console silent for $((now - grew))s)" >>"$serial"
exit 0

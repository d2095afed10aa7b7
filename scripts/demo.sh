#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot a Bochs machine with VMX (2 CPUs by default, CPUS=N for
# more), load vmxon, show what a user sees, unload. Fails on a kernel splat.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$VMXON_OUT/demo
rm -rf "$out"
mkdir -p "$out"
"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"
ktree=$("$VMXON_TOP/scripts/kernel.sh" 6.1) || die "no test kernel"
build_module "$ktree" "$out/modules" || die "module build failed, see $out/modules/build.log"
"$VMXON_TOP/scripts/initramfs.sh" "$out/initrd.gz" "$ktree" "$out/modules/vmxon.ko"
target=bochs:${CPUS:-2}
target_load "$target" || die "CPUS=${CPUS:-}: not a number of CPUs"
log "booting Bochs $T_MODEL with $T_CPUS CPUs (about 2 minutes; log: $out/bochs/serial.log)"
"$VMXON_TOP/scripts/boot.sh" "$target" \
	"$ktree/arch/x86/boot/bzImage" "$out/initrd.gz" "$out/bochs" \
	"vmxon_target=demo vmxon_scenarios=demo"
echo
sed -n 's/^\[[ 0-9.]*\] demo| \{0,1\}//p' "$out/bochs/serial.log"
echo
python3 "$VMXON_TOP/scripts/ktap.py" "$out/bochs/serial.log" --target demo \
	--expect vmxon_leaks >"$out/judge.log"
if grep -q PROBLEM "$out/judge.log"; then
	grep PROBLEM "$out/judge.log"
	die "the demo guest did not run cleanly"
fi
log "demo done: no kernel splat, no leak"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the guest: static busybox, /init, the scenario helpers and
# scenarios, vmx-status and vmx-probe, the guest's static helper programs,
# and the modules (ours and the test kernel's KVM modules).
#
#   scripts/initramfs.sh OUT.gz KERNEL_TREE MODULE...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 ktree=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# the guest's /: non-root users must get through it

mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,scenarios}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$VMXON_TOP/scripts/guest/init" "$root/init"
cp "$VMXON_TOP/scripts/guest/lib.sh" "$root/lib/guest.sh"
install -m 755 "$VMXON_TOP/scripts/vmx-status" "$root/bin/vmx-status"
# Guest helper programs, static: the guest has no libc.
for c in "$VMXON_TOP"/scripts/guest/*.c; do
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/$(basename "$c" .c)" "$c"
done
# vmx-status --probe: the module's decision code (vmx_caps.c) in user space.
gcc -static -O2 -Wall -Wextra -Werror -I"$VMXON_TOP/tools/include" \
	-o "$root/bin/vmx-probe" "$VMXON_TOP/tools/vmx-probe.c" "$VMXON_TOP/vmx_caps.c"
for s in "$VMXON_TOP"/scripts/guest/*.sh; do
	[ "$(basename "$s")" = lib.sh ] || cp "$s" "$root/scenarios/"
done
cp "$@" "$root/lib/modules/"
find "$ktree/arch/x86/kvm" "$ktree/virt" -name '*.ko' -exec cp {} "$root/lib/modules/" \;
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"

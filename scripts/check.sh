#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: the static checks, all of which must be clean:
#   W=1 with -Werror and sparse (C=1), against each test kernel (with the
#   KUnit module) and against Debian's stock headers of each series, and
#   samples/client and samples/hv against each of those vmxon builds
#   (KERNELS, default "6.1 6.12"; see scripts/headers.sh for 6.12);
#   checkpatch.pl --strict and kernel-doc from the first kernel's source;
#   the refusal on kernels that restrict the CR4 helpers to KVM, against a
#   prepared 7.2 tree when one is cached (`make kernel-7.2`).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12}
# What the module's #error says on such kernels (the string is shared with
# the module source: change both together).
REFUSAL="vmxon: this kernel restricts the CR4 helpers to KVM"

"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"
declare -A ktree
for k in $KERNELS; do
	ktree[$k]=$("$VMXON_TOP/scripts/kernel.sh" "$k") || die "no $k test kernel"
done
first=${KERNELS%% *}
src=${ktree[$first]}/source
out=$VMXON_OUT/check
rm -rf "$out"
mkdir -p "$out"
cd "$VMXON_TOP" || exit 1
sources=(*.c *.h kunit/*.c kunit/*.h scripts/canary/*.c samples/client/*.c samples/hv/*.c
	samples/hv/*.h)
bad=0

# report NAME LOG: pass when LOG is empty, else show it and count a failure.
report() {
	if [ -s "$2" ]; then
		log "FAIL $1 (log: $2)"
		sed 's/^/    /' "$2" | head -40
		bad=$((bad + 1))
	else
		log "ok   $1"
	fi
}

# build KDIR NAME [MAKE ARGS...]: W=1, -Werror and sparse; any warning is
# a failure.
build() {
	local kdir=$1 dir=$out/$2
	shift 2
	stage_module "$dir"
	if make -C "$kdir" M="$dir" W=1 C=1 KCFLAGS=-Werror "$@" modules \
		>"$dir/build.log" 2>&1; then
		grep -E "warning:|error:" "$dir/build.log" >"$dir/problems.log"
	else
		cp "$dir/build.log" "$dir/problems.log"
	fi
	report "W=1 + sparse against ${dir##*/}" "$dir/problems.log"
}

# sample SAMPLE KDIR NAME VMXON_DIR: samples/SAMPLE as `make samples`
# builds it, from vmx_percpu.h alone and VMXON_DIR's Module.symvers; W=1,
# -Werror and sparse, and any warning is a failure.
sample() {
	local dir=$out/$3
	rm -rf "$dir"
	cp -r "$VMXON_TOP/samples/$1" "$dir"
	mkdir -p "$dir/include"
	cp "$VMXON_TOP/vmx_percpu.h" "$dir/include/"
	if make -C "$dir" KDIR="$2" VMXON="$4" VMXON_INCLUDE="$dir/include" \
		W=1 C=1 KCFLAGS=-Werror >"$dir/build.log" 2>&1; then
		grep -E "warning:|error:" "$dir/build.log" >"$dir/problems.log"
	else
		cp "$dir/build.log" "$dir/problems.log"
	fi
	report "W=1 + sparse of samples/$1 against ${3#sample-"$1"-}" "$dir/problems.log"
}

for k in $KERNELS; do
	build "${ktree[$k]}" "test-kernel-$k"
	for sm in client hv; do
		sample $sm "${ktree[$k]}" "sample-$sm-test-kernel-$k" "$out/test-kernel-$k"
	done
	build "${ktree[$k]}" "test-kernel-$k-fault-injection" VMXON_FAULT_INJECTION=y
	if headers=$(stock_headers "$k"); then
		build "$headers" "$(basename "$headers")"
		for sm in client hv; do
			sample $sm "$headers" "sample-$sm-$(basename "$headers")" \
				"$out/$(basename "$headers")"
		done
	else
		echo "no Debian headers for $k (installed or fetched)" >"$out/headers-$k.bad"
		report "W=1 + sparse against Debian's $k headers" "$out/headers-$k.bad"
	fi
done

# refusal: against a kernel that restricts the CR4 helpers to KVM the
# build must stop with our #error, and with no other error.
refuse=$("$VMXON_TOP/scripts/kernel.sh" --path --prepare 7.2 2>/dev/null)
if [ -n "$refuse" ] && [ -f "$refuse/.vmxon-built" ]; then
	dir=$out/refusal-7.2
	stage_module "$dir"
	if make -C "$refuse" M="$dir" modules >"$dir/build.log" 2>&1; then
		echo "the build against 7.2 succeeded; it must stop with #error \"$REFUSAL ...\"" \
			>"$dir/problems.log"
	elif ! grep -qF "#error \"$REFUSAL" "$dir/build.log"; then
		{ echo "the build against 7.2 failed without #error \"$REFUSAL ...\":"
		  grep -iE "error:|Error [0-9]" "$dir/build.log"; } >"$dir/problems.log"
	else
		# compiler, assembler and modpost errors alike, but our #error
		grep -iE "error:" "$dir/build.log" | grep -vF "#error \"$REFUSAL" \
			>"$dir/problems.log"
	fi
	report "refusal of 7.2 ($(basename "$refuse")) with #error \"$REFUSAL ...\"" \
		"$dir/problems.log"
else
	log "skipped: refusal of 7.2: no prepared 7.2 tree; run \`make kernel-7.2\` to enable"
fi

# One known false positive: checkpatch reads the asm goto label in
# _ASM_EXTABLE(1b, %l[label]) as a modulo operator. Drop exactly that.
"$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f "${sources[@]}" samples/hv/hv_run.S Kbuild samples/client/Kbuild samples/hv/Kbuild 2>&1 |
	while IFS= read -r line; do
		case "$line" in
		*": CHECK:SPACING: spaces preferred around that '%' (ctx:WxV)")
			f=${line%%:*} n=${line#*:}
			sed -n "${n%%:*}p" "$f" | grep -q '_ASM_EXTABLE(.*%l\[' && continue ;;
		"total: "*) continue ;;
		esac
		echo "$line"
	done >"$out/checkpatch.log"
report "checkpatch.pl --strict" "$out/checkpatch.log"

"$src/scripts/kernel-doc" -none -Werror "${sources[@]}" >"$out/kernel-doc.log" 2>&1
report "kernel-doc" "$out/kernel-doc.log"

[ "$bad" = 0 ] || die "$bad check(s) failed"
log "all checks clean"

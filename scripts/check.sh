#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: the static checks, all of which must be clean:
#   W=1 with -Werror and sparse (C=1), against the test kernel (with the
#   KUnit module) and against the newest installed Debian headers;
#   checkpatch.pl --strict and kernel-doc from the kernel source tree.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"
ktree=$("$VMXON_TOP/scripts/kernel.sh" 6.1) || die "no test kernel"
src=$ktree/source
out=$VMXON_OUT/check
rm -rf "$out"
mkdir -p "$out"
cd "$VMXON_TOP" || exit 1
sources=(*.c *.h kunit/*.c)
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
	mkdir -p "$dir/scripts"
	cp -r Kbuild ./*.[ch] kunit "$dir/"
	cp scripts/conftest.sh "$dir/scripts/"
	if make -C "$kdir" M="$dir" W=1 C=1 KCFLAGS=-Werror "$@" modules \
		>"$dir/build.log" 2>&1; then
		grep -E "warning:|error:" "$dir/build.log" >"$dir/problems.log"
	else
		cp "$dir/build.log" "$dir/problems.log"
	fi
	report "W=1 + sparse against ${dir##*/}" "$dir/problems.log"
}

build "$ktree" test-kernel
build "$ktree" test-kernel-fault-injection VMXON_FAULT_INJECTION=y
headers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
if [ -n "$headers" ]; then
	build "$headers" "$(basename "$headers")"
else
	echo "no linux-headers-*-amd64 installed" >"$out/headers.bad"
	report "W=1 + sparse against Debian headers" "$out/headers.bad"
fi

# One known false positive: checkpatch reads the asm goto label in
# _ASM_EXTABLE(1b, %l[label]) as a modulo operator. Drop exactly that.
"$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f "${sources[@]}" Kbuild 2>&1 |
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

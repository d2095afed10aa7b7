#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's stock kernel headers of another release, for compile tests and
# `make dkms-check` on this machine, without installing anything: the
# packages linux-headers-amd64 -> linux-headers-ABI-amd64 -> its -common
# and linux-kbuild-* (followed through their Depends) are fetched with
# scripts/debfetch.sh and assembled into one tree under
# $VMXON_CACHE/headers/, laid out as they would be under /usr.
#
#   scripts/headers.sh SERIES           assemble if needed, print the
#                                       header directory (a KDIR)
#   scripts/headers.sh --path SERIES    print it only if assembled
#
# SERIES is a kernel series other than the machine's own (6.12). The
# headers are meant for the Debian release that ships them; on an older
# host two things are adapted, only when needed, in the cached copy:
#   - the compiler: trixie's headers name gcc-14. When it is missing, the
#     host's gcc is used and the one option gcc-14 has that older gcc lacks
#     (-fmin-function-alignment) is chosen by cc-option, as for any other.
#     This makes a compile test; such a module is not meant to be loaded.
#   - host programs (objtool, modpost) linked against a newer C library
#     than the host's are replaced by the same programs from the test
#     kernel of that series, built here from the same source package.
#     Module BTF needs the release's pahole, so the tree has no vmlinux:
#     modpost then skips BTF, as for any header tree without vmlinux.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

path_only=0
if [ "${1:-}" = --path ]; then
	path_only=1
	shift
fi
series=${1:?usage: headers.sh [--path] SERIES}
suite=$(suite_of_series "$series") || die "unknown kernel series $series"

if [ "$path_only" = 1 ]; then
	h=$( { ls -d "$VMXON_CACHE/headers/$series-"*/.vmxon-ready 2>/dev/null || true; } |
		sort -V | tail -1)
	[ -n "$h" ] || exit 1
	cat "$h"
	exit 0
fi

fetch() { "$VMXON_TOP/scripts/debfetch.sh" "$suite" "$@"; }
# depends DIR PATTERN: the package in DIR's Depends matching PATTERN.
depends() {
	local deb
	deb=$(ls "$VMXON_CACHE/apt/$suite/debs/$(basename "${1%_*}")"_*.deb | sort -V | tail -1)
	dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
		grep -E -m1 "$2"
}

meta=$(fetch linux-headers-amd64)
flavour=$(depends "$meta" '^linux-headers-.*-amd64$')
fdir=$(fetch "$flavour")
common=$(depends "$fdir" '^linux-headers-.*-common$')
kbuild=$(depends "$fdir" '^linux-kbuild-')
cdir=$(fetch "$common")
kdir=$(fetch "$kbuild")
version=${fdir##*_}
root=$VMXON_CACHE/headers/$series-$version
hdir=$root/usr/src/$flavour

mkdir -p "$VMXON_CACHE/headers"
exec 9>"$root.lock"
flock 9
if [ -f "$root/.vmxon-ready" ]; then
	cat "$root/.vmxon-ready"
	exit 0
fi
log "assembling $flavour ($version) in $root" >&2
rm -rf "$root"
mkdir -p "$root"
for d in "$fdir" "$cdir" "$kdir"; do
	cp -al "$d/usr" "$root/"	# hard links: the unpacked packages stay as they are
done

# replace FILE: make FILE a private copy before it is edited (hard links).
replace() {
	cp "$1" "$1.new"
	rm -f "$1"
	mv "$1.new" "$1"
}

# The flavour's Makefile includes the -common one by its absolute path.
replace "$hdir/Makefile"
sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdir/Makefile"
rm -f "$hdir/vmlinux"

cc=$(sed -n 's/^CC = .*)\(gcc-[0-9]*\)$/\1/p' "$hdir/.kernelvariables")
if [ -n "$cc" ] && ! command -v "x86_64-linux-gnu-$cc" >/dev/null; then
	host_cc=gcc-$(gcc -dumpversion)
	log "  $cc is not installed: using $host_cc for compile tests" >&2
	replace "$hdir/.kernelvariables"
	sed -i "s/$cc\$/$host_cc/" "$hdir/.kernelvariables"
	mk=$(readlink -f "$root/usr/src/$common/Makefile")
	replace "$mk"
	sed -i 's/^ifdef CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT$/ifneq ($(call cc-option,-fmin-function-alignment=8),)/' "$mk"
fi

# Host programs the C library here cannot run.
glibc_ok() {
	local need have
	need=$(objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' |
		sort -uV | tail -1)
	have=$(ldd --version | sed -n '1s/.* //p')
	[ -z "$need" ] || [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | tail -1)" = "$have" ]
}
kb=$root/usr/lib/$kbuild
declare -A from=(
	[tools/objtool/objtool.real-x86]=tools/objtool/objtool
	[scripts/mod/modpost.real-lsb-64]=scripts/mod/modpost
)
for f in "${!from[@]}"; do
	[ -f "$kb/$f" ] && ! glibc_ok "$kb/$f" || continue
	ktree=$("$VMXON_TOP/scripts/kernel.sh" "$series") || die "no $series test kernel"
	log "  $f needs a newer C library: using the test kernel's $(basename "${from[$f]}")" >&2
	rm -f "$kb/$f"
	cp "$ktree/${from[$f]}" "$kb/$f"
done

echo "$hdir" >"$root/.vmxon-ready"
log "headers ready: $hdir" >&2
echo "$hdir"

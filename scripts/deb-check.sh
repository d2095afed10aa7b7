#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb-check`: the packages of `make deb` as a user gets them, in a
# clean Debian 12 chroot with linux-headers-amd64 (and dkms, man-db):
#   - installing vmxon-dkms and vmxon-tools builds and installs vmxon for
#     bookworm's 6.1 headers, with Module.symvers and vmx_percpu.h kept
#     beside it (dkms.conf's POST_BUILD);
#   - `vmx-status --help` and `man vmx-status` work;
#   - samples/client builds against the installed package the way
#     docs/usage.md tells a client to;
#   - installing 6.12 headers (bookworm-backports) builds vmxon for them;
#   - installing 7.x headers (trixie-backports, with what they need from
#     trixie, and trixie's dkms: see below) skips vmxon
#     (BUILD_EXCLUSIVE_KERNEL) and apt exits 0;
#   - purging both packages leaves nothing behind.
# bookworm's dkms (3.0.10) cannot skip cleanly: its autoinstall, which the
# kernel's header and image hooks run, exits 11 for a module that
# BUILD_EXCLUSIVE excludes, and that fails the header package. Only a
# trixie system gets 7.x kernels (they need trixie's libc and gcc-14), and
# it has trixie's dkms: the 7.x step installs that first.
# One line per check: "deb-check: ok WHAT" or "deb-check: FAIL WHAT".
#
# The chroot comes from mmdebstrap, with the machine's own apt sources
# for bookworm (apt-get indextargets), as a tarball cached in
# $VMXON_CACHE/deb-check/ with apt's lists and downloaded packages
# (VMXON_DEB_CHECK_REFRESH=1 makes it anew). Each run unpacks it afresh
# into build/deb-check/root. Needs root (chroot, mount namespace).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$VMXON_TOP/scripts/deps.sh" mmdebstrap || die "could not install the dependencies"
[ "$(id -u)" = 0 ] || die "deb-check needs root (chroot)"
version=$(cat "$VMXON_TOP/VERSION")
debs=$VMXON_OUT/deb
for p in vmxon-dkms_${version}_all vmxon-tools_${version}_amd64; do
	[ -f "$debs/$p.deb" ] || die "no $debs/$p.deb: run make deb first"
done
cache=$VMXON_CACHE/deb-check
out=$VMXON_OUT/deb-check
root=$out/root
# What the chroot has beside apt: openssl, so that DKMS makes its MOK key
# and signs, as on an installed system. The tarball's name changes with it.
include=dkms,linux-headers-amd64,man-db,openssl
tarball=$cache/bookworm-$(echo "$include" | md5sum | cut -c1-8).tar
mkdir -p "$cache/archives/partial" "$cache/lists/partial" "$out"
# One run at a time: the chroot, the cache and the logs are shared.
exec 8>"$cache.lock"
flock 8
rm -f "$out"/*.log
# One collation for sort and comm, inside the chroot and out.
export LC_ALL=C
bad=0
ok() { echo "deb-check: ok $*"; }
fail() {
	echo "deb-check: FAIL $*"
	bad=$((bad + 1))
}

# The machine's Debian archives: "URI SUITE" for each of its bookworm
# suites, and the archive of bookworm itself (for the backports suites).
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
[ "$codename" = bookworm ] || die "deb-check runs on Debian 12 (bookworm), not '$codename'"
mapfile -t repos < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Identifier: Packages' | awk -v c="$codename" '$3 == "main" && $2 ~ "^" c { print $1, $2 }' |
	sort -u)
archive=$(printf '%s\n' "${repos[@]}" | awk -v c="$codename" '$2 == c { print $1; exit }')
[ -n "$archive" ] || die "no Debian $codename archive in the machine's apt configuration"
key=/usr/share/keyrings/debian-archive-keyring.gpg

if [ ! -f "$tarball" ] || [ "${VMXON_DEB_CHECK_REFRESH:-0}" = 1 ]; then
	log "mmdebstrap: a Debian 12 chroot with $include"
	lines=()
	for r in "${repos[@]}"; do
		lines+=("deb [signed-by=$key] ${r% *} ${r#* } main")
	done
	mmdebstrap --variant=apt --include="$include" \
		--aptopt='APT::Install-Recommends "false"' \
		bookworm "$cache/new.tar" "${lines[@]}" >"$out/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$out/mmdebstrap.log"; die "mmdebstrap failed"; }
	mv "$cache/new.tar" "$tarball"
fi

log "unpacking the chroot into $root"
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball" || die "could not unpack $tarball"
# The 6.12 and 7.x headers: bookworm-backports, and trixie-backports with
# trixie for what those need (gcc-14, a newer libc). trixie is pinned below
# bookworm, so that only `-t trixie` takes anything from there.
cat >"$root/etc/apt/sources.list.d/deb-check.list" <<EOF
deb [signed-by=$key] $archive $codename-backports main
deb [signed-by=$key] $archive trixie main
deb [signed-by=$key] $archive trixie-backports main
EOF
cat >"$root/etc/apt/preferences.d/deb-check" <<EOF
Package: *
Pin: release n=trixie
Pin-Priority: 90

Package: *
Pin: release n=trixie-backports
Pin-Priority: 90
EOF
mkdir -p "$root/tmp/debs" "$root/tmp/client"
cp "$debs"/vmxon-dkms_"$version"_all.deb "$debs"/vmxon-tools_"$version"_amd64.deb "$root/tmp/debs/"
cp "$VMXON_TOP"/samples/client/{Kbuild,Makefile,vmxon_client.c} "$root/tmp/client/"

# in_root CMD: CMD (sh -c) in the chroot, in a private mount namespace with
# /proc and /dev, apt's lists and archives from the cache; its output goes
# to the log "$out/STEP.log" where STEP is the current $step.
in_root() {
	unshare --mount --propagation private /bin/sh -euc '
		r=$1 c=$2
		shift 2
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --bind "$c/archives" "$r/var/cache/apt/archives"
		mount --bind "$c/lists" "$r/var/lib/apt/lists"
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive /bin/sh -c "$1"
	' sh "$root" "$cache" "$1" >>"$out/$step.log" 2>&1
}
apt_install='apt-get install -y -q --no-install-recommends'

step=update
in_root 'apt-get update -q' || die "apt-get update in the chroot failed (log: $out/$step.log)"
# No initramfs for the kernel images that headers pull in: nothing boots
# here, and making them takes minutes.
in_root 'dpkg-divert --local --rename --add /usr/sbin/update-initramfs &&
	ln -s /bin/true /usr/sbin/update-initramfs' ||
	die "could not divert update-initramfs (log: $out/$step.log)"
# The chroot before the packages: purge must come back to it.
snapshot() {
	in_root 'find / -xdev \( -path /proc -o -path /dev -o -path /tmp -o \
		-path /var/cache -o -path /var/lib/apt -o -path /var/log -o \
		-path /var/lib/dpkg \) -prune -o -print | sort' >/dev/null
	sed -n '/^\//p' "$out/$step.log"
}
step=before
snapshot >"$out/files-before"
kver61=$(basename "$(ls -d "$root"/usr/src/linux-headers-*-amd64 | head -1)")
kver61=${kver61#linux-headers-}

# installed KVER: vmxon installed by DKMS for KVER, its module of this
# version and vermagic, signed with DKMS's MOK key (docs/usage.md, "Secure
# Boot"), with Module.symvers and vmx_percpu.h kept.
installed() {
	local kdir=$root/var/lib/dkms/vmxon/kernel-$1-x86_64 ko
	ko=$(ls "$root/lib/modules/$1/updates/dkms"/vmxon.ko* 2>/dev/null | head -1)
	[ -n "$ko" ] || { echo "no vmxon.ko in /lib/modules/$1/updates/dkms"; return 1; }
	[ "$(modinfo -F version "$ko")" = "$version" ] || { echo "modinfo version of $ko"; return 1; }
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$1" ] || { echo "vermagic of $ko"; return 1; }
	[ "$(modinfo -F signer "$ko")" = "DKMS module signing key" ] ||
		{ echo "$ko is not signed with DKMS's MOK key"; return 1; }
	for f in Module.symvers vmx_percpu.h; do
		[ -s "$kdir/$f" ] || { echo "no $f in ${kdir#"$root"}"; return 1; }
	done
	grep -q "vmxon_register" "$kdir/Module.symvers" || { echo "no vmxon_register in Module.symvers"; return 1; }
}

step=install
if in_root "$apt_install /tmp/debs/vmxon-dkms_${version}_all.deb \
	/tmp/debs/vmxon-tools_${version}_amd64.deb"; then
	ok "apt-get install vmxon-dkms vmxon-tools (exit 0)"
else
	fail "apt-get install vmxon-dkms vmxon-tools (log: $out/$step.log)"
fi
if why=$(installed "$kver61"); then
	ok "dkms build $kver61 (installed, version $version, signed, Module.symvers kept)"
else
	fail "dkms build $kver61: $why (log: $out/$step.log)"
fi

step=tools
if in_root 'vmx-status --help' && grep -q '^usage: vmx-status' "$out/$step.log"; then
	ok "vmx-status --help"
else
	fail "vmx-status --help (log: $out/$step.log)"
fi
if in_root 'man -P cat vmx-status' &&
	grep -q '^EXIT STATUS' "$out/$step.log" &&
	! grep -qi 'warning' "$out/$step.log"; then
	ok "man vmx-status"
else
	fail "man vmx-status (log: $out/$step.log)"
fi
if in_root '/usr/libexec/vmxon/vmx-probe --help'; then
	ok "vmx-probe --help"
else
	fail "vmx-probe --help (log: $out/$step.log)"
fi

# The client as docs/usage.md builds it against the package: VMXON is the
# kernel's directory in the DKMS tree, with Module.symvers and the header.
step=client
if in_root "make -C /tmp/client KDIR=/lib/modules/$kver61/build \
	VMXON=/var/lib/dkms/vmxon/kernel-$kver61-x86_64" &&
	[ -f "$root/tmp/client/vmxon_client.ko" ] &&
	! grep -q "WARNING\|warning:" "$out/$step.log" &&
	[ "$(modinfo -F depends "$root/tmp/client/vmxon_client.ko")" = vmxon ]; then
	ok "client module built against vmxon-dkms for $kver61 (depends: vmxon)"
else
	fail "client module against vmxon-dkms (log: $out/$step.log)"
fi

step=headers-6.12
if in_root "$apt_install -t $codename-backports linux-headers-amd64"; then
	ok "apt-get install linux-headers-amd64 from $codename-backports (exit 0)"
else
	fail "apt-get install 6.12 headers (log: $out/$step.log)"
fi
kver612=$(basename "$(ls -d "$root"/usr/src/linux-headers-6.12.*-amd64 2>/dev/null | head -1)")
kver612=${kver612#linux-headers-}
if [ -z "$kver612" ]; then
	fail "no 6.12 headers in the chroot (log: $out/$step.log)"
elif why=$(installed "$kver612"); then
	ok "dkms build $kver612 (installed, version $version, signed, Module.symvers kept)"
else
	fail "dkms build $kver612: $why (log: $out/$step.log)"
fi

step=headers-7
if in_root "$apt_install -t trixie dkms" && in_root 'dpkg-query -W dkms'; then
	ok "dkms from trixie: $(tail -1 "$out/$step.log" | cut -f2)"
else
	fail "apt-get install -t trixie dkms (log: $out/$step.log)"
fi
if in_root "$apt_install -t trixie linux-headers-amd64/trixie-backports"; then
	ok "apt-get install linux-headers-amd64 from trixie-backports (exit 0)"
else
	fail "apt-get install 7.x headers: apt failed (log: $out/$step.log)"
fi
kver7=$(basename "$(ls -d "$root"/usr/src/linux-headers-[7-9].*-amd64 2>/dev/null | head -1)")
kver7=${kver7#linux-headers-}
if [ -z "$kver7" ]; then
	fail "no 7.x headers in the chroot (log: $out/$step.log)"
elif [ -e "$root/var/lib/dkms/vmxon/$version/$kver7" ] ||
	ls "$root/lib/modules/$kver7/updates/dkms"/vmxon.ko* >/dev/null 2>&1; then
	fail "vmxon was built for $kver7 (log: $out/$step.log)"
elif ! grep -q "BUILD_EXCLUSIVE" "$out/$step.log"; then
	fail "no BUILD_EXCLUSIVE skip of vmxon in the log for $kver7 (log: $out/$step.log)"
else
	ok "dkms skips $kver7 (BUILD_EXCLUSIVE_KERNEL), nothing built"
fi
# Still built and installed for the others.
for k in "$kver61" $kver612; do
	installed "$k" >/dev/null || fail "vmxon no longer installed for $k"
done

step=purge
if in_root 'apt-get purge -y -q vmxon-dkms vmxon-tools'; then
	ok "apt-get purge vmxon-dkms vmxon-tools (exit 0)"
else
	fail "apt-get purge (log: $out/$step.log)"
fi
step=after
snapshot >"$out/files-after"
# New since the install, owned by no package, in the trees where the
# packages and DKMS put files: what purge left (other packages installed
# on the way make files of their own elsewhere: systemd, the kernel
# image). dpkg lists /lib/... where the merged /usr has /usr/lib/...: both
# are owned, and so are the links of update-alternatives. Allowed, because they are not vmxon's: depmod's indexes of
# each kernel, the MOK key pair that DKMS made to sign modules, which
# stays for the next module (it may be enrolled), and update-initramfs
# where the diversion above put it.
{ cat "$root"/var/lib/dpkg/info/*.list; grep -h '^/' "$root"/var/lib/dpkg/alternatives/*; } |
	sed -E 'p; s#^/(bin|sbin|lib|lib32|lib64|libx32)(/|$)#/usr/\1\2#' | sort -u >"$out/owned"
comm -13 "$out/files-before" "$out/files-after" | comm -23 - "$out/owned" |
	grep -E '^/(usr/src|usr/lib/modules|usr/libexec|usr/sbin|usr/share/man|usr/share/doc|var/lib/dkms|etc/dkms|etc/modprobe\.d|etc/modules-load\.d|etc/kernel)(/|$)' |
	grep -vE '^/usr/lib/modules/[^/]+/modules\.[a-z.]+$|^/var/lib/dkms/mok\.(key|pub)$|^/usr/sbin/update-initramfs\.distrib$' \
		>"$out/left-behind"
if [ -s "$out/left-behind" ]; then
	sed 's/^/    /' "$out/left-behind" | head -20
	fail "purge left $(wc -l <"$out/left-behind") paths behind ($out/left-behind)"
elif grep -E 'vmxon|vmx-status|vmx-probe|vmx_percpu' "$out/files-after" >"$out/vmx-paths"; then
	sed 's/^/    /' "$out/vmx-paths" | head -20
	fail "purge left paths named vmx* ($out/vmx-paths)"
else
	ok "purge left nothing behind"
fi

[ "$bad" = 0 ] || die "deb-check: $bad check(s) failed; logs in $out"
log "deb-check: all checks passed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-check`: the package as DKMS sees it. For each Debian header
# tree (every installed /usr/src/linux-headers-*-amd64, and 6.12's from
# scripts/headers.sh): `dkms build`, then check the module (vermagic,
# version, no compiler warning, Module.symvers and vmx_percpu.h kept by
# POST_BUILD); `dkms add` before and `dkms remove --all`
# after. Fails on any error.
#
# DKMS never sees the machine's own state: it runs in a private mount
# namespace where /etc/dkms (with our framework.conf) and /var/lib/dkms
# are bind-mounted private directories under build/dkms, and it is also
# given private --dkmstree, --sourcetree and --installtree. Builds are not
# signed (no MOK key is made). Needs root (mount namespace), like Bochs.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$VMXON_TOP/scripts/deps.sh" || die "could not install the dependencies"
command -v dkms >/dev/null || die "dkms is not installed"
"$VMXON_TOP/scripts/version-check.sh" || die "the version is not the same everywhere"
version=$(cat "$VMXON_TOP/VERSION")
priv=$VMXON_OUT/dkms
rm -rf "$priv"
mkdir -p "$priv"/{etc/framework.conf.d,var,tree,source,install,pkg}
bad=0
fail() {
	log "FAIL $*"
	bad=$((bad + 1))
}

# The package as a clone would have it: tracked files and new, unignored
# ones (no build output, no .git); outside git, all but build/.
if git -C "$VMXON_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$VMXON_TOP" && git ls-files -co --exclude-standard -z |
		xargs -0 tar -c --ignore-failed-read) | tar -C "$priv/pkg" -x
else
	tar -C "$VMXON_TOP" -c --exclude=./build --exclude=./.git . | tar -C "$priv/pkg" -x
fi || die "could not stage the package"
cat >"$priv/etc/framework.conf" <<EOF
dkms_tree="$priv/tree"
source_tree="$priv/source"
install_tree="$priv/install"
# test builds are not signed: no key is looked for or made
sign_file="$priv/no-sign-file"
EOF

# dkms_run ARGS...: dkms in the private namespace.
dkms_run() {
	unshare --mount --propagation private /bin/sh -euc '
		p=$1
		shift
		mount --bind "$p/etc" /etc/dkms
		mount --bind "$p/var" /var/lib/dkms
		exec dkms "$@" --dkmstree "$p/tree" --sourcetree "$p/source" \
			--installtree "$p/install"
	' sh "$priv" "$@"
}

trees=()
for h in /usr/src/linux-headers-*-amd64; do
	[ -d "$h" ] && trees+=("$h")
done
if h=$(stock_headers 6.12); then
	trees+=("$h")
else
	fail "no Debian 6.12 headers (scripts/headers.sh 6.12 failed)"
fi
mapfile -t trees < <(printf '%s\n' "${trees[@]}" | sort -u)

before=$(find /var/lib/dkms -mindepth 1 -maxdepth 1 2>/dev/null | sort)
start=$(date +%s)
if ! dkms_run add "$priv/pkg" >"$priv/add.log" 2>&1; then
	cat "$priv/add.log"
	die "dkms add failed"
fi
log "ok   dkms add vmxon/$version"

for h in "${trees[@]}"; do
	kver=$(basename "$h")
	kver=${kver#linux-headers-}
	blog=$priv/build-$kver.log
	if ! dkms_run build "vmxon/$version" -k "$kver" --kernelsourcedir "$h" \
		>"$blog" 2>&1; then
		sed 's/^/    /' "$blog" | tail -20
		mlog=$priv/tree/vmxon/$version/build/make.log
		[ -f "$mlog" ] && sed 's/^/    /' "$mlog" | tail -20
		fail "dkms build against $h"
		continue
	fi
	base=$priv/tree/vmxon/$version/$kver/$(uname -m)
	ko=$(ls "$base"/module/vmxon.ko* 2>/dev/null | head -1)
	problems=
	if [ -z "$ko" ]; then
		problems="no vmxon.ko in $base/module"
	else
		vermagic=$(modinfo -F vermagic "$ko")
		[ "${vermagic%% *}" = "$kver" ] || problems="vermagic '$vermagic', want $kver"
		modver=$(modinfo -F version "$ko")
		if [ -z "$modver" ]; then
			log "     note: the module declares no version yet (MODULE_VERSION)"
		elif [ "$modver" != "$version" ]; then
			problems="modinfo version '$modver', VERSION says $version"
		fi
	fi
	# dkms.conf's POST_BUILD keeps what clients build against.
	for f in Module.symvers vmx_percpu.h; do
		[ -s "$base/$f" ] || problems="${problems:+$problems; }no $f kept in $base"
	done
	if grep -q "warning:" "$base/log/make.log" 2>/dev/null; then
		grep "warning:" "$base/log/make.log" | sed 's/^/    /' | head -20
		problems="compiler warnings"
	fi
	if [ -n "$problems" ]; then
		fail "dkms build against $h: $problems"
	else
		log "ok   dkms build vmxon/$version -k $kver"
	fi
done

dkms_run status >"$priv/status.log" 2>&1
if dkms_run remove "vmxon/$version" --all >"$priv/remove.log" 2>&1 &&
	[ ! -e "$priv/tree/vmxon/$version" ]; then
	log "ok   dkms remove vmxon/$version --all"
else
	cat "$priv/remove.log"
	fail "dkms remove"
fi
after=$(find /var/lib/dkms -mindepth 1 -maxdepth 1 2>/dev/null | sort)
[ "$before" = "$after" ] || fail "the machine's /var/lib/dkms changed: '$before' -> '$after'"

[ "$bad" = 0 ] || die "dkms-check: $bad problem(s); logs under $priv"
log "dkms-check clean against ${#trees[@]} header trees in $(elapsed "$start")"

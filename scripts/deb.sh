#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages vmxon-dkms and vmxon-tools, built with
# dpkg-buildpackage from a copy of the tree in build/deb/ (the package's
# own files: tracked and new unignored ones), so that nothing is generated
# in the clone. Then lintian on the result, which must report no error
# and no warning. Output: build/deb/*.deb, the .changes, and build.log and
# lintian.log beside them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$VMXON_TOP/scripts/deps.sh" debhelper dh-dkms lintian ||
	die "could not install the dependencies"
"$VMXON_TOP/scripts/version-check.sh" || die "the version is not the same everywhere"
version=$(cat "$VMXON_TOP/VERSION")
out=$VMXON_OUT/deb
src=$out/vmxon-$version
rm -rf "$out"
mkdir -p "$src"
if git -C "$VMXON_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$VMXON_TOP" && git ls-files -co --exclude-standard -z |
		xargs -0 tar -c --ignore-failed-read) | tar -C "$src" -x
else
	tar -C "$VMXON_TOP" -c --exclude=./build --exclude=./.git . | tar -C "$src" -x
fi || die "could not stage the source"

start=$(date +%s)
log "dpkg-buildpackage in $src"
(cd "$src" && dpkg-buildpackage -us -uc) >"$out/build.log" 2>&1 || {
	tail -30 "$out/build.log"
	die "dpkg-buildpackage failed (log: $out/build.log)"
}
changes=$out/vmxon_${version}_$(dpkg --print-architecture).changes
for deb in "$out"/*.deb; do
	log "built $(basename "$deb")"
done

# --fail-on: an error or a warning fails; overrides (each with its reason
# in debian/*.lintian-overrides) are shown, so that none hides unseen.
lintian --fail-on error,warning --show-overrides --info "$changes" \
	>"$out/lintian.log" 2>&1
rc=$?
sed 's/^/    /' "$out/lintian.log"
[ "$rc" = 0 ] || die "lintian: errors or warnings (log: $out/lintian.log)"
log "ok   lintian: no error, no warning ($(grep -c '^O: ' "$out/lintian.log") overridden)"
log "deb: vmxon-dkms and vmxon-tools $version in $out in $(elapsed "$start")"

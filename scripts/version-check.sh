#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The version has one source of truth, the file VERSION (the module's Kbuild
# reads it for MODULE_VERSION). Two files must repeat it as plain text,
# because their tools cannot read a file: dkms.conf's PACKAGE_VERSION
# (dh_dkms parses the line literally) and the newest debian/changelog entry
# (a native package: the whole version). Fails, naming the file, when
# either differs. Run by `make deb` (through debian/rules), `make
# dkms-check` and `make version-check`.
top=$(cd "$(dirname "$0")/.." && pwd)
want=$(cat "$top/VERSION") || exit 1
case "$want" in
'' | *[!0-9.]*)
	echo "version-check: VERSION '$want' is not N.N.N" >&2
	exit 1
	;;
esac
conf=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
deb=$(sed -n '1s/^vmxon (\([^)]*\)) .*/\1/p' "$top/debian/changelog")
bad=0
[ "$conf" = "$want" ] ||
	{ echo "version-check: dkms.conf PACKAGE_VERSION '$conf', VERSION says $want" >&2; bad=1; }
[ "$deb" = "$want" ] ||
	{ echo "version-check: debian/changelog '$deb', VERSION says $want" >&2; bad=1; }
[ "$bad" = 0 ] && echo "version-check: ok $want (VERSION, dkms.conf, debian/changelog)"
exit "$bad"

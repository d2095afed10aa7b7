#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test kernel from Debian's linux-source-<series> (default 6.1)
# with scripts/kernel.config merged over tinyconfig, and cache it outside
# the clone, keyed by the source package version and the fragment content.
#
#   scripts/kernel.sh [SERIES]          build if needed, print the tree path
#   scripts/kernel.sh --path [SERIES]   print the tree path only
set -euo pipefail
. "$(dirname "$0")/lib.sh"

path_only=0
if [ "${1:-}" = --path ]; then
	path_only=1
	shift
fi
series=${1:-6.1}
pkg=linux-source-$series
tarball=/usr/src/$pkg.tar.xz
fragment=$VMXON_TOP/scripts/kernel.config

version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) ||
	die "$pkg is not installed (run scripts/deps.sh)"
key=$(sha256sum "$fragment" | cut -c1-12)
src=$VMXON_CACHE/src/$pkg-$version
obj=$VMXON_CACHE/kernel/$series-$version-$key

if [ "$path_only" = 1 ]; then
	echo "$obj"
	exit 0
fi

mkdir -p "$VMXON_CACHE/src" "$VMXON_CACHE/kernel"
# One lock per cache key: a build of one kernel never waits for (or blocks)
# a run that only needs another, already cached one. The shared source tree
# is unpacked under its own lock.
exec 9>"$obj.lock"
flock 9

if [ -f "$obj/.vmxon-built" ]; then
	log "kernel $series ($version, fragment $key): cached in $obj" >&2
	echo "$obj"
	exit 0
fi

exec 8>"$src.lock"
flock 8
if [ ! -f "$src/.vmxon-unpacked" ]; then
	log "unpacking $tarball ..." >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
	touch "$src.tmp/.vmxon-unpacked"
	mv "$src.tmp" "$src"
fi
exec 8>&-

rm -rf "$obj"
mkdir -p "$obj"
buildlog=$obj/build.log
start=$(date +%s)
log "building kernel $series ($version, fragment $key) in $obj; log: $buildlog" >&2
{
	make -C "$src" O="$obj" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment"
	make -C "$src" O="$obj" olddefconfig
} >"$buildlog" 2>&1 || die "kernel configuration failed; see $buildlog"

# Every line of the fragment must survive olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line; name=${line%%=*} ;;
	"# CONFIG_"*" is not set") want=$line; name=${line#\# }; name=${name%% *} ;;
	*) continue ;;
	esac
	have=$(grep -E "^($name=|# $name is not set)" "$obj/.config" || true)
	if [ "${want#\# }" != "$want" ] && [ -z "$have" ]; then
		continue	# "not set" and absent is the same thing
	fi
	if [ "$have" != "$want" ]; then
		echo "kernel.config: want '$want', got '${have:-absent}'" >&2
		missing=1
	fi
done <"$fragment"
[ "$missing" = 0 ] || die "the config fragment did not apply; see above"

make -C "$src" O="$obj" -j"$(nproc)" bzImage modules >>"$buildlog" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null && log "  kernel build running ($(elapsed "$start"))" >&2
done
wait "$pid" || { tail -30 "$buildlog" >&2; die "kernel build failed; see $buildlog"; }
touch "$obj/.vmxon-built"
log "kernel $series built in $(elapsed "$start")" >&2
echo "$obj"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a test kernel from Debian's linux-source-<series> with
# scripts/kernel.config (plus scripts/kernel-<series>.config, when that
# exists) merged over tinyconfig, and cache it outside the clone, keyed by
# the source package version and the fragments' content.
#
#   scripts/kernel.sh [SERIES]            build if needed, print the tree path
#   scripts/kernel.sh --path [SERIES]     print the tree path only
#   scripts/kernel.sh --variant V [SERIES]  the same with scripts/kernel-V.config
#                                         merged last: bench (no debugging
#                                         options, for `make bench`), kasan
#                                         (KASAN and UBSAN), kcsan (KCSAN)
#   scripts/kernel.sh --prepare SERIES    only `make defconfig modules_prepare`:
#                                         enough to compile modules against
#   scripts/kernel.sh --path --prepare SERIES   that tree's path only
#
# SERIES is 6.1 (default), 6.12 or 7.2. The source package comes from the
# machine when it is installed there (6.1 on Debian 12, see deps.sh), else
# from the Debian suite that carries it (scripts/debfetch.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

path_only=0 prepare=0 variant=
while :; do
	case "${1:-}" in
	--path) path_only=1; shift ;;
	--variant) variant=${2:?--variant needs a name}; shift 2 ;;
	--prepare) prepare=1; shift ;;
	*) break ;;
	esac
done
series=${1:-6.1}
pkg=linux-source-$series

if version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) &&
	[ -f "/usr/src/$pkg.tar.xz" ]; then
	tarball=/usr/src/$pkg.tar.xz
else
	suite=$(suite_of_series "$series") || die "unknown kernel series $series"
	if [ "$path_only" = 1 ]; then
		# No download just to name the tree: the newest one fetched.
		deb=$(ls -d "$VMXON_CACHE/deb/${pkg}_"* 2>/dev/null | sort -V | tail -1) ||
			true
		[ -n "$deb" ] || die "$pkg was never fetched (run scripts/kernel.sh [--prepare] $series)"
	else
		deb=$("$VMXON_TOP/scripts/debfetch.sh" "$suite" "$pkg") ||
			die "could not fetch $pkg from $suite"
	fi
	version=${deb##*_}
	tarball=$deb/usr/src/$pkg.tar.xz
fi

fragments=("$VMXON_TOP/scripts/kernel.config")
[ -f "$VMXON_TOP/scripts/kernel-$series.config" ] &&
	fragments+=("$VMXON_TOP/scripts/kernel-$series.config")
if [ -n "$variant" ]; then
	[ -f "$VMXON_TOP/scripts/kernel-$variant.config" ] ||
		die "no kernel variant $variant (scripts/kernel-$variant.config)"
	fragments+=("$VMXON_TOP/scripts/kernel-$variant.config")
fi
# With the common fragment alone this is the hash of that one file, as it
# always was: adding a series' fragment never changes another's cache key.
key=$(cat "${fragments[@]}" | sha256sum | cut -c1-12)
[ "$prepare" = 1 ] && key=defconfig
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
	log "kernel $series ($version, $key): cached in $obj" >&2
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

if [ "$prepare" = 1 ]; then
	log "preparing kernel $series ($version) for module builds in $obj; log: $buildlog" >&2
	{
		make -C "$src" O="$obj" defconfig
		make -C "$src" O="$obj" -j"$(nproc)" modules_prepare
	} >"$buildlog" 2>&1 ||
		{ tail -30 "$buildlog" >&2; die "modules_prepare failed; see $buildlog"; }
	touch "$obj/.vmxon-built"
	log "kernel $series prepared in $(elapsed "$start")" >&2
	echo "$obj"
	exit 0
fi

log "building kernel $series ($version, fragment $key) in $obj; log: $buildlog" >&2
{
	make -C "$src" O="$obj" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}"
	make -C "$src" O="$obj" olddefconfig
} >"$buildlog" 2>&1 || die "kernel configuration failed; see $buildlog"

# Every line of the fragments must survive olddefconfig (a series' own
# fragment may override a common line: the last word on an option counts).
declare -A want
order=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) name=${line%%=*} ;;
	"# CONFIG_"*" is not set") name=${line#\# }; name=${name%% *} ;;
	*) continue ;;
	esac
	[ -n "${want[$name]+x}" ] || order+=("$name")
	want[$name]=$line
done < <(cat "${fragments[@]}")
missing=0
for name in "${order[@]}"; do
	w=${want[$name]}
	have=$(grep -E "^($name=|# $name is not set)" "$obj/.config" || true)
	if [ "${w#\# }" != "$w" ] && [ -z "$have" ]; then
		continue	# "not set" and absent is the same thing
	fi
	if [ "$have" != "$w" ]; then
		echo "kernel config $series: want '$w', got '${have:-absent}'" >&2
		missing=1
	fi
done
[ "$missing" = 0 ] || die "the config fragment did not apply; see above"

make -C "$src" O="$obj" -j"$(nproc)" bzImage modules >>"$buildlog" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null && log "  kernel $series build running ($(elapsed "$start"))" >&2
done
wait "$pid" || { tail -30 "$buildlog" >&2; die "kernel build failed; see $buildlog"; }
touch "$obj/.vmxon-built"
log "kernel $series built in $(elapsed "$start")" >&2
echo "$obj"

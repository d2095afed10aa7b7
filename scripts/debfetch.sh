#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian packages of another suite (trixie, sid, ...) and unpack them
# into the cache, without touching the machine's package state: apt runs
# with a private sources list, list directory and archive cache under
# $VMXON_CACHE/apt/SUITE. The archive URI is the one the machine's own apt
# configuration already uses for its Debian release (read with
# `apt-get indextargets`), so no host name lives in this repository.
#
#   scripts/debfetch.sh SUITE PKG...   print one unpacked directory per PKG
#
# Each PKG may be an apt pattern understood by `apt-get download` (an exact
# name is best). A package already fetched is reused without asking the
# archive again; VMXON_APT_REFRESH=1 re-reads the suite's index first.
# Output: $VMXON_CACHE/deb/NAME_VERSION/ (the .deb's file tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: debfetch.sh SUITE PKG..."
suite=$1
shift
state=$VMXON_CACHE/apt/$suite
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/debs" \
	"$VMXON_CACHE/deb"
exec 7>"$state.lock"
flock 7

apt_opts=(
	-o "Dir::Etc::sourcelist=$state/sources.list"
	-o "Dir::Etc::sourceparts=-"
	-o "Dir::State::Lists=$state/lists"
	-o "Dir::Cache=$state"
	-o "Dir::Cache::archives=$state/archives"
	-o "APT::Get::List-Cleanup=0"
	-q
)

# The machine's Debian archive: the repository that serves its own
# release (VERSION_CODENAME) with the main component.
archive_uri() {
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' |
		awk -v c="$codename" '$2 == c && $3 == "main" { print $1; exit }'
}

refresh() {
	local uri
	uri=$(archive_uri)
	[ -n "$uri" ] || die "no Debian archive found in the machine's apt configuration"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
		>"$state/sources.list"
	log "reading the $suite index" >&2
	apt-get "${apt_opts[@]}" update >"$state/update.log" 2>&1 ||
		{ cat "$state/update.log" >&2; die "apt-get update for $suite failed"; }
	touch "$state/.updated"
}

# The newest already-downloaded .deb whose name matches PKG (glob), if any.
cached_deb() {
	{ ls "$state/debs/"$1_*.deb 2>/dev/null || true; } | sort -V | tail -1
}

for pkg in "$@"; do
	deb=
	[ "${VMXON_APT_REFRESH:-0}" = 1 ] || deb=$(cached_deb "$pkg")
	if [ -z "$deb" ]; then
		if [ ! -f "$state/.updated" ] || [ "${VMXON_APT_REFRESH:-0}" = 1 ]; then
			refresh
			VMXON_APT_REFRESH=0
		fi
		log "downloading $pkg from $suite" >&2
		(cd "$state/debs" && apt-get "${apt_opts[@]}" download "$pkg") \
			>"$state/download.log" 2>&1 ||
			{ cat "$state/download.log" >&2; die "could not download $pkg from $suite"; }
		deb=$(cached_deb "$pkg")
		[ -n "$deb" ] || die "downloaded $pkg but found no .deb for it"
	fi
	name=$(dpkg-deb -f "$deb" Package)
	ver=$(dpkg-deb -f "$deb" Version)
	dir=$VMXON_CACHE/deb/${name}_$ver
	if [ ! -f "$dir/.vmxon-unpacked" ]; then
		log "unpacking $(basename "$deb")" >&2
		rm -rf "$dir" "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp"
		touch "$dir.tmp/.vmxon-unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
done

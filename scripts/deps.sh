#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the test bench needs, when any is missing.
# Quiet when everything is there; uses only the machine's own apt sources.
# Extra package names as arguments (scripts/bench.sh: gnuplot-nox).
#
#   scripts/deps.sh [PACKAGE...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	# kernel and module builds
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
	python3 perl sparse dkms
	linux-source-6.1 linux-headers-amd64
	# the guest and the emulators
	busybox-static qemu-system-x86 bochs bochsbios vgabios
	isolinux syslinux-common xorriso util-linux procps
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root to install them)"
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

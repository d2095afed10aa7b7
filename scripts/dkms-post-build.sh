#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS's POST_BUILD step (dkms.conf), run in the build directory after a
# successful build: keep what a client module builds against in DIR, the
# kernel's directory in the DKMS tree, which dkms removes with the module.
#
#   scripts/dkms-post-build.sh DIR
set -e
[ $# = 1 ] || { echo "usage: dkms-post-build.sh DIR" >&2; exit 1; }
mkdir -p "$1"
cp Module.symvers vmx_percpu.h "$1/"

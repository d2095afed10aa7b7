# SPDX-License-Identifier: GPL-2.0
# Shared by the test scripts: paths, logging with elapsed time, timers.

VMXON_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernel trees are big and slow to build: keep them outside the clone.
VMXON_CACHE=${VMXON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmxon}
# Per-run output (module builds, images, logs) stays inside the clone.
VMXON_OUT=${VMXON_OUT:-$VMXON_TOP/build}

VMXON_T0=${VMXON_T0:-$(date +%s)}
export VMXON_T0

# log MSG...: one progress line with the time since `make test` began.
log() {
	local t=$(($(date +%s) - VMXON_T0))
	printf '[%3d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"
}

die() {
	log "error: $*" >&2
	exit 1
}

# elapsed SINCE: seconds since the epoch time SINCE, as "Ns".
elapsed() {
	echo "$(($(date +%s) - $1))s"
}

# build_module KDIR DIR [MAKE ARGS...]: build our tree against KDIR in DIR
# with W=1; fails on an error or on any warning.
build_module() {
	local kdir=$1 dir=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir/scripts"
	cp -r "$VMXON_TOP"/Kbuild "$VMXON_TOP"/*.[ch] "$VMXON_TOP"/kunit "$dir/"
	cp "$VMXON_TOP"/scripts/conftest.sh "$dir/scripts/"
	make -C "$kdir" M="$dir" W=1 "$@" modules >"$dir/build.log" 2>&1 &&
		! grep -q "warning:" "$dir/build.log"
}

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

# stage_module DIR: copy what a module build needs into DIR (the one list
# of the module's build inputs: add new ones here).
stage_module() {
	mkdir -p "$1/scripts"
	cp -r "$VMXON_TOP"/Kbuild "$VMXON_TOP"/VERSION "$VMXON_TOP"/*.[ch] \
		"$VMXON_TOP"/kunit "$1/"
	cp "$VMXON_TOP"/scripts/conftest.sh "$VMXON_TOP"/scripts/dkms-post-build.sh \
		"$1/scripts/"
}

# build_module KDIR DIR [MAKE ARGS...]: build our tree against KDIR in DIR
# with W=1; fails on an error or on any warning.
build_module() {
	local kdir=$1 dir=$2
	shift 2
	rm -rf "$dir"
	stage_module "$dir"
	make -C "$kdir" M="$dir" W=1 "$@" modules >"$dir/build.log" 2>&1 &&
		! grep -q "warning:" "$dir/build.log"
}

# suite_of_series SERIES: the Debian suite whose linux-source-SERIES the
# test bench uses (6.1 comes installed from the machine's own release).
suite_of_series() {
	case "$1" in
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	7.2) echo sid ;;
	*) return 1 ;;
	esac
}

# target_load SPEC: the target SPEC (NAME or NAME:CPUS, see scripts/targets)
# into T_NAME, T_EMU, T_MODEL, T_CPUS, T_TIMEOUT, T_FIRMWARE, T_VARIANT,
# T_SCENARIOS (space-separated) and T_ARGS, "" for "-". Fails for an
# unknown target.
target_load() {
	local spec=$1 key line tmo v
	T_NAME=${spec%%:*}
	key=$T_NAME
	case "$T_NAME" in bochs-?*) key=bochs ;; esac
	line=$(awk -v k="$key" '!/^#/ && $1 == k' "$VMXON_TOP/scripts/targets")
	[ -n "$line" ] || return 1
	read -r _ T_EMU T_MODEL T_CPUS tmo T_FIRMWARE T_VARIANT T_SCENARIOS T_ARGS \
		<<<"$line"
	[ "$key" = "$T_NAME" ] || T_MODEL=${T_NAME#bochs-}
	[ "$T_NAME" = "$spec" ] || T_CPUS=${spec#*:}
	case "$T_CPUS" in '' | *[!0-9]*) return 1 ;; esac
	T_TIMEOUT=$((${tmo%+*} + ${tmo#*+} * T_CPUS))
	for v in T_MODEL T_FIRMWARE T_VARIANT T_SCENARIOS T_ARGS; do
		[ "${!v}" = - ] && printf -v "$v" '%s' ''
	done
	T_SCENARIOS=${T_SCENARIOS//,/ }
	return 0
}

# stock_headers SERIES: a KDIR of Debian's stock headers for that series:
# installed ones (/usr/src/linux-headers-SERIES.*-amd64), else fetched into
# the cache by scripts/headers.sh. Prints nothing and fails if neither.
stock_headers() {
	local h
	h=$(ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$h" ] || h=$("$VMXON_TOP/scripts/headers.sh" "$1") || return 1
	echo "$h"
}

# bochs_bios FIRMWARE OUT: Bochs' BIOS with its IA32_FEATURE_CONTROL setup
# changed. It runs "rdmsr; or eax, 5; wrmsr" (lock, VMXON outside SMX) once
# in 16-bit and once in 32-bit code; FIRMWARE says what it does instead:
#   vmx-off     "or eax, 1": locks VMX off, as firmware with VT-x disabled
#   os-locks    no wrmsr: leaves the MSR unlocked, Linux locks it at boot.
#               Bochs keeps the MSR locked across a reset, and its BIOS then
#               faults on that write: this BIOS survives a reboot.
# Fails unless each sequence occurs exactly once.
bochs_bios() {
	python3 - "$1" /usr/share/bochs/BIOS-bochs-latest "$2" <<-'EOF'
	import sys
	how, src, dst = sys.argv[1:]
	d = open(src, 'rb').read()
	for s in (b'\x0f\x32\x66\x83\xc8\x05\x0f\x30', b'\x0f\x32\x83\xc8\x05\x0f\x30'):
	    if d.count(s) != 1:
	        sys.exit('unexpected Bochs BIOS: ' + s.hex())
	    if how == 'vmx-off':
	        new = s.replace(b'\xc8\x05', b'\xc8\x01')
	    elif how == 'os-locks':
	        new = s[:-2] + b'\x90\x90'
	    else:
	        sys.exit('unknown firmware ' + how)
	    d = d.replace(s, new)
	open(dst, 'wb').write(d)
	EOF
}

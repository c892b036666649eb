# SPDX-License-Identifier: GPL-2.0
# Shared settings for rtemu's scripts. Sourced, not run.

RTEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RTEMU_CACHE=${RTEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtemu}

# Pinned toolchain. Changing any of these changes the kernel cache key.
KERNEL_SERIES=7.3
LLVM_SUFFIX=-22
BINDGEN_VERSION=0.73.2
VIRTME_NG_VERSION=1.42
# virtme-ng shares the host's root with the guest through it (else 9p, uncached).
VIRTIOFSD_VERSION=1.14.0
# Real routing-table-derived prefixes (RouteViews + RIR data, CC BY 4.0).
ASN_DATA_PACKAGE=@ip-location-db/asn@2.3.2026061719

RTEMU_TOOLS=$RTEMU_CACHE/tools
RTEMU_VENV=$RTEMU_CACHE/venv
KERNEL_SRC_DIR=$RTEMU_CACHE/src
BINDGEN=$RTEMU_TOOLS/bin/bindgen
VIRTIOFSD=$RTEMU_TOOLS/bin/virtiofsd
ASN_DATA_DIR=$RTEMU_CACHE/data/asn

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The kernel source tree (extracted once, shared by every flavour).
kernel_src() {
	local d
	d=$(ls -d "$KERNEL_SRC_DIR"/linux-source-"$KERNEL_SERIES" 2>/dev/null) || return 1
	printf '%s\n' "$d"
}

# Make variables for building the kernel and out-of-tree modules with the
# Debian LLVM and rustc-web toolchain, for ARCH x86 (default) or um.
#
# UML compiles Rust with -Crelocation-model=pie, whose GOT-relative
# relocations (R_X86_64_GOTPCREL) the x86 module loader that UML uses refuses
# ("Unknown rela relocation: 9"); -Crelocation-model=static overflows
# R_X86_64_32S instead. Direct access to external data leaves only the PC32,
# PLT32 and 64-bit relocations the loader handles.
#
# UML compiles C with -mcmodel=large, where clang puts all data in .ldata
# and .lbss (a large-data threshold of 0), sections UML's linker script
# leaves outside _sdata.._edata and __bss_start..__bss_stop. Lockdep then
# takes static lock keys for dynamic ones ("bad unlock balance" at boot,
# which turns lockdep off) and kmemleak scans none of that data. A
# threshold above any object keeps data in .data and .bss (the vDSO, built
# with the small code model, ignores it).
kmake_vars() {
	if [ "${1:-x86}" = um ]; then
		printf '%s\n' ARCH=um RUSTFLAGS_MODULE=-Zdirect-access-external-data=yes \
			"KCFLAGS=-mlarge-data-threshold=2147483647 -Wno-unused-command-line-argument"
	fi
	printf '%s\n' \
		"LLVM=$LLVM_SUFFIX" \
		"RUSTC=/usr/bin/rustc" \
		"HOSTRUSTC=/usr/bin/rustc" \
		"RUSTDOC=/usr/bin/rustdoc" \
		"RUST_LIB_SRC=$(rust_lib_src)" \
		"BINDGEN=$BINDGEN"
}

# The ARCH of a configured kernel build tree: um or x86.
kdir_arch() {
	if grep -qx 'CONFIG_UML=y' "$1/.config" 2>/dev/null; then echo um; else echo x86; fi
}

rust_lib_src() {
	local d
	d=$(ls -d /usr/src/rustc-*/library 2>/dev/null | sort -V | tail -n1)
	printf '%s\n' "${d:-/usr/src/rustc-1.96.0/library}"
}

# The kernel build wants Debian's rustc, not rustup's, first on PATH.
kernel_env() {
	export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$RTEMU_TOOLS/bin:$PATH
	export LIBCLANG_PATH=/usr/lib/llvm${LLVM_SUFFIX}/lib
}

# The two places the in-kernel tests and benchmarks run (see README, "Where
# the kernel runs"): uml, User-Mode Linux as a host process (native speed;
# the default), and vm, an x86-64 kernel under virtme-ng (TCG here).
check_env() {
	case $1 in
	uml|vm) ;;
	*) die "unknown environment '$1' (uml or vm)" ;;
	esac
}

# The kernel flavour of ENV for KIND (debug or perf).
env_flavour() {
	check_env "$1"
	if [ "$1" = uml ]; then echo "um-$2"; else echo "$2"; fi
}

# The runner of ENV: scripts/uml-run.sh or scripts/vm-run.sh. Both take
#   RUNNER [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND...
# and share these promises: a timeout on every boot, the command's exit
# status back (124 on timeout, 125 when the guest gave none), output
# streamed, no standard input needed.
env_runner() {
	check_env "$1"
	if [ "$1" = uml ]; then
		echo "$RTEMU_ROOT/scripts/uml-run.sh"
	else
		echo "$RTEMU_ROOT/scripts/vm-run.sh"
	fi
}

# Runs COMMAND in a guest of ENV booted from KERNEL_BUILD_DIR:
#   env_run ENV [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND...
env_run() {
	local runner
	runner=$(env_runner "$1") || exit 1
	shift
	"$runner" "$@"
}

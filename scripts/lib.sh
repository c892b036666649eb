# SPDX-License-Identifier: GPL-2.0
# Shared settings for rtemu's scripts. Sourced, not run.

RTEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RTEMU_CACHE=${RTEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rtemu}

# Pinned toolchain. Changing any of these changes the kernel cache key.
KERNEL_SERIES=7.3
LLVM_SUFFIX=-22
BINDGEN_VERSION=0.73.2
VIRTME_NG_VERSION=1.42
# Real routing-table-derived prefixes (RouteViews + RIR data, CC BY 4.0).
ASN_DATA_PACKAGE=@ip-location-db/asn@2.3.2026061719

RTEMU_TOOLS=$RTEMU_CACHE/tools
RTEMU_VENV=$RTEMU_CACHE/venv
KERNEL_SRC_DIR=$RTEMU_CACHE/src
BINDGEN=$RTEMU_TOOLS/bin/bindgen
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
# Debian LLVM and rustc-web toolchain.
kmake_vars() {
	printf '%s\n' \
		"LLVM=$LLVM_SUFFIX" \
		"RUSTC=/usr/bin/rustc" \
		"HOSTRUSTC=/usr/bin/rustc" \
		"RUSTDOC=/usr/bin/rustdoc" \
		"RUST_LIB_SRC=$(rust_lib_src)" \
		"BINDGEN=$BINDGEN"
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

# SPDX-License-Identifier: GPL-2.0
# Shared settings for rtemu's scripts. Sourced, not run.

# The physical path: a guest sees the host's directories, not our symlinks.
RTEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
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
# A real BGP full table (nested prefixes), vendored with its licence and
# provenance: tools/rtemu-bench/data/README.md.
BGP_DATA_FILE=$RTEMU_ROOT/tools/rtemu-bench/data/bgp-full-table.txt.gz

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
	guest_paths_check "$1"
}

# Refuses, before any build, a tree or cache path the guest of ENV cannot be
# given. UML: the paths cross the kernel's command line, which takes a value
# with spaces in double quotes but cannot carry a double quote. virtme-ng
# passes --cwd and --rwdir to its guest unquoted.
guest_paths_check() {
	local dir
	for dir in "$RTEMU_ROOT" "$RTEMU_CACHE"; do
		case $1 in
		uml)
			case $dir in
			*'"'* | *$'\n'* | *$'\t'*)
				die "User-Mode Linux cannot be given the path '$dir' (a double quote, tab or newline in it): clone to a path without one, or set RTEMU_CACHE to one" ;;
			esac ;;
		vm)
			case $dir in
			*[[:space:]\"\'\\]*)
				die "virtme-ng cannot give its guest the path '$dir' (a space or a quote in it): clone to a path without one, or set RTEMU_CACHE to one (make check, under User-Mode Linux, takes any path)" ;;
			esac ;;
		esac
	done
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

# Long steps (kernel and tool builds, installs) are quiet: their whole
# output goes to a log under $RTEMU_CACHE/logs, and the terminal gets one
# line for each, with its elapsed time and, where the step can tell, its
# progress: redrawn in place on a terminal, a plain line every three minutes
# otherwise.
# On failure, the log's last 40 lines and its path. RTEMU_VERBOSE=1 (or
# `make V=1`) shows the whole output instead, as Kbuild does.
RTEMU_LOGS=$RTEMU_CACHE/logs

# new_log NAME: an empty log $RTEMU_LOGS/NAME.log for this run; prints its path.
new_log() {
	mkdir -p "$RTEMU_LOGS"
	: >"$RTEMU_LOGS/$1.log"
	echo "$RTEMU_LOGS/$1.log"
}

verbose() { [ "${RTEMU_VERBOSE:-0}" != 0 ] || [ "${V:-0}" != 0 ]; }

# run_logged LABEL LOG PROGRESS COMMAND...
# The output is added to LOG. PROGRESS names a function that prints the progress read from LOG (its
# one argument), or is - for elapsed time alone.
run_logged() {
	local label=$1 logfile=$2 progress=$3
	shift 3
	mkdir -p "$(dirname "$logfile")"
	if verbose; then
		log "$label (also in $logfile)"
		local st
		# The step's status, not tee's, with or without the caller's pipefail.
		{ "$@" 2>&1 </dev/null | tee -a "$logfile" >&2; st=${PIPESTATUS[0]}; } || true
		return "$st"
	fi
	local start=$SECONDS tty=0 every=180 pid st=0 text last=$SECONDS cols=0
	if [ -t 2 ]; then
		tty=1 every=1
		# A line longer than the terminal would wrap, and only its last
		# row be redrawn.
		cols=$(stty size <&2 2>/dev/null | cut -d' ' -f2) || true
		[ "${cols:-0}" -gt 20 ] 2>/dev/null || cols=80
	fi
	"$@" </dev/null >>"$logfile" 2>&1 &
	pid=$!
	# A TERM or Ctrl-C to us stops the step too; the caller's traps come back
	# after.
	local traps
	traps=$(trap -p TERM INT)
	trap 'kill -TERM '"$pid"' 2>/dev/null; exit 143' TERM
	trap 'kill -TERM '"$pid"' 2>/dev/null; exit 130' INT
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		[ $((SECONDS - last)) -ge "$every" ] || continue
		last=$SECONDS
		text=""
		[ "$progress" = - ] || text=$("$progress" "$logfile" 2>/dev/null || true)
		text=$(printf '%s: %s%s' "$label" "${text:+$text, }" "$(elapsed $((SECONDS - start)))")
		if [ $tty = 1 ]; then
			text="[$(date +%H:%M:%S)] $text"
			printf '\r\033[K%s' "${text:0:$((cols - 1))}" >&2
		else
			log "$text"
		fi
	done
	wait "$pid" || st=$?
	trap - TERM INT
	eval "$traps"
	[ $tty = 0 ] || printf '\r\033[K' >&2
	if [ "$st" = 0 ]; then
		log "$label: done in $(elapsed $((SECONDS - start)))"
		return 0
	fi
	log "$label: failed (exit $st) after $(elapsed $((SECONDS - start))); the last 40 lines of $logfile:"
	tail -n 40 "$logfile" >&2
	log "$label: failed; the whole output is in $logfile"
	return "$st"
}

elapsed() {
	if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

# Progress of a Kbuild log: the objects compiled so far, of about as many
# as the last build of the same flavour compiled ($KBUILD_OBJECTS_EXPECTED).
kbuild_objects() { grep -cE '^  (CC|AS|RUSTC)( \[M\]| L| P)? +\S+\.o$' "$1"; }
kbuild_progress() {
	local done
	done=$(kbuild_objects "$1")
	if [ "${KBUILD_OBJECTS_EXPECTED:-0}" -gt 0 ] && [ "$done" -le "$KBUILD_OBJECTS_EXPECTED" ]; then
		printf '%d of about %d objects (%d%%)' "$done" "$KBUILD_OBJECTS_EXPECTED" $((done * 100 / KBUILD_OBJECTS_EXPECTED))
	else
		printf '%d objects' "$done"
	fi
}

# build_guest_tools [--release]: the programs of tools/ the guest runs, the
# debug rtemuctl and wasix_routes, and with --release the released rtemuctl
# and rtemu-fuzz, quiet (run_logged) into the log tools.log.
build_guest_tools() {
	local manifest=$RTEMU_ROOT/tools/Cargo.toml what="rtemuctl and wasix_routes" release=:
	if [ "${1:-}" = --release ]; then
		what="rtemuctl, rtemu-fuzz and wasix_routes"
		release="cargo build --locked --release --manifest-path '$manifest' -p rtemuctl -p rtemu-fuzz"
	fi
	run_logged "tools: cargo build $what" "$(new_log tools)" cargo_progress bash -c "
		cargo build --locked --manifest-path '$manifest' -p rtemuctl &&
		cargo build --locked --manifest-path '$manifest' -p rtemu-wasix --example wasix_routes &&
		$release"
}

# The target directory of tools/rtemu-wasix-run (wasmer: ~440 crates, 1.4 GB):
# outside the clone, keyed by the hash of the crate's own lockfile, so clones
# with the same lockfile share it and a changed lockfile starts anew.
wasix_run_target() {
	local key
	key=$(sha256sum "$RTEMU_ROOT/tools/rtemu-wasix-run/Cargo.lock" | cut -c1-16)
	echo "$RTEMU_CACHE/wasix-run/$key"
}

# Progress of a cargo log: the crates compiled so far.
cargo_progress() { printf '%d crates compiled' "$(grep -cE '^ *Compiling ' "$1")"; }

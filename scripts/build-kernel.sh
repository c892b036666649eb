#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the Rust-enabled test kernel of one flavour and print the
# build directory on standard output.
#
#   scripts/build-kernel.sh [debug|perf|um-debug|um-perf]
#   scripts/build-kernel.sh --cached FLAVOUR   print the build directory if
#                                              it is built, else fail; build nothing
#
# debug and perf are x86-64 kernels for virtme-ng (scripts/vm-run.sh); the
# um- flavours are User-Mode Linux kernels that run as a host process
# (scripts/uml-run.sh). Each flavour is its fragments, below, on tinyconfig.
#
# The um- flavours build a copy of the source with the patches of
# scripts/kernel-patches/um applied (see its README).
#
# The build lives under $RTEMU_CACHE/kernel/, keyed by the kernel source
# version, the patches, the config fragments and the compiler versions, so a
# later run on the same machine reuses it. RTEMU_KERNEL_JOBS overrides the
# job count.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Callers read the build directory from standard output, so only that goes
# there (fd 3); everything else, the kernel's own build output included
# (UML's "LINK linux" is printed even by make -s), goes to standard error.
exec 3>&1 1>&2
print_out() { echo "$out" >&3; }

cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
flavour=${1:-debug}
# Bump when the recipe below changes in a way that changes the kernel.
RECIPE=2

case $flavour in
debug|perf) arch=x86 image=bzImage base=vm.config ;;
um-debug|um-perf) arch=um image=linux base=uml.config ;;
*) die "unknown kernel flavour '$flavour' (debug, perf, um-debug, um-perf)" ;;
esac
fragments=(
	"$RTEMU_ROOT/scripts/kconfig/$base"
	"$RTEMU_ROOT/selftests/config"
	"$RTEMU_ROOT/selftests/config.$flavour"
)
for f in "${fragments[@]}"; do [ -f "$f" ] || die "no config fragment $f"; done
patches=()
[ "$arch" = x86 ] || patches=("$RTEMU_ROOT"/scripts/kernel-patches/um/*.patch)

src=$(kernel_src) || die "no kernel source: run scripts/setup.sh"
kernel_env
mapfile -t vars < <(kmake_vars "$arch")

key=$( {
	echo "recipe $RECIPE"
	cat "$KERNEL_SRC_DIR/VERSION"
	cat "${fragments[@]}"
	[ ${#patches[@]} -eq 0 ] || cat "${patches[@]}"
	/usr/bin/rustc --version
	"clang$LLVM_SUFFIX" --version | head -n1
	"$BINDGEN" --version
	# Kconfig records pahole's version (CONFIG_PAHOLE_VERSION), and pahole
	# encodes BTF where a fragment asks for it; Kbuild warns on a module
	# built with another pahole.
	pahole --version 2>/dev/null || echo "no pahole"
	# UML adds compiler flags of its own to the toolchain above.
	[ "$arch" = x86 ] || printf '%s\n' "${vars[@]}"
} | sha256sum | cut -c1-16)
out=$RTEMU_CACHE/kernel/$KERNEL_SERIES-$flavour-$key

if [ -f "$out/.rtemu-built" ]; then
	log "kernel $flavour: cached at $out"
	print_out
	exit 0
fi
[ "$cached_only" = 0 ] || exit 1

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ -f "$out/.rtemu-built" ]; then
	print_out
	exit 0
fi

# The patched source: hard links to the pristine tree, except the files the
# patches change (patch writes those anew, so the pristine tree is untouched).
if [ ${#patches[@]} -gt 0 ]; then
	patched=$src+$(cat "${patches[@]}" | sha256sum | cut -c1-16)
	exec 8>"$patched.lock"
	flock 8
	if [ ! -f "$patched/.rtemu-patched" ]; then
		log "kernel $flavour: patching a copy of the source in $patched"
		rm -rf "$patched"
		cp -al "$src" "$patched"
		for p in "${patches[@]}"; do
			patch -d "$patched" -p1 --quiet --no-backup-if-mismatch <"$p" ||
				die "$p does not apply to $src"
		done
		touch "$patched/.rtemu-patched"
	fi
	exec 8>&-
	src=$patched
fi

kbuild() { make -C "$src" O="$out" "${vars[@]}" "$@"; }
kmake() { kbuild -s "$@"; }
logfile=$(new_log "kernel-$(basename "$out")")

log "kernel $flavour: checking the Rust toolchain"
rustavailable=$(kmake rustavailable 2>&1) || true
printf '%s\n' "$rustavailable" >>"$logfile"
grep -q "Rust is available!" <<<"$rustavailable" || {
	printf '%s\n' "$rustavailable"
	die "the kernel does not accept the Rust toolchain"
}

configure() {
	kmake tinyconfig &&
	"$src/scripts/config" --file "$out/.config" -e 64BIT &&
	kmake olddefconfig &&
	cat "${fragments[@]}" >>"$out/.config" &&
	kmake olddefconfig
}
run_logged "kernel $flavour: configure" "$logfile" - configure

# olddefconfig silently drops options whose dependencies fail (CONFIG_RUST
# above all, when the toolchain check fails): insist on every one we asked for.
missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) opt=${line%=n}
		grep -q "^$opt=" "$out/.config" && missing+=("$line") ;;
	CONFIG_*=*) grep -qx "$line" "$out/.config" || missing+=("$line") ;;
	esac
done < <(cat "${fragments[@]}")
[ ${#missing[@]} -eq 0 ] || die "options lost by olddefconfig: ${missing[*]}"

# How many objects a build compiles, for the progress line: the count of the
# last build of this flavour on this machine, else the debug flavours'
# counts at 7.3.4 (the perf flavours compile about as many).
case $flavour in
debug|perf) KBUILD_OBJECTS_EXPECTED=1610 ;;
um-debug|um-perf) KBUILD_OBJECTS_EXPECTED=795 ;;
esac
counted=$RTEMU_CACHE/kernel/$flavour.objects
[ -s "$counted" ] && KBUILD_OBJECTS_EXPECTED=$(cat "$counted")
export KBUILD_OBJECTS_EXPECTED

jobs=${RTEMU_KERNEL_JOBS:-$(($(nproc) + 1))}
verbosity=()
verbose && verbosity=(V=1)
log "kernel $flavour: building $image and modules with -j$jobs, 6 to 20 minutes (the output: $logfile)"
run_logged "kernel $flavour" "$logfile" kbuild_progress \
	kbuild "${verbosity[@]}" -j"$jobs" "$image" modules
kbuild_objects "$logfile" >"$counted" || true
log "kernel $flavour: built in $out"
touch "$out/.rtemu-built"
print_out

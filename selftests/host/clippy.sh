#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Clippy on the kernel crates (rtemu, the KUnit suites, the lookup benchmark)
# as the kernel's `make CLIPPY=1` runs it: the kernel's lints plus Kbuild's
# denied unsafe lints, and any warning fails. It builds a copy of the
# sources against KDIR (default: the cached um-debug kernel), so the tree's
# own build is left alone; the benchmark's FIB symbols are exported only by
# the perf kernels, so modpost's undefined symbols are warnings here.
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-$("$root/scripts/build-kernel.sh" --cached um-debug 2>/dev/null)}
[ -f "$kdir/Makefile" ] || { echo "# FAIL: no kernel build tree at '$kdir'"; exit 1; }
clippy=/usr/bin/clippy-driver
[ -x "$clippy" ] || { echo "# FAIL: no $clippy (scripts/setup.sh installs rust-web-clippy)"; exit 1; }
rustc_v=$(/usr/bin/rustc --version)
clippy_v=$("$clippy" --rustc --version)
if [ "$clippy_v" = "$rustc_v" ]; then
	ok "clippy-driver matches the kernel's rustc ($rustc_v)"
else
	fail "clippy-driver is for '$clippy_v', the kernel is built with '$rustc_v'"
fi

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# The sources only (tracked, or new and not ignored): copied build products
# could look up to date, and clippy would not run.
git -C "$root" ls-files -z --cached --others --exclude-standard -- Kbuild rust include selftests |
	(cd "$root" && xargs -0 cp --parents -t "$t")
kernel_env
mapfile -t vars < <(kmake_vars "$(kdir_arch "$kdir")")
log=$t/clippy.log
if make -C "$kdir" M="$t" "${vars[@]}" CLIPPY=1 CLIPPY_DRIVER="$clippy" KBUILD_MODPOST_WARN=1 \
	RTEMU_KUNIT=1 RTEMU_BENCH=1 modules >"$log" 2>&1; then
	ok "make CLIPPY=1 builds rtemu, rtemu_kunit and rtemu_bench"
else
	fail "make CLIPPY=1 failed:"
	grep -E -A12 '^(error|warning)' "$log" | head -n 60 | sed 's/^/#   /'
	[ "$fails" -gt 0 ] && exit 1
fi
# Rust diagnostics start a line; the C compiler's start with a file name.
n=$(grep -cE '^(warning|error)(\[|:)' "$log")
if [ "$n" -eq 0 ]; then
	ok "clippy reports nothing"
else
	fail "clippy reports $n diagnostics:"
	grep -E -A12 '^(warning|error)(\[|:)' "$log" | head -n 60 | sed 's/^/#   /'
fi
[ "$fails" -eq 0 ]

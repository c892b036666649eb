#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Formatting: the kernel crates (rust/, generated rust/uapi.rs included, and
# the lookup benchmark) with the kernel's own .rustfmt.toml, as
# `make rustfmtcheck` would; the tools workspace and tools/rtemu-wasix-run
# with cargo fmt.
. "$(dirname "$0")/lib.sh"

src=$(kernel_src) || { echo "# FAIL: no kernel source (scripts/setup.sh)"; exit 1; }
command -v rustfmt >/dev/null || { echo "# FAIL: no rustfmt (rustup component add rustfmt)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# rustfmt follows the crate root's `mod` items to every file of the crate.
if rustfmt --config-path "$src/.rustfmt.toml" --edition 2021 --check \
	"$root/rust/rtemu_main.rs" "$root/rust/rtemu_kunit.rs" "$root/selftests/bench/rtemu_bench.rs" >"$out" 2>&1; then
	ok "rust/ and selftests/bench/ are formatted with the kernel's .rustfmt.toml"
else
	fail "the kernel crates are not formatted (rustfmt --config-path $src/.rustfmt.toml rust/rtemu_main.rs rust/rtemu_kunit.rs selftests/bench/rtemu_bench.rs):"
	sed 's/^/#   /' "$out" | head -n 40
fi
if cargo fmt --manifest-path "$root/tools/Cargo.toml" --all --check >"$out" 2>&1; then
	ok "tools/ is formatted (cargo fmt)"
else
	fail "tools/ is not formatted (cargo fmt --manifest-path tools/Cargo.toml --all):"
	sed 's/^/#   /' "$out" | head -n 40
fi
# A workspace of its own (wasmer's build is kept out of tools/'s).
if cargo fmt --manifest-path "$root/tools/rtemu-wasix-run/Cargo.toml" --check >"$out" 2>&1; then
	ok "tools/rtemu-wasix-run is formatted (cargo fmt)"
else
	fail "tools/rtemu-wasix-run is not formatted (cargo fmt --manifest-path tools/rtemu-wasix-run/Cargo.toml):"
	sed 's/^/#   /' "$out" | head -n 40
fi
[ $fails -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generate everything that follows from the YNL spec include/rtemu.yaml:
#   include/uapi/linux/rtemu.h       the UAPI header        (kernel's ynl_gen_c.py)
#   rust/rtemu_nl_gen.{c,h}          policies, op table, family (ynl_gen_c.py)
#   rust/uapi.rs                     constants and enums for the Rust module (scripts/ynl_gen_rust.py)
#   rust/nl_msgs.rs                  the messages the Rust module writes (ynl_gen_rust.py)
# and what is not in the spec but shared with C headers:
#   rust/c_consts.rs                 hook and tracepoint kinds, struct rtentry layout (scripts/c_consts_rust.py)
#   tools/rtemu/src/proto.rs         the userspace library's protocol module (ynl_gen_rust.py)
#
#   scripts/ynl-regen.sh           regenerate in place
#   scripts/ynl-regen.sh --check   fail if any generated file differs (drift)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=write
[ "${1:-}" = --check ] && mode=check

src=$(kernel_src) || die "no kernel source: run scripts/setup.sh"
py=$RTEMU_VENV/bin/python
gen=$src/tools/net/ynl/pyynl/ynl_gen_c.py

# ynl_gen_c.py finds the tree root by its MAINTAINERS file and the schema two
# levels above the spec; give it a small tree of that shape.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree/include" "$work/out/include/uapi/linux" "$work/out/rust" \
	"$work/out/tools/rtemu/src"
: >"$work/tree/MAINTAINERS"
cp "$RTEMU_ROOT/include/rtemu.yaml" "$work/tree/include/rtemu.yaml"
ln -s "$src/Documentation/netlink/genetlink.yaml" "$work/tree/genetlink.yaml"
spec=$work/tree/include/rtemu.yaml

"$py" "$gen" --mode uapi --header --spec "$spec" -o "$work/out/include/uapi/linux/rtemu.h"
"$py" "$gen" --mode kernel --source --spec "$spec" -o "$work/out/rust/rtemu_nl_gen.c"
"$py" "$gen" --mode kernel --header --spec "$spec" -o "$work/out/rust/rtemu_nl_gen.h"
"$py" "$RTEMU_ROOT/scripts/ynl_gen_rust.py" --mode kernel "$spec" >"$work/out/rust/uapi.rs"
# Formatted as the kernel formats its Rust.
"$py" "$RTEMU_ROOT/scripts/ynl_gen_rust.py" --mode kernel-msgs "$spec" |
	rustfmt --config-path "$src/.rustfmt.toml" --edition 2021 >"$work/out/rust/nl_msgs.rs"
# The constants the module shares with its C headers.
"$py" "$RTEMU_ROOT/scripts/c_consts_rust.py" "$RTEMU_ROOT" |
	rustfmt --config-path "$src/.rustfmt.toml" --edition 2021 >"$work/out/rust/c_consts.rs"
# Formatted as cargo fmt checks the tools workspace (edition 2021, defaults).
"$py" "$RTEMU_ROOT/scripts/ynl_gen_rust.py" --mode user "$spec" |
	rustfmt --edition 2021 >"$work/out/tools/rtemu/src/proto.rs"

# kmemleak does not scan a module's __ro_after_init section, so the
# xarray genetlink hangs off the family would be reported as leaked while the
# module is loaded: keep the family in ordinary data.
sed -i 's/^struct genl_family rtemu_nl_family __ro_after_init = {/struct genl_family rtemu_nl_family = {/' "$work/out/rust/rtemu_nl_gen.c"
# The tool names its own regeneration script; name ours.
sed -i 's|tools/net/ynl/ynl-regen.sh|scripts/ynl-regen.sh|' "$work"/out/include/uapi/linux/rtemu.h "$work"/out/rust/rtemu_nl_gen.[ch]

files=(include/uapi/linux/rtemu.h rust/rtemu_nl_gen.c rust/rtemu_nl_gen.h rust/uapi.rs
	rust/nl_msgs.rs rust/c_consts.rs tools/rtemu/src/proto.rs)
status=0
for f in "${files[@]}"; do
	if [ $mode = check ]; then
		if ! diff -u "$RTEMU_ROOT/$f" "$work/out/$f"; then
			log "drift: $f differs from what its sources generate (include/rtemu.yaml, or the C headers for rust/c_consts.rs; run make regen)"
			status=1
		fi
	else
		cp "$work/out/$f" "$RTEMU_ROOT/$f"
	fi
done
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make docs:
#   tools/target/doc/         the tools workspace's API docs (cargo doc --no-deps)
#   build/doc/module/         the module's own docs, private items included
#   docs/uapi/rtemu.rst       the UAPI reference, generated from include/rtemu.yaml
#                             by the kernel's ynl_gen_rst.py (committed)
#
# Linux 7.3's `make rustdoc` exists only for the kernel's own crates (it is not
# defined for M= builds), so the module's crate is documented here with
# rustdoc and the exact flags Kbuild compiled it with (rust/.rtemu_main.o.cmd).
#
#   scripts/docs.sh               everything above
#   scripts/docs.sh uapi          only the UAPI reference
#   scripts/docs.sh --check-uapi  fail if docs/uapi/rtemu.rst drifted from the spec
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-all}
uapi_doc=docs/uapi/rtemu.rst

gen_uapi() {
	local out=$1 src py
	src=$(kernel_src) || die "no kernel source: run scripts/setup.sh"
	py=$RTEMU_VENV/bin/python
	[ -x "$py" ] || py=python3
	# Run from the tree so that the spec's path, not an absolute one, is what
	# the tool sees.
	(cd "$RTEMU_ROOT" && "$py" "$src/tools/net/ynl/pyynl/ynl_gen_rst.py" -i include/rtemu.yaml -o "$out")
}

if [ "$mode" = --check-uapi ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	gen_uapi "$work/rtemu.rst"
	if ! diff -u "$RTEMU_ROOT/$uapi_doc" "$work/rtemu.rst"; then
		log "drift: $uapi_doc differs from what include/rtemu.yaml generates (run make docs)"
		exit 1
	fi
	exit 0
fi

mkdir -p "$RTEMU_ROOT/docs/uapi"
gen_uapi "$RTEMU_ROOT/$uapi_doc"
log "docs: $uapi_doc"
[ "$mode" = uapi ] && exit 0

cargo doc --quiet --no-deps --locked --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" --workspace
log "docs: tools/target/doc/{rtemu,rtemuctl,rtemu_trie}/index.html"

# The module's Kbuild command line, from its last build (built now if it
# never was). rustdoc reads the sources themselves.
cmdfile=$RTEMU_ROOT/rust/.rtemu_main.o.cmd
[ -f "$cmdfile" ] || "$RTEMU_ROOT/scripts/build-module.sh" modules >/dev/null
cmd=$(sed -n 's/^savedcmd_rust\/rtemu_main\.o := //p' "$cmdfile")
[ -n "$cmd" ] || die "no rustc command in $cmdfile"
rustc=$(grep -oE '[^ ]*/rustc ' <<<"$cmd" | head -n1)
[ -n "$rustc" ] || die "no rustc in $cmdfile"
cmd=${cmd/"$rustc"/"${rustc%rustc }rustdoc "}
# rustdoc takes rustc's flags except the outputs and the crate type.
cmd=$(sed -E 's/ --emit=[^ ]+//g; s/ --out-dir [^ ]+//; s/ -Zbinary_dep_depinfo=y//; s/ --crate-type [^ ]+//' <<<"$cmd")
out=$RTEMU_ROOT/build/doc/module
rm -rf "$out"
mkdir -p "$out"
# As the kernel's own rustdoc rule: target modifiers (fixed-x18, sanitizer)
# are not recorded by rustdoc.
(cd "$RTEMU_ROOT" && export RUSTC_BOOTSTRAP=1 && eval "$cmd --output '$out' --document-private-items \
	-Cunsafe-allow-abi-mismatch=fixed-x18,sanitizer")
[ -f "$out/rtemu_main/index.html" ] || die "rustdoc wrote no $out/rtemu_main/index.html"
log "docs: build/doc/module/rtemu_main/index.html"

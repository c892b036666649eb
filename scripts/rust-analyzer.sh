#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make rust-analyzer: write rust-project.json at the top of the tree so that
# rust-analyzer understands the module's crates (rust/rtemu_main.rs and the
# KUnit crate rust/rtemu_kunit.rs) against KDIR's kernel, core and pin-init.
#
# The kernel's own `make M=... rust-analyzer` (7.3) lists the kernel's crates
# for an external module but finds a module's crate roots only next to the
# Kbuild file that names them; ours names rust/*.o from the top, so the
# module's crates are added here, the way the kernel's script adds
# samples/drivers crates (same deps, cfgs and edition).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-}
[ -n "$kdir" ] || kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "${FLAVOUR:-debug}")
[ -f "$kdir/Makefile" ] || die "KDIR=$kdir is not a kernel build tree"
kernel_env
mapfile -t vars < <(kmake_vars)
out=$RTEMU_ROOT/rust-project.json
rm -f "$out"
make -s -C "$kdir" M="$RTEMU_ROOT" "${vars[@]}" rust-analyzer
[ -s "$out" ] || die "make rust-analyzer wrote no $out"

# The Rust crate roots: objects named in Kbuild whose .rs exists.
roots=()
for o in $(grep -oE '[A-Za-z0-9_/]+\.o' "$RTEMU_ROOT/Kbuild" | sort -u); do
	[ -f "$RTEMU_ROOT/${o%.o}.rs" ] && roots+=("$RTEMU_ROOT/${o%.o}.rs")
done
[ ${#roots[@]} -gt 0 ] || die "no Rust crate root found in Kbuild"

python3 - "$out" "$kdir" "${roots[@]}" <<'PY'
import json, os, sys
out, objtree, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out) as f:
    project = json.load(f)
crates = project["crates"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
with open(os.path.join(objtree, "include", "generated", "rustc_cfg")) as f:
    cfg = [l.strip().replace("--cfg=", "") for l in f if l.strip()]
deps = [{"crate": index[n], "name": n}
        for n in ("core", "kernel", "pin_init", "zerocopy", "zerocopy_derive") if n in index]
have = {os.path.realpath(c["root_module"]) for c in crates}
for root in roots:
    if os.path.realpath(root) in have:
        continue
    crates.append({
        "display_name": os.path.splitext(os.path.basename(root))[0],
        "root_module": os.path.realpath(root),
        "is_workspace_member": True,
        "deps": deps,
        "cfg": cfg,
        "edition": "2021",
        "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
    })
with open(out, "w") as f:
    json.dump(project, f, sort_keys=True, indent=4)
    f.write("\n")
PY
log "rust-analyzer: $out (${#roots[@]} module crates against $kdir)"

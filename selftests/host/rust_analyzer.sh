#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make rust-analyzer writes a rust-project.json whose crate roots all exist,
# which lists the kernel, core and pin-init crates, and whose module crates
# (every Rust crate root Kbuild names) depend on them.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if ! make -s -C "$root" rust-analyzer >"$log" 2>&1; then
	echo "# FAIL: make rust-analyzer"
	sed 's/^/#   /' "$log"
	exit 1
fi
python3 - "$root" <<'PY'
import json, os, re, sys
root = sys.argv[1]
fails = 0
def check(cond, what):
    global fails
    print(("# ok: " if cond else "# FAIL: ") + what)
    fails += not cond
try:
    with open(os.path.join(root, "rust-project.json")) as f:
        project = json.load(f)
except (OSError, ValueError) as e:
    print(f"# FAIL: rust-project.json: {e}")
    sys.exit(1)
crates = project.get("crates", [])
check(len(crates) > 0, f"rust-project.json lists {len(crates)} crates")
missing = [c["root_module"] for c in crates if not os.path.isfile(c["root_module"])]
check(not missing, "every crate root exists" + (f" (missing: {missing[:5]})" if missing else ""))
names = {c["display_name"]: i for i, c in enumerate(crates)}
for want in ("kernel", "core", "pin_init"):
    check(want in names, f"crate {want} listed")
check(os.path.isdir(project.get("sysroot", "")), f"sysroot {project.get('sysroot')} exists")
kbuild = open(os.path.join(root, "Kbuild")).read()
wanted = sorted({os.path.join(root, o[:-2] + ".rs") for o in re.findall(r"[\w/]+\.o", kbuild)
                 if os.path.isfile(os.path.join(root, o[:-2] + ".rs"))})
check(len(wanted) > 0, f"Kbuild names Rust crate roots: {[os.path.relpath(w, root) for w in wanted]}")
by_root = {os.path.realpath(c["root_module"]): c for c in crates}
for w in wanted:
    c = by_root.get(os.path.realpath(w))
    rel = os.path.relpath(w, root)
    if c is None:
        check(False, f"module crate {rel} listed")
        continue
    deps = {d["name"] for d in c["deps"]}
    check({"kernel", "core", "pin_init"} <= deps, f"{rel} depends on kernel, core, pin_init ({sorted(deps)})")
    check(any(x.startswith("CONFIG_RUST") for x in c["cfg"]), f"{rel} has the kernel's cfgs")
sys.exit(1 if fails else 0)
PY

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No module of the kernel crate depends on itself through others: the
# modules of rust/ (crate roots aside) and the `crate::` paths between them
# form a graph without cycles. Prints the layers, leaves first.
. "$(dirname "$0")/lib.sh"

# Modules in subdirectories (and their `super::` paths) are not read here.
nested=$(find "$root/rust" -mindepth 2 -name '*.rs')
[ -z "$nested" ] || { echo "# FAIL: nested modules, which this check does not read: $nested"; exit 1; }
python3 - "$root"/rust/*.rs <<'PY'
import os, re, sys

roots = {"rtemu_main", "rtemu_kunit"}
files = {os.path.basename(p)[:-3]: p for p in sys.argv[1:]}
mods = set(files) - roots

def deps_of(text):
    text = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", text), flags=re.S)
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)\b", text))
    # `use crate::{a, b::{c, d}}`: the names at the top level of the braces.
    for group in re.findall(r"\bcrate::\{(.*?)\};", text, re.S):
        while re.search(r"\{[^{}]*\}", group):
            group = re.sub(r"\{[^{}]*\}", "", group)
        found |= {n.strip().split("::")[0] for n in group.split(",")}
    return found

graph = {m: sorted((deps_of(open(files[m]).read()) & mods) - {m}) for m in mods}
layers, placed = [], set()
while len(placed) < len(mods):
    layer = sorted(m for m in mods - placed if set(graph[m]) <= placed)
    if not layer:
        left = mods - placed
        # Report one cycle: follow unplaced dependencies until one repeats.
        path, m = [], min(left)
        while m not in path:
            path.append(m)
            m = min(d for d in graph[m] if d in left)
        cycle = path[path.index(m):] + [m]
        print("# FAIL: modules of rust/ import each other: " + " -> ".join(cycle))
        for n in sorted(left):
            print(f"#   {n} -> {', '.join(graph[n])}")
        sys.exit(1)
    layers.append(layer)
    placed |= set(layer)
print("# ok: the modules of rust/ form layers without cycles (leaves first): "
      + " | ".join(" ".join(l) for l in layers))
PY

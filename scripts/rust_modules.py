#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module tree of Rust crates, read as rustc finds it: from each crate
root, every `mod name;` to `name.rs` or `name/mod.rs` beside the declaring
file (or in its own directory, for a file that is not a root or `mod.rs`),
or to its `#[path]`.

  rust_modules.py files ROOT...    every module file, one per line
  rust_modules.py cycles ROOT...   the import graph at each level of the
                                   tree: layers, leaves first, or the first
                                   circle found (exit 1)

A module and its descendants count as one at their parent's level: a child
sees its parent's private items by design, so the edges between them are not
layering. Paths are read as text (`crate::`, `super::`, `self::`, and the
names inside `use` braces); comments are ignored.
"""
import os
import re
import sys

MOD_DECL = re.compile(
    r'^\s*(?:#\[path\s*=\s*"([^"]+)"\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;', re.M)


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", text), flags=re.S)


def crate_modules(root):
    """Module path (tuple) -> file, for the crate whose root file is `root`."""
    mods = {(): root}
    todo = [((), root)]
    while todo:
        path, file = todo.pop()
        base = os.path.dirname(file)
        name = os.path.basename(file)
        if path and name != "mod.rs":
            base = os.path.join(base, name[:-3])
        for at, child in MOD_DECL.findall(strip_comments(open(file).read())):
            if at:
                # `#[path]` is relative to the declaring file's directory.
                candidates = [os.path.normpath(os.path.join(os.path.dirname(file), at))]
            else:
                candidates = [os.path.join(base, child + ".rs"), os.path.join(base, child, "mod.rs")]
            found = [c for c in candidates if os.path.exists(c)]
            if not found:
                sys.exit(f"{file}: `mod {child};` has no file ({' or '.join(candidates)})")
            mods[path + (child,)] = found[0]
            todo.append((path + (child,), found[0]))
    return mods


def expand_use_tree(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    m = re.match(r"^(.*?)\{(.*)\}$", tree, re.S)
    if not m:
        return [tree]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [prefix + p for part in parts if part.strip() for p in expand_use_tree(part)]


def references(text):
    """The paths a module's text names from `crate`, `super` or `self`."""
    text = strip_comments(text)
    paths = []
    for tree in re.findall(r"\buse\s+([^;]*);", text):
        paths += expand_use_tree(re.sub(r"\s+", "", tree))
    paths += re.findall(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+", text)
    return paths


def resolve(path, here, mods):
    """The module a path names, from module `here`; None outside the crate."""
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    if segs[0] == "crate":
        at, segs = (), segs[1:]
    elif segs[0] in ("super", "self"):
        at = here
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                at = at[:-1]
            segs = segs[1:]
    else:
        return None
    target = at
    for s in segs:
        if target + (s,) in mods:
            target = target + (s,)
        else:
            break
    return target


def graph_by_level(mods):
    """Parent module -> {child: set of siblings it depends on}."""
    levels = {}
    for path in mods:
        if path:
            levels.setdefault(path[:-1], {}).setdefault(path[-1], set())
    for here, file in mods.items():
        for ref in references(open(file).read()):
            target = resolve(ref, here, mods)
            if target is None:
                continue
            # The edge counts at the level of their closest common ancestor,
            # between the two children of it that contain them.
            common = 0
            while common < min(len(here), len(target)) and here[common] == target[common]:
                common += 1
            if common == len(here) or common == len(target):
                continue  # one contains the other
            levels[here[:common]][here[common]].add(target[common])
    return levels


def layers(graph):
    placed, out = set(), []
    while len(placed) < len(graph):
        layer = sorted(m for m in graph if m not in placed and graph[m] <= placed)
        if not layer:
            left = set(graph) - placed
            path, m = [], min(left)
            while m not in path:
                path.append(m)
                m = min(d for d in graph[m] if d in left)
            return None, path[path.index(m):] + [m]
        out.append(layer)
        placed |= set(layer)
    return out, None


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("files", "cycles"):
        sys.exit(__doc__)
    verb, roots = sys.argv[1], sys.argv[2:]
    if verb == "files":
        files = set()
        for root in roots:
            files |= set(crate_modules(root).values())
        print("\n".join(sorted(files)))
        return
    status = 0
    for root in roots:
        mods = crate_modules(root)
        for parent, graph in sorted(graph_by_level(mods).items()):
            where = os.path.relpath(mods[parent])
            ok, cycle = layers(graph)
            if cycle:
                print(f"# FAIL: modules under {where} import each other: " + " -> ".join(cycle))
                for n in sorted(graph):
                    print(f"#   {n} -> {', '.join(sorted(graph[n]))}")
                status = 1
            else:
                print(f"# ok: the modules under {where} form layers (leaves first): "
                      + " | ".join(" ".join(layer) for layer in ok))
    sys.exit(status)


if __name__ == "__main__":
    main()

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's map of the module ("Inside the module") and the tree agree:
# every source file of the module (the Rust files its crates reach from
# their roots, and rust/*.[ch]) has a row, and every file a row names exists.
. "$(dirname "$0")/lib.sh"

cd "$root" || exit 1
mapfile -t tree < <({
	python3 scripts/rust_modules.py files rust/rtemu_main.rs rust/rtemu_kunit.rs
	ls rust/*.c rust/*.h
} | sort -u)
[ ${#tree[@]} -gt 0 ] || fail "no module source found under rust/"
mapfile -t mapped < <(python3 - README.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = re.search(r"^## Inside the module\n(.*?)(?=^## )", text, re.S | re.M)
if not section:
    sys.exit("README.md has no section 'Inside the module'")
for row in re.findall(r"^\|([^|\n]*)\|", section.group(1), re.M):
    for path in re.findall(r"`(rust/[^`]+)`", row):
        # `rust/x.[ch]` names both files.
        m = re.match(r"(.*)\.\[([a-z]+)\]$", path)
        for p in ([f"{m.group(1)}.{e}" for e in m.group(2)] if m else [path]):
            print(p)
PY
)
[ ${#mapped[@]} -gt 0 ] || fail "the README's map names no file under rust/"
missing=$(comm -23 <(printf '%s\n' "${tree[@]}") <(printf '%s\n' "${mapped[@]}" | sort -u))
stale=$(comm -13 <(printf '%s\n' "${tree[@]}") <(printf '%s\n' "${mapped[@]}" | sort -u))
if [ -z "$missing" ]; then
	ok "every source file of the module has a row in the README's map (${#tree[@]} files)"
else
	fail "files of the module without a row in the README's map (Inside the module):"
	sed 's/^/#   /' <<<"$missing"
fi
if [ -z "$stale" ]; then
	ok "every file the README's map names is in the tree"
else
	fail "the README's map names files that are not sources of the module:"
	sed 's/^/#   /' <<<"$stale"
fi
[ $fails -eq 0 ]

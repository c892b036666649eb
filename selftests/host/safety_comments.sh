#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every unsafe block of the kernel crates has a `// SAFETY:` comment right
# above it (the comment block that ends on the line before, or before the
# statement the block starts on that line), as the kernel's Rust guidelines
# ask; rustfmt can move a block away from its comment. Stricter than clippy's
# undocumented_unsafe_blocks, which also takes a comment above a statement
# whose unsafe block rustfmt wrapped onto a later line.
. "$(dirname "$0")/lib.sh"

# The kernel crates' files as rustc finds them, nested modules included.
mapfile -t files < <(cd "$root" && python3 scripts/rust_modules.py files rust/rtemu_main.rs \
	rust/rtemu_kunit.rs selftests/bench/rtemu_bench.rs)
[ ${#files[@]} -gt 0 ] || fail "no module files found under rust/"
missing=$(cd "$root" && python3 - "${files[@]}" <<'PY'
import re, sys
for path in sys.argv[1:]:
    lines = open(path).read().split('\n')
    for i, line in enumerate(lines):
        code = line.split('//')[0]
        if not re.search(r'\bunsafe\s*\{', code):
            continue
        j = i - 1
        comment = []
        while j >= 0 and lines[j].strip().startswith('//'):
            comment.append(lines[j])
            j -= 1
        if not any('SAFETY:' in c for c in comment):
            print(f'{path}:{i + 1}: {line.strip()}')
PY
)
if [ -z "$missing" ]; then
	ok "every unsafe block in rust/ and selftests/bench/ has a SAFETY comment right above it"
else
	fail "unsafe blocks without a SAFETY comment right above them:"
	sed 's/^/#   /' <<<"$missing"
fi
[ $fails -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No module depends on itself through others, in the kernel crate and in
# every crate of tools/: at each level of a crate's module tree (followed
# from its root as rustc follows it, `rust/table/` included), the modules
# and the paths between them form layers without cycles. Prints the layers,
# leaves first.
. "$(dirname "$0")/lib.sh"

roots=("$root/rust/rtemu_main.rs")
for crate in "$root"/tools/*/; do
	for r in src/lib.rs src/main.rs; do
		[ -f "$crate$r" ] && roots+=("$crate$r")
	done
done
cd "$root" || exit 1
python3 scripts/rust_modules.py cycles "${roots[@]#"$root"/}"

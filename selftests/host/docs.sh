#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make docs builds the tools workspace's API docs, the module's docs and the
# UAPI reference, and leaves the committed reference as it was.
. "$(dirname "$0")/lib.sh"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$root/selftests/host/uapi_doc.sh" || fails=$((fails + 1))
before=$(sha256sum "$root/docs/uapi/rtemu.rst")
if make -s -C "$root" docs >"$log" 2>&1; then
	ok "make docs"
else
	fail "make docs"
	sed 's/^/#   /' "$log" | tail -n 40
fi
for f in tools/target/doc/rtemu/index.html tools/target/doc/rtemuctl/index.html \
	tools/target/doc/rtemu_trie/index.html build/doc/module/rtemu_main/index.html \
	build/doc/module/rtemu_main/table/index.html; do
	[ -s "$root/$f" ] && ok "$f" || fail "no $f"
done
[ "$(sha256sum "$root/docs/uapi/rtemu.rst")" = "$before" ] && ok "docs/uapi/rtemu.rst unchanged" ||
	fail "make docs changed docs/uapi/rtemu.rst"
[ $fails -eq 0 ]

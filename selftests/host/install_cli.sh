#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install puts rtemuctl, its man pages and bash/zsh/fish completions
# under DESTDIR/PREFIX, and make uninstall takes them away again.
. "$(dirname "$0")/lib.sh"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

prefix=/opt/rtemu-test
if ! make -s -C "$root" install DESTDIR="$d" PREFIX="$prefix" >"$d.log" 2>&1; then
	fail "make install DESTDIR=$d PREFIX=$prefix"
	sed 's/^/#   /' "$d.log"
	rm -f "$d.log"
	exit 1
fi
rm -f "$d.log"
p=$d$prefix
[ -x "$p/bin/rtemuctl" ] && ok "bin/rtemuctl" || fail "no executable $p/bin/rtemuctl"
"$p/bin/rtemuctl" --help >/dev/null 2>&1 && ok "installed rtemuctl runs (--help)" || fail "installed rtemuctl --help"
[ -s "$p/share/man/man1/rtemuctl.1" ] && ok "man page rtemuctl.1" || fail "no rtemuctl.1"
[ -s "$p/share/man/man1/rtemuctl-route-add.1" ] && ok "subcommand man pages (rtemuctl-route-add.1)" || fail "no rtemuctl-route-add.1"
if command -v man >/dev/null; then
	MANPATH=$p/share/man man -P cat rtemuctl 2>/dev/null | grep -q 'rtemuctl' && ok "man rtemuctl renders" || fail "man rtemuctl"
fi
grep -q 'complete .*rtemuctl' "$p/share/bash-completion/completions/rtemuctl" 2>/dev/null && ok "bash completion" || fail "bash completion"
bash -n "$p/share/bash-completion/completions/rtemuctl" 2>/dev/null && ok "bash completion parses" || fail "bash completion does not parse"
head -n1 "$p/share/zsh/site-functions/_rtemuctl" 2>/dev/null | grep -q '^#compdef rtemuctl' && ok "zsh completion" || fail "zsh completion"
grep -q 'complete -c rtemuctl' "$p/share/fish/vendor_completions.d/rtemuctl.fish" 2>/dev/null && ok "fish completion" || fail "fish completion"
# Nothing escapes DESTDIR/PREFIX.
stray=$(cd "$d" && find . -type f | grep -v "^\.$prefix/" || true)
[ -z "$stray" ] && ok "every file under DESTDIR/PREFIX" || fail "files outside PREFIX: $stray"

make -s -C "$root" uninstall DESTDIR="$d" PREFIX="$prefix" >/dev/null 2>&1 || fail "make uninstall"
left=$(find "$d" -type f)
[ -z "$left" ] && ok "make uninstall removes every file" || fail "left after uninstall: $left"
[ $fails -eq 0 ]

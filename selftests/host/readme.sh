#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's commands exist: every `make TARGET` it shows is a target of the
# Makefile (checked with make -n, nothing is run), and every file under
# scripts/, selftests/, docs/, include/ or tools/ that it names is there.
# The two-minute tour itself is run as written by CI (.ci/run ->
# scripts/readme-tour.sh); here it must contain the test command, and CI must
# run it. The other commands are run by the host tests (dkms_build.sh,
# install_cli.sh, rust_analyzer.sh, docs.sh).
. "$(dirname "$0")/lib.sh"
readme=$root/README.md

# make commands: in inline code (`make ...`) or on a line of a code block.
targets=$(python3 - "$readme" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
code = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
cmds = [l.strip() for b in code for l in b.splitlines()] + spans
for c in cmds:
    for m in re.finditer(r"(?:^|&&|;|\$\()\s*make((?:\s+[A-Z_]+=\S+)*)\s+([a-z][a-z-]*)", c):
        print(m.group(2))
PY
)
targets=$(sort -u <<<"$targets")
for t in $targets; do
	if make -n -C "$root" "$t" >/dev/null 2>&1; then
		ok "make $t"
	else
		fail "README shows make $t, which the Makefile does not have"
	fi
done
# Repository paths: at the start of a word (not after / or $), and not build
# products (tools/target/).
paths=$(grep -oE '(^|[`( ])(scripts|selftests|docs|include|tools)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "$readme" |
	sed -E 's/^[`( ]//' | grep -v '^tools/target/' | sort -u)
for p in $paths; do
	[ -e "$root/$p" ] && ok "$p exists" || fail "README names $p, which does not exist"
done
tour=$("$root/scripts/readme-tour.sh" --print) || fail "scripts/readme-tour.sh cannot read the tour"
for cmd in "make demo" "make check"; do
	grep -qE "^$cmd( |$)" <<<"$tour" && ok "the tour runs $cmd" || fail "the two-minute tour lacks $cmd"
done
grep -q '^scripts/readme-tour.sh' "$root/.ci/run" && ok ".ci/run runs the tour" ||
	fail ".ci/run does not run scripts/readme-tour.sh"
grep -qE '^[[:space:]]*make check-vm( |$)' "$root/.ci/run" && ok ".ci/run runs make check-vm" ||
	fail ".ci/run does not run make check-vm"
[ $fails -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A clone works wherever it is: the tour's first guest step (load rtemu.ko,
# resolve its family with the kernel's YNL CLI, list its operations, unload)
# runs under User-Mode Linux from copies of the tree under /tmp, under a path
# with a space, and through a symlink, each started by that copy's own
# scripts. A path a guest cannot be given is refused at once, by name: a
# double quote under UML, a space under virtme-ng.
#   KDIR: an um- kernel build; RTEMU_KO: rtemu.ko built against it.
. "$(dirname "$0")/lib.sh"
kdir=${KDIR:?an um- kernel build}
ko=${RTEMU_KO:?rtemu.ko built against KDIR}
[ -x "$kdir/linux" ] || { echo "# FAIL: no UML kernel at '$kdir'"; exit 1; }

tmp=$(mktemp -d /tmp/rtemu-clones.XXXXXX)
spaced=$(mktemp -d "$RTEMU_CACHE/clone test.XXXXXX")
trap 'rm -rf "$tmp" "$spaced"' EXIT

# A copy of the tree as a clone has it (tracked and new files, nothing
# ignored), with the module built for KDIR.
copy_tree() {
	mkdir -p "$1"
	git -C "$root" ls-files -z -co --exclude-standard |
		(cd "$root" && cpio -pdm0 --quiet "$1")
	cp "$ko" "$1/rtemu.ko"
}

# first_step DIR WHERE: the copy's own runner boots the guest from DIR, which
# runs the copy's demo script up to its first step's end (without an
# rtemuctl the demo stops there).
first_step() {
	local dir=$1 where=$2 out st=0
	out=$(cd "$dir" && scripts/uml-run.sh --timeout 300 "$kdir" env KSRC="$(kernel_src)" \
		RTEMU_PY="$RTEMU_VENV/bin/python" RTEMUCTL=/nonexistent scripts/demo-guest.sh 2>&1 </dev/null) || st=$?
	if [ $st = 0 ] && grep -q '^route-add  \[' <<<"${out//$'\r'/}" && grep -q "'family-name': 'rtemu'" <<<"$out"; then
		ok "the tour's first guest step from a clone $where"
	else
		fail "the tour's first guest step from a clone $where: exit $st"
		tail -n 20 <<<"$out" | sed 's/^/#   /'
	fi
}

copy_tree "$tmp/rtemu"
first_step "$tmp/rtemu" "under /tmp ($tmp/rtemu)"
copy_tree "$spaced/my rtemu"
first_step "$spaced/my rtemu" "under a path with a space ($spaced/my rtemu)"
ln -s "$tmp/rtemu" "$spaced/link"
first_step "$spaced/link" "through a symlink into /tmp ($spaced/link)"

# A double quote cannot cross the kernel's command line: refused before
# any boot, with the path and what to do.
quoted="$tmp/say \"hi\""
copy_tree "$quoted"
SECONDS=0
out=$(cd "$quoted" && scripts/uml-run.sh --timeout 60 "$kdir" true 2>&1 </dev/null)
st=$?
if [ $st != 0 ] && [ $SECONDS -lt 10 ] && grep -q "cannot be given the path .*clone to a path without" <<<"$out"; then
	ok "a path with a double quote is refused at once (exit $st, ${SECONDS}s)"
else
	fail "a path with a double quote: exit $st after ${SECONDS}s: $out"
fi

# virtme-ng cannot take a space: make check-vm refuses it before setup or a
# kernel build, and says to use another path or make check.
SECONDS=0
out=$(cd "$spaced/my rtemu" && timeout 60 scripts/check.sh vm 2>&1 </dev/null)
st=$?
if [ $st != 0 ] && [ $SECONDS -lt 10 ] && grep -q "virtme-ng cannot give its guest the path .*clone to a path without" <<<"$out" &&
	! grep -q '== setup' <<<"$out"; then
	ok "make check-vm from a path with a space is refused at once (exit $st, ${SECONDS}s)"
else
	fail "make check-vm from a path with a space: exit $st after ${SECONDS}s: $out"
fi
[ $fails -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM runner (scripts/vm-run.sh) gives the guest its command whole, however
# long (make check-vm's is over 2 KiB, more than the kernel's command line
# holds) and whatever it quotes, in the top of the tree, and passes its exit
# status back. One boot.
#   KDIR: an x86-64 kernel build (default: the cached debug one).
. "$(dirname "$0")/lib.sh"
run=$root/scripts/vm-run.sh
kdir=${KDIR:-$("$root/scripts/build-kernel.sh" debug 2>/dev/null)}
[ -f "$kdir/arch/x86/boot/bzImage" ] || { echo "# FAIL: no x86-64 kernel at '$kdir'"; exit 1; }

long=$(head -c 3000 /dev/zero | tr '\0' x)
quoted="a 'quoted' \"word\" \$HOME \\ *"
out=$("$run" --timeout 600 "$kdir" sh -c 'printf "%s|%s|%s\n" "${#1}" "$2" "$(pwd)"; exit 7' - "$long" "$quoted" 2>/dev/null)
st=$?
[ $st = 7 ] && ok "exit 7 comes back" || fail "exit 7: got $st"
want="3000|$quoted|$root"
grep -qxF "$want" <<<"${out//$'\r'/}" && ok "a 3,000-byte argument and a quoted one arrive whole, in the top of the tree" ||
	fail "wanted '$want', got: $out"
[ $fails -eq 0 ]

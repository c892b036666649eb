#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rtemu.ko against KDIR (default: the project's cached test kernel of
# FLAVOUR, built first if needed). Extra arguments go to make (e.g. clean).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-}
[ -n "$kdir" ] || kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "${FLAVOUR:-debug}")
[ -f "$kdir/Makefile" ] || die "KDIR=$kdir is not a kernel build tree"
kernel_env
mapfile -t vars < <(kmake_vars "$(kdir_arch "$kdir")")
logfile=$(new_log module)
args=("${@:-modules}")
# Kbuild rebuilds an object when a file it was built from changed, not when
# one went away: a Rust crate whose module moved (rust/x.rs to rust/x/mod.rs)
# would keep its old object. Such an object is removed here.
for cmdfile in "$RTEMU_ROOT"/rust/.*.o.cmd "$RTEMU_ROOT"/selftests/bench/.*.o.cmd; do
	[ -f "$cmdfile" ] || continue
	while read -r dep; do
		if [ ! -e "$RTEMU_ROOT/$dep" ]; then
			obj=${cmdfile%.cmd}
			rm -f "${obj%/*}/${obj##*/.}"
			break
		fi
	done < <(grep -oE '^ +[A-Za-z0-9_./-]+\.rs \\$' "$cmdfile" | awk '{print $1}')
done
run_logged "module: make ${args[*]} against $(basename "$kdir")" "$logfile" - \
	make -C "$kdir" M="$RTEMU_ROOT" "${vars[@]}" "${args[@]}"
# The module's warnings are ours to see: rustc's, and the compiler's about
# a file of the tree (the kernel's headers warn under UML; those stay in the log).
ours='^warning:|^(rust|selftests|bpf|include)/[^:]+:[0-9]+:[0-9]+: warning:'
if ! verbose && grep -qE "$ours" "$logfile"; then
	log "module: warnings (all of the output is in $logfile):"
	grep -EA5 "$ours" "$logfile" >&2
fi

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
log "module: building against $kdir"
make -C "$kdir" M="$RTEMU_ROOT" "${vars[@]}" "${@:-modules}"

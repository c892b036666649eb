#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the same set-up as make check, then one VM boot that loads rtemu,
# resolves its family with the kernel's own YNL CLI, walks through routes,
# lookups, events, the resolver and lifetimes with rtemuctl, and unloads it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$RTEMU_ROOT/scripts/setup.sh"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" debug)
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh"
# The guest's walkthrough uses the host's debug rtemuctl.
cargo build --quiet --locked --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" -p rtemuctl
"$RTEMU_ROOT/scripts/vm-run.sh" --timeout 1200 "$kdir" \
	env KSRC="$(kernel_src)" RTEMU_PY="$RTEMU_VENV/bin/python" "$RTEMU_ROOT/scripts/demo-guest.sh"

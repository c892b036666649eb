#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo / make demo-vm: the same set-up as make check, then one boot of
# the debug kernel (User-Mode Linux, or virtme-ng with vm) that loads rtemu,
# resolves its family with the kernel's own YNL CLI, walks through routes,
# lookups, events, the resolver and lifetimes with rtemuctl, shows a WASIX
# guest's route expiring (tools/rtemu-wasix, then a real WebAssembly guest
# under wasmer through tools/rtemu-wasix-run), and unloads it.
#
#   scripts/demo.sh [uml|vm]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

env=${1:-uml}
check_env "$env"
"$RTEMU_ROOT/scripts/setup.sh"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "$(env_flavour "$env" debug)")
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh"
# The guest's walkthrough uses the host's debug rtemuctl and wasix_routes,
# and rtemu-wasix-run for a real WebAssembly guest.
build_guest_tools
wasix_run=$("$RTEMU_ROOT/scripts/build-wasix-run.sh")
env_run "$env" --timeout 1200 "$kdir" \
	env KSRC="$(kernel_src)" RTEMU_PY="$RTEMU_VENV/bin/python" RTEMU_WASIX_RUN="$wasix_run" \
	"$RTEMU_ROOT/scripts/demo-guest.sh"

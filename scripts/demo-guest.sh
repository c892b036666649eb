#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's script inside the guest. Each step is shown before it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
spec=include/rtemu.yaml
cli=$KSRC/tools/net/ynl/pyynl/cli.py
schema=$KSRC/Documentation/netlink/genetlink.yaml

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
ynl() { "$RTEMU_PY" "$cli" --spec "$spec" --schema "$schema" "$@"; }
nlctrl() { "$RTEMU_PY" "$cli" --spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" --schema "$KSRC/Documentation/netlink/genetlink-legacy.yaml" "$@"; }

step insmod rtemu.ko
step sh -c 'dmesg | grep "rtemu:" | tail -n1'
step nlctrl --do getfamily --json '{"family-name": "rtemu"}'
step ynl --list-ops
step rmmod rtemu

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest (scripts/check.sh boots it): everything that needs the
# test kernel, in one boot, as KTAP.
set -u
cd "$(dirname "$0")"

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
# Boot-time allocations kmemleak cannot follow are not ours: forget them.
[ -e /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak

make --no-print-directory KSRC="$KSRC" run_tests

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Concurrent changes, lookups and holds for a fixed time (rtemu_stress.py);
# rtemu_dmesg.sh, which runs after, fails on any kernel report.
. "$(dirname "$0")/lib.sh"

require_rtemu
load_rtemu
"$RTEMU_PY" "$(dirname "$0")/rtemu_stress.py"
status=$?
unload_rtemu || status=1
exit $status

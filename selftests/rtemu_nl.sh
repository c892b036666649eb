#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every operation, error and event of the family, through the kernel's YNL
# library and our spec (rtemu_nl.py), with the module loaded.
. "$(dirname "$0")/lib.sh"

require_rtemu
load_rtemu
"$RTEMU_PY" "$(dirname "$0")/rtemu_nl.py"
status=$?
unload_rtemu || status=1
exit $status

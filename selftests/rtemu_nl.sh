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
# The limits, with the module loaded small, and the idle clock of clones
# at one second.
insmod "$RTEMU_KO" max_routes=3 max_paths=2 max_holds=2 miss_rate=5 clone_idle_secs=1 || exit 1
"$RTEMU_PY" "$(dirname "$0")/rtemu_nl.py" limits || status=1
unload_rtemu || status=1
exit $status

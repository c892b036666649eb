#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The KUnit suites of rtemu's table (rust/rtemu_kunit.rs): loading
# rtemu_kunit.ko runs them; their KTAP results come from debugfs.
. "$(dirname "$0")/lib.sh"

KO=${RTEMU_KUNIT_KO:-$RTEMU_ROOT/rtemu_kunit.ko}
SUITE=rtemu_table

if [ ! -f "$KO" ]; then
	ktap_print_header
	ktap_skip_all "no $KO (build with make RTEMU_KUNIT=1)"
	exit "$KSFT_SKIP"
fi
kunit_module "$KO" rtemu_kunit "$SUITE"

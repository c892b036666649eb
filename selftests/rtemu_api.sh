#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-kernel C API (include/linux/rtemu.h) from a C consumer:
# rtemu_api_test.ko (selftests/api/rtemu_api_test.c) is a KUnit suite that
# uses only that header; loading it after rtemu.ko runs it, and its KTAP
# results come from debugfs. While it is loaded rtemu.ko stays (the
# consumer uses its symbols).
. "$(dirname "$0")/lib.sh"

KO=${RTEMU_API_TEST_KO:-$RTEMU_ROOT/rtemu_api_test.ko}
SUITE=rtemu_api

if [ ! -f "$KO" ]; then
	ktap_print_header
	ktap_skip_all "no $KO (build with make RTEMU_KUNIT=1)"
	exit "$KSFT_SKIP"
fi
require_rtemu
load_rtemu
# The consumer uses rtemu.ko's symbols: rtemu.ko cannot go while it is loaded.
rtemu_stays() {
	if rmmod rtemu 2>/dev/null; then
		echo "# rtemu.ko unloaded while a module using its API was loaded"
		return 1
	fi
}
kunit_module "$KO" rtemu_api_test "$SUITE" rtemu_stays

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
status=$?

# A module that goes with its hook registered: rtemu unregisters the hook
# first (a line in the log), and a change afterwards calls nothing of the
# module that went (KASAN would see it, and rtemu_dmesg.sh fail).
LEAK=${RTEMU_HOOK_LEAK_KO:-$RTEMU_ROOT/rtemu_hook_leak.ko}
ktap_print_header
ktap_set_plan 1
leak_check() {
	local calls
	insmod "$LEAK" || return 1
	ynl --do route-add --json '{"family": "inet", "dst": "198.18.90.0", "prefix-len": 24, "via": "192.0.2.1"}' >/dev/null || return 1
	calls=$(cat /sys/module/rtemu_hook_leak/parameters/calls)
	[ "$calls" -ge 1 ] || { echo "# the hook was not called ($calls)"; return 1; }
	rmmod rtemu_hook_leak || return 1
	dmesg | grep -q 'rtemu: module rtemu_hook_leak went with an rtrequest hook registered; unregistered it' ||
		{ echo "# no log line for the hook left registered"; return 1; }
	ynl --do route-remove --json '{"family": "inet", "dst": "198.18.90.0", "prefix-len": 24}' >/dev/null
}
if leak_check; then
	ktap_test_pass "a module that goes with its hook registered: unregistered first, said in the log"
else
	ktap_test_fail "a module that goes with its hook registered: unregistered first, said in the log"
	status=1
fi
exit $status

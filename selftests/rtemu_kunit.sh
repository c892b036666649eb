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
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod "$KO" || { echo "Bail out! insmod $KO failed"; exit 1; }
results=/sys/kernel/debug/kunit/$SUITE/results
if [ ! -r "$results" ]; then
	rmmod rtemu_kunit
	echo "Bail out! no KUnit results at $results"
	exit 1
fi
cat "$results"
status=0
grep -q "^not ok\|^    not ok" "$results" && status=1
rmmod rtemu_kunit || status=1
exit $status

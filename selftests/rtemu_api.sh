#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-kernel C API from C consumers: rtemu_api_test.ko
# (selftests/api/rtemu_api_test.c), a KUnit suite that uses only
# include/linux/rtemu.h, and rtemu_bsd_test.ko, one in FreeBSD's idioms
# through include/rtemu/bsd/net/route.h. Loading each after rtemu.ko runs
# it, and its KTAP results come from debugfs. While one is loaded rtemu.ko
# stays (the consumer uses its symbols).
. "$(dirname "$0")/lib.sh"

KO=${RTEMU_API_TEST_KO:-$RTEMU_ROOT/rtemu_api_test.ko}
RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}
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

# The same contract in FreeBSD's idioms, from a consumer that includes only
# <rtemu/bsd/net/route.h> (selftests/api/rtemu_bsd_test.c); CURVNET_SET
# names the namespace of a process of its own.
BSD_KO=${RTEMU_BSD_TEST_KO:-$(dirname "$KO")/rtemu_bsd_test.ko}
unshare --net sleep 600 &
other=$!
ours=$(readlink /proc/self/ns/net)
for _ in $(seq 600); do
	ns=$(readlink "/proc/$other/ns/net" 2>/dev/null) || break
	[ "$ns" != "$ours" ] && break
	sleep 0.1
done
# A monitor of this namespace (the KUnit cases' own) sees the miss of
# rtalloc1() of an AF_UNIX destination with report: its family's number
# and no address. It listens once it prints a miss of ours.
mon_file=$(mktemp)
monitor_listens() {
	local i
	for i in $(seq 50); do
		"$RTEMUCTL" route get 203.0.113.77 clone >/dev/null 2>&1
		grep -q ' miss 203\.0\.113\.77 ' "$mon_file" && return 0
		sleep 0.2
	done
	return 1
}
mon=
if [ -x "$RTEMUCTL" ]; then
	"$RTEMUCTL" monitor resolve >"$mon_file" 2>&1 &
	mon=$!
	monitor_listens || { kill "$mon"; mon=; }
fi
kunit_module "$BSD_KO" rtemu_bsd_test rtemu_bsd rtemu_stays other_netns_pid="$other" || status=1
kill "$other"
wait "$other" 2>/dev/null
unix_miss() {
	local i
	[ -n "$mon" ] || { echo "# the monitor did not start: $(cat "$mon_file")"; return 1; }
	for i in $(seq 50); do
		grep -qE '^[^ ]+ miss sa-family 1 error 0$' "$mon_file" && return 0
		sleep 0.2
	done
	echo "# no miss of AF_UNIX (sa-family 1) in:"
	sed 's/^/#   /' "$mon_file"
	return 1
}
unix_miss
unix_miss_status=$?
[ -n "$mon" ] && { kill "$mon"; wait "$mon" 2>/dev/null; }
rm -f "$mon_file"

# A module that goes with its hook registered: rtemu unregisters the hook
# first (a line in the log), and a change afterwards calls nothing of the
# module that went (KASAN would see it, and rtemu_dmesg.sh fail).
LEAK=${RTEMU_HOOK_LEAK_KO:-$RTEMU_ROOT/rtemu_hook_leak.ko}
ktap_print_header
ktap_set_plan 2
if [ "$unix_miss_status" = 0 ]; then
	ktap_test_pass "rtalloc1 of AF_UNIX with report: a miss-ntf with sa-family 1 and no addr"
else
	ktap_test_fail "rtalloc1 of AF_UNIX with report: a miss-ntf with sa-family 1 and no addr"
	status=1
fi
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

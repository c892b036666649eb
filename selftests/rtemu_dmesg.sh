#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs last: the kernel log since boot holds no report of a bug, and a
# kmemleak scan finds nothing.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 2

# The real markers only: the debug kernel prints harmless lines that contain
# "lockdep", "bug" or "warning" in other senses.
SPLAT='WARNING:|BUG:|KASAN:|UBSAN:|possible circular locking|possible recursive locking|suspicious RCU usage|inconsistent lock state|rcu_sched self-detected stall|rcu: INFO:|detected stalls|unreferenced object|Call Trace|general protection fault|kernel BUG at|Oops'

splats=$(dmesg | grep -E "$SPLAT" || true)
if [ -n "$splats" ]; then
	ktap_print_msg "kernel reports:"
	dmesg | grep -E -A20 "$SPLAT" | sed 's/^/# /' | head -n 200
	ktap_test_fail "no WARN, BUG, KASAN, lockdep or RCU report in dmesg"
else
	ktap_test_pass "no WARN, BUG, KASAN, lockdep or RCU report in dmesg"
fi

kmemleak=/sys/kernel/debug/kmemleak
if [ ! -e $kmemleak ]; then
	ktap_test_skip "kmemleak scan (no CONFIG_DEBUG_KMEMLEAK)"
else
	# An object is reported once it stayed unreferenced across scans.
	echo scan >$kmemleak; sleep 6; echo scan >$kmemleak
	leaks=$(cat $kmemleak)
	if [ -n "$leaks" ]; then
		sed 's/^/# /' <<<"$leaks" | head -n 100
		ktap_test_fail "kmemleak reports no leak"
	else
		ktap_test_pass "kmemleak reports no leak"
	fi
fi
ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs last: the kernel log since the tests began holds no report of a bug,
# and a kmemleak scan finds nothing.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 2

# The real markers only: the debug kernel prints harmless lines that contain
# "lockdep", "bug" or "warning" in other senses.
SPLAT='WARNING:|BUG:|KASAN:|UBSAN:|possible circular locking|possible recursive locking|suspicious RCU usage|inconsistent lock state|rcu_sched self-detected stall|rcu: INFO:|detected stalls|unreferenced object|Call Trace|general protection fault|kernel BUG at|Oops'

# guest_check.sh marks the log before the first test. Reports before the
# mark come from the kernel's boot, before any module: shown, not counted
# (UML's SMP bring-up enqueues an RCU callback on a CPU not yet online and
# PROVE_RCU says so). Without the mark (a test run alone) the whole log counts.
log=$(dmesg)
if grep -q "$KSELFTESTS_MARK" <<<"$log"; then
	boot=$(sed "/$KSELFTESTS_MARK/q" <<<"$log")
	log=$(sed -n "/$KSELFTESTS_MARK/,\$p" <<<"$log")
	grep -E "$SPLAT" <<<"$boot" | sed 's/^/boot-time report, not counted: /' | head -n 5 |
		while IFS= read -r line; do ktap_print_msg "$line"; done
fi

splats=$(grep -E "$SPLAT" <<<"$log" || true)
if [ -n "$splats" ]; then
	ktap_print_msg "kernel reports:"
	grep -E -A20 "$SPLAT" <<<"$log" | sed 's/^/# /' | head -n 200
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

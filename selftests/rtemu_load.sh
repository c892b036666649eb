#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtemu.ko loads and unloads cleanly, many times over.
. "$(dirname "$0")/lib.sh"

CYCLES=${RTEMU_LOAD_CYCLES:-100}

ktap_print_header
require_rtemu
ktap_set_plan 4
unload_rtemu

# Load a copy without debug info: the module is the same code, and reading
# megabytes of DWARF per cycle is what makes cycles slow under emulation.
ko=$RTEMU_KO
strip=$(command -v llvm-strip-22 || command -v llvm-strip || command -v strip || true)
if [ -n "$strip" ] && "$strip" --strip-debug "$RTEMU_KO" -o /tmp/rtemu-load.ko 2>/dev/null; then
	ko=/tmp/rtemu-load.ko
fi

# Each unload waits for RCU grace periods, which at UML's 100 Hz tick made a
# cycle take half a second; expedited ones keep the cycles about the module.
expedited=""
if [ -w /sys/kernel/rcu_expedited ]; then
	read -r expedited </sys/kernel/rcu_expedited
	echo 1 >/sys/kernel/rcu_expedited
fi
lines_before=$(dmesg | grep -c 'rtemu: generic netlink family "rtemu"' || true)
cycles_ok=0
state_ok=1
# The module's state is read by the shell itself: a program (or a subshell)
# per check costs more than the cycle under User-Mode Linux.
for _ in $(seq $CYCLES); do
	insmod "$ko" || break
	initstate="" refcnt=""
	read -r initstate </sys/module/rtemu/initstate
	read -r refcnt </sys/module/rtemu/refcnt
	[ "$initstate" = live ] && [ "$refcnt" = 0 ] || state_ok=0
	rmmod rtemu || break
	module_loaded && state_ok=0
	cycles_ok=$((cycles_ok + 1))
done
lines_after=$(dmesg | grep -c 'rtemu: generic netlink family "rtemu"' || true)
[ -z "$expedited" ] || echo "$expedited" >/sys/kernel/rcu_expedited

ktap_test_result "insmod/rmmod $CYCLES times ($cycles_ok done)" [ $cycles_ok -eq $CYCLES ]
ktap_test_result "live and unreferenced after each load, gone after each unload" [ $state_ok -eq 1 ]
ktap_test_result "one log line per load ($((lines_after - lines_before)) for $CYCLES)" \
	[ $((lines_after - lines_before)) -eq $CYCLES ]
# After the last unload the family must be gone from genetlink: the same
# query that finds nlctrl itself answers ENOENT for rtemu.
present=$(nlctrl --do getfamily --json '{"family-name": "nlctrl"}' 2>&1)
gone=$(nlctrl --do getfamily --json '{"family-name": "rtemu"}' 2>&1)
st=$?
if grep -q "'family-name': 'nlctrl'" <<<"$present" && [ $st != 0 ] &&
	grep -q "No such file or directory" <<<"$gone"; then
	ktap_test_pass "family unregistered after unload"
else
	ktap_print_msg "nlctrl: $present"
	ktap_print_msg "rtemu (exit $st): $gone"
	ktap_test_fail "family unregistered after unload"
fi
ktap_finished

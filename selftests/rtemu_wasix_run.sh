#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real WebAssembly guests against the module: rtemu-wasix-run (wasmer with
# wasmer-wasix, tools/rtemu-wasix-run) runs the WASIX guests of
# tools/rtemu-wasix-run/guests, whose port_route_* calls go through wasmer's
# ABI decoding and RtemuNetworking to the kernel. Each case checks the
# guest's exit status (the guest checks what it can see), then, on its own,
# the kernel's table through rtemuctl and the events a monitor saw. Each runs
# in a network namespace of its own.
. "$(dirname "$0")/lib.sh"

RTEMU_WASIX_RUN=${RTEMU_WASIX_RUN:-}
RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}
GUESTS=$RTEMU_ROOT/tools/rtemu-wasix-run/guests

ktap_print_header
if [ -z "$RTEMU_WASIX_RUN" ]; then
	RTEMU_WASIX_RUN=$("$RTEMU_ROOT/scripts/build-wasix-run.sh" --cached) || RTEMU_WASIX_RUN=
fi
for f in "$RTEMU_WASIX_RUN" "$RTEMUCTL"; do
	if [ ! -x "$f" ]; then
		ktap_skip_all "no ${f:-rtemu-wasix-run} (scripts/build-wasix-run.sh; cargo build --manifest-path tools/Cargo.toml -p rtemuctl)"
		exit "$KSFT_SKIP"
	fi
done
require_rtemu
load_rtemu || ktap_exit_fail_msg "insmod $RTEMU_KO failed"
ktap_set_plan 8

T=$(mktemp -d /tmp/rtemu_wasix_run.XXXXXX)
NETNS=rtemu-wasix-run-$$
cleanup() {
	ip netns del "$NETNS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# in_netns CMD...: CMD in a network namespace of its own, its output as
# KTAP diagnostics.
in_netns() {
	unshare --net -- "$@" >"$T/out" 2>&1
	local rc=$?
	sed 's/^/# /' "$T/out"
	return $rc
}

# Shell functions for the commands in_netns runs in a namespace of their
# own: start_monitor CTL FILE starts `CTL monitor` writing to FILE (its pid in
# $monitor) and returns once it listens, which a miss of a lookup of nothing
# says; wait_line FILE PATTERN N waits up to N tenths of a second for a line
# of FILE to match PATTERN.
NETNS_SH='
start_monitor() {
	"$1" monitor >"$2" 2>&1 &
	monitor=$!
	for _ in $(seq 50); do
		"$1" route get 198.51.100.1 clone >/dev/null 2>&1
		grep -q "miss 198.51.100.1 " "$2" && return
		sleep 0.1
	done
}
wait_line() {
	for _ in $(seq "$3"); do
		grep -q "$2" "$1" && return
		sleep 0.1
	done
}
'

# status_is WANT GOT WHAT: a guest's exit status.
status_is() {
	[ "$2" = "$1" ] && return 0
	echo "# $3: exit status $2, not $1 (the guest's header says which step)"
	return 1
}

# has TEXT PATTERN: an extended regular expression matches a line of TEXT.
has() {
	grep -qE -- "$2" <<<"$1" && return 0
	echo "# no line matches: $2"
	return 1
}

run() { "$RTEMU_WASIX_RUN" "$@"; }

# The lines routes.wat's two routes must have in rtemuctl's output: the
# prefix and router exactly as the guest wrote them, both lifetimes to the
# second.
V4_ROUTE='10\.1\.0\.0/16 via 192\.0\.2\.1 flags up,gateway,static preferred 2100-01-01T00:00:00Z preferred-left [^ ]+ expires 2100-01-02T00:00:00Z expires-left '
V6_ROUTE='2001:db8::/32 via fe80::1 flags up,gateway,static preferred 2100-01-03T00:00:00Z preferred-left [^ ]+ expires 2100-01-04T00:00:00Z expires-left '

# routes.wat's whole cycle with a monitor listening in the same namespace:
# the add, remove and clear events carry what the guest wrote, and the
# routers' lookups miss.
routes_cycle() {
	in_netns bash -c "$NETNS_SH"'
		run=$1 ctl=$2 guest=$3 mon=$4
		start_monitor "$ctl" "$mon"
		"$run" "$guest"
		status=$?
		wait_line "$mon" " clear " 50
		kill $monitor
		echo "status $status"
		echo "table: $("$ctl" route show)"' \
		routes "$RTEMU_WASIX_RUN" "$RTEMUCTL" "$GUESTS/routes.wat" "$T/mon"
	local status events
	status=$(sed -n 's/^status //p' "$T/out")
	events=$(grep -v ' miss 198\.51\.100\.1 ' "$T/mon" | cut -d' ' -f2-)
	sed 's/^/# monitor: /' <<<"$events"
	# Each check on its own: the kernel's view says what went wrong even
	# when the guest saw it first.
	local ok=0
	status_is 0 "$status" routes.wat || ok=1
	grep -qx 'table: ' "$T/out" || { echo "# the table is not empty"; ok=1; }
	# Each add looks its router up first (rt_setgate), which no route
	# reaches here: a miss before it.
	[ "$(cut -d' ' -f1 <<<"$events" | tr '\n' ' ')" = "miss add miss add delete clear " ] ||
		{ echo "# the events are not miss, add, miss, add, delete, clear"; ok=1; }
	has "$events" '^miss 192\.0\.2\.1 error 0$' || ok=1
	has "$events" '^miss fe80::1 error 0$' || ok=1
	has "$events" "^add $V4_ROUTE" || ok=1
	has "$events" "^add $V6_ROUTE" || ok=1
	has "$events" '^delete 2001:db8::/32 via fe80::1 .* reason removed$' || ok=1
	has "$events" '^clear family all count 1$' || ok=1
	return $ok
}
ktap_test_result "routes.wat: add, list and compare, remove by address, clear; a monitor saw each as written" routes_cycle

# With --netns: the routes land in the named namespace, as the guest wrote
# them, and not in the caller's.
named_netns() {
	ip netns add "$NETNS" || return 1
	in_netns bash -c '"$0" --netns "$1" "$2" keep; echo "status $?"; echo "caller: $("$3" route show)"' \
		"$RTEMU_WASIX_RUN" "$NETNS" "$GUESTS/routes.wat" "$RTEMUCTL"
	local status table
	status=$(sed -n 's/^status //p' "$T/out")
	table=$(ip netns exec "$NETNS" "$RTEMUCTL" route show)
	sed 's/^/# rtemuctl: /' <<<"$table"
	local ok=0
	status_is 0 "$status" "routes.wat keep" || ok=1
	grep -qx 'caller: ' "$T/out" || { echo "# routes in the caller's namespace"; ok=1; }
	[ "$(wc -l <<<"$table")" = 2 ] || { echo "# not 2 routes in $NETNS"; ok=1; }
	has "$table" "^$V4_ROUTE" || ok=1
	has "$table" "^$V6_ROUTE" || ok=1
	return $ok
}
ktap_test_result "--netns NAME: the routes in that namespace's table, prefix, router and lifetimes as written" named_netns

# A route the guest did not add comes to it as the kernel holds it, and the
# guest's remove by address finds it.
kernel_routes() {
	in_netns bash -c '"$1" route add 2001:db8:5::/48 via fe80::5 || exit 1
		"$0" "$2"; echo "status $?"; echo "table: $("$1" route show)"' \
		"$RTEMU_WASIX_RUN" "$RTEMUCTL" "$GUESTS/kernel_routes.wat" || return 1
	status_is 0 "$(sed -n 's/^status //p' "$T/out")" kernel_routes.wat &&
		grep -qx 'table: ' "$T/out"
}
ktap_test_result "kernel_routes.wat: rtemuctl's IPv6 route listed octet for octet, removed by its address" kernel_routes

# expiring.wat adds 10.30.0.0/16 expiring 3 s after its clock's now: the
# kernel holds that deadline, and the route goes by itself, not before it
# (checked against the host's clock when the monitor's expire line came).
expiring() {
	in_netns bash -c "$NETNS_SH"'
		run=$1 ctl=$2 guest=$3 mon=$4
		start_monitor "$ctl" "$mon"
		"$run" "$guest"
		echo "status $?"
		echo "table: $("$ctl" -j route show)"
		# Generous for a busy machine: lateness is not what is checked.
		wait_line "$mon" " expire 10.30.0.0/16" 600
		echo "seen $(date +%s)"
		kill $monitor
		echo "after: $("$ctl" route show)"' \
		expiring "$RTEMU_WASIX_RUN" "$RTEMUCTL" "$GUESTS/expiring.wat" "$T/mon"
	local ok=0 expires seen
	status_is 0 "$(sed -n 's/^status //p' "$T/out")" expiring.wat || ok=1
	expires=$(sed -n 's/^table: //p' "$T/out" | "$RTEMU_PY" -c '
import datetime, json, sys
r = [r for r in json.load(sys.stdin) if r["dst"] == "10.30.0.0/16" and r.get("via") == "192.0.2.30"]
print(int(datetime.datetime.fromisoformat(r[0]["expires"]).timestamp()) if r and "expires" in r[0] else "")')
	seen=$(sed -n 's/^seen //p' "$T/out")
	sed 's/^/# monitor: /' "$T/mon"
	if [ -z "$expires" ]; then
		echo "# no 10.30.0.0/16 via 192.0.2.30 with a deadline in the table"
		ok=1
	fi
	grep -q " expire 10.30.0.0/16" "$T/mon" || { echo "# no expire event"; ok=1; }
	[ -n "$expires" ] && [ "$seen" -lt "$expires" ] &&
		{ echo "# expired at $seen, before its deadline $expires"; ok=1; }
	grep -qx 'after: ' "$T/out" || { echo "# the route is still there"; ok=1; }
	return $ok
}
ktap_test_result "expiring.wat: the deadline the guest gave is the kernel's, and the route expires by itself, not before it" expiring

host_bits() {
	in_netns bash -c '"$0" "$1"; echo "status $?"; echo "table: $("$2" route show)"' \
		"$RTEMU_WASIX_RUN" "$GUESTS/host_bits.wat" "$RTEMUCTL"
	status_is 0 "$(sed -n 's/^status //p' "$T/out")" host_bits.wat &&
		grep -qx 'table: ' "$T/out"
}
ktap_test_result "host_bits.wat: a CIDR with host bits set is EINVAL for the guest, the table stays empty" host_bits

unprivileged() {
	in_netns bash -c '"$1" route add 10.9.0.0/16 via 192.0.2.9 || exit 1
		setpriv --bounding-set=-net_admin --inh-caps=-net_admin -- "$0" "$2"
		echo "status $?"; echo "table: $("$1" route show)"' \
		"$RTEMU_WASIX_RUN" "$RTEMUCTL" "$GUESTS/unprivileged.wat" || return 1
	status_is 0 "$(sed -n 's/^status //p' "$T/out")" unprivileged.wat &&
		grep -q '^table: 10\.9\.0\.0/16 via 192\.0\.2\.9 ' "$T/out"
}
ktap_test_result "unprivileged.wat: without CAP_NET_ADMIN the list works, each change is EPERM and changes nothing" unprivileged

small_buffer() {
	in_netns bash -c '"$0" "$1"; echo "status $?"' "$RTEMU_WASIX_RUN" "$GUESTS/small_buffer.wat"
	status_is 0 "$(sed -n 's/^status //p' "$T/out")" small_buffer.wat
}
ktap_test_result "small_buffer.wat: a list buffer too small is EOVERFLOW with the count needed" small_buffer

# The runner's own failures are 125, never a guest's status.
runner_fails() {
	run --netns rtemu-wasix-run-no-such-netns "$GUESTS/routes.wat" 2>"$T/err"
	local rc=$?
	sed 's/^/# /' "$T/err"
	[ $rc = 125 ] && grep -q 'no-such-netns' "$T/err" || return 1
	run "$T/no-such-guest.wasm" 2>"$T/err"
	rc=$?
	sed 's/^/# /' "$T/err"
	[ $rc = 125 ]
}
ktap_test_result "the runner's own failures (no such namespace, no such guest) exit 125" runner_fails

ktap_finished

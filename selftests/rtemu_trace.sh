#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtemu's tracepoints (rust/rtemu_trace.h) through tracefs: a known sequence
# of rtemuctl commands in a namespace of its own produces, in that
# namespace, exactly the trace lines it should (add, clone, change, miss,
# resolve, delete with its reason, deprecate, expire, clear).
. "$(dirname "$0")/lib.sh"

RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}
TRACEFS=/sys/kernel/tracing

ktap_print_header
if [ ! -x "$RTEMUCTL" ]; then
	ktap_skip_all "no rtemuctl at $RTEMUCTL"
	exit "$KSFT_SKIP"
fi
require_rtemu
load_rtemu
mountpoint -q "$TRACEFS" || mount -t tracefs nodev "$TRACEFS" 2>/dev/null
if [ ! -d "$TRACEFS/events/rtemu" ]; then
	ktap_skip_all "no tracefs events (CONFIG_EVENT_TRACING)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 12

T=$(mktemp -d /tmp/rtemu-trace.XXXXXX)
trap 'echo 0 >"$TRACEFS/events/rtemu/enable"; rm -rf "$T"' EXIT
echo 0 >"$TRACEFS/tracing_on"
echo >"$TRACEFS/trace"
echo 1 >"$TRACEFS/events/rtemu/enable"
echo 1 >"$TRACEFS/tracing_on"

# The sequence, in a new namespace; it writes that namespace's inode
# number, which every line names, and waits (polling the trace, no fixed
# sleep) for the lifetimes to run out.
cat >"$T/seq.sh" <<SEQ
set -e
stat -L -c %i /proc/self/ns/net >"$T/netns"
ctl() { "$RTEMUCTL" "\$@" >/dev/null; }
ctl route add 10.0.0.0/8 via 192.0.2.1 clone
ctl route get 10.1.2.3 clone
ctl route change 10.0.0.0/8 flags static
ctl route get 203.0.113.1 clone || true
ctl route add 172.16.0.0/12 via 192.0.2.1 clone xresolve
ctl route get 172.16.0.9 clone
ctl route del 10.0.0.0/8
ctl route add 2001:db8::/32 via 2001:db8::1 preferred 1s expires 2s
for i in \$(seq 600); do
	grep -q 'rtemu_route_expire: netns=[0-9]* 2001:db8::/32' "$TRACEFS/trace" && break
	sleep 0.1
done
ctl route add 192.0.2.0/24 via 0.0.0.0
"$RTEMUCTL" route show | wc -l >"$T/routes"
ctl route flush
SEQ
unshare --net bash "$T/seq.sh"
rc=$?
echo 0 >"$TRACEFS/events/rtemu/enable"
ns=$(cat "$T/netns" 2>/dev/null)
grep " netns=$ns " "$TRACEFS/trace" | sed 's/^.*\(rtemu_route_[a-z]*: \)/\1/' >"$T/lines"
sed 's/^/# /' "$T/lines"

# ktap_test_result splits its command into words; this keeps them whole.
check() {
	local description=$1
	shift
	if "$@"; then ktap_test_pass "$description"; else ktap_test_fail "$description"; fi
}
check "the sequence ran (exit $rc)" [ "$rc" = 0 ]
line() { grep -qxF "$1" "$T/lines"; }
check "add" line "rtemu_route_add: netns=$ns 10.0.0.0/8 via 192.0.2.1 flags=0x103"
check "clone (RTF_UP|GATEWAY|HOST|WASCLONED)" \
	line "rtemu_route_clone: netns=$ns 10.1.2.3/32 via 192.0.2.1 flags=0x20007"
check "change" line "rtemu_route_change: netns=$ns 10.0.0.0/8 via 192.0.2.1 flags=0x903"
check "miss" line "rtemu_route_miss: netns=$ns dst=203.0.113.1 err=0"
check "resolve (a clone of an RTF_XRESOLVE route)" \
	grep -q "^rtemu_route_resolve: netns=$ns 172.16.0.9/32 via 192.0.2.1 " "$T/lines"
check "delete of the clone with its parent (reason parent-deleted)" \
	grep -q "^rtemu_route_delete: netns=$ns 10.1.2.3/32 via 192.0.2.1 flags=.* reason=parent-deleted$" "$T/lines"
check "delete (reason removed)" \
	grep -q "^rtemu_route_delete: netns=$ns 10.0.0.0/8 via 192.0.2.1 flags=.* reason=removed$" "$T/lines"
check "deprecate" \
	grep -q "^rtemu_route_deprecate: netns=$ns 2001:db8::/32 via 2001:db8::1 " "$T/lines"
check "expire" grep -q "^rtemu_route_expire: netns=$ns 2001:db8::/32 via 2001:db8::1 " "$T/lines"
check "clear (every family, the routes left)" \
	line "rtemu_route_clear: netns=$ns family=0 count=$(cat "$T/routes" 2>/dev/null)"
# Each command's events in the order the commands ran.
order=$(sed 's/:.*//' "$T/lines" | uniq | tr '\n' ' ')
check "in order: $order" [ "${order%% rtemu_route_deprecate*}" = \
	"rtemu_route_add rtemu_route_clone rtemu_route_change rtemu_route_miss rtemu_route_add rtemu_route_resolve rtemu_route_delete rtemu_route_add" ]
ktap_finished

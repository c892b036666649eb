#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtemu's tracepoints (rust/rtemu_trace.h) through tracefs: a known sequence
# of rtemuctl commands in a namespace of its own produces, in that
# namespace, exactly the trace lines it should (add, clone, change, miss,
# resolve, delete with its reason, deprecate, expire, clear). Then the
# fields themselves: each event's format names raw fields (the addresses as
# u8 arrays, the delete reason as a number whose names are the UAPI
# header's), and filters on those fields in a tracefs instance keep exactly
# the matching events of a second sequence, which the top buffer, without
# filters, shows all of.
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
ktap_set_plan 25

T=$(mktemp -d /tmp/rtemu-trace.XXXXXX)
# The filtered view of the second sequence.
INST=$TRACEFS/instances/rtemu-trace-$$
cleanup() {
	echo 0 >"$TRACEFS/events/rtemu/enable"
	if [ -d "$INST" ]; then
		echo 0 >"$INST/events/rtemu/enable"
		rmdir "$INST"
	fi
	rm -rf "$T"
}
trap cleanup EXIT
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
check "miss of a router's lookup (rt_setgate: nothing reaches 192.0.2.1)" \
	line "rtemu_route_miss: netns=$ns dst=192.0.2.1 err=0"
check "resolve (a clone of an RTF_XRESOLVE route)" \
	grep -q "^rtemu_route_resolve: netns=$ns 172.16.0.9/32 via 192.0.2.1 " "$T/lines"
check "delete of the clone with its parent (reason parent-deleted)" \
	grep -q "^rtemu_route_delete: netns=$ns 10.1.2.3/32 via 192.0.2.1 flags=.* reason=parent-deleted$" "$T/lines"
check "delete (reason removed)" \
	grep -q "^rtemu_route_delete: netns=$ns 10.0.0.0/8 via 192.0.2.1 flags=.* reason=removed$" "$T/lines"
check "deprecate" \
	grep -q "^rtemu_route_deprecate: netns=$ns 2001:db8::/32 via 2001:db8::1 " "$T/lines"
check "expire" grep -q "^rtemu_route_expire: netns=$ns 2001:db8::/32 via 2001:db8::1 " "$T/lines"
check "add of a route without router (via 0.0.0.0)" \
	line "rtemu_route_add: netns=$ns 192.0.2.0/24 via 0.0.0.0 flags=0x1"
check "clear (every family, the routes left)" \
	line "rtemu_route_clear: netns=$ns family=0 count=$(cat "$T/routes" 2>/dev/null)"
# Each command's events in the order the commands ran; a route through a
# router, and a clone of one, looks its router up first, which nothing
# reaches (a miss): the get of 203.0.113.1 and the next add's lookup make
# one run of misses.
order=$(sed 's/:.*//' "$T/lines" | uniq | tr '\n' ' ')
check "in order: $order" [ "${order%% rtemu_route_deprecate*}" = \
	"rtemu_route_miss rtemu_route_add rtemu_route_miss rtemu_route_clone rtemu_route_change rtemu_route_miss rtemu_route_add rtemu_route_miss rtemu_route_resolve rtemu_route_delete rtemu_route_miss rtemu_route_add" ]

# The fields. The values of an enum of the UAPI header, one "NAME VALUE" a
# line (an enumerator without "= N" is the one before it plus one, as in C).
UAPI_H=$RTEMU_ROOT/include/uapi/linux/rtemu.h
uapi_enum() {
	awk -v start="enum $1 {" '
		$0 == start { on = 1; v = 0; next }
		on && /^};/ { exit }
		on {
			gsub(/[\t ,]/, "")
			if ($0 == "") next
			if (split($0, kv, "=") == 2) v = kv[2] + 0
			print kv[1], v++
		}' "$UAPI_H"
}
uapi_value() { uapi_enum "$1" | awk -v n="$2" '$1 == n { print $2 }'; }
fmt() { cat "$TRACEFS/events/rtemu/$1/format"; }
for e in rtemu_route_clone rtemu_route_delete rtemu_route_miss; do
	fmt $e | sed "s/^/# $e: /"
done

has_fields() {
	local e=$1 f
	shift
	for f in "$@"; do
		fmt "$e" | grep -qF "field:$f;" || { echo "# $e: no field $f"; return 1; }
	done
}
no_strings() {
	! grep -E '__data_loc|__rel_loc|field:(const )?char ' "$TRACEFS"/events/rtemu/rtemu_*/format |
		sed 's/^/# a string: /' | grep .
}
route_fields() {
	local e
	for e in add clone resolve change expire deprecate delete; do
		has_fields rtemu_route_$e "u32 netns" "u8 family" "u8 plen" "u32 flags" \
			"u8 dst[28]" "u8 gw[28]" || return 1
	done
}
# Every delete-reason of the UAPI header, by its number, printed by its
# spec name (the enumerator's name in lower case with dashes).
reason_names() {
	local n v name print
	print=$(fmt rtemu_route_delete | grep '^print fmt:')
	uapi_enum rtemu_delete_reason >"$T/reasons"
	[ -s "$T/reasons" ] || { echo "# no enum rtemu_delete_reason in $UAPI_H"; return 1; }
	while read -r n v; do
		name=$(echo "${n#RTEMU_DELETE_REASON_}" | tr 'A-Z_' 'a-z-')
		grep -qF "{ $v, \"$name\" }" <<<"$print" ||
			{ echo "# $n ($v) is not printed as $name"; return 1; }
	done <"$T/reasons"
}
check "format: no event has a string field" no_strings
check "format: route events have netns, family, plen, flags and dst, gw as u8[28]" route_fields
check "format: delete has the reason as a u32" has_fields rtemu_route_delete "u32 reason"
check "format: miss has dst as u8[28] and err" has_fields rtemu_route_miss "u8 dst[28]" "int err"
check "format: each reason of the UAPI header printed by its number and spec name" reason_names

# Filters on the raw fields, in an instance of their own, for a second
# sequence in a new namespace (which sets the miss filter on its own
# namespace, and misses in a namespace within it too). The top buffer,
# without filters, keeps every event for comparison.
PARENT_DELETED=$(uapi_value rtemu_delete_reason RTEMU_DELETE_REASON_PARENT_DELETED)
INET6=$(uapi_value rtemu_af RTEMU_AF_INET6)
mkdir "$INST"
echo "plen == 32" >"$INST/events/rtemu/rtemu_route_clone/filter"
echo "reason == $PARENT_DELETED" >"$INST/events/rtemu/rtemu_route_delete/filter"
echo "family == $INET6" >"$INST/events/rtemu/rtemu_route_add/filter"
echo 0 >"$TRACEFS/tracing_on"
echo >"$TRACEFS/trace"
echo 1 >"$TRACEFS/events/rtemu/enable"
echo 1 >"$INST/events/rtemu/enable"
echo 1 >"$TRACEFS/tracing_on"
cat >"$T/seq2.sh" <<SEQ
set -e
ns=\$(stat -L -c %i /proc/self/ns/net)
echo \$ns >"$T/netns2"
echo "netns == \$ns" >"$INST/events/rtemu/rtemu_route_miss/filter"
ctl() { "$RTEMUCTL" "\$@" >/dev/null; }
ctl route add 10.0.0.0/8 via 192.0.2.1 clone
ctl route add 2001:db8::/32 via 2001:db8::1 clone
ctl route get 10.1.2.3 clone
ctl route get 2001:db8::5 clone
ctl route get 203.0.113.1 clone || true
unshare --net bash -c 'stat -L -c %i /proc/self/ns/net >"$T/netns3"
	"$RTEMUCTL" route get 203.0.113.2 clone >/dev/null' || true
ctl route del 10.0.0.0/8
ctl route del 2001:db8::/32
SEQ
unshare --net bash "$T/seq2.sh"
rc=$?
echo 0 >"$INST/events/rtemu/enable"
echo 0 >"$TRACEFS/events/rtemu/enable"
ns2=$(cat "$T/netns2" 2>/dev/null)
ns3=$(cat "$T/netns3" 2>/dev/null)
strip() { sed -n 's/^.*\(rtemu_route_[a-z]*: \)/\1/p'; }
strip <"$TRACEFS/trace" >"$T/all"
strip <"$INST/trace" >"$T/filtered"
sed 's/^/# unfiltered: /' "$T/all"
sed 's/^/# filtered: /' "$T/filtered"
ran2() { [ "$rc" = 0 ] && [ -n "$ns2" ] && [ -n "$ns3" ]; }
check "the second sequence ran (exit $rc, namespaces ${ns2:-?} and ${ns3:-?})" ran2
# What the filters leave out happened: in the top buffer.
unfiltered() {
	local l
	for l in "rtemu_route_add: netns=$ns2 10.0.0.0/8 via 192.0.2.1 flags=0x103" \
		"rtemu_route_clone: netns=$ns2 2001:db8::5/128 via 2001:db8::1 flags=0x20007" \
		"rtemu_route_delete: netns=$ns2 10.0.0.0/8 via 192.0.2.1 flags=0x102 reason=removed" \
		"rtemu_route_miss: netns=$ns3 dst=203.0.113.2 err=0"; do
		grep -qxF "$l" "$T/all" || { echo "# not in the top buffer: $l"; return 1; }
	done
}
check "without filters, the events the filters drop are there" unfiltered
# filtered EVENT LINE...: the instance has exactly these lines of EVENT.
filtered() {
	local e=$1
	shift
	diff -u <(printf '%s\n' "$@") <(grep "^$e: " "$T/filtered") | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "filter plen == 32: the IPv4 clone, not the IPv6 one" filtered rtemu_route_clone \
	"rtemu_route_clone: netns=$ns2 10.1.2.3/32 via 192.0.2.1 flags=0x20007"
check "filter reason == $PARENT_DELETED (parent-deleted): the clones, not their parents" \
	filtered rtemu_route_delete \
	"rtemu_route_delete: netns=$ns2 10.1.2.3/32 via 192.0.2.1 flags=0x20006 reason=parent-deleted" \
	"rtemu_route_delete: netns=$ns2 2001:db8::5/128 via 2001:db8::1 flags=0x20006 reason=parent-deleted"
check "filter family == $INET6: the IPv6 add, not the IPv4 one" filtered rtemu_route_add \
	"rtemu_route_add: netns=$ns2 2001:db8::/32 via 2001:db8::1 flags=0x103"
# Its misses: the two adds' and the two clones' lookups of their routers
# (the IPv6 clone's router is cloned through the route itself, which would
# go through itself: EADDRNOTAVAIL), and the get of 203.0.113.1.
check "filter netns == $ns2: its misses, not the one of $ns3" filtered rtemu_route_miss \
	"rtemu_route_miss: netns=$ns2 dst=192.0.2.1 err=0" \
	"rtemu_route_miss: netns=$ns2 dst=2001:db8::1 err=0" \
	"rtemu_route_miss: netns=$ns2 dst=192.0.2.1 err=0" \
	"rtemu_route_miss: netns=$ns2 dst=2001:db8::1 err=-99" \
	"rtemu_route_miss: netns=$ns2 dst=203.0.113.1 err=0"
ktap_finished

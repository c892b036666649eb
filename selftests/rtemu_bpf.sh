#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtemu's BPF kfuncs (include/uapi/linux/rtemu_bpf.h), in a namespace of
# their own: programs of each type they are registered for (syscall, XDP,
# TC) look routes up and give them back, test-run by rtemu_bpf_test on
# crafted IPv4 and IPv6 frames; the verifier refuses a program that leaks
# a route and one that gives it back twice; no reference outlives a run;
# rtemu.ko cannot unload while a program using the kfuncs is loaded; and
# the example bpf/rtemu_drop.bpf.c drops what reject and blackhole routes
# match and counts every route's hits.
#
# User-Mode Linux has no eBPF JIT, and the verifier refuses kfunc calls
# without one: there this checks only that rtemu says in the kernel log
# why it has no kfuncs.
. "$(dirname "$0")/lib.sh"

RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}
BPF_DIR=${RTEMU_BPF_DIR:-$RTEMU_ROOT/selftests/bpf}
LOADER=$BPF_DIR/rtemu_bpf_test

# The rest runs in a network namespace of its own.
if [ -z "${RTEMU_BPF_IN_NETNS:-}" ]; then
	RTEMU_BPF_IN_NETNS=1 exec unshare --net "$0" "$@"
fi

ktap_print_header
for f in "$RTEMUCTL" "$LOADER"; do
	if [ ! -x "$f" ]; then
		ktap_skip_all "no $f (make -C selftests/bpf, cargo build)"
		exit "$KSFT_SKIP"
	fi
done
require_rtemu
# Load it anew, to see what it logs about the kfuncs. The kernel's log
# from here on is what follows a line of our own (empty if the ring lost it).
unload_rtemu
mark="rtemu_bpf.sh $$ $(date +%s%N)"
echo "$mark" >/dev/kmsg
since_mark() { dmesg | sed -n "/$mark/,\$p"; }
load_rtemu
kfunc_log=$(since_mark | grep 'rtemu: BPF kfuncs')
echo "# $kfunc_log"

check() {
	local description=$1
	shift
	if "$@"; then ktap_test_pass "$description"; else ktap_test_fail "$description"; fi
}

if [ ! -e /sys/kernel/btf/vmlinux ]; then
	ktap_set_plan 2
	check "rtemu says in one line why it has no kfuncs" \
		grep -q '^.*rtemu: BPF kfuncs absent: the kernel has no CONFIG_DEBUG_INFO_BTF_MODULES$' <<<"$kfunc_log"
	ktap_test_skip "kfunc programs: no BTF in this kernel (User-Mode Linux also has no eBPF JIT: JIT is required for calling kernel function)"
	ktap_finished
fi
ktap_set_plan 23

T=$(mktemp -d /tmp/rtemu-bpf.XXXXXX)
trap 'rm -rf "$T"' EXIT
ctl() { "$RTEMUCTL" "$@" >/dev/null; }
# The loader's output as diagnostics; its exit status.
run() {
	"$LOADER" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	sed 's/^/# /' "$T/out" "$T/err"
	return $rc
}
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
# Polls a condition for up to a minute.
until_true() { for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done; return 1; }

check "the kfuncs are registered, and rtemu has module BTF" \
	eval 'grep -q "rtemu: BPF kfuncs registered for XDP, TC and syscall programs" <<<"$kfunc_log" && [ -e /sys/kernel/btf/rtemu ]'

ctl route add 10.1.0.0/16 via 192.0.2.1 expires 1h
ctl route add 2001:db8:1::/48 via 2001:db8::1
ctl route add 10.2.0.0/16 via 192.0.2.2 clone
ctl route add 10.3.0.0/16 via 0.0.0.0 reject
ctl route add 10.4.0.0/16 via 0.0.0.0 blackhole
ctl route add 2001:db8:4::/48 via :: blackhole
"$RTEMUCTL" route show | sed 's/^/# /'

# A lookup's line, with its deadline (it moves with the clock) left out.
lookup_is() {
	run "$@"
	[ "$(sed 's/ expires [0-9]*$/ expires -/' "$T/out" | grep -v '^retval ')" = "$EXPECT" ]
}
EXPECT="10.1.0.0/16 via 192.0.2.1 flags 0x3 preferred 0 expires -"
check "syscall program: IPv4, with the route's fields" lookup_is lookup "$BPF_DIR/rtemu_kfunc.bpf.o" 10.1.7.7
check "syscall program: the route's deadline is the one it was added with" \
	eval '[ "$(sed "s/.* expires //" "$T/out")" -gt "$(( ($(date +%s) + 3500) * 1000000000 ))" ]'
EXPECT="2001:db8:1::/48 via 2001:db8::1 flags 0x3 preferred 0 expires -"
check "syscall program: IPv6" lookup_is lookup "$BPF_DIR/rtemu_kfunc.bpf.o" 2001:db8:1::9
EXPECT=none
check "syscall program: a miss is NULL" lookup_is lookup "$BPF_DIR/rtemu_kfunc.bpf.o" 198.51.100.1
EXPECT="10.2.0.0/16 via 192.0.2.2 flags 0x103 preferred 0 expires -"
check "syscall program: a cloning route is returned itself (no report, no clone)" \
	eval 'lookup_is lookup "$BPF_DIR/rtemu_kfunc.bpf.o" 10.2.0.9 && ! "$RTEMUCTL" route show | grep -q "^10.2.0.9"'

EXPECT="10.1.0.0/16 via 192.0.2.1 flags 0x3 preferred 0 expires -"
check "XDP: an IPv4 frame's destination, in the device's namespace" \
	eval 'lookup_is xdp "$BPF_DIR/rtemu_kfunc.bpf.o" 10.1.2.3 && grep -qx "retval 2" "$T/out"'
EXPECT="2001:db8:1::/48 via 2001:db8::1 flags 0x3 preferred 0 expires -"
check "XDP: an IPv6 frame's destination" lookup_is xdp "$BPF_DIR/rtemu_kfunc.bpf.o" 2001:db8:1::1
EXPECT=none
check "XDP: a miss (the program drops it)" \
	eval 'lookup_is xdp "$BPF_DIR/rtemu_kfunc.bpf.o" 203.0.113.5 && grep -qx "retval 1" "$T/out"'
EXPECT="10.1.0.0/16 via 192.0.2.1 flags 0x3 preferred 0 expires -"
check "TC: an IPv4 frame's destination" lookup_is tc "$BPF_DIR/rtemu_kfunc.bpf.o" 10.1.200.1
EXPECT="2001:db8:1::/48 via 2001:db8::1 flags 0x3 preferred 0 expires -"
check "TC: an IPv6 frame's destination" lookup_is tc "$BPF_DIR/rtemu_kfunc.bpf.o" 2001:db8:1:2::3

# Each lookup counted in rt_use; none kept a reference.
use_and_refs() { "$RTEMUCTL" route show | grep "^10.1.0.0/16 " | grep -o 'refcnt [0-9]* use [0-9]*'; }
check "no reference outlived the runs, and each lookup was counted (rt_use)" \
	eval '[ "$(use_and_refs)" = "refcnt 0 use 3" ]'

# Lookups allocate nothing: a CPU has 16 routes for programs. Holding 17
# at once, the 17th is of family 0 (no room, not a miss); all go back.
check "17 routes held at once: 16 found, the 17th of family 0, all given back" \
	eval 'run holdmany "$BPF_DIR/rtemu_kfunc.bpf.o" 10.1.7.7 &&
		out_is "families 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 0
retval 0" && [ "$(use_and_refs)" = "refcnt 0 use 19" ]'

check "the verifier refuses a program that can keep a route" \
	run refused "$BPF_DIR/rtemu_kfunc_leak.bpf.o" "Unreleased reference"
# The first release invalidates the pointer: the second call passes an unknown.
check "the verifier refuses a program that gives a route back twice" \
	run refused "$BPF_DIR/rtemu_kfunc_double.bpf.o" "arg#0 reference type('UNKNOWN ') size cannot be determined"

# The example: reject and blackhole drop; each route's hits are counted.
drop_is() { run drop "$BPF_DIR/rtemu_drop.bpf.o" "$1" "$2"; out_is "$3"; }
check "example: a reject route drops, and counts its hits" \
	drop_is 10.3.0.1 5 "$(printf 'verdict drop\nhits 10.3.0.0/16 5')"
check "example: a blackhole route drops (IPv4 and IPv6)" \
	eval 'drop_is 10.4.9.9 1 "$(printf "verdict drop\nhits 10.4.0.0/16 1")" &&
		drop_is 2001:db8:4::1 2 "$(printf "verdict drop\nhits 2001:db8:4::/48 2")"'
check "example: another route passes, and counts; no route passes uncounted" \
	eval 'drop_is 10.1.0.1 3 "$(printf "verdict pass\nhits 10.1.0.0/16 3")" &&
		drop_is 192.0.2.200 3 "verdict pass"'

# The example on real traffic, in softirq: datagrams from another namespace
# through a veth pair to a receiver here. Each step waits for the previous
# datagram to be seen (received, or counted by the program), so route
# changes never race the packets in flight.
tx=rtemu-bpf-tx-$$
ip netns add "$tx"
trap 'ip netns del "$tx" 2>/dev/null; rm -rf "$T"' EXIT
ip link set lo up
ip link add rtb0 type veth peer name rtb1 netns "$tx"
ip addr add 10.6.0.1/24 dev rtb0
ip link set rtb0 up
ip -n "$tx" addr add 10.6.0.2/24 dev rtb1
ip -n "$tx" link set rtb1 up
ctl route add 10.6.0.0/24 via 0.0.0.0
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
pin=/sys/fs/bpf/rtemu_hits_$$
mkfifo "$T/attach"
"$LOADER" attach "$BPF_DIR/rtemu_drop.bpf.o" rtb0 "$pin" <"$T/attach" >"$T/attached" 2>&1 &
attacher=$!
exec 8>"$T/attach"
"$RTEMU_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.6.0.1", 9999))
open(sys.argv[1] + ".ready", "w").close()
while True:
    d = s.recv(64).decode()
    with open(sys.argv[1], "a") as f:
        f.write(d + "\n")
    if d == "end":
        break
' "$T/rx" &
receiver=$!
send() { ip netns exec "$tx" bash -c "echo -n $1 >/dev/udp/10.6.0.1/9999"; }
hits_of() { "$LOADER" hits "$pin" | grep -qx "hits $1 $2"; }
until_true grep -q attached "$T/attached" && until_true test -e "$T/rx.ready" &&
	send pass && until_true grep -qx pass "$T/rx" &&
	ctl route add 10.6.0.1/32 via 0.0.0.0 blackhole &&
	send drop1 && send drop2 && until_true hits_of 10.6.0.1/32 2 &&
	ctl route del 10.6.0.1/32 && send end && until_true grep -qx end "$T/rx"
traffic=$?
sed 's/^/# attach: /' "$T/attached"
"$LOADER" hits "$pin" | sed 's/^/# /'
check "example on veth traffic: a datagram whose route is plain passes, counted" \
	eval '[ "$traffic" = 0 ] && hits_of 10.6.0.0/24 2'
check "example on veth traffic: datagrams to a blackhole route are dropped, counted" \
	eval '[ "$(cat "$T/rx")" = "$(printf "pass\nend")" ] && hits_of 10.6.0.1/32 2'
exec 8>&-
wait "$attacher"
# Lookups in softirq (XDP on veth) and in tasks take the same entry locks:
# lockdep reports a lock taken in both without bottom halves disabled. It
# must still be on (it turns itself off after a first report).
lockdep_on() { [ ! -e /proc/lockdep_stats ] || grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats; }
no_report() { since_mark >"$T/log" && grep -q "$mark" "$T/log" &&
	! grep -E "inconsistent lock state|possible .*deadlock|WARNING:|BUG:" "$T/log"; }
check "no lockdep or other kernel report from lookups in softirq and in tasks" \
	eval 'lockdep_on && no_report' 
kill "$receiver" 2>/dev/null
wait "$receiver" 2>/dev/null

# While a program using the kfuncs is loaded, rtemu.ko stays.
mkfifo "$T/hold"
"$LOADER" hold "$BPF_DIR/rtemu_kfunc.bpf.o" <"$T/hold" >"$T/held" &
holder=$!
exec 7>"$T/hold"
until_true grep -q loaded "$T/held"
check "rtemu.ko cannot unload while a program using its kfuncs is loaded" \
	eval 'grep -q loaded "$T/held" && [ "$(cat /sys/module/rtemu/refcnt)" -gt 0 ] &&
		! rmmod rtemu 2>/dev/null && module_loaded'
exec 7>&-
wait "$holder"
# The program's last reference on the module goes after an RCU grace period.
check "and unloads once the program is closed" until_true eval 'rmmod rtemu 2>/dev/null'
load_rtemu
ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's script inside the guest. Each step is shown before it runs:
# the family through the kernel's YNL CLI, then a walkthrough with rtemuctl
# (routes with lifetimes, lookups that clone, a monitor and a resolver in
# the background, holds, a route expiring, stats), and a WASIX guest's route
# through wasmer's VirtualNetworking trait (tools/rtemu-wasix) expiring, then
# a real WebAssembly guest's under wasmer (tools/rtemu-wasix-run,
# RTEMU_WASIX_RUN).
set -euo pipefail
cd "$(dirname "$0")/.."
spec=include/rtemu.yaml
cli=$KSRC/tools/net/ynl/pyynl/cli.py
schema=$KSRC/Documentation/netlink/genetlink.yaml
RTEMUCTL=${RTEMUCTL:-$PWD/tools/target/debug/rtemuctl}
RTEMU_WASIX=${RTEMU_WASIX:-$PWD/tools/target/debug/examples/wasix_routes}

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# A comment of the walkthrough, one argument a line.
say() {
	echo
	printf '\033[36m# %s\033[0m\n' "$@"
}
# A step: shown, run, and given a moment so background output lands next to
# it. stderr joins stdout: the guest's stderr reaches the console apart.
step() {
	bold "\$ $*"
	"$@" 2>&1
	sleep 0.5
}
# A step that is meant to fail: its error is the point.
step_fails() {
	bold "\$ $*"
	if "$@" 2>&1; then
		echo "(unexpectedly succeeded)"
		return 1
	fi
	sleep 0.5
}
ynl() { "$RTEMU_PY" "$cli" --spec "$spec" --schema "$schema" "$@"; }
nlctrl() { "$RTEMU_PY" "$cli" --spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" --schema "$KSRC/Documentation/netlink/genetlink-legacy.yaml" "$@"; }
rtemuctl() { "$RTEMUCTL" "$@"; }
rtemu-wasix-run() { "$RTEMU_WASIX_RUN" "$@"; }

bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# shown FILE LABEL: a copy of the output into FILE, and the output shown
# labelled, less the misses of `listening`.
shown() {
	tee "$1" | sed -u "/ miss 198\.51\.100\.1 /d; s/^/    [$2] /"
}

# listening FILE: a background monitor or resolver prints misses; once one
# shows, it has joined its groups.
listening() {
	local i
	for i in $(seq 30); do
		rtemuctl route get 198.51.100.1 clone >/dev/null 2>&1 || true
		sleep 0.5
		! grep -q 'miss 198.51.100.1' "$1" || return 0
	done
	echo "no output from the background rtemuctl in $1" >&2
	return 1
}

say "The module and its generic netlink family, through the kernel's YNL CLI"
step insmod rtemu.ko
step sh -c 'dmesg | grep "rtemu:" | tail -n1'
step nlctrl --do getfamily --json '{"family-name": "rtemu"}'
step ynl --list-ops

if [ ! -x "$RTEMUCTL" ]; then
	say "No rtemuctl at $RTEMUCTL (cargo build --manifest-path tools/Cargo.toml -p rtemuctl); stopping here"
	step rmmod rtemu
	exit 0
fi

# Started from the host's 9p share a debug rtemuctl takes seconds under TCG;
# a copy in the guest's own /tmp, without debug info, a fraction of that.
# On PATH, so that commands run by `hold --` find it too.
ctl_dir=$(mktemp -d /tmp/rtemuctl.XXXXXX)
strip -o "$ctl_dir/rtemuctl" "$RTEMUCTL" 2>/dev/null || cp "$RTEMUCTL" "$ctl_dir/rtemuctl"
RTEMUCTL=$ctl_dir/rtemuctl
PATH=$ctl_dir:$PATH

say "rtemuctl: route(8) / ip route for rtemu. Two of them run in the background" \
	"from now on: a monitor printing every event (lines marked [monitor]), and a" \
	"resolver that will answer the next RTF_XRESOLVE clone with 192.0.2.77 and" \
	"exit (lines marked [resolver])."
mon=$(mktemp /tmp/demo-monitor.XXXXXX)
res=$(mktemp /tmp/demo-resolver.XXXXXX)
bold "\$ rtemuctl monitor &"
"$RTEMUCTL" monitor > >(shown "$mon" monitor) 2>&1 &
bg+=($!)
listening "$mon"
bold "\$ rtemuctl resolve --via 192.0.2.77 --count 1 &"
"$RTEMUCTL" resolve --via 192.0.2.77 --count 1 > >(shown "$res" resolver) 2>&1 &
resolver=$!
bg+=("$resolver")
listening "$res"

say "Routes with lifetimes: as durations, or as RFC 3339 times"
step rtemuctl route add 10.0.0.0/8 via 192.0.2.1 static preferred 10m expires 1h
step rtemuctl route add 10.1.0.0/16 via 192.0.2.2 clone expires at "$(date -u -d '+2 hours' +%FT%TZ)"
step rtemuctl route add 2001:db8::/32 via fe80::1
step rtemuctl route add 10.9.0.0/16 via 192.0.2.9 preferred 3s expires 6s
step rtemuctl route show
step rtemuctl -j route show inet6

say "Errors carry the kernel's extack message"
step_fails rtemuctl route add 10.0.0.0/8 via 192.0.2.1
step_fails rtemuctl route add 10.0.0.1/8 via 192.0.2.1

say "route get is rtalloc1(): a plain lookup never clones..."
step rtemuctl route get 10.1.2.3
say "...with clone (report set) a match on an RTF_CLONING route clones a host route"
step rtemuctl route get 10.1.2.3 clone
step rtemuctl route show inet

say "RTF_XRESOLVE: a clone is announced to userspace (a resolve event) and the" \
	"resolver in the background answers it with route change ... new-via"
step rtemuctl route add 10.3.0.0/16 via 0.0.0.0 clone xresolve
step rtemuctl route get 10.3.0.9 clone
for _ in $(seq 60); do
	kill -0 "$resolver" 2>/dev/null || break
	sleep 0.5
done
sleep 0.5
step rtemuctl route get 10.3.0.9

say "Holds keep a reference while a command runs (the route's refcnt, stats' holds)"
step rtemuctl hold 10.1.2.3 -- rtemuctl stats

say "10.9.0.0/16 (preferred 3s, expires 6s) was deprecated, then expired: see its" \
	"deprecate and expire lines above. It is gone from the table"
for _ in $(seq 40); do
	grep -q ' expire 10.9.0.0/16' "$mon" && break
	sleep 0.5
done
step rtemuctl route show inet

if [ -x "$RTEMU_WASIX" ]; then
	strip -o "$ctl_dir/wasix_routes" "$RTEMU_WASIX" 2>/dev/null || cp "$RTEMU_WASIX" "$ctl_dir/wasix_routes"
	say "A WASIX guest's port_route_add, as wasmer hands it to its VirtualNetworking" \
		"trait: rtemu-wasix keeps it in this table. expires_at is an absolute time," \
		"3 s from now"
	step wasix_routes add 10.20.0.0/16 192.0.2.20 --expires-in 3
	step wasix_routes list
	step rtemuctl route show inet
	for _ in $(seq 40); do
		grep -q ' expire 10.20.0.0/16' "$mon" && break
		sleep 0.5
	done
	say "It expired on time (the monitor's expire line above), and port_route_list" \
		"no longer has it"
	step wasix_routes list
fi

if [ -x "${RTEMU_WASIX_RUN:-}" ]; then
	say "A real WebAssembly guest under wasmer (tools/rtemu-wasix-run): its" \
		"port_route_add of 10.30.0.0/16 expiring 3 s after its clock's now" \
		"(guests/expiring.wat) lands in this table"
	step rtemu-wasix-run tools/rtemu-wasix-run/guests/expiring.wat
	step rtemuctl route show inet
	for _ in $(seq 40); do
		grep -q ' expire 10.30.0.0/16' "$mon" && break
		sleep 0.5
	done
	say "It expired on time: the monitor's expire line above"
	step rtemuctl route show inet
fi

say "Counters of this namespace's table"
step rtemuctl stats
step rtemuctl -j stats

say "Flush: one clear event however many routes went"
step rtemuctl route flush
sleep 1
cleanup
bg=()
step rmmod rtemu

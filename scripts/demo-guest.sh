#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's script inside the guest. Each step is shown before it runs:
# the family through the kernel's YNL CLI, then a walkthrough with rtemuctl
# (routes with lifetimes, lookups that clone, a monitor and a resolver in
# the background, holds, a route expiring, stats).
set -euo pipefail
cd "$(dirname "$0")/.."
spec=include/rtemu.yaml
cli=$KSRC/tools/net/ynl/pyynl/cli.py
schema=$KSRC/Documentation/netlink/genetlink.yaml
RTEMUCTL=${RTEMUCTL:-$PWD/tools/target/debug/rtemuctl}

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '\n\033[36m# %s\033[0m\n' "$*"; }
# A step: shown, run, and given a moment so background output lands next to it.
step() {
	bold "\$ $*"
	"$@"
	sleep 0.5
}
# A step that is meant to fail: its error is the point.
step_fails() {
	bold "\$ $*"
	if "$@"; then
		echo "(unexpectedly succeeded)"
		return 1
	fi
	sleep 0.5
}
ynl() { "$RTEMU_PY" "$cli" --spec "$spec" --schema "$schema" "$@"; }
nlctrl() { "$RTEMU_PY" "$cli" --spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" --schema "$KSRC/Documentation/netlink/genetlink-legacy.yaml" "$@"; }
rtemuctl() { "$RTEMUCTL" "$@"; }

bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# follow FILE LABEL: show what a background rtemuctl prints, labelled.
follow() {
	tail -n0 -f "$1" | sed -u "s/^/    [$2] /" &
	bg+=($!)
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

say "rtemuctl: route(8) / ip route for rtemu. A monitor runs in the background"
say "from now on; its lines are marked [monitor]."
mon=$(mktemp /tmp/demo-monitor.XXXXXX)
"$RTEMUCTL" monitor >"$mon" 2>&1 &
bg+=($!)
listening "$mon"
follow "$mon" monitor
bold "\$ rtemuctl monitor &"

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

say "RTF_XRESOLVE: clones go to userspace for resolution. A resolver answers"
say "the next one with 192.0.2.77 and exits; its lines are marked [resolver]."
res=$(mktemp /tmp/demo-resolver.XXXXXX)
"$RTEMUCTL" resolve --via 192.0.2.77 --count 1 >"$res" 2>&1 &
resolver=$!
bg+=("$resolver")
listening "$res"
follow "$res" resolver
bold "\$ rtemuctl resolve --via 192.0.2.77 --count 1 &"
step rtemuctl route add 10.3.0.0/16 via 0.0.0.0 clone xresolve
step rtemuctl route get 10.3.0.9 clone
wait "$resolver" || true
sleep 0.5
step rtemuctl route get 10.3.0.9

say "Holds keep a reference while a command runs (the route's refcnt, stats' holds)"
step rtemuctl hold 10.1.2.3 -- "$RTEMUCTL" stats

say "10.9.0.0/16 was added with preferred 3s, expires 6s: watch it deprecate and expire"
for _ in $(seq 40); do
	grep -q ' expire 10.9.0.0/16' "$mon" && break
	sleep 0.5
done
step rtemuctl route show inet

say "Counters of this namespace's table"
step rtemuctl stats
step rtemuctl -j stats

say "Flush: one clear event however many routes went"
step rtemuctl route flush
sleep 1
cleanup
bg=()
step rmmod rtemu

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtemuctl (tools/rtemuctl) against the real module: every command, its text
# and JSON output, errors with the kernel's extack, holds, events, the
# XRESOLVE resolver loop, resync after ENOBUFS and bulk loads with -batch.
# Asserts on what rtemuctl prints, not only on exit statuses.
. "$(dirname "$0")/lib.sh"

RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}

ktap_print_header
if [ ! -x "$RTEMUCTL" ]; then
	ktap_skip_all "no rtemuctl at $RTEMUCTL (cargo build --manifest-path tools/Cargo.toml -p rtemuctl)"
	exit "$KSFT_SKIP"
fi
require_rtemu
ktap_set_plan 22
load_rtemu

T=$(mktemp -d /tmp/rtemuctl.XXXXXX)
# Started from the host's 9p share a debug rtemuctl took 2.8 s under TCG; a
# copy in the guest's own /tmp 0.55 s, without its debug info 0.35 s.
{ strip -o "$T/rtemuctl" "$RTEMUCTL" 2>/dev/null || cp "$RTEMUCTL" "$T/rtemuctl"; } &&
	RTEMUCTL=$T/rtemuctl
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ctl() { "$RTEMUCTL" "$@"; }

# Under TCG every process start costs: the helpers below fork nothing but
# rtemuctl itself.

# run ARGS...: rtemuctl's stdout in $OUT, stderr in $ERR, status in $RC,
# and the values of its `key: value` lines in K[key].
declare -A K
run() {
	OUT=$("$RTEMUCTL" "$@" 2>"$T/stderr")
	RC=$?
	IFS= read -r -d '' ERR <"$T/stderr"
	ERR=${ERR%$'\n'}
	K=()
	local l
	while IFS= read -r l; do
		[[ $l =~ ^\ *([a-z0-9-]+):\ (.*)$ ]] && K[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
	done <<<"$OUT"
}

# Diagnostics, every line commented.
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
fail() {
	diag "$@"
	return 1
}

# matches TEXT ERE: a line of TEXT matches ERE (BASH_REMATCH is its match).
matches() {
	local l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && return 0
	done <<<"$1"
	return 1
}
# has TEXT ERE: TEXT has a line matching ERE.
has() { matches "$1" "$2" || fail "no line matching /$2/ in:" "$1"; }
hasnt() { ! matches "$1" "$2" || fail "unexpected /$2/ in:" "$1"; }
# nlines TEXT N: TEXT has N lines (an empty TEXT none).
nlines() {
	local -a a=()
	[ -z "$1" ] || mapfile -t a <<<"$1"
	[ "${#a[@]}" = "$2" ] || fail "${#a[@]} lines, wanted $2:" "$1"
}
status_is() { [ "$RC" = "$1" ] || fail "exit status $RC, wanted $1; stderr: $ERR"; }

# wait_for FILE ERE SECONDS: FILE gets a line matching ERE in time.
wait_for() {
	local deadline=$((SECONDS + $3))
	until grep -qE -- "$2" "$1" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# until_seen FILE ERE CMD...: repeat CMD until FILE shows ERE: a listener
# started in the background has joined its groups once it prints the
# event CMD caused.
until_seen() {
	local file=$1 re=$2 i
	shift 2
	for i in $(seq 15); do
		"$@" >/dev/null 2>&1
		wait_for "$file" "$re" 2 && return 0
	done
	fail "$file never showed /$re/:" "$(cat "$file")"
}

# The top-level keys of a one-line JSON object, one a line (no nesting).
json_keys() { grep -oE '"[a-z0-9-]+":' <<<"$1" | tr -d '":'; }

# Seconds since the epoch of an RFC 3339 time.
epoch() { date -u -d "$1" +%s; }

# near A B SLACK: |A - B| <= SLACK.
near() {
	local d=$(($1 - $2))
	[ "${d#-}" -le "$3" ] || fail "$1 is not within $3 of $2"
}

# ------------------------------------------------------------------ route add

t_add_durations() {
	ctl route flush >/dev/null || return 1
	local t0
	t0=$(date +%s)
	run route add 10.0.0.0/8 via 192.0.2.1 preferred 5m expires 1h static
	status_is 0 || return 1
	[ -z "$OUT" ] || fail "route add printed: $OUT" || return 1
	run route show
	has "$OUT" '^10\.0\.0\.0/8 via 192\.0\.2\.1 flags up,gateway,static preferred [^ ]+ preferred-left (4m[0-9]+s|5m) expires [^ ]+ expires-left (59m[0-9]+s|1h) refcnt 0 use 0$' || return 1
	matches "$OUT" '^10\.0\.0\.0/8 .* preferred ([^ ]+) .* expires ([^ ]+) ' || return 1
	near "$(epoch "${BASH_REMATCH[1]}")" $((t0 + 300)) 30 &&
		near "$(epoch "${BASH_REMATCH[2]}")" $((t0 + 3600)) 30
}

t_add_times_and_flags() {
	run route add 10.1.0.0/16 via 192.0.2.2 until 2099-01-01T02:00:00+02:00 at 2099-01-02T00:00:00Z clone
	status_is 0 || return 1
	ctl route add 2001:db8::/32 via fe80::1 blackhole &&
		ctl route add 10.3.0.0/16 via 0.0.0.0 clone xresolve &&
		ctl route add 10.4.0.0/16 via 192.0.2.4 preferred until 2099-01-01T00:00:00Z expires at 2099-06-01T00:00:00Z reject ||
		return 1
	run route show
	has "$OUT" '^10\.1\.0\.0/16 via 192\.0\.2\.2 flags up,gateway,cloning preferred 2099-01-01T00:00:00Z preferred-left [0-9]+d[^ ]* expires 2099-01-02T00:00:00Z expires-left [0-9]+d[^ ]* refcnt 0 use 0$' &&
		has "$OUT" '^2001:db8::/32 via fe80::1 flags up,gateway,blackhole refcnt 0 use 0$' &&
		has "$OUT" '^10\.3\.0\.0/16 via 0\.0\.0\.0 flags up,cloning,xresolve refcnt 0 use 0$' &&
		has "$OUT" '^10\.4\.0\.0/16 via 192\.0\.2\.4 flags up,gateway,reject preferred 2099-01-01T00:00:00Z .* expires 2099-06-01T00:00:00Z '
}

# ----------------------------------------------------------------- route show

t_show_text() {
	run route show
	status_is 0 || return 1
	local dsts= l
	while read -r l _; do dsts+="$l "; done <<<"$OUT"
	[ "$dsts" = "10.0.0.0/8 10.1.0.0/16 10.3.0.0/16 10.4.0.0/16 2001:db8::/32 " ] ||
		fail "route show lists: $dsts" || return 1
	run route show inet6
	[ "$OUT" = "2001:db8::/32 via fe80::1 flags up,gateway,blackhole refcnt 0 use 0" ] ||
		fail "route show inet6: $OUT" || return 1
	run route list inet
	nlines "$OUT" 4 && hasnt "$OUT" '2001:'
}

t_show_json() {
	ctl route show >"$T/show.txt" && ctl -j route show >"$T/show.json" || return 1
	"$RTEMU_PY" - "$T/show.txt" "$T/show.json" <<-'EOF' || fail "$(cat "$T/show.txt" "$T/show.json")"
	import json, sys
	text = open(sys.argv[1]).read().splitlines()
	objs = json.load(open(sys.argv[2]))
	assert len(text) == len(objs) == 5, (len(text), len(objs))
	for line, obj in zip(text, objs):
	    w = line.split()
	    d = {'dst': w[0]}
	    d.update(zip(w[1::2], w[2::2]))
	    assert list(d) == list(obj), (list(d), list(obj))
	    for k, v in obj.items():
	        if k.endswith('-left'):
	            continue   # the clock ticked between the two dumps
	        tv = (','.join(v) or 'none') if isinstance(v, list) else str(v)
	        assert d[k] == tv, (k, d[k], v)
	    assert isinstance(obj['flags'], list) and isinstance(obj['refcnt'], int), obj
	EOF
}

# ------------------------------------------------------------------ route get

t_get_plain() {
	run route get 10.1.2.3
	status_is 0 || return 1
	[ "${K[route-to]}" = 10.1.2.3 ] &&
		[ "${K[dst]}" = 10.1.0.0/16 ] &&
		[ "${K[via]}" = 192.0.2.2 ] &&
		[ "${K[flags]}" = up,gateway,cloning ] &&
		[ "${K[preferred]}" = 2099-01-01T00:00:00Z ] ||
		fail "route get 10.1.2.3:" "$OUT" || return 1
	# Aligned like FreeBSD route get: every colon in the same column.
	local l col=
	while IFS= read -r l; do
		l=${l%%:*}
		[ "${col:=${#l}}" = "${#l}" ] || fail "not aligned:" "$OUT" || return 1
	done <<<"$OUT"
	# A plain get never clones.
	run stats
	[ "${K[clones]}" = 0 ] || fail "a plain get cloned:" "$OUT" || return 1
	run route show
	hasnt "$OUT" '^10\.1\.2\.3/32'
}

t_get_clone() {
	run route get 10.1.2.3 clone
	status_is 0 || return 1
	[ "${K[dst]}" = 10.1.2.3/32 ] &&
		[ "${K[flags]}" = up,gateway,host,wascloned ] &&
		[ "${K[parent]}" = 10.1.0.0/16 ] ||
		fail "route get 10.1.2.3 clone:" "$OUT" || return 1
	local text=$OUT
	run stats
	[ "${K[clones]}" = 1 ] || fail "no clone counted:" "$OUT" || return 1
	run route show
	has "$OUT" '^10\.1\.2\.3/32 via 192\.0\.2\.2 flags up,gateway,host,wascloned .* parent 10\.1\.0\.0/16$' &&
		has "$OUT" '^10\.1\.0\.0/16 .* refcnt 0 ' || return 1
	# noclone: report without cloning, the parent answers.
	run route get 10.1.9.9 clone noclone
	[ "${K[dst]}" = 10.1.0.0/16 ] || fail "clone noclone:" "$OUT" || return 1
	# -j: the same keys, in the same order, as the text.
	run -j route get 10.1.2.3
	[ "$(json_keys "$OUT")" = "$(sed -E 's/^ *([^:]+):.*/\1/' <<<"$text")" ] &&
		has "$OUT" '^\{"route-to":"10\.1\.2\.3","dst":"10\.1\.2\.3/32","via":"192\.0\.2\.2","flags":\["up","gateway","host","wascloned"\],.*"parent":"10\.1\.0\.0/16"\}$' ||
		fail "$text" "$OUT"
}

# --------------------------------------------------------------- route change

t_change() {
	run route change 10.0.0.0/8 new-via 192.0.2.9 flags static,reject expires 2h
	status_is 0 || return 1
	run route get 10.5.5.5
	[ "${K[via]}" = 192.0.2.9 ] &&
		[ "${K[flags]}" = up,gateway,reject,static ] &&
		[[ ${K[expires-left]} =~ ^(1h[0-9]+m|2h) ]] ||
		fail "after route change:" "$OUT" || return 1
	# Back to no flags, and to on-link (gateway follows via).
	run route change 10.0.0.0/8 via 192.0.2.9 new-via 0.0.0.0 flags none
	status_is 0 || return 1
	run route get 10.5.5.5
	[ "${K[via]}" = 0.0.0.0 ] && [ "${K[flags]}" = up ] ||
		fail "after flags none:" "$OUT" || return 1
	ctl route change 10.0.0.0/8 new-via 192.0.2.1 flags static
}

# --------------------------------------------------------------------- errors

t_errors() {
	run route add 10.0.0.0/8 via 192.0.2.1
	status_is 1 &&
		[ "$ERR" = "Error: the route exists (same prefix and via) (File exists)" ] ||
		fail "duplicate add: $ERR" || return 1
	run route add 10.0.0.0/33 via 192.0.2.1
	status_is 2 && has "$ERR" "invalid value '10\.0\.0\.0/33'" || return 1
	run route add 10.0.0.1/8 via 192.0.2.1
	status_is 1 && has "$ERR" '^Error: dst has host bits set beyond prefix-len; bad attribute dst \(Invalid argument\)$' || return 1
	run route add 10.9.0.0/16 via 192.0.2.1 expires at 2000-01-01T00:00:00Z
	status_is 1 && has "$ERR" '^Error: expires-at is in the past; bad attribute expires-at \(Invalid argument\)$' || return 1
	run route add 10.9.0.0/16 via 192.0.2.1 expires soon
	status_is 2 && has "$ERR" 'bad duration "soon"' || return 1
	run route add 10.9.0.0/16 clone
	status_is 2 && has "$ERR" 'needs via' || return 1
	run route get 11.0.0.1
	status_is 1 && has "$ERR" '^Error: no route to addr; bad attribute addr \(Network is unreachable\)$' || return 1
	run route change 10.77.0.0/16 new-via 192.0.2.9
	status_is 1 && has "$ERR" '^Error: no such route \(No such process\)$' || return 1
	run route change 10.0.0.0/8 flags up,static
	status_is 2 && has "$ERR" "flag up is the kernel's to set" || return 1
	run route change 10.0.0.0/8 flags static,cloning
	status_is 1 && has "$ERR" '^Error: route-change can set only static, reject and blackhole \(RTF_FMASK\); bad attribute flags \(Invalid argument\)$' || return 1
	run route del 10.0.0.1 via 192.0.2.1
	status_is 2 || return 1
	run route show
	hasnt "$OUT" '^10\.9\.'
}

t_unprivileged() {
	OUT=$(without_net_admin "$RTEMUCTL" route show 2>&1) &&
		nlines "$OUT" 6 || return 1
	OUT=$(without_net_admin "$RTEMUCTL" stats 2>&1) || fail "unprivileged stats: $OUT" || return 1
	OUT=$(without_net_admin "$RTEMUCTL" route get 10.1.7.7 clone 2>&1)
	RC=$?
	status_is 1 && has "$OUT" '^Error: cloning a route needs CAP_NET_ADMIN.*\(Operation not permitted\)$' || return 1
	OUT=$(without_net_admin "$RTEMUCTL" route add 10.8.0.0/16 via 192.0.2.1 2>&1)
	RC=$?
	status_is 1 && has "$OUT" 'Operation not permitted'
}

# ------------------------------------------------------------------ route del

t_del() {
	ctl route add 10.50.0.0/16 via 192.0.2.1 && ctl route add 10.50.0.0/16 via 192.0.2.2 || return 1
	run route del 10.50.0.0/16 via 192.0.2.1
	status_is 0 && [ "$OUT" = "count 1" ] || fail "del via: $OUT" || return 1
	run route show
	has "$OUT" '^10\.50\.0\.0/16 via 192\.0\.2\.2 ' && hasnt "$OUT" '^10\.50\.0\.0/16 via 192\.0\.2\.1 ' || return 1
	run route del 10.50.0.0/16 via 192.0.2.1
	status_is 1 && has "$ERR" 'no such route' || return 1
	ctl route add 10.50.0.0/16 via 192.0.2.3 || return 1
	run route delete 10.50.0.0/16
	[ "$OUT" = "count 2" ] || fail "del prefix: $OUT" || return 1
	# A bare address: routes via it and host routes to it.
	ctl route add 10.60.0.0/16 via 192.0.2.60 && ctl route add 10.61.0.0/16 via 192.0.2.60 &&
		ctl route add 192.0.2.60/32 via 192.0.2.254 && ctl route add 10.62.0.0/16 via 192.0.2.61 ||
		return 1
	run -j route del 192.0.2.60
	[ "$OUT" = '{"count":3}' ] || fail "del addr: $OUT" || return 1
	run route show
	hasnt "$OUT" '(^10\.6[01]\.|^192\.0\.2\.60/32)' && has "$OUT" '^10\.62\.0\.0/16 ' &&
		ctl route del 10.62.0.0/16 >/dev/null
}

# ---------------------------------------------------------------- route flush

t_flush() {
	ctl route add 2001:db8:1::/48 via fe80::2 || return 1
	run route flush inet6
	[ "$OUT" = "count 2" ] || fail "flush inet6: $OUT" || return 1
	run route show inet6
	[ -z "$OUT" ] || fail "inet6 left: $OUT" || return 1
	run route show inet
	nlines "$OUT" 5 || return 1
	run -j route flush inet
	[ "$OUT" = '{"count":5}' ] || fail "flush inet: $OUT" || return 1
	ctl route add 10.0.0.0/8 via 192.0.2.1 && ctl route add 2001:db8::/32 via fe80::1 || return 1
	run route flush
	[ "$OUT" = "count 2" ] && [ -z "$(ctl route show)" ] || fail "flush: $OUT"
}

# ---------------------------------------------------------------------- stats

t_stats() {
	ctl route add 10.0.0.0/8 via 192.0.2.1 clone && ctl route add 2001:db8::/32 via fe80::1 &&
		ctl route get 10.0.0.7 clone >/dev/null || return 1
	run stats
	local want="     routes-inet: 2
    routes-inet6: 1
          clones: 1
           trash: 0
           holds: 0"
	[ "$(head -n5 <<<"$OUT")" = "$want" ] && has "$OUT" '^ *misses: [0-9]+$' &&
		has "$OUT" '^ *resolves: [0-9]+$' && has "$OUT" '^ *lifetime-runs: [0-9]+$' &&
		has "$OUT" '^ *writer-visits: [0-9]+$' && has "$OUT" '^writer-batch-max: [0-9]+$' &&
		has "$OUT" '^ *events-lost: 0$' && has "$OUT" '^ *unreach: [0-9]+$' ||
		fail "stats:" "$OUT" || return 1
	run -j stats
	has "$OUT" '^\{"routes-inet":2,"routes-inet6":1,"clones":1,"trash":0,"holds":0,"misses":[0-9]+,"resolves":[0-9]+,"lifetime-runs":[0-9]+,"writer-visits":[0-9]+,"writer-batch-max":[0-9]+,"events-lost":0,"unreach":[0-9]+\}$'
}

# ----------------------------------------------------------------------- hold

t_hold_cmd() {
	# The command sees the holds; they end with it; its status is ours.
	run hold 10.0.0.1 2001:db8::5 -- sh -c '"$0" stats; "$0" route get 10.0.0.1; exit 3' "$RTEMUCTL"
	status_is 3 || return 1
	has "$OUT" '^10\.0\.0\.1 handle [0-9]+ dst 10\.0\.0\.0/8 via 192\.0\.2\.1 flags up,gateway,cloning refcnt 1$' &&
		has "$OUT" '^2001:db8::5 handle [0-9]+ dst 2001:db8::/32 via fe80::1 flags up,gateway refcnt 1$' &&
		[ "${K[holds]}" = 2 ] && [ "${K[refcnt]}" = 1 ] ||
		fail "hold -- CMD:" "$OUT" || return 1
	run stats
	[ "${K[holds]}" = 0 ] || fail "holds left:" "$OUT" || return 1
	# A held route that is deleted waits in the trash until released.
	run hold 10.0.0.1 -- sh -c '"$0" route del 10.0.0.0/8 >/dev/null; "$0" stats' "$RTEMUCTL"
	status_is 0 && [ "${K[trash]}" = 1 ] || fail "trash while held:" "$OUT" || return 1
	run stats
	[ "${K[trash]}" = 0 ] && [ "${K[holds]}" = 0 ] || fail "after release:" "$OUT" || return 1
	run hold 10.99.0.1 -- true
	status_is 1 && has "$ERR" 'no route to addr'
}

t_hold_for() {
	ctl route add 10.0.0.0/8 via 192.0.2.1 || return 1
	"$RTEMUCTL" hold 10.0.0.1 --for 5s >"$T/hold" 2>&1 &
	local pid=$! held=
	BG+=("$pid")
	local deadline=$((SECONDS + 5))
	while [ "$SECONDS" -lt "$deadline" ]; do
		run stats
		if [ "${K[holds]}" = 1 ]; then
			held=1
			break
		fi
		sleep 0.2
	done
	[ -n "$held" ] || fail "the hold never showed in stats" || return 1
	run route get 10.0.0.1
	[ "${K[refcnt]}" = 1 ] || fail "refcnt while held:" "$OUT" || return 1
	wait "$pid" || fail "hold --for exited $?" || return 1
	has "$(<"$T/hold")" '^10\.0\.0\.1 handle [0-9]+ dst 10\.0\.0\.0/8 ' || return 1
	run stats
	[ "${K[holds]}" = 0 ] || fail "holds after --for:" "$OUT"
}

# -------------------------------------------------------------------- monitor

t_monitor() {
	ctl route flush >/dev/null
	# Routes to the routers below, before anyone listens: a route through
	# a router looks it up (rt_setgate), and nothing reaching it would be
	# a miss.
	ctl route add 192.0.2.0/24 via 0.0.0.0 && ctl route add fe80::/64 via :: || return 1
	# Started as the binary itself (not through ctl): $! is its pid.
	"$RTEMUCTL" monitor >"$T/mon" 2>&1 &
	local mon=$!
	"$RTEMUCTL" -j monitor >"$T/monj" 2>&1 &
	local monj=$!
	BG+=("$mon" "$monj")
	# Misses (group resolve) tell when both listen; they are left out below.
	local sentinel=198.51.100.1 i
	for i in $(seq 15); do
		ctl route get $sentinel clone >/dev/null 2>&1
		wait_for "$T/mon" "miss $sentinel " 2 && wait_for "$T/monj" "\"addr\":\"$sentinel\"" 2 && break
	done
	grep -q "miss $sentinel" "$T/mon" || fail "monitor never listened:" "$(<"$T/mon")" || return 1

	ctl route add 10.70.0.0/16 via 192.0.2.1 expires 3s &&
		ctl route change 10.70.0.0/16 new-via 192.0.2.7 &&
		ctl route add 10.71.0.0/16 via 192.0.2.1 preferred 1s &&
		ctl route add 10.72.0.0/16 via 192.0.2.1 &&
		ctl route del 10.72.0.0/16 >/dev/null &&
		ctl route add 2001:db8:1::/48 via fe80::1 &&
		ctl route flush inet6 >/dev/null || return 1
	ctl route get 198.51.100.7 clone >/dev/null 2>&1
	wait_for "$T/mon" ' expire 10\.70\.0\.0/16 ' 20 && wait_for "$T/mon" ' deprecate 10\.71\.0\.0/16 ' 10 &&
		wait_for "$T/monj" '"event":"expire"' 10 || fail "no expire/deprecate:" "$(<"$T/mon")" || return 1
	sleep 0.5
	kill "$mon" "$monj"
	local ev evj
	ev=$(grep -v "miss $sentinel " "$T/mon")
	evj=$(grep -v "\"addr\":\"$sentinel\"" "$T/monj")
	diag "${ev[@]}"
	# One line per event: every line starts with a time and the event.
	local t='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z'
	[ "$(grep -cvE "^$t [a-z]+ " <<<"$ev")" = 0 ] || fail "malformed lines" || return 1
	# In order, leaving out the timed events, which may land anywhere.
	local names
	names=$(grep -vE ' (expire|deprecate) ' <<<"$ev" | cut -d' ' -f2 | tr '\n' ' ')
	[ "$names" = "add change add add delete add clear miss " ] || fail "events: $names" || return 1
	has "$ev" "^$t add 10\\.70\\.0\\.0/16 via 192\\.0\\.2\\.1 flags up,gateway expires [^ ]+ expires-left [^ ]+ refcnt 0 use 0\$" &&
		has "$ev" "^$t change 10\\.70\\.0\\.0/16 via 192\\.0\\.2\\.7 flags up,gateway " &&
		has "$ev" "^$t delete 10\\.72\\.0\\.0/16 via 192\\.0\\.2\\.1 .* reason removed\$" &&
		has "$ev" "^$t clear family inet6 count 2\$" &&
		has "$ev" "^$t miss 198\\.51\\.100\\.7 error 0\$" &&
		has "$ev" "^$t deprecate 10\\.71\\.0\\.0/16 via 192\\.0\\.2\\.1 flags up,gateway,deprecated " || return 1
	[ "$(grep -c ' expire 10.70.0.0/16 ' <<<"$ev")" = 1 ] &&
		[ "$(grep -c ' deprecate ' <<<"$ev")" = 1 ] || fail "timed events repeated" || return 1
	# The JSON monitor saw the same events, with the text's keys. Events
	# from different sources (a request, the lifetime work) may reach the
	# two sockets in different orders: compare them sorted.
	"$RTEMU_PY" -c '
import json, sys
def key_text(l):
    w = l.split()
    return (w[1], w[3] if w[1] == "clear" else w[2])
def key_obj(o):
    return (o["event"], str(o.get("dst", o.get("addr", o.get("family")))))
text = sorted(sys.argv[1].splitlines(), key=key_text)
objs = sorted((json.loads(l) for l in sys.argv[2].splitlines()), key=key_obj)
assert [key_text(l) for l in text] == [key_obj(o) for o in objs], (text, objs)
for l, o in zip(text, objs):
    if o["event"] in ("add", "change", "delete"):
        w = l.split()
        assert list(o)[:3] == ["time", "event", "dst"] and o["dst"] == w[2], (l, o)
        assert set(w[3::2]) == set(list(o)[3:]), (l, o)
' "$ev" "$evj" || fail "$evj"
}

# -------------------------------------------------------------------- resolve

# start_resolver OUTFILE ARGS...: a resolver in the background, listening.
start_resolver() {
	local file=$1
	shift
	"$RTEMUCTL" resolve "$@" >"$file" 2>&1 &
	RESOLVER=$!
	BG+=("$RESOLVER")
	# It prints misses: one tells it listens.
	until_seen "$file" 'miss 198\.51\.100\.2 ' ctl route get 198.51.100.2 clone
}

t_resolve_via() {
	ctl route flush >/dev/null
	ctl route add 10.3.0.0/16 via 0.0.0.0 clone xresolve || return 1
	start_resolver "$T/res1" --count 1 --via 192.0.2.77 || return 1
	run route get 10.3.0.9 clone
	[ "${K[dst]}" = 10.3.0.9/32 ] && [ "${K[flags]}" = up,host,xresolve,wascloned ] ||
		fail "clone:" "$OUT" || return 1
	# --count 1: it exits after its answer.
	local i
	for i in $(seq 100); do kill -0 "$RESOLVER" 2>/dev/null || break; sleep 0.2; done
	wait "$RESOLVER" || fail "resolver exited $?:" "$(<"$T/res1")" || return 1
	has "$(<"$T/res1")" ' resolved 10\.3\.0\.9/32 via 0\.0\.0\.0 flags up,host,xresolve,wascloned .* parent 10\.3\.0\.0/16 new-via 192\.0\.2\.77$' ||
		return 1
	run route get 10.3.0.9
	[ "${K[dst]}" = 10.3.0.9/32 ] && [ "${K[via]}" = 192.0.2.77 ] &&
		[ "${K[flags]}" = up,gateway,host,xresolve,wascloned ] || fail "resolved clone:" "$OUT" || return 1
	run stats
	[ "${K[resolves]}" -ge 1 ] || fail "$OUT"
}

# The default policy answers with the parent's via, looked up when the event
# is handled: the resolver is stopped while the parent gets its router.
t_resolve_parent() {
	ctl route add 10.4.0.0/16 via 0.0.0.0 clone xresolve || return 1
	start_resolver "$T/res2" --count 1 || return 1
	kill -STOP "$RESOLVER"
	# A new router for the parent retires its unanswered clone (FreeBSD's
	# rt_setgate), so the resolver's answer to it finds no route.
	ctl route get 10.4.0.9 clone >/dev/null &&
		ctl route change 10.4.0.0/16 new-via 192.0.2.44 || return 1
	run route get 10.4.0.9
	[ "${K[dst]}" = 10.4.0.0/16 ] && [ "${K[via]}" = 192.0.2.44 ] ||
		fail "the clone outlived its parent's new router:" "$OUT" || return 1
	kill -CONT "$RESOLVER"
	ctl route get 10.4.0.10 clone >/dev/null || return 1
	local i
	for i in $(seq 100); do kill -0 "$RESOLVER" 2>/dev/null || break; sleep 0.2; done
	wait "$RESOLVER" || fail "resolver exited $?:" "$(<"$T/res2")" || return 1
	has "$(<"$T/res2")" '^rtemuctl: resolve 10\.4\.0\.9/32: .*No such process' &&
		has "$(<"$T/res2")" ' resolved 10\.4\.0\.10/32 via 192\.0\.2\.44 .* new-via 192\.0\.2\.44$' || return 1
	run route get 10.4.0.10
	[ "${K[via]}" = 192.0.2.44 ] && [ "${K[dst]}" = 10.4.0.10/32 ] || fail "after the answer:" "$OUT"
}

# ---------------------------------------------- -batch and resync on ENOBUFS

# One bulk load of 3000 routes while a monitor with the smallest receive
# buffer is stopped: the batch is checked through stats, the monitor must
# resync (a dump) once it runs again. Sets BATCH_OK and RESYNC_OK.
bulk_load() {
	BATCH_OK=1 RESYNC_OK=1
	ctl route flush >/dev/null
	"$RTEMUCTL" monitor monitor --rcvbuf 1 >"$T/resync" 2>&1 &
	local mon=$!
	BG+=("$mon")
	local i
	for i in $(seq 15); do
		ctl route add 10.255.$i.0/24 via 192.0.2.1
		wait_for "$T/resync" " add 10\\.255\\.$i\\.0/24 " 2 && break
	done
	grep -q ' add 10\.255\.' "$T/resync" || { fail "monitor never listened"; RESYNC_OK=0; }
	local sentinels=$i before
	sleep 0.5
	before=$(grep -c ' resync-done ' "$T/resync")
	kill -STOP "$mon"

	for i in $(seq 0 2999); do
		echo "route add 10.$((i / 256)).$((i % 256)).0/24 via 192.0.2.$((i % 250 + 1))"
	done >"$T/bulk.batch"
	local t0=$SECONDS
	run -batch "$T/bulk.batch"
	diag "-batch of 3000 routes took $((SECONDS - t0))s"
	if [ "$RC" != 0 ] || [ -n "$OUT$ERR" ]; then
		fail "-batch exited $RC: $OUT $ERR"
		BATCH_OK=0
	fi
	run stats
	if [ "${K[routes-inet]}" != $((3000 + sentinels)) ]; then
		fail "after the batch:" "$OUT"
		BATCH_OK=0
	fi

	kill -CONT "$mon"
	if ! wait_for "$T/resync" "resync-done count $((3000 + sentinels))\$" 60; then
		fail "no resync after ENOBUFS:" "$(tail -n5 "$T/resync")"
		RESYNC_OK=0
	else
		local after routes
		after=$(grep -c ' resync-done ' "$T/resync")
		routes=$(sed -n '/ resync$/,/ resync-done /p' "$T/resync" | grep -c ' route 10\.')
		diag "monitor: $(grep -c ' resync$' "$T/resync") resync, $routes route lines"
		[ "$after" = $((before + 1)) ] && [ "$routes" -ge $((3000 + sentinels)) ] &&
			grep -qE '^[^ ]+ route 10\.11\.183\.0/24 via 192\.0\.2\.250 flags up,gateway refcnt 0 use 0$' "$T/resync" ||
			{ fail "resync dump incomplete" "$(grep -E 'resync' "$T/resync")"; RESYNC_OK=0; }
	fi
	kill "$mon"
}

t_batch_errors() {
	printf '%s\n' "route add 10.0.0.0/24 via 192.0.2.1  # exists" "# comment" "" \
		"route add 10.200.0.0/16 via 192.0.2.1" "route change 10.201.0.0/16 new-via 192.0.2.1" \
		"route flush inet6" >"$T/bad.batch"
	run -batch "$T/bad.batch"
	status_is 1 &&
		has "$ERR" "^Error: $T/bad.batch:1: route add 10\\.0\\.0\\.0/24 via 192\\.0\\.2\\.1: the route exists \\(same prefix and via\\) \\(File exists\\)\$" &&
		has "$ERR" "^Error: $T/bad.batch:5: route change 10\\.201\\.0\\.0/16 new-via 192\\.0\\.2\\.1: no such route " &&
		nlines "$ERR" 2 || return 1
	ctl route show | grep -q '^10\.200\.0\.0/16 ' || fail "line 4 was not applied" || return 1
	run -j -batch "$T/bad.batch"
	has "$OUT" '^\[\{"line":1,"command":"route add 10\.0\.0\.0/24 via 192\.0\.2\.1","error":"the route exists \(same prefix and via\) \(File exists\)","errno":17\},\{"line":4,[^]]*"errno":17\},\{"line":5,[^]]*"errno":3\}\]$' ||
		return 1
	# Parse errors: nothing is sent, the lines are named, exit 2.
	printf '%s\n' "route add 10.201.0.0/16 via 192.0.2.1" "route get 10.0.0.1" >"$T/bad2.batch"
	run -batch "$T/bad2.batch"
	status_is 2 && has "$ERR" "$T/bad2.batch:2: only route add" || return 1
	! ctl route show | grep -q '^10\.201\.' || fail "a parse error still sent line 1"
	ctl route flush >/dev/null
}

# ------------------------------------------------------------------ the rest

t_netns() {
	ctl route add 10.0.0.0/8 via 192.0.2.1 || return 1
	OUT=$(unshare --net -- sh -c '"$0" route show; "$0" route add 10.8.0.0/16 via 192.0.2.1 && "$0" route show' "$RTEMUCTL" 2>&1)
	[ "$OUT" = "10.8.0.0/16 via 192.0.2.1 flags up,gateway refcnt 0 use 0" ] ||
		fail "in a new netns:" "$OUT" || return 1
	run route show
	[ "$OUT" = "10.0.0.0/8 via 192.0.2.1 flags up,gateway refcnt 0 use 0" ] || fail "$OUT"
	ctl route flush >/dev/null
}

t_completions_man() {
	run completions bash
	status_is 0 && has "$OUT" '^_rtemuctl\(\) \{' && has "$OUT" 'complete -F _rtemuctl ' &&
		has "$OUT" 'monitor' || return 1
	run completions zsh
	status_is 0 && has "$OUT" '^#compdef rtemuctl' || return 1
	# A closed pipe is no error.
	ctl completions fish | head -n1 >/dev/null
	[ "${PIPESTATUS[0]}" = 0 ] || fail "completions | head exited ${PIPESTATUS[0]}" || return 1
	run man
	status_is 0 && has "$OUT" '^\.TH rtemuctl 1' && has "$OUT" 'route' || return 1
	run man --out "$T/man"
	status_is 0 && [ -s "$T/man/rtemuctl-route-add.1" ] && [ -s "$T/man/rtemuctl-monitor.1" ] ||
		fail "man --out: $(ls "$T/man")"
}

# Each subtest with its time (TCG makes every process start count).
result() {
	local desc=$1 t0=$SECONDS
	shift
	ktap_test_result "$desc" "$@"
	ktap_print_msg "took $((SECONDS - t0))s"
}

result "route add: lifetimes as durations (preferred 5m, expires 1h), static" t_add_durations
result "route add: lifetimes as RFC 3339 times, clone/xresolve/blackhole/reject" t_add_times_and_flags
result "route show: one line per route, family filter" t_show_text
result "route show -j: the text's keys and values" t_show_json
result "route get: aligned key: value lines, a plain get does not clone" t_get_plain
result "route get clone: clones a host route; -j has the same keys" t_get_clone
result "route change: new-via, flags, lifetimes" t_change
result "errors: extack on stderr and exit 1, usage errors exit 2" t_errors
result "without CAP_NET_ADMIN: reads work, cloning and adding are refused" t_unprivileged
result "route del: prefix, prefix via, bare address, with counts" t_del
result "route flush: per family and all, with counts" t_flush
result "stats: text and JSON" t_stats
result "hold -- CMD: holds visible while held, gone after, status passed on" t_hold_cmd
result "hold --for: holds visible while held, gone after" t_hold_for
result "monitor: one line per event (add/change/delete/clear/miss/deprecate/expire), text and -j agree" t_monitor
result "resolve --via: answers an xresolve clone, the clone's via is the answer" t_resolve_via
result "resolve: answers with the parent's via; a parent's new router retires an unanswered clone" t_resolve_parent
t0=$SECONDS
bulk_load
ktap_print_msg "bulk load took $((SECONDS - t0))s"
result "-batch: 3000 routes in one run, counted by stats" test "$BATCH_OK" = 1
result "monitor --rcvbuf: resync dump after ENOBUFS" test "$RESYNC_OK" = 1
result "-batch: kernel errors named FILE:LINE, JSON report, parse errors send nothing" t_batch_errors
result "a new network namespace has its own table" t_netns
result "completions and man pages" t_completions_man

ktap_print_msg "rtemuctl.sh ran for ${SECONDS}s"
ctl route flush >/dev/null 2>&1
unload_rtemu || ktap_test_fail "rmmod rtemu"
ktap_finished

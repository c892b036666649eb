#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The WASIX backend (tools/rtemu-wasix) against the module: a guest's four
# route calls through wasmer's VirtualNetworking trait, every error they can
# meet, clones left out of route_list, a route expiring on time, the module
# unloaded and reloaded under a connected backend, and virtual-net's own
# RemoteNetworkingClient/Server pair driving the backend. The cases are
# wasix_routes (an example of the crate); each runs in a namespace of its own.
. "$(dirname "$0")/lib.sh"

RTEMU_WASIX=${RTEMU_WASIX:-$RTEMU_ROOT/tools/target/debug/examples/wasix_routes}
RTEMUCTL=${RTEMUCTL:-$RTEMU_ROOT/tools/target/debug/rtemuctl}

ktap_print_header
for f in "$RTEMU_WASIX" "$RTEMUCTL"; do
	if [ ! -x "$f" ]; then
		ktap_skip_all "no $f (cargo build --manifest-path tools/Cargo.toml -p rtemuctl -p rtemu-wasix --examples)"
		exit "$KSFT_SKIP"
	fi
done
require_rtemu
ktap_set_plan 8

# The errors case fills a table: small, so that it is quick.
unload_rtemu
insmod "$RTEMU_KO" max_routes=8 || ktap_exit_fail_msg "insmod $RTEMU_KO max_routes=8 failed"

T=$(mktemp -d /tmp/rtemu_wasix.XXXXXX)
cleanup() {
	[ -z "${COPROC_PID:-}" ] || kill "$COPROC_PID" 2>/dev/null
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

check() { in_netns "$RTEMU_WASIX" check "$1"; }

ktap_test_result "route_add, route_remove, route_clear, route_list through the trait" check calls
ktap_test_result "every error a loaded module gives, as the NetworkError of its rule" check errors

unprivileged() {
	in_netns sh -c '"$0" add 10.1.0.0/16 192.0.2.1 &&
		setpriv --bounding-set=-net_admin --inh-caps=-net_admin -- "$0" check unprivileged' "$RTEMU_WASIX"
}
ktap_test_result "without CAP_NET_ADMIN: route_list works, changes are PermissionDenied" unprivileged

# rtemuctl reads what the trait wrote, and the trait leaves out the clone
# a lookup made.
shared_table() {
	in_netns sh -c '
		"$0" add 2001:db8:5::/48 fe80::1 &&
		"$0" add 10.4.0.0/16 192.0.2.4 --expires-in 3600 &&
		"$1" route add 10.3.0.0/16 via 0.0.0.0 clone &&
		"$1" route get 10.3.0.7 clone >/dev/null &&
		echo "== rtemuctl" && "$1" route show && echo "== trait" && "$0" list' \
		"$RTEMU_WASIX" "$RTEMUCTL" || return 1
	local ctl trait
	ctl=$(sed -n '/^== rtemuctl$/,/^== trait$/p' "$T/out")
	trait=$(sed -n '/^== trait$/,$p' "$T/out" | tail -n +2)
	grep -q '^2001:db8:5::/48 via fe80::1 flags up,gateway,static ' <<<"$ctl" &&
		grep -q '^10\.4\.0\.0/16 via 192\.0\.2\.4 flags up,gateway,static expires ' <<<"$ctl" &&
		grep -q '^10\.3\.0\.7/32 .*wascloned' <<<"$ctl" &&
		[ "$(sort <<<"$trait" | sed 's/ expires-at [0-9]*$//')" = "$(printf '%s\n' \
			'10.3.0.0/16 via 0.0.0.0' '10.4.0.0/16 via 192.0.2.4' '2001:db8:5::/48 via fe80::1')" ]
}
ktap_test_result "routes added through the trait are rtemuctl's; clones are not in route_list" shared_table

ktap_test_result "a route with expires_at leaves route_list, not before" check expires
ktap_test_result "RemoteNetworkingClient drives all four calls through RemoteNetworkingServer" check remote

# Connected, then the module goes: Unsupported; back: the next call
# connects again. The case says where it is on stdout and waits on stdin.
unloaded() {
	local line ok=0
	coproc unshare --net -- "$RTEMU_WASIX" check unloaded 2>"$T/err"
	read -r line <&"${COPROC[0]}" && [ "$line" = connected ] || ok=1
	rmmod rtemu || ok=1
	echo go >&"${COPROC[1]}"
	read -r line <&"${COPROC[0]}" && [ "$line" = unsupported ] || ok=1
	insmod "$RTEMU_KO" max_routes=8 || ok=1
	echo go >&"${COPROC[1]}"
	wait "$COPROC_PID" || ok=1
	sed 's/^/# /' "$T/err"
	return $ok
}
ktap_test_result "unloaded after connecting: Unsupported; reloaded: works again" unloaded

not_loaded() { unload_rtemu && check not-loaded; }
ktap_test_result "the module not loaded: each call is Unsupported" not_loaded

ktap_finished

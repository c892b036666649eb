# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the rtemu kselftests. Sourced.

RTEMU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${KSRC:?KSRC must name the Linux source tree}"
RTEMU_KO=${RTEMU_KO:-$RTEMU_ROOT/rtemu.ko}
RTEMU_PY=${RTEMU_PY:-python3}
RTEMU_SPEC=$RTEMU_ROOT/include/rtemu.yaml
# The line guest_check.sh writes to the kernel log before the first test.
KSELFTESTS_MARK="rtemu-kselftests: begin"

# In a fresh guest, before the first test: what the kernel logs and leaks
# from here on is the tests' (rtemu_dmesg.sh). Boot-time allocations
# kmemleak cannot follow are not ours, so they are forgotten.
begin_tests_log() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	[ -e /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
	echo "$KSELFTESTS_MARK" >/dev/kmsg
}

. "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh"

# The kernel's own YNL CLI, driven by our spec only.
ynl() {
	"$RTEMU_PY" "$KSRC/tools/net/ynl/pyynl/cli.py" --spec "$RTEMU_SPEC" \
		--schema "$KSRC/Documentation/netlink/genetlink.yaml" "$@"
}

nlctrl() {
	"$RTEMU_PY" "$KSRC/tools/net/ynl/pyynl/cli.py" \
		--spec "$KSRC/Documentation/netlink/specs/nlctrl.yaml" \
		--schema "$KSRC/Documentation/netlink/genetlink-legacy.yaml" "$@"
}

# Runs a command as root without CAP_NET_ADMIN (dropped from the bounding
# set, so the exec'd program never gains it).
without_net_admin() {
	setpriv --bounding-set=-net_admin --inh-caps=-net_admin -- "$@"
}

module_loaded() { [ -d /sys/module/rtemu ]; }

load_rtemu() {
	module_loaded || insmod "$RTEMU_KO"
}

unload_rtemu() {
	! module_loaded || rmmod rtemu
}

# Fails the whole program (KTAP bail out) unless we can load the module.
require_rtemu() {
	[ "$(id -u)" = 0 ] || { ktap_skip_all "needs root"; exit "$KSFT_SKIP"; }
	[ -f "$RTEMU_KO" ] || ktap_exit_fail_msg "no module at $RTEMU_KO"
}

# kunit_module KO MODULE SUITE [CHECK [PARAM=VALUE...]]: loads the KUnit
# module KO (named MODULE) with the module parameters given, which runs SUITE, prints the suite's KTAP results from debugfs,
# runs CHECK (a command) while the module is loaded, and unloads it. Fails
# unless the suite passed with every case run and passed (none failed or
# skipped, and at least one), CHECK passed and the module unloaded.
kunit_module() {
	local ko=$1 module=$2 suite=$3 check=${4:-true} results status=0
	shift $(($# < 4 ? $# : 4))
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	insmod "$ko" "$@" || { echo "Bail out! insmod $ko failed"; return 1; }
	results=/sys/kernel/debug/kunit/$suite/results
	if [ ! -r "$results" ]; then
		rmmod "$module"
		echo "Bail out! no KUnit results at $results"
		return 1
	fi
	cat "$results"
	local totals
	totals=$(grep -oE '^# Totals: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+' "$results")
	if ! grep -qx "ok 1 $suite" "$results" || grep -q "^not ok\|^    not ok" "$results" ||
		! [[ $totals =~ pass:([0-9]+)\ fail:0\ skip:0\ total:([0-9]+) ]] ||
		[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ] || [ "${BASH_REMATCH[1]}" = 0 ]; then
		echo "# $suite: not every case ran and passed (${totals:-no totals})"
		status=1
	fi
	$check || status=1
	rmmod "$module" || status=1
	return $status
}

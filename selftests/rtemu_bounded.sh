#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No tenant can stall the kernel (rtemu_bounded.py): the worst shapes of a
# table, built by an unprivileged user in namespaces of its own at n and 8n
# routes, cost linear work, and no hold of the writer lock visits more than
# a batch. The soft-lockup, hung-task and RCU-stall detectors run with short
# thresholds meanwhile, and the kernel log of the test's span must show none
# of their reports. The namespaces' tables go when their children exit; the
# module is unloaded while one of them runs a long remove.
. "$(dirname "$0")/lib.sh"

require_rtemu
load_rtemu

# Short thresholds (where the kernel has the detector), put back after.
declare -A knobs=(
	[/proc/sys/kernel/watchdog_thresh]=3                      # soft lockup after 6 s
	[/proc/sys/kernel/hung_task_timeout_secs]=20
	[/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout]=8
)
declare -A saved=()
for k in "${!knobs[@]}"; do
	[ -w "$k" ] || continue
	saved[$k]=$(cat "$k")
	echo "${knobs[$k]}" >"$k"
done
restore() { for k in "${!saved[@]}"; do echo "${saved[$k]}" >"$k"; done; }
trap restore EXIT
detectors=$(for k in "${!saved[@]}"; do echo -n "$(basename "$k")=$(cat "$k") "; done)

mark="rtemu-bounded: begin $$"
echo "$mark" >/dev/kmsg
"$RTEMU_PY" "$(dirname "$0")/rtemu_bounded.py"
status=$?
# The module goes while one of those requests runs, and its namespace after.
"$RTEMU_PY" "$(dirname "$0")/rtemu_bounded.py" --unload-while-removing || status=1
restore
trap - EXIT

ktap_print_header
ktap_set_plan 1
ktap_print_msg "detectors: ${detectors:-none}"
reports=$(dmesg | sed -n "/$mark/,\$p" |
	grep -E 'soft lockup|hung_task|blocked for more than|rcu_sched self-detected stall|rcu: INFO:|detected stalls|WARNING:|BUG:' || true)
if [ -n "$reports" ]; then
	sed 's/^/# /' <<<"$reports" | head -n 40
	ktap_test_fail "no soft lockup, hung task, RCU stall or warning while the shapes ran"
	status=1
else
	ktap_test_pass "no soft lockup, hung task, RCU stall or warning while the shapes ran"
fi
exit $status

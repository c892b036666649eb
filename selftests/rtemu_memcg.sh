#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Route memory is charged to the adding task's memory cgroup: adds from a
# cgroup at its memory.max fail with ENOMEM, without the cgroup's OOM killer
# (rtemu_memcg.py). In a network namespace of its own; rtemu_dmesg.sh, which
# runs after, fails on any kernel report (an OOM report included).
. "$(dirname "$0")/lib.sh"

CGROOT=/sys/fs/cgroup

require_rtemu
if [ "$(stat -f -c %T "$CGROOT" 2>/dev/null)" != cgroup2fs ]; then
	mount -t cgroup2 none "$CGROOT" 2>/dev/null
fi
if ! grep -qw memory "$CGROOT/cgroup.controllers" 2>/dev/null; then
	ktap_skip_all "no cgroup2 memory controller (CONFIG_MEMCG) at $CGROOT"
	exit "$KSFT_SKIP"
fi
echo +memory >"$CGROOT/cgroup.subtree_control" || ktap_exit_fail_msg "cannot enable +memory at $CGROOT"

load_rtemu
RTEMU_CGROOT=$CGROOT unshare --net -- "$RTEMU_PY" "$(dirname "$0")/rtemu_memcg.py"
status=$?
unload_rtemu || status=1
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The User-Mode Linux runner (scripts/uml-run.sh) keeps the VM runner's
# promises: the guest command's exit status comes back, output streams, no
# standard input is needed, a timeout gives 124, and neither a timeout nor
# Ctrl-C leaves a `linux` process behind. Each boot takes about a second.
#   KDIR: an um- kernel build (default: the cached um-debug one).
. "$(dirname "$0")/lib.sh"
run=$root/scripts/uml-run.sh
kdir=${KDIR:-$("$root/scripts/build-kernel.sh" um-debug 2>/dev/null)}
[ -x "$kdir/linux" ] || { echo "# FAIL: no UML kernel at '$kdir'"; exit 1; }

# The runner's run directories, and so the guests' command lines, under a
# cache of this test's own: other guests on the machine are not ours.
own=$(mktemp -d "$RTEMU_CACHE/uml-test.XXXXXX")
export RTEMU_CACHE=$own
trap 'rm -rf "$own"' EXIT
strays() { pgrep -f "RTEMU_UML_RUN=$own/" || true; }

# One boot for the plain promises: status, output, standard input closed,
# a guest of its own (its own /tmp and /proc) that sees the host's tree.
marker=$(mktemp /tmp/rtemu-uml-host.XXXXXX)
out=$(env -u RTEMU_UML_CPUS "$run" "$kdir" sh -c "echo \"in the guest: \$(id -u) \$(pwd) \$(nproc) CPUs\"
	[ ! -e $marker ] && [ -x $root/scripts/uml-run.sh ] && grep -q ' /proc proc' /proc/mounts && exit 7
	exit 1" <&- 2>/dev/null)
st=$?
rm -f "$marker"
[ $st = 7 ] && ok "exit 7 comes back, with standard input closed" || fail "exit 7: got $st"
grep -qx "in the guest: 0 $root 2 CPUs" <<<"${out//$'\r'/}" && ok "output as root in the top of the tree, on 2 CPUs" ||
	fail "output: $out"

SECONDS=0
"$run" --timeout 5 "$kdir" sleep 600 </dev/null >/dev/null 2>&1
st=$?
[ $st = 124 ] && ok "timeout: 124 after ${SECONDS}s" || fail "timeout: exit $st after ${SECONDS}s"
[ -z "$(strays)" ] && ok "no linux process left after the timeout" || fail "left after the timeout: $(strays)"

# A TERM to the runner (a cancelled CI job; Ctrl-C on a terminal goes the
# same way) stops the guest and everything in it.
ready=$RTEMU_CACHE/uml/ready.$$
rm -f "$ready"
"$run" "$kdir" sh -c "touch $ready; sleep 600" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1200); do [ -e "$ready" ] && break; sleep 0.1; done
if [ -e "$ready" ]; then
	kill -TERM "$pid"
	wait "$pid"
	st=$?
	[ $st != 0 ] && ok "TERM: the runner fails (exit $st)" || fail "TERM: exit 0"
	[ -z "$(strays)" ] && ok "no linux process left after TERM" || fail "left after TERM: $(strays)"
else
	kill -TERM "$pid" 2>/dev/null
	fail "the guest never started its command"
fi
rm -f "$ready"
[ $fails -eq 0 ]

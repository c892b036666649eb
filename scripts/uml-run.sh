#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one command in a User-Mode Linux guest of a kernel build (an um-
# flavour of scripts/build-kernel.sh) and pass its exit status back. The same
# interface as scripts/vm-run.sh, natively: UML is the kernel as an ordinary
# host process, booted in about a second.
#
#   scripts/uml-run.sh [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND...
#
# The guest's root is the host's / (hostfs), so it sees the tree, the built
# modules and the host's programs; it gets its own /proc, /sys, /dev and
# /tmp. The command runs as root in the top of the tree with the caller's
# PATH. Its output streams to ours as it happens. RTEMU_UML_MEMORY (default
# 1536M, at most 1792M) sizes the guest, RTEMU_UML_CPUS (default 2) its CPUs.
#
# Exit status: the command's, 124 on timeout, 125 when the guest did not
# report one. The kernel and every process it started run in a PID namespace
# of their own, so a timeout, Ctrl-C or the end of this script leaves no
# stray `linux` process behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

timeout=1800
if [ "${1:-}" = --timeout ]; then
	timeout=$2
	shift 2
fi
[ $# -ge 2 ] || die "usage: $0 [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND..."
kdir=$1
shift
[ -x "$kdir/linux" ] || die "no User-Mode Linux binary in $kdir (scripts/build-kernel.sh um-debug)"

# The guest reads its command and writes its status here, through hostfs.
# Its /tmp is a tmpfs of its own; the host directories it needs, the tree
# and the cache (this run's directory with them), are bound into it at the
# same paths where they lie under the host's /tmp. Physical paths: the
# guest follows no symlink of ours out of its own /tmp.
cache=$(realpath -m "$RTEMU_CACHE")
guest_paths_check uml
mkdir -p "$cache/uml"
run=$(mktemp -d "$cache/uml/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
printf '%s\n' "$RTEMU_ROOT" "$cache" >"$run/expose"
{
	echo '#!/bin/bash'
	printf 'export PATH=%q HOME=%q\n' "$PATH" "$HOME"
	printf 'cd %q || exit 125\n' "$RTEMU_ROOT"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$run/command"

# The module's Rust code reaches the kernel with 32-bit PC-relative
# addresses (see kmake_vars in lib.sh), and UML maps modules just past its
# physical memory: from 2 GiB of memory on, insmod hangs. Keep below it.
memory=${RTEMU_UML_MEMORY:-1536M}
case $memory in
*[gG]) mib=$((${memory%[gG]} * 1024)) ;;
*[mM]) mib=${memory%[mM]} ;;
*) die "RTEMU_UML_MEMORY=$memory: give it in M or G" ;;
esac
[ "$mib" -le 1792 ] || die "RTEMU_UML_MEMORY=$memory: UML guests here get at most 1792M (modules past 2 GiB cannot reach the kernel)"
# UML's seccomp userspace: a guest process traps its system calls into a
# stub of its own instead of being traced with ptrace. It is faster, SMP
# needs it, and it trusts the guest's programs (the host's own, here).
cpus=${RTEMU_UML_CPUS:-2}
args=(
	mem="$memory" ncpus="$cpus" seccomp=on
	rootfstype=hostfs rootflags=/ rw
	init=\""$RTEMU_ROOT/scripts/uml-init.sh"\" RTEMU_UML_RUN=\""$run"\"
	con0=fd:0,fd:1 con=null quiet
)
log "uml: booting $(basename "$kdir") (timeout ${timeout}s)"
start=$SECONDS
# The kernel is PID 1 of a PID namespace: when it dies, everything it
# started dies with it. --kill-child kills it when unshare dies.
timeout -k 15 "$timeout" unshare --pid --fork --kill-child \
	"$kdir/linux" "${args[@]}" </dev/null &
guest=$!
# Ctrl-C or a TERM: SIGKILL to the kernel (unshare's child), which ends the
# namespace, whatever the kernel itself does with the signal.
stop_guest() {
	local p
	for p in $(pgrep -P "$guest" 2>/dev/null); do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	kill -KILL "$guest" 2>/dev/null
	wait "$guest" 2>/dev/null
}
trap 'stop_guest; log "uml: interrupted"; exit 130' INT
trap 'stop_guest; log "uml: terminated"; exit 143' TERM
status=0
wait "$guest" || status=$?
trap - INT TERM
# timeout(1) gives 124 after its TERM, 137 after its KILL; a KILL from
# elsewhere gives 137 too, before the time is up.
if [ "$status" = 124 ] || { [ "$status" = 137 ] && [ $((SECONDS - start)) -ge "$timeout" ]; }; then
	log "uml: timed out after $((SECONDS - start)) s"
	exit 124
fi
if [ ! -s "$run/status" ]; then
	log "uml: the guest reported no exit status (linux exited with $status after $((SECONDS - start)) s)"
	exit 125
fi
status=$(cat "$run/status")
log "uml: guest exited with $status after $((SECONDS - start)) s"
exit "$status"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one command in a virtme-ng guest of a kernel build and pass its exit
# status back.
#
#   scripts/vm-run.sh [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND...
#   scripts/vm-run.sh --choose-accel KERNEL_BUILD_DIR   print kvm or tcg, boot nothing else
#
# Acceleration: RTEMU_VM_ACCEL=kvm|tcg|auto (default auto). Nested KVM on
# these machines has hung in early boot while TCG works, so auto picks KVM only
# when a short probe boot under KVM succeeds; the verdict is cached per kernel
# build. RTEMU_VM_MEMORY (default 2G) and RTEMU_VM_CPUS (default 2) size the guest.
#
# The guest sees the host's filesystem. Exit status: the command's, 124 on
# timeout, 125 when the guest did not report one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

VNG=$RTEMU_VENV/bin/vng
# vng runs virtme-run and friends from PATH, and shares the host's root
# through the virtiofsd it finds there (see scripts/setup.sh).
[ -x "$VIRTIOFSD" ] || die "no $VIRTIOFSD: run make setup"
export PATH=$RTEMU_VENV/bin:$(dirname "$VIRTIOFSD"):$PATH
KVM_DEVICE=${RTEMU_KVM_DEVICE:-/dev/kvm}
PROBE_TIMEOUT=${RTEMU_KVM_PROBE_TIMEOUT:-60}

guest_paths_check vm

# Boots KERNEL_BUILD_DIR under the given accel and runs a command. Every boot
# gets a timeout; vng needs a standard input even when we have none.
# virtme-ng hands its command to the guest on the kernel's command line
# (base64, 2 KiB in all on x86), where a long one is cut and the guest
# never starts it; so the guest gets only the path of a script that holds
# the command, written where it sees the host's files.
boot() {
	local accel=$1 timeout=$2 kdir=$3
	shift 3
	local args=(--run "$kdir" --user root --memory "${RTEMU_VM_MEMORY:-2G}"
		--cpus "${RTEMU_VM_CPUS:-2}" --cwd "$RTEMU_ROOT" --rwdir "$RTEMU_CACHE/vm-out")
	[ "$accel" = tcg ] && args+=(--disable-kvm)
	mkdir -p "$RTEMU_CACHE/vm-out" "$RTEMU_CACHE/vm-run"
	local command status=0
	command=$(mktemp "$RTEMU_CACHE/vm-run/command.XXXXXX")
	{
		printf '%s\n' "$root_check"
		printf 'exec'
		printf ' %q' "$@"
		echo
	} >"$command"
	timeout -k 15 "$timeout" "$VNG" "${args[@]}" -- bash "$command" </dev/null || status=$?
	rm -f "$command"
	return "$status"
}

# virtme-ng falls back to 9p without a word when virtiofsd does not start.
root_check='grep -q rootfstype=virtiofs /proc/cmdline ||
	echo "vm: the root is not virtiofs: every program start reads the host again (slow under TCG)" >&2;'

# The probe: the smallest useful boot, run once per kernel build.
kvm_probe() {
	local kdir=$1
	if [ -n "${RTEMU_KVM_PROBE_CMD:-}" ]; then
		# Tests substitute the probe to exercise both verdicts without a boot.
		$RTEMU_KVM_PROBE_CMD
		return
	fi
	# In a session of its own: a probe that hangs is killed with all it
	# started (qemu, virtiofsd), and the real boot waits until they are
	# gone (a boot right after a killed probe once failed at once).
	local pid status=0
	setsid "$0" --probe-boot "$kdir" >/dev/null 2>&1 &
	pid=$!
	wait "$pid" || status=$?
	pkill -KILL -s "$pid" 2>/dev/null || true
	while pgrep -s "$pid" >/dev/null; do sleep 0.2; done
	return "$status"
}

choose_accel() {
	local kdir=$1 verdict_file
	case ${RTEMU_VM_ACCEL:-auto} in
	kvm) log "vm: KVM forced by RTEMU_VM_ACCEL"; echo kvm; return ;;
	tcg) log "vm: TCG forced by RTEMU_VM_ACCEL"; echo tcg; return ;;
	auto) ;;
	*) die "RTEMU_VM_ACCEL must be kvm, tcg or auto" ;;
	esac
	if [ ! -w "$KVM_DEVICE" ]; then
		log "vm: no usable $KVM_DEVICE; using TCG"
		echo tcg
		return
	fi
	verdict_file=$kdir/.rtemu-kvm-probe
	if [ -z "${RTEMU_KVM_PROBE_CMD:-}" ] && [ -f "$verdict_file" ]; then
		log "vm: KVM probe verdict (cached): $(cat "$verdict_file")"
		cat "$verdict_file"
		return
	fi
	local verdict=tcg
	log "vm: probing KVM with a ${PROBE_TIMEOUT}s boot"
	if kvm_probe "$kdir"; then
		verdict=kvm
		log "vm: KVM probe booted; using KVM"
	else
		log "vm: KVM probe failed or hung; falling back to TCG"
	fi
	[ -z "${RTEMU_KVM_PROBE_CMD:-}" ] && echo "$verdict" >"$verdict_file"
	echo "$verdict"
}

timeout=1800
if [ "${1:-}" = --probe-boot ]; then
	[ $# -eq 2 ] || die "usage: $0 --probe-boot KERNEL_BUILD_DIR"
	boot kvm "$PROBE_TIMEOUT" "$2" true
	exit
fi
if [ "${1:-}" = --choose-accel ]; then
	[ $# -eq 2 ] || die "usage: $0 --choose-accel KERNEL_BUILD_DIR"
	choose_accel "$2"
	exit 0
fi
if [ "${1:-}" = --timeout ]; then
	timeout=$2
	shift 2
fi
[ $# -ge 2 ] || die "usage: $0 [--timeout SECONDS] KERNEL_BUILD_DIR COMMAND..."
kdir=$1
shift
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel image in $kdir"

accel=$(choose_accel "$kdir")
log "vm: booting $(basename "$kdir") under $accel (timeout ${timeout}s)"
start=$SECONDS
status=0
boot "$accel" "$timeout" "$kdir" "$@" || status=$?
case $status in
124|137) log "vm: timed out after $((SECONDS - start)) s"; exit 124 ;;
255) log "vm: the guest reported no exit status (virtme-ng returned 255)"; exit 125 ;;
esac
log "vm: guest exited with $status after $((SECONDS - start)) s under $accel"
exit $status

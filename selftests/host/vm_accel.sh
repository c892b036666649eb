#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM runner's choice of acceleration: forcing works both ways, and auto
# falls back to TCG when the KVM probe fails or there is no KVM device.
# No guest boots here: the probe is substituted through RTEMU_KVM_PROBE_CMD.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/scripts/vm-run.sh
kdir=$(mktemp -d)
trap 'rm -rf "$kdir"' EXIT
fails=0

expect() {
	local want=$1 desc=$2 got
	shift 2
	got=$(env "$@" "$run" --choose-accel "$kdir" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		echo "# ok: $desc -> $got"
	else
		echo "# FAIL: $desc: wanted $want, got '$got'"
		fails=$((fails + 1))
	fi
}

kvm_dev=$(mktemp)
expect tcg "RTEMU_VM_ACCEL=tcg forces TCG" RTEMU_VM_ACCEL=tcg RTEMU_KVM_DEVICE="$kvm_dev"
expect kvm "RTEMU_VM_ACCEL=kvm forces KVM" RTEMU_VM_ACCEL=kvm RTEMU_KVM_DEVICE=/nonexistent
expect tcg "auto without a KVM device" RTEMU_VM_ACCEL=auto RTEMU_KVM_DEVICE=/nonexistent
expect tcg "auto with a failing probe" RTEMU_VM_ACCEL=auto RTEMU_KVM_DEVICE="$kvm_dev" RTEMU_KVM_PROBE_CMD=false
expect kvm "auto with a booting probe" RTEMU_VM_ACCEL=auto RTEMU_KVM_DEVICE="$kvm_dev" RTEMU_KVM_PROBE_CMD=true
# The runner says which one it picked.
msg=$(RTEMU_VM_ACCEL=auto RTEMU_KVM_DEVICE="$kvm_dev" RTEMU_KVM_PROBE_CMD=false \
	"$run" --choose-accel "$kdir" 2>&1 >/dev/null)
if grep -q "falling back to TCG" <<<"$msg"; then
	echo "# ok: fallback is announced"
else
	echo "# FAIL: fallback not announced: $msg"
	fails=$((fails + 1))
fi
rm -f "$kvm_dev"
[ $fails -eq 0 ]

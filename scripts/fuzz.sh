#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the differential fuzzer (tools/rtemu-fuzz) against rtemu in the
# VM, RTEMU_FUZZ_OPS operations (default 1,000,000). RTEMU_FUZZ_SEED pins
# the seed; otherwise the printed one reproduces the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$RTEMU_ROOT/scripts/setup.sh"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" debug)
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh" modules
cargo build --quiet --release --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" -p rtemu-fuzz
"$RTEMU_ROOT/scripts/vm-run.sh" --timeout 7200 "$kdir" \
	env KSRC="$(kernel_src)" RTEMU_PY="$RTEMU_VENV/bin/python" \
	RTEMU_FUZZ="$RTEMU_ROOT/tools/target/release/rtemu-fuzz" \
	RTEMU_FUZZ_OPS="${RTEMU_FUZZ_OPS:-1000000}" ${RTEMU_FUZZ_SEED:+RTEMU_FUZZ_SEED=$RTEMU_FUZZ_SEED} \
	bash -c 'cd "'"$RTEMU_ROOT"'" && selftests/rtemu_fuzz.sh; status=$?; selftests/rtemu_dmesg.sh || status=1; exit $status'

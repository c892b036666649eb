#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz / make fuzz-vm: the differential fuzzer (tools/rtemu-fuzz)
# against rtemu in the debug kernel (User-Mode Linux, or virtme-ng with vm),
# RTEMU_FUZZ_OPS operations (default 1,000,000). RTEMU_FUZZ_SEED pins the
# seed; otherwise the printed one reproduces the run.
#
#   scripts/fuzz.sh [uml|vm]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

env=${1:-uml}
check_env "$env"
"$RTEMU_ROOT/scripts/setup.sh"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "$(env_flavour "$env" debug)")
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh" modules
cargo build --quiet --release --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" -p rtemu-fuzz
env_run "$env" --timeout 7200 "$kdir" \
	env KSRC="$(kernel_src)" RTEMU_PY="$RTEMU_VENV/bin/python" \
	RTEMU_FUZZ="$RTEMU_ROOT/tools/target/release/rtemu-fuzz" \
	RTEMU_FUZZ_OPS="${RTEMU_FUZZ_OPS:-1000000}" ${RTEMU_FUZZ_SEED:+RTEMU_FUZZ_SEED=$RTEMU_FUZZ_SEED} \
	bash -c 'cd "'"$RTEMU_ROOT"'/selftests" && . ./lib.sh && begin_tests_log &&
		{ ./rtemu_fuzz.sh; status=$?; ./rtemu_dmesg.sh || status=1; exit $status; }'

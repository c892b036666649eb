#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Differential fuzzing: random operations on the module and on the two
# reference models of tools/rtemu-fuzz (the README's and FreeBSD 7's, with
# its named known deviations), every reply, every operation's events and the
# final dumps compared against each. A mismatch is printed as a 1-minimal sequence with
# the seed to rerun it.
#   RTEMU_FUZZ      the rtemu-fuzz binary (default tools/target/debug/rtemu-fuzz)
#   RTEMU_FUZZ_OPS  operations (default 25000)
#   RTEMU_FUZZ_SEED seed (default: from the clock; printed either way)
. "$(dirname "$0")/lib.sh"

fuzz=${RTEMU_FUZZ:-$RTEMU_ROOT/tools/target/debug/rtemu-fuzz}
ops=${RTEMU_FUZZ_OPS:-25000}

ktap_print_header
require_rtemu
if [ ! -x "$fuzz" ]; then
	ktap_skip_all "no rtemu-fuzz binary at $fuzz (cargo build -p rtemu-fuzz)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 1
# The model predicts every MISS event: no rate limit.
unload_rtemu
insmod "$RTEMU_KO" miss_rate=4294967295

args=(--ops "$ops")
[ -n "${RTEMU_FUZZ_SEED:-}" ] && args+=(--seed "$RTEMU_FUZZ_SEED")
start=$SECONDS
"$fuzz" "${args[@]}" 2>&1 | sed 's/^/# /'
status=${PIPESTATUS[0]}
ktap_print_msg "rtemu-fuzz exited with $status after $((SECONDS - start)) s"
ktap_test_result "differential fuzzing, $ops operations against the models" [ "$status" = 0 ]

unload_rtemu
ktap_finished

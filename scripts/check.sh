#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: set up, build the debug kernel (cached) and the module, check the
# generated files against the spec, then boot the VM once and run the kselftests
# in it. Ends with "N passed, N failed, N skipped" over everything it ran and
# exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

phase() { log "== $* (at +${SECONDS}s)"; }
results=$RTEMU_CACHE/results
mkdir -p "$results"
ktap=$results/check.ktap
: >"$ktap"

# Host-side steps are KTAP results too, so the totals cover them.
host_test=0
host_result() {
	local desc=$1
	shift
	host_test=$((host_test + 1))
	if "$@"; then
		echo "ok $host_test host: $desc" | tee -a "$ktap"
	else
		echo "not ok $host_test host: $desc" | tee -a "$ktap"
	fi
}

phase "setup"
"$RTEMU_ROOT/scripts/setup.sh"
phase "kernel (debug)"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" debug)
src=$(kernel_src)

phase "host tests"
host_result "generated files match include/rtemu.yaml" "$RTEMU_ROOT/scripts/ynl-regen.sh" --check
host_result "VM acceleration choice" "$RTEMU_ROOT/selftests/host/vm_accel.sh"
host_result "UAPI reference matches the spec" "$RTEMU_ROOT/selftests/host/uapi_doc.sh"
host_result "README commands and paths exist" "$RTEMU_ROOT/selftests/host/readme.sh"
cargo_log=$results/cargo.log
host_result "cargo test (tools workspace: trie, rtemu, rtemuctl)" \
	env RTEMU_ASN_DIR="$ASN_DATA_DIR" bash -c "cargo test --manifest-path '$RTEMU_ROOT/tools/Cargo.toml' --workspace 2>&1 | tee '$cargo_log' | grep -E '^test result|FAILED|panicked'; exit \${PIPESTATUS[0]}"
host_result "build rtemuctl and rtemu-fuzz for the VM" \
	cargo build --quiet --release --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" -p rtemuctl -p rtemu-fuzz
host_result "cargo clippy -D warnings (tools workspace)" \
	cargo clippy --quiet --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" --workspace --all-targets -- -D warnings

phase "module"
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh" modules RTEMU_KUNIT=1

phase "host tests against the kernel tree"
host_result "dkms build against the test kernel" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/dkms_build.sh"
host_result "make rust-analyzer" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/rust_analyzer.sh"
host_result "make install of the CLI" "$RTEMU_ROOT/selftests/host/install_cli.sh"
host_result "make docs" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/docs.sh"

# make check fuzzes with a fixed seed so CI is reproducible; make fuzz
# draws a new one each run (printed either way).
phase "VM: kselftests"
vm_log=$results/vm.log
status=0
"$RTEMU_ROOT/scripts/vm-run.sh" --timeout "${RTEMU_VM_TIMEOUT:-2400}" "$kdir" \
	env KSRC="$src" RTEMU_PY="$RTEMU_VENV/bin/python" \
	RTEMU_FUZZ="$RTEMU_ROOT/tools/target/release/rtemu-fuzz" RTEMU_FUZZ_OPS="${RTEMU_FUZZ_OPS:-50000}" \
	RTEMU_FUZZ_SEED="${RTEMU_FUZZ_SEED:-332751870640}" \
	"$RTEMU_ROOT/selftests/vm_check.sh" \
	2>&1 | tee "$vm_log" || status=$?
[ "${PIPESTATUS[0]}" = 0 ] || status=${PIPESTATUS[0]}
# The guest's console log may carry carriage returns.
tr -d '\r' <"$vm_log" >>"$ktap"
if ! grep -qE '^(not )?ok [0-9]+ selftests: ' "$ktap"; then
	echo "not ok $((host_test + 1)) VM run produced no kselftest results (status $status)" | tee -a "$ktap"
fi

phase "summary"
"$RTEMU_ROOT/scripts/ktap-count.py" "$ktap"

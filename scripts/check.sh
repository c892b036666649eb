#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check / make check-vm: set up, build the debug kernel of the
# environment (cached) and the module, then boot it once and run the
# kselftests in it. Ends with "N passed, N failed, N skipped" over everything
# it ran and exits non-zero on any failure.
#
#   scripts/check.sh [uml|vm]
#
# Both run the host tests (spec drift, cargo test and clippy, README, make
# install). uml (make check): the um-debug kernel under User-Mode Linux,
# natively, and the UML runner's test. vm (make check-vm): the x86-64 debug
# kernel under virtme-ng, and the host tests that build against its tree
# (DKMS, make rust-analyzer, make docs). The kselftests are the same in both.
# RTEMU_TESTS="a.sh b.sh" runs only those kselftests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

env=${1:-uml}
check_env "$env"

results=$RTEMU_CACHE/results
mkdir -p "$results"
# One check at a time per cache: its results, the guest's log and programs
# live there, and a second clone's check would write over them.
exec 6>"$results/check.lock"
if ! flock -n 6; then
	log "another make check or check-vm is running with $RTEMU_CACHE: waiting for it"
	flock 6
fi
ktap=$results/check-$env.ktap
: >"$ktap"

# Each phase's wall time, for the summary.
phases=()
phase_name=""
phase_start=$SECONDS
phase() {
	[ -z "$phase_name" ] || phases+=("$(printf '%5d s  %s' $((SECONDS - phase_start)) "$phase_name")")
	phase_name=$*
	phase_start=$SECONDS
	[ -z "$phase_name" ] || log "== $phase_name (at +${SECONDS}s)"
}

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
phase "kernel ($(env_flavour "$env" debug))"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "$(env_flavour "$env" debug)")
src=$(kernel_src)

# The guest runs the module and programs built here, from copies: the host
# tests beside it may rebuild the originals.
phase "build (module, guest programs)"
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh" modules RTEMU_KUNIT=1
# rtemuctl.sh drives the debug rtemuctl; the fuzzer runs released.
host_result "build rtemuctl, rtemu-fuzz and wasix_routes for the guest" build_guest_tools --release
bin=$results/guest-bin-$env
rm -rf "$bin"
mkdir -p "$bin"
cp "$RTEMU_ROOT/rtemu.ko" "$RTEMU_ROOT/rtemu_kunit.ko" "$RTEMU_ROOT/rtemu_api_test.ko" "$RTEMU_ROOT/rtemu_bsd_test.ko" \
	"$RTEMU_ROOT/rtemu_hook_leak.ko" "$bin/"
# When the build above failed (and failed the run), the guest's tests that
# need these say they are missing.
cp "$RTEMU_ROOT/tools/target/debug/rtemuctl" "$RTEMU_ROOT/tools/target/release/rtemu-fuzz" \
	"$RTEMU_ROOT/tools/target/debug/examples/wasix_routes" "$bin/" 2>/dev/null || true
mkdir -p "$bin/bpf"
host_result "build the BPF programs and their loader for the guest" \
	make -s -C "$RTEMU_ROOT/selftests/bpf" OUT="$bin/bpf" LLVM_SUFFIX="$LLVM_SUFFIX"
# wasmer and cranelift: 3 to 4 minutes cold on 2 cores, unoptimised
# (tools/rtemu-wasix-run/README.md), then cached outside the clone.
host_result "build rtemu-wasix-run (wasmer) for the guest" \
	bash -c 'wasix_run=$("$1/scripts/build-wasix-run.sh") && cp "$wasix_run" "$2/"' - "$RTEMU_ROOT" "$bin"

# The kselftests boot the kernel once and run beside the host tests; the
# guest's output follows theirs (and is in $guest_log as it runs).
# make check fuzzes with a fixed seed so CI is reproducible; make fuzz
# draws a new one each run (printed either way).
guest_log=$results/guest-$env.log
runner=$(env_runner "$env")
# The fuzzer's operations and the load test's cycles: the full budget
# natively under User-Mode Linux; a smaller one in the VM, where TCG makes
# each about ten times dearer and KASAN (the VM's own check) needs the
# paths run, not a count.
case $env in
uml) fuzz_ops=25000 load_cycles=100 ;;
vm) fuzz_ops=10000 load_cycles=40 ;;
esac
phase "kselftests ($env), beside the host tests"
# A session of its own, so that stopping it reaches every process it started.
# The log is written through a pipe: virtme-ng reopens its standard output,
# and a second open of the file would write over the first from offset 0.
GUEST_LOG=$guest_log setsid bash -o pipefail -c '"$@" </dev/null 2>&1 | cat >"$GUEST_LOG"' guest \
	"$runner" --timeout "${RTEMU_GUEST_TIMEOUT:-2400}" "$kdir" \
	env KSRC="$src" RTEMU_PY="$RTEMU_VENV/bin/python" RTEMU_TESTS="${RTEMU_TESTS:-}" \
	RTEMU_KO="$bin/rtemu.ko" RTEMU_KUNIT_KO="$bin/rtemu_kunit.ko" RTEMU_API_TEST_KO="$bin/rtemu_api_test.ko" RTEMU_HOOK_LEAK_KO="$bin/rtemu_hook_leak.ko" RTEMU_BPF_DIR="$bin/bpf" RTEMUCTL="$bin/rtemuctl" RTEMU_WASIX="$bin/wasix_routes" RTEMU_WASIX_RUN="$bin/rtemu-wasix-run" RTEMU_FUZZ="$bin/rtemu-fuzz" RTEMU_FUZZ_OPS="${RTEMU_FUZZ_OPS:-$fuzz_ops}" \
	RTEMU_FUZZ_SEED="${RTEMU_FUZZ_SEED:-332751870640}" RTEMU_LOAD_CYCLES="${RTEMU_LOAD_CYCLES:-$load_cycles}" \
	"$RTEMU_ROOT/selftests/guest_check.sh" &
guest=$!
trap 'kill -TERM -- -"$guest" 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "the guest runs beside the host tests; its output follows them (and is in $guest_log)"

host_started=$SECONDS
host_result "generated files match include/rtemu.yaml" "$RTEMU_ROOT/scripts/ynl-regen.sh" --check
host_result "VM acceleration choice" "$RTEMU_ROOT/selftests/host/vm_accel.sh"
if [ "$env" = uml ]; then
	host_result "User-Mode Linux runner" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/uml_run.sh"
	host_result "a clone anywhere: under /tmp, a space, a symlink" \
		env KDIR="$kdir" RTEMU_KO="$bin/rtemu.ko" "$RTEMU_ROOT/selftests/host/clone_paths.sh"
fi
host_result "long steps are quiet: one line, the log, its tail on failure" "$RTEMU_ROOT/selftests/host/quiet_build.sh"
host_result "UAPI reference matches the spec" "$RTEMU_ROOT/selftests/host/uapi_doc.sh"
host_result "README commands and paths exist" "$RTEMU_ROOT/selftests/host/readme.sh"
cargo_log=$results/cargo.log
host_result "cargo test (tools workspace: trie, rtemu, rtemuctl)" \
	env RTEMU_ASN_DIR="$ASN_DATA_DIR" bash -c "cargo test --manifest-path '$RTEMU_ROOT/tools/Cargo.toml' --workspace 2>&1 | tee '$cargo_log' | grep -E '^test result|FAILED|panicked|^skipped '; exit \${PIPESTATUS[0]}"
host_result "rustfmt: rust/ with the kernel's .rustfmt.toml, tools/ with cargo fmt" "$RTEMU_ROOT/selftests/host/rustfmt.sh"
host_result "no import cycles: the kernel crate and the tools crates, at every level" "$RTEMU_ROOT/selftests/host/module_cycles.sh"
host_result "README's map of the module matches the tree" "$RTEMU_ROOT/selftests/host/layout_map.sh"
host_result "a SAFETY comment right above every unsafe block in rust/ and selftests/bench/" "$RTEMU_ROOT/selftests/host/safety_comments.sh"
host_result "clippy: the kernel crates (make CLIPPY=1, unsafe lints denied)" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/clippy.sh"
host_result "cargo clippy -D warnings (tools workspace)" \
	cargo clippy --quiet --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" --workspace --all-targets -- -D warnings
# rtemu-wasix-run has a workspace of its own; with the same profile, its
# tests reuse the build above. Clippy lints its targets as they compile (clippy-driver as the
# crate's compiler, the way cargo clippy runs it), so wasmer's ~440 crates
# are not checked a second time for clippy alone (4 to 5 minutes cold).
wasix_run_manifest=$RTEMU_ROOT/tools/rtemu-wasix-run/Cargo.toml
host_result "cargo test, linted by clippy -D warnings (rtemu-wasix-run: guests and the IPv6 fix through wasmer)" \
	bash -c "driver=\$(command -v clippy-driver) || { echo '# FAIL: no clippy-driver'; exit 1; }
		RUSTC_WORKSPACE_WRAPPER=\$driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ \\
		cargo test --locked --profile quick --manifest-path '$wasix_run_manifest' --target-dir '$(wasix_run_target)' 2>&1 |
		tee '$results/cargo-wasix-run.log' | grep -E '^test result|FAILED|panicked|^error'; exit \${PIPESTATUS[0]}"
host_result "make install of the CLI" "$RTEMU_ROOT/selftests/host/install_cli.sh"
if [ "$env" = vm ]; then
	host_result "VM runner: a long command whole, its status back" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/vm_run.sh"
	host_result "dkms build against the test kernel" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/dkms_build.sh"
	host_result "make rust-analyzer" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/rust_analyzer.sh"
	host_result "make docs" env KDIR="$kdir" "$RTEMU_ROOT/selftests/host/docs.sh"
fi
host_time=$((SECONDS - host_started))
log "host tests done in $host_time s; the guest's output:"

tail -n +1 -f --pid="$guest" "$guest_log"
status=0
wait "$guest" || status=$?
trap - EXIT INT TERM
# The guest's console log may carry carriage returns.
tr -d '\r' <"$guest_log" >>"$ktap"
# Every kselftest asked for must have reported, or its results were lost.
if [ -n "${RTEMU_TESTS:-}" ]; then
	planned=$(wc -w <<<"$RTEMU_TESTS")
else
	planned=$(sed -n 's/^TEST_PROGS := //p' "$RTEMU_ROOT/selftests/Makefile" | wc -w)
fi
reported=$(grep -cE '^(not )?ok [0-9]+ selftests: ' <(tr -d '\r' <"$guest_log") || true)
if [ "$reported" != "$planned" ]; then
	echo "not ok $((host_test + 1)) the $env guest reported $reported of $planned kselftests (status $status)" | tee -a "$ktap"
fi

phase ""
echo "# phases ($env, $(basename "$kdir")):"
printf '#   %s\n' "${phases[@]}"
echo "#   (the host tests took $host_time s of the kselftests' time, beside them)"
echo "#   $(printf '%5d s' "$SECONDS")  in all"
"$RTEMU_ROOT/scripts/ktap-count.py" "$ktap"

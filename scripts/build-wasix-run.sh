#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rtemu-wasix-run (tools/rtemu-wasix-run: wasmer running a WASIX guest
# with its routes in rtemu) with the crate's `quick` profile (unoptimised,
# for tests and the demo) and quietly, and print the binary's path on
# standard output.
#
#   scripts/build-wasix-run.sh            build (or bring up to date) and print
#   scripts/build-wasix-run.sh --cached   print the path if it is built, else
#                                         fail; build nothing
#
# The build lives outside the clone (wasix_run_target in scripts/lib.sh:
# $RTEMU_CACHE/wasix-run/, keyed by the hash of the crate's lockfile).
# Nothing but the path goes to standard output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
[ $# = 0 ] || die "usage: $0 [--cached]"

crate=$RTEMU_ROOT/tools/rtemu-wasix-run
target=$(wasix_run_target)
bin=$target/quick/rtemu-wasix-run

if [ "$cached_only" = 1 ]; then
	[ -x "$bin" ] || exit 1
	echo "$bin"
	exit 0
fi

run_logged "rtemu-wasix-run: cargo build --profile quick (wasmer; cached in $target)" \
	"$(new_log wasix-run)" cargo_progress \
	cargo build --locked --profile quick --manifest-path "$crate/Cargo.toml" --target-dir "$target"
echo "$bin"

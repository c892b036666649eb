#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: rtemu side by side with Linux's own FIB and iproute2 in one boot
# of the perf kernel, then the trie natively on the host against Rust LPM
# crates. Prints the results and writes them as JSON.
#
#   scripts/bench.sh [uml|vm] [--quick]
#
# uml (make bench): the um-perf kernel under User-Mode Linux, which runs
# natively, caches and all. vm (make bench-vm): the x86-64 perf kernel under
# virtme-ng, which is TCG on machines without KVM: cache-blind, its figures
# only ratios between peers measured alike.
#
# Results: $RTEMU_CACHE/results/bench-DATE/ (bench.json, report.md, the raw
# guest and native results). --quick (or RTEMU_BENCH_QUICK=1) runs only the
# 1k and 100k samples, fewer keys and a short native run: a smoke test of the
# whole pipeline, not numbers to publish.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

env=uml
quick=${RTEMU_BENCH_QUICK:-0}
for arg; do
	case $arg in
	--quick) quick=1 ;;
	*) check_env "$arg"; env=$arg ;;
	esac
done

"$RTEMU_ROOT/scripts/setup.sh"
kdir=$("$RTEMU_ROOT/scripts/build-kernel.sh" "$(env_flavour "$env" perf)")
KDIR=$kdir "$RTEMU_ROOT/scripts/build-module.sh" modules RTEMU_BENCH=1

cargo_release() { cargo build --quiet --locked --release --manifest-path "$RTEMU_ROOT/tools/Cargo.toml" "$@"; }
cargo_release -p rtemuctl
# The native benchmark's crates (criterion and the peers) come with the feature.
cargo_release -p rtemu-bench --features bench
bench=$RTEMU_ROOT/tools/target/release/rtemu-bench

# The prefix samples, from the pinned @ip-location-db/asn package.
data=$RTEMU_CACHE/bench/data-$(echo "$ASN_DATA_PACKAGE" | tr '@/' '__')
if [ ! -f "$data/.done" ]; then
	log "bench: splitting $ASN_DATA_PACKAGE into CIDR samples in $data"
	mkdir -p "$data"
	"$bench" prefixes --asn "$ASN_DATA_DIR" --out "$data"
	touch "$data/.done"
fi

out=$RTEMU_CACHE/results/bench-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# The guest writes under vm-out (the one directory it may write to).
guest_out=$RTEMU_CACHE/vm-out/bench
rm -rf "$guest_out" && mkdir -p "$guest_out"

if [ "$quick" = 1 ]; then
	sizes="1k 100k" keys=20000 native=(--quick)
else
	sizes="1k 100k full" keys=200000 native=()
fi

if [ "$env" = uml ]; then
	environment="User-Mode Linux (native)"
else
	environment="virtme-ng ($("$RTEMU_ROOT/scripts/vm-run.sh" --choose-accel "$kdir" | tr a-z A-Z))"
fi
log "bench: $(basename "$kdir") in $environment"
# The VM gets 4 GiB; a UML guest at most 1792M (scripts/uml-run.sh).
RTEMU_VM_MEMORY=${RTEMU_VM_MEMORY:-4G} RTEMU_UML_MEMORY=${RTEMU_UML_MEMORY:-1792M} \
	env_run "$env" --timeout 5400 "$kdir" \
	env RTEMU_BENCH_SIZES="$sizes" RTEMU_BENCH_KEYS="$keys" \
	"$RTEMU_ROOT/scripts/bench-guest.sh" "$data" "$guest_out"
cp "$guest_out/guest.jsonl" "$out/"

log "bench: native lookups on the host"
"$bench" native --asn "$ASN_DATA_DIR" --json "$out/native.json" "${native[@]}"

python3 "$RTEMU_ROOT/scripts/bench-report.py" \
	--guest "$out/guest.jsonl" --native "$out/native.json" --environment "$environment" \
	--kernel "$(basename "$kdir")" --data "$ASN_DATA_PACKAGE" \
	--json "$out/bench.json" --markdown "$out/report.md"
cat "$out/report.md"
log "bench: results in $out (bench.json, report.md)"

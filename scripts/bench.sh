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
# Every measurement runs on two data sets: the @ip-location-db/asn ranges
# split into CIDR blocks (no prefix nests in another), and a real BGP full
# table vendored in tools/rtemu-bench/data/ (half of its IPv4 prefixes have a
# covering prefix), which adds nested-hit lookups. RTEMU_BENCH_SETS="bgp"
# (or "asn") runs one of them.
#
# Results: $RTEMU_CACHE/results/bench-DATE/ (bench.json, report.md,
# lookups.svg, the raw guest and native results). --quick (or
# RTEMU_BENCH_QUICK=1) runs only the 1k and 100k samples of both sets, fewer
# keys and a short native run: a smoke test of the whole pipeline, not numbers
# to publish. The run fails, after writing its report, if rtemu and the FIB
# disagree on any key, or rtemu's trie and the reference do natively.
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

sets=${RTEMU_BENCH_SETS:-asn bgp}
for set in $sets; do
	case $set in
	asn|bgp) ;;
	*) die "RTEMU_BENCH_SETS: unknown data set '$set' (asn, bgp)" ;;
	esac
done
[ -f "$BGP_DATA_FILE" ] || die "no $BGP_DATA_FILE (the vendored BGP table; see tools/rtemu-bench/data/README.md)"

# The prefix samples of each data set (FAM-SIZE.txt, .bin and .nested.bin in
# asn/ and bgp/), from the pinned @ip-location-db/asn package and the
# vendored BGP table; named by both inputs and the files' version.
bgp_key=$(sha256sum "$BGP_DATA_FILE" | cut -c1-12)
data=$RTEMU_CACHE/bench/samples-3-$(echo "$ASN_DATA_PACKAGE" | tr '@/' '__')-bgp-$bgp_key
if [ ! -f "$data/asn/.done" ]; then
	log "bench: splitting $ASN_DATA_PACKAGE into CIDR samples in $data/asn"
	mkdir -p "$data/asn"
	"$bench" prefixes --asn "$ASN_DATA_DIR" --out "$data/asn" >"$data/asn/summary.json"
	touch "$data/asn/.done"
fi
if [ ! -f "$data/bgp/.done" ]; then
	log "bench: sampling the BGP table $BGP_DATA_FILE in $data/bgp"
	mkdir -p "$data/bgp"
	"$bench" prefixes --bgp "$BGP_DATA_FILE" --out "$data/bgp" >"$data/bgp/summary.json"
	touch "$data/bgp/.done"
fi

# The IPv6 peer: Linux's per-table fib6_table_lookup() if the kernel exported
# it to modules; 7.3 does not, so rtemu_bench.ko asks fib6_lookup(), which
# without custom rules looks in the local table, then main.
if grep -qE '^0x[0-9a-f]+[[:space:]]fib6_table_lookup[[:space:]]' "$kdir/Module.symvers"; then
	fib6="fib6_lookup() (local, then main); this kernel exports fib6_table_lookup(), which rtemu_bench.ko does not use yet"
	log "bench: note: $(basename "$kdir") exports fib6_table_lookup(); rtemu_bench.ko still times fib6_lookup()"
else
	fib6="fib6_lookup() (local, then main): the kernel exports no fib6_table_lookup()"
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
# Every system call of a UML guest process is a switch between host
# processes; on a host whose CPUs halt when idle (a VM's haltpoll, C-states),
# each switch also waits for a CPU to wake, which made the syscall-heavy rows
# (dumps, bulk loads) 2-3x slower than on a host kept busy. A PM QoS CPU
# latency request of 0, held while this script and its children run, keeps
# the CPUs polling instead (root only; the report says whether it held).
if [ -w /dev/cpu_dma_latency ] && exec {cpu_latency_fd}>/dev/cpu_dma_latency &&
	echo 0 >&"$cpu_latency_fd"; then
	environment="$environment, host CPUs kept out of idle states (cpu_dma_latency 0)"
else
	environment="$environment, host CPUs free to idle (/dev/cpu_dma_latency not writable)"
	log "bench: note: cannot hold /dev/cpu_dma_latency at 0; system-call-heavy rows will be slower"
fi
log "bench: $(basename "$kdir") in $environment"
# The VM gets 4 GiB; a UML guest at most 1792M (scripts/uml-run.sh). The
# guest exits 3 when rtemu and the FIB disagreed: its results are still
# reported, and the run fails below.
guest_status=0
RTEMU_VM_MEMORY=${RTEMU_VM_MEMORY:-4G} RTEMU_UML_MEMORY=${RTEMU_UML_MEMORY:-1792M} \
	env_run "$env" --timeout 10800 "$kdir" \
	env RTEMU_BENCH_SIZES="$sizes" RTEMU_BENCH_KEYS="$keys" RTEMU_BENCH_SETS="$sets" \
	"$RTEMU_ROOT/scripts/bench-guest.sh" "$data" "$guest_out" || guest_status=$?
[ "$guest_status" = 0 ] || [ "$guest_status" = 3 ] || die "bench: the guest failed (exit $guest_status)"
cp "$guest_out/guest.jsonl" "$out/"

log "bench: native lookups on the host"
native_data=()
for set in $sets; do
	case $set in
	asn) native_data+=(--asn "$ASN_DATA_DIR") ;;
	bgp) native_data+=(--bgp "$BGP_DATA_FILE") ;;
	esac
done
"$bench" native "${native_data[@]}" --json "$out/native.json" "${native[@]}"

report_args=()
if [ "$quick" = 1 ]; then report_args+=(--quick); fi
report_status=0
python3 "$RTEMU_ROOT/scripts/bench-report.py" \
	--guest "$out/guest.jsonl" --native "$out/native.json" --environment "$environment" \
	--kernel "$(basename "$kdir")" --sets "$sets" --samples "$data" --fib6 "$fib6" \
	--data "asn=$ASN_DATA_PACKAGE" --data "bgp=${BGP_DATA_FILE#"$RTEMU_ROOT"/}" \
	"${report_args[@]}" \
	--json "$out/bench.json" --markdown "$out/report.md" --svg "$out/lookups.svg" || report_status=$?
cat "$out/report.md"
log "bench: results in $out (bench.json, report.md, lookups.svg)"
# bench-report.py exits 3 when a check failed (disagreement, missing rows).
case $report_status in
0|3) ;;
*) die "bench: bench-report.py failed (exit $report_status)" ;;
esac
if [ "$guest_status" != 0 ] || [ "$report_status" != 0 ]; then
	die "bench: FAILED: rtemu's answers differ from the FIB's or the reference's (the report's Checks, above)"
fi

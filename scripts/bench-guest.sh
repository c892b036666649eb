#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench's script inside the guest (perf kernel): for each data set (asn,
# bgp) and each of its prefix samples, load the same prefixes into rtemu
# (rtemuctl -batch) and into Linux's FIB (ip -batch; IPv4 into spare table
# $TABLE, IPv6 into the main table, which fib6_lookup() reads: Linux 7.3
# exports no fib6_table_lookup()), timing the loads and the memory they take,
# the dumps, then the in-kernel lookup benchmark (rtemu_bench.ko, with the
# sample's nested prefixes for nested-hit keys), and for the full set
# unloading rtemu against flushing the FIB. Each result is one JSON line in
# $OUT/guest.jsonl, with its data set and sample size.
#
#   scripts/bench-guest.sh DATA_DIR OUT_DIR
#
# DATA_DIR holds one directory per data set (asn/, bgp/), each with the files
# of `rtemu-bench prefixes`. If rtemu and the FIB disagree on any key, the
# script says so at once, finishes, and exits 3.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1
out=$2
RTEMUCTL=${RTEMUCTL:-$PWD/tools/target/release/rtemuctl}
RTEMU_BENCH=${RTEMU_BENCH:-$PWD/tools/target/release/rtemu-bench}
TABLE=100
KEYS=${RTEMU_BENCH_KEYS:-200000}
SEED=${RTEMU_BENCH_SEED:-20261122}
SIZES=${RTEMU_BENCH_SIZES:-1k 100k full}
SETS=${RTEMU_BENCH_SETS:-asn bgp}
results=$out/guest.jsonl
: >"$results"

log() { printf '[bench-guest %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
emit() { echo "$*" >>"$results"; }
now_ns() { date +%s%N; }

# Kernel memory that routes take: slab plus vmalloc (fib_trie puts nodes
# larger than a page there), in bytes, after RCU frees have run.
kmem() {
	sleep 1
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^(Slab|VmallocUsed):/ { kb += $2 } END { print kb * 1024 }' /proc/meminfo
}

# Modules are loaded from stripped copies: module loading is slow under TCG
# and the debug info is not needed.
work=$(mktemp -d)
for m in rtemu rtemu_bench; do
	cp "$m.ko" "$work/" && strip --strip-debug "$work/$m.ko"
done
load_rtemu() { insmod "$work/rtemu.ko" max_routes=4194304; }

ip link add rtbench0 type dummy
ip addr add 192.0.2.1/24 dev rtbench0
ip -6 addr add 2001:db8::1/64 dev rtbench0 nodad
ip link set rtbench0 up

# Batch files for both loaders from the same prefix list, cut into parts of
# $PART lines; each loader runs once per part. A UML guest process maps each
# of its pages as a host mapping of its own, and ip -batch grows by about a
# page per route: past the host's vm.max_map_count (65,530 by default) it
# stalls (seen at 64,500 routes). Made per data set (the guest's /tmp is
# its own memory), removed after it.
PART=10000
make_batches() {
	local f name gw batch size fam
	for size in $SIZES; do for fam in v4 v6; do
		name=$fam-$size
		f=$data/$1/$name.txt
		case $fam in
		v4) gw=192.0.2.2 ;;
		v6) gw=2001:db8::2 ;;
		esac
		sed "s|.*|route add & via $gw|" "$f" >"$work/$name.rtemu"
		# The same routes with both lifetimes (far enough out that none expires
		# during the run): what tracking deadlines adds to a bulk add.
		sed "s|.*|route add & via $gw preferred 2h expires 3h|" "$f" >"$work/$name.rtemu-timed"
		case $name in
		v4-*) sed "s|.*|route add table $TABLE & via $gw dev rtbench0|" "$f" >"$work/$name.ip" ;;
		v6-*) sed "s|.*|route add & via $gw dev rtbench0|" "$f" >"$work/$name.ip" ;;
		esac
		for batch in "$work/$name.rtemu" "$work/$name.rtemu-timed" "$work/$name.ip"; do
			mkdir "$batch.d"
			split -l $PART "$batch" "$batch.d/part."
			rm "$batch"
		done
	done; done
}
drop_batches() { rm -rf "$work"/v[46]-*; }
# batch LOADER FILE: LOADER -batch on each part of the batch file FILE.
batch() {
	local part
	for part in "$work/$2.d"/part.*; do
		"$1" -batch "$part" || return 1
	done
}

fib_flush() {
	ip route flush table $TABLE
	ip -6 route flush table main proto boot
}

# The JSON fields every line of a sample starts with.
tag() { printf '"data":"%s","size":"%s"' "$set" "$size"; }

disagree=0
load_rtemu
for set in $SETS; do
	[ -d "$data/$set" ] || { log "no samples of the $set set in $data"; exit 1; }
	make_batches "$set"
	for size in $SIZES; do
		for fam in v4 v6; do
			name=$fam-$size
			n=$(wc -l <"$data/$set/$name.txt")
			family=$([ $fam = v4 ] && echo inet || echo inet6)
			log "$set $name: $n prefixes"

			before=$(kmem)
			t0=$(now_ns)
			batch ip "$name.ip"
			t1=$(now_ns)
			linux_bytes=$(($(kmem) - before))

			before=$(kmem)
			t2=$(now_ns)
			batch "$RTEMUCTL" "$name.rtemu"
			t3=$(now_ns)
			rtemu_bytes=$(($(kmem) - before))
			rtemu_ns=$((t3 - t2))
			emit "{\"bench\":\"insert\",$(tag),\"family\":\"$family\",\"prefixes\":$n,\"linux_ns\":$((t1 - t0)),\"rtemu_ns\":$rtemu_ns,\"linux_bytes\":$linux_bytes,\"rtemu_bytes\":$rtemu_bytes}"

			# Dumps, as text, to /dev/null; both list exactly this family's set.
			t0=$(now_ns)
			if [ $fam = v4 ]; then ip route show table $TABLE >/dev/null; else ip -6 route show table main proto boot >/dev/null; fi
			t1=$(now_ns)
			"$RTEMUCTL" route show "$family" >/dev/null
			t2=$(now_ns)
			linux_lines=$(if [ $fam = v4 ]; then ip route show table $TABLE; else ip -6 route show table main proto boot; fi | wc -l)
			rtemu_lines=$("$RTEMUCTL" route show "$family" | wc -l)
			emit "{\"bench\":\"dump\",$(tag),\"family\":\"$family\",\"prefixes\":$n,\"linux_ns\":$((t1 - t0)),\"rtemu_ns\":$((t2 - t1)),\"linux_lines\":$linux_lines,\"rtemu_lines\":$rtemu_lines}"
			# The kernel's dump alone: received and kept, not decoded or printed.
			raw=$("$RTEMU_BENCH" dump "$family")
			emit "{\"bench\":\"dump_raw\",$(tag),\"family\":\"$family\",\"prefixes\":$n,${raw#\{}"

			# The same add with lifetimes, against the add without, each on an
			# emptied table and each the faster of two passes: one pass through
			# UML's system calls varies by a fifth from run to run.
			plain_ns=$rtemu_ns
			timed_ns=
			for pass in plain timed plain timed; do
				"$RTEMUCTL" route flush "$family" >/dev/null
				file=$name.rtemu
				[ $pass = timed ] && file=$name.rtemu-timed
				t0=$(now_ns)
				batch "$RTEMUCTL" "$file"
				t1=$(now_ns)
				ns=$((t1 - t0))
				if [ $pass = plain ]; then
					[ "$ns" -lt "$plain_ns" ] && plain_ns=$ns
				elif [ -z "$timed_ns" ] || [ "$ns" -lt "$timed_ns" ]; then
					timed_ns=$ns
				fi
			done
			emit "{\"bench\":\"insert_timed\",$(tag),\"family\":\"$family\",\"prefixes\":$n,\"plain_ns\":$plain_ns,\"timed_ns\":$timed_ns}"
		done

		log "$set $size: in-kernel lookups"
		# Nested-hit keys where the sample nests (the module cannot read an
		# empty file, and the asn set never nests).
		nested_args=()
		for fam in v4 v6; do
			f=$data/$set/$fam-$size.nested.bin
			if [ -s "$f" ]; then nested_args+=("${fam}_nested_file=$f"); fi
		done
		seen=$(dmesg | wc -l)
		insmod "$work/rtemu_bench.ko" v4_file="$data/$set/v4-$size.bin" v6_file="$data/$set/v6-$size.bin" \
			"${nested_args[@]}" keys="$KEYS" seed="$SEED" fib_table=$TABLE
		rmmod rtemu_bench
		dmesg | tail -n +$((seen + 1)) >"$work/dmesg"
		grep -q 'rtemu_bench: {"bench":"done"}' "$work/dmesg" || { log "rtemu_bench did not finish"; exit 1; }
		sed -n 's/.*rtemu_bench: \({.*}\)$/\1/p' "$work/dmesg" | grep -v '"done"' |
			sed "s/^{\"bench\":\"\([a-z_]*\)\",/{\"bench\":\"\1\",$(tag),/" >"$work/lines"
		cat "$work/lines" >>"$results"
		# rtemu must match what the FIB matches for every key: say so now,
		# loudly, and fail at the end (the other results are still written).
		if grep -q '"disagree":[1-9]' "$work/lines"; then
			log "ERROR: rtemu and the FIB disagree on the $set $size set:"
			grep '"disagree":[1-9]' "$work/lines" >&2
			disagree=1
		fi

		if [ "$size" = full ]; then
			# Unloading rtemu with both full sets against flushing both from the FIB.
			t0=$(now_ns)
			fib_flush
			t1=$(now_ns)
			rmmod rtemu
			t2=$(now_ns)
			emit "{\"bench\":\"teardown\",$(tag),\"linux_ns\":$((t1 - t0)),\"rtemu_ns\":$((t2 - t1))}"
			load_rtemu
		else
			# A fresh module for the next sample: its slab caches start empty,
			# as they do when rtemu is loaded, rather than with the slabs this
			# sample's nodes left partly used (flushed routes free objects,
			# not slab pages), which would flatter the next sample's memory.
			fib_flush
			rmmod rtemu
			load_rtemu
		fi
	done
	drop_batches
done
rmmod rtemu
if dmesg | grep -Eq 'soft lockup|rcu_.*stall|WARNING:|BUG:'; then
	log "the kernel reported a problem"
	dmesg | grep -E -A20 'soft lockup|rcu_.*stall|WARNING:|BUG:' | head -60
	exit 1
fi
if [ $disagree = 1 ]; then
	log "FAILED: rtemu and the FIB disagree (above)"
	exit 3
fi
log "done: $(wc -l <"$results") results"

// SPDX-License-Identifier: GPL-2.0

//! Path compression: nodes that skip key bytes, split where a new prefix parts from a skipped
//! path, merged back when a removal leaves a node with no prefix and one child.

use proptest::prelude::*;

use super::{build, check_same, Naive};
use crate::platform::RcuGuard;
use crate::trie::{Key, Trie};

const A4: u32 = 0x0a0b_0c0d;
const A6: u128 = 0x2001_0db8_0001_0002_0003_0004_0005_0006;

/// `a` with bit `bit` (0: the most significant) of byte `j` flipped.
fn flip<K: Key>(a: K, j: usize, bit: u32) -> K {
    a.with_byte(j, a.byte(j) ^ (0x80 >> bit))
}

/// Keys that leave `a`'s way at every byte, by the first and the last bit of that byte.
fn partings<K: Key>(a: K) -> Vec<K> {
    (0..K::LEVELS)
        .flat_map(|j| [flip(a, j, 0), flip(a, j, 7)])
        .collect()
}

fn insert<K: Key>(t: &Trie<K, u64>, m: &mut Naive<K>, a: K, l: u8, v: u64) {
    let old = t.writer().unwrap().insert(a, l, v).unwrap();
    assert_eq!(old, m.map.insert((a.masked(l), l), v));
}

fn remove<K: Key>(t: &Trie<K, u64>, m: &mut Naive<K>, a: K, l: u8) {
    let old = t.writer().unwrap().remove(a, l).unwrap();
    assert_eq!(old, m.map.remove(&(a.masked(l), l)));
}

/// A lookup that leaves a node's skipped bytes anywhere finds the best match above, not the
/// prefix below.
fn skip_mismatch<K: Key>(a: K) {
    for with_default in [false, true] {
        let mut pfx = vec![(a, K::BITS)];
        if with_default {
            pfx.push((a, 0));
        }
        let (t, m) = build(&pfx);
        // One node for the host route, and one at depth 0 for the default: all between skipped.
        assert_eq!(t.stats().nodes, pfx.len());
        let g = RcuGuard::new();
        for k in partings(a) {
            let want = with_default.then_some((a.masked(0), 0, 1));
            assert_eq!(t.lookup(k, &g), want, "lookup {k:?}");
            assert_eq!(t.lookup(k, &g), m.lookup(k));
        }
        assert_eq!(t.lookup(a, &g), Some((a, K::BITS, 0)));
        check_same(&t, &m, &partings(a));
    }
}

#[test]
fn v4_lookup_stops_at_a_skip_mismatch_at_every_byte() {
    skip_mismatch(A4);
}

#[test]
fn v6_lookup_stops_at_a_skip_mismatch_at_every_byte() {
    skip_mismatch(A6);
}

/// Splits of a compressed path at every byte, by a host route that parts there and by a prefix
/// whose home lies there, and the merges that undo them.
fn split_and_merge<K: Key>(a: K) {
    let (t, mut m) = build(&[(a, K::BITS)]);
    let probes = partings(a);
    for j in 0..K::LEVELS {
        for bit in [0, 7] {
            let b = flip(a, j, bit);
            insert(&t, &mut m, b, K::BITS, 7);
            // The two host routes share a node only when they part at the last byte.
            let parted = if j + 1 == K::LEVELS { 1 } else { 3 };
            assert_eq!(t.stats().nodes, parted, "parting at byte {j}");
            check_same(&t, &m, &probes);
            remove(&t, &mut m, b, K::BITS);
            assert_eq!(t.stats().nodes, 1, "merged back after parting at byte {j}");
            check_same(&t, &m, &probes);
            // Again, removing the first route instead: its sibling takes the parent's place.
            insert(&t, &mut m, b, K::BITS, 7);
            remove(&t, &mut m, a, K::BITS);
            assert_eq!(t.stats().nodes, 1);
            check_same(&t, &m, &probes);
            insert(&t, &mut m, a, K::BITS, 0);
            remove(&t, &mut m, b, K::BITS);
            assert_eq!(t.stats().nodes, 1);
        }
        // A prefix whose home is byte `j`, on the skipped path: a node of its own above.
        for len in [8 * j as u8 + 1, 8 * j as u8 + 8] {
            if len >= K::BITS {
                continue;
            }
            insert(&t, &mut m, a, len, 9);
            // At the last byte, the host route's own node holds it.
            let split = if j + 1 == K::LEVELS { 1 } else { 2 };
            assert_eq!(t.stats().nodes, split, "/{len} on the path");
            check_same(&t, &m, &probes);
            remove(&t, &mut m, a, len);
            assert_eq!(t.stats().nodes, 1, "/{len} merged back");
            check_same(&t, &m, &probes);
        }
    }
}

#[test]
fn v4_splits_and_merges_at_every_byte() {
    split_and_merge(A4);
}

#[test]
fn v6_splits_and_merges_at_every_byte() {
    split_and_merge(A6);
}

/// The IPv6 chain of a full table (2000::/3 down to a host), with siblings that leave it at
/// several bytes.
fn v6_chain() -> Vec<(u128, u8)> {
    vec![
        (0x2000 << 112, 3),
        (0x2001_0db8 << 96, 32),
        (0x2001_0db8_0001 << 80, 48),
        (0x2001_0db8_0001_0002 << 64, 64),
        (0x2001_0db8_0001_0002_0000_0000_0000_0001, 128),
    ]
}

#[test]
fn v6_long_chains_in_every_insertion_order() {
    let chain = v6_chain();
    let last = chain[chain.len() - 1].0;
    let probes: Vec<u128> = chain
        .iter()
        .flat_map(|&(a, _)| partings(a))
        .chain(partings(last))
        .collect();
    // Every order of the 5 prefixes (120), via Heap's algorithm.
    let mut order: Vec<usize> = (0..chain.len()).collect();
    let mut c = vec![0; order.len()];
    let mut orders = vec![order.clone()];
    let mut i = 0;
    while i < order.len() {
        if c[i] < i {
            order.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
            orders.push(order.clone());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    assert_eq!(orders.len(), 120);
    for order in &orders {
        let t = Trie::<u128, u64>::new();
        let mut m = Naive::new();
        for &i in order {
            insert(&t, &mut m, chain[i].0, chain[i].1, i as u64);
            // Each prefix has a home byte of its own: one node each, none between.
            assert_eq!(t.stats().nodes, t.len(), "{order:?}");
            check_same(&t, &m, &probes);
        }
        // Removed in the reverse of another order.
        for &i in order.iter().rev().skip(1).chain(order.last()) {
            remove(&t, &mut m, chain[i].0, chain[i].1);
            assert_eq!(t.stats().nodes, t.len(), "{order:?}");
            check_same(&t, &m, &probes);
        }
        assert!(t.is_empty() && t.stats().nodes == 0);
    }
}

/// Ordered walks that resume at cursors on, before, after and between compressed nodes.
fn walk_across<K: Key>(pfx: &[(K, u8)]) {
    let (t, m) = build(pfx);
    assert_eq!(t.check_invariants(), Ok(()));
    let g = RcuGuard::new();
    let mut cursors: Vec<(K, u8)> = m.map.keys().copied().collect();
    for &(a, l) in pfx {
        for k in partings(a).into_iter().chain([a]) {
            for j in 0..=K::LEVELS {
                let len = (8 * j) as u8;
                cursors.extend([(k, len), (k, len.saturating_sub(1)), (k, l)]);
            }
            cursors.push((k, K::BITS));
        }
    }
    for cur in cursors {
        let got: Vec<_> = t.iter_from(Some(cur), &g).collect();
        assert_eq!(got, m.after(Some(cur)), "after {cur:?}");
    }
    assert_eq!(t.iter(&g).collect::<Vec<_>>(), m.after(None));
}

#[test]
fn v4_walks_across_compressed_nodes() {
    walk_across(&[
        (A4, 32),
        (flip(A4, 1, 3), 32),
        (flip(A4, 2, 0), 24),
        (0xc0a8_0000, 16),
        (0xc0a8_0101, 32),
    ]);
}

#[test]
fn v6_walks_across_compressed_nodes() {
    let mut pfx = v6_chain();
    pfx.extend([
        (flip(A6, 5, 2), 128),
        (flip(A6, 9, 7), 72),
        (flip(A6, 14, 0), 127),
        (0xfe80 << 112, 10),
        (flip(0xfe80 << 112, 12, 4), 100),
    ]);
    walk_across(&pfx);
}

/// Prefixes near a few bases, parting from them at random bits: deep compressed paths that
/// split and merge at every byte.
fn near<K: Key>(bases: &'static [K]) -> impl Strategy<Value = (K, u8)> + Clone {
    (
        proptest::sample::select(bases),
        0..u32::from(K::BITS),
        0..=K::BITS,
    )
        .prop_map(|(b, bit, len)| (flip(b, (bit / 8) as usize, bit % 8), len))
}

fn churn<K: Key>(ops: &[(bool, (K, u8))]) {
    let t = Trie::<K, u64>::new();
    let mut m = Naive::new();
    let mut probes = Vec::new();
    for (i, &(add, (a, l))) in ops.iter().enumerate() {
        if add {
            insert(&t, &mut m, a, l, i as u64);
        } else {
            remove(&t, &mut m, a, l);
        }
        assert_eq!(t.check_invariants(), Ok(()));
        probes.push(a);
    }
    check_same(&t, &m, &probes);
    let g = RcuGuard::new();
    for &(_, cur) in ops {
        let got: Vec<_> = t.iter_from(Some(cur), &g).collect();
        assert_eq!(got, m.after(Some(cur)), "after {cur:?}");
    }
}

const V4_BASES: [u32; 2] = [A4, 0xc0a8_0101];
const V6_BASES: [u128; 2] = [A6, 0xfe80_0000_0000_0000_0000_0000_0000_0001];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn v4_near_prefixes_match_naive(ops in proptest::collection::vec((any::<bool>(), near(&V4_BASES)), 1..120)) {
        churn(&ops);
    }

    #[test]
    fn v6_near_prefixes_match_naive(ops in proptest::collection::vec((any::<bool>(), near(&V6_BASES)), 1..120)) {
        churn(&ops);
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Property tests against the naive linear longest-prefix match.

use proptest::prelude::*;

use super::{build, check_same, Naive};
use crate::platform::RcuGuard;
use crate::trie::{Key, Trie};

#[derive(Clone, Debug)]
pub(crate) enum Op<K> {
    Insert(K, u8, u64),
    Remove(K, u8),
    Lookup(K),
    Clear,
    /// Moves everything into a trie of its own.
    TakeAll,
}

const V4_POOL: [u32; 6] = [
    0x0a00_0000,
    0x0a01_0203,
    0xc0a8_0100,
    0xffff_ffff,
    0,
    0x8000_0000,
];
const V6_POOL: [u128; 5] = [
    0x2001_0db8_0000_0000_0000_0000_0000_0000,
    0x2001_0db8_ffff_0000_0000_0000_0000_0001,
    0xfe80_0000_0000_0000_0000_0000_0000_0001,
    u128::MAX,
    0,
];

pub(crate) fn v4_addr() -> impl Strategy<Value = u32> + Clone {
    prop_oneof![
        any::<u32>(),
        proptest::sample::select(&V4_POOL[..]),
        (
            proptest::sample::select(&V4_POOL[..]),
            any::<u32>(),
            0..32u32
        )
            .prop_map(|(b, n, s)| b ^ (n >> s)),
    ]
}

pub(crate) fn v4_len() -> impl Strategy<Value = u8> + Clone {
    prop_oneof![Just(0u8), Just(32), 0..=32u8, 7..=9u8, 15..=17u8, 23..=25u8]
}

pub(crate) fn v6_addr() -> impl Strategy<Value = u128> + Clone {
    prop_oneof![
        any::<u128>(),
        proptest::sample::select(&V6_POOL[..]),
        (
            proptest::sample::select(&V6_POOL[..]),
            any::<u128>(),
            0..128u32
        )
            .prop_map(|(b, n, s)| b ^ (n >> s)),
    ]
}

pub(crate) fn v6_len() -> impl Strategy<Value = u8> + Clone {
    prop_oneof![
        Just(0u8),
        Just(128),
        0..=128u8,
        47..=49u8,
        63..=65u8,
        127..=128u8
    ]
}

fn ops<K: Key>(
    addr: impl Strategy<Value = K> + Clone,
    len: impl Strategy<Value = u8> + Clone,
) -> impl Strategy<Value = Vec<Op<K>>> {
    let op = prop_oneof![
        6 => (addr.clone(), len.clone(), any::<u64>()).prop_map(|(a, l, v)| Op::Insert(a, l, v)),
        3 => (addr.clone(), len).prop_map(|(a, l)| Op::Remove(a, l)),
        3 => addr.prop_map(Op::Lookup),
        1 => Just(Op::Clear),
        1 => Just(Op::TakeAll),
    ];
    proptest::collection::vec(op, 1..300)
}

/// Applies `op` to both and compares the immediate results.
pub(crate) fn apply<K: Key>(t: &Trie<K, u64>, m: &mut Naive<K>, op: &Op<K>) {
    let mut w = t.writer().expect("writer");
    match *op {
        Op::Insert(a, l, v) => {
            let old = w.insert(a, l, v).expect("alloc");
            assert_eq!(old, m.map.insert((a.masked(l), l), v), "insert {a:?}/{l}");
        }
        Op::Remove(a, l) => {
            let old = w.remove(a, l).expect("alloc");
            assert_eq!(old, m.map.remove(&(a.masked(l), l)), "remove {a:?}/{l}");
        }
        Op::Lookup(k) => {
            let g = RcuGuard::new();
            assert_eq!(t.lookup(k, &g), m.lookup(k));
        }
        Op::Clear => {
            w.clear();
            m.map.clear();
        }
        Op::TakeAll => {
            let taken = w.take_all();
            let g = RcuGuard::new();
            assert!(
                t.iter(&g).next().is_none() && t.is_empty(),
                "the trie is empty after take_all"
            );
            let moved: Vec<_> = taken.iter(&g).map(|(k, l, v)| ((k, l), v)).collect();
            let had: Vec<_> = m.map.iter().map(|(&k, &v)| (k, v)).collect();
            assert_eq!(moved, had, "take_all moves every prefix, in order");
            assert_eq!(taken.len(), m.map.len());
            m.map.clear();
        }
    }
}

fn run<K: Key>(ops: &[Op<K>]) {
    let t = Trie::<K, u64>::new();
    let mut m = Naive::new();
    let mut keys = Vec::new();
    for op in ops {
        apply(&t, &mut m, op);
        match *op {
            Op::Insert(a, _, _) | Op::Remove(a, _) | Op::Lookup(a) => keys.push(a),
            Op::Clear | Op::TakeAll => {}
        }
    }
    check_same(&t, &m, &keys);
    // Remove everything one by one: the trie must end empty (no root left behind).
    let all: Vec<_> = m.map.keys().copied().collect();
    let mut w = t.writer().expect("writer");
    for (p, l) in all {
        assert!(w.remove(p, l).expect("alloc").is_some());
        m.map.remove(&(p, l));
    }
    drop(w);
    assert_eq!(t.stats().nodes, 0);
    assert_eq!(t.footprint(24, |x| x), 0);
    check_same(&t, &m, &keys);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn v4_matches_naive(ops in ops(v4_addr(), v4_len())) {
        run(&ops);
    }

    #[test]
    fn v6_matches_naive(ops in ops(v6_addr(), v6_len())) {
        run(&ops);
    }
}

#[test]
fn v4_edges() {
    let t = Trie::<u32, u64>::new();
    let mut w = t.writer().unwrap();
    let g = RcuGuard::new();
    assert!(t.lookup(0x0a00_0001, &g).is_none());
    w.insert(0, 0, 1).unwrap();
    w.insert(0x0a00_0000, 8, 2).unwrap();
    w.insert(0x0a00_0001, 32, 3).unwrap();
    w.insert(0xffff_ffff, 32, 4).unwrap();
    w.insert(0x0a00_00ff, 24, 5).unwrap(); // host bits ignored
    let l = |k| t.lookup(k, &g);
    assert_eq!(l(0x0a00_0001), Some((0x0a00_0001, 32, 3)));
    assert_eq!(l(0x0a00_0002), Some((0x0a00_0000, 24, 5)));
    assert_eq!(l(0x0a01_0002), Some((0x0a00_0000, 8, 2)));
    assert_eq!(l(0x0b00_0000), Some((0, 0, 1)));
    assert_eq!(l(0xffff_ffff), Some((0xffff_ffff, 32, 4)));
    assert_eq!(l(0xffff_fffe), Some((0, 0, 1)));
    assert_eq!(w.insert(0, 0, 9).unwrap(), Some(1));
    assert_eq!(w.get(0x0a00_00ff, 24), Some(5));
    assert!(w.get(0x0a00_0000, 23).is_none());
    assert_eq!(w.trie().len(), 5);
    assert_eq!(l(0x0b00_0000), Some((0, 0, 9)));
    assert_eq!(t.len(), 5);
    assert_eq!(w.remove(0x0a00_0000, 24).unwrap(), Some(5));
    assert!(w.remove(0x0a00_0000, 24).unwrap().is_none());
    assert_eq!(l(0x0a00_0002), Some((0x0a00_0000, 8, 2)));
    assert!(w.remove(0x0a00_0000, 33).unwrap().is_none());
    // A second writer is refused while the first is open.
    assert!(t.writer().is_none());
    drop(w);
    assert!(t.writer().is_some());
}

#[test]
fn v6_edges() {
    let t = Trie::<u128, u64>::new();
    let mut w = t.writer().unwrap();
    let g = RcuGuard::new();
    let a: u128 = 0x2001_0db8_0000_0000_0000_0000_0000_0001;
    w.insert(a, 128, 1).unwrap();
    w.insert(a, 64, 2).unwrap();
    w.insert(0, 0, 3).unwrap();
    assert_eq!(t.lookup(a, &g).map(|x| x.1), Some(128));
    assert_eq!(t.lookup(a + 1, &g).map(|x| x.1), Some(64));
    assert_eq!(t.lookup(u128::MAX, &g).map(|x| x.1), Some(0));
    // One node per prefix: /0's, /64's (byte 7) and /128's (byte 15), the bytes between skipped.
    assert_eq!(t.stats().nodes, 3);
    // 3 nodes, 2 child slots, 3 value slots.
    assert!(t.footprint(0, |x| x) >= 3 * 100 + 2 * 8 + 3 * 8);
    w.remove(a, 128).unwrap();
    assert_eq!(t.stats().nodes, 2);
    w.remove(a, 64).unwrap();
    assert_eq!(t.stats().nodes, 1);
}

/// Every prefix from 10.0.0.0/8 to its /16s: a node at depth 1 with every prefix it may hold
/// (every word of its bitmap, the largest per-word counts), thinned one prefix in three at a
/// time, so that values ranked from either end of the bitmap are checked.
#[test]
fn dense_node() {
    let all: Vec<(u32, u8)> = (8..=16u8)
        .flat_map(|l| (0..1u32 << (l - 8)).map(move |c| (0x0a00_0000 | (c << (32 - l)), l)))
        .collect();
    let (t, mut m) = build(&all);
    let keys: Vec<u32> = (0..256u32)
        .map(|b| 0x0a00_0000 | (b << 16) | 0x1234)
        .collect();
    check_same(&t, &m, &keys);
    for phase in 0..3 {
        let mut w = t.writer().unwrap();
        for &(p, l) in all.iter().skip(phase).step_by(3) {
            assert!(w.remove(p, l).unwrap().is_some());
            m.map.remove(&(p, l));
        }
        drop(w);
        check_same(&t, &m, &keys);
    }
    assert_eq!(t.stats().nodes, 0);
}

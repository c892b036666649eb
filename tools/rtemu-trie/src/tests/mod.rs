// SPDX-License-Identifier: GPL-2.0

//! Tests of the shared trie under the host seam.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::platform::RcuGuard;
use crate::trie::{Key, Trie};

mod compress;
mod fault;
mod model;
mod race;
mod walk;

/// The naive reference: a map from (prefix, len) to value, searched linearly.
pub(crate) struct Naive<K> {
    pub(crate) map: BTreeMap<(K, u8), u64>,
}

impl<K: Key> Naive<K> {
    pub(crate) fn new() -> Self {
        Naive {
            map: BTreeMap::new(),
        }
    }

    pub(crate) fn lookup(&self, key: K) -> Option<(K, u8, u64)> {
        (0..=K::BITS).rev().find_map(|l| {
            self.map
                .get(&(key.masked(l), l))
                .map(|v| (key.masked(l), l, *v))
        })
    }

    pub(crate) fn after(&self, cur: Option<(K, u8)>) -> Vec<(K, u8, u64)> {
        let lo = match cur {
            None => Bound::Unbounded,
            Some((p, l)) => Bound::Excluded((p.masked(l.min(K::BITS)), l.min(K::BITS))),
        };
        self.map
            .range((lo, Bound::Unbounded))
            .map(|(&(p, l), &v)| (p, l, v))
            .collect()
    }
}

/// A trie and its model with `pfx` inserted, values in order.
pub(crate) fn build<K: Key>(pfx: &[(K, u8)]) -> (Trie<K, u64>, Naive<K>) {
    let t = Trie::new();
    let mut m = Naive::new();
    let mut w = t.writer().unwrap();
    for (i, &(a, l)) in pfx.iter().enumerate() {
        w.insert(a, l, i as u64).unwrap();
        m.map.insert((a.masked(l), l), i as u64);
    }
    drop(w);
    (t, m)
}

/// Checks every observable of `t` against `m`, with `keys` as extra lookup probes.
pub(crate) fn check_same<K: Key>(t: &Trie<K, u64>, m: &Naive<K>, keys: &[K]) {
    let g = RcuGuard::new();
    assert_eq!(t.check_invariants(), Ok(()));
    assert_eq!(t.len(), m.map.len());
    let all: Vec<_> = t.iter(&g).collect();
    assert_eq!(all, m.after(None));
    for (&(p, l), &v) in &m.map {
        assert_eq!(t.get(p, l, &g), Some(v));
        assert_eq!(t.lookup(p, &g), m.lookup(p));
    }
    for &k in keys {
        assert_eq!(t.lookup(k, &g), m.lookup(k), "lookup {k:?}");
    }
}

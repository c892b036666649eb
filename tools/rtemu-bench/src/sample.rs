// SPDX-License-Identifier: GPL-2.0-only

//! Seeded samples of a prefix set.
//!
//! A family's samples are prefixes of one seeded permutation of its full (sorted, deduplicated)
//! list: `1k` is the first 1,000 prefixes of it, `100k` the first 100,000, `full` all of them
//! (so 1k ⊂ 100k ⊂ full, and the order within each is the permutation's).
//!
//! The permutation is a shuffle in which each prefix comes after the prefixes of the list that
//! cover it ([`covers_first`]): every sample holds the covers of its prefixes, so a sample of a
//! table that nests (the BGP table) nests as the table does, where a uniform sample of it would
//! keep almost none of its nesting (1 nested prefix in 1,000). A list without nesting (the asn
//! set) keeps the shuffle's order exactly.

use std::collections::HashSet;

use rtemu_testkit::rng::{
    derive_seed,
    SplitMix64, //
};

use crate::data::Addr;
use crate::reflpm::RefLpm;

/// The set sizes benchmarked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetSize {
    /// 1,000 prefixes.
    K1,
    /// 100,000 prefixes.
    K100,
    /// Every prefix of the family.
    Full,
}

impl SetSize {
    /// All sizes, smallest first.
    pub const ALL: [SetSize; 3] = [SetSize::K1, SetSize::K100, SetSize::Full];

    /// `1k`, `100k` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            SetSize::K1 => "1k",
            SetSize::K100 => "100k",
            SetSize::Full => "full",
        }
    }

    /// The number of prefixes, `None` for all.
    pub fn count(self) -> Option<usize> {
        match self {
            SetSize::K1 => Some(1_000),
            SetSize::K100 => Some(100_000),
            SetSize::Full => None,
        }
    }
}

/// A Fisher-Yates shuffle of `v` driven by `seed`.
pub fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut r = SplitMix64::new(seed);
    for i in (1..v.len()).rev() {
        v.swap(i, r.below(i + 1));
    }
}

/// The family's permutation of `all` (deduplicated) for `seed` (see the module docs).
pub fn permutation<A: Addr>(all: &[(A, u8)], seed: u64) -> Vec<(A, u8)> {
    let mut v = all.to_vec();
    shuffle(&mut v, derive_seed(seed, &format!("{}-sample", A::NAME)));
    covers_first(&v)
}

/// `order` (deduplicated), with each prefix moved up to just before the first prefix it covers,
/// if it comes later: each prefix is preceded by its covers (shortest first), so every prefix of
/// the result is closed under covering. Without nesting, `order` itself.
pub fn covers_first<A: Addr>(order: &[(A, u8)]) -> Vec<(A, u8)> {
    let lpm = RefLpm::new(order);
    let mut seen: HashSet<(A, u8)> = HashSet::with_capacity(order.len());
    let mut out = Vec::with_capacity(order.len());
    for &(p, l) in order {
        if seen.contains(&(p, l)) {
            continue;
        }
        for c in lpm.covers_of(p, l) {
            if seen.insert(c) {
                out.push(c);
            }
        }
        seen.insert((p, l));
        out.push((p, l));
    }
    out
}

/// The sample of `size` taken from a permutation made by [`permutation`].
pub fn take<A: Addr>(perm: &[(A, u8)], size: SetSize) -> &[(A, u8)] {
    let n = size.count().unwrap_or(perm.len()).min(perm.len());
    &perm[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: u32) -> Vec<(u32, u8)> {
        (0..n).map(|i| (i << 8, 24)).collect()
    }

    #[test]
    fn samples_are_deterministic_and_nested() {
        let all = set(150_000);
        let a = permutation(&all, 42);
        let b = permutation(&all, 42);
        assert_eq!(a, b, "same seed, same permutation");
        assert_ne!(a, permutation(&all, 43), "another seed, another one");
        assert_ne!(a, all, "shuffled");
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, all, "a permutation");
        assert_eq!(take(&a, SetSize::K1).len(), 1000);
        assert_eq!(take(&a, SetSize::K100).len(), 100_000);
        assert_eq!(take(&a, SetSize::Full).len(), 150_000);
        assert_eq!(take(&a, SetSize::K1), &take(&a, SetSize::K100)[..1000]);
        // Small sets: a sample is the whole set.
        assert_eq!(take(&permutation(&set(10), 1), SetSize::K1).len(), 10);
        // The families draw from their own streams.
        let v6: Vec<(u128, u8)> = all.iter().map(|&(a, l)| (u128::from(a), l)).collect();
        let p6: Vec<(u32, u8)> = permutation(&v6, 42)
            .iter()
            .map(|&(a, l)| (a as u32, l))
            .collect();
        assert_ne!(p6, a);
    }

    #[test]
    fn samples_keep_their_covers() {
        // 10.0.0.0/8 > 10.1.0.0/16 > 10.1.2.0/24, 10.1.3.0/24; 11.0.0.0/24 alone.
        let all: Vec<(u32, u8)> = vec![
            (0x0a00_0000, 8),
            (0x0a01_0000, 16),
            (0x0a01_0200, 24),
            (0x0a01_0300, 24),
            (0x0b00_0000, 24),
        ];
        let order = [all[3], all[4], all[0], all[2], all[1]];
        assert_eq!(
            covers_first(&order),
            [all[0], all[1], all[3], all[4], all[2]],
            "the covers of 10.1.3.0/24 first, shortest first, then in order"
        );
        // Every prefix of a permutation holds the covers of its prefixes.
        let mut r = SplitMix64::new(4);
        let mut nested: Vec<(u32, u8)> = (0..3000)
            .map(|_| {
                let l = [8u8, 12, 16, 20, 24][r.below(5)];
                (crate::data::masked(r.next_u64() as u32 & 0x0fff_ffff, l), l)
            })
            .collect();
        nested.sort_unstable();
        nested.dedup();
        let p = permutation(&nested, 9);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, nested, "a permutation");
        let lpm = RefLpm::new(&nested);
        let pos: std::collections::HashMap<(u32, u8), usize> =
            p.iter().enumerate().map(|(i, &x)| (x, i)).collect();
        for (i, &(a, l)) in p.iter().enumerate() {
            for c in lpm.covers_of(a, l) {
                assert!(pos[&c] < i, "{c:?} after the {a:#x}/{l} it covers");
            }
        }
        // Without nesting the order is the shuffle's.
        let flat = set(5000);
        let mut shuffled = flat.clone();
        shuffle(&mut shuffled, derive_seed(3, "v4-sample"));
        assert_eq!(permutation(&flat, 3), shuffled);
    }

    /// Fixed expected output: the sample of a seed must not change between versions.
    #[test]
    fn permutation_is_stable() {
        let p = permutation(&set(8), 1);
        let idx: Vec<u32> = p.iter().map(|x| x.0 >> 8).collect();
        assert_eq!(idx, STABLE);
    }

    const STABLE: [u32; 8] = [0, 1, 7, 4, 3, 6, 5, 2];
}

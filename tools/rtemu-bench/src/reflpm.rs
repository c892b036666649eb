// SPDX-License-Identifier: GPL-2.0-only

//! Reference longest-prefix match: simple enough to trust, fast enough for rejection sampling
//! and for checking every implementation's answers before it is timed.

use std::collections::HashMap;

use crate::data::{
    host_mask,
    masked,
    Addr, //
};

/// One hash map per prefix length, probed from the longest length down.
pub struct RefLpm<A: Addr> {
    by_len: Vec<(u8, HashMap<A, u32>)>,
    /// The union of the prefixes as sorted, disjoint, non-adjacent inclusive intervals.
    cover: Vec<(u128, u128)>,
}

impl<A: Addr> RefLpm<A> {
    /// Indexes `set`; a prefix's value is its position in `set` (the first, for duplicates).
    pub fn new(set: &[(A, u8)]) -> Self {
        let mut maps: HashMap<u8, HashMap<A, u32>> = HashMap::new();
        for (i, &(p, l)) in set.iter().enumerate() {
            maps.entry(l)
                .or_default()
                .entry(masked(p, l))
                .or_insert(i as u32);
        }
        let mut by_len: Vec<(u8, HashMap<A, u32>)> = maps.into_iter().collect();
        by_len.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        let mut iv: Vec<(u128, u128)> = set
            .iter()
            .map(|&(p, l)| {
                let p = masked(p, l).to_u128();
                (p, p | host_mask(A::BITS, l))
            })
            .collect();
        iv.sort_unstable();
        let mut cover: Vec<(u128, u128)> = Vec::with_capacity(iv.len());
        for (lo, hi) in iv {
            match cover.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => cover.push((lo, hi)),
            }
        }
        RefLpm { by_len, cover }
    }

    /// The longest prefix containing `a`: (prefix, length, value).
    pub fn lookup(&self, a: A) -> Option<(A, u8, u32)> {
        self.by_len.iter().find_map(|(l, m)| {
            let p = masked(a, *l);
            m.get(&p).map(|&v| (p, *l, v))
        })
    }

    /// The longest prefix strictly shorter than `len` that contains `p/len`: the prefix that
    /// covers it, if the set nests it under one.
    pub fn covering(&self, p: A, len: u8) -> Option<(A, u8, u32)> {
        self.by_len
            .iter()
            .filter(|(l, _)| *l < len)
            .find_map(|(l, m)| {
                let q = masked(p, *l);
                m.get(&q).map(|&v| (q, *l, v))
            })
    }

    /// Every prefix strictly shorter than `len` that contains `p/len`, shortest first.
    pub fn covers_of(&self, p: A, len: u8) -> Vec<(A, u8)> {
        self.by_len
            .iter()
            .rev()
            .take_while(|(l, _)| *l < len)
            .filter_map(|(l, m)| {
                let q = masked(p, *l);
                m.contains_key(&q).then_some((q, *l))
            })
            .collect()
    }

    /// Whether any prefix contains `a` (binary search in the union).
    pub fn covers(&self, a: A) -> bool {
        let x = a.to_u128();
        let i = self.cover.partition_point(|&(lo, _)| lo <= x);
        i > 0 && self.cover[i - 1].1 >= x
    }

    /// The share of the address space the prefixes cover.
    pub fn coverage(&self) -> f64 {
        let total: f64 = self
            .cover
            .iter()
            .map(|&(lo, hi)| (hi - lo) as f64 + 1.0)
            .sum();
        total / 2f64.powi(i32::from(A::BITS))
    }
}

/// The prefixes of `set` that another prefix of `set` covers (nested ones), in `set`'s order.
pub fn nested<A: Addr>(set: &[(A, u8)]) -> Vec<(A, u8)> {
    let lpm = RefLpm::new(set);
    set.iter()
        .copied()
        .filter(|&(p, l)| lpm.covering(p, l).is_some())
        .collect()
}

/// The naive definition, for tests: scan every prefix, keep the longest that contains `a`.
pub fn naive_lpm<A: Addr>(set: &[(A, u8)], a: A) -> Option<(A, u8)> {
    set.iter()
        .filter(|&&(p, l)| masked(a, l) == masked(p, l))
        .max_by_key(|x| x.1)
        .map(|&(p, l)| (masked(p, l), l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtemu_testkit::rng::SplitMix64;

    #[test]
    fn agrees_with_naive() {
        let mut r = SplitMix64::new(5);
        // Nested prefixes on purpose: short ones under which longer ones sit.
        let mut set: Vec<(u32, u8)> = Vec::new();
        for _ in 0..300 {
            let l = [8u8, 12, 16, 20, 24, 28, 32][r.below(7)];
            let a = (r.next_u64() as u32) & 0x0fff_ffff;
            set.push((masked(a, l), l));
        }
        set.push((0, 0));
        let lpm = RefLpm::new(&set);
        for i in 0..20_000 {
            let a = if i % 2 == 0 {
                (r.next_u64() as u32) & 0x0fff_ffff
            } else {
                let (p, l) = set[r.below(set.len())];
                p | (r.next_u64() as u32 & host_mask(32, l) as u32)
            };
            let want = naive_lpm(&set, a);
            assert_eq!(lpm.lookup(a).map(|x| (x.0, x.1)), want);
            assert_eq!(lpm.covers(a), want.is_some());
        }
        let lpm = RefLpm::new(&set[..300]);
        for _ in 0..20_000 {
            let a = r.next_u64() as u32;
            assert_eq!(lpm.covers(a), naive_lpm(&set[..300], a).is_some());
        }
    }

    #[test]
    fn nested_prefixes_are_those_with_a_cover() {
        let set: Vec<(u32, u8)> = vec![
            (0x0a00_0000, 8),  // 10.0.0.0/8
            (0x0a01_0000, 16), // 10.1.0.0/16: under the /8
            (0x0a01_0200, 24), // 10.1.2.0/24: under the /16 (and the /8)
            (0x0b00_0000, 24), // 11.0.0.0/24: alone
            (0x0b00_0100, 24), // 11.0.1.0/24: a neighbour, not a cover
        ];
        let lpm = RefLpm::new(&set);
        assert_eq!(lpm.covering(0x0a01_0200, 24), Some((0x0a01_0000, 16, 1)));
        assert_eq!(lpm.covering(0x0a01_0000, 16), Some((0x0a00_0000, 8, 0)));
        assert_eq!(lpm.covering(0x0a00_0000, 8), None);
        assert_eq!(lpm.covering(0x0b00_0100, 24), None);
        assert_eq!(nested(&set), [(0x0a01_0000, 16), (0x0a01_0200, 24)]);
        assert_eq!(
            lpm.covers_of(0x0a01_0200, 24),
            [(0x0a00_0000, 8), (0x0a01_0000, 16)]
        );
        assert_eq!(lpm.covers_of(0x0a01_0200, 16), [(0x0a00_0000, 8)]);
        assert_eq!(lpm.covers_of(0x0b00_0100, 24), []);
        // The default route covers everything else.
        let mut with_default = set.clone();
        with_default.push((0, 0));
        assert_eq!(nested(&with_default).len(), set.len());
        // Against the naive definition on random nested sets.
        let mut r = SplitMix64::new(8);
        let set: Vec<(u128, u8)> = (0..400)
            .map(|_| {
                let l = [16u8, 24, 32, 40, 48, 64][r.below(6)];
                // Few distinct addresses, so that covers turn up.
                let a = (0x2000 + r.below(4) as u128) << 112
                    | (r.below(4) as u128) << 100
                    | (r.below(4) as u128) << 80;
                (masked(a, l), l)
            })
            .collect();
        let want: Vec<(u128, u8)> = set
            .iter()
            .copied()
            .filter(|&(p, l)| set.iter().any(|&(q, m)| m < l && masked(p, m) == q))
            .collect();
        assert!(!want.is_empty() && want.len() < set.len());
        assert_eq!(nested(&set), want);
    }
}

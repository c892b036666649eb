// SPDX-License-Identifier: GPL-2.0-only

//! Seeded samples of a prefix set.
//!
//! A family's samples are prefixes of one seeded permutation of its full (sorted, deduplicated)
//! list: `1k` is the first 1,000 prefixes of it, `100k` the first 100,000, `full` all of them
//! (so 1k ⊂ 100k ⊂ full, and the order within each is the permutation's).

use rtemu_testkit::rng::{
    derive_seed,
    SplitMix64, //
};

use crate::data::Addr;

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

/// The family's permutation of `all` for `seed` (see the module docs).
pub fn permutation<A: Addr>(all: &[(A, u8)], seed: u64) -> Vec<(A, u8)> {
    let mut v = all.to_vec();
    shuffle(&mut v, derive_seed(seed, &format!("{}-sample", A::NAME)));
    v
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

    /// Fixed expected output: the sample of a seed must not change between versions.
    #[test]
    fn permutation_is_stable() {
        let p = permutation(&set(8), 1);
        let idx: Vec<u32> = p.iter().map(|x| x.0 >> 8).collect();
        assert_eq!(idx, STABLE);
    }

    const STABLE: [u32; 8] = [0, 1, 7, 4, 3, 6, 5, 2];
}

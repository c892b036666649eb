// SPDX-License-Identifier: GPL-2.0-only

//! Lookup keys for a prefix set.

use rtemu_testkit::rng::SplitMix64;

use crate::data::{
    host_mask,
    Addr, //
};
use crate::reflpm::{
    nested,
    RefLpm, //
};

/// How keys relate to the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Uniformly random addresses of the whole space.
    Random,
    /// A uniformly random address inside a uniformly chosen prefix of the set: always matches.
    Hit,
    /// Uniformly random addresses that match no prefix of the set (rejection sampling).
    Miss,
    /// A uniformly random address inside a uniformly chosen nested prefix of the set (one that
    /// another prefix of the set covers): always matches, and what it matches has a covering
    /// prefix, so a longest-prefix match must pick the longer of nested routes.
    Nested,
}

impl KeyKind {
    /// All kinds.
    pub const ALL: [KeyKind; 4] = [
        KeyKind::Random,
        KeyKind::Hit,
        KeyKind::Miss,
        KeyKind::Nested,
    ];

    /// `random`, `hit`, `miss` or `nested`.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Random => "random",
            KeyKind::Hit => "hit",
            KeyKind::Miss => "miss",
            KeyKind::Nested => "nested",
        }
    }
}

/// A uniformly random address.
pub fn random_addr<A: Addr>(r: &mut SplitMix64) -> A {
    A::from_u128(r.next_u128())
}

/// `n` keys of `kind` for `set` (which `lpm` indexes), from `seed`.
///
/// Panics for `Hit` on an empty set, for `Nested` on a set without nested prefixes (see
/// [`nested`]), and for `Miss` when no miss turns up in a million draws (a set that covers
/// (nearly) the whole space).
pub fn generate<A: Addr>(
    set: &[(A, u8)],
    lpm: &RefLpm<A>,
    kind: KeyKind,
    n: usize,
    seed: u64,
) -> Vec<A> {
    let mut r = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(n);
    match kind {
        KeyKind::Random => out.extend((0..n).map(|_| random_addr::<A>(&mut r))),
        KeyKind::Hit => inside(set, n, &mut r, &mut out),
        KeyKind::Nested => {
            let nested = nested(set);
            assert!(!nested.is_empty(), "nested keys of a set without nesting");
            inside(&nested, n, &mut r, &mut out);
        }
        KeyKind::Miss => {
            let mut misses_in_a_row = 0u32;
            while out.len() < n {
                let a = random_addr::<A>(&mut r);
                if lpm.covers(a) {
                    misses_in_a_row += 1;
                    assert!(misses_in_a_row < 1_000_000, "the set covers the space");
                } else {
                    misses_in_a_row = 0;
                    out.push(a);
                }
            }
        }
    }
    out
}

/// Appends `n` addresses, each inside a uniformly chosen prefix of `set`.
fn inside<A: Addr>(set: &[(A, u8)], n: usize, r: &mut SplitMix64, out: &mut Vec<A>) {
    assert!(!set.is_empty(), "hit keys of an empty set");
    for _ in 0..n {
        let (p, l) = set[r.below(set.len())];
        let hm = host_mask(A::BITS, l);
        out.push(A::from_u128((p.to_u128() & !hm) | (r.next_u128() & hm)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::masked;
    use crate::reflpm::naive_lpm;

    fn check<A: Addr>(set: &[(A, u8)]) {
        let lpm = RefLpm::new(set);
        let hit = generate(set, &lpm, KeyKind::Hit, 3000, 1);
        assert!(
            hit.iter().all(|&a| naive_lpm(set, a).is_some()),
            "a hit key missed"
        );
        let miss = generate(set, &lpm, KeyKind::Miss, 3000, 2);
        assert!(
            miss.iter().all(|&a| naive_lpm(set, a).is_none()),
            "a miss key matched"
        );
        let nested_set = nested(set);
        if !nested_set.is_empty() {
            let keys = generate(set, &lpm, KeyKind::Nested, 3000, 4);
            for &a in &keys {
                let (p, l) = naive_lpm(set, a).expect("a nested key matches");
                assert!(
                    lpm.covering(p, l).is_some(),
                    "{a:?} matched {p:?}/{l}, which no prefix of the set covers"
                );
            }
            assert_eq!(keys, generate(set, &lpm, KeyKind::Nested, 3000, 4));
        }
        let random = generate(set, &lpm, KeyKind::Random, 3000, 3);
        assert_eq!(random, generate(set, &lpm, KeyKind::Random, 3000, 3));
        assert_eq!(hit, generate(set, &lpm, KeyKind::Hit, 3000, 1));
        assert_ne!(random, generate(set, &lpm, KeyKind::Random, 3000, 4));
    }

    #[test]
    fn hit_keys_match_and_miss_keys_do_not() {
        let mut r = SplitMix64::new(9);
        // A set covering about half of the IPv4 space (40 /6s), with nesting.
        let v4: Vec<(u32, u8)> = (0..200)
            .map(|_| {
                let l = [6u8, 8, 16, 24, 32][r.below(5)];
                (masked(r.next_u64() as u32, l), l)
            })
            .collect();
        check(&v4);
        let v6: Vec<(u128, u8)> = (0..200)
            .map(|_| {
                let l = [8u8, 32, 48, 64, 128][r.below(5)];
                (masked(r.next_u128(), l), l)
            })
            .collect();
        check(&v6);
        // Real-looking: a /24 and a /32 inside another /24.
        check(&[(0x0100_0000u32, 24), (0x0100_0105, 32)]);
        // Nested: a /16 with a /24 and a /32 under it; the /24 is the only nested prefix a
        // nested key can start from besides the /32.
        let set = [(0x0a00_0000u32, 16), (0x0a00_0100, 24), (0x0a00_0105, 32)];
        check(&set);
        let keys = generate(&set, &RefLpm::new(&set), KeyKind::Nested, 1000, 5);
        assert!(keys.iter().all(|&a| a & 0xffff_ff00 == 0x0a00_0100));
    }
}

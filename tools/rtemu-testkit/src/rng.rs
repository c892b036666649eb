// SPDX-License-Identifier: GPL-2.0-only

//! splitmix64: tiny, fast and fully specified here, so a seed gives the same fuzzer operations,
//! prefix samples and lookup keys whatever the versions of other crates. Recorded fuzzer seeds
//! and benchmark sets depend on every number it draws: the reference values below pin them.

/// The splitmix64 generator (Steele, Lea, Flood 2014; the seeding generator of xoshiro).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next 128 random bits.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (bias below 2^-32 for our sizes).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// A seed for one purpose (`tag`) derived from the user's seed, so that e.g. the IPv4 sample
/// does not change when the IPv6 code draws more numbers.
pub fn derive_seed(seed: u64, tag: &str) -> u64 {
    // FNV-1a over the tag, mixed with the seed through one splitmix64 step.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    SplitMix64::new(seed ^ h).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference output of splitmix64 seeded with 1234567.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(3);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
        }
        assert_ne!(derive_seed(1, "v4"), derive_seed(1, "v6"));
        assert_eq!(derive_seed(1, "v4"), derive_seed(1, "v4"));
    }

    /// The draws the benchmarks' samples and keys are made of: a change here would silently
    /// change the sets and keys a seed names.
    #[test]
    fn draws_are_pinned() {
        let mut r = SplitMix64::new(3);
        let below: Vec<usize> = (0..5).map(|_| r.below(1000)).collect();
        assert_eq!(below, [113, 700, 612, 72, 216]);
        let mut r = SplitMix64::new(5);
        assert_eq!(r.next_u128(), 0x6303_3b0c_a389_c35a_c097_314d_9397_36f8);
        assert_eq!(derive_seed(1, "v4"), 13_736_418_636_546_053_106);
        assert_eq!(derive_seed(1, "v6"), 11_567_217_346_449_171_447);
    }
}

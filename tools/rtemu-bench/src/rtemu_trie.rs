// SPDX-License-Identifier: GPL-2.0-only

//! The host build of `rust/trie.rs` as the benchmark uses it: a guard and the deferred frees
//! (public), and the trie itself (crate-private, as its items are).

use crate::platform::{
    self,
    RcuGuard,
    TrieValue, //
};
use crate::trie::{
    Key,
    Trie, //
};

/// A read-side critical section (a pinned crossbeam epoch; `rcu_read_lock()` in the kernel).
pub struct Guard(RcuGuard);

impl Guard {
    /// Enters a read-side critical section.
    #[inline]
    pub fn new() -> Self {
        Guard(RcuGuard::new())
    }
}

impl Default for Guard {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs pending deferred frees (ours, then crossbeam-epoch's own garbage bags), so that the
/// allocator's count reflects live objects only.
pub fn settle() {
    platform::rcu_drain();
    for _ in 0..2000 {
        crossbeam_epoch::pin().flush();
    }
}

/// rtemu's trie over addresses `A` (`u32` or `u128`) with values `V`, held in the nodes as one
/// word each: a `u32` itself, or an `RcuArc` of anything (one allocation per prefix, as the
/// kernel's routes are). Crate-private, as the seam's `TrieValue` is.
pub(crate) struct RtemuTrie<A: Key, V: TrieValue> {
    t: Trie<A, V>,
}

macro_rules! family {
    ($a:ty) => {
        impl<V: TrieValue> RtemuTrie<$a, V> {
            /// A trie of `set`, the value of `set[i]` being `value(i)` (the last one for
            /// duplicates).
            pub(crate) fn build(set: &[($a, u8)], value: impl Fn(usize) -> V) -> Self {
                let t = Trie::new();
                {
                    let mut w = t.writer().expect("a new trie has no writer");
                    for (i, &(p, l)) in set.iter().enumerate() {
                        w.insert(p, l, value(i)).expect("host allocation");
                    }
                }
                RtemuTrie { t }
            }

            /// Longest-prefix match: (prefix, length, value borrowed for as long as `g`).
            #[inline]
            pub(crate) fn lookup<'g>(
                &'g self,
                a: $a,
                g: &'g Guard,
            ) -> Option<($a, u8, V::Ref<'g>)> {
                self.t.lookup(a, &g.0)
            }
        }
    };
}

family!(u32);
family!(u128);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reflpm::naive_lpm;
    use rtemu_testkit::rng::SplitMix64;

    #[test]
    fn host_trie_matches_naive() {
        let mut r = SplitMix64::new(11);
        let set: Vec<(u128, u8)> = (0..200)
            .map(|_| {
                let l = [0u8, 16, 32, 33, 48, 127][r.below(6)];
                (crate::data::masked(r.next_u128() >> 2, l), l)
            })
            .collect();
        let t = RtemuTrie::<u128, u32>::build(&set, |i| i as u32);
        let g = Guard::new();
        for _ in 0..2000 {
            let (p, l) = set[r.below(set.len())];
            let a = p | (r.next_u128() & crate::data::host_mask(128, l));
            assert_eq!(t.lookup(a, &g).map(|x| (x.0, x.1)), naive_lpm(&set, a));
        }
    }
}

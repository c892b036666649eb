// SPDX-License-Identifier: GPL-2.0

//! Readers racing a writer, with real deferred frees. Counted values ([`RcuArc`]) carry a
//! canary that readers check and that is poisoned when the value is dropped: a reader that saw a
//! value freed under it would see the poison (or crash). At the end nothing may be left: every
//! value was freed exactly once. Plain words (`u64`) tag their prefix, so that a reader that
//! read a node after its memory was reused would see a wrong tag.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtemu_testkit::rng::SplitMix64;

use crate::platform::{rcu_drain, rcu_pending, RcuArc, RcuGuard, TrieValue};
use crate::trie::{Key, Trie};

const MAGIC: u64 = 0x5a5a_1234_cafe_f00d;
const POISON: u64 = 0xdead_dead_dead_dead;

struct Canary<K> {
    magic: AtomicU64,
    prefix: K,
    len: u8,
    live: Arc<AtomicUsize>,
}

impl<K> Canary<K> {
    fn new(prefix: K, len: u8, live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Canary {
            magic: AtomicU64::new(MAGIC),
            prefix,
            len,
            live: live.clone(),
        }
    }

    fn check(&self) {
        assert_eq!(
            self.magic.load(Ordering::Relaxed),
            MAGIC,
            "reader saw a dropped value"
        );
    }
}

impl<K> Drop for Canary<K> {
    fn drop(&mut self) {
        assert_eq!(
            self.magic.swap(POISON, Ordering::Relaxed),
            MAGIC,
            "double drop"
        );
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A value that knows the prefix it was inserted for.
trait Checked<K: Key>: TrieValue {
    /// Whether each value counts itself in `live` while it exists.
    const LIVE: bool;
    fn new(prefix: K, len: u8, live: &Arc<AtomicUsize>) -> Self;
    /// Checks that `v` is intact and `(prefix, len)`'s.
    fn check(v: Self::Ref<'_>, prefix: K, len: u8);
    /// The same for a value the writer took out.
    fn check_taken(&self, prefix: K, len: u8);
}

impl<K: Key> Checked<K> for RcuArc<Canary<K>> {
    const LIVE: bool = true;

    fn new(prefix: K, len: u8, live: &Arc<AtomicUsize>) -> Self {
        RcuArc::try_new(Canary::new(prefix, len, live)).unwrap()
    }

    fn check(v: Self::Ref<'_>, prefix: K, len: u8) {
        v.check();
        assert_eq!((v.prefix, v.len), (prefix, len));
    }

    fn check_taken(&self, prefix: K, len: u8) {
        self.check();
        assert_eq!((self.prefix, self.len), (prefix, len));
    }
}

/// A word that depends on every byte of the prefix and on its length.
fn tag<K: Key>(prefix: K, len: u8) -> u64 {
    (0..K::LEVELS).fold(u64::from(len) | 0x5a00, |h, d| {
        (h ^ u64::from(prefix.byte(d))).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    })
}

impl<K: Key> Checked<K> for u64 {
    const LIVE: bool = false;

    fn new(prefix: K, len: u8, _live: &Arc<AtomicUsize>) -> Self {
        tag(prefix, len)
    }

    fn check(v: u64, prefix: K, len: u8) {
        assert_eq!(v, tag(prefix, len), "reader saw a word of another prefix");
    }

    fn check_taken(&self, prefix: K, len: u8) {
        Self::check(*self, prefix, len);
    }
}

fn race<K: Key, V: Checked<K>>(pool: Vec<(K, u8)>, keys: Vec<K>, writes: usize) {
    let live = Arc::new(AtomicUsize::new(0));
    let trie = Arc::new(Trie::<K, V>::new());
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicUsize::new(0));
    let keys = Arc::new(keys);
    let readers: Vec<_> = (0..3)
        .map(|r| {
            let (trie, stop, keys, seen) = (trie.clone(), stop.clone(), keys.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut rng = SplitMix64::new(r);
                while !stop.load(Ordering::Relaxed) {
                    let g = RcuGuard::new();
                    let mut held = Vec::new();
                    for _ in 0..64 {
                        let k = keys[rng.below(keys.len())];
                        if let Some((p, l, v)) = trie.lookup(k, &g) {
                            V::check(v, p, l);
                            assert_eq!(k.masked(l), p);
                            held.push((p, l, v));
                        }
                    }
                    if rng.next_u64() % 8 == 0 {
                        for (p, l, v) in trie.iter(&g).take(200) {
                            V::check(v, p, l);
                        }
                    }
                    std::hint::spin_loop();
                    // Still intact at the end of the read section, however long ago we got them.
                    for &(p, l, v) in &held {
                        V::check(v, p, l);
                    }
                    seen.fetch_add(held.len(), Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut rng = SplitMix64::new(12345);
    let start = Instant::now();
    for i in 0..writes {
        let (p, l) = pool[rng.below(pool.len())];
        let mut w = trie.writer().unwrap();
        match rng.next_u64() % 16 {
            0..=8 => {
                w.insert(p, l, V::new(p.masked(l), l, &live)).unwrap();
            }
            9..=14 => {
                if let Some(old) = w.remove(p, l).unwrap() {
                    old.check_taken(p.masked(l), l);
                }
            }
            _ => {
                if i % 1000 == 15 {
                    w.clear();
                }
            }
        }
        if start.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(seen.load(Ordering::Relaxed) > 0);
    let t = Arc::try_unwrap(trie).ok().unwrap();
    assert!(!V::LIVE || live.load(Ordering::Relaxed) >= t.len());
    drop(t);
    // Other tests share the deferred-free machinery: wait for our own values only.
    let t0 = Instant::now();
    while live.load(Ordering::Relaxed) != 0 && t0.elapsed() < Duration::from_secs(30) {
        rcu_drain();
    }
    assert_eq!(
        live.load(Ordering::Relaxed),
        0,
        "values leaked ({} frees pending)",
        rcu_pending()
    );
}

fn v4_race<V: Checked<u32>>(writes: usize) {
    let mut rng = SplitMix64::new(7);
    let mut pool = Vec::new();
    for _ in 0..3000 {
        let base = [0x0a00_0000u32, 0xc0a8_0000, 0xac10_0000][rng.below(3)];
        let a = base ^ (rng.next_u64() as u32 >> (8 + rng.next_u64() % 8));
        let l = [0u8, 8, 12, 16, 20, 22, 24, 24, 24, 25, 28, 32][rng.below(12)];
        pool.push((a, l));
    }
    let keys = pool
        .iter()
        .map(|&(a, _)| a ^ (rng.next_u64() as u32 & 0xff))
        .collect();
    race::<_, V>(pool, keys, writes);
}

fn v6_race<V: Checked<u128>>(writes: usize) {
    let mut rng = SplitMix64::new(11);
    let mut pool = Vec::new();
    for _ in 0..2000 {
        let base = 0x2001_0db8u128 << 96;
        let a = base ^ (rng.next_u128() >> (32 + rng.next_u64() % 32));
        let l = [0u8, 32, 40, 48, 48, 56, 64, 64, 96, 127, 128][rng.below(11)];
        pool.push((a, l));
    }
    let keys = pool
        .iter()
        .map(|&(a, _)| a ^ u128::from(rng.next_u64() & 0xffff))
        .collect();
    race::<_, V>(pool, keys, writes);
}

#[test]
fn v4_readers_race_writer() {
    v4_race::<RcuArc<Canary<u32>>>(60_000);
}

#[test]
fn v6_readers_race_writer() {
    v6_race::<RcuArc<Canary<u128>>>(30_000);
}

#[test]
fn v4_readers_race_writer_inline_words() {
    v4_race::<u64>(30_000);
}

#[test]
fn v6_readers_race_writer_inline_words() {
    v6_race::<u64>(15_000);
}

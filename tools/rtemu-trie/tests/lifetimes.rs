// SPDX-License-Identifier: GPL-2.0

//! Who frees what, now that the trie's slots hold no counts: a node copy shares its children's
//! and values' words without counting them, a retired node leaves them to the copy, readers keep
//! what they borrowed from an old copy until their guard goes, a value taken out is freed only
//! after a grace period, and nothing is left once a trie is gone.
//!
//! Its own test binary, the tests one at a time: they compare the process-wide count of live
//! nodes with what they built. The trie sources are included directly because the trie's items
//! are crate-private.

use std::sync::atomic::{
    AtomicBool,
    AtomicU64,
    AtomicUsize,
    Ordering, //
};
use std::sync::{
    mpsc,
    Arc,
    Mutex,
    MutexGuard, //
};
use std::thread;
use std::time::Duration;

#[expect(dead_code)]
#[path = "../src/platform.rs"]
mod platform;

#[expect(dead_code)]
#[path = "../../../rust/trie.rs"]
mod trie;

use platform::{
    fail_allocs_after,
    live_nodes,
    rcu_drain,
    rcu_pending,
    RcuArc,
    RcuGuard, //
};
use trie::Trie;

/// The tests of this binary read the one count of live nodes: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the next ones still run alone.
    let lock = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    settle();
    assert_eq!(live_nodes(), 0, "a node outlived an earlier test");
    lock
}

/// Runs every pending deferred free.
fn settle() {
    assert!(rcu_drain(), "{} frees still pending", rcu_pending());
}

const MAGIC: u64 = 0x5a5a_1234_cafe_f00d;
const POISON: u64 = 0xdead_dead_dead_dead;

/// A value that counts itself in `live` while it exists and is poisoned when dropped.
struct Tracked {
    magic: AtomicU64,
    id: u64,
    live: Arc<AtomicUsize>,
}

impl Tracked {
    fn arc(id: u64, live: &Arc<AtomicUsize>) -> RcuArc<Tracked> {
        live.fetch_add(1, Ordering::Relaxed);
        RcuArc::try_new(Tracked {
            magic: AtomicU64::new(MAGIC),
            id,
            live: live.clone(),
        })
        .unwrap()
    }

    /// The value's id, checking that it was not dropped.
    fn id(&self) -> u64 {
        assert_eq!(
            self.magic.load(Ordering::Relaxed),
            MAGIC,
            "a dropped value was read"
        );
        self.id
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let was = self.magic.swap(POISON, Ordering::Relaxed);
        assert_eq!(was, MAGIC, "a value dropped twice");
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

type TrackedTrie = Trie<u32, RcuArc<Tracked>>;

/// A trie of `pfx` whose values are their indices, and a second count on each value.
fn build(pfx: &[(u32, u8)], live: &Arc<AtomicUsize>) -> (TrackedTrie, Vec<RcuArc<Tracked>>) {
    let t = Trie::new();
    let mut held = Vec::new();
    let mut w = t.writer().unwrap();
    for (i, &(p, l)) in pfx.iter().enumerate() {
        let v = Tracked::arc(i as u64, live);
        held.push(v.clone());
        assert!(w.insert(p, l, v).unwrap().is_none());
    }
    drop(w);
    (t, held)
}

/// Every prefix of `pfx` is found with its value intact.
fn check(t: &TrackedTrie, pfx: &[(u32, u8)]) {
    let g = RcuGuard::new();
    for (i, &(p, l)) in pfx.iter().enumerate() {
        let v = t
            .get(p, l, &g)
            .unwrap_or_else(|| panic!("{p:#x}/{l} is gone"));
        assert_eq!(v.id(), i as u64);
    }
}

/// Prefixes in the root (/8s), in its children (/16s) and below (/24s, /32s).
const PFX: [(u32, u8); 8] = [
    (0x0a00_0000, 8),
    (0x0b00_0000, 8),
    (0x0a01_0000, 16),
    (0x0a01_0200, 24),
    (0x0a01_0203, 32),
    (0x0c00_0000, 16),
    (0x0c01_0000, 24),
    (0x0c01_0100, 24),
];

#[test]
fn a_node_copy_shares_its_words_without_counting_them() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let (t, held) = build(&PFX, &live);
    settle();
    let nodes = live_nodes();
    assert_eq!(nodes, t.stats().nodes);
    let counts: Vec<usize> = held.iter().map(RcuArc::count).collect();
    assert!(counts.iter().all(|&c| c == 2), "{counts:?}");
    // Nothing retired from here on is freed while this guard is held.
    let g = RcuGuard::new();
    // A new /8 copies the root, which has values and children; a new /24 copies a node below.
    let mut w = t.writer().unwrap();
    w.insert(0x0d00_0000, 8, Tracked::arc(100, &live)).unwrap();
    w.insert(0x0c01_0200, 24, Tracked::arc(101, &live)).unwrap();
    drop(w);
    // The copies took no count: each value still has the trie's and ours, while the old nodes
    // still hold their words and wait for their grace period.
    let after: Vec<usize> = held.iter().map(RcuArc::count).collect();
    assert_eq!(after, counts, "a node copy changed its values' counts");
    assert_eq!(live_nodes(), nodes + 2, "two copies, nothing else");
    assert_eq!(
        rcu_pending(),
        2,
        "the two old nodes are retired, nothing else"
    );
    assert_eq!(live.load(Ordering::Relaxed), PFX.len() + 2);
    drop(g);
    settle();
    assert_eq!(live_nodes(), nodes, "the two old nodes went, nothing else");
    check(&t, &PFX);
}

#[test]
fn a_split_retires_nothing_and_a_merge_only_the_nodes_it_removes() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let (t, held) = build(&[(0x0a01_0203, 32)], &live);
    let reader_value = held[0].clone();
    // Nothing retired from here on is freed while this guard is held.
    let g = RcuGuard::new();
    let pending = rcu_pending();
    let mut w = t.writer().unwrap();
    // A /32 that parts from the first at byte 1: its node and the node where the two part,
    // published above the first one's node, which moves down whole.
    w.insert(0x0a02_0203, 32, Tracked::arc(1, &live)).unwrap();
    assert_eq!(rcu_pending(), pending, "a split retired something");
    assert_eq!(t.stats().nodes, 3);
    assert_eq!(live_nodes(), 3);
    // Removing the first: its node empties, and the node where they parted is left with one
    // child, which takes its place. Both are retired, nothing else is; the value goes to us.
    let gone = w.remove(0x0a01_0203, 32).unwrap().expect("present");
    assert_eq!(
        rcu_pending(),
        pending + 2,
        "not the two nodes a merge removes"
    );
    assert_eq!(t.stats().nodes, 1);
    // A prefix on the remaining node's skipped bytes (its home is byte 1) and its removal: a
    // node above it, then that node retired and the child back in its place.
    w.insert(0x0a02_0000, 16, Tracked::arc(2, &live)).unwrap();
    assert_eq!(rcu_pending(), pending + 2);
    assert!(w.remove(0x0a02_0000, 16).unwrap().is_some());
    assert_eq!(
        rcu_pending(),
        pending + 3 + 1,
        "the node and the value, nothing else"
    );
    drop(w);
    assert_eq!(
        reader_value.id(),
        0,
        "a removed value was freed under a reader"
    );
    drop(g);
    drop((gone, reader_value, held));
    settle();
    assert_eq!(
        live_nodes(),
        1,
        "the merges left nodes behind or freed the kept one"
    );
    assert_eq!(live.load(Ordering::Relaxed), 1);
    let g = RcuGuard::new();
    assert_eq!(t.get(0x0a02_0203, 32, &g).map(|v| v.id()), Some(1));
}

#[test]
fn a_retired_node_leaves_its_children_and_values_to_the_copy() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    // Nothing retired from here on is freed while this guard is held: the pending frees count
    // what was retired, and nothing is read after its free if too much was (building the trie
    // copies nodes with children too).
    let g = RcuGuard::new();
    let (t, held) = build(&PFX, &live);
    let nodes = t.stats().nodes;
    let retired = rcu_pending();
    // Copy the root and the node of 10/8's children (10.1/16 and the way to 10.1.2/24) again
    // and again, each time retiring the old one with its children and values still in the trie.
    let rounds = 20;
    for round in 0..rounds {
        let mut w = t.writer().unwrap();
        // A copy of the root.
        w.insert(0x2000_0000, 8, Tracked::arc(200, &live)).unwrap();
        // A new node for 10.2/16's /24s, under a copy of 10.1/16's node.
        w.insert(0x0a02_0000 | (round << 8), 24, Tracked::arc(201, &live))
            .unwrap();
        // A copy of the root, and the /8's value.
        assert!(w.remove(0x2000_0000, 8).unwrap().is_some());
        // A copy of 10.1/16's node, the emptied node below it, and the /24's value.
        assert!(w.remove(0x0a02_0000 | (round << 8), 24).unwrap().is_some());
    }
    assert_eq!(
        rcu_pending() - retired,
        rounds as usize * 7,
        "a retired node took its children or values with it"
    );
    drop(g);
    settle();
    assert_eq!(live_nodes(), nodes, "a retired node took a child with it");
    assert_eq!(
        live.load(Ordering::Relaxed),
        PFX.len(),
        "a value went with a retired node"
    );
    assert!(held.iter().all(|h| RcuArc::count(h) == 2));
    assert_eq!(t.stats().nodes, nodes);
    check(&t, &PFX);
}

#[test]
fn readers_keep_a_value_borrowed_from_an_old_copy() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let (t, held) = build(&PFX, &live);
    drop(held);
    let t = Arc::new(t);
    let stop = Arc::new(AtomicBool::new(false));
    let (borrowed_tx, borrowed) = mpsc::channel();
    let reader = {
        let (t, stop) = (t.clone(), stop.clone());
        thread::spawn(move || {
            let g = RcuGuard::new();
            // 10.1.2.0/24 lives in a node with 10.1.2.3/32's parent: removing it copies it.
            let (_, _, v) = t.lookup(0x0a01_0299, &g).unwrap();
            assert_eq!(v.id(), 3);
            borrowed_tx.send(()).unwrap();
            let mut reads = 0u64;
            while !stop.load(Ordering::Acquire) {
                assert_eq!(v.id(), 3);
                reads += 1;
            }
            assert_eq!(v.id(), 3);
            reads
        })
    };
    borrowed.recv().unwrap();
    let mut w = t.writer().unwrap();
    let gone = w.remove(0x0a01_0200, 24).unwrap().expect("present");
    assert_eq!(RcuArc::count(&gone), 1, "the trie gave its count back");
    drop(gone);
    // More copies of nodes on the way, whose old versions are retired too.
    for i in 0..50u32 {
        w.insert(0x0a01_0300 | i, 32, Tracked::arc(300, &live))
            .unwrap();
    }
    drop(w);
    // The deferred frees run (as far as the reader's guard lets them) while the reader reads.
    for _ in 0..20 {
        for _ in 0..100 {
            crossbeam_epoch::pin().flush();
        }
        thread::sleep(Duration::from_millis(1));
    }
    assert!(rcu_pending() > 0);
    assert_eq!(
        live.load(Ordering::Relaxed),
        PFX.len() + 50,
        "the removed value was freed under its reader"
    );
    stop.store(true, Ordering::Release);
    assert!(reader.join().unwrap() > 0);
    settle();
    assert_eq!(
        live.load(Ordering::Relaxed),
        PFX.len() - 1 + 50,
        "freed once its reader left"
    );
}

#[test]
fn a_removed_value_is_freed_only_after_a_grace_period() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let (t, held) = build(&PFX, &live);
    drop(held);
    // A reader that entered its read-side section before the value left the trie.
    let (entered_tx, entered) = mpsc::channel();
    let (leave_tx, leave) = mpsc::channel::<()>();
    let reader = thread::spawn(move || {
        let _g = RcuGuard::new();
        entered_tx.send(()).unwrap();
        leave.recv().unwrap();
    });
    entered.recv().unwrap();
    let gone = t
        .writer()
        .unwrap()
        .remove(0x0c01_0000, 24)
        .unwrap()
        .unwrap();
    drop(gone);
    assert!(
        !rcu_drain(),
        "every deferred free ran under a reader's guard"
    );
    assert_eq!(
        live.load(Ordering::Relaxed),
        PFX.len(),
        "freed before the grace period"
    );
    leave_tx.send(()).unwrap();
    reader.join().unwrap();
    settle();
    assert_eq!(
        live.load(Ordering::Relaxed),
        PFX.len() - 1,
        "not freed after it"
    );
}

#[test]
fn nothing_is_left_once_a_trie_is_gone() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let many: Vec<(u32, u8)> = (0..2000u32)
        .map(|i| {
            (
                i.wrapping_mul(0x9e37_79b9),
                [0, 8, 13, 16, 24, 32][i as usize % 6],
            )
        })
        .map(|(p, l)| (p & !u32::MAX.checked_shr(u32::from(l)).unwrap_or(0), l))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Dropped with everything in it; cleared; emptied by take_all, whose trie is dropped.
    let (dropped, held) = build(&many, &live);
    drop(dropped);
    assert!(
        held.iter().all(|h| RcuArc::count(h) == 1),
        "the trie kept a count"
    );
    drop(held);
    let (cleared, _) = build(&many, &live);
    cleared.writer().unwrap().clear();
    assert!(cleared.is_empty());
    drop(cleared);
    let (emptied, _) = build(&many, &live);
    let taken = emptied.writer().unwrap().take_all();
    assert_eq!(taken.len(), many.len());
    drop(taken);
    drop(emptied);
    settle();
    assert_eq!(live_nodes(), 0, "nodes left behind");
    assert_eq!(live.load(Ordering::Relaxed), 0, "values left behind");
    // Plain words: only nodes to free.
    let words = Trie::<u128, u64>::new();
    let mut w = words.writer().unwrap();
    for (i, &(p, l)) in many.iter().enumerate() {
        w.insert(u128::from(p) << 96, l, i as u64).unwrap();
    }
    drop(w);
    assert!(live_nodes() > 0);
    drop(words);
    settle();
    assert_eq!(live_nodes(), 0, "nodes of a trie of words left behind");
}

#[test]
fn a_failed_update_changes_no_count() {
    let _serial = serial();
    let live = Arc::new(AtomicUsize::new(0));
    let (t, held) = build(&PFX, &live);
    settle();
    let nodes = live_nodes();
    // A /32 under a new /8 needs a new node (the bytes between skipped) and a copy of the root;
    // each can fail.
    let mut failures = 0;
    for k in 0.. {
        let value = Tracked::arc(400, &live);
        let mut w = t.writer().unwrap();
        fail_allocs_after(Some(k));
        let r = w.insert(0x3001_0203, 32, value);
        fail_allocs_after(None);
        drop(w);
        if r.is_ok() {
            break;
        }
        failures += 1;
        assert!(held.iter().all(|h| RcuArc::count(h) == 2));
        settle();
        assert_eq!(live_nodes(), nodes, "a failed insert left nodes behind");
        assert_eq!(
            live.load(Ordering::Relaxed),
            PFX.len(),
            "its value was not dropped"
        );
    }
    assert_eq!(failures, 2);
    check(&t, &PFX);
}

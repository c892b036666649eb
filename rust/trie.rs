// SPDX-License-Identifier: GPL-2.0

//! Longest-prefix-match trie for the route table (IPv4 and IPv6).
//!
//! This file is platform independent: it uses only `core` and the seam in `crate::platform`
//! (the kernel's `rust/platform.rs`, or the host crate's `tools/rtemu-trie/src/platform.rs`),
//! and contains no `unsafe`.
//!
//! # Structure
//!
//! A multibit trie with stride 8 in tree-bitmap style. Every [`Node`] covers 8 bits of the key:
//!
//! - a 512-bit prefix bitmap `pfx`: bit `(1 << l) | (chunk >> (8 - l))` (the "heap index") is
//!   set when the node holds the prefix of local length `l` (0..=8) whose top `l` bits are those
//!   of `chunk`;
//! - a 256-bit child bitmap `kid`: bit `chunk` is set when the node has a child for that byte;
//! - after these bitmaps ([`Bits`]), in the node's own allocation ([`RcuNode`]), one slot per
//!   value and one per child, compressed by popcount: the value of heap index `i` is in
//!   `vals[rank(pfx, i)]`, the child for `chunk` in `kids[rank(kid, chunk)]`, where
//!   `rank` counts the set bits below a position (helped by per-word running counts).
//!
//! A prefix of length `L` lives at depth `d = max(0, ceil(L / 8) - 1)` with local length
//! `L - 8 * d`; so only the root uses local length 0 (the /0 route), and a /8, /16, ... is the
//! last level of its node rather than the first of a child. IPv4 is at most 4 levels deep, IPv6 16.
//!
//! Lookup walks down by key bytes, remembering the deepest node with a matching local prefix (a
//! branch-light test of the 9 candidate bits of each node), and ranks the value only once at the
//! end.
//!
//! # Concurrency
//!
//! Readers are lock-free under RCU: they hold an [`RcuGuard`] and only ever load [`RcuSlot`]s
//! and [`NodeSlot`]s (acquire loads). Writers are serialized by the caller (a mutex); to make
//! that exclusion a fact that the trie can rely on, updates go through a [`WriteTxn`], of which
//! a trie hands out at most one at a time ([`Trie::writer`]).
//!
//! Every node is an [`RcuNode`] and every value an [`RcuArc`]: a reference-counted allocation
//! (a node's slots are part of it, so a lookup loads one object per level) whose memory is
//! released only after an RCU grace period once its count drops to zero (a deferred,
//! `call_rcu`-style free; never a `synchronize_rcu`). Each slot that points at an object holds one
//! count on it. An update:
//!
//! 1. reads the path from the root under a short guard, taking counted handles of the nodes it
//!    will change;
//! 2. allocates every new node (copies of the changed node with one prefix or child more or less,
//!    plus any new nodes below it), filling the copies with new counts on the unchanged children
//!    and values; an allocation failure here drops only unpublished objects, so the trie is
//!    unchanged ([`AllocError`]);
//! 3. publishes with a single atomic swap (release) of one slot: the parent's child slot, the
//!    root slot, or, when an existing prefix gets a new value, that prefix's value slot (no node
//!    is copied then). The swapped-out object loses the slot's count; once nothing counts it, it
//!    is unreachable for new readers and freed after a grace period, which also drops the counts
//!    its own slots held.
//!
//! Readers therefore see either the old or the new version of a node, never a partial one, and
//! a value reference obtained under a guard stays valid until the guard is dropped.
//!
//! # Invariants
//!
//! - A node's `vals` holds exactly `popcount(pfx)` slots, `kids` exactly `popcount(kid)`, in
//!   heap-index and chunk order respectively; `kid_base` holds the running popcounts of `kid`.
//! - Slots in a published node are never empty.
//! - Only the root may have bit 1 (local length 0) set; nodes at depth `K::LEVELS - 1` have no
//!   children.
//! - Every node other than the root holds at least one prefix or child (empty nodes are removed
//!   together with the parent's child bit); an empty trie has no root.
//! - Published nodes are never modified except for swaps of their slots' contents.
//!
//! # Order of the walk
//!
//! [`Trie::iter_from`] yields prefixes ordered by address, then by length (so `10.0.0.0/8` comes
//! before `10.0.0.0/16`, which comes before `10.0.1.0/24`), and can resume strictly after any
//! `(prefix, len)` cursor, whether or not that prefix is still present.

use core::marker::PhantomData;
use core::sync::atomic::{
    AtomicBool,
    AtomicUsize,
    Ordering, //
};

use crate::platform::{
    AllocError,
    NodeRef,
    NodeSlot,
    RcuArc,
    RcuGuard,
    RcuNode,
    RcuRef,
    RcuSlot, //
};

/// The deepest a key type may make the trie (IPv6: 128 / 8).
pub(crate) const MAX_LEVELS: usize = 16;

/// A key (address) type of the trie.
pub(crate) trait Key: Copy + Eq + Ord + core::fmt::Debug + Send + Sync + 'static {
    /// Number of bits of the key.
    const BITS: u8;
    /// Number of trie levels, `BITS / 8`; at most [`MAX_LEVELS`].
    const LEVELS: usize;
    /// The all-zero key.
    const ZERO: Self;
    /// The byte at `depth` counted from the most significant one (`depth < LEVELS`).
    fn byte(self, depth: usize) -> u8;
    /// `self` with the byte at `depth` replaced by `b` (`depth < LEVELS`).
    fn with_byte(self, depth: usize, b: u8) -> Self;
    /// `self` with all but the top `len` bits cleared (`len <= BITS`).
    fn masked(self, len: u8) -> Self;
}

impl Key for u32 {
    const BITS: u8 = 32;
    const LEVELS: usize = 4;
    const ZERO: Self = 0;

    #[inline(always)]
    fn byte(self, depth: usize) -> u8 {
        (self >> (24u32.wrapping_sub(8 * depth as u32) & 31)) as u8
    }

    #[inline]
    fn with_byte(self, depth: usize, b: u8) -> Self {
        let sh = 24u32.wrapping_sub(8 * depth as u32) & 31;
        (self & !(0xff << sh)) | (Self::from(b) << sh)
    }

    #[inline]
    fn masked(self, len: u8) -> Self {
        self & !Self::MAX.checked_shr(u32::from(len)).unwrap_or(0)
    }
}

impl Key for u128 {
    const BITS: u8 = 128;
    const LEVELS: usize = 16;
    const ZERO: Self = 0;

    #[inline(always)]
    fn byte(self, depth: usize) -> u8 {
        (self >> (120u32.wrapping_sub(8 * depth as u32) & 127)) as u8
    }

    #[inline]
    fn with_byte(self, depth: usize, b: u8) -> Self {
        let sh = 120u32.wrapping_sub(8 * depth as u32) & 127;
        (self & !(0xff << sh)) | (Self::from(b) << sh)
    }

    #[inline]
    fn masked(self, len: u8) -> Self {
        self & !Self::MAX.checked_shr(u32::from(len)).unwrap_or(0)
    }
}

/// Depth and local length of a prefix of length `len`.
#[inline]
fn home(len: u8) -> (usize, usize) {
    let len = usize::from(len);
    if len == 0 {
        (0, 0)
    } else {
        let d = (len - 1) / 8;
        (d, len - 8 * d)
    }
}

/// Heap index of the local prefix of length `l` (0..=8) that covers `chunk`.
#[inline(always)]
fn heap(l: usize, chunk: usize) -> usize {
    (1 << l) | (chunk >> (8 - l))
}

/// Local length of heap index `idx` (1..512).
#[inline(always)]
fn idx_len(idx: usize) -> usize {
    (usize::BITS - 1 - idx.leading_zeros()) as usize
}

/// For `chunk >> 3`, the heap indices of local lengths 0..=5 that cover the chunk (all in word 0).
const ANC0: [u64; 32] = {
    let mut t = [0u64; 32];
    let mut c = 0;
    while c < 32 {
        let mut l = 0;
        while l <= 5 {
            t[c] |= 1 << ((1 << l) | (c >> (5 - l)));
            l += 1;
        }
        c += 1;
    }
    t
};

#[inline]
fn set(words: &mut [u64], i: usize, on: bool) {
    if let Some(w) = words.get_mut(i >> 6) {
        if on {
            *w |= 1 << (i & 63);
        } else {
            *w &= !(1 << (i & 63));
        }
    }
}

/// Number of set bits below position `i`.
#[inline]
fn rank(words: &[u64], i: usize) -> usize {
    let w = i >> 6;
    let below: usize = words.iter().take(w).map(|x| x.count_ones() as usize).sum();
    below
        + words
            .get(w)
            .map_or(0, |x| (x & ((1u64 << (i & 63)) - 1)).count_ones() as usize)
}

fn popcount(words: &[u64]) -> usize {
    words.iter().map(|x| x.count_ones() as usize).sum()
}

/// First set bit in `from..end`.
fn next_set(words: &[u64], from: usize, end: usize) -> Option<usize> {
    if from >= end {
        return None;
    }
    let mut w = from >> 6;
    let mut cur = words.get(w)? & (!0u64 << (from & 63));
    loop {
        if cur != 0 {
            let i = w * 64 + cur.trailing_zeros() as usize;
            return (i < end).then_some(i);
        }
        w += 1;
        if w * 64 >= end {
            return None;
        }
        cur = *words.get(w)?;
    }
}

/// A node's bitmaps: which children and which local prefixes it has, with running counts of
/// children for ranking them. The node's slots follow it in the same allocation ([`RcuNode`]).
///
/// In the order a lookup reads them at each level (the child bitmap and counts, then the
/// prefixes), so that they share the node's first two cache lines with the seam's counts. Values
/// are ranked once per lookup, by popcounts of the words below.
#[repr(C)]
pub(crate) struct Bits {
    kid: [u64; 4],
    kid_base: [u8; 4],
    pfx: [u64; 8],
}

/// A counted trie node: its [`Bits`], then one value slot per prefix and one child slot per
/// child, in one allocation.
type NodeArc<V> = RcuNode<Bits, V>;

/// One trie node (8 key bits), borrowed. See the module documentation for the layout and
/// invariants.
pub(crate) struct Node<'a, V>(NodeRef<'a, Bits, V>);

impl<V> Clone for Node<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Node<'_, V> {}

/// A slot of a node: an atomic pointer holding a count on what it points at.
trait Slot {
    /// A counted handle on what the slot points at.
    type Arc;
    fn load_arc(&self, g: &RcuGuard) -> Option<Self::Arc>;
    fn swap(&self, v: Option<Self::Arc>) -> Option<Self::Arc>;
}

impl<V: Send + Sync + 'static> Slot for RcuSlot<V> {
    type Arc = RcuArc<V>;
    fn load_arc(&self, g: &RcuGuard) -> Option<RcuArc<V>> {
        RcuSlot::load_arc(self, g)
    }
    fn swap(&self, v: Option<RcuArc<V>>) -> Option<RcuArc<V>> {
        RcuSlot::swap(self, v)
    }
}

impl<V: Send + Sync + 'static> Slot for NodeSlot<Bits, V> {
    type Arc = NodeArc<V>;
    fn load_arc(&self, g: &RcuGuard) -> Option<NodeArc<V>> {
        NodeSlot::load_arc(self, g)
    }
    fn swap(&self, v: Option<NodeArc<V>>) -> Option<NodeArc<V>> {
        NodeSlot::swap(self, v)
    }
}

/// A change to one of a node's two slot arrays while copying it.
enum Edit<T> {
    Keep,
    Add(usize, T),
    Del(usize),
}

impl<T> Edit<T> {
    fn apply_bit(&self, words: &mut [u64]) {
        match self {
            Edit::Keep => {}
            Edit::Add(i, _) => set(words, *i, true),
            Edit::Del(i) => set(words, *i, false),
        }
    }
}

/// Fills the empty slots `out` of a new node with new counts on the objects of `old`, applying
/// `edit` at `pos`. `out` has exactly one slot per object the edited array holds.
fn fill<S: Slot>(out: &[S], old: &[S], edit: Edit<S::Arc>, pos: usize, g: &RcuGuard) {
    let (mut add, del) = match edit {
        Edit::Keep => (None, usize::MAX),
        Edit::Add(_, x) => (Some(x), usize::MAX),
        Edit::Del(_) => (None, pos),
    };
    let mut out = out.iter();
    let mut put = |x: Option<S::Arc>| {
        let slot = out
            .next()
            .expect("trie: a node has fewer slots than its bitmap's popcount");
        // The new node is not published yet: nothing else sees the slot.
        drop(slot.swap(x));
    };
    for (j, s) in old.iter().enumerate() {
        if j == pos {
            if let Some(x) = add.take() {
                put(Some(x));
            }
        }
        if j != del {
            put(s.load_arc(g));
        }
    }
    if let Some(x) = add {
        put(Some(x));
    }
    assert!(
        out.next().is_none(),
        "trie: a node has more slots than its bitmap's popcount"
    );
}

/// Running popcounts of `words` (the number of set bits before each word), for at most 256
/// bits.
fn bases(words: &[u64; 4]) -> [u8; 4] {
    let mut out = [0u8; 4];
    let mut acc = 0u8;
    for (b, w) in out.iter_mut().zip(words.iter()) {
        *b = acc;
        // At most 192 before the last word: fits.
        acc = acc.wrapping_add(w.count_ones() as u8);
    }
    out
}

impl<V: Send + Sync + 'static> Node<'_, V> {
    /// Builds a copy of `old` (or an empty node) with the two edits applied.
    ///
    /// All memory is allocated before anything is shared; on failure nothing changed.
    fn build(
        old: Option<Node<'_, V>>,
        pe: Edit<RcuArc<V>>,
        ke: Edit<NodeArc<V>>,
    ) -> Result<NodeArc<V>, AllocError> {
        let (mut pfx, mut kid) = old.map_or(([0; 8], [0; 4]), |o| (o.bits().pfx, o.bits().kid));
        let ppos = match &pe {
            Edit::Add(i, _) | Edit::Del(i) => rank(&pfx, *i),
            Edit::Keep => 0,
        };
        let kpos = match &ke {
            Edit::Add(i, _) | Edit::Del(i) => rank(&kid, *i),
            Edit::Keep => 0,
        };
        pe.apply_bit(&mut pfx);
        ke.apply_bit(&mut kid);
        let bits = Bits {
            kid,
            kid_base: bases(&kid),
            pfx,
        };
        let new = RcuNode::try_new(bits, popcount(&pfx), popcount(&kid))?;
        {
            let g = RcuGuard::new();
            let n = new.get();
            fill(n.vals(), old.map_or(&[][..], |o| o.0.vals()), pe, ppos, &g);
            fill(n.kids(), old.map_or(&[][..], |o| o.0.kids()), ke, kpos, &g);
        }
        Ok(new)
    }
}

impl<'a, V> Node<'a, V> {
    #[inline(always)]
    fn bits(self) -> &'a Bits {
        self.0.header()
    }

    #[inline(always)]
    fn has_pfx(self, idx: usize) -> bool {
        (self.bits().pfx[(idx >> 6) & 7] >> (idx & 63)) & 1 != 0
    }

    #[inline(always)]
    fn has_kid(self, c: usize) -> bool {
        (self.bits().kid[(c >> 6) & 3] >> (c & 63)) & 1 != 0
    }

    #[inline(always)]
    fn pfx_rank(self, idx: usize) -> usize {
        rank(&self.bits().pfx, idx & 511)
    }

    #[inline(always)]
    fn kid_rank(self, c: usize) -> usize {
        let b = self.bits();
        let w = (c >> 6) & 3;
        usize::from(b.kid_base[w]) + (b.kid[w] & ((1u64 << (c & 63)) - 1)).count_ones() as usize
    }

    /// Heap index of the longest local prefix covering `c`, or 0.
    #[inline(always)]
    fn longest_covering(self, c: usize) -> usize {
        let i8 = 256 | c;
        let i7 = 128 | (c >> 1);
        let i6 = 64 | (c >> 2);
        let w0 = self.bits().pfx[0] & ANC0[(c >> 3) & 31];
        let mut r = if w0 == 0 {
            0
        } else {
            63 - w0.leading_zeros() as usize
        };
        if self.has_pfx(i6) {
            r = i6;
        }
        if self.has_pfx(i7) {
            r = i7;
        }
        if self.has_pfx(i8) {
            r = i8;
        }
        r
    }

    #[inline(always)]
    fn child<'g>(self, c: usize, g: &'g RcuGuard) -> Option<Node<'g, V>>
    where
        'a: 'g,
    {
        if !self.has_kid(c) {
            return None;
        }
        self.0.kids().get(self.kid_rank(c))?.load(g).map(Node)
    }

    #[inline(always)]
    fn value<'g>(self, idx: usize, g: &'g RcuGuard) -> Option<RcuRef<'g, V>>
    where
        'a: 'g,
    {
        self.0.vals().get(self.pfx_rank(idx))?.load(g)
    }

    fn child_slot(self, c: usize) -> Option<&'a NodeSlot<Bits, V>> {
        if self.has_kid(c) {
            self.0.kids().get(self.kid_rank(c))
        } else {
            None
        }
    }

    fn value_slot(self, idx: usize) -> Option<&'a RcuSlot<V>> {
        if self.has_pfx(idx) {
            self.0.vals().get(self.pfx_rank(idx))
        } else {
            None
        }
    }

    fn npfx(self) -> usize {
        self.0.vals().len()
    }

    fn nkids(self) -> usize {
        self.0.kids().len()
    }

    /// First chunk `>= from` that starts a local prefix or has a child; 256 if none.
    fn next_chunk(self, from: usize) -> usize {
        if from >= 256 {
            return 256;
        }
        let b = self.bits();
        let mut best = next_set(&b.kid, from, 256).unwrap_or(256);
        for l in 0..=8 {
            let sh = 8 - l;
            let start = (1 << l) + ((from + (1 << sh) - 1) >> sh);
            if let Some(i) = next_set(&b.pfx, start, 1 << (l + 1)) {
                best = best.min((i - (1 << l)) << sh);
            }
        }
        best
    }
}

/// Counts describing a trie's shape (see [`Trie::stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(dead_code, reason = "used by the host crate's tests and measurements")]
pub(crate) struct Stats {
    /// Number of nodes.
    pub(crate) nodes: usize,
    /// Number of prefixes (values).
    pub(crate) prefixes: usize,
    /// Number of child links.
    pub(crate) links: usize,
}

/// A longest-prefix-match table from prefixes of `K` to values `V`.
///
/// Readers use `&self` and an [`RcuGuard`]; writers use a [`WriteTxn`] from [`Trie::writer`].
/// Dropping the trie releases everything through the deferred (grace period) path, so readers
/// that still hold a guard and references into it stay safe.
///
/// Values are immutable once inserted (readers share them); to change a prefix's value, insert a
/// new one. Values are dropped wherever the seam runs deferred frees: in the kernel that is an
/// RCU callback (softirq context), so `V`'s `Drop` must not sleep. Memory safety does not rest
/// on the caller's lock: every object is counted, and the writer flag only keeps concurrent
/// updates from losing each other's changes.
pub(crate) struct Trie<K, V> {
    root: NodeSlot<Bits, V>,
    len: AtomicUsize,
    writer: AtomicBool,
    _key: PhantomData<fn(K) -> K>,
}

impl<K: Key, V: Send + Sync + 'static> Default for Trie<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Key, V: Send + Sync + 'static> Trie<K, V> {
    /// An empty trie. Does not allocate.
    pub(crate) const fn new() -> Self {
        Trie {
            root: NodeSlot::empty(),
            len: AtomicUsize::new(0),
            writer: AtomicBool::new(false),
            _key: PhantomData,
        }
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Number of prefixes.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Whether the trie holds no prefix.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Longest-prefix match for `key`: the matching prefix, its length and its value.
    #[inline]
    pub(crate) fn lookup<'g>(&'g self, key: K, g: &'g RcuGuard) -> Option<(K, u8, RcuRef<'g, V>)> {
        let mut node = Node(self.root.load(g)?);
        let mut best: Option<(Node<'g, V>, usize, usize)> = None;
        let mut depth = 0;
        loop {
            let c = usize::from(key.byte(depth));
            let idx = node.longest_covering(c);
            if idx != 0 {
                best = Some((node, idx, depth));
            }
            if depth + 1 >= K::LEVELS {
                break;
            }
            match node.child(c, g) {
                Some(n) => node = n,
                None => break,
            }
            depth += 1;
        }
        let (n, idx, d) = best?;
        let len = (8 * d + idx_len(idx)) as u8;
        Some((key.masked(len), len, n.value(idx, g)?))
    }

    /// The node that is home of `(prefix, len)` and the prefix's heap index, if the node exists.
    fn home_node<'g>(
        &'g self,
        prefix: K,
        len: u8,
        g: &'g RcuGuard,
    ) -> Option<(Node<'g, V>, usize)> {
        let (d, l) = home(len);
        let mut node = Node(self.root.load(g)?);
        for i in 0..d {
            node = node.child(usize::from(prefix.byte(i)), g)?;
        }
        Some((node, heap(l, usize::from(prefix.byte(d)))))
    }

    /// The value of exactly `(prefix, len)`; the host bits of `prefix` are ignored.
    pub(crate) fn get<'g>(&'g self, prefix: K, len: u8, g: &'g RcuGuard) -> Option<RcuRef<'g, V>> {
        if len > K::BITS {
            return None;
        }
        let (n, idx) = self.home_node(prefix.masked(len), len, g)?;
        if !n.has_pfx(idx) {
            return None;
        }
        n.value(idx, g)
    }

    /// Walk in (address, length) order, starting strictly after `after` (or at the start).
    pub(crate) fn iter_from<'g>(
        &'g self,
        after: Option<(K, u8)>,
        g: &'g RcuGuard,
    ) -> Iter<'g, K, V> {
        let mut it = Iter {
            stack: [Frame {
                node: None,
                c: 256,
                ph: 0,
            }; MAX_LEVELS],
            sp: 0,
            base: K::ZERO,
            g,
        };
        let Some(mut node) = self.root.load(g).map(Node) else {
            return it;
        };
        let Some((p, len)) = after else {
            it.stack[0] = Frame {
                node: Some(node),
                c: node.next_chunk(0) as u16,
                ph: 0,
            };
            it.sp = 1;
            return it;
        };
        let len = len.min(K::BITS);
        let p = p.masked(len);
        let (dh, l0) = home(len);
        let mut d = 0;
        while let Some(f) = it.stack.get_mut(d) {
            let c = usize::from(p.byte(d));
            it.sp = d + 1;
            if d == dh {
                let c0 = (c >> (8 - l0)) << (8 - l0);
                *f = Frame {
                    node: Some(node),
                    c: c0 as u16,
                    ph: (l0 + 1) as u8,
                };
                break;
            }
            *f = Frame {
                node: Some(node),
                c: node.next_chunk(c + 1) as u16,
                ph: 0,
            };
            match node.child(c, g) {
                Some(ch) if d + 1 < K::LEVELS => {
                    it.base = it.base.with_byte(d, c as u8);
                    node = ch;
                    d += 1;
                }
                _ => break,
            }
        }
        it
    }

    /// Walk everything in (address, length) order.
    pub(crate) fn iter<'g>(&'g self, g: &'g RcuGuard) -> Iter<'g, K, V> {
        self.iter_from(None, g)
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Shape counts (walks every node).
    pub(crate) fn stats(&self) -> Stats {
        let g = RcuGuard::new();
        let mut st = Stats::default();
        let mut stack: [(Option<Node<'_, V>>, usize); MAX_LEVELS] = [(None, 0); MAX_LEVELS];
        let Some(root) = self.root.load(&g).map(Node) else {
            return st;
        };
        stack[0] = (Some(root), 0);
        let mut sp = 1;
        st.nodes = 1;
        while sp > 0 {
            let Some((Some(n), next)) = stack.get(sp - 1).copied() else {
                break;
            };
            if next == 0 {
                st.prefixes += n.npfx();
                st.links += n.nkids();
            }
            match n.0.kids().get(next).and_then(|s| s.load(&g)).map(Node) {
                Some(ch) if sp < MAX_LEVELS => {
                    stack[sp - 1].1 = next + 1;
                    stack[sp] = (Some(ch), 0);
                    sp += 1;
                    st.nodes += 1;
                }
                _ => sp -= 1,
            }
        }
        st
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Bytes of memory the trie uses, for a seam whose counted objects carry `arc_header` bytes
    /// before the value and whose allocator hands out `round(n)` bytes for a request of `n`.
    /// A node is its counted-object header, its two slot counts (padded to 8 bytes), its
    /// [`Bits`] and its slots. Values count as `size_of::<V>()` (not what they own themselves).
    /// Walks every node.
    pub(crate) fn footprint(&self, arc_header: usize, round: impl Fn(usize) -> usize) -> usize {
        let slot = core::mem::size_of::<RcuSlot<V>>();
        let node =
            |slots: usize| round(arc_header + 8 + core::mem::size_of::<Bits>() + slots * slot);
        let value = round(arc_header + core::mem::size_of::<V>());
        let g = RcuGuard::new();
        let mut total = 0;
        let mut stack: [(Option<Node<'_, V>>, usize); MAX_LEVELS] = [(None, 0); MAX_LEVELS];
        let Some(root) = self.root.load(&g).map(Node) else {
            return 0;
        };
        stack[0] = (Some(root), 0);
        let mut sp = 1;
        while sp > 0 {
            let Some((Some(n), next)) = stack.get(sp - 1).copied() else {
                break;
            };
            if next == 0 {
                total += node(n.npfx() + n.nkids()) + n.npfx() * value;
            }
            match n.0.kids().get(next).and_then(|s| s.load(&g)).map(Node) {
                Some(ch) if sp < MAX_LEVELS => {
                    stack[sp - 1].1 = next + 1;
                    stack[sp] = (Some(ch), 0);
                    sp += 1;
                }
                _ => sp -= 1,
            }
        }
        total
    }

    /// Starts the (only) write transaction; `None` while another one is open.
    ///
    /// The caller serializes its writers with a lock, so under that lock this always succeeds;
    /// the flag makes the exclusion checkable rather than assumed.
    pub(crate) fn writer(&self) -> Option<WriteTxn<'_, K, V>> {
        self.writer
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| WriteTxn { trie: self })
    }
}

/// Position of an [`Iter`] in one node: chunk `c`, phase `ph` (0..=8: next local length to
/// consider at `c`; 9: the child at `c`).
struct Frame<'g, V> {
    node: Option<Node<'g, V>>,
    c: u16,
    ph: u8,
}

impl<V> Clone for Frame<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Frame<'_, V> {}

/// Ordered walk over a trie under one guard; see [`Trie::iter_from`].
pub(crate) struct Iter<'g, K, V> {
    stack: [Frame<'g, V>; MAX_LEVELS],
    sp: usize,
    base: K,
    g: &'g RcuGuard,
}

impl<'g, K: Key, V> Iterator for Iter<'g, K, V> {
    type Item = (K, u8, RcuRef<'g, V>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.sp > 0 {
            let d = self.sp - 1;
            let f = self.stack.get_mut(d)?;
            let node = f.node?;
            let c = usize::from(f.c);
            if c >= 256 {
                self.sp -= 1;
                continue;
            }
            if f.ph <= 8 {
                // Local lengths whose prefix starts at `c`.
                let lmin = 8 - (c as u8).trailing_zeros() as usize;
                let mut l = lmin.max(usize::from(f.ph));
                while l <= 8 {
                    let idx = heap(l, c);
                    if node.has_pfx(idx) {
                        f.ph = (l + 1) as u8;
                        if let Some(v) = node.value(idx, self.g) {
                            let len = (8 * d + l) as u8;
                            let key = self.base.with_byte(d, c as u8).masked(len);
                            return Some((key, len, v));
                        }
                    }
                    l += 1;
                }
            }
            // The child at `c`, then on to the next chunk.
            f.c = node.next_chunk(c + 1) as u16;
            f.ph = 0;
            if d + 1 < K::LEVELS {
                if let Some(ch) = node.child(c, self.g) {
                    if let Some(nf) = self.stack.get_mut(d + 1) {
                        *nf = Frame {
                            node: Some(ch),
                            c: ch.next_chunk(0) as u16,
                            ph: 0,
                        };
                        self.base = self.base.with_byte(d, c as u8);
                        self.sp += 1;
                    }
                }
            }
        }
        None
    }
}

/// The trie's exclusive writer (see [`Trie::writer`]). Closing it (dropping) lets the next
/// writer in. Objects an update replaces are released through the deferred path as soon as
/// nothing counts them; handles the transaction or the caller still hold keep them alive.
pub(crate) struct WriteTxn<'t, K, V> {
    trie: &'t Trie<K, V>,
}

impl<K, V> Drop for WriteTxn<'_, K, V> {
    fn drop(&mut self) {
        self.trie.writer.store(false, Ordering::Release);
    }
}

/// The nodes on the path from the root towards a prefix's home (counted handles).
type Path<V> = [Option<NodeArc<V>>; MAX_LEVELS];

impl<K: Key, V: Send + Sync + 'static> WriteTxn<'_, K, V> {
    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// The trie this transaction writes.
    pub(crate) fn trie(&self) -> &Trie<K, V> {
        self.trie
    }

    /// Handles on the nodes from the root down to depth `d` along `p`, how many exist (all of
    /// `path[..found]`, none after), and the deepest of them.
    fn descend(&self, p: K, d: usize) -> (Path<V>, usize, Option<NodeArc<V>>) {
        let mut path: Path<V> = [const { None }; MAX_LEVELS];
        let g = RcuGuard::new();
        let mut next = self.trie.root.load_arc(&g);
        let mut found = 0;
        let mut deepest = None;
        while let Some(n) = next {
            let i = found;
            next = if i < d {
                Node(n.get())
                    .child_slot(usize::from(p.byte(i)))
                    .and_then(|s| s.load_arc(&g))
            } else {
                None
            };
            let Some(slot) = path.get_mut(i) else {
                break;
            };
            *slot = Some(n.clone());
            deepest = Some(n);
            found += 1;
        }
        (path, found, deepest)
    }

    /// Publishes `new` in place of the node at depth `i` of `path` (towards `p`).
    fn publish(&self, path: &Path<V>, p: K, i: usize, new: Option<NodeArc<V>>) {
        let old = if i == 0 {
            self.trie.root.swap(new)
        } else {
            // The node at depth `i` was reached through this slot of its parent.
            let slot = path[i - 1]
                .as_ref()
                .and_then(|n| Node(n.get()).child_slot(usize::from(p.byte(i - 1))));
            slot.expect("trie: a node on the path is linked from its parent")
                .swap(new)
        };
        // The old node (if any) is released here; its memory goes after a grace period.
        drop(old);
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// A counted handle on the value of exactly `(prefix, len)`.
    pub(crate) fn get(&self, prefix: K, len: u8) -> Option<RcuArc<V>> {
        let g = RcuGuard::new();
        if len > K::BITS {
            return None;
        }
        let (n, idx) = self.trie.home_node(prefix.masked(len), len, &g)?;
        n.value_slot(idx)?.load_arc(&g)
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Inserts `(prefix, len)` with `value`, or replaces its value.
    ///
    /// Returns the replaced value, if any. Host bits of `prefix` are ignored; `len` is clamped to
    /// `K::BITS`. On [`AllocError`] the trie is unchanged (and `value` dropped).
    pub(crate) fn insert(
        &mut self,
        prefix: K,
        len: u8,
        value: V,
    ) -> Result<Option<RcuArc<V>>, AllocError> {
        self.insert_arc(prefix, len, RcuArc::try_new(value)?)
    }

    /// Like [`WriteTxn::insert`] with a value the caller allocated.
    pub(crate) fn insert_arc(
        &mut self,
        prefix: K,
        len: u8,
        value: RcuArc<V>,
    ) -> Result<Option<RcuArc<V>>, AllocError> {
        let len = len.min(K::BITS);
        let p = prefix.masked(len);
        let (d, l) = home(len);
        let idx = heap(l, usize::from(p.byte(d)));
        let (path, found, deepest) = self.descend(p, d);
        if let Some(n) = deepest.as_ref().filter(|_| found == d + 1) {
            let n = Node(n.get());
            if let Some(slot) = n.value_slot(idx) {
                // Existing prefix: a new value, no node changes.
                return Ok(slot.swap(Some(value)));
            }
            let new = Node::build(Some(n), Edit::Add(idx, value), Edit::Keep)?;
            self.publish(&path, p, d, Some(new));
        } else {
            // Missing nodes from depth `found` to `d`: build them bottom-up, then link the top
            // one into the deepest existing node (or make it the root).
            let mut chain = Node::build(None, Edit::Add(idx, value), Edit::Keep)?;
            for i in (found..d).rev() {
                chain = Node::build(None, Edit::Keep, Edit::Add(usize::from(p.byte(i)), chain))?;
            }
            match deepest {
                None => drop(self.trie.root.swap(Some(chain))),
                Some(n) => {
                    let e = found - 1;
                    let new = Node::build(
                        Some(Node(n.get())),
                        Edit::Keep,
                        Edit::Add(usize::from(p.byte(e)), chain),
                    )?;
                    self.publish(&path, p, e, Some(new));
                }
            }
        }
        self.trie.len.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }

    /// Removes `(prefix, len)`; returns its value (a counted handle, so the caller may still read
    /// it), or `None` if it was not present. On [`AllocError`] the trie is unchanged.
    pub(crate) fn remove(&mut self, prefix: K, len: u8) -> Result<Option<RcuArc<V>>, AllocError> {
        if len > K::BITS {
            return Ok(None);
        }
        let p = prefix.masked(len);
        let (d, l) = home(len);
        let idx = heap(l, usize::from(p.byte(d)));
        let (path, found, deepest) = self.descend(p, d);
        let Some(n_arc) = deepest.filter(|_| found == d + 1) else {
            return Ok(None);
        };
        let n = Node(n_arc.get());
        let Some(slot) = n.value_slot(idx) else {
            return Ok(None);
        };
        let old = {
            let g = RcuGuard::new();
            slot.load_arc(&g)
        };
        if n.npfx() == 1 && n.nkids() == 0 {
            // The node empties: so do the ancestors whose only content is the path to it. The
            // first one, going up, that keeps something else loses its child towards `p`.
            let keeper = path[..d]
                .iter()
                .map(|a| {
                    Node(
                        a.as_ref()
                            .expect("trie: every node above `d` is on the path")
                            .get(),
                    )
                })
                .enumerate()
                .rev()
                .find(|(_, a)| a.npfx() != 0 || a.nkids() != 1);
            match keeper {
                None => self.publish(&path, p, 0, None),
                Some((i, a)) => {
                    let new = Node::build(Some(a), Edit::Keep, Edit::Del(usize::from(p.byte(i))))?;
                    self.publish(&path, p, i, Some(new));
                }
            }
        } else {
            let new = Node::build(Some(n), Edit::Del(idx), Edit::Keep)?;
            self.publish(&path, p, d, Some(new));
        }
        self.trie.len.fetch_sub(1, Ordering::Relaxed);
        Ok(old)
    }

    /// Moves every prefix into a trie of its own, which only the caller
    /// sees: readers of this one find it empty from now on. Never allocates.
    pub(crate) fn take_all(&mut self) -> Trie<K, V> {
        let taken = Trie::new();
        drop(taken.root.swap(self.trie.root.swap(None)));
        taken
            .len
            .store(self.trie.len.swap(0, Ordering::Relaxed), Ordering::Relaxed);
        taken
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Removes every prefix. Never allocates.
    pub(crate) fn clear(&mut self) {
        drop(self.trie.root.swap(None));
        self.trie.len.store(0, Ordering::Relaxed);
    }
}

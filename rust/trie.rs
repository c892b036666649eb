// SPDX-License-Identifier: GPL-2.0

//! Longest-prefix-match trie for the route table (IPv4 and IPv6).
//!
//! This file is platform independent: it uses only `core` and the seam in `crate::platform`
//! (the kernel's `rust/platform.rs`, or the host crate's `tools/rtemu-trie/src/platform.rs`),
//! and contains no `unsafe`.
//!
//! # Structure
//!
//! A multibit trie with stride 8 in tree-bitmap style, path compressed. Every [`Node`] covers
//! one byte of the key, at its `depth`, and holds:
//!
//! - its `path_depth`: the key bytes above `depth` that every key below it shares (the rest
//!   zero), and `depth` itself in the last byte, which no path uses;
//! - a 512-bit prefix bitmap `pfx`: bit `(1 << l) | (chunk >> (8 - l))` (the "heap index") is
//!   set when the node holds the prefix of local length `l` (0..=8) whose top `l` bits are those
//!   of `chunk`;
//! - a 256-bit child bitmap `kid`: bit `chunk` is set when the node has a child for that byte;
//! - after these bitmaps ([`Bits`]), in the node's own allocation (the seam's node), one slot
//!   per value and one per child, each one word, compressed by popcount: the value of heap index
//!   `i` is in value slot `rank(pfx, i)`, the child for `chunk` in child slot `rank(kid, chunk)`,
//!   where `rank` counts the set bits below a position (helped by per-word counts, so that it
//!   takes one popcount).
//!
//! A prefix of length `L` lives at depth `d = max(0, ceil(L / 8) - 1)` with local length
//! `L - 8 * d`; so only a node at depth 0 uses local length 0 (the /0 route), and a /8, /16, ...
//! is the last level of its node rather than the first of a child. IPv4 is at most 4 bytes deep,
//! IPv6 16.
//!
//! A child may cover any byte below its parent's: the bytes between, which hold no prefix and
//! only one way down, get no node, and the child's path records them. So a sparse table needs
//! about one node per byte where prefixes live or ways part, not one per byte of the key.
//!
//! Lookup walks down by key bytes, checking that the key lies on each node's path (one masked
//! compare; on a mismatch the best match so far stands), remembering the deepest node with a
//! matching local prefix (a branch-light test of the 9 candidate bits of each node), and ranks
//! the value only once at the end.
//!
//! # Concurrency
//!
//! Readers are lock-free under RCU: they hold an [`RcuGuard`] and only load words (acquire
//! loads). Writers are serialized by the caller (a mutex); to make that exclusion a fact that the
//! trie and its seam can rely on, updates go through a [`WriteTxn`], of which a trie hands out at
//! most one at a time ([`Trie::writer`]); it holds the seam's [`TreeWriter`].
//!
//! Slots are plain RCU words, without reference counts:
//!
//! - a child slot points at a node that it alone owns (the root slot owns the root);
//! - a value slot holds the value itself, one word ([`TrieValue`]): a number, or the pointer of
//!   an [`RcuArc`], of which the trie holds one count per prefix.
//!
//! An update:
//!
//! 1. reads the path from the root: the writer's own view, which nothing else changes, so it
//!    needs neither a guard nor counts;
//! 2. allocates every new node: a copy of the node that changes, with one prefix or child more
//!    or less, whose other words are the old node's, copied bitwise, plus the new prefix's own
//!    node; or, where the new prefix's way leaves a node's path (or its home lies on that path),
//!    a new node at the byte where they part, whose children are that node, unchanged, and the
//!    new prefix's node (or which holds the prefix itself). An allocation failure here frees only
//!    unpublished nodes, so the trie is unchanged ([`AllocError`]);
//! 3. publishes with one release store: into the parent's child slot or the root slot, or, when
//!    an existing prefix gets a new value, into that value slot (no node is copied then). A
//!    removal that leaves a node with no prefix and one child publishes that child in the node's
//!    place instead of a copy (a merge: the child's path already holds the bytes between);
//! 4. retires what it replaced: the old node's memory is freed after an RCU grace period (a
//!    deferred, `call_rcu`-style free; never a `synchronize_rcu`), without touching the children
//!    and values that the copy owns now. A value the update takes out (removed or replaced) goes
//!    to the caller, and the drop of an [`RcuArc`] frees it after a grace period too. A subtree
//!    that leaves the trie (a node that empties, a clear, a dropped trie) is retired node by
//!    node, its values dropped.
//!
//! Readers therefore see either the old or the new version of a node, never a partial one, and
//! what they reach under a guard, in old copies too, stays valid until the guard is dropped:
//! nothing is freed before a grace period that began after it left the trie.
//!
//! # Invariants
//!
//! - A node holds exactly `popcount(pfx)` values and `popcount(kid)` children, in heap-index and
//!   chunk order respectively; `kid_base` and `pfx_base` hold the per-word counts of `kid` and
//!   `pfx` (see [`Bits`]).
//! - Every node is owned by exactly one child slot of a node of the trie, or by the root slot;
//!   every value by exactly one node of the trie. A retired node keeps the words it had, for the
//!   readers still in it, but owns none of them.
//! - A node at depth `d < K::LEVELS` holds only prefixes whose home is depth `d`, so only a node
//!   at depth 0 may have bit 1 (local length 0) set; its path has no bit past byte `d`.
//! - A child covers a deeper byte than its parent, and its path starts with the parent's followed
//!   by the child's chunk at the parent's depth (so the depths down any way grow strictly: at most
//!   `K::LEVELS` nodes, and nodes at depth `K::LEVELS - 1` have no children).
//! - Every node, the root too, holds at least one prefix or two children (an emptied node leaves
//!   its parent, a node left with one child and no prefix gives it its place); an empty trie has
//!   no root.
//! - Published nodes are never modified except by the writer's release stores into their slots:
//!   a child replaced by its copy, by a new node above it or by its only child; a value replaced
//!   in place.
//!
//! [`Trie::check_invariants`] checks what one node and its children show of these.
//!
//! # Order of the walk
//!
//! [`Trie::iter_from`] yields prefixes ordered by address, then by length (so `10.0.0.0/8` comes
//! before `10.0.0.0/16`, which comes before `10.0.1.0/24`), and can resume strictly after any
//! `(prefix, len)` cursor, whether or not that prefix is still present.

use core::marker::PhantomData;
use core::sync::atomic::{
    AtomicUsize,
    Ordering, //
};

#[cfg(doc)]
use crate::platform::RcuArc;
use crate::platform::{
    popcount,
    AllocError,
    Edit,
    NodeRef,
    NodeTree,
    OwnedNode,
    RcuGuard,
    TreeWriter,
    TrieValue, //
};

/// The deepest a key type may make the trie (IPv6: 128 / 8).
pub(crate) const MAX_LEVELS: usize = 16;

/// A key (address) type of the trie.
pub(crate) trait Key: Copy + Eq + Ord + core::fmt::Debug + Send + Sync + 'static {
    /// Number of bits of the key.
    const BITS: u8;
    /// Number of trie levels, `BITS / 8`; at most [`MAX_LEVELS`].
    const LEVELS: usize;
    /// The byte at `depth` counted from the most significant one (`depth < LEVELS`).
    fn byte(self, depth: usize) -> u8;
    /// `self` with the byte at `depth` replaced by `b` (`depth < LEVELS`).
    fn with_byte(self, depth: usize, b: u8) -> Self;
    /// `self` with all but the top `len` bits cleared (`len <= BITS`).
    fn masked(self, len: u8) -> Self;
    /// Number of leading bytes that `self` and `other` share (`LEVELS` if they are equal).
    fn common_bytes(self, other: Self) -> usize;
    /// The key as a node header stores it: `u128` without its 16-byte alignment.
    type Packed: Copy + Eq + Send + Sync + 'static;
    /// `self` as a node header stores it.
    fn pack(self) -> Self::Packed;
    /// The key that [`Key::pack`] made `p` of.
    fn unpack(p: Self::Packed) -> Self;
}

impl Key for u32 {
    const BITS: u8 = 32;
    const LEVELS: usize = 4;

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

    fn common_bytes(self, other: Self) -> usize {
        ((self ^ other).leading_zeros() / 8) as usize
    }

    type Packed = u32;

    #[inline(always)]
    fn pack(self) -> u32 {
        self
    }

    #[inline(always)]
    fn unpack(p: u32) -> Self {
        p
    }
}

impl Key for u128 {
    const BITS: u8 = 128;
    const LEVELS: usize = 16;

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

    fn common_bytes(self, other: Self) -> usize {
        ((self ^ other).leading_zeros() / 8) as usize
    }

    type Packed = [u64; 2];

    #[inline(always)]
    fn pack(self) -> [u64; 2] {
        [(self >> 64) as u64, self as u64]
    }

    #[inline(always)]
    fn unpack(p: [u64; 2]) -> Self {
        (u128::from(p[0]) << 64) | u128::from(p[1])
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

/// Number of set bits.
fn pop(words: &[u64]) -> usize {
    words.iter().map(|w| w.count_ones() as usize).sum()
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

/// A node's header: which key byte it covers and the bytes above it, which children and which
/// local prefixes it has, with per-word counts of both for ranking them in one popcount. The
/// node's slots follow it in the same allocation.
///
/// In the order a lookup reads them at each level (the child bitmap, the path and the counts,
/// then the prefixes), so that they share the node's first two cache lines with the seam's slot
/// counts.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Bits<K: Key> {
    kid: [u64; 4],
    /// Every key below this node masked to its first `depth` bytes (the byte the node covers),
    /// with `depth` in the last byte, which no path uses (`depth < K::LEVELS`): one compare
    /// checks both.
    path_depth: K::Packed,
    /// Per word of `kid`, the set bits in the words before it.
    kid_base: [u8; 4],
    /// Per word of `pfx`, the set bits in the words before it for the first four (local lengths
    /// 0..=7), in the words after it for the last four (local length 8): so each fits a byte,
    /// and a value of the last four ranks from the node's value count down.
    pfx_base: [u8; 8],
    pfx: [u64; 8],
}

impl<K: Key> Bits<K> {
    /// No prefix, no child, covering byte `depth` of the keys that start as `key` does.
    fn empty(depth: usize, key: K) -> Self {
        Bits {
            kid: [0; 4],
            path_depth: path_depth(key, depth),
            kid_base: [0; 4],
            pfx_base: [0; 8],
            pfx: [0; 8],
        }
    }

    /// These bitmaps with prefix `idx` present or not, and the position of its value slot.
    fn with_pfx(mut self, idx: usize, present: bool) -> (Self, usize) {
        let pos = rank(&self.pfx, idx);
        set(&mut self.pfx, idx, present);
        self.pfx_base = pfx_bases(&self.pfx);
        (self, pos)
    }

    /// These bitmaps with the child for chunk `c` present or not, and the position of its slot.
    fn with_kid(mut self, c: usize, present: bool) -> (Self, usize) {
        let pos = rank(&self.kid, c);
        set(&mut self.kid, c, present);
        self.kid_base = bases(&self.kid);
        (self, pos)
    }
}

/// One trie node (one key byte), borrowed for `'a`: under a guard, or from the writer. See the
/// module documentation for the layout and invariants.
pub(crate) struct Node<'a, K: Key, V>(NodeRef<'a, Bits<K>, V>);

impl<K: Key, V> Clone for Node<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Key, V> Copy for Node<'_, K, V> {}

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

/// [`Bits::pfx_base`] of `words`: the running counts of the first four words from the front and
/// of the last four from the back.
fn pfx_bases(words: &[u64; 8]) -> [u8; 8] {
    let [a, b, c, d, e, f, g, h] = *words;
    let [a2, b2, c2, d2] = bases(&[a, b, c, d]);
    let [h2, g2, f2, e2] = bases(&[h, g, f, e]);
    [a2, b2, c2, d2, e2, f2, g2, h2]
}

/// What a node at `depth` on the way of `key` stores as [`Bits::path_depth`].
#[inline(always)]
fn path_depth<K: Key>(key: K, depth: usize) -> K::Packed {
    key.masked((8 * depth) as u8)
        .with_byte(K::LEVELS - 1, depth as u8)
        .pack()
}

impl<'a, K: Key, V: TrieValue> Node<'a, K, V> {
    #[inline(always)]
    fn bits(self) -> &'a Bits<K> {
        self.0.header()
    }

    /// The key byte this node covers.
    #[inline(always)]
    fn depth(self) -> usize {
        usize::from(K::unpack(self.bits().path_depth).byte(K::LEVELS - 1))
    }

    /// The first [`Node::depth`] bytes of every key below this node, the rest zero.
    #[inline(always)]
    fn path(self) -> K {
        K::unpack(self.bits().path_depth).with_byte(K::LEVELS - 1, 0)
    }

    /// Whether `key` lies below this node.
    #[inline(always)]
    fn on_path(self, key: K) -> bool {
        path_depth(key, self.depth()) == self.bits().path_depth
    }

    /// The chunk of `key` in this node, which a lookup reached past skipped bytes, if the key
    /// has those bytes. Out of line: the walk's common case stays a predicted branch.
    #[cold]
    #[inline(never)]
    fn chunk_past_skip(self, key: K) -> Option<usize> {
        self.on_path(key)
            .then(|| usize::from(key.byte(self.depth())))
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
        let b = self.bits();
        let w = (idx >> 6) & 7;
        // All ones for a word counted from the end (local length 8), else zero.
        let from_end = 0usize.wrapping_sub(w >> 2);
        let below = (1u64 << (idx & 63)) - 1;
        let n =
            usize::from(b.pfx_base[w]) + popcount(b.pfx[w] & (below ^ from_end as u64)) as usize;
        // `n`, or the values less the `n` at `idx` and after, without a branch that the length
        // of the match would steer. Wrapping: counts that disagreed with the bitmap would give
        // a position past the values, which `value` refuses.
        (self.npfx() & from_end)
            .wrapping_add(n ^ from_end)
            .wrapping_sub(from_end)
    }

    #[inline(always)]
    fn kid_rank(self, c: usize) -> usize {
        let b = self.bits();
        let w = (c >> 6) & 3;
        usize::from(b.kid_base[w]) + popcount(b.kid[w] & ((1u64 << (c & 63)) - 1)) as usize
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
    fn child(self, c: usize) -> Option<Node<'a, K, V>> {
        if !self.has_kid(c) {
            return None;
        }
        self.0.kid(self.kid_rank(c)).map(Node)
    }

    #[inline(always)]
    fn value(self, idx: usize) -> Option<V::Ref<'a>> {
        self.0.value(self.pfx_rank(idx))
    }

    /// The position of the child slot for chunk `c`, if there is that child.
    fn kid_pos(self, c: usize) -> Option<usize> {
        self.has_kid(c).then(|| self.kid_rank(c))
    }

    /// The position of the value slot of heap index `idx`, if there is that prefix.
    fn pfx_pos(self, idx: usize) -> Option<usize> {
        self.has_pfx(idx).then(|| self.pfx_rank(idx))
    }

    fn npfx(self) -> usize {
        self.0.nvals()
    }

    fn nkids(self) -> usize {
        self.0.nkids()
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

    /// The node that is home of `(prefix, len)` below this root, and the prefix's heap index.
    fn home_of(self, prefix: K, len: u8) -> Option<(Node<'a, K, V>, usize)> {
        let (d, l) = home(len);
        let mut node = self;
        while node.depth() < d {
            node = node.child(usize::from(prefix.byte(node.depth())))?;
        }
        // A child's path extends its parent's: checking the last node checks the way.
        (node.depth() == d && node.on_path(prefix))
            .then(|| (node, heap(l, usize::from(prefix.byte(d)))))
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

/// A longest-prefix-match table from prefixes of `K` to values `V`, each held inline as one
/// word ([`TrieValue`]: `u32`, `u64`, or an [`RcuArc`] of which the trie holds one count per
/// prefix).
///
/// Readers use `&self` and an [`RcuGuard`], and borrow values for as long as it
/// ([`TrieValue::Ref`]); writers use a [`WriteTxn`] from [`Trie::writer`]. Dropping the trie
/// retires every node (freed after a grace period) and drops every value, so readers that still
/// hold a guard and references into it stay safe.
///
/// Values are immutable once inserted (readers share them); to change a prefix's value, insert a
/// new one. The trie drops values where the writer works (or drops the trie), and an
/// [`RcuArc`]'s object is dropped after a grace period wherever the seam runs deferred frees: in
/// the kernel that is an RCU callback (softirq context), so its `Drop` must not sleep. Memory
/// safety does not rest on the caller's lock: the seam lets one writer at a time change the
/// trie.
pub(crate) struct Trie<K: Key, V: TrieValue> {
    tree: NodeTree<Bits<K>, V>,
    len: AtomicUsize,
    _key: PhantomData<fn(K) -> K>,
}

impl<K: Key, V: TrieValue> Default for Trie<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Key, V: TrieValue> Trie<K, V> {
    /// An empty trie. Does not allocate.
    pub(crate) const fn new() -> Self {
        Trie {
            tree: NodeTree::new(),
            len: AtomicUsize::new(0),
            _key: PhantomData,
        }
    }

    /// A trie of the nodes below `root`, which hold `len` prefixes.
    fn with_root(root: Option<OwnedNode<Bits<K>, V>>, len: usize) -> Self {
        Trie {
            tree: NodeTree::with_root(root),
            len: AtomicUsize::new(len),
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
    pub(crate) fn lookup<'g>(&'g self, key: K, g: &'g RcuGuard) -> Option<(K, u8, V::Ref<'g>)> {
        let mut node = Node(self.tree.root(g)?);
        let mut best: Option<(Node<'g, K, V>, usize, usize)> = None;
        // The chunk of the byte after the parent's, computed before the node is loaded: where
        // no byte is skipped (a predicted branch), the walk neither waits for the node's depth
        // nor compares its path, which is the parent's and the chunk that led to it.
        let mut next_depth = 0;
        let mut next_chunk = key.byte(0);
        // Depths grow strictly down the trie: at most `K::LEVELS` nodes.
        loop {
            let depth = node.depth();
            let c = if depth == next_depth {
                usize::from(next_chunk)
            } else {
                match node.chunk_past_skip(key) {
                    Some(c) => c,
                    None => break,
                }
            };
            next_depth = depth + 1;
            next_chunk = key.byte(next_depth.min(K::LEVELS - 1));
            let idx = node.longest_covering(c);
            if idx != 0 {
                best = Some((node, idx, depth));
            }
            match node.child(c) {
                Some(n) => node = n,
                None => break,
            }
        }
        let (n, idx, d) = best?;
        let len = (8 * d + idx_len(idx)) as u8;
        Some((key.masked(len), len, n.value(idx)?))
    }

    /// The value of exactly `(prefix, len)`; the host bits of `prefix` are ignored.
    pub(crate) fn get<'g>(&'g self, prefix: K, len: u8, g: &'g RcuGuard) -> Option<V::Ref<'g>> {
        if len > K::BITS {
            return None;
        }
        let (n, idx) = Node(self.tree.root(g)?).home_of(prefix.masked(len), len)?;
        if !n.has_pfx(idx) {
            return None;
        }
        n.value(idx)
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
        };
        let Some(mut node) = self.tree.root(g).map(Node) else {
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
        while let Some(f) = it.stack.get_mut(it.sp) {
            let d = node.depth();
            let path = node.path();
            let shared = p.masked((8 * d) as u8).common_bytes(path);
            if shared < d && p.byte(shared) > path.byte(shared) {
                // Every key below the node sorts before the cursor.
                break;
            }
            it.sp += 1;
            if shared < d || dh < d {
                // Every prefix below the node sorts after the cursor: longer than it where
                // the addresses are equal.
                *f = Frame {
                    node: Some(node),
                    c: node.next_chunk(0) as u16,
                    ph: 0,
                };
                break;
            }
            let c = usize::from(p.byte(d));
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
            match node.child(c) {
                Some(ch) => node = ch,
                None => break,
            }
        }
        it
    }

    /// Walk everything in (address, length) order.
    pub(crate) fn iter<'g>(&'g self, g: &'g RcuGuard) -> Iter<'g, K, V> {
        self.iter_from(None, g)
    }

    /// Calls `f` for every node, parents before their children.
    fn for_each_node(&self, mut f: impl FnMut(Node<'_, K, V>)) {
        let g = RcuGuard::new();
        let mut stack: [(Option<Node<'_, K, V>>, usize); MAX_LEVELS] = [(None, 0); MAX_LEVELS];
        let Some(root) = self.tree.root(&g).map(Node) else {
            return;
        };
        stack[0] = (Some(root), 0);
        let mut sp = 1;
        while sp > 0 {
            let Some((Some(n), next)) = stack.get(sp - 1).copied() else {
                break;
            };
            if next == 0 {
                f(n);
            }
            match n.0.kid(next).map(Node) {
                Some(ch) if sp < MAX_LEVELS => {
                    stack[sp - 1].1 = next + 1;
                    stack[sp] = (Some(ch), 0);
                    sp += 1;
                }
                _ => sp -= 1,
            }
        }
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Shape counts (walks every node).
    pub(crate) fn stats(&self) -> Stats {
        let mut st = Stats::default();
        self.for_each_node(|n| {
            st.nodes += 1;
            st.prefixes += n.npfx();
            st.links += n.nkids();
        });
        st
    }

    #[allow(dead_code, reason = "used by the host crate's tests")]
    /// Checks the invariants of the module documentation that one node and its children show;
    /// the first broken one, if any. Walks every node.
    pub(crate) fn check_invariants(&self) -> Result<(), &'static str> {
        let mut res = Ok(());
        self.for_each_node(|n| {
            let b = n.bits();
            let d = n.depth();
            let fail = if d >= K::LEVELS {
                Some("a node deeper than the key")
            } else if n.path() != n.path().masked((8 * d) as u8) {
                Some("a path with bits past its depth")
            } else if n.npfx() != pop(&b.pfx) || n.nkids() != pop(&b.kid) {
                Some("slot counts that disagree with the bitmaps")
            } else if b.kid_base != bases(&b.kid) {
                Some("stale running counts of children")
            } else if b.pfx_base != pfx_bases(&b.pfx) {
                Some("stale counts of prefixes")
            } else if n.npfx() == 0 && n.nkids() < 2 {
                Some("a node with no prefix and fewer than two children")
            } else if d != 0 && n.has_pfx(1) {
                Some("local length 0 below depth 0")
            } else {
                (0..256)
                    .filter_map(|c| n.child(c).map(|k| (c, k)))
                    .find_map(|(c, k)| {
                        let way = n.path().with_byte(d, c as u8).masked((8 * d + 8) as u8);
                        (k.depth() <= d || k.path().masked((8 * d + 8) as u8) != way)
                            .then_some("a child off its parent's path")
                    })
            };
            if let (Some(e), Ok(())) = (fail, &res) {
                res = Err(e);
            }
        });
        res
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Bytes of memory the trie uses, for a seam whose allocations carry `header` bytes besides
    /// their contents and whose allocator hands out `round(n)` bytes for a request of `n`. A
    /// node's header is its two slot counts (padded to 8 bytes) and, in the kernel, its
    /// `rcu_head`; its contents are its [`Bits`] and its one-word slots. A value that owns an
    /// object ([`TrieValue::BOXED_SIZE`]) adds that allocation: its count (and `rcu_head`), then
    /// the object. Walks every node.
    pub(crate) fn footprint(&self, header: usize, round: impl Fn(usize) -> usize) -> usize {
        let word = core::mem::size_of::<usize>();
        let node = |slots: usize| round(header + core::mem::size_of::<Bits<K>>() + slots * word);
        let value = V::BOXED_SIZE.map_or(0, |size| round(header + size));
        let mut total = 0;
        self.for_each_node(|n| total += node(n.npfx() + n.nkids()) + n.npfx() * value);
        total
    }

    /// Starts the (only) write transaction; `None` while another one is open.
    ///
    /// The caller serializes its writers with a lock, so under that lock this always succeeds;
    /// the seam's flag makes the exclusion a fact rather than an assumption.
    pub(crate) fn writer(&self) -> Option<WriteTxn<'_, K, V>> {
        self.tree.writer().map(|w| WriteTxn { trie: self, w })
    }
}

/// Position of an [`Iter`] in one node: chunk `c`, phase `ph` (0..=8: next local length to
/// consider at `c`; 9: the child at `c`).
struct Frame<'g, K: Key, V> {
    node: Option<Node<'g, K, V>>,
    c: u16,
    ph: u8,
}

impl<K: Key, V> Clone for Frame<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Key, V> Copy for Frame<'_, K, V> {}

/// Ordered walk over a trie under one guard; see [`Trie::iter_from`].
pub(crate) struct Iter<'g, K: Key, V> {
    stack: [Frame<'g, K, V>; MAX_LEVELS],
    sp: usize,
}

impl<'g, K: Key, V: TrieValue> Iterator for Iter<'g, K, V> {
    type Item = (K, u8, V::Ref<'g>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.sp > 0 {
            let f = self.stack.get_mut(self.sp - 1)?;
            let node = f.node?;
            let d = node.depth();
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
                        if let Some(v) = node.value(idx) {
                            let len = (8 * d + l) as u8;
                            let key = node.path().with_byte(d, c as u8).masked(len);
                            return Some((key, len, v));
                        }
                    }
                    l += 1;
                }
            }
            // The child at `c`, then on to the next chunk.
            f.c = node.next_chunk(c + 1) as u16;
            f.ph = 0;
            if let Some(ch) = node.child(c) {
                if let Some(nf) = self.stack.get_mut(self.sp) {
                    *nf = Frame {
                        node: Some(ch),
                        c: ch.next_chunk(0) as u16,
                        ph: 0,
                    };
                    self.sp += 1;
                }
            }
        }
        None
    }
}

/// The trie's exclusive writer (see [`Trie::writer`]). Closing it (dropping) lets the next
/// writer in. Nodes an update replaces are retired (freed after a grace period); values it takes
/// out go to the caller.
pub(crate) struct WriteTxn<'t, K: Key, V: TrieValue> {
    trie: &'t Trie<K, V>,
    w: TreeWriter<'t, Bits<K>, V>,
}

impl<K: Key, V: TrieValue> WriteTxn<'_, K, V> {
    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// The trie this transaction writes.
    pub(crate) fn trie(&self) -> &Trie<K, V> {
        self.trie
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// A clone of the value of exactly `(prefix, len)` (for an [`RcuArc`], a new count).
    pub(crate) fn get(&self, prefix: K, len: u8) -> Option<V>
    where
        V: Clone,
    {
        if len > K::BITS {
            return None;
        }
        let (n, idx) = Node(self.w.root()?).home_of(prefix.masked(len), len)?;
        n.0.cloned_value(n.pfx_pos(idx)?)
    }

    /// Inserts `(prefix, len)` with `value`, or replaces its value.
    ///
    /// Returns the replaced value, if any. Host bits of `prefix` are ignored; `len` is clamped to
    /// `K::BITS`. On [`AllocError`] the trie is unchanged (and `value` dropped).
    pub(crate) fn insert(&mut self, prefix: K, len: u8, value: V) -> Result<Option<V>, AllocError> {
        let len = len.min(K::BITS);
        let p = prefix.masked(len);
        let (d, l) = home(len);
        let idx = heap(l, usize::from(p.byte(d)));
        // Child positions from the root to `node`.
        let mut path = [0usize; MAX_LEVELS];
        let mut hops = 0;
        let Some(mut node) = self.w.root().map(Node) else {
            let leaf = Self::leaf(p, d, idx, value)?;
            // An empty trie: no root to give back.
            drop(self.w.set_root(Some(leaf)));
            self.trie.len.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        };
        loop {
            let nd = node.depth();
            let shared = p.masked((8 * nd) as u8).common_bytes(node.path());
            if shared < nd || d < nd {
                // The prefix's way leaves the bytes this node skips, or its home is among them:
                // a new node where the two part, above this one, which moves down unchanged.
                let split = shared.min(d);
                let old_chunk = usize::from(node.path().byte(split));
                let (bits, _) = Bits::empty(split, p).with_kid(old_chunk, true);
                if split == d {
                    let (bits, _) = bits.with_pfx(idx, true);
                    self.w
                        .interpose(&path[..hops], bits, Some(value), None, true)?;
                } else {
                    let new_chunk = usize::from(p.byte(split));
                    let (bits, _) = bits.with_kid(new_chunk, true);
                    let leaf = Self::leaf(p, d, idx, value)?;
                    let old_first = old_chunk < new_chunk;
                    self.w
                        .interpose(&path[..hops], bits, None, Some(leaf), old_first)?;
                }
                break;
            }
            if nd == d {
                if let Some(pos) = node.pfx_pos(idx) {
                    // Existing prefix: a new value, no node changes.
                    return Ok(Some(self.w.swap_value(&path[..hops], pos, value)));
                }
                let (bits, pos) = node.bits().with_pfx(idx, true);
                self.w
                    .replace(&path[..hops], bits, Edit::Add(pos, value), Edit::Keep)?;
                break;
            }
            let c = usize::from(p.byte(nd));
            let Some(pos) = node.kid_pos(c) else {
                let (bits, pos) = node.bits().with_kid(c, true);
                let leaf = Self::leaf(p, d, idx, value)?;
                self.w
                    .replace(&path[..hops], bits, Edit::Keep, Edit::Add(pos, leaf))?;
                break;
            };
            let Some(next) = node.0.kid(pos).map(Node) else {
                unreachable!("trie: a child bit without its child");
            };
            if let Some(slot) = path.get_mut(hops) {
                *slot = pos;
            }
            hops += 1;
            node = next;
        }
        self.trie.len.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }

    /// A new node at depth `d` on the way of `p`, holding `value` at heap index `idx`.
    fn leaf(p: K, d: usize, idx: usize, value: V) -> Result<OwnedNode<Bits<K>, V>, AllocError> {
        let (bits, _) = Bits::empty(d, p).with_pfx(idx, true);
        OwnedNode::try_new(bits, Some(value), None)
    }

    /// Removes `(prefix, len)`; returns its value (so an [`RcuArc`]'s count, which the caller may
    /// still read through), or `None` if it was not present. On [`AllocError`] the trie is
    /// unchanged.
    pub(crate) fn remove(&mut self, prefix: K, len: u8) -> Result<Option<V>, AllocError> {
        if len > K::BITS {
            return Ok(None);
        }
        let p = prefix.masked(len);
        let (d, l) = home(len);
        let idx = heap(l, usize::from(p.byte(d)));
        let mut path = [0usize; MAX_LEVELS];
        let mut hops = 0;
        let mut parent = None;
        let Some(mut node) = self.w.root().map(Node) else {
            return Ok(None);
        };
        while node.depth() < d {
            let Some(pos) = node.kid_pos(usize::from(p.byte(node.depth()))) else {
                return Ok(None);
            };
            let Some(next) = node.0.kid(pos).map(Node) else {
                return Ok(None);
            };
            if let Some(slot) = path.get_mut(hops) {
                *slot = pos;
            }
            hops += 1;
            parent = Some(node);
            node = next;
        }
        if node.depth() != d || !node.on_path(p) {
            return Ok(None);
        }
        let Some(pos) = node.pfx_pos(idx) else {
            return Ok(None);
        };
        let at = &path[..hops];
        let old = if node.npfx() > 1 || node.nkids() > 1 {
            let (bits, _) = node.bits().with_pfx(idx, false);
            self.w.replace(at, bits, Edit::Del(pos), Edit::Keep)?.value
        } else if node.nkids() == 1 {
            // Left with one child and no prefix: the child takes the node's place.
            self.w.lift(at, 0).value
        } else {
            // The node empties and leaves its parent.
            let gone = match (parent, at.split_last()) {
                (Some(up), Some((&kpos, above))) => {
                    if up.npfx() == 0 && up.nkids() == 2 {
                        // The parent keeps one child and no prefix: that child takes its place.
                        self.w.lift(above, 1 - kpos).kid
                    } else {
                        let chunk = usize::from(p.byte(up.depth()));
                        let (bits, _) = up.bits().with_kid(chunk, false);
                        self.w
                            .replace(above, bits, Edit::Keep, Edit::Del(kpos))?
                            .kid
                    }
                }
                _ => self.w.set_root(None),
            };
            // What left is the emptied node, whose one value is the prefix's.
            let mut value = None;
            if let Some(gone) = gone {
                gone.retire_with(|v| value = Some(v));
            }
            value
        };
        self.trie.len.fetch_sub(1, Ordering::Relaxed);
        Ok(old)
    }

    /// Moves every prefix into a trie of its own, which only the caller
    /// sees: readers of this one find it empty from now on. Never allocates.
    pub(crate) fn take_all(&mut self) -> Trie<K, V> {
        let root = self.w.set_root(None);
        Trie::with_root(root, self.trie.len.swap(0, Ordering::Relaxed))
    }

    #[allow(dead_code, reason = "used by the host crate's tests and measurements")]
    /// Removes every prefix, retiring every node and dropping every value. Never allocates.
    pub(crate) fn clear(&mut self) {
        drop(self.w.set_root(None));
        self.trie.len.store(0, Ordering::Relaxed);
    }
}

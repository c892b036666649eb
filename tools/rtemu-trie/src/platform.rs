// SPDX-License-Identifier: GPL-2.0

//! Host seam for `rust/trie.rs`: the same API as the kernel's `rust/platform.rs`, built on
//! `std` and crossbeam-epoch.
//!
//! - [`RcuGuard`] is a pinned epoch (a real read-side section).
//! - A retired node's memory, and an [`RcuArc`] whose last count went, are freed through
//!   `defer_unchecked`, i.e. only after every thread that was pinned then has unpinned (a real
//!   deferred free).
//! - Fallible allocation is `std`'s, with fault injection for tests: see [`fail_allocs_after`].
//! - [`live_nodes`] counts the nodes allocated and not freed yet, for the tests of who frees
//!   what.
//!
//! The trie's nodes ([`NodeTree`], [`NodeRef`], [`OwnedNode`], [`TreeWriter`]) are the kernel
//! seam's, with the same rules; see the kernel's `rust/platform.rs` for them.

use std::alloc::Layout;
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::{
    self,
    NonNull, //
};
use std::sync::atomic::{
    fence,
    AtomicBool,
    AtomicPtr,
    AtomicUsize,
    Ordering, //
};

/// Failure to allocate memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AllocError;

thread_local! {
    static FAIL_AFTER: Cell<Option<usize>> = const { Cell::new(None) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

/// Objects whose deferred free is still pending.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Nodes allocated and not freed yet.
static LIVE_NODES: AtomicUsize = AtomicUsize::new(0);

/// Makes this thread's fallible allocations fail once `n` more have succeeded (`None`: never).
#[cfg_attr(not(test), expect(dead_code))]
pub(crate) fn fail_allocs_after(n: Option<usize>) {
    FAIL_AFTER.with(|f| f.set(n));
}

/// Number of fallible allocations this thread attempted so far.
#[cfg_attr(not(test), expect(dead_code))]
pub(crate) fn alloc_count() -> usize {
    ALLOCS.with(Cell::get)
}

fn may_alloc() -> Result<(), AllocError> {
    ALLOCS.with(|a| a.set(a.get() + 1));
    FAIL_AFTER.with(|f| match f.get() {
        Some(0) => Err(AllocError),
        Some(n) => {
            f.set(Some(n - 1));
            Ok(())
        }
        None => Ok(()),
    })
}

/// Number of deferred frees not yet run.
#[cfg_attr(not(test), expect(dead_code))]
pub(crate) fn rcu_pending() -> usize {
    PENDING.load(Ordering::Acquire)
}

/// Number of trie nodes allocated and not freed yet, in the whole process: only a test that
/// runs alone can compare it with what it built.
#[allow(
    dead_code,
    reason = "tests/lifetimes.rs counts nodes; the crate's own tests run in parallel"
)]
pub(crate) fn live_nodes() -> usize {
    LIVE_NODES.load(Ordering::Acquire)
}

/// Runs deferred frees until none is pending (bounded; returns whether it got there).
#[cfg_attr(not(test), expect(dead_code))]
pub(crate) fn rcu_drain() -> bool {
    for _ in 0..10_000 {
        if PENDING.load(Ordering::Acquire) == 0 {
            return true;
        }
        crossbeam_epoch::pin().flush();
        std::thread::yield_now();
    }
    PENDING.load(Ordering::Acquire) == 0
}

/// Runs `free` once every thread pinned now has unpinned (a grace period), on whichever thread
/// collects it then.
///
/// # Safety
///
/// What `free` frees must be unreachable for readers that pin from now on, freed by nothing
/// else, and fine to free from any thread, later: `free` borrows nothing that may be gone then.
unsafe fn defer(free: impl FnOnce()) {
    PENDING.fetch_add(1, Ordering::Relaxed);
    let g = crossbeam_epoch::pin();
    // SAFETY: `free` borrows nothing and may run on any thread (safety requirements);
    // crossbeam-epoch runs it only after every thread pinned now has unpinned.
    unsafe {
        g.defer_unchecked(move || {
            free();
            PENDING.fetch_sub(1, Ordering::Release);
        })
    };
}

/// A read-side critical section: objects reachable when it began stay allocated until it ends.
pub(crate) struct RcuGuard(#[expect(dead_code)] crossbeam_epoch::Guard);

impl RcuGuard {
    /// Enters a read-side critical section.
    #[inline]
    pub(crate) fn new() -> Self {
        RcuGuard(crossbeam_epoch::pin())
    }
}

impl Default for RcuGuard {
    fn default() -> Self {
        Self::new()
    }
}

#[repr(C)]
struct ArcInner<T> {
    refs: AtomicUsize,
    value: T,
}

/// A counted, immutable heap object whose memory is freed after a grace period once the last
/// count is dropped.
///
/// # Invariants
///
/// `ptr` points at a live `ArcInner<T>` allocated by `Box`, on which this handle owns one count.
pub(crate) struct RcuArc<T> {
    ptr: NonNull<ArcInner<T>>,
    _p: PhantomData<ArcInner<T>>,
}

// SAFETY: The value is shared between threads (`Sync`) and dropped on whichever thread frees it
// (`Send`); `try_new` only accepts such values.
unsafe impl<T: Send + Sync> Send for RcuArc<T> {}
// SAFETY: As above.
unsafe impl<T: Send + Sync> Sync for RcuArc<T> {}

impl<T: Send + Sync + 'static> RcuArc<T> {
    /// Allocates a new object with one count.
    #[cfg_attr(not(test), expect(dead_code))]
    pub(crate) fn try_new(value: T) -> Result<Self, AllocError> {
        may_alloc()?;
        let b = Box::new(ArcInner {
            refs: AtomicUsize::new(1),
            value,
        });
        // INVARIANT: A fresh allocation with its one count owned by the handle.
        Ok(RcuArc {
            ptr: NonNull::from(Box::leak(b)),
            _p: PhantomData,
        })
    }
}

impl<T> RcuArc<T> {
    fn into_raw(self) -> *mut ArcInner<T> {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// # Safety
    ///
    /// `p` must come from [`RcuArc::into_raw`], whose count is transferred to the result.
    unsafe fn from_raw(p: *mut ArcInner<T>) -> Option<Self> {
        NonNull::new(p).map(|ptr| RcuArc {
            ptr,
            _p: PhantomData,
        })
    }

    #[inline]
    fn inner(&self) -> &ArcInner<T> {
        // SAFETY: By the invariants the object is live while `self` counts it.
        unsafe { self.ptr.as_ref() }
    }

    /// The object's count now (a snapshot), for tests of who holds what.
    #[allow(dead_code, reason = "tests/lifetimes.rs reads it")]
    pub(crate) fn count(this: &Self) -> usize {
        this.inner().refs.load(Ordering::Acquire)
    }
}

impl<T> Clone for RcuArc<T> {
    fn clone(&self) -> Self {
        self.inner().refs.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: The count just taken is owned by the new handle.
        RcuArc {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }
}

impl<T> Deref for RcuArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> Drop for RcuArc<T> {
    fn drop(&mut self) {
        if self.inner().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // The last count is gone: no trie holds the object any more, so new readers cannot reach
        // it; free it once the current ones are done.
        let p = self.ptr.as_ptr();
        // SAFETY: `p` came from `Box::leak` in `try_new`, and is freed once: here, as the count
        // hit zero once.
        let free = move || drop(unsafe { Box::from_raw(p) });
        // SAFETY: No trie holds the object any more, so readers to come cannot reach it, and
        // only `free` frees it. The value is `Send` and `'static` (`try_new`): fine to drop on
        // any thread, later.
        unsafe { defer(free) };
    }
}

/// Takes one more count on an object whose count `refs` is, unless that count is already zero
/// (the object only waits for its grace period to be freed, and must not come back).
fn take_count(refs: &AtomicUsize) -> bool {
    let mut n = refs.load(Ordering::Relaxed);
    loop {
        if n == 0 {
            return false;
        }
        match refs.compare_exchange_weak(n, n + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(m) => n = m,
        }
    }
}

/// An [`RcuArc`]'s object borrowed from a trie under an [`RcuGuard`]: readable for as long as
/// the guard, and able to take a count of its own while the object is still counted somewhere.
pub(crate) struct RcuRef<'g, T> {
    inner: &'g ArcInner<T>,
}

impl<T> Clone for RcuRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for RcuRef<'_, T> {}

impl<'g, T> RcuRef<'g, T> {
    /// The object, for as long as the guard.
    #[allow(
        dead_code,
        reason = "the kernel's seam has it; the benchmark crate uses it"
    )]
    #[inline(always)]
    pub(crate) fn get(self) -> &'g T {
        &self.inner.value
    }

    /// A new counted handle on the object, unless its last count is gone (it left the trie and
    /// nothing else counts it: it only waits for the grace period to be freed).
    #[allow(dead_code, reason = "the kernel's seam has it; its table uses it")]
    pub(crate) fn to_arc(self) -> Option<RcuArc<T>> {
        if !take_count(&self.inner.refs) {
            return None;
        }
        // INVARIANT: The count just taken (from a non-zero one) is owned by the new handle.
        Some(RcuArc {
            ptr: NonNull::from(self.inner),
            _p: PhantomData,
        })
    }

    /// Whether `arc` counts this object.
    #[allow(dead_code, reason = "the kernel's seam has it; its table uses it")]
    pub(crate) fn is(self, arc: &RcuArc<T>) -> bool {
        ptr::eq(self.inner, arc.ptr.as_ptr())
    }
}

impl<T> Deref for RcuRef<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

/// A value that a trie node holds inline, as one word; see the kernel seam's `TrieValue` for
/// the rules.
///
/// # Safety
///
/// An implementation guarantees that:
///
/// - [`TrieValue::from_word`] of a word that [`TrieValue::into_word`] made gives back the value
///   that was given up;
/// - dropping a value leaves every [`TrieValue::Ref`] borrowed from its word valid until every
///   read-side section ([`RcuGuard`]) open at the drop has ended;
/// - a value rebuilt with [`TrieValue::from_word`] and never dropped may be used through `&Self`
///   while its owner keeps the word: shared use does not rely on being the only handle.
pub(crate) unsafe trait TrieValue: Sized + Send + Sync + 'static {
    /// What a reader gets: a borrow for as long as its guard (or the value itself).
    type Ref<'a>: Copy;

    /// The size of the object the value owns out of line (`T` of an [`RcuArc<T>`]); `None`
    /// when the word is all of it.
    const BOXED_SIZE: Option<usize>;

    /// Gives the value up as a word.
    fn into_word(self) -> *mut ();

    /// Takes back the value that `word` holds.
    ///
    /// # Safety
    ///
    /// `word` comes from [`TrieValue::into_word`], and the value is taken back once (a value
    /// rebuilt only to be borrowed, and never dropped, does not count).
    unsafe fn from_word(word: *mut ()) -> Self;

    /// Borrows the value that `word` holds, for `'a`.
    ///
    /// # Safety
    ///
    /// `word` comes from [`TrieValue::into_word`], and the value is not dropped before `'a`
    /// begins; it may be dropped during `'a` only if `'a` lies within a read-side section.
    unsafe fn borrow<'a>(word: *mut ()) -> Self::Ref<'a>;
}

// SAFETY: The word is the pointer whose count `into_raw` gave up, and `from_word` takes that
// count back. A borrow needs the object's memory, which is freed only after a grace period once
// the last count is dropped (`Drop`), and shared use of a handle only reads it or adds a count.
unsafe impl<T: Send + Sync + 'static> TrieValue for RcuArc<T> {
    type Ref<'a> = RcuRef<'a, T>;

    const BOXED_SIZE: Option<usize> = Some(size_of::<T>());

    #[inline(always)]
    fn into_word(self) -> *mut () {
        self.into_raw().cast()
    }

    unsafe fn from_word(word: *mut ()) -> Self {
        // SAFETY: By the safety requirements the word carries a count given up by `into_raw`.
        let arc = unsafe { RcuArc::from_raw(word.cast()) };
        arc.expect("rtemu-trie: a counted value's word is never null")
    }

    #[inline(always)]
    unsafe fn borrow<'a>(word: *mut ()) -> RcuRef<'a, T> {
        let inner = word.cast::<ArcInner<T>>().cast_const();
        // SAFETY: The word points at a live object (safety requirements), whose memory stays
        // allocated for `'a`: dropping the count the word stood for frees it only after a grace
        // period, past every read-side section `'a` may lie in.
        let inner = unsafe { &*inner };
        RcuRef { inner }
    }
}

// SAFETY: A `u32` is its own word (no provenance, nothing owned): taking it back any number of
// times is fine, and a borrow is a copy that nothing invalidates.
unsafe impl TrieValue for u32 {
    type Ref<'a> = u32;

    const BOXED_SIZE: Option<usize> = None;

    #[inline(always)]
    fn into_word(self) -> *mut () {
        ptr::without_provenance_mut(self as usize)
    }

    #[inline(always)]
    unsafe fn from_word(word: *mut ()) -> u32 {
        word.addr() as u32
    }

    #[inline(always)]
    unsafe fn borrow<'a>(word: *mut ()) -> Self::Ref<'a> {
        word.addr() as u32
    }
}

// SAFETY: As for `u32`; a word holds 64 bits here.
#[cfg(target_pointer_width = "64")]
unsafe impl TrieValue for u64 {
    type Ref<'a> = u64;

    const BOXED_SIZE: Option<usize> = None;

    #[inline(always)]
    fn into_word(self) -> *mut () {
        ptr::without_provenance_mut(self as usize)
    }

    #[inline(always)]
    unsafe fn from_word(word: *mut ()) -> u64 {
        word.addr() as u64
    }

    #[inline(always)]
    unsafe fn borrow<'a>(word: *mut ()) -> Self::Ref<'a> {
        word.addr() as u64
    }
}

/// The allocation of a trie node: its slot counts and header, then (in the same allocation)
/// `nvals` value words and `nkids` child pointers, each one pointer in size and alignment.
#[repr(C)]
struct NodeInner<H, V> {
    nvals: u16,
    nkids: u16,
    header: H,
    _p: PhantomData<V>,
}

/// A value word or a child pointer.
type Word = AtomicPtr<()>;
/// A child pointer.
type KidPtr<H, V> = AtomicPtr<NodeInner<H, V>>;

/// The layout of a node with `slots` slots.
fn node_layout<H, V>(slots: usize) -> Option<Layout> {
    let (layout, _) = Layout::new::<NodeInner<H, V>>()
        .extend(Layout::array::<Word>(slots).ok()?)
        .ok()?;
    Some(layout.pad_to_align())
}

/// Byte offset of a node's first slot (where [`node_layout`] puts it for any count).
const fn tail_offset<H, V>() -> usize {
    size_of::<NodeInner<H, V>>().next_multiple_of(align_of::<Word>())
}

/// A node borrowed for `'a`.
///
/// # Invariants
///
/// `ptr` points at an initialized node that stays allocated for `'a`, and so do its children
/// and its values (a child is again such a node). Its words change only through their atomics.
pub(crate) struct NodeRef<'a, H, V> {
    ptr: NonNull<NodeInner<H, V>>,
    _p: PhantomData<&'a NodeInner<H, V>>,
}

impl<H, V> Clone for NodeRef<'_, H, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H, V> Copy for NodeRef<'_, H, V> {}

impl<'a, H, V: TrieValue> NodeRef<'a, H, V> {
    #[inline(always)]
    fn inner(self) -> &'a NodeInner<H, V> {
        // SAFETY: By the type invariants the node is allocated and initialized for `'a`.
        unsafe { self.ptr.as_ref() }
    }

    /// The node's header.
    #[inline(always)]
    pub(crate) fn header(self) -> &'a H {
        &self.inner().header
    }

    /// Number of values.
    #[inline(always)]
    pub(crate) fn nvals(self) -> usize {
        usize::from(self.inner().nvals)
    }

    /// Number of children.
    #[inline(always)]
    pub(crate) fn nkids(self) -> usize {
        usize::from(self.inner().nkids)
    }

    /// Slot `i` (value words first, then child pointers), with the provenance of the node.
    #[inline(always)]
    fn slot(self, i: usize) -> *mut Word {
        self.ptr
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(tail_offset::<H, V>() + i * size_of::<Word>())
            .cast()
    }

    #[inline(always)]
    fn value_word(self, i: usize) -> Option<&'a Word> {
        if i >= self.nvals() {
            return None;
        }
        // SAFETY: Value word `i` is initialized and allocated for `'a` (type invariants).
        Some(unsafe { &*self.slot(i) })
    }

    #[inline(always)]
    fn kid_ptr(self, i: usize) -> Option<&'a KidPtr<H, V>> {
        if i >= self.nkids() {
            return None;
        }
        // SAFETY: Child pointer `i` follows the value words, is initialized and allocated for
        // `'a` (type invariants); both kinds of slot are one pointer in size and alignment.
        Some(unsafe { &*self.slot(self.nvals() + i).cast::<KidPtr<H, V>>() })
    }

    /// Value `i`, borrowed for `'a`.
    #[inline(always)]
    pub(crate) fn value(self, i: usize) -> Option<V::Ref<'a>> {
        let word = self.value_word(i)?.load(Ordering::Acquire);
        // SAFETY: The node held the value when it was loaded, so it was not dropped before `'a`
        // began; it is dropped during `'a` only within a read-side section (type invariants).
        Some(unsafe { V::borrow(word) })
    }

    /// A clone of value `i`.
    pub(crate) fn cloned_value(self, i: usize) -> Option<V>
    where
        V: Clone,
    {
        let word = self.value_word(i)?.load(Ordering::Acquire);
        // SAFETY: The word is a live value's (type invariants); the rebuilt handle is only
        // borrowed, never dropped, so its owner keeps it.
        let held = ManuallyDrop::new(unsafe { V::from_word(word) });
        Some(V::clone(&held))
    }

    /// Child `i`.
    #[inline(always)]
    pub(crate) fn kid(self, i: usize) -> Option<NodeRef<'a, H, V>> {
        let p = self.kid_ptr(i)?.load(Ordering::Acquire);
        // INVARIANT: A child of a node valid for `'a` is valid for `'a` (type invariants).
        NonNull::new(p).map(|ptr| NodeRef {
            ptr,
            _p: PhantomData,
        })
    }
}

/// A change to one of a node's two slot arrays as it is copied: a slot added at a position (the
/// later ones move up by one), or the slot at a position deleted.
pub(crate) enum Edit<T> {
    Keep,
    Add(usize, T),
    Del(usize),
}

impl<T> Edit<T> {
    /// The length of an array of `len` slots after the edit.
    fn applied_len(&self, len: usize) -> usize {
        match self {
            Edit::Keep => len,
            Edit::Add(pos, _) => {
                assert!(*pos <= len, "rtemu-trie: a slot added past the end");
                len + 1
            }
            Edit::Del(pos) => {
                assert!(*pos < len, "rtemu-trie: a missing slot deleted");
                len - 1
            }
        }
    }

    /// Splits into what to add (where and what) and where to delete.
    fn split(self) -> (Option<(usize, T)>, Option<usize>) {
        match self {
            Edit::Keep => (None, None),
            Edit::Add(pos, x) => (Some((pos, x)), None),
            Edit::Del(pos) => (None, Some(pos)),
        }
    }
}

/// Writes `old`'s words (`len` of them, read by `read`) with `add` and `del` applied into the
/// slots `write` is called with, in order.
fn copy_words<T>(
    len: usize,
    read: impl Fn(usize) -> *mut T,
    add: Option<(usize, *mut T)>,
    del: Option<usize>,
    mut write: impl FnMut(*mut T),
) {
    for j in 0..=len {
        if let Some((_, w)) = add.filter(|&(pos, _)| pos == j) {
            write(w);
        }
        if j < len && del != Some(j) {
            write(read(j));
        }
    }
}

/// Allocates a node with `header` and `old`'s words (none without `old`), `vals` and `kids`
/// applied. The new node is unpublished; it shares `old`'s words, with which of the two owns
/// them (and the words `vals` and `kids` deleted) for the caller to settle. On failure nothing
/// was allocated, and what `vals` and `kids` add is dropped.
///
/// # Panics
///
/// If an edit adds past the end or deletes a missing slot.
fn build<H: Copy, V: TrieValue>(
    old: Option<NodeRef<'_, H, V>>,
    header: H,
    vals: Edit<V>,
    kids: Edit<OwnedNode<H, V>>,
) -> Result<NonNull<NodeInner<H, V>>, AllocError> {
    let (old_vals, old_kids) = old.map_or((0, 0), |o| (o.nvals(), o.nkids()));
    let nvals = vals.applied_len(old_vals);
    let nkids = kids.applied_len(old_kids);
    let nv = u16::try_from(nvals).map_err(|_| AllocError)?;
    let nk = u16::try_from(nkids).map_err(|_| AllocError)?;
    let layout = node_layout::<H, V>(nvals + nkids).ok_or(AllocError)?;
    may_alloc()?;
    // SAFETY: The layout is not zero-sized (it holds the counts).
    let p = NonNull::new(unsafe { std::alloc::alloc(layout) }).ok_or(AllocError)?;
    LIVE_NODES.fetch_add(1, Ordering::Relaxed);
    let inner = p.cast::<NodeInner<H, V>>();
    // SAFETY: `inner` is a fresh allocation of `layout`, which starts with a `NodeInner`.
    unsafe {
        inner.as_ptr().write(NodeInner {
            nvals: nv,
            nkids: nk,
            header,
            _p: PhantomData,
        })
    };
    let new = NodeRef::<'_, H, V> {
        ptr: inner,
        _p: PhantomData,
    };
    let (add, del) = vals.split();
    let mut i = 0;
    copy_words(
        old_vals,
        |j| {
            old.and_then(|o| o.value_word(j))
                .map_or(ptr::null_mut(), |w| w.load(Ordering::Acquire))
        },
        add.map(|(pos, v)| (pos, v.into_word())),
        del,
        |w| {
            // SAFETY: Slot `i < nvals` lies within the allocation (the layout holds
            // `nvals + nkids`) and is aligned; each is written once.
            unsafe { new.slot(i).write(Word::new(w)) };
            i += 1;
        },
    );
    let (add, del) = kids.split();
    copy_words(
        old_kids,
        |j| {
            old.and_then(|o| o.kid_ptr(j))
                .map_or(ptr::null_mut(), |k| k.load(Ordering::Acquire))
        },
        add.map(|(pos, k)| (pos, k.into_raw().as_ptr())),
        del,
        |k| {
            // SAFETY: As above, for the child pointers, which follow the value words.
            unsafe { new.slot(i).cast::<KidPtr<H, V>>().write(KidPtr::new(k)) };
            i += 1;
        },
    );
    debug_assert_eq!(i, nvals + nkids);
    Ok(inner)
}

/// Frees `node`'s memory (only that: not its children, not its values) once every thread
/// pinned now has unpinned.
///
/// # Safety
///
/// `node` was allocated by `build`, is unreachable for readers that start from now on, and is
/// retired once; what its words hold is someone else's from now on.
unsafe fn retire_node<H, V>(node: NonNull<NodeInner<H, V>>) {
    let free = move || {
        // SAFETY: The node is allocated until this frees it (safety requirements).
        let slots =
            unsafe { usize::from((*node.as_ptr()).nvals) + usize::from((*node.as_ptr()).nkids) };
        if let Some(layout) = node_layout::<H, V>(slots) {
            // SAFETY: `build` allocated the node with this layout (of the same slot count); it
            // is freed once.
            unsafe { std::alloc::dealloc(node.as_ptr().cast(), layout) };
        }
        LIVE_NODES.fetch_sub(1, Ordering::Release);
    };
    // SAFETY: By the safety requirements the node is unreachable for readers to come and freed
    // by nothing but `free`; plain memory, fine to free on any thread, later.
    unsafe { defer(free) };
}

/// Frames of the walk that retires a subtree: deep enough for the trie's 16 levels; a deeper
/// subtree goes on in a nested walk.
const RETIRE_STACK: usize = 16;

/// Hands each value of the subtree at `root` to `each_value` and retires every node of it,
/// each after its children.
///
/// # Safety
///
/// `root` is a node as an [`OwnedNode`] owns one; the caller gives that ownership up.
unsafe fn retire_subtree<H, V: TrieValue>(
    root: NonNull<NodeInner<H, V>>,
    each_value: &mut impl FnMut(V),
) {
    // A node and the position of its next child to visit.
    let mut stack = [(root, 0usize); RETIRE_STACK];
    let mut top = 0;
    loop {
        let (node, next) = stack[top];
        // INVARIANT: Owned and not retired yet (only a node whose children are done is): the
        // node, its children and its values are live.
        let r = NodeRef::<'_, H, V> {
            ptr: node,
            _p: PhantomData,
        };
        if let Some(kid) = r.kid(next) {
            stack[top].1 = next + 1;
            if top + 1 < RETIRE_STACK {
                top += 1;
                stack[top] = (kid.ptr, 0);
            } else {
                // SAFETY: `node` owns the child, and its walk moved past it: handed on once.
                unsafe { retire_subtree(kid.ptr, each_value) };
            }
            continue;
        }
        for i in 0..r.nvals() {
            if let Some(word) = r.value_word(i) {
                // SAFETY: The node owns the value and hands it out once: it is retired next.
                each_value(unsafe { V::from_word(word.load(Ordering::Acquire)) });
            }
        }
        // SAFETY: The node is unreachable for readers to come (it left its tree, or never was
        // in one); its children and values were handed on; it is retired once.
        unsafe { retire_node(node) };
        if top == 0 {
            return;
        }
        top -= 1;
    }
}

/// A node and everything below it, owned: built and not published yet, or taken out of a tree
/// (readers that found it before may still be in it). Dropping it retires the whole subtree:
/// its values are dropped, and each node's memory is freed after a grace period.
///
/// # Invariants
///
/// `ptr` points at a node allocated by `build`, not retired, that no tree or other node owns.
/// It owns its children (such nodes again) and its values.
pub(crate) struct OwnedNode<H, V: TrieValue> {
    ptr: NonNull<NodeInner<H, V>>,
    _p: PhantomData<(H, V)>,
}

impl<H: Copy, V: TrieValue> OwnedNode<H, V> {
    /// A new node with `header`, at most one value and at most one child.
    pub(crate) fn try_new(
        header: H,
        value: Option<V>,
        kid: Option<OwnedNode<H, V>>,
    ) -> Result<Self, AllocError> {
        let vals = value.map_or(Edit::Keep, |v| Edit::Add(0, v));
        let kids = kid.map_or(Edit::Keep, |k| Edit::Add(0, k));
        // INVARIANT: A fresh node, which owns the value and the child it was given.
        Ok(OwnedNode {
            ptr: build(None, header, vals, kids)?,
            _p: PhantomData,
        })
    }
}

impl<H, V: TrieValue> OwnedNode<H, V> {
    /// Retires the subtree as dropping it does, but hands each value to `each_value`.
    pub(crate) fn retire_with(self, mut each_value: impl FnMut(V)) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` owns the subtree (type invariants) and is not dropped.
        unsafe { retire_subtree(this.ptr, &mut each_value) };
    }

    fn into_raw(self) -> NonNull<NodeInner<H, V>> {
        ManuallyDrop::new(self).ptr
    }

    /// # Safety
    ///
    /// `ptr` points at a node as [`OwnedNode`] owns one, whose ownership the caller gives up.
    unsafe fn from_raw(ptr: NonNull<NodeInner<H, V>>) -> Self {
        // INVARIANT: By the safety requirements.
        OwnedNode {
            ptr,
            _p: PhantomData,
        }
    }
}

impl<H, V: TrieValue> Drop for OwnedNode<H, V> {
    fn drop(&mut self) {
        // SAFETY: `self` owns the subtree (type invariants) and goes away.
        unsafe { retire_subtree(self.ptr, &mut drop) };
    }
}

/// What [`TreeWriter::replace`] took out of the tree: the value and the child its edits
/// deleted.
pub(crate) struct Removed<H, V: TrieValue> {
    pub(crate) value: Option<V>,
    pub(crate) kid: Option<OwnedNode<H, V>>,
}

/// The root of a tree of nodes, and the flag that lets one writer at a time change it.
/// Dropping it retires the whole tree.
///
/// # Invariants
///
/// `root` is null or points at a node owned by the tree, as an [`OwnedNode`] owns one. Nodes
/// reachable from it change only through the [`TreeWriter`] that holds `writer`.
pub(crate) struct NodeTree<H, V: TrieValue> {
    root: KidPtr<H, V>,
    writer: AtomicBool,
    _p: PhantomData<(H, V)>,
}

impl<H, V: TrieValue> NodeTree<H, V> {
    /// An empty tree. Does not allocate.
    pub(crate) const fn new() -> Self {
        // INVARIANT: No root.
        NodeTree {
            root: AtomicPtr::new(ptr::null_mut()),
            writer: AtomicBool::new(false),
            _p: PhantomData,
        }
    }

    /// A tree of `root`.
    pub(crate) fn with_root(root: Option<OwnedNode<H, V>>) -> Self {
        // INVARIANT: The tree takes over the ownership of `root`.
        NodeTree {
            root: AtomicPtr::new(root.map_or(ptr::null_mut(), |r| r.into_raw().as_ptr())),
            writer: AtomicBool::new(false),
            _p: PhantomData,
        }
    }

    /// The root, for as long as the guard.
    #[inline(always)]
    pub(crate) fn root<'g>(&'g self, _g: &'g RcuGuard) -> Option<NodeRef<'g, H, V>> {
        let p = self.root.load(Ordering::Acquire);
        // INVARIANT: The root was in the tree during the read-side section the guard proves;
        // whatever was reachable then is retired, if at all, after the section began, so it
        // is freed only after it ends.
        NonNull::new(p).map(|ptr| NodeRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// The (only) writer; `None` while another one exists.
    pub(crate) fn writer(&self) -> Option<TreeWriter<'_, H, V>> {
        self.writer
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            // INVARIANT: The flag was clear and is now this writer's.
            .map(|_| TreeWriter { tree: self })
    }
}

impl<H, V: TrieValue> Drop for NodeTree<H, V> {
    fn drop(&mut self) {
        if let Some(p) = NonNull::new(*self.root.get_mut()) {
            // SAFETY: The tree owned its root (type invariants), and goes away.
            drop(unsafe { OwnedNode::from_raw(p) });
        }
    }
}

/// The only writer of a [`NodeTree`] while it exists: the nodes it lends
/// ([`TreeWriter::root`]) stay as they are while it is borrowed, and its changes borrow it
/// mutably. What a change replaces is retired: freed after a grace period.
///
/// # Invariants
///
/// `tree.writer` was set for this writer, and is cleared when it goes.
pub(crate) struct TreeWriter<'t, H, V: TrieValue> {
    tree: &'t NodeTree<H, V>,
}

impl<H, V: TrieValue> Drop for TreeWriter<'_, H, V> {
    fn drop(&mut self) {
        self.tree.writer.store(false, Ordering::Release);
    }
}

impl<H: Copy, V: TrieValue> TreeWriter<'_, H, V> {
    /// The root, for as long as this writer is borrowed.
    #[inline]
    pub(crate) fn root(&self) -> Option<NodeRef<'_, H, V>> {
        let p = self.tree.root.load(Ordering::Acquire);
        // INVARIANT: Only this writer changes the tree, and not while it is borrowed.
        NonNull::new(p).map(|ptr| NodeRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// The slot that holds the node at `path` (child positions from the root), and that node.
    ///
    /// # Panics
    ///
    /// If `path` leads nowhere.
    fn slot(&self, path: &[usize]) -> (&KidPtr<H, V>, NodeRef<'_, H, V>) {
        let mut slot = &self.tree.root;
        for &pos in path {
            let node = NonNull::new(slot.load(Ordering::Acquire))
                .expect("rtemu-trie: a path through a missing node");
            // INVARIANT: As for `root`: the writer's view, stable while it is borrowed.
            let node = NodeRef::<'_, H, V> {
                ptr: node,
                _p: PhantomData,
            };
            slot = node
                .kid_ptr(pos)
                .expect("rtemu-trie: a path through a missing child");
        }
        let node = NonNull::new(slot.load(Ordering::Acquire))
            .expect("rtemu-trie: a path to a missing node");
        // INVARIANT: As above.
        let node = NodeRef {
            ptr: node,
            _p: PhantomData,
        };
        (slot, node)
    }

    /// Replaces value `pos` of the node at `path` with `value` in place (a release store);
    /// returns the old value.
    ///
    /// # Panics
    ///
    /// If there is no such value.
    pub(crate) fn swap_value(&mut self, path: &[usize], pos: usize, value: V) -> V {
        let (_, node) = self.slot(path);
        let word = node
            .value_word(pos)
            .expect("rtemu-trie: a missing value swapped");
        let old = word.swap(value.into_word(), Ordering::AcqRel);
        // SAFETY: The node owned the old value, and no longer holds it: handed over once.
        unsafe { V::from_word(old) }
    }

    /// Publishes a copy of the node at `path` with `header`, `vals` and `kids` applied in
    /// its place (a release store), and retires the old node: its memory is freed after a
    /// grace period, while what it held belongs to the copy, except for the value and the
    /// child the edits deleted, which are returned. On failure the tree is unchanged, and what
    /// the edits add is dropped.
    ///
    /// # Panics
    ///
    /// If `path` leads nowhere, or an edit adds past the end or deletes a missing slot.
    pub(crate) fn replace(
        &mut self,
        path: &[usize],
        header: H,
        vals: Edit<V>,
        kids: Edit<OwnedNode<H, V>>,
    ) -> Result<Removed<H, V>, AllocError> {
        let (slot, old) = self.slot(path);
        let del_val = match vals {
            Edit::Del(pos) => old.value_word(pos).map(|w| w.load(Ordering::Acquire)),
            _ => None,
        };
        let del_kid = match kids {
            Edit::Del(pos) => old.kid_ptr(pos).map(|k| k.load(Ordering::Acquire)),
            _ => None,
        };
        let new = build(Some(old), header, vals, kids)?;
        slot.store(new.as_ptr(), Ordering::Release);
        // SAFETY: The old node is unlinked from the tree (readers to come find the copy) and
        // retired once; the copy owns what it held, but for the deleted value and child.
        unsafe { retire_node(old.ptr) };
        // SAFETY: The old node owned the deleted value, which the copy does not hold: handed
        // over once.
        let value = del_val.map(|w| unsafe { V::from_word(w) });
        let kid = del_kid.and_then(NonNull::new).map(|k| {
            // SAFETY: As for the value: the deleted child and its subtree are the caller's now.
            unsafe { OwnedNode::from_raw(k) }
        });
        Ok(Removed { value, kid })
    }

    /// Publishes `root` as the tree's root (a release store), and returns the old one.
    pub(crate) fn set_root(&mut self, root: Option<OwnedNode<H, V>>) -> Option<OwnedNode<H, V>> {
        let new = root.map_or(ptr::null_mut(), |r| r.into_raw().as_ptr());
        let old = self.tree.root.swap(new, Ordering::AcqRel);
        // SAFETY: The tree owned its old root, and no longer holds it: handed over once.
        NonNull::new(old).map(|p| unsafe { OwnedNode::from_raw(p) })
    }
}

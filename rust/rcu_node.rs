// SPDX-License-Identifier: GPL-2.0

//! The RCU objects under `trie.rs`, one source for the kernel and the host: counted objects
//! freed after a grace period ([`RcuArc`], borrowed as [`RcuRef`]), the values a trie node holds
//! inline as one word ([`TrieValue`]), and the trie's nodes: a header followed, in the same
//! allocation, by plain RCU words that hold no count ([`NodeTree`], [`NodeRef`], [`OwnedNode`],
//! [`TreeWriter`]).
//!
//! Each platform file includes this one as its child module `rcu_node` (the kernel's
//! `rust/platform.rs`, the host's `tools/rtemu-trie/src/platform.rs`) and re-exports what the
//! trie uses. What differs between them is the parent's, reached through `super`:
//!
//! - [`RcuGuard`], a read-side section, and [`AllocError`];
//! - [`RcuHead`], what a deferred free needs inside each object, and [`rcu_head`], a fresh one;
//! - [`defer_free`], which calls [`RcuFree::free`] on an object after a grace period;
//! - [`alloc_node`] and [`free_node`], a node's memory; [`free_arc`], which drops an
//!   [`RcuArc`]'s object and frees its memory (the platform allocates it, in the constructors
//!   of [`RcuArc`] it has).
//!
//! The lookup path (loads and borrows under a guard) calls none of them.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use core::ptr::{
    self,
    NonNull, //
};
use core::sync::atomic::{
    fence,
    AtomicBool,
    AtomicPtr,
    AtomicUsize,
    Ordering, //
};

use super::{
    alloc_node,
    defer_free,
    free_arc,
    free_node,
    rcu_head,
    AllocError,
    RcuGuard,
    RcuHead, //
};

/// An object whose memory a grace period frees ([`defer_free`]): it holds the platform's
/// [`RcuHead`], which readers never touch, [`RcuFree::HEAD_OFFSET`] bytes into it.
///
/// # Safety
///
/// `HEAD_OFFSET` is the offset of a field of type [`RcuHead`] in `Self`.
pub(super) unsafe trait RcuFree: Sized {
    /// Where the object's [`RcuHead`] lies.
    #[allow(
        dead_code,
        reason = "the kernel's `call_rcu` goes back from the head to the object, the host's \
                  deferred closures need no head: unused on one side, so not `expect`"
    )]
    const HEAD_OFFSET: usize;

    /// Drops what the object owns and frees its memory.
    ///
    /// # Safety
    ///
    /// `this` is a live object that nothing reaches any more (its grace period is over) and
    /// that nothing else frees.
    unsafe fn free(this: NonNull<Self>);
}

/// The allocation behind an [`RcuArc`]: the count and the value first, where readers look, and
/// `head` (which only the writer that drops the last count touches) last.
#[repr(C)]
pub(super) struct ArcInner<T> {
    pub(super) refs: AtomicUsize,
    pub(super) value: T,
    pub(super) head: RcuHead,
}

// SAFETY: `head` is an `RcuHead` field.
unsafe impl<T> RcuFree for ArcInner<T> {
    const HEAD_OFFSET: usize = core::mem::offset_of!(ArcInner<T>, head);

    unsafe fn free(this: NonNull<Self>) {
        // SAFETY: An `RcuArc`'s object (only those are deferred as `ArcInner`s), allocated as
        // `free_arc` frees it, live and unreachable, and freed once (safety requirements).
        // Dropping `T` there is allowed since `T: Send` (type invariants of `RcuArc`), and it is
        // dropped in place, as a pinned value must be.
        unsafe { free_arc(this) };
    }
}

/// A counted, immutable heap object whose memory is freed after a grace period once the last
/// count is dropped: readers inside a read-side section that found it (in a trie, or in the
/// kernel's `RcuSlot`) can keep using it until their section ends.
///
/// # Invariants
///
/// `ptr` points at a live `ArcInner<T>`, allocated by the platform as [`free_arc`] frees it, on
/// which this handle owns one count. `T` is `Send + Sync + 'static` (the platform's
/// constructors only take such values). The value is pinned: it stays where it was initialized
/// until it is dropped in place.
pub(crate) struct RcuArc<T> {
    pub(super) ptr: NonNull<ArcInner<T>>,
    pub(super) _p: PhantomData<ArcInner<T>>,
}

// SAFETY: The value is shared between CPUs (`Sync`) and dropped in whichever context frees it
// (`Send`); the constructors only accept such values.
unsafe impl<T: Send + Sync> Send for RcuArc<T> {}
// SAFETY: Shared handles only read the value (`T: Sync`) and change the count, which is atomic;
// the last one may drop the value on another CPU (`T: Send`).
unsafe impl<T: Send + Sync> Sync for RcuArc<T> {}

// A handle moves freely whatever `T` is: the value it counts stays where it
// was allocated (as `Box<T>` is `Unpin` for every `T`).
impl<T> Unpin for RcuArc<T> {}

impl<T> RcuArc<T> {
    /// Gives up the handle without dropping its count.
    pub(super) fn into_raw(self) -> *mut ArcInner<T> {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Takes over a count given up by [`RcuArc::into_raw`] (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` must be null or come from [`RcuArc::into_raw`], and its count must not be used
    /// otherwise afterwards.
    pub(super) unsafe fn from_raw(p: *mut ArcInner<T>) -> Option<Self> {
        // INVARIANT: By the safety requirements the count is transferred to the new handle.
        NonNull::new(p).map(|ptr| RcuArc {
            ptr,
            _p: PhantomData,
        })
    }

    #[inline]
    pub(super) fn inner(&self) -> &ArcInner<T> {
        // SAFETY: By the type invariants the object is live while `self` counts it.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Clone for RcuArc<T> {
    fn clone(&self) -> Self {
        // Counts are bounded by the number of slots and handles, which all occupy memory: no
        // overflow.
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

    #[inline]
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
        // SAFETY: The last count is gone: no trie or slot holds the object any more, so readers
        // that start from now on cannot reach it, and it is handed over once, as the count
        // reaches zero once. Readers still in it may read `value` and `refs`, never `head`.
        unsafe { defer_free(self.ptr) };
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

/// An [`RcuArc`]'s object found under an [`RcuGuard`] (in a trie, or in the kernel's
/// `RcuSlot`): readable for as long as the guard, and able to take a count of its own while
/// the object is still counted somewhere.
pub(crate) struct RcuRef<'g, T> {
    pub(super) inner: &'g ArcInner<T>,
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
        reason = "the kernel's table and the host's benchmark use it, the host's trie does not: \
                  unused on one side, so not `expect`"
    )]
    #[inline(always)]
    pub(crate) fn get(self) -> &'g T {
        &self.inner.value
    }

    /// A new counted handle on the object, unless its last count is gone (it was unpublished
    /// and nothing else counts it: it only waits for the grace period to be freed).
    #[allow(
        dead_code,
        reason = "the kernel's table and the host's benchmark use it, the host's trie does not: \
                  unused on one side, so not `expect`"
    )]
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
}

impl<T> Deref for RcuRef<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

/// A value that a trie node holds inline, as one word: either the word is the value itself
/// (`u32`, `u64`), or it points at an object that the value owns ([`RcuArc`]).
///
/// Node copies share their values' words without the values knowing: a word belongs to the one
/// node of the trie that owns it, and whoever takes it out of there (the writer, for a replaced
/// or removed prefix or a retired subtree) takes the value back with [`TrieValue::from_word`].
/// Readers borrow it ([`TrieValue::Ref`]) from whichever copy they found it in, old or new, for
/// as long as their read-side section.
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
        arc.expect("rtemu: a counted value's word is never null")
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

/// The allocation of a trie node: its slot counts and header, `head` (last: readers never touch
/// it, so the header starts in the first cache line), then (in the same allocation) `nvals`
/// value words and `nkids` child pointers, each one pointer in size and alignment.
///
/// No count: a node is owned by one slot (see [`NodeTree`]), and freed after a grace period
/// once it was retired.
#[repr(C)]
struct NodeInner<H, V> {
    nvals: u16,
    nkids: u16,
    header: H,
    head: RcuHead,
    _p: PhantomData<V>,
}

// SAFETY: `head` is an `RcuHead` field.
unsafe impl<H, V> RcuFree for NodeInner<H, V> {
    const HEAD_OFFSET: usize = core::mem::offset_of!(NodeInner<H, V>, head);

    unsafe fn free(this: NonNull<Self>) {
        let p = this.as_ptr();
        // SAFETY: The node is live until it is freed below (safety requirements).
        let slots = unsafe { usize::from((*p).nvals) };
        // SAFETY: As above.
        let slots = slots + unsafe { usize::from((*p).nkids) };
        if let Some(layout) = node_layout::<H, V>(slots) {
            // SAFETY: `build` allocated the node with `alloc_node` and this layout (of the same
            // slot count); nothing uses it any more, and it is freed once. Nothing in it needs
            // a drop: its header is `Copy`, and its words are someone else's.
            unsafe { free_node(this.cast(), layout) };
        }
    }
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

/// A trie node borrowed for `'a`: under a read-side section ([`NodeTree::root`]), from the
/// tree's writer ([`TreeWriter::root`]), or below a node borrowed so.
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
        let slot = self.slot(self.nvals() + i).cast::<KidPtr<H, V>>();
        // SAFETY: Child pointer `i` follows the value words, is initialized and allocated for
        // `'a` (type invariants); both kinds of slot are one pointer in size and alignment.
        Some(unsafe { &*slot })
    }

    /// Value `i`, borrowed for `'a`.
    #[inline(always)]
    pub(crate) fn value(self, i: usize) -> Option<V::Ref<'a>> {
        let word = self.value_word(i)?.load(Ordering::Acquire);
        // SAFETY: The node held the value when it was loaded, so it was not dropped before `'a`
        // began; it is dropped during `'a` only within a read-side section (type invariants).
        Some(unsafe { V::borrow(word) })
    }

    /// A clone of value `i` (for an [`RcuArc`], a new count).
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
                assert!(*pos <= len, "rtemu: a trie slot added past the end");
                len + 1
            }
            Edit::Del(pos) => {
                assert!(*pos < len, "rtemu: a missing trie slot deleted");
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
/// applied ([`alloc_node`]: may sleep in the kernel). The new node is unpublished; it shares
/// `old`'s words, with which of the two owns them (and the words `vals` and `kids` deleted) for
/// the caller to settle. On failure nothing was allocated, and what `vals` and `kids` add is
/// dropped.
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
    let inner = alloc_header::<H, V>(header, nv, nk)?;
    // INVARIANT: The slots are written below, before anything reads them.
    let new = NodeRef::<'_, H, V> {
        ptr: inner,
        _p: PhantomData,
    };
    let read_val = |j| {
        old.and_then(|o| o.value_word(j))
            .map_or(ptr::null_mut(), |w| w.load(Ordering::Acquire))
    };
    let read_kid = |j| {
        old.and_then(|o| o.kid_ptr(j))
            .map_or(ptr::null_mut(), |k| k.load(Ordering::Acquire))
    };
    let mut i = 0;
    let (add, del) = vals.split();
    copy_words(
        old_vals,
        read_val,
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
    let add = add.map(|(pos, k)| (pos, k.into_raw().as_ptr()));
    copy_words(old_kids, read_kid, add, del, |k| {
        // SAFETY: As above, for the child pointers, which follow the value words.
        unsafe { new.slot(i).cast::<KidPtr<H, V>>().write(KidPtr::new(k)) };
        i += 1;
    });
    debug_assert_eq!(i, nvals + nkids);
    Ok(inner)
}

/// Allocates a node of `nvals + nkids` slots and writes its counts and `header`; its slots are
/// left for the caller to write, before anything reads them.
fn alloc_header<H, V>(header: H, nv: u16, nk: u16) -> Result<NonNull<NodeInner<H, V>>, AllocError> {
    let layout = node_layout::<H, V>(usize::from(nv) + usize::from(nk)).ok_or(AllocError)?;
    let inner = alloc_node(layout)?.cast::<NodeInner<H, V>>();
    // SAFETY: `inner` is a fresh allocation of `layout`, which starts with a `NodeInner`
    // (aligned: the layout has its alignment); written once.
    unsafe {
        inner.as_ptr().write(NodeInner {
            nvals: nv,
            nkids: nk,
            header,
            head: rcu_head(),
            _p: PhantomData,
        })
    };
    Ok(inner)
}

/// Frees `node`'s memory (only that: not its children, not its values) after the read-side
/// sections open now are done.
///
/// # Safety
///
/// `node` was allocated by `build`, is unreachable for readers that start from now on, and is
/// retired once; what its words hold is someone else's from now on.
unsafe fn retire_node<H, V>(node: NonNull<NodeInner<H, V>>) {
    // SAFETY: By the safety requirements the node is unreachable for readers to come and handed
    // over once; `NodeInner::free` frees its memory only.
    unsafe { defer_free(node) };
}

/// Frames of the walk that retires a subtree: deep enough for the trie's 16 levels; a deeper
/// subtree goes on in a nested walk.
const RETIRE_STACK: usize = 16;

/// Hands each value of the subtree at `root` to `each_value` and retires every node of it,
/// each after its children. Does not sleep.
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
                let word = word.load(Ordering::Acquire);
                // SAFETY: The node owns the value and hands it out once: it is retired next.
                each_value(unsafe { V::from_word(word) });
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
    /// A new node with `header`, at most one value and at most one child ([`alloc_node`]: may
    /// sleep in the kernel). On failure `value` and `kid` are dropped.
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

/// The root of a tree of nodes whose slots are plain RCU words, and the flag that lets one
/// writer at a time change it.
///
/// A node is owned by exactly one slot: the root slot, or a child slot of its parent. Its
/// values are its own too, one word each ([`TrieValue`]). Nothing is counted: when the writer
/// replaces a node by a copy ([`TreeWriter::replace`]), the copy takes the old node's words
/// bitwise, and the old node is retired: its memory is freed after a grace period, and nothing
/// it points at is touched. Readers that found the old node keep reading it, its children and
/// its values until their read-side section ends, since whatever leaves the tree (a retired
/// node, a value handed to the caller, a detached subtree) is freed only after a grace period.
/// Dropping the tree retires it whole.
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
        // whatever was reachable from it then is retired, if at all, after the section began,
        // so it is freed only after the section ends.
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
/// mutably. Without a guard or counts, that is what keeps its view valid: only it retires
/// nodes of the tree, and not while its view is in use.
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
                .expect("rtemu: a trie path through a missing node");
            // INVARIANT: As for `root`: the writer's view, stable while it is borrowed.
            let node = NodeRef::<'_, H, V> {
                ptr: node,
                _p: PhantomData,
            };
            slot = node
                .kid_ptr(pos)
                .expect("rtemu: a trie path through a missing child");
        }
        let node = NonNull::new(slot.load(Ordering::Acquire))
            .expect("rtemu: a trie path to a missing node");
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
            .expect("rtemu: a missing trie value swapped");
        let old = word.swap(value.into_word(), Ordering::AcqRel);
        // SAFETY: The node owned the old value, and no longer holds it: handed over once.
        unsafe { V::from_word(old) }
    }

    /// Publishes a copy of the node at `path` with `header`, `vals` and `kids` applied in its
    /// place (a release store), and retires the old node: its memory is freed after a grace
    /// period, while what it held belongs to the copy, except for the value and the child the
    /// edits deleted, which are returned. May sleep in the kernel ([`alloc_node`]). On failure
    /// the tree is unchanged, and what the edits add is dropped.
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

    /// Publishes, in the place of the node at `path`, a new node with `header`, `value` (if
    /// any) and as children that node and `sibling` (if any; after the old node when
    /// `old_first`). The old node is not copied: it moves one level down, whole. May sleep in
    /// the kernel ([`alloc_node`]). On failure the tree is unchanged, and `value` and `sibling`
    /// are dropped.
    ///
    /// # Panics
    ///
    /// If `path` leads nowhere.
    pub(crate) fn interpose(
        &mut self,
        path: &[usize],
        header: H,
        value: Option<V>,
        sibling: Option<OwnedNode<H, V>>,
        old_first: bool,
    ) -> Result<(), AllocError> {
        let (slot, old) = self.slot(path);
        let nk = if sibling.is_some() { 2 } else { 1 };
        let inner = alloc_header::<H, V>(header, u16::from(value.is_some()), nk)?;
        // INVARIANT: The slots are written below, before anything reads them.
        let new = NodeRef::<'_, H, V> {
            ptr: inner,
            _p: PhantomData,
        };
        let mut i = 0;
        if let Some(v) = value {
            // SAFETY: Slot 0 lies within the allocation (it holds `nvals + nkids` slots) and
            // is aligned; written once.
            unsafe { new.slot(0).write(Word::new(v.into_word())) };
            i = 1;
        }
        let sibling = sibling.map(|s| s.into_raw().as_ptr());
        let kids = match sibling {
            None => [Some(old.ptr.as_ptr()), None],
            Some(s) if old_first => [Some(old.ptr.as_ptr()), Some(s)],
            Some(s) => [Some(s), Some(old.ptr.as_ptr())],
        };
        for k in kids.into_iter().flatten() {
            // SAFETY: As above, for the child pointers, which follow the value word.
            unsafe { new.slot(i).cast::<KidPtr<H, V>>().write(KidPtr::new(k)) };
            i += 1;
        }
        debug_assert_eq!(i, new.nvals() + new.nkids());
        // The new node owns the old one and the sibling from here on; readers that find it see
        // its slots written (release).
        slot.store(inner.as_ptr(), Ordering::Release);
        Ok(())
    }

    /// Publishes child `keep` of the node at `path` in that node's place, and retires the node
    /// (its memory is freed after a grace period); returns what else it held: its value, and
    /// its other child, if any. Never allocates.
    ///
    /// # Panics
    ///
    /// If `path` leads nowhere, the node has no child `keep`, or holds more than one value or
    /// two children.
    pub(crate) fn lift(&mut self, path: &[usize], keep: usize) -> Removed<H, V> {
        let (slot, node) = self.slot(path);
        assert!(
            node.nvals() <= 1 && node.nkids() <= 2,
            "rtemu: a trie node with more than one value or two children lifted"
        );
        let kept = node
            .kid_ptr(keep)
            .expect("rtemu: a missing trie child lifted")
            .load(Ordering::Acquire);
        let value = node.value_word(0).map(|w| w.load(Ordering::Acquire));
        let other = node
            .kid_ptr(1 - keep.min(1))
            .filter(|_| node.nkids() == 2)
            .map(|k| k.load(Ordering::Acquire));
        slot.store(kept, Ordering::Release);
        // SAFETY: The node is unlinked from the tree (readers to come find its child) and
        // retired once; the slot owns the kept child now.
        unsafe { retire_node(node.ptr) };
        // SAFETY: The node owned its value and its other child, which nothing in the tree holds
        // any more: handed over once.
        let value = value.map(|w| unsafe { V::from_word(w) });
        let kid = other.and_then(NonNull::new).map(|k| {
            // SAFETY: As for the value.
            unsafe { OwnedNode::from_raw(k) }
        });
        Removed { value, kid }
    }

    /// Publishes `root` as the tree's root (a release store), and returns the old one.
    pub(crate) fn set_root(&mut self, root: Option<OwnedNode<H, V>>) -> Option<OwnedNode<H, V>> {
        let new = root.map_or(ptr::null_mut(), |r| r.into_raw().as_ptr());
        let old = self.tree.root.swap(new, Ordering::AcqRel);
        // SAFETY: The tree owned its old root, and no longer holds it: handed over once.
        NonNull::new(old).map(|p| unsafe { OwnedNode::from_raw(p) })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Host seam for `rust/trie.rs`: the same API as the kernel's `rust/platform.rs`, built on
//! `std` and crossbeam-epoch.
//!
//! - [`RcuGuard`] is a pinned epoch (a real read-side section).
//! - [`RcuArc`] frees its allocation through `defer_unchecked`, i.e. only after every thread that
//!   was pinned when the last count went away has unpinned (a real deferred free).
//! - Fallible allocation is `std`'s, with fault injection for tests: see [`fail_allocs_after`].

use std::alloc::Layout;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::{
    self,
    NonNull, //
};
use std::sync::atomic::{
    fence,
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
}

impl<T> Clone for RcuArc<T> {
    fn clone(&self) -> Self {
        // SAFETY: By the invariants the object is live while `self` counts it.
        unsafe { self.ptr.as_ref() }
            .refs
            .fetch_add(1, Ordering::Relaxed);
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
        // SAFETY: By the invariants the object is live while `self` counts it.
        unsafe { &self.ptr.as_ref().value }
    }
}

impl<T> Drop for RcuArc<T> {
    fn drop(&mut self) {
        // SAFETY: By the invariants the object is live while `self` counts it.
        if unsafe { self.ptr.as_ref() }
            .refs
            .fetch_sub(1, Ordering::Release)
            != 1
        {
            return;
        }
        fence(Ordering::Acquire);
        // The last count is gone: no slot holds the object any more, so new readers cannot reach
        // it; free it once the current ones are done.
        let p = SendPtr(self.ptr.as_ptr());
        PENDING.fetch_add(1, Ordering::Relaxed);
        let g = crossbeam_epoch::pin();
        // SAFETY: The closure frees an unreachable object that nothing else frees (the count hit
        // zero once), after every thread pinned now has unpinned; `p` came from `Box::leak` in
        // `try_new`. The value is `Send` (`try_new`) so it may be dropped on any thread, and
        // `'static`, so it may outlive this function.
        unsafe {
            g.defer_unchecked(move || {
                let p = p;
                drop(Box::from_raw(p.0));
                PENDING.fetch_sub(1, Ordering::Release);
            });
        }
    }
}

struct SendPtr<T>(*mut ArcInner<T>);

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

/// An object found through an [`RcuSlot`] under an [`RcuGuard`]: readable for as long as the
/// guard, and able to take a count of its own while the object is still counted somewhere.
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

    /// A new counted handle on the object, unless its last count is gone (it was unpublished
    /// and nothing else counts it: it only waits for the grace period to be freed).
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

/// An atomic pointer to an [`RcuArc`] object, holding one count on it.
///
/// # Invariants
///
/// `ptr` is null or comes from [`RcuArc::into_raw`]; the slot owns that count.
pub(crate) struct RcuSlot<T> {
    ptr: AtomicPtr<ArcInner<T>>,
    _p: PhantomData<RcuArc<T>>,
}

// SAFETY: Like `RcuArc<T>`, which it owns.
unsafe impl<T: Send + Sync> Send for RcuSlot<T> {}
// SAFETY: All access is through atomics.
unsafe impl<T: Send + Sync> Sync for RcuSlot<T> {}

impl<T> RcuSlot<T> {
    /// An empty slot.
    pub(crate) const fn empty() -> Self {
        RcuSlot {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// The current object, readable for as long as the guard.
    #[inline(always)]
    pub(crate) fn load<'g>(&'g self, g: &'g RcuGuard) -> Option<RcuRef<'g, T>> {
        self.load_inner(g).map(|inner| RcuRef { inner })
    }

    /// A new counted handle on the current object (`None` if empty, or if a concurrent writer
    /// just dropped its last count).
    pub(crate) fn load_arc(&self, g: &RcuGuard) -> Option<RcuArc<T>> {
        self.load(g)?.to_arc()
    }

    fn load_inner<'g>(&'g self, _g: &'g RcuGuard) -> Option<&'g ArcInner<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: The slot counted the object when it was loaded; even if that count goes away,
        // the memory is freed only after the guard's section ends.
        unsafe { p.as_ref() }
    }

    /// Publishes `v` (release) and returns the previous object with the slot's count on it.
    pub(crate) fn swap(&self, v: Option<RcuArc<T>>) -> Option<RcuArc<T>> {
        let new = v.map_or(ptr::null_mut(), RcuArc::into_raw);
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: By the invariants `old` is null or carries the slot's count, now ours.
        unsafe { RcuArc::from_raw(old) }
    }
}

impl<T> Drop for RcuSlot<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        // SAFETY: By the invariants `p` is null or carries the slot's count.
        drop(unsafe { RcuArc::from_raw(p) });
    }
}

/// The allocation behind an [`RcuNode`]: the counts, the header, then (in the same allocation)
/// `nvals` value slots and `nkids` child slots, all pointer-sized.
#[repr(C)]
struct NodeInner<H, A> {
    refs: AtomicUsize,
    nvals: u16,
    nkids: u16,
    header: H,
    _p: PhantomData<(RcuSlot<A>, NodeSlot<H, A>)>,
}

/// The layout of a node with `n` slots.
fn node_layout<H, A>(n: usize) -> Option<Layout> {
    let (layout, _) = Layout::new::<NodeInner<H, A>>()
        .extend(Layout::array::<RcuSlot<A>>(n).ok()?)
        .ok()?;
    Some(layout.pad_to_align())
}

/// Byte offset of a node's first slot (where [`node_layout`] puts it for any `n`).
const fn tail_offset<H, A>() -> usize {
    core::mem::size_of::<NodeInner<H, A>>().next_multiple_of(core::mem::align_of::<RcuSlot<A>>())
}

/// A counted tree node in one allocation: a header `H`, value slots ([`RcuSlot<A>`]) and child
/// slots ([`NodeSlot<H, A>`]), freed after a grace period once the last count is dropped (as
/// [`RcuArc`]). A new node's slots are empty; the builder fills them before publishing it.
///
/// # Invariants
///
/// `ptr` points at a live node allocated by [`RcuNode::try_new`], on which this handle owns
/// one count. Its `nvals + nkids` slots follow the header and are initialized.
pub(crate) struct RcuNode<H, A> {
    ptr: NonNull<NodeInner<H, A>>,
    _p: PhantomData<NodeInner<H, A>>,
}

// SAFETY: As for `RcuArc`: the node is shared (`Sync`) and dropped anywhere (`Send`).
unsafe impl<H: Send + Sync, A: Send + Sync> Send for RcuNode<H, A> {}
// SAFETY: As above.
unsafe impl<H: Send + Sync, A: Send + Sync> Sync for RcuNode<H, A> {}

/// A node borrowed for `'a` (a guard or a counted handle keeps it alive).
///
/// # Invariants
///
/// `ptr` points at a node as described by [`RcuNode`]'s invariants that stays live for `'a`.
pub(crate) struct NodeRef<'a, H, A> {
    ptr: NonNull<NodeInner<H, A>>,
    _p: PhantomData<&'a NodeInner<H, A>>,
}

impl<H, A> Clone for NodeRef<'_, H, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H, A> Copy for NodeRef<'_, H, A> {}

impl<'a, H, A> NodeRef<'a, H, A> {
    #[inline(always)]
    fn inner(self) -> &'a NodeInner<H, A> {
        // SAFETY: By the type invariants the node is live for `'a`.
        unsafe { self.ptr.as_ref() }
    }

    /// The node's header.
    #[inline(always)]
    pub(crate) fn header(self) -> &'a H {
        &self.inner().header
    }

    /// Slot `i` (value slots first, then child slots) as a raw pointer with the provenance of
    /// the whole allocation.
    #[inline(always)]
    fn slot_ptr(self, i: usize) -> *mut u8 {
        self.ptr
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(tail_offset::<H, A>() + i * core::mem::size_of::<RcuSlot<A>>())
    }

    /// The value slots.
    #[inline(always)]
    pub(crate) fn vals(self) -> &'a [RcuSlot<A>] {
        let n = usize::from(self.inner().nvals);
        // SAFETY: By the type invariants `n` initialized value slots start at the tail and live
        // for `'a`; they are only changed through atomics.
        unsafe { std::slice::from_raw_parts(self.slot_ptr(0).cast::<RcuSlot<A>>(), n) }
    }

    /// The child slots.
    #[inline(always)]
    pub(crate) fn kids(self) -> &'a [NodeSlot<H, A>] {
        let inner = self.inner();
        let first = self.slot_ptr(usize::from(inner.nvals));
        // SAFETY: By the type invariants `nkids` initialized child slots follow the value slots
        // (both are one pointer in size and alignment) and live for `'a`.
        unsafe {
            std::slice::from_raw_parts(first.cast::<NodeSlot<H, A>>(), usize::from(inner.nkids))
        }
    }
}

impl<H: Send + Sync + 'static, A: Send + Sync + 'static> RcuNode<H, A> {
    /// Allocates a node with `header`, `nvals` empty value slots and `nkids` empty child slots.
    pub(crate) fn try_new(header: H, nvals: usize, nkids: usize) -> Result<Self, AllocError> {
        let nv = u16::try_from(nvals).map_err(|_| AllocError)?;
        let nk = u16::try_from(nkids).map_err(|_| AllocError)?;
        let layout = node_layout::<H, A>(nvals + nkids).ok_or(AllocError)?;
        may_alloc()?;
        // SAFETY: The layout is not zero-sized (it holds the counts).
        let p = unsafe { std::alloc::alloc(layout) };
        let p = NonNull::new(p).ok_or(AllocError)?;
        let inner = p.cast::<NodeInner<H, A>>();
        // SAFETY: `inner` is a fresh allocation of `layout`, which starts with a `NodeInner`.
        unsafe {
            inner.as_ptr().write(NodeInner {
                refs: AtomicUsize::new(1),
                nvals: nv,
                nkids: nk,
                header,
                _p: PhantomData,
            })
        };
        let r = NodeRef::<'_, H, A> {
            ptr: inner,
            _p: PhantomData,
        };
        for i in 0..nvals + nkids {
            // Value and child slots alike are an empty `AtomicPtr`.
            let slot = r.slot_ptr(i);
            // SAFETY: Slot `i` lies within the allocation (the layout holds `nvals + nkids`) and
            // is aligned (the layout aligns the array); it is written once.
            unsafe { slot.cast::<RcuSlot<A>>().write(RcuSlot::empty()) };
        }
        // INVARIANT: A fresh, initialized node whose one count the handle owns.
        Ok(RcuNode {
            ptr: inner,
            _p: PhantomData,
        })
    }
}

impl<H, A> RcuNode<H, A> {
    /// The node, borrowed for as long as this handle.
    #[inline(always)]
    pub(crate) fn get(&self) -> NodeRef<'_, H, A> {
        // INVARIANT: The handle's count keeps the node live while it is borrowed.
        NodeRef {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }

    fn into_raw(self) -> *mut NodeInner<H, A> {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// # Safety
    ///
    /// `p` must be null or come from [`RcuNode::into_raw`], whose count is transferred.
    unsafe fn from_raw(p: *mut NodeInner<H, A>) -> Option<Self> {
        NonNull::new(p).map(|ptr| RcuNode {
            ptr,
            _p: PhantomData,
        })
    }
}

impl<H, A> Clone for RcuNode<H, A> {
    fn clone(&self) -> Self {
        self.get().inner().refs.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: The count just taken is owned by the new handle.
        RcuNode {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }
}

struct SendNode<H, A>(*mut NodeInner<H, A>);

/// Drops a node's slots and header and frees it.
///
/// # Safety
///
/// `p` must be an unreachable node (see [`RcuNode`]) that nothing else frees or uses.
unsafe fn free_node<H, A>(p: *mut NodeInner<H, A>) {
    let r = NodeRef::<'_, H, A> {
        // SAFETY: `p` is not null (safety requirements).
        ptr: unsafe { NonNull::new_unchecked(p) },
        _p: PhantomData,
    };
    let nvals = r.vals().len();
    let n = nvals + r.kids().len();
    for i in 0..n {
        let slot = r.slot_ptr(i);
        if i < nvals {
            // SAFETY: An initialized value slot that nothing uses any more, dropped once.
            unsafe { ptr::drop_in_place(slot.cast::<RcuSlot<A>>()) };
        } else {
            // SAFETY: As above, a child slot.
            unsafe { ptr::drop_in_place(slot.cast::<NodeSlot<H, A>>()) };
        }
    }
    // SAFETY: The header is initialized and dropped once.
    unsafe { ptr::drop_in_place(&raw mut (*p).header) };
    if let Some(layout) = node_layout::<H, A>(n) {
        // SAFETY: `p` was allocated with this layout by `try_new`.
        unsafe { std::alloc::dealloc(p.cast(), layout) };
    }
}

impl<H, A> Drop for RcuNode<H, A> {
    fn drop(&mut self) {
        if self.get().inner().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let p = SendNode(self.ptr.as_ptr());
        PENDING.fetch_add(1, Ordering::Relaxed);
        let g = crossbeam_epoch::pin();
        // SAFETY: As for `RcuArc`: the node is unreachable for new readers (its count hit zero
        // once) and freed after every thread pinned now has unpinned. `H` and `A` are `Send`
        // and `'static` (`try_new`).
        unsafe {
            g.defer_unchecked(move || {
                let p = p;
                free_node(p.0);
                PENDING.fetch_sub(1, Ordering::Release);
            });
        }
    }
}

/// An atomic pointer to an [`RcuNode`] (or null), holding one count on it.
///
/// # Invariants
///
/// `ptr` is null or comes from [`RcuNode::into_raw`]; the slot owns that count.
pub(crate) struct NodeSlot<H, A> {
    ptr: AtomicPtr<NodeInner<H, A>>,
    _p: PhantomData<RcuNode<H, A>>,
}

// SAFETY: Like `RcuNode`, which it owns.
unsafe impl<H: Send + Sync, A: Send + Sync> Send for NodeSlot<H, A> {}
// SAFETY: All access is through atomics.
unsafe impl<H: Send + Sync, A: Send + Sync> Sync for NodeSlot<H, A> {}

impl<H, A> NodeSlot<H, A> {
    /// An empty slot.
    pub(crate) const fn empty() -> Self {
        NodeSlot {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// The current node, valid for as long as the guard.
    #[inline(always)]
    pub(crate) fn load<'g>(&'g self, _g: &'g RcuGuard) -> Option<NodeRef<'g, H, A>> {
        let p = self.ptr.load(Ordering::Acquire);
        // INVARIANT: The slot counted the node when it was loaded; even if that count goes
        // away, the memory is freed only after the guard's section ends.
        NonNull::new(p).map(|ptr| NodeRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// A new counted handle on the current node.
    pub(crate) fn load_arc(&self, g: &RcuGuard) -> Option<RcuNode<H, A>> {
        let r = self.load(g)?;
        if !take_count(&r.inner().refs) {
            return None;
        }
        // INVARIANT: The count just taken is owned by the new handle.
        Some(RcuNode {
            ptr: r.ptr,
            _p: PhantomData,
        })
    }

    /// Publishes `v` (release) and returns the previous node with the slot's count on it.
    pub(crate) fn swap(&self, v: Option<RcuNode<H, A>>) -> Option<RcuNode<H, A>> {
        let new = v.map_or(ptr::null_mut(), RcuNode::into_raw);
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: By the invariants `old` is null or carries the slot's count, now ours.
        unsafe { RcuNode::from_raw(old) }
    }
}

impl<H, A> Drop for NodeSlot<H, A> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        // SAFETY: By the invariants `p` is null or carries the slot's count.
        drop(unsafe { RcuNode::from_raw(p) });
    }
}

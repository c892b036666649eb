// SPDX-License-Identifier: GPL-2.0

//! Host seam for `rust/trie.rs`: the same API as the kernel's `rust/platform.rs`, built on
//! `std` and crossbeam-epoch.
//!
//! The RCU objects ([`RcuArc`], [`RcuRef`](rcu_node::RcuRef), [`TrieValue`] and the trie's nodes: [`NodeTree`],
//! [`NodeRef`], [`OwnedNode`], [`TreeWriter`]) are the kernel's own source, `rust/rcu_node.rs`,
//! included here as in the kernel; this file gives them what differs (see "The seam" below):
//!
//! - [`RcuGuard`] is a pinned epoch (a real read-side section).
//! - A retired node's memory, and an [`RcuArc`] whose last count went, are freed through
//!   `defer_unchecked`, i.e. only after every thread that was pinned then has unpinned (a real
//!   deferred free).
//! - Fallible allocation is `std`'s, with fault injection for tests: see [`fail_allocs_after`].
//! - [`live_nodes`] counts the nodes allocated and not freed yet, for the tests of who frees
//!   what.

use std::alloc::Layout;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{
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

/// The set bits of `x` (the kernel's seam uses POPCNT where the CPU has it;
/// the host build counts as its target allows).
#[inline(always)]
pub(crate) fn popcount(x: u64) -> u32 {
    x.count_ones()
}

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

#[path = "../../../rust/rcu_node.rs"]
mod rcu_node;

use rcu_node::{
    ArcInner,
    RcuFree, //
};
pub(crate) use rcu_node::{
    Edit,
    NodeRef,
    NodeTree,
    OwnedNode,
    RcuArc,
    TreeWriter,
    TrieValue, //
};

// The seam: what `rcu_node` takes from the host.

/// What a deferred free needs inside each object: nothing, crossbeam-epoch keeps its own.
type RcuHead = ();

/// A fresh [`RcuHead`].
#[inline]
fn rcu_head() -> RcuHead {}

/// Runs [`RcuFree::free`] on `obj` once every thread pinned now has unpinned (a grace period),
/// on whichever thread collects it then.
///
/// # Safety
///
/// `obj` is live, unreachable for readers that pin from now on, and handed over once; what
/// [`RcuFree::free`] drops is fine to drop on any thread, later.
unsafe fn defer_free<T: RcuFree>(obj: NonNull<T>) {
    PENDING.fetch_add(1, Ordering::Relaxed);
    let free = move || {
        // SAFETY: The grace period is over, so nothing reaches `obj` any more, and only this
        // frees it (safety requirements).
        unsafe { T::free(obj) };
        PENDING.fetch_sub(1, Ordering::Release);
    };
    let g = crossbeam_epoch::pin();
    // SAFETY: `free` borrows nothing and may run on any thread (safety requirements);
    // crossbeam-epoch runs it only after every thread pinned now has unpinned.
    unsafe { g.defer_unchecked(free) };
}

/// Memory for a trie node, of `layout`.
#[inline]
fn alloc_node(layout: Layout) -> Result<NonNull<u8>, AllocError> {
    may_alloc()?;
    if layout.size() == 0 {
        return Err(AllocError);
    }
    // SAFETY: The layout is not zero-sized.
    let p = NonNull::new(unsafe { std::alloc::alloc(layout) }).ok_or(AllocError)?;
    LIVE_NODES.fetch_add(1, Ordering::Relaxed);
    Ok(p)
}

/// Frees a trie node's memory.
///
/// # Safety
///
/// `ptr` comes from [`alloc_node`] with `layout`, and nothing uses it any more.
unsafe fn free_node(ptr: NonNull<u8>, layout: Layout) {
    // SAFETY: `alloc_node` allocated `ptr` with `layout` (safety requirements); freed once.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
    LIVE_NODES.fetch_sub(1, Ordering::Release);
}

/// Drops an [`RcuArc`]'s value and frees its memory.
///
/// # Safety
///
/// `ptr` is an `ArcInner<T>` of [`RcuArc::try_new`] that nothing reaches any more and nothing
/// else frees.
unsafe fn free_arc<T>(ptr: NonNull<ArcInner<T>>) {
    // SAFETY: `ptr` came from `Box::leak` in `try_new`, and is freed once (safety
    // requirements).
    drop(unsafe { Box::from_raw(ptr.as_ptr()) });
}

impl<T: Send + Sync + 'static> RcuArc<T> {
    /// Allocates a new object with one count.
    #[cfg_attr(not(test), expect(dead_code))]
    pub(crate) fn try_new(value: T) -> Result<Self, AllocError> {
        may_alloc()?;
        let b = Box::new(ArcInner {
            refs: AtomicUsize::new(1),
            value,
            head: rcu_head(),
        });
        // INVARIANT: A fresh allocation with its one count owned by the handle, which
        // `free_arc` frees; its value is `Send + Sync + 'static`.
        Ok(RcuArc {
            ptr: NonNull::from(Box::leak(b)),
            _p: PhantomData,
        })
    }
}

impl<T> RcuArc<T> {
    /// The object's count now (a snapshot), for tests of who holds what.
    #[allow(dead_code, reason = "tests/lifetimes.rs reads it")]
    pub(crate) fn count(this: &Self) -> usize {
        this.inner().refs.load(Ordering::Acquire)
    }
}

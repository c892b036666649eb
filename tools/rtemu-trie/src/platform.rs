// SPDX-License-Identifier: GPL-2.0

//! Host seam for `rust/trie.rs`: the same API as the kernel's `rust/platform.rs`, built on
//! `std` and crossbeam-epoch.
//!
//! - [`RcuGuard`] is a pinned epoch (a real read-side section).
//! - [`RcuArc`] frees its allocation through `defer_unchecked`, i.e. only after every thread that
//!   was pinned when the last count went away has unpinned (a real deferred free).
//! - Fallible allocation is `std`'s, with fault injection for tests: see [`fail_allocs_after`].

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

    /// A slot holding `v`.
    pub(crate) fn new(v: Option<RcuArc<T>>) -> Self {
        RcuSlot {
            ptr: AtomicPtr::new(v.map_or(ptr::null_mut(), RcuArc::into_raw)),
            _p: PhantomData,
        }
    }

    /// The current object, valid for as long as the guard.
    #[inline(always)]
    pub(crate) fn load<'g>(&'g self, _g: &'g RcuGuard) -> Option<&'g T> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: The slot counted the object when it was loaded; even if that count goes away,
        // the memory is freed only after the guard's section ends.
        unsafe { p.as_ref() }.map(|i| &i.value)
    }

    /// A new counted handle on the current object.
    pub(crate) fn load_arc(&self, g: &RcuGuard) -> Option<RcuArc<T>> {
        let inner = self.load_inner(g)?;
        let mut n = inner.refs.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            match inner
                .refs
                .compare_exchange_weak(n, n + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(m) => n = m,
            }
        }
        // INVARIANT: The count just taken is owned by the new handle.
        Some(RcuArc {
            ptr: NonNull::from(inner),
            _p: PhantomData,
        })
    }

    fn load_inner<'g>(&'g self, _g: &'g RcuGuard) -> Option<&'g ArcInner<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: As in `load`.
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

/// A heap array of fixed capacity, allocated fallibly.
pub(crate) struct FixedVec<T>(Vec<T>);

impl<T> FixedVec<T> {
    /// An empty array with room for `n` elements (no allocation when `n == 0`).
    pub(crate) fn try_with_capacity(n: usize) -> Result<Self, AllocError> {
        if n == 0 {
            return Ok(FixedVec(Vec::new()));
        }
        may_alloc()?;
        let mut v = Vec::new();
        v.try_reserve_exact(n).map_err(|_| AllocError)?;
        Ok(FixedVec(v))
    }

    /// Appends `x`, or gives it back when the array is full.
    pub(crate) fn push(&mut self, x: T) -> Result<(), T> {
        if self.0.len() == self.0.capacity() {
            return Err(x);
        }
        self.0.push(x);
        Ok(())
    }
}

impl<T> Deref for FixedVec<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

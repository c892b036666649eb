// SPDX-License-Identifier: GPL-2.0

//! The kernel seam under `trie.rs`: RCU read-side guards, counted objects freed with
//! `call_rcu`, atomic RCU pointer slots and fallible `GFP_KERNEL_ACCOUNT` arrays.
//!
//! Allocations are charged to the memory cgroup of the task that adds routes.
//!
//! All `unsafe` of the trie lives here. The host crate `tools/rtemu-trie` has a seam with the same
//! API (`std` and crossbeam-epoch), so that `trie.rs` is one source built in both places.
//!
//! Deferred frees run in RCU callback (softirq) context, so the values stored in a trie must be
//! safe to drop there. Before the module's code goes away, call [`rcu_drain`] after the last
//! trie was dropped: freeing a node may release its children, which queues more callbacks.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::{
    self,
    NonNull, //
};
use core::sync::atomic::{
    fence,
    AtomicPtr,
    AtomicUsize,
    Ordering, //
};

use kernel::alloc::{
    flags::GFP_KERNEL_ACCOUNT,
    KBox,
    KVec, //
};
use kernel::bindings;
use kernel::sync::rcu;

pub(crate) use kernel::alloc::AllocError;

/// Objects whose `call_rcu` callback has not run yet.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Waits until every deferred free queued by this module has run, including those queued by
/// other deferred frees. Sleeps; call from process context without locks held (module exit).
pub(crate) fn rcu_drain() {
    while PENDING.load(Ordering::Acquire) != 0 {
        rcu::rcu_barrier();
    }
}

/// Evidence that the RCU read side lock is held on the current CPU.
///
/// References obtained from an [`RcuSlot`] under a guard live as long as the guard.
pub(crate) struct RcuGuard(rcu::Guard);

impl RcuGuard {
    /// Enters an RCU read-side critical section (`rcu_read_lock()`).
    #[inline]
    pub(crate) fn new() -> Self {
        RcuGuard(rcu::read_lock())
    }
}

impl Default for RcuGuard {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

/// The allocation behind an [`RcuArc`]. `head` comes first so that the `call_rcu` callback can
/// turn the `callback_head` pointer back into the allocation.
#[repr(C)]
struct ArcInner<T> {
    head: UnsafeCell<bindings::callback_head>,
    refs: AtomicUsize,
    value: T,
}

/// A counted, immutable heap object whose memory is freed with `call_rcu` once the last count is
/// dropped: readers inside an RCU read-side section that found it through an [`RcuSlot`] can
/// keep using it until their section ends.
///
/// # Invariants
///
/// `ptr` points at a live `ArcInner<T>` allocated by [`KBox`], on which this handle owns one
/// count. `T` is `Send + Sync + 'static` (only [`RcuArc::try_new`] creates objects).
pub(crate) struct RcuArc<T> {
    ptr: NonNull<ArcInner<T>>,
    _p: PhantomData<ArcInner<T>>,
}

// SAFETY: The value is shared between CPUs (`Sync`) and dropped in whichever context frees it
// (`Send`); `try_new` only accepts such values.
unsafe impl<T: Send + Sync> Send for RcuArc<T> {}
// SAFETY: As above; the count is atomic.
unsafe impl<T: Send + Sync> Sync for RcuArc<T> {}

impl<T: Send + Sync + 'static> RcuArc<T> {
    /// Allocates a new object with one count (`GFP_KERNEL_ACCOUNT`: may sleep).
    pub(crate) fn try_new(value: T) -> Result<Self, AllocError> {
        let b = KBox::new(
            ArcInner {
                head: UnsafeCell::new(bindings::callback_head::default()),
                refs: AtomicUsize::new(1),
                value,
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        // INVARIANT: A fresh `KBox` allocation whose one count the handle owns.
        Ok(RcuArc {
            // SAFETY: `KBox::into_raw` never returns null.
            ptr: unsafe { NonNull::new_unchecked(KBox::into_raw(b)) },
            _p: PhantomData,
        })
    }
}

impl<T> RcuArc<T> {
    /// Gives up the handle without dropping its count.
    fn into_raw(self) -> *mut ArcInner<T> {
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
    unsafe fn from_raw(p: *mut ArcInner<T>) -> Option<Self> {
        // INVARIANT: By the safety requirements the count is transferred to the new handle.
        NonNull::new(p).map(|ptr| RcuArc {
            ptr,
            _p: PhantomData,
        })
    }

    #[inline]
    fn inner(&self) -> &ArcInner<T> {
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

/// Frees an [`RcuArc`] allocation after its grace period.
///
/// # Safety
///
/// `head` must be the `head` field of an `ArcInner<T>` allocated by [`KBox`] whose last count
/// was dropped, passed to `call_rcu` exactly once.
unsafe extern "C" fn free_cb<T>(head: *mut bindings::callback_head) {
    // `head` is the first field of the `#[repr(C)]` `ArcInner<T>` (and `UnsafeCell` is
    // `#[repr(transparent)]`), so the pointers are the same.
    let p = head.cast::<ArcInner<T>>();
    // SAFETY: By the safety requirements `p` is an unreachable `KBox` allocation that nothing
    // else frees; dropping `T` here is allowed since `T: Send` (type invariant of `RcuArc`).
    drop(unsafe { KBox::from_raw(p) });
    PENDING.fetch_sub(1, Ordering::Release);
}

impl<T> Drop for RcuArc<T> {
    fn drop(&mut self) {
        if self.inner().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // The last count is gone: no slot holds the object any more, so readers that start from
        // now on cannot reach it; free it after the current ones are done. Readers may still
        // read `value` and `refs`, never `head`, which is in an `UnsafeCell` anyway.
        PENDING.fetch_add(1, Ordering::Relaxed);
        let p = self.ptr.as_ptr();
        // SAFETY: `p` is live (the count was ours until now); its `head` is passed to `call_rcu`
        // once, as the count reaches zero only once. `free_cb::<T>` matches the allocation.
        unsafe {
            bindings::call_rcu(
                UnsafeCell::raw_get(&raw const (*p).head),
                Some(free_cb::<T>),
            )
        };
    }
}

/// An atomic pointer to an [`RcuArc`] object (or null), holding one count on it.
///
/// Loads under an [`RcuGuard`] are acquire loads (the `rcu_dereference` side); [`RcuSlot::swap`]
/// is the release store that publishes (`rcu_assign_pointer`).
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
// SAFETY: All access to the pointer is atomic; the object is `RcuArc`-like.
unsafe impl<T: Send + Sync> Sync for RcuSlot<T> {}

impl<T> RcuSlot<T> {
    /// An empty slot.
    pub(crate) const fn empty() -> Self {
        // INVARIANT: null.
        RcuSlot {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// A slot holding `v`.
    pub(crate) fn new(v: Option<RcuArc<T>>) -> Self {
        // INVARIANT: `v`'s count moves into the slot.
        RcuSlot {
            ptr: AtomicPtr::new(v.map_or(ptr::null_mut(), RcuArc::into_raw)),
            _p: PhantomData,
        }
    }

    #[inline(always)]
    fn load_inner<'g>(&'g self, _g: &'g RcuGuard) -> Option<&'g ArcInner<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: The slot counted the object when it was loaded, so it was live; even if that
        // count goes away now, the memory is freed with `call_rcu`, i.e. only after the read-side
        // section that the guard proves has ended, and the guard outlives `'g`.
        unsafe { p.as_ref() }
    }

    /// The current object; the reference is valid for as long as the guard.
    #[inline(always)]
    pub(crate) fn load<'g>(&'g self, g: &'g RcuGuard) -> Option<&'g T> {
        self.load_inner(g).map(|i| &i.value)
    }

    /// A new counted handle on the current object (`None` if empty, or if a concurrent writer
    /// just dropped its last count).
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
        // INVARIANT: The count just taken (from a non-zero one) is owned by the new handle.
        Some(RcuArc {
            ptr: NonNull::from(inner),
            _p: PhantomData,
        })
    }

    /// Publishes `v` (release) and returns the previous object with the slot's count on it.
    pub(crate) fn swap(&self, v: Option<RcuArc<T>>) -> Option<RcuArc<T>> {
        let new = v.map_or(ptr::null_mut(), RcuArc::into_raw);
        // INVARIANT: `new`'s count moves into the slot.
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: By the type invariants `old` is null or carries the slot's count, now ours.
        unsafe { RcuArc::from_raw(old) }
    }
}

impl<T> Drop for RcuSlot<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        // SAFETY: By the type invariants `p` is null or carries the slot's count.
        drop(unsafe { RcuArc::from_raw(p) });
    }
}

/// A `GFP_KERNEL_ACCOUNT` array of fixed capacity.
pub(crate) struct FixedVec<T>(KVec<T>);

impl<T> FixedVec<T> {
    /// An empty array with room for `n` elements (no allocation when `n == 0`).
    pub(crate) fn try_with_capacity(n: usize) -> Result<Self, AllocError> {
        Ok(FixedVec(KVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?))
    }

    /// Appends `x`, or gives it back when the array is full. Never allocates.
    pub(crate) fn push(&mut self, x: T) -> Result<(), T> {
        self.0.push_within_capacity(x).map_err(|e| e.0)
    }
}

impl<T> Deref for FixedVec<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.0.as_slice()
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The kernel seam under `trie.rs`: RCU read-side guards, counted objects freed with
//! `call_rcu`, atomic RCU pointer slots and fallible arrays; and [`RouteAlloc`], the allocator of
//! everything a route adds.
//!
//! Route allocations are charged to the memory cgroup of the task that adds routes, and fail
//! (instead of invoking the memory cgroup's OOM killer) when that cgroup is at its limit.
//!
//! All `unsafe` of the trie lives here. The host crate `tools/rtemu-trie` has a seam with the same
//! API (`std` and crossbeam-epoch), so that `trie.rs` is one source built in both places.
//!
//! Deferred frees run in RCU callback (softirq) context, so the values stored in a trie must be
//! safe to drop there. Before the module's code goes away, call [`rcu_drain`] after the last
//! trie was dropped: freeing a node may release its children, which queues more callbacks.

use core::alloc::Layout;
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
    flags::{
        __GFP_ZERO, //
        GFP_KERNEL,
        GFP_KERNEL_ACCOUNT,
    },
    Allocator,
    Box,
    Flags,
    NumaNode,
    Vec, //
};
use kernel::bindings;
use kernel::sync::rcu;
use pin_init::PinInit;

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

/// `__GFP_NORETRY` and `__GFP_ACCOUNT`, which `kernel::alloc::flags` does not offer.
const GFP_NORETRY: bindings::gfp_t = 1 << bindings::___GFP_NORETRY_BIT;
const GFP_ACCOUNT: bindings::gfp_t = 1 << bindings::___GFP_ACCOUNT_BIT;

/// The allocator of route objects: `kmalloc` memory charged to the caller's memory cgroup that
/// fails when the cgroup is at its limit.
///
/// A plain `GFP_KERNEL_ACCOUNT` charge over the cgroup's `memory.max` invokes the cgroup's OOM
/// killer and retries; a route add must fail with `ENOMEM` instead. So allocations that may sleep
/// (`flags` has all of [`GFP_KERNEL`]) use `GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN`:
/// reclaim once, then give up. Others use `GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN`, which
/// never reaches into atomic reserves or over the limit. Of `flags` only that and [`__GFP_ZERO`]
/// count. Otherwise it behaves as the kernel's `Kmalloc` (same alignment rules, same
/// `krealloc_node_align`), so memory from one may not be passed to the other.
pub(crate) struct RouteAlloc;

/// A box of route memory.
pub(crate) type RBox<T> = Box<T, RouteAlloc>;
/// A vector of route memory.
pub(crate) type RVec<T> = Vec<T, RouteAlloc>;

// SAFETY: `realloc` hands `krealloc_node_align` only null or live `kmalloc` memory (the
// allocator's own: `kmalloc` and `krealloc` are one allocator) and returns what it returns:
// memory that stays valid until passed back, aligned as `Kmalloc` guarantees for a layout padded
// to its alignment, its contents kept up to the smaller size, the old buffer untouched on
// failure. `MIN_ALIGN` is `kmalloc`'s.
unsafe impl Allocator for RouteAlloc {
    const MIN_ALIGN: usize = bindings::ARCH_KMALLOC_MINALIGN;

    unsafe fn realloc(
        ptr: Option<NonNull<u8>>,
        layout: Layout,
        old_layout: Layout,
        flags: Flags,
        _nid: NumaNode,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // As `Kmalloc`: a size that is a multiple of the alignment gets an aligned object.
        let layout = layout.pad_to_align();
        let size = layout.size();
        // A zero-sized old layout means a dangling pointer, not an allocation.
        let old = match ptr {
            Some(p) if old_layout.size() != 0 => p.as_ptr(),
            _ => ptr::null_mut(),
        };
        if size == 0 {
            // SAFETY: `old` is null or a live allocation of this allocator (safety requirements
            // of `realloc`), which the caller gives up.
            unsafe { bindings::kfree(old.cast()) };
            let dangling = ptr::without_provenance_mut::<u8>(layout.align());
            return NonNull::new(dangling)
                .map(|p| NonNull::slice_from_raw_parts(p, 0))
                .ok_or(AllocError);
        }
        let mut gfp = if flags.contains(GFP_KERNEL) {
            bindings::GFP_KERNEL_ACCOUNT | GFP_NORETRY
        } else {
            bindings::GFP_NOWAIT | GFP_ACCOUNT
        };
        gfp |= bindings::__GFP_NOWARN;
        if flags.contains(__GFP_ZERO) {
            gfp |= bindings::__GFP_ZERO;
        }
        // SAFETY: `old` is null or a live allocation of this allocator, which `krealloc` frees
        // only on success; `size` is not zero.
        let p = unsafe {
            bindings::krealloc_node_align(
                old.cast(),
                size,
                layout.align(),
                gfp,
                bindings::NUMA_NO_NODE,
            )
        };
        NonNull::new(p.cast::<u8>())
            .map(|p| NonNull::slice_from_raw_parts(p, size))
            .ok_or(AllocError)
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
/// `ptr` points at a live `ArcInner<T>` allocated by [`RBox`], on which this handle owns one
/// count. `T` is `Send + Sync + 'static` (only [`RcuArc::pin_init`] creates objects). The value
/// is pinned: it stays where it was initialized until it is dropped in place.
pub(crate) struct RcuArc<T> {
    ptr: NonNull<ArcInner<T>>,
    _p: PhantomData<ArcInner<T>>,
}

// SAFETY: The value is shared between CPUs (`Sync`) and dropped in whichever context frees it
// (`Send`); `pin_init` only accepts such values.
unsafe impl<T: Send + Sync> Send for RcuArc<T> {}
// SAFETY: Shared handles only read the value (`T: Sync`) and change the count, which is atomic;
// the last one may drop the value on another CPU (`T: Send`).
unsafe impl<T: Send + Sync> Sync for RcuArc<T> {}

impl<T: Send + Sync + 'static> RcuArc<T> {
    /// Allocates a new object with one count ([`RouteAlloc`]: may sleep).
    pub(crate) fn try_new(value: T) -> Result<Self, AllocError> {
        Self::pin_init(value)
    }

    /// Allocates a new object with one count and initializes its value in place
    /// ([`RouteAlloc`]: may sleep). The value never moves, so it may be `!Unpin`.
    pub(crate) fn pin_init(init: impl PinInit<T>) -> Result<Self, AllocError> {
        let mut b = RBox::<ArcInner<T>>::new_uninit(GFP_KERNEL_ACCOUNT)?;
        let p = b.as_mut_ptr();
        // SAFETY: `p` points to an allocation of an `ArcInner<T>`; projecting a field makes no
        // reference to the uninitialized memory.
        let head = unsafe { &raw mut (*p).head };
        // SAFETY: as for `head`, the projection of an allocated field.
        let refs = unsafe { &raw mut (*p).refs };
        // SAFETY: as for `head`, the projection of an allocated field.
        let value = unsafe { &raw mut (*p).value };
        // SAFETY: `head` is valid for writes and written once.
        unsafe { head.write(UnsafeCell::new(bindings::callback_head::default())) };
        // SAFETY: `refs` is valid for writes and written once.
        unsafe { refs.write(AtomicUsize::new(1)) };
        // SAFETY: `value` is valid for writes and initialized in place, where it stays until
        // `free_cb` drops it (nothing moves it out), so it is pinned as `raw_init` requires.
        unsafe { pin_init::raw_init(value, init) };
        // SAFETY: Every field was initialized above.
        let b = unsafe { b.assume_init() };
        // INVARIANT: A fresh `RBox` allocation whose one count the handle owns; its value was
        // initialized in place.
        Ok(RcuArc {
            // SAFETY: `Box::into_raw` never returns null.
            ptr: unsafe { NonNull::new_unchecked(RBox::into_raw(b)) },
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

    /// Whether two handles count the same object.
    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
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
/// `head` must be the `head` field of an `ArcInner<T>` allocated by [`RBox`] whose last count
/// was dropped, passed to `call_rcu` exactly once.
unsafe extern "C" fn free_cb<T>(head: *mut bindings::callback_head) {
    // `head` is the first field of the `#[repr(C)]` `ArcInner<T>` (and `UnsafeCell` is
    // `#[repr(transparent)]`), so the pointers are the same.
    let p = head.cast::<ArcInner<T>>();
    // SAFETY: By the safety requirements `p` is an unreachable `RBox` allocation that nothing
    // else frees; dropping `T` here is allowed since `T: Send` (type invariant of `RcuArc`), and
    // it is dropped in place, as a pinned value must be.
    drop(unsafe { RBox::from_raw(p) });
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
        // SAFETY: `p` is live (the count was ours until now); the projection makes no reference.
        let head = UnsafeCell::raw_get(unsafe { &raw const (*p).head });
        // SAFETY: `head` is passed to `call_rcu` once, as the count reaches zero only once, and
        // `free_cb::<T>` matches the allocation.
        unsafe { bindings::call_rcu(head, Some(free_cb::<T>)) };
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

/// A [`RouteAlloc`] array of fixed capacity.
pub(crate) struct FixedVec<T>(RVec<T>);

impl<T> FixedVec<T> {
    /// An empty array with room for `n` elements (no allocation when `n == 0`; may sleep).
    pub(crate) fn try_with_capacity(n: usize) -> Result<Self, AllocError> {
        Ok(FixedVec(RVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?))
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

// SPDX-License-Identifier: GPL-2.0

//! The kernel seam under `trie.rs`: RCU read-side guards, counted objects freed with
//! `call_rcu` (values, and tree nodes with their slots in one allocation), atomic RCU pointer
//! slots; and [`RouteAlloc`], the allocator of everything a route adds.
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
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
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
use kernel::ffi::{c_char, c_uint};
use kernel::prelude::CStr;
use kernel::str::CStrExt;
use kernel::sync::rcu;
use pin_init::PinInit;

pub(crate) use kernel::alloc::AllocError;

/// Objects whose `call_rcu` callback has not run yet.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Waits until every deferred free queued by this module has run and returned, including those
/// queued by other deferred frees. Sleeps; call from process context without locks held (module
/// exit), once nothing else can queue one.
///
/// A callback decrements [`PENDING`] as its last statement but is still running module code
/// when the count reads zero, and one queued by another callback during a barrier is not waited
/// for by that barrier. So the drain ends only after a barrier that started with the count at
/// zero: no callback of ours was waiting then, none can be queued after, and the barrier waits
/// for those still running to return.
pub(crate) fn rcu_drain() {
    loop {
        let idle = PENDING.load(Ordering::Acquire) == 0;
        rcu::rcu_barrier();
        if idle {
            break;
        }
    }
}

/// Lets the scheduler run other work here if this task has used up its
/// time (`cond_resched`): the step between two batches of a long request.
/// May sleep.
pub(crate) fn cond_resched() {
    extern "C" {
        // `rtemu_bhlock.c`: the kernel's is a macro.
        fn rtemu_cond_resched();
    }
    // SAFETY: no preconditions beyond process context, which a caller that
    // may sleep is in.
    unsafe { rtemu_cond_resched() }
}

/// `__GFP_NORETRY` and `__GFP_ACCOUNT`, which `kernel::alloc::flags` does not offer.
const GFP_NORETRY: bindings::gfp_t = 1 << bindings::___GFP_NORETRY_BIT;
const GFP_ACCOUNT: bindings::gfp_t = 1 << bindings::___GFP_ACCOUNT_BIT;

/// The allocator of route objects: `kvmalloc` memory (`kmalloc`, and `vmalloc` for what is
/// larger than `kmalloc` gives, such as the timed queue of a table with hundreds of thousands of
/// timed routes) charged to the caller's memory cgroup that fails when the cgroup is at its
/// limit.
///
/// A plain `GFP_KERNEL_ACCOUNT` charge over the cgroup's `memory.max` invokes the cgroup's OOM
/// killer and retries; a route add must fail with `ENOMEM` instead. So allocations that may sleep
/// (`flags` has all of [`GFP_KERNEL`]) use `GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN`:
/// reclaim once, then give up. Others use `GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN`, which
/// never reaches into atomic reserves or over the limit. Of `flags` only that and [`__GFP_ZERO`]
/// count. Otherwise it behaves as the kernel's `KVmalloc` (same alignment rules, same
/// `kvrealloc_node_align`), so memory from one may not be passed to the other.
pub(crate) struct RouteAlloc;

/// The allocation flags of route memory for the caller's `flags` (see [`RouteAlloc`]).
fn route_gfp(flags: Flags) -> bindings::gfp_t {
    let mut gfp = if flags.contains(GFP_KERNEL) {
        bindings::GFP_KERNEL_ACCOUNT | GFP_NORETRY
    } else {
        bindings::GFP_NOWAIT | GFP_ACCOUNT
    };
    gfp |= bindings::__GFP_NOWARN;
    if flags.contains(__GFP_ZERO) {
        gfp |= bindings::__GFP_ZERO;
    }
    gfp
}

/// A slab cache (`kmem_cache`) for the objects of one [`RcuArc`] type, so that each takes its
/// own size rather than the next `kmalloc` size up. A module registers it in its init
/// ([`RcuSlab::register`]) and drops the registration on exit, which waits for the deferred
/// frees before it destroys the cache. Objects are freed as any other [`RouteAlloc`] memory: `kvfree` takes objects
/// of any slab cache.
///
/// # Invariants
///
/// `cache` is null or a live cache whose objects have the size and alignment of `ArcInner<T>`;
/// it stays live until the [`RcuSlabRegistration`] that set it is dropped.
pub(crate) struct RcuSlab<T> {
    cache: AtomicPtr<bindings::kmem_cache>,
    _p: PhantomData<fn() -> T>,
}

/// The cache of an [`RcuSlab`], destroyed when this is dropped.
pub(crate) struct RcuSlabRegistration<T: 'static>(&'static RcuSlab<T>);

impl<T> RcuSlab<T> {
    /// A slab without a cache: allocations fail until it is registered.
    pub(crate) const fn new() -> Self {
        // INVARIANT: null.
        Self {
            cache: AtomicPtr::new(ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// Creates the cache, named `name` in `/proc/slabinfo`.
    pub(crate) fn register(
        &'static self,
        name: &'static CStr,
    ) -> Result<RcuSlabRegistration<T>, AllocError> {
        extern "C" {
            // `rtemu_bhlock.c`: `kmem_cache_create` is a macro.
            fn rtemu_slab_create(
                name: *const c_char,
                size: c_uint,
                align: c_uint,
            ) -> *mut bindings::kmem_cache;
        }
        let layout = Layout::new::<ArcInner<T>>();
        let size = c_uint::try_from(layout.size()).map_err(|_| AllocError)?;
        let align = c_uint::try_from(layout.align()).map_err(|_| AllocError)?;
        // SAFETY: `name` is a NUL-terminated string that outlives the cache (`'static`).
        let cache = unsafe { rtemu_slab_create(name.as_char_ptr(), size, align) };
        if cache.is_null() {
            return Err(AllocError);
        }
        // INVARIANT: a live cache of `ArcInner<T>`'s size and alignment, destroyed only by the
        // registration returned here. A second registration is refused.
        if self
            .cache
            .compare_exchange(ptr::null_mut(), cache, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            // SAFETY: the cache was just created and nothing allocated from it.
            unsafe { bindings::kmem_cache_destroy(cache) };
            return Err(AllocError);
        }
        Ok(RcuSlabRegistration(self))
    }

    /// An uninitialized object from the cache (may sleep when `flags` allows it).
    fn alloc(&self, flags: Flags) -> Result<NonNull<ArcInner<T>>, AllocError> {
        extern "C" {
            // `rtemu_bhlock.c`: `kmem_cache_alloc` is a macro.
            fn rtemu_slab_alloc(
                cache: *mut bindings::kmem_cache,
                gfp: bindings::gfp_t,
            ) -> *mut c_void;
        }
        let cache = self.cache.load(Ordering::Acquire);
        if cache.is_null() {
            return Err(AllocError);
        }
        // SAFETY: by the type invariants `cache` is live while registered, and the module that
        // allocates holds its registration.
        let p = unsafe { rtemu_slab_alloc(cache, route_gfp(flags)) };
        NonNull::new(p.cast()).ok_or(AllocError)
    }
}

impl<T> Drop for RcuSlabRegistration<T> {
    /// Waits for the deferred frees queued so far ([`rcu_drain`]: sleeps), then destroys the
    /// cache. Call it once nothing allocates from the cache any more.
    fn drop(&mut self) {
        rcu_drain();
        let cache = self.0.cache.swap(ptr::null_mut(), Ordering::Acquire);
        // SAFETY: the registration owns the live cache it set (type invariants of `RcuSlab`),
        // and every object freed so far has been returned to it. An object still counted
        // (a leak) makes the kernel report the cache as it is destroyed, and stays allocated.
        unsafe { bindings::kmem_cache_destroy(cache) };
    }
}

/// A box of route memory.
pub(crate) type RBox<T> = Box<T, RouteAlloc>;
/// A vector of route memory.
pub(crate) type RVec<T> = Vec<T, RouteAlloc>;

// SAFETY: `realloc` hands `kvrealloc_node_align` only null or live `kvmalloc` memory (the
// allocator's own: `kvmalloc`, `kvrealloc` and `kvfree` are one allocator) and returns what it
// returns: memory that stays valid until passed back, aligned as `KVmalloc` guarantees for a
// layout padded to its alignment, its contents kept up to the smaller size, the old buffer
// untouched on failure. `MIN_ALIGN` is `kmalloc`'s, which `vmalloc`'s page alignment exceeds.
unsafe impl Allocator for RouteAlloc {
    const MIN_ALIGN: usize = bindings::ARCH_KMALLOC_MINALIGN;

    unsafe fn realloc(
        ptr: Option<NonNull<u8>>,
        layout: Layout,
        old_layout: Layout,
        flags: Flags,
        _nid: NumaNode,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // As `KVmalloc`: a size that is a multiple of the alignment gets an aligned object.
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
            unsafe { bindings::kvfree(old.cast()) };
            let dangling = ptr::without_provenance_mut::<u8>(layout.align());
            return NonNull::new(dangling)
                .map(|p| NonNull::slice_from_raw_parts(p, 0))
                .ok_or(AllocError);
        }
        let gfp = route_gfp(flags);
        // SAFETY: `old` is null or a live allocation of this allocator, which `kvrealloc` frees
        // only on success; `size` is not zero.
        let p = unsafe {
            bindings::kvrealloc_node_align(
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

/// The allocation behind an [`RcuArc`]: the count and the value first, where readers look, and
/// `head` (which only the writer that drops the last count touches) last.
#[repr(C)]
struct ArcInner<T> {
    refs: AtomicUsize,
    value: T,
    head: UnsafeCell<bindings::callback_head>,
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

// A handle moves freely whatever `T` is: the value it counts stays where it
// was allocated (as `Box<T>` is `Unpin` for every `T`).
impl<T> Unpin for RcuArc<T> {}

impl<T: Send + Sync + 'static> RcuArc<T> {
    /// Allocates a new object with one count ([`RouteAlloc`]: may sleep).
    pub(crate) fn try_new(value: T) -> Result<Self, AllocError> {
        Self::pin_init(value)
    }

    /// Allocates a new object with one count and initializes its value in place
    /// ([`RouteAlloc`]: may sleep). The value never moves, so it may be `!Unpin`.
    pub(crate) fn pin_init(init: impl PinInit<T>) -> Result<Self, AllocError> {
        let b = RBox::<ArcInner<T>>::new_uninit(GFP_KERNEL_ACCOUNT)?;
        // `Box::into_raw` never returns null.
        let p = NonNull::new(RBox::into_raw(b).cast()).ok_or(AllocError)?;
        // SAFETY: a fresh allocation of an `ArcInner<T>` from `RouteAlloc`, given up here.
        Ok(unsafe { Self::init_at(p, init) })
    }

    /// [`RcuArc::pin_init`] from the slab cache of `slab` (may sleep).
    pub(crate) fn pin_init_in(
        slab: &RcuSlab<T>,
        init: impl PinInit<T>,
    ) -> Result<Self, AllocError> {
        let p = slab.alloc(GFP_KERNEL)?;
        // SAFETY: a fresh object of `ArcInner<T>`'s size and alignment (`RcuSlab`'s invariants),
        // which `kvfree` frees as it frees `RouteAlloc` memory.
        Ok(unsafe { Self::init_at(p, init) })
    }

    /// Initializes the object at `p` with one count and `init`'s value.
    ///
    /// # Safety
    ///
    /// `p` is an uninitialized allocation of an `ArcInner<T>` that `kvfree` frees, owned by the
    /// caller, who gives it up.
    unsafe fn init_at(ptr: NonNull<ArcInner<T>>, init: impl PinInit<T>) -> Self {
        let p = ptr.as_ptr();
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
        // `init` cannot fail (its error type is `Infallible`).
        unsafe { pin_init::raw_init(value, init) };
        // INVARIANT: an allocation that `kvfree` frees, whose one count the handle owns; its
        // value was initialized in place.
        RcuArc {
            ptr,
            _p: PhantomData,
        }
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

    /// Gives up the handle as an opaque pointer for C to keep; the count
    /// comes back with [`RcuArc::from_opaque`].
    pub(crate) fn into_opaque(self) -> *mut c_void {
        self.into_raw().cast()
    }

    /// The opaque pointer [`RcuArc::into_opaque`] would give, without giving
    /// up the count: valid while `self` lives.
    pub(crate) fn as_opaque(&self) -> *mut c_void {
        self.ptr.as_ptr().cast()
    }

    /// Takes back a count given to C (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` is null or comes from [`RcuArc::into_opaque`] of an `RcuArc<T>`,
    /// and its count is not used otherwise afterwards.
    pub(crate) unsafe fn from_opaque(p: *mut c_void) -> Option<Self> {
        // SAFETY: by the safety requirements `p` came from `into_raw`.
        unsafe { Self::from_raw(p.cast()) }
    }

    /// The value behind an opaque pointer (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` is null or comes from [`RcuArc::into_opaque`] of an `RcuArc<T>`
    /// whose count stays given up for `'a`.
    pub(crate) unsafe fn borrow_opaque<'a>(p: *const c_void) -> Option<&'a T> {
        let p = p.cast::<ArcInner<T>>();
        // SAFETY: the count given up keeps the object live for `'a`.
        (!p.is_null()).then(|| unsafe { &(*p).value })
    }

    /// One more count on the object behind an opaque pointer.
    ///
    /// # Safety
    ///
    /// `p` comes from [`RcuArc::into_opaque`] of an `RcuArc<T>` whose count
    /// stays given up for the call.
    pub(crate) unsafe fn clone_opaque(p: *const c_void) -> Self {
        // SAFETY: by the safety requirements `p` came from `into_raw`; the
        // borrowed handle is never dropped, so the count stays C's.
        let held = ManuallyDrop::new(unsafe { Self::from_raw(p.cast_mut().cast()) });
        held.as_ref()
            .expect("rtemu: a null pointer given as a counted object")
            .clone()
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
    // `head` is the `head` field of an `ArcInner<T>` (and `UnsafeCell` is `#[repr(transparent)]`);
    // it came from a pointer to the whole allocation, whose provenance it keeps.
    let p = head
        .wrapping_byte_sub(core::mem::offset_of!(ArcInner<T>, head))
        .cast::<ArcInner<T>>();
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

    #[inline(always)]
    fn load_inner<'g>(&'g self, _g: &'g RcuGuard) -> Option<&'g ArcInner<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: The slot counted the object when it was loaded, so it was live; even if that
        // count goes away now, the memory is freed with `call_rcu`, i.e. only after the read-side
        // section that the guard proves has ended, and the guard outlives `'g`.
        unsafe { p.as_ref() }
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

/// The allocation behind an [`RcuNode`]: the counts, the header, `head` (last: readers never
/// touch it, so the header starts in the first cache line), then (in the same allocation)
/// `nvals` value slots and `nkids` child slots, all one pointer in size and alignment.
#[repr(C)]
struct NodeInner<H, A> {
    refs: AtomicUsize,
    nvals: u16,
    nkids: u16,
    header: H,
    head: UnsafeCell<bindings::callback_head>,
    _p: PhantomData<(RcuSlot<A>, NodeSlot<H, A>)>,
}

/// The layout of a node with `n` slots, and the byte offset of its first slot.
fn node_layout<H, A>(n: usize) -> Option<(Layout, usize)> {
    let (layout, offset) = Layout::new::<NodeInner<H, A>>()
        .extend(Layout::array::<RcuSlot<A>>(n).ok()?)
        .ok()?;
    Some((layout.pad_to_align(), offset))
}

/// Byte offset of a node's first slot (the offset [`node_layout`] gives for any `n`).
const fn tail_offset<H, A>() -> usize {
    core::mem::size_of::<NodeInner<H, A>>().next_multiple_of(core::mem::align_of::<RcuSlot<A>>())
}

/// A counted tree node in one allocation: a header `H`, value slots ([`RcuSlot<A>`]) and child
/// slots ([`NodeSlot<H, A>`]), freed with `call_rcu` once the last count is dropped (as
/// [`RcuArc`]). A new node's slots are empty; its builder fills them before publishing it.
///
/// # Invariants
///
/// `ptr` points at a live node allocated by [`RcuNode::try_new`], on which this handle owns one
/// count; its `nvals + nkids` slots follow the header and are initialized. `H` and `A` are
/// `Send + Sync + 'static` (only `try_new` creates nodes).
pub(crate) struct RcuNode<H, A> {
    ptr: NonNull<NodeInner<H, A>>,
    _p: PhantomData<NodeInner<H, A>>,
}

// SAFETY: As for `RcuArc`: the node is shared between CPUs (`Sync`) and dropped in whichever
// context frees it (`Send`).
unsafe impl<H: Send + Sync, A: Send + Sync> Send for RcuNode<H, A> {}
// SAFETY: Shared handles only read the node and change the count, which is atomic; the slots
// change only through atomics.
unsafe impl<H: Send + Sync, A: Send + Sync> Sync for RcuNode<H, A> {}

/// A node borrowed for `'a` (an [`RcuGuard`] or a counted handle keeps it alive).
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
        // SAFETY: By the type invariants `n` initialized value slots start at slot 0 and live
        // for `'a`; they change only through their atomics.
        unsafe { core::slice::from_raw_parts(self.slot_ptr(0).cast::<RcuSlot<A>>(), n) }
    }

    /// The child slots.
    #[inline(always)]
    pub(crate) fn kids(self) -> &'a [NodeSlot<H, A>] {
        let inner = self.inner();
        let first = self
            .slot_ptr(usize::from(inner.nvals))
            .cast::<NodeSlot<H, A>>();
        // SAFETY: By the type invariants `nkids` initialized child slots follow the value slots
        // and live for `'a`; they change only through their atomics.
        unsafe { core::slice::from_raw_parts(first, usize::from(inner.nkids)) }
    }
}

impl<H: Send + Sync + 'static, A: Send + Sync + 'static> RcuNode<H, A> {
    /// Allocates a node with `header`, `nvals` empty value slots and `nkids` empty child slots
    /// ([`RouteAlloc`]: may sleep).
    pub(crate) fn try_new(header: H, nvals: usize, nkids: usize) -> Result<Self, AllocError> {
        let nv = u16::try_from(nvals).map_err(|_| AllocError)?;
        let nk = u16::try_from(nkids).map_err(|_| AllocError)?;
        let (layout, _) = node_layout::<H, A>(nvals + nkids).ok_or(AllocError)?;
        let p = RouteAlloc::alloc(layout, GFP_KERNEL_ACCOUNT, NumaNode::NO_NODE)?;
        let inner = p.cast::<NodeInner<H, A>>();
        // SAFETY: `inner` is a fresh allocation of `layout`, which starts with a `NodeInner`
        // (aligned: the layout has its alignment); written once.
        unsafe {
            inner.as_ptr().write(NodeInner {
                head: UnsafeCell::new(bindings::callback_head::default()),
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
            let slot = r.slot_ptr(i).cast::<RcuSlot<A>>();
            // SAFETY: Slot `i` lies within the allocation (the layout holds `nvals + nkids`
            // slots after the header) and is aligned; it is written once.
            unsafe { slot.write(RcuSlot::empty()) };
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

    /// Gives up the handle without dropping its count.
    fn into_raw(self) -> *mut NodeInner<H, A> {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Takes over a count given up by [`RcuNode::into_raw`] (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` must be null or come from [`RcuNode::into_raw`], and its count must not be used
    /// otherwise afterwards.
    unsafe fn from_raw(p: *mut NodeInner<H, A>) -> Option<Self> {
        // INVARIANT: By the safety requirements the count is transferred to the new handle.
        NonNull::new(p).map(|ptr| RcuNode {
            ptr,
            _p: PhantomData,
        })
    }
}

impl<H, A> Clone for RcuNode<H, A> {
    fn clone(&self) -> Self {
        // Counts are bounded by the number of slots and handles: no overflow.
        self.get().inner().refs.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: The count just taken is owned by the new handle.
        RcuNode {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }
}

/// Drops a node's slots and header and frees it after its grace period.
///
/// # Safety
///
/// `head` must be the `head` field of a node allocated by [`RcuNode::try_new`] whose last count
/// was dropped, passed to `call_rcu` exactly once.
unsafe extern "C" fn free_node_cb<H, A>(head: *mut bindings::callback_head) {
    // `head` is the `head` field of a `NodeInner` (and `UnsafeCell` is `#[repr(transparent)]`);
    // it came from a pointer to the whole node, whose provenance it keeps.
    let p = head
        .wrapping_byte_sub(core::mem::offset_of!(NodeInner<H, A>, head))
        .cast::<NodeInner<H, A>>();
    // SAFETY: `p` is not null: `call_rcu` passes the `head` it was given.
    let ptr = unsafe { NonNull::new_unchecked(p) };
    // INVARIANT: The node stays live until it is freed at the end of this function.
    let r = NodeRef::<'_, H, A> {
        ptr,
        _p: PhantomData,
    };
    let nvals = r.vals().len();
    let n = nvals + r.kids().len();
    for i in 0..n {
        let slot = r.slot_ptr(i);
        if i < nvals {
            // SAFETY: An initialized value slot of an unreachable node (safety requirements),
            // dropped once; dropping here is allowed since `A: Send` (type invariant).
            unsafe { ptr::drop_in_place(slot.cast::<RcuSlot<A>>()) };
        } else {
            // SAFETY: As above, a child slot.
            unsafe { ptr::drop_in_place(slot.cast::<NodeSlot<H, A>>()) };
        }
    }
    // SAFETY: `p` is live; the projection makes no reference.
    let header = unsafe { &raw mut (*p).header };
    // SAFETY: The header is initialized and dropped once, in place; `H: Send`.
    unsafe { ptr::drop_in_place(header) };
    if let Some((layout, _)) = node_layout::<H, A>(n) {
        // SAFETY: `ptr` was allocated by `RouteAlloc` with this layout (`try_new` computed it
        // from the same slot count) and nothing uses it any more.
        unsafe { RouteAlloc::free(ptr.cast(), layout) };
    }
    PENDING.fetch_sub(1, Ordering::Release);
}

impl<H, A> Drop for RcuNode<H, A> {
    fn drop(&mut self) {
        if self.get().inner().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // As for `RcuArc`: no slot holds the node any more; free it after the current readers
        // are done. They may still read everything but `head`.
        PENDING.fetch_add(1, Ordering::Relaxed);
        let p = self.ptr.as_ptr();
        // SAFETY: `p` is live (the count was ours until now); the projection makes no reference.
        let head = UnsafeCell::raw_get(unsafe { &raw const (*p).head });
        // SAFETY: `head` is passed to `call_rcu` once, as the count reaches zero only once, and
        // `free_node_cb::<H, A>` matches the allocation.
        unsafe { bindings::call_rcu(head, Some(free_node_cb::<H, A>)) };
    }
}

/// An atomic pointer to an [`RcuNode`] (or null), holding one count on it; loads and swaps as
/// [`RcuSlot`]'s.
///
/// # Invariants
///
/// `ptr` is null or comes from [`RcuNode::into_raw`]; the slot owns that count.
pub(crate) struct NodeSlot<H, A> {
    ptr: AtomicPtr<NodeInner<H, A>>,
    _p: PhantomData<RcuNode<H, A>>,
}

// SAFETY: Like `RcuNode<H, A>`, which it owns.
unsafe impl<H: Send + Sync, A: Send + Sync> Send for NodeSlot<H, A> {}
// SAFETY: All access to the pointer is atomic; the node is `RcuNode`-like.
unsafe impl<H: Send + Sync, A: Send + Sync> Sync for NodeSlot<H, A> {}

impl<H, A> NodeSlot<H, A> {
    /// An empty slot.
    pub(crate) const fn empty() -> Self {
        // INVARIANT: null.
        NodeSlot {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// The current node; the reference is valid for as long as the guard.
    #[inline(always)]
    pub(crate) fn load<'g>(&'g self, _g: &'g RcuGuard) -> Option<NodeRef<'g, H, A>> {
        let p = self.ptr.load(Ordering::Acquire);
        // INVARIANT: The slot counted the node when it was loaded, so it was live; its memory
        // is freed with `call_rcu`, only after the section the guard proves has ended.
        NonNull::new(p).map(|ptr| NodeRef {
            ptr,
            _p: PhantomData,
        })
    }

    /// A new counted handle on the current node (`None` if empty, or if a concurrent writer
    /// just dropped its last count).
    pub(crate) fn load_arc(&self, g: &RcuGuard) -> Option<RcuNode<H, A>> {
        let r = self.load(g)?;
        if !take_count(&r.inner().refs) {
            return None;
        }
        // INVARIANT: The count just taken (from a non-zero one) is owned by the new handle.
        Some(RcuNode {
            ptr: r.ptr,
            _p: PhantomData,
        })
    }

    /// Publishes `v` (release) and returns the previous node with the slot's count on it.
    pub(crate) fn swap(&self, v: Option<RcuNode<H, A>>) -> Option<RcuNode<H, A>> {
        let new = v.map_or(ptr::null_mut(), RcuNode::into_raw);
        // INVARIANT: `new`'s count moves into the slot.
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: By the type invariants `old` is null or carries the slot's count, now ours.
        unsafe { RcuNode::from_raw(old) }
    }
}

impl<H, A> Drop for NodeSlot<H, A> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        // SAFETY: By the type invariants `p` is null or carries the slot's count.
        drop(unsafe { RcuNode::from_raw(p) });
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The kernel seam under `trie.rs`: RCU read-side guards, atomic RCU pointer slots holding a
//! count ([`RcuSlot`]), the constructors of counted objects ([`RcuArc`]) and their opaque
//! pointers for C, and [`RouteAlloc`], the allocator of everything a route adds.
//!
//! The RCU objects themselves (counted objects freed after a grace period, the trie's nodes,
//! whose slots are plain RCU words that hold no count, and the values they hold inline) are
//! `rcu_node.rs`, one source with the host crate `tools/rtemu-trie`, whose `platform.rs` gives
//! them `std` and crossbeam-epoch where this file gives them `kvmalloc` and `call_rcu`: see "The
//! seam" below. So `trie.rs` and `rcu_node.rs` are built, tested and raced in both places.
//!
//! Route allocations are charged to the memory cgroup of the task that adds routes, and fail
//! (instead of invoking the memory cgroup's OOM killer) when that cgroup is at its limit.
//!
//! All `unsafe` of the trie lives here and in `rcu_node.rs`.
//!
//! Deferred frees run in RCU callback (softirq) context, so the objects an [`RcuArc`] counts
//! must be safe to drop there. Before the module's code goes away, call [`rcu_drain`] after the
//! last trie was dropped: a trie queues a callback per node it retires, and dropping an object
//! may drop the counts it holds on others, which queues more callbacks.

use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::{
    self,
    NonNull, //
};
use core::sync::atomic::{
    AtomicBool,
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

/// Whether the CPU counts bits in one instruction (x86's POPCNT), which the
/// kernel's baseline target does not assume: found by [`detect_cpu`].
static HAS_POPCNT: AtomicBool = AtomicBool::new(false);

/// Finds what [`popcount`] may use; each module that uses the trie calls it
/// in its init.
pub(crate) fn detect_cpu() {
    extern "C" {
        // `rtemu_bhlock.c`: the kernel's is a macro.
        fn rtemu_cpu_has_popcnt() -> bool;
    }
    // SAFETY: reads the boot CPU's feature bits, set long before modules load.
    HAS_POPCNT.store(unsafe { rtemu_cpu_has_popcnt() }, Ordering::Relaxed);
}

/// The set bits of `x`: one POPCNT where the CPU has it (the trie ranks its
/// slots by popcounts on every level of a lookup, and without it each is a
/// dozen dependent instructions).
#[inline(always)]
pub(crate) fn popcount(x: u64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if HAS_POPCNT.load(Ordering::Relaxed) {
        let n: u64;
        // SAFETY: the CPU has POPCNT (`detect_cpu`); it reads one register and
        // writes another (and the flags), nothing else.
        unsafe {
            core::arch::asm!("popcnt {n}, {x}", x = in(reg) x, n = lateout(reg) n,
                options(pure, nomem, nostack));
        }
        return n as u32;
    }
    x.count_ones()
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

// The shims of `rtemu_bhlock.c`: `kmem_cache_create` and `kmem_cache_alloc` are macros.
extern "C" {
    fn rtemu_slab_create(
        name: *const c_char,
        size: c_uint,
        align: c_uint,
    ) -> *mut bindings::kmem_cache;
    fn rtemu_slab_alloc(cache: *mut bindings::kmem_cache, gfp: bindings::gfp_t) -> *mut c_void;
}

/// Creates a slab cache of `size`-byte objects aligned to `align` and sets `slot` to it:
/// `ENOMEM` if it cannot be made, `EBUSY` (and no cache) if `slot` holds one already.
///
/// # Safety
///
/// `name` is a NUL-terminated string that stays allocated until the cache is destroyed.
unsafe fn install_cache(
    slot: &AtomicPtr<bindings::kmem_cache>,
    name: *const c_char,
    size: c_uint,
    align: c_uint,
) -> kernel::error::Result {
    // SAFETY: `name` lives as long as the cache (safety requirements).
    let cache = unsafe { rtemu_slab_create(name, size, align) };
    if cache.is_null() {
        return Err(kernel::error::code::ENOMEM);
    }
    if slot
        .compare_exchange(ptr::null_mut(), cache, Ordering::Release, Ordering::Relaxed)
        .is_err()
    {
        // SAFETY: the cache was just created and nothing allocated from it.
        unsafe { bindings::kmem_cache_destroy(cache) };
        return Err(kernel::error::code::EBUSY);
    }
    Ok(())
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
        let layout = Layout::new::<ArcInner<T>>();
        let size = c_uint::try_from(layout.size()).map_err(|_| AllocError)?;
        let align = c_uint::try_from(layout.align()).map_err(|_| AllocError)?;
        // INVARIANT: a live cache of `ArcInner<T>`'s size and alignment, destroyed only by the
        // registration returned here. A second registration is refused.
        // SAFETY: `name` is a NUL-terminated string that outlives the cache (`'static`).
        unsafe { install_cache(&self.cache, name.as_char_ptr(), size, align) }
            .map_err(|_| AllocError)?;
        Ok(RcuSlabRegistration(self))
    }

    /// An uninitialized object from the cache (may sleep when `flags` allows it).
    fn alloc(&self, flags: Flags) -> Result<NonNull<ArcInner<T>>, AllocError> {
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

#[path = "rcu_node.rs"]
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
    RcuRef,
    TreeWriter,
    TrieValue, //
};

// The seam: what `rcu_node` takes from the kernel.

/// What a deferred free needs inside each object: `call_rcu`'s callback head, which only the
/// writer that retires the object touches.
type RcuHead = UnsafeCell<bindings::callback_head>;

/// A fresh [`RcuHead`].
#[inline]
fn rcu_head() -> RcuHead {
    UnsafeCell::new(bindings::callback_head::default())
}

/// Frees `obj` with `call_rcu`, after the read-side sections open now are done: in softirq
/// context, where [`RcuFree::free`] must be allowed to run.
///
/// # Safety
///
/// `obj` is live, unreachable for readers that start from now on, and handed over once; what
/// [`RcuFree::free`] drops is safe to drop in softirq context.
unsafe fn defer_free<T: RcuFree>(obj: NonNull<T>) {
    PENDING.fetch_add(1, Ordering::Relaxed);
    // The head lies `HEAD_OFFSET` bytes into the object (`RcuFree`'s safety requirements); the
    // pointer keeps the provenance of the whole object, for `rcu_free_cb` to go back to it.
    let head = obj
        .as_ptr()
        .wrapping_byte_add(T::HEAD_OFFSET)
        .cast::<RcuHead>();
    // SAFETY: `head` is passed to `call_rcu` once (the object is handed over once) and
    // `rcu_free_cb::<T>` matches the object. Readers never touch `head`.
    unsafe { bindings::call_rcu(UnsafeCell::raw_get(head), Some(rcu_free_cb::<T>)) };
}

/// Frees an object after its grace period.
///
/// # Safety
///
/// `head` must be the [`RcuHead`] of an object that [`defer_free`] handed to `call_rcu`,
/// passed once.
unsafe extern "C" fn rcu_free_cb<T: RcuFree>(head: *mut bindings::callback_head) {
    // `head` is the object's `RcuHead` (and `UnsafeCell` is `#[repr(transparent)]`); it came
    // from a pointer to the whole object, whose provenance it keeps.
    let p = head.wrapping_byte_sub(T::HEAD_OFFSET).cast::<T>();
    if let Some(p) = NonNull::new(p) {
        // SAFETY: `call_rcu` passes the `head` it was given, of an object that nothing reaches
        // any more now that its grace period is over, and that only this frees.
        unsafe { T::free(p) };
    }
    PENDING.fetch_sub(1, Ordering::Release);
}

/// Sizes of the trie's node caches ([`NodeSlabs`]): three between each two of `kmalloc`'s
/// power-of-two sizes from 256 to 4096 bytes, where most nodes of a large table lie, so that a
/// node takes at most a quarter more than it needs there instead of up to twice.
const NODE_SIZES: [usize; 12] = [
    320, 384, 448, 640, 768, 896, 1280, 1536, 1792, 2560, 3072, 3584,
];

/// The node caches, null until [`NodeSlabs::register`] (nodes then come from `kmalloc`).
///
/// # Invariants
///
/// Each is null or a live cache of objects of [`NODE_SIZES`]'s size at its index, aligned to 8
/// bytes, that the [`NodeSlabs`] which set it destroys.
static NODE_SLABS: [AtomicPtr<bindings::kmem_cache>; NODE_SIZES.len()] =
    [const { AtomicPtr::new(ptr::null_mut()) }; NODE_SIZES.len()];

/// The index in [`NODE_SIZES`] of the cache to take a node of `size` bytes from, if one is
/// smaller than the `kmalloc` size the node would get.
fn node_size_class(size: usize) -> Option<usize> {
    let i = NODE_SIZES.iter().position(|&s| s >= size)?;
    (size > 256 && NODE_SIZES[i] < size.next_power_of_two()).then_some(i)
}

/// The registration of the node caches, in a module's init; dropping it waits for the deferred
/// frees ([`rcu_drain`]: sleeps) and destroys them. Drop it once no trie is left.
pub(crate) struct NodeSlabs {
    /// The caches' names, which they keep pointers to until destroyed.
    names: Vec<kernel::str::CString, kernel::alloc::allocator::Kmalloc>,
}

impl NodeSlabs {
    /// Creates the caches, named `{prefix}_{size}` in `/proc/slabinfo`. Refused (`EBUSY`) while
    /// another registration of this module holds them.
    pub(crate) fn register(prefix: &str) -> kernel::error::Result<Self> {
        // The names of the caches set so far, in order; on an error, dropping it destroys them.
        let mut this = NodeSlabs {
            names: Vec::with_capacity(NODE_SIZES.len(), GFP_KERNEL)?,
        };
        for (slot, &size) in NODE_SLABS.iter().zip(NODE_SIZES.iter()) {
            let name =
                kernel::str::CString::try_from_fmt(kernel::prelude::fmt!("{prefix}_{size}"))?;
            // SAFETY: `name` is NUL-terminated, and stays allocated until the cache is destroyed:
            // by `this`, which keeps it below.
            unsafe { install_cache(slot, name.as_char_ptr(), size as c_uint, 8) }?;
            // INVARIANT: a live cache of `size`-byte, 8-aligned objects, which `this` destroys:
            // it names every cache it set, in order (the room was made above).
            if this.names.push_within_capacity(name).is_err() {
                unreachable!("room for every name was made");
            }
        }
        Ok(this)
    }
}

impl Drop for NodeSlabs {
    fn drop(&mut self) {
        rcu_drain();
        // Only the caches this registration set: as many as it named, in order.
        for slot in NODE_SLABS.iter().take(self.names.len()) {
            let cache = slot.swap(ptr::null_mut(), Ordering::Acquire);
            if !cache.is_null() {
                // SAFETY: this registration owns the live cache it set (invariants of
                // `NODE_SLABS`), and every node freed so far has been returned to it; a node
                // still allocated (a leak) makes the kernel report the cache.
                unsafe { bindings::kmem_cache_destroy(cache) };
            }
        }
    }
}

/// Memory for a trie node, of `layout` ([`RouteAlloc`]'s flags: may sleep): from a node cache
/// ([`NodeSlabs`]) where one fits it more closely than `kmalloc`.
#[inline]
pub(crate) fn alloc_node(layout: Layout) -> Result<NonNull<u8>, AllocError> {
    if layout.align() <= 8 {
        if let Some(i) = node_size_class(layout.size()) {
            let cache = NODE_SLABS[i].load(Ordering::Acquire);
            if !cache.is_null() {
                // SAFETY: a live cache (invariants of `NODE_SLABS`: its registration outlives
                // the tries), whose objects have room and alignment for `layout`; `kvfree`
                // (`free_node`) takes them back.
                let p = unsafe { rtemu_slab_alloc(cache, route_gfp(GFP_KERNEL)) };
                return NonNull::new(p.cast()).ok_or(AllocError);
            }
        }
    }
    RouteAlloc::alloc(layout, GFP_KERNEL_ACCOUNT, NumaNode::NO_NODE).map(NonNull::cast)
}

/// Frees a trie node's memory.
///
/// # Safety
///
/// `ptr` comes from [`alloc_node`] with `layout`, and nothing uses it any more.
pub(crate) unsafe fn free_node(ptr: NonNull<u8>, layout: Layout) {
    // SAFETY: `alloc_node` allocated `ptr` with `RouteAlloc` and `layout`, or from a node
    // cache, whose objects `kvfree` frees as it frees `RouteAlloc`'s (safety requirements).
    unsafe { RouteAlloc::free(ptr, layout) };
}

/// Drops an [`RcuArc`]'s value and frees its memory.
///
/// # Safety
///
/// `ptr` is an `ArcInner<T>` of [`RcuArc::pin_init`] or [`RcuArc::pin_init_in`] that nothing
/// reaches any more and nothing else frees.
unsafe fn free_arc<T>(ptr: NonNull<ArcInner<T>>) {
    // SAFETY: By the safety requirements `ptr` is an unreachable allocation that `kvfree` frees
    // (an `RBox`'s, or a slab object, which `kvfree` takes too) and that nothing else frees.
    drop(unsafe { RBox::from_raw(ptr.as_ptr()) });
}

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
        unsafe { head.write(rcu_head()) };
        // SAFETY: `refs` is valid for writes and written once.
        unsafe { refs.write(AtomicUsize::new(1)) };
        // SAFETY: `value` is valid for writes and initialized in place, where it stays until
        // `free_arc` drops it (nothing moves it out), so it is pinned as `raw_init` requires.
        // `init` cannot fail (its error type is `Infallible`).
        unsafe { pin_init::raw_init(value, init) };
        // INVARIANT: an allocation that `kvfree` (`free_arc`) frees, whose one count the handle
        // owns; its value was initialized in place.
        RcuArc {
            ptr,
            _p: PhantomData,
        }
    }
}

impl<T> RcuArc<T> {
    /// Where the value lies in the object that [`RcuArc::as_opaque`] points
    /// at.
    pub(crate) const VALUE_OFFSET: usize = core::mem::offset_of!(ArcInner<T>, value);

    /// The object, as if found under `_g`: a handle keeps it live at least as long.
    pub(crate) fn as_found<'g>(&'g self, _g: &'g RcuGuard) -> RcuRef<'g, T> {
        RcuRef {
            inner: self.inner(),
        }
    }

    /// The pointer C gets for the object whose value is `value`, reached
    /// without a handle (under RCU, from a slot).
    ///
    /// # Safety
    ///
    /// `value` is the value of an `RcuArc<T>`'s allocation.
    pub(crate) unsafe fn opaque_of_value(value: &T) -> *mut c_void {
        let offset = core::mem::offset_of!(ArcInner<T>, value);
        // SAFETY: `value` lies `offset` bytes into its `ArcInner` (safety
        // requirements; the layout is `repr(C)`).
        unsafe { core::ptr::from_ref(value).byte_sub(offset) }
            .cast_mut()
            .cast()
    }

    /// The pointer C gets for the object: valid while `self` lives.
    pub(crate) fn as_opaque(&self) -> *mut c_void {
        self.ptr.as_ptr().cast()
    }

    /// Whether two handles count the same object.
    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }
}

/// The object of an [`RcuArc`], pointed at without a count of its own: for an object whose
/// memory something else keeps (the route entry's reference count, which holds a count on its
/// own allocation while it has to). A copy is the same pointer.
///
/// # Invariants
///
/// `ptr` points at an `ArcInner<T>` allocated as [`RcuArc`]'s are; whether it is live is the
/// holder's to know.
#[repr(transparent)]
pub(crate) struct RcuPtr<T> {
    ptr: NonNull<ArcInner<T>>,
}

impl<T> Clone for RcuPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for RcuPtr<T> {}

// SAFETY: a pointer to a `Send + Sync` object (`RcuArc`'s constructors take only such), used
// only by holders that know the object is live.
unsafe impl<T: Send + Sync> Send for RcuPtr<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for RcuPtr<T> {}

impl<T> RcuPtr<T> {
    /// The object `arc` counts.
    pub(crate) fn of(arc: &RcuArc<T>) -> Self {
        // INVARIANT: an `RcuArc`'s allocation.
        Self { ptr: arc.ptr }
    }

    /// The object whose value `value` is.
    ///
    /// # Safety
    ///
    /// `value` is the value of an `RcuArc<T>`'s allocation.
    pub(crate) unsafe fn of_value(value: &T) -> Self {
        // SAFETY: by the safety requirements, as `opaque_of_value` requires.
        let p = unsafe { RcuArc::opaque_of_value(value) };
        // INVARIANT: `value`'s allocation, an `RcuArc`'s (safety requirements).
        Self {
            // SAFETY: derived from a reference, so not null.
            ptr: unsafe { NonNull::new_unchecked(p.cast()) },
        }
    }

    /// The object `found` is.
    pub(crate) fn of_found(found: RcuRef<'_, T>) -> Self {
        // INVARIANT: an `RcuArc`'s allocation, which readers find.
        Self {
            ptr: NonNull::from(found.inner),
        }
    }

    /// The value.
    ///
    /// # Safety
    ///
    /// The object is live for `'a`.
    pub(crate) unsafe fn get<'a>(self) -> &'a T {
        // SAFETY: live for `'a` (safety requirements).
        unsafe { &(*self.ptr.as_ptr()).value }
    }

    /// The pointer C gets for the object, as [`RcuArc::as_opaque`] gives it.
    pub(crate) fn as_opaque(self) -> *mut c_void {
        self.ptr.as_ptr().cast()
    }

    /// The object behind a pointer C got from [`RcuPtr::as_opaque`] or
    /// [`RcuArc::as_opaque`] (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` is null or such a pointer, to an `RcuArc<T>`'s object.
    pub(crate) unsafe fn from_opaque(p: *const c_void) -> Option<Self> {
        // INVARIANT: an `RcuArc`'s allocation (safety requirements).
        NonNull::new(p.cast_mut().cast()).map(|ptr| Self { ptr })
    }

    /// A new count on the object, unless its count is zero (it only waits for its grace period
    /// to be freed).
    ///
    /// # Safety
    ///
    /// The object is live for the call: counted, or found under an RCU read-side section that
    /// is still open.
    pub(crate) unsafe fn try_count(self) -> Option<RcuArc<T>> {
        // SAFETY: live for the call (safety requirements); the reference ends with it.
        let inner = unsafe { self.ptr.as_ref() };
        RcuRef { inner }.to_arc()
    }

    /// A new count on the object.
    ///
    /// # Safety
    ///
    /// The object is live and counted for the call.
    pub(crate) unsafe fn count(self) -> RcuArc<T> {
        // SAFETY: live and counted (safety requirements): the borrowed handle stands for one of
        // its counts and is never dropped.
        let held = ManuallyDrop::new(unsafe { self.adopt_count() });
        RcuArc::clone(&held)
    }

    /// Takes over a count on the object whose value is `value`, given up by forgetting a handle
    /// of it.
    ///
    /// # Safety
    ///
    /// `value` is the value of an `RcuArc<T>`'s allocation, and the count is as
    /// [`RcuPtr::adopt_count`] requires.
    pub(crate) unsafe fn adopt_count_of(value: &T) -> RcuArc<T> {
        // SAFETY: an `RcuArc`'s value (safety requirements).
        let p = unsafe { Self::of_value(value) };
        // SAFETY: such a count exists and is handed over (safety requirements).
        unsafe { p.adopt_count() }
    }

    /// Takes over a count on the object that was given up by forgetting a handle of it.
    ///
    /// # Safety
    ///
    /// Such a count exists, and the caller gives it to the new handle: it is used in no other
    /// way afterwards.
    pub(crate) unsafe fn adopt_count(self) -> RcuArc<T> {
        // INVARIANT: an `RcuArc`'s allocation, whose count the caller hands over (safety
        // requirements).
        RcuArc {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }

    /// Whether `arc` counts this object.
    pub(crate) fn is(self, arc: &RcuArc<T>) -> bool {
        self.ptr == arc.ptr
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

// SPDX-License-Identifier: GPL-2.0

//! The entry lock: one bit of a 32-bit word whose other bits the entry uses
//! for its reference count and state, taken with bottom halves disabled.
//!
//! The entry lock is taken by BPF programs in softirq context (XDP and TC,
//! through the kfuncs of `rtemu_bpf.c`) as well as by tasks. A task holding
//! it could be interrupted on its CPU by a softirq that spins on the same
//! lock, forever; disabling bottom halves for the (short) critical sections
//! rules that out, as `spin_lock_bh` does, and lockdep checks it through the
//! lock's own `lockdep_map` in kernels that have lockdep.
//!
//! Sharing the word lets the entry take its lock and a reference in one
//! atomic instruction, and drop both in one ([`LockWord::lock_if`],
//! [`LockWord::unlock_with`]), on the cache line a lookup has already
//! loaded; a `spinlock_t` beside the count took two more locked
//! instructions, on a line of its own.

#[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
use kernel::types::Opaque;
use kernel::{
    bindings,
    ffi::c_char,
    sync::{
        atomic::{Acquire, Atomic, Relaxed, Release},
        lock::{Backend, Guard, Lock},
    },
};

// The shims of `rtemu_bhlock.c` (the kernel's are static inline or macros).
extern "C" {
    fn rtemu_local_bh_disable();
    fn rtemu_local_bh_enable();
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn rtemu_lockdep_init(
        map: *mut bindings::lockdep_map,
        name: *const c_char,
        key: *mut bindings::lock_class_key,
    );
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn rtemu_lockdep_acquire(map: *mut bindings::lockdep_map, trylock: bool);
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn rtemu_lockdep_release(map: *mut bindings::lockdep_map);
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn rtemu_lockdep_assert_held(map: *mut bindings::lockdep_map);
}

/// The lock's bit in the word. The bits above it are the owner's; so are
/// those below it, which must never carry into it.
pub(crate) const LOCK_BIT: u32 = 1 << 29;

/// A lock whose state is a [`LockWord`].
pub(crate) type WordLockBh<T> = Lock<T, WordLockBhBackend>;

/// A guard of a [`WordLockBh`].
pub(crate) type WordLockBhGuard<'a, T> = Guard<'a, T, WordLockBhBackend>;

/// The state of a [`WordLockBh`]: the shared word, and lockdep's map of the
/// lock where the kernel has lockdep.
///
/// # Invariants
///
/// [`LOCK_BIT`] of `word` is set exactly while an owner holds the lock, with
/// bottom halves disabled on its CPU; only the owner clears it.
///
/// `#[repr(C)]`: C code reads the owner's bits where the owner says they are
/// (the route entry's `struct rtentry` in `include/linux/rtemu.h`).
#[repr(C)]
pub(crate) struct LockWord {
    word: Atomic<u32>,
    /// A second word for the owner to use as it likes, which the lock never
    /// touches: it lies where the locked data's alignment would leave
    /// padding.
    spare: Atomic<u32>,
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    dep_map: Opaque<bindings::lockdep_map>,
}

impl LockWord {
    /// The state of `lock`.
    pub(crate) fn of<T>(lock: &WordLockBh<T>) -> &LockWord {
        let p: *const WordLockBh<T> = lock;
        // SAFETY: `Lock` is `#[repr(C)]` with its backend state as its first
        // field (the layout the kernel's `Lock::from_raw` relies on too), so
        // `p` points at an initialised `LockWord` that lives as long as
        // `lock`; every access to it is atomic or lockdep's.
        unsafe { &*p.cast::<LockWord>() }
    }

    /// The owner's second word (see [`LockWord`]).
    pub(crate) fn spare(&self) -> &Atomic<u32> {
        &self.spare
    }

    /// The word (the lock's bit included), with no ordering.
    pub(crate) fn load(&self) -> u32 {
        self.word.load(Relaxed)
    }

    /// The word (the lock's bit included), with acquire ordering.
    pub(crate) fn load_acquire(&self) -> u32 {
        self.word.load(Acquire)
    }

    /// Adds `n` to the owner's bits, which must not carry into
    /// [`LOCK_BIT`]; returns the word as it was.
    pub(crate) fn add(&self, n: u32) -> u32 {
        self.word.fetch_add(n, Relaxed)
    }

    /// Subtracts `n` from the owner's bits, which must not borrow from
    /// [`LOCK_BIT`], with release ordering; returns the word as it was.
    pub(crate) fn sub(&self, n: u32) -> u32 {
        self.word.fetch_sub(n, Release)
    }

    /// Replaces the owner's bits `v` by `f(v)` atomically, whoever holds
    /// the lock ([`LOCK_BIT`] stays as it is); returns the word as it was.
    pub(crate) fn update(&self, f: impl Fn(u32) -> u32) -> u32 {
        let mut old = self.word.load(Relaxed);
        loop {
            let new = (f(old) & !LOCK_BIT) | (old & LOCK_BIT);
            match self.word.cmpxchg(old, new, Relaxed) {
                Ok(prev) => return prev,
                Err(cur) => old = cur,
            }
        }
    }

    /// Takes the lock and, in the same atomic step, replaces the owner's
    /// bits `v` by `f(v)` (which must keep [`LOCK_BIT`] clear), unless `f`
    /// refuses (`None`): then neither happens. Returns the word as it was.
    /// The caller owns the lock until it releases it with
    /// [`LockWord::unlock_with`] or through a [`Guard`] of the lock.
    pub(crate) fn lock_if(&self, f: impl Fn(u32) -> Option<u32>) -> Option<u32> {
        // SAFETY: no requirements; paired with the enable below or in the
        // release.
        unsafe { rtemu_local_bh_disable() };
        // Before spinning, as `spin_lock` does: a lock taken twice is then
        // reported rather than only hung on.
        self.acquired(false);
        let mut old = self.word.load(Relaxed) & !LOCK_BIT;
        loop {
            let Some(new) = f(old) else {
                self.released();
                // SAFETY: paired with the disable above.
                unsafe { rtemu_local_bh_enable() };
                return None;
            };
            match self.word.cmpxchg(old, new | LOCK_BIT, Acquire) {
                Ok(_) => break,
                Err(mut cur) => {
                    // Wait with loads, not locked instructions on the
                    // owner's line.
                    while cur & LOCK_BIT != 0 {
                        core::hint::spin_loop();
                        cur = self.word.load(Relaxed);
                    }
                    old = cur;
                }
            }
        }
        // INVARIANT: the bit was clear and is set now, by this owner, with
        // bottom halves disabled.
        Some(old)
    }

    /// Takes the lock if it is free, changing nothing else.
    fn try_lock(&self) -> bool {
        // SAFETY: no requirements; paired with the enable below or in the
        // release.
        unsafe { rtemu_local_bh_disable() };
        let mut old = self.word.load(Relaxed);
        // Retried while only the owner's bits change.
        while old & LOCK_BIT == 0 {
            match self.word.cmpxchg(old, old | LOCK_BIT, Acquire) {
                Ok(_) => {
                    // INVARIANT: as in `lock_if`.
                    self.acquired(true);
                    return true;
                }
                Err(cur) => old = cur,
            }
        }
        // SAFETY: paired with the disable above.
        unsafe { rtemu_local_bh_enable() };
        false
    }

    /// Releases the lock and, in the same atomic step, subtracts `delta`
    /// from the owner's bits; returns the word as it was (with
    /// [`LOCK_BIT`] set). A lock found free (a release without the lock,
    /// which only C can make) is reported and left alone, and so are the
    /// owner's bits: `None`.
    ///
    /// # Safety
    ///
    /// The caller owns the lock, and gives it up: no guard of it is dropped
    /// afterwards.
    pub(crate) unsafe fn unlock_with(&self, delta: u32) -> Option<u32> {
        // Only the owner clears the bit, so it cannot clear meanwhile.
        if kernel::warn_on!(self.word.load(Relaxed) & LOCK_BIT == 0) {
            return None;
        }
        self.released();
        // INVARIANT: the owner clears the bit it set.
        let old = self.word.fetch_sub(LOCK_BIT + delta, Release);
        // SAFETY: the owner's bottom halves were disabled by the lock.
        unsafe { rtemu_local_bh_enable() };
        Some(old)
    }

    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn acquired(&self, trylock: bool) {
        // SAFETY: `dep_map` was initialised by `WordLockBhBackend::init`.
        unsafe { rtemu_lockdep_acquire(self.dep_map.get(), trylock) }
    }

    #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
    fn acquired(&self, _trylock: bool) {}

    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    fn released(&self) {
        // SAFETY: `dep_map` was initialised by `WordLockBhBackend::init`.
        unsafe { rtemu_lockdep_release(self.dep_map.get()) }
    }

    #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
    fn released(&self) {}
}

/// The backend of a [`WordLockBh`].
pub(crate) struct WordLockBhBackend;

// SAFETY: the lock bit ensures mutual exclusion: it is set by a successful
// compare-and-exchange from clear (acquire) and cleared only by its owner
// (release). `lock` and `try_lock` disable bottom halves on success and
// `unlock` enables them again, so they stay paired. `relock` is the
// default, which calls `lock`.
unsafe impl Backend for WordLockBhBackend {
    type State = LockWord;
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller guarantees `ptr` is valid for writes; projecting
        // a field makes no reference to the uninitialised memory.
        let word = unsafe { &raw mut (*ptr).word };
        // SAFETY: `word` is valid for writes, and written once.
        unsafe { word.write(Atomic::new(0)) };
        // SAFETY: as for `word`.
        let spare = unsafe { &raw mut (*ptr).spare };
        // SAFETY: as for `word`.
        unsafe { spare.write(Atomic::new(0)) };
        #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
        {
            // SAFETY: as for `word`.
            let dep_map = Opaque::cast_into(unsafe { &raw const (*ptr).dep_map });
            // SAFETY: `dep_map` is valid for writes; `name` and `key` stay
            // valid for reads indefinitely (the caller's guarantees).
            unsafe { rtemu_lockdep_init(dep_map, name, key) };
        }
        #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
        let _ = (name, key);
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        // Changing nothing, it never refuses.
        let _ = unsafe { &*ptr }.lock_if(Some);
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        unsafe { &*ptr }.try_lock().then_some(())
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        let lock = unsafe { &*ptr };
        // SAFETY: the caller owns the lock, and gives it up here. A lock
        // found free is reported by `unlock_with` itself.
        let _ = unsafe { lock.unlock_with(0) };
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
        {
            // SAFETY: the caller guarantees `ptr` is valid and initialised.
            let dep_map = unsafe { &(*ptr).dep_map };
            // SAFETY: `dep_map` was initialised by `init`.
            unsafe { rtemu_lockdep_assert_held(dep_map.get()) };
        }
        #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
        let _ = ptr;
    }
}

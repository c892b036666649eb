// SPDX-License-Identifier: GPL-2.0

//! A spinlock that also disables bottom halves while held (`spin_lock_bh`).
//!
//! The entry lock is taken by BPF programs in softirq context (XDP and TC,
//! through the kfuncs of `rtemu_bpf.c`) as well as by tasks. A task holding
//! a plain spinlock can be interrupted on its CPU by a softirq that spins
//! on the same lock, forever; disabling bottom halves for the (short)
//! critical sections rules that out, and lockdep checks it.

use kernel::{
    bindings,
    ffi::c_char,
    sync::lock::{Backend, Guard, Lock},
};

// The shims of `rtemu_bhlock.c` (the kernel's are static inline).
extern "C" {
    fn rtemu_spin_lock_bh(lock: *mut bindings::spinlock_t);
    fn rtemu_spin_trylock_bh(lock: *mut bindings::spinlock_t) -> bool;
    fn rtemu_spin_unlock_bh(lock: *mut bindings::spinlock_t);
}

/// A spinlock taken with bottom halves disabled.
pub(crate) type SpinLockBh<T> = Lock<T, SpinLockBhBackend>;

/// A guard of a [`SpinLockBh`].
pub(crate) type SpinLockBhGuard<'a, T> = Guard<'a, T, SpinLockBhBackend>;

/// The kernel's `spinlock_t` with `spin_lock_bh`/`spin_unlock_bh`.
pub(crate) struct SpinLockBhBackend;

// SAFETY: `spinlock_t` ensures mutual exclusion; `lock` and `try_lock`
// disable bottom halves on success and `unlock` enables them again, so they
// stay paired. `relock` is the default, which calls `lock`.
unsafe impl Backend for SpinLockBhBackend {
    type State = bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller guarantees `ptr` is valid for writes and that
        // `name` and `key` stay valid for reads indefinitely.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        unsafe { rtemu_spin_lock_bh(ptr) }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        (unsafe { rtemu_spin_trylock_bh(ptr) }).then_some(())
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: the caller guarantees `ptr` is valid and that it holds the
        // lock, taken by `lock` or `try_lock` (bottom halves disabled).
        unsafe { rtemu_spin_unlock_bh(ptr) }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: the caller guarantees `ptr` is valid and initialised.
        unsafe { bindings::spin_assert_is_held(ptr) }
    }
}

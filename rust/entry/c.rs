// SPDX-License-Identifier: GPL-2.0

//! The C API's side of the reference rules (`api.rs` exports them): a
//! reference that C holds is an [`RtRef`] given up as an opaque pointer
//! (`struct rtentry *`), and whether its lock is held is the C caller's to
//! know, and lockdep's to check. A child of `entry`, since it takes entries
//! and their locks apart as the rest of the crate may not.

use core::ffi::c_void;
use core::mem::ManuallyDrop;

use kernel::{sync::lock::Guard, types::NotThreadSafe};

use super::{RtEntry, RtLocked, RtRef, RtState, REF_MASK};
use crate::bhlock::{LockWord, WordLockBh};
use crate::c_consts::{
    RTEMU_RTENTRY_FLAGS_OFFSET, RTEMU_RTENTRY_GWROUTE_OFFSET, RTEMU_RTENTRY_USE_OFFSET,
    RTEMU_RTENTRY_WORD_OFFSET, RTEMU_RT_REFCNT_BITS,
};
use crate::platform::{RcuArc, RcuPtr};

// C reads `struct rtentry` (`include/linux/rtemu.h`) from the pointer it
// gets, which points at the entry's `RcuArc` object: each field it names
// lies where `rtemu_glue.h` says, and holds what C takes it for.
const _: () = {
    use core::mem::{offset_of, size_of};
    let entry = RcuArc::<RtEntry>::VALUE_OFFSET;
    // `rt_flags`, `RTF_UP` included (an `int` in C).
    assert!(entry + offset_of!(RtEntry, flags_seen) == RTEMU_RTENTRY_FLAGS_OFFSET);
    // `rt_use`, a `u64` as C's `unsigned long`.
    assert!(entry + offset_of!(RtEntry, use_count) == RTEMU_RTENTRY_USE_OFFSET);
    assert!(size_of::<core::ffi::c_ulong>() == 8);
    // `rt_refcnt`: the low bits of the word, the lock's state, which starts
    // the lock (`Lock` is `#[repr(C)]` with its state first, and
    // `LockWord` with its word first).
    assert!(entry + offset_of!(RtEntry, state) == RTEMU_RTENTRY_WORD_OFFSET);
    assert!(REF_MASK == (1 << RTEMU_RT_REFCNT_BITS) - 1);
    // `rt_gwroute`: the first field of the locked state, which is the
    // lock's last field, with no padding after it; lockdep's map, where
    // there is one, lies in the lock's state before it.
    let data = size_of::<WordLockBh<RtState>>() - size_of::<RtState>();
    let lockdep_map = size_of::<LockWord>() - 2 * size_of::<u32>();
    assert!(
        entry + offset_of!(RtEntry, state) + data + offset_of!(RtState, gwroute)
            == RTEMU_RTENTRY_GWROUTE_OFFSET + lockdep_map
    );
    // An `Option<RtRef>` is a `struct rtentry *`, null for none
    // (`RtRef` and `RcuPtr` are transparent over a `NonNull`).
    assert!(size_of::<Option<RtRef>>() == size_of::<*const RtEntry>());
};

impl RtRef {
    /// Gives the reference to C.
    pub(crate) fn into_c(self) -> *mut c_void {
        let this = ManuallyDrop::new(self);
        this.rt.as_opaque()
    }

    /// Takes back a reference given to C (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` is null or comes from [`RtRef::into_c`] (or [`RtLocked::into_c`]),
    /// and the reference it stands for is not used otherwise afterwards.
    pub(crate) unsafe fn from_c(p: *mut c_void) -> Option<Self> {
        // SAFETY: by the safety requirements, an entry's pointer.
        let rt = unsafe { RcuPtr::from_opaque(p) }?;
        // INVARIANT: the reference `into_c` gave up, handed over once.
        Some(Self { rt })
    }

    /// The entry of a reference that C holds (`None` for null).
    ///
    /// # Safety
    ///
    /// `p` is null or comes from [`RtRef::into_c`] (or [`RtLocked::into_c`]),
    /// and its reference is held for `'a`.
    pub(crate) unsafe fn borrow_c<'a>(p: *const c_void) -> Option<&'a RtEntry> {
        // SAFETY: by the safety requirements, an entry's pointer.
        let rt = unsafe { RcuPtr::from_opaque(p) }?;
        // SAFETY: the held reference keeps the entry for `'a`.
        Some(unsafe { rt.get() })
    }

    /// `RT_ADDREF` for C: one more reference, given to C at the same
    /// pointer. The entry may have none yet (a walk or a hook passes entries
    /// without references), so the reference may be the first of an entry
    /// out of its table, which counts its memory for its holders.
    ///
    /// # Safety
    ///
    /// `p` is an entry's pointer as C gets them ([`RtRef::into_c`], a walk,
    /// a hook), and the entry's memory is counted for the call: by a
    /// reference C holds, or by the walk or hook that passed it.
    pub(crate) unsafe fn addref_c(p: *const c_void) {
        // SAFETY: an entry's pointer (safety requirements).
        let Some(rt) = (unsafe { RcuPtr::from_opaque(p) }) else {
            return;
        };
        // SAFETY: live and counted for the call (safety requirements).
        let counted = unsafe { rt.count() };
        let p2 = Self::from_arc(counted).into_c();
        debug_assert!(core::ptr::eq(p2, p));
    }
}

impl RtEntry {
    /// `RT_LOCK` for C: takes the lock and leaves it held, for
    /// [`RtEntry::unlock_c`] or [`RtLocked::from_c`].
    pub(crate) fn lock_c(&self) {
        core::mem::forget(self.state.lock());
    }

    /// `RT_UNLOCK` for C.
    ///
    /// # Safety
    ///
    /// The caller holds the lock (lockdep checks it), taken by
    /// [`RtEntry::lock_c`] or returned locked by [`RtLocked::into_c`].
    pub(crate) unsafe fn unlock_c(&self) {
        // SAFETY: by the safety requirements the lock is held, by nothing
        // else in Rust: dropping this guard releases it (a lock found free
        // is reported and left alone).
        drop(unsafe { Guard::new(&self.state, ()) });
    }

    /// What the lock guards, for C, which holds the lock.
    ///
    /// # Safety
    ///
    /// The caller holds the lock (lockdep checks it) for as long as the
    /// returned reference lives, and nothing changes the state meanwhile.
    pub(crate) unsafe fn state_c(&self) -> &RtState {
        // SAFETY: by the safety requirements the lock is held; the guard
        // view checks that with lockdep and is never dropped, so it never
        // unlocks.
        let guard = ManuallyDrop::new(unsafe { Guard::new(&self.state, ()) });
        let state: *const RtState = &**guard;
        // SAFETY: the lock is held for the reference's lifetime (safety
        // requirements), so nothing writes the state meanwhile.
        unsafe { &*state }
    }

    /// `rt_gateway`, under the lock, whose state `state_c` gave.
    pub(crate) fn gateway_c(&self, _locked: &RtState) -> crate::addr::Addr {
        self.load_gateway()
    }

    /// `rt_flags`, `RTF_UP` included, under the lock, whose state `state_c`
    /// gave.
    pub(crate) fn flags_c(&self, _locked: &RtState) -> u32 {
        self.flags_seen.load(kernel::sync::atomic::Relaxed)
    }

    /// Checks, with lockdep, that the caller holds the lock.
    ///
    /// # Safety
    ///
    /// The caller claims to hold the lock; lockdep verifies it.
    pub(crate) unsafe fn assert_locked_c(&self) {
        // SAFETY: the view of the (claimed) held lock is never dropped, so it
        // never unlocks; creating it asserts the lock is held.
        let _view = ManuallyDrop::new(unsafe { Guard::new(&self.state, ()) });
    }
}

impl RtLocked {
    /// Gives the locked, referenced entry to C: the lock stays held.
    pub(crate) fn into_c(self) -> *mut c_void {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is not used again after its handle is taken out; its
        // lock stays held, now C's to release.
        let rt = unsafe { ManuallyDrop::take(&mut this.rt) };
        rt.into_c()
    }

    /// Takes back a locked, referenced entry from C (`None` for null).
    ///
    /// # Safety
    ///
    /// As for [`RtRef::from_c`], and the caller holds the entry's lock,
    /// which it gives up with the reference.
    pub(crate) unsafe fn from_c(p: *mut c_void) -> Option<Self> {
        // SAFETY: by the safety requirements.
        let rt = unsafe { RtRef::from_c(p) }?;
        // SAFETY: the caller holds the lock; the view asserts that (lockdep)
        // and is never dropped.
        let _view = ManuallyDrop::new(unsafe { Guard::new(&rt.entry().state, ()) });
        // INVARIANT: the lock is held and handed over by the caller.
        Some(RtLocked {
            rt: ManuallyDrop::new(rt),
            _not_send: NotThreadSafe,
        })
    }
}

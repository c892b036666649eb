// SPDX-License-Identifier: GPL-2.0

//! Delayed work that calls a function back (`rtemu_timer.c`): what runs a
//! table's lifetime work when its next deadline comes.

use kernel::{
    ffi::{c_ulong, c_void},
    prelude::*,
};

// `rtemu_timer.c`.
extern "C" {
    fn rtemu_timer_new(fire: unsafe extern "C" fn(*mut c_void), ctx: *mut c_void) -> *mut c_void;
    fn rtemu_timer_arm(timer: *mut c_void, delay_ms: c_ulong);
    fn rtemu_timer_cancel_sync(timer: *mut c_void);
    fn rtemu_timer_free(timer: *mut c_void);
}

/// Delayed work that calls `fire(ctx)` on the system workqueue.
///
/// # Invariants
///
/// `0` is a live `struct rtemu_timer` owned by this value, whose `ctx` is
/// valid for its `fire` until the timer is dropped.
pub(crate) struct Timer(*mut c_void);

// SAFETY: the timer is a delayed work item, usable from any thread.
unsafe impl Send for Timer {}
// SAFETY: its operations are the workqueue's and a spinlock's, which are
// thread safe.
unsafe impl Sync for Timer {}

impl Timer {
    /// A timer that calls `fire(ctx)` from a worker each time it runs.
    ///
    /// # Safety
    ///
    /// `fire(ctx)` must be sound to call from a worker thread, at any time,
    /// until the timer is dropped (which waits for a call under way).
    pub(crate) unsafe fn new(
        fire: unsafe extern "C" fn(*mut c_void),
        ctx: *mut c_void,
    ) -> Result<Self> {
        // SAFETY: an allocation; the caller keeps `ctx` valid for `fire`.
        let timer = unsafe { rtemu_timer_new(fire, ctx) };
        if timer.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: live and ours; the caller vouches for `ctx`.
        Ok(Self(timer))
    }

    /// Makes the work run within `delay_ms`, unless it is due sooner: a
    /// later time never postpones an earlier one, even one whose work is
    /// queued already.
    pub(crate) fn arm(&self, delay_ms: u64) {
        // SAFETY: the timer is live (type invariant).
        unsafe { rtemu_timer_arm(self.0, delay_ms.try_into().unwrap_or(c_ulong::MAX)) }
    }

    /// Stops the work and waits for a run under way; a later [`Timer::arm`]
    /// starts it again.
    pub(crate) fn cancel_sync(&self) {
        // SAFETY: the timer is live (type invariant).
        unsafe { rtemu_timer_cancel_sync(self.0) }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel_sync();
        // SAFETY: the timer is live and ours (type invariant), and idle now
        // that it is cancelled; nothing uses it after this drop.
        unsafe { rtemu_timer_free(self.0) };
    }
}

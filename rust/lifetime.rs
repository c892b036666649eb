// SPDX-License-Identifier: GPL-2.0

//! Route lifetimes: WASIX's `preferred_until` and `expires_at`.
//!
//! Both arrive as absolute CLOCK_REALTIME nanoseconds (the seed calls
//! `preferred_until` a duration; a deadline needs an absolute time). They are
//! turned into boot-time deadlines when the route is added, so a later jump
//! of the wall clock does not move them, and a table's lifetime work acts on
//! them without any lookup.

use kernel::{bindings, prelude::*};

use crate::{
    entry::{Deadline, RtArc},
    platform::RVec,
};

/// The clocks a table reads; tests substitute one they control.
pub(crate) trait Clock: Sync {
    /// CLOCK_BOOTTIME, ns.
    fn boot_ns(&self) -> i64;
    /// CLOCK_REALTIME, ns.
    fn real_ns(&self) -> i64;
}

/// The kernel's clocks.
pub(crate) struct KernelClock;

impl Clock for KernelClock {
    fn boot_ns(&self) -> i64 {
        // SAFETY: always safe outside NMI context.
        unsafe { bindings::ktime_get_boottime() }
    }

    fn real_ns(&self) -> i64 {
        // SAFETY: always safe outside NMI context.
        unsafe { bindings::ktime_get_real() }
    }
}

pub(crate) static KERNEL_CLOCK: KernelClock = KernelClock;

/// The deadline of a CLOCK_REALTIME time; above `S64_MAX` is `EOVERFLOW`.
pub(crate) fn deadline(clock: &dyn Clock, wall_ns: u64) -> Result<Deadline> {
    let wall = i64::try_from(wall_ns).map_err(|_| EOVERFLOW)?;
    let boot_ns = clock
        .boot_ns()
        .saturating_add(wall.saturating_sub(clock.real_ns()));
    Ok(Deadline { wall_ns, boot_ns })
}

/// Nanoseconds until `d`, 0 once it passed.
pub(crate) fn remaining(clock: &dyn Clock, d: &Deadline) -> u64 {
    u64::try_from(d.boot_ns.saturating_sub(clock.boot_ns())).unwrap_or(0)
}

/// Checks a request's pair of lifetimes: `expires_at` in the past, or
/// `preferred_until` after `expires_at`, is `EINVAL` (with which one).
pub(crate) fn check_order(
    clock: &dyn Clock,
    preferred: Option<&Deadline>,
    expires: Option<&Deadline>,
) -> Result<(), LifetimeError> {
    if let Some(e) = expires {
        if e.boot_ns <= clock.boot_ns() {
            return Err(LifetimeError::ExpiresInPast);
        }
        if preferred.is_some_and(|p| p.wall_ns > e.wall_ns) {
            return Err(LifetimeError::PreferredAfterExpires);
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LifetimeError {
    ExpiresInPast,
    PreferredAfterExpires,
}

/// The entries a table's lifetime work visits: those with a deadline, and
/// the clones (idle collection), in the order they began to be tracked.
///
/// An entry leaves in O(log n): its slot, found by the entry's sequence
/// number, is emptied in place, so a walk by index neither skips nor
/// repeats an entry when others leave during it. Empty slots are swept,
/// keeping the order, once they are half the list.
///
/// # Invariants
///
/// `slots` is sorted by sequence number; an entry whose
/// [`timed_seq`](crate::entry::RtEntry::timed_seq) is not 0 is in the slot
/// with that number, and `vacant` counts the empty slots.
pub(crate) struct TimedList {
    slots: RVec<(u64, Option<RtArc>)>,
    vacant: usize,
    next_seq: u64,
}

impl TimedList {
    pub(crate) fn new() -> Self {
        Self {
            slots: RVec::new(),
            vacant: 0,
            next_seq: 1,
        }
    }

    /// Makes room for one more entry, so that [`TimedList::track`] cannot
    /// fail. Route memory, charged to the caller.
    pub(crate) fn reserve_one(&mut self) -> Result {
        self.sweep_if_sparse();
        self.slots.reserve(1, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    /// Whether `rt` is in its table's list.
    pub(crate) fn tracks(rt: &RtArc) -> bool {
        rt.timed_seq() != 0
    }

    /// Tracks `rt` from now on, unless it is already; room must have been
    /// reserved with [`TimedList::reserve_one`].
    pub(crate) fn track(&mut self, rt: &RtArc) {
        if Self::tracks(rt) {
            return;
        }
        let seq = self.next_seq;
        if self
            .slots
            .push_within_capacity((seq, Some(rt.clone())))
            .is_ok()
        {
            self.next_seq += 1;
            rt.set_timed_seq(seq);
        }
    }

    /// Stops tracking `rt`, if it is.
    pub(crate) fn untrack(&mut self, rt: &RtArc) {
        let seq = rt.timed_seq();
        if seq == 0 {
            return;
        }
        rt.set_timed_seq(0);
        if let Ok(i) = self.slots.binary_search_by_key(&seq, |(s, _)| *s) {
            if self.slots[i].1.take().is_some() {
                self.vacant += 1;
            }
        }
    }

    /// Slots, empty ones included: the bound of a walk by index.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The entry in slot `i`, unless it left.
    pub(crate) fn get(&self, i: usize) -> Option<&RtArc> {
        self.slots.get(i)?.1.as_ref()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &RtArc> {
        self.slots.iter().filter_map(|(_, rt)| rt.as_ref())
    }

    /// Stops tracking the entries `keep` refuses.
    pub(crate) fn retain(&mut self, keep: impl Fn(&RtArc) -> bool) {
        for slot in self.slots.iter_mut() {
            if slot.1.as_ref().is_some_and(|rt| !keep(rt)) {
                if let Some(rt) = slot.1.take() {
                    rt.set_timed_seq(0);
                    self.vacant += 1;
                }
            }
        }
        self.sweep_if_sparse();
    }

    /// Drops the empty slots once they are half the list. Not during a walk
    /// by index.
    pub(crate) fn sweep_if_sparse(&mut self) {
        if self.vacant > 0 && self.vacant * 2 >= self.slots.len() {
            self.slots.retain(|(_, rt)| rt.is_some());
            self.vacant = 0;
        }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The entries a table's lifetime work visits, in the order they began to be
//! tracked.

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use kernel::prelude::*;

use crate::{
    entry::{RtArc, RtEntry},
    platform::{AllocError, RVec},
};

/// The rooms a [`TimedList`] has made and not yet filled. It lives beside
/// the list, outside the lock that guards it, so that a [`TimedRoom`] can
/// give its room back when it is dropped unused.
pub(crate) struct TimedRooms(AtomicUsize);

impl TimedRooms {
    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }
}

/// Room for one more entry in a [`TimedList`], made before the table
/// changes ([`TimedList::reserve_one`]); [`TimedList::track`] takes it, so
/// tracking cannot fail. Dropped unused, it gives the room back.
///
/// # Invariants
///
/// Counted in `rooms` until dropped.
#[must_use = "an entry with a deadline is tracked with the room made for it"]
pub(crate) struct TimedRoom<'a> {
    rooms: &'a TimedRooms,
}

impl Drop for TimedRoom<'_> {
    fn drop(&mut self) {
        self.rooms.0.fetch_sub(1, Relaxed);
    }
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
/// with that number, and `vacant` counts the empty slots. The spare capacity
/// of `slots` is at least the count of the list's [`TimedRooms`]: every
/// live [`TimedRoom`] has its slot.
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

    /// Makes room for one more entry, on top of the rooms already made
    /// (`rooms`, this list's), so that [`TimedList::track`] cannot fail.
    /// Route memory, charged to the caller.
    pub(crate) fn reserve_one<'a>(
        &mut self,
        rooms: &'a TimedRooms,
    ) -> Result<TimedRoom<'a>, AllocError> {
        self.sweep_if_sparse();
        let made = rooms.0.load(Relaxed);
        self.slots.reserve(made + 1, GFP_KERNEL_ACCOUNT)?;
        rooms.0.fetch_add(1, Relaxed);
        // INVARIANT: counted in `rooms`, whose every room has a slot.
        Ok(TimedRoom { rooms })
    }

    /// Whether `rt` is in its table's list.
    pub(crate) fn tracks(rt: &RtArc) -> bool {
        rt.timed_seq() != 0
    }

    /// Tracks `rt` from now on, in the room made for it, unless it is
    /// tracked already.
    pub(crate) fn track(&mut self, rt: &RtArc, room: TimedRoom<'_>) {
        if Self::tracks(rt) {
            return;
        }
        let seq = self.next_seq;
        // Cannot fail: `room`'s slot is spare until `room` is dropped below
        // (type invariant).
        let pushed = self.slots.push_within_capacity((seq, Some(rt.clone())));
        if !kernel::warn_on!(pushed.is_err()) {
            self.next_seq += 1;
            rt.set_timed_seq(seq);
        }
        drop(room);
    }

    /// Stops tracking `rt`, if it is.
    pub(crate) fn untrack(&mut self, rt: &RtEntry) {
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

    #[allow(dead_code, reason = "the KUnit suite checks the slots")]
    /// Slots, empty ones included.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The sequence number of slot `i` and its entry, unless it left.
    pub(crate) fn slot(&self, i: usize) -> Option<(u64, Option<&RtArc>)> {
        self.slots.get(i).map(|(seq, rt)| (*seq, rt.as_ref()))
    }

    /// The index of the first slot after sequence number `seq`: where a
    /// walk by index goes on after a sweep.
    pub(crate) fn index_after(&self, seq: u64) -> usize {
        self.slots.partition_point(|(s, _)| *s <= seq)
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

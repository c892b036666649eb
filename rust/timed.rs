// SPDX-License-Identifier: GPL-2.0

//! The entries a table's lifetime work looks at, ordered by when it is next
//! due to look at each.

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use kernel::prelude::*;

use crate::{
    entry::{RtArc, RtEntry},
    platform::{AllocError, RVec},
};

/// The rooms a [`TimedQueue`] has made and not yet filled. It lives beside
/// the queue, outside the lock that guards it, so that a [`TimedRoom`] can
/// give its room back when it is dropped unused.
pub(crate) struct TimedRooms(AtomicUsize);

impl TimedRooms {
    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }
}

/// Room for one more entry in a [`TimedQueue`], made before the table
/// changes ([`TimedQueue::reserve_one`]); [`TimedQueue::track`] takes it, so
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

/// An entry of a [`TimedQueue`]: when it is due, and the order it began to
/// be tracked in, which orders entries due at the same time (a parent
/// before the clones that inherited its deadline).
struct Timed {
    due: i64,
    seq: u64,
    rt: RtArc,
}

impl Timed {
    fn key(&self) -> (i64, u64) {
        (self.due, self.seq)
    }
}

/// The entries a table's lifetime work looks at (those with a deadline,
/// and the clones, for idle collection), each with the boot time it is due:
/// a binary min-heap, so that the work finds what is due in O(1), and an
/// entry is added, moved to a new time or taken out in O(log n), found by
/// the index it keeps ([`RtEntry::timed_slot`]). A run of the work then
/// costs what is due, not what is tracked.
///
/// # Invariants
///
/// `heap` is a min-heap by (due time, sequence number); the entry at index
/// `i` has `timed_slot() == Some(i)`, and an entry not in `heap` has `None`.
/// Sequence numbers are below `next_seq` and unique. The spare capacity of
/// `heap` is at least the count of the queue's [`TimedRooms`]: every live
/// [`TimedRoom`] has its slot.
pub(crate) struct TimedQueue {
    heap: RVec<Timed>,
    next_seq: u64,
}

impl TimedQueue {
    pub(crate) fn new() -> Self {
        Self {
            heap: RVec::new(),
            next_seq: 0,
        }
    }

    /// Makes room for one more entry, on top of the rooms already made
    /// (`rooms`, this queue's), so that [`TimedQueue::track`] cannot fail.
    /// Route memory, charged to the caller.
    pub(crate) fn reserve_one<'a>(
        &mut self,
        rooms: &'a TimedRooms,
    ) -> Result<TimedRoom<'a>, AllocError> {
        let made = rooms.0.load(Relaxed);
        self.heap.reserve(made + 1, GFP_KERNEL_ACCOUNT)?;
        rooms.0.fetch_add(1, Relaxed);
        // INVARIANT: counted in `rooms`, whose every room has a slot.
        Ok(TimedRoom { rooms })
    }

    /// Whether `rt` is in its table's queue.
    pub(crate) fn tracks(rt: &RtEntry) -> bool {
        rt.timed_slot().is_some()
    }

    /// Makes `rt` due at `due`: tracked from now on, in the room made for
    /// it, or moved to `due` when it is tracked already.
    pub(crate) fn track(&mut self, rt: &RtArc, due: i64, room: TimedRoom<'_>) {
        if Self::tracks(rt) {
            self.reschedule(rt, due);
            return;
        }
        let i = self.heap.len();
        let timed = Timed {
            due,
            seq: self.next_seq,
            rt: rt.clone(),
        };
        // Cannot fail: `room`'s slot is spare until `room` is dropped below
        // (type invariant).
        if kernel::warn_on!(self.heap.push_within_capacity(timed).is_err()) {
            return;
        }
        self.next_seq += 1;
        drop(room);
        rt.set_timed_slot(Some(i));
        self.sift_up(i);
    }

    /// Moves `rt` to `due`, if it is tracked (keeping its place among the
    /// entries due at the same time); an entry that left meanwhile stays
    /// out.
    pub(crate) fn reschedule(&mut self, rt: &RtEntry, due: i64) {
        let Some(i) = rt.timed_slot() else {
            return;
        };
        let was = core::mem::replace(&mut self.heap[i].due, due);
        if due < was {
            self.sift_up(i);
        } else {
            self.sift_down(i);
        }
    }

    /// Stops tracking `rt`, if it is.
    pub(crate) fn untrack(&mut self, rt: &RtEntry) {
        let Some(i) = rt.timed_slot() else {
            return;
        };
        let last = self.heap.len() - 1;
        if i != last {
            self.swap(i, last);
        }
        drop(self.heap.pop());
        rt.set_timed_slot(None);
        if i < self.heap.len() {
            // The entry moved in from the end may belong above or below.
            self.sift_up(i);
            self.sift_down(i);
        }
    }

    /// When `rt` is due, if this queue tracks it.
    pub(crate) fn due(&self, rt: &RtEntry) -> Option<i64> {
        rt.timed_slot()
            .and_then(|i| self.heap.get(i))
            .map(|t| t.due)
    }

    /// The entry due first, and when.
    pub(crate) fn first(&self) -> Option<(i64, &RtArc)> {
        self.heap.first().map(|t| (t.due, &t.rt))
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        // INVARIANT: each of the two entries learns its new index.
        self.heap[i].rt.set_timed_slot(Some(i));
        self.heap[j].rt.set_timed_slot(Some(j));
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].key() <= self.heap[i].key() {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.heap[right].key() < self.heap[left].key() {
                right
            } else {
                left
            };
            if self.heap[i].key() <= self.heap[child].key() {
                break;
            }
            self.swap(i, child);
            i = child;
        }
    }
}

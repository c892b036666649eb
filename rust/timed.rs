// SPDX-License-Identifier: GPL-2.0

//! The entries a table's lifetime work visits, in the order they began to be
//! tracked.

use kernel::prelude::*;

use crate::{entry::RtArc, platform::RVec};

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

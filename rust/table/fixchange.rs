// SPDX-License-Identifier: GPL-2.0

//! FreeBSD's `rt_fixchange`: the clones a new route or a new router
//! supersedes leave the table, so that they do not answer for addresses
//! with an older route's router.

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{paths::walk_after, RouteTable, WriterGuard, EVENTS_PER_BATCH, WRITER_BATCH};
use crate::{
    addr::Prefix,
    entry::{RtArc, RtEntry},
    event::{DeleteReason, Events},
    platform::{AllocError, RcuGuard},
};

/// Room for a batch of the clones a new route or router supersedes
/// (`rt_fixchange`), and for their events.
///
/// # Invariants
///
/// The vector has room for [`WRITER_BATCH`] entries.
pub(super) struct SupersededRoom(KVec<RtArc>);

impl SupersededRoom {
    pub(super) fn new(table: &RouteTable, ev: &mut Events<'_>) -> Result<Self, AllocError> {
        table.make_room(ev, EVENTS_PER_BATCH);
        let victims = KVec::with_capacity(WRITER_BATCH as usize, GFP_KERNEL)?;
        // INVARIANT: room for a batch.
        Ok(Self(victims))
    }
}

impl RouteTable {
    /// Room for a batch of the clones a route at `p0` may supersede, and for
    /// their events; none while the table has no clone. Made under the
    /// writer lock, before the table changes: no clone can appear between
    /// this decision and [`RouteTable::retire_superseded`], and no failure
    /// after the change.
    pub(super) fn room_for_superseded(
        &self,
        p0: &Prefix,
        ev: &mut Events<'_>,
    ) -> Result<Option<SupersededRoom>, AllocError> {
        if p0.is_host() || self.clones.load(Relaxed) == 0 {
            return Ok(None);
        }
        SupersededRoom::new(self, ev).map(Some)
    }

    /// FreeBSD's `rt_fixchange` for `rt0`, a network route just added or
    /// given a router: deletes the clones inside its prefix that came from
    /// another route no more specific (its own a new router retires before,
    /// [`RouteTable::delete_clones_of`]), which would otherwise keep
    /// answering for its addresses with an older route's router. A walk of
    /// the prefix's subtree, as FreeBSD's, in batches; `rt0` is in the table,
    /// so no clone it supersedes can be made meanwhile. `room` is
    /// [`RouteTable::room_for_superseded`]'s, made under this hold of the
    /// writer lock: without it the table had no clone.
    pub(super) fn retire_superseded<'a>(
        &'a self,
        rt0: &RtArc,
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        room: Option<&mut SupersededRoom>,
        ev: &mut Events<'_>,
    ) -> WriterGuard<'a> {
        let p0 = rt0.prefix();
        let Some(SupersededRoom(victims)) = room else {
            return writer;
        };
        if self.clones.load(Relaxed) == 0 {
            return writer;
        }
        let superseded = |rt: &RtEntry| {
            rt.is_up()
                && rt
                    .parent()
                    .is_some_and(|p| !core::ptr::eq(p, &**rt0) && p.prefix_len() <= p0.len())
        };
        let mut after = None;
        loop {
            victims.clear();
            let finished = {
                let g = RcuGuard::new();
                on_trie!(self, p0.af(), |trie| walk_after(
                    trie,
                    Some(&p0),
                    &mut after,
                    &g,
                    &mut |rt| {
                        self.visit(batch);
                        if superseded(&rt) {
                            if let Some(rt) = rt.to_arc() {
                                // Within the room: a prefix has one clone
                                // at most (a host route in the way is the
                                // answer, never cloned over), and the walk
                                // stops once the room is full.
                                let _ = victims.push_within_capacity(rt);
                            }
                        }
                        *batch < WRITER_BATCH && victims.len() < victims.capacity()
                    }
                ))
            };
            for clone in victims.iter() {
                if clone.is_up() && self.remove_path(clone).is_ok() {
                    self.unlink(clone, &mut writer, Some(DeleteReason::Superseded), ev);
                }
            }
            if finished {
                return writer;
            }
            writer = self.next_batch(writer, batch, ev);
        }
    }
}

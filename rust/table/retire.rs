// SPDX-License-Identifier: GPL-2.0

//! How routes leave the table: a route's clones first, in batches
//! ([`RouteTable::delete_clones_of`]), then the route itself out of the
//! accounting ([`RouteTable::unlink`]), once its prefix was republished
//! without it.

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{RouteTable, TableError, WriterGuard, WriterState, WRITER_BATCH};
use crate::{
    entry::{RouteInfo, RtArc, RtEntry},
    event::{DeleteReason, Event, Events},
};

impl RouteTable {
    /// Takes `rt` out of the accounting after its set was republished
    /// without it: clears `RTF_UP`, forgets its timers, takes a clone off
    /// its parent's list, and records the event. Its own clones left
    /// before it ([`RouteTable::delete_clones_of`]).
    pub(super) fn unlink(
        &self,
        rt: &RtArc,
        writer: &mut WriterState,
        reason: Option<DeleteReason>,
        ev: &mut Events<'_>,
    ) {
        RtEntry::mark_down(rt);
        self.routes_of(rt.prefix().af()).fetch_sub(1, Relaxed);
        if rt.is_clone() {
            self.clones.fetch_sub(1, Relaxed);
            rt.unlink_from_parent();
        }
        writer.timed.untrack(rt);
        self.changed();
        match reason {
            Some(reason) => {
                self.push_route(ev, Event::Delete(RouteInfo::of_unlocked(rt), reason), rt)
            }
            None => self.push_route(ev, Event::Expire(RouteInfo::of_unlocked(rt)), rt),
        }
        // A clone left behind would answer for a route that is gone: a bug
        // of the caller, reported, and mended at once.
        if rt.clone_count() != 0 {
            kernel::warn_on!(true);
            while let Some(clone) = rt.close_clones() {
                if self.remove_path(&clone).is_ok() {
                    self.unlink(&clone, writer, Some(DeleteReason::ParentDeleted), ev);
                } else {
                    clone.unlink_from_parent();
                }
            }
        }
    }

    /// Deletes the clones of each of `parents`, which are about to leave
    /// the table or change their router, newest first, in batches of
    /// [`WRITER_BATCH`]. Each parent's clone list is closed first, so that
    /// no clone joins it meanwhile (a lookup gets the parent); the caller
    /// opens it again ([`RtEntry::reopen_clones`]) if the parent stays.
    /// Returns the writer lock and whether it was let go in between (so
    /// what the caller read under it may have changed). A failure to
    /// republish (no memory) stops the deletion with the clones deleted so
    /// far gone.
    pub(super) fn delete_clones_of<'a>(
        &'a self,
        parents: &[RtArc],
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        reason: DeleteReason,
        ev: &mut Events<'_>,
    ) -> Result<(WriterGuard<'a>, bool), TableError> {
        let mut yielded = false;
        for parent in parents {
            while let Some(clone) = parent.close_clones() {
                if *batch >= WRITER_BATCH {
                    writer = self.next_batch(writer, batch, ev);
                    yielded = true;
                    continue;
                }
                self.visit(batch);
                match self.remove_path(&clone) {
                    Ok(()) => self.unlink(&clone, &mut writer, Some(reason), ev),
                    // Out of the trie already: a clear took it, and takes it
                    // out of the accounting itself.
                    Err(TableError::NoSuchRoute) => clone.unlink_from_parent(),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok((writer, yielded))
    }
}

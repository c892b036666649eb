// SPDX-License-Identifier: GPL-2.0

//! Removing routes: by prefix (and router), by address, and all of them
//! (a clear), each in batches of [`WRITER_BATCH`](super::WRITER_BATCH).

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{
    paths::{walk_after, write_txn, AfKey, PathRef},
    RouteTable, TableError, WriterGuard, EVENTS_PER_BATCH, WRITER_BATCH,
};
use crate::{
    addr::{Addr, Af, Prefix},
    entry::{RtArc, RtEntry},
    event::{DeleteReason, Event, Events},
    platform::{cond_resched, RcuGuard},
    trie::Trie,
};

impl RouteTable {
    /// Removes the paths of `prefix` (only the one through `via` if given).
    /// Returns how many were removed; none is `ESRCH`. Their clones go
    /// first, in batches; then the prefix's new set is published once, so a
    /// failed allocation there removes no path.
    pub(crate) fn remove(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        ev: &mut Events<'_>,
    ) -> Result<u32, TableError> {
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        let mut batch = 0;
        let mut closed: KVec<RtArc> = KVec::new();
        let result = loop {
            // What a previous hold closed is closed again below if it is
            // still to go.
            closed.iter().for_each(|p| p.reopen_clones());
            let existing = self.get_exact(prefix)?;
            let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
            let mut gone = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
            for path in existing {
                let matches = via.is_none_or(|v| path.lock_state().gateway() == *v);
                // Both have room for every path: no allocation.
                if matches {
                    gone.push(path, GFP_KERNEL)?;
                } else {
                    keep.push(path, GFP_KERNEL)?;
                }
            }
            if gone.is_empty() {
                break Err(TableError::NoSuchRoute);
            }
            closed = gone;
            match self.delete_clones_of(
                &closed,
                writer,
                &mut batch,
                DeleteReason::ParentDeleted,
                ev,
            ) {
                Ok((w, true)) => {
                    writer = w;
                    continue;
                }
                Ok((w, false)) => writer = w,
                Err(e) => {
                    writer = self.writer.lock();
                    break Err(e);
                }
            }
            if let Err(e) = self.republish(prefix, &keep) {
                break Err(e);
            }
            for rt in &closed {
                self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
            }
            self.end_hold(batch);
            return Ok(closed.len() as u32);
        };
        closed.iter().for_each(|p| p.reopen_clones());
        self.end_hold(batch);
        drop(writer);
        result
    }

    /// `route-remove` by address: every route whose router is `addr` and
    /// the host route to `addr`, found by a walk of the family's routes in
    /// batches of [`WRITER_BATCH`]. Returns how many; none is `ESRCH`.
    pub(crate) fn remove_addr(&self, addr: &Addr, ev: &mut Events<'_>) -> Result<u32, TableError> {
        let host = Prefix::host(*addr);
        let goes = |rt: &RtEntry| rt.lock_state().gateway() == *addr || rt.prefix() == host;
        let mut after = None;
        let mut count = 0;
        let mut failed = None;
        // Room for a batch's victims, made once: a later batch needs none.
        let mut victims = KVec::with_capacity(WRITER_BATCH as usize, GFP_KERNEL)?;
        loop {
            victims.clear();
            self.make_room(ev, EVENTS_PER_BATCH);
            let mut writer = self.writer.lock();
            let mut batch = 0;
            let finished = {
                let g = RcuGuard::new();
                on_trie!(self, addr.af(), |trie| walk_after(
                    trie,
                    None,
                    &mut after,
                    &g,
                    &mut |rt| {
                        self.visit(&mut batch);
                        if goes(&rt) {
                            if let Some(rt) = rt.to_arc() {
                                // Beyond the room only for a prefix with
                                // more paths than a batch.
                                if let Err(e) = victims.push_within_capacity(rt) {
                                    if victims.push(e.0, GFP_NOWAIT | __GFP_NOWARN).is_err() {
                                        failed = Some(TableError::NoMemory);
                                    }
                                }
                            }
                        }
                        batch < WRITER_BATCH
                    }
                ))
            };
            for rt in &victims {
                if batch >= WRITER_BATCH {
                    writer = self.next_batch(writer, &mut batch, ev);
                }
                // Already gone with a parent, or changed or removed while
                // the lock was let go.
                if !rt.is_up() || !goes(rt) {
                    continue;
                }
                self.visit(&mut batch);
                let one = core::slice::from_ref(rt);
                writer = match self.delete_clones_of(
                    one,
                    writer,
                    &mut batch,
                    DeleteReason::ParentDeleted,
                    ev,
                ) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        failed = Some(e);
                        rt.reopen_clones();
                        self.writer.lock()
                    }
                };
                match self.remove_path(rt) {
                    Ok(()) => {
                        self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
                        count += 1;
                    }
                    Err(TableError::NoSuchRoute) => {}
                    Err(e) => {
                        rt.reopen_clones();
                        failed = Some(e);
                    }
                }
            }
            self.end_hold(batch);
            drop(writer);
            if finished {
                break;
            }
            ev.flush();
            cond_resched();
        }
        // Some removed: the count says how many (their events go out).
        // None removed: why, if one could not be.
        if count == 0 {
            return Err(failed.unwrap_or(TableError::NoSuchRoute));
        }
        Ok(count)
    }

    /// Removes every route, or those of one family, with one clear event.
    /// The routes leave the trie at once; then they are taken out of the
    /// accounting (`RTF_UP` cleared, timers, clone lists, the hooks told)
    /// in batches of [`WRITER_BATCH`], before this returns.
    pub(crate) fn clear(&self, af: Option<Af>, ev: &mut Events<'_>) -> Result<u32, TableError> {
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        // Both transactions open before either trie is taken: a trie taken
        // whole goes through `unlink_cleared`, never dropped with its
        // routes up.
        let txn4 = (af != Some(Af::Inet6))
            .then(|| write_txn(&self.v4))
            .transpose()?;
        let txn6 = (af != Some(Af::Inet))
            .then(|| write_txn(&self.v6))
            .transpose()?;
        let v4 = txn4.map(|mut t| t.take_all());
        let v6 = txn6.map(|mut t| t.take_all());
        if v4.is_some() {
            self.routes_v4.store(0, Relaxed);
        }
        if v6.is_some() {
            self.routes_v6.store(0, Relaxed);
        }
        self.changed();
        let mut count = 0;
        let mut batch = 0;
        if let Some(t) = &v4 {
            writer = self.unlink_cleared(t, writer, &mut batch, &mut count, ev);
        }
        if let Some(t) = &v6 {
            writer = self.unlink_cleared(t, writer, &mut batch, &mut count, ev);
        }
        self.end_hold(batch);
        drop(writer);
        ev.push(Event::Clear { af, count });
        Ok(count)
    }

    /// Takes the routes of `trie`, which a clear took out of the table, out
    /// of the accounting: clears `RTF_UP`, forgets their timers, takes
    /// clones off their parents' lists, and tells the hooks; in batches.
    pub(super) fn unlink_cleared<'a, K: AfKey>(
        &'a self,
        trie: &Trie<K, RtArc>,
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        count: &mut u32,
        ev: &mut Events<'_>,
    ) -> WriterGuard<'a> {
        let wants_entries = self.wants_entries();
        let mut after = None;
        loop {
            let finished = {
                let g = RcuGuard::new();
                let w = &mut *writer;
                walk_after(trie, None, &mut after, &g, &mut |rt| {
                    self.visit(batch);
                    // `trie` still counts every entry it holds.
                    match rt.to_arc() {
                        Some(arc) => RtEntry::mark_down(&arc),
                        None => {
                            kernel::warn_on!(true);
                        }
                    }
                    if rt.is_clone() {
                        self.clones.fetch_sub(1, Relaxed);
                        rt.unlink_from_parent();
                    }
                    w.timed.untrack(&rt);
                    if let PathRef::First(first) = rt {
                        drop(first.set_other_paths(None));
                    }
                    if wants_entries {
                        if let Some(rt) = rt.to_arc() {
                            ev.push_cleared(&rt);
                        }
                    }
                    *count += 1;
                    *batch < WRITER_BATCH
                })
            };
            if finished {
                return writer;
            }
            writer = self.next_batch(writer, batch, ev);
        }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! `rtrequest1`'s add and RTM_CHANGE: the two writes that put a route in
//! place, with the clones they replace or supersede.

use kernel::prelude::*;

use super::{
    fixchange::SupersededRoom,
    lifetimes::{clone_due, due_of},
    via_itself, NewRoute, RouteChange, RouteTable, TableError,
};
use crate::{
    addr::{Addr, Prefix},
    entry::{clones, flags::*, LifetimesRoom, RouteInfo, RtArc, RtEntry, RtState},
    event::{DeleteReason, Event, Events},
    platform::RcuGuard,
};

impl RouteTable {
    /// Adds a route (`rtrequest1(RTM_ADD)`). A clone in the way is
    /// replaced; any other path with the same router is `EEXIST`. Clones
    /// the new route supersedes go (`rt_fixchange`).
    pub(crate) fn add(&self, new: NewRoute, ev: &mut Events<'_>) -> Result<(), TableError> {
        if via_itself(&new.prefix, &new.gateway) {
            return Err(TableError::ViaItself);
        }
        let now = self.clock.boot_ns();
        let mut flags = new.flags & RTF_USER;
        if !new.gateway.is_unspecified() {
            flags |= RTF_GATEWAY;
        }
        if new.prefix.is_host() {
            // As rtrequest1: a host route has nothing to clone.
            flags |= RTF_HOST;
            flags &= !RTF_CLONING;
        }
        if new.preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let rt = RtEntry::new(
            new.prefix,
            RtState::new(new.gateway, flags, new.preferred, new.expires)?,
            None,
            self.counters.clone(),
            now,
        )?;
        // The add's own events; a batch more only where clones may go.
        self.make_room(ev, 2);
        let mut writer = self.writer.lock();
        let mut superseded = self.room_for_superseded(&new.prefix, ev)?;
        let mut batch = 0;
        let existing = self.get_exact(&new.prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut replaced = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        for path in &existing {
            let (gw, pflags) = {
                let s = path.lock_state();
                (s.gateway, s.flags)
            };
            if pflags & RTF_WASCLONED != 0 {
                replaced.push(path.clone(), GFP_KERNEL)?;
            } else if gw == new.gateway {
                return Err(TableError::PathExists);
            } else {
                keep.push(path.clone(), GFP_KERNEL)?;
            }
        }
        if self.total_routes() - replaced.len() as u32 >= self.limits.routes {
            return Err(TableError::Full);
        }
        if keep.len() >= self.limits.paths as usize {
            return Err(TableError::TooManyPaths);
        }
        let room = if new.preferred.is_some() || new.expires.is_some() {
            Some(writer.timed.reserve_one(&self.timed_rooms)?)
        } else {
            None
        };
        drop(existing);
        // The last step that can fail: nothing was changed before it.
        self.insert_path(&rt, &keep)?;
        if let (Some(room), Some(due)) = (room, due_of(&rt.lock_state())) {
            writer.timed.track(&rt, due, room);
        }
        for clone in &replaced {
            self.unlink(clone, &mut writer, Some(DeleteReason::Replaced), ev);
        }
        let writer = self.retire_superseded(&rt, writer, &mut batch, superseded.as_mut(), ev);
        self.end_hold(batch);
        drop(writer);
        self.push_route(ev, Event::Add(RouteInfo::of_unlocked(&rt)), &rt);
        Ok(())
    }

    /// Changes an existing route (RTM_CHANGE). `via` picks one path of a
    /// multipath prefix; without it the prefix must have one path. Only the
    /// flags in [`RTF_FMASK`] change. A new router retires the clones it
    /// makes stale, as `rt_setgate` does (whether or not it differs).
    pub(crate) fn change(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        change: RouteChange,
        ev: &mut Events<'_>,
    ) -> Result<(), TableError> {
        // Made before anything changes, so that nothing fails after: the
        // route's own clones may go, and those it then supersedes.
        let mut superseded = match change.gateway {
            Some(_) if !prefix.is_host() => Some(SupersededRoom::new(self, ev)?),
            _ => {
                self.make_room(ev, 2);
                None
            }
        };
        let lifetimes_room = if change.preferred.is_some() || change.expires.is_some() {
            Some(LifetimesRoom::new()?)
        } else {
            None
        };
        let mut writer = self.writer.lock();
        let timed_room = if change.preferred.is_some() || change.expires.is_some() {
            Some(writer.timed.reserve_one(&self.timed_rooms)?)
        } else {
            None
        };
        let mut batch = 0;
        // A new router retires the route's clones first, in batches; after
        // a batch the request is checked again.
        let rt = loop {
            let rt = self.change_target(prefix, via, &change)?;
            if change.gateway.is_none() {
                break rt;
            }
            let one = core::slice::from_ref(&rt);
            let deleted =
                self.delete_clones_of(one, writer, &mut batch, DeleteReason::ParentChanged, ev);
            rt.reopen_clones();
            let (w, yielded) = deleted?;
            writer = w;
            if !yielded {
                break rt;
            }
        };
        let now = self.clock.boot_ns();
        let (info, due, unused_room) = {
            let mut s = rt.lock_state();
            let mut flags = s.flags;
            if let Some(gw) = change.gateway {
                s.gateway = gw;
                if gw.is_unspecified() {
                    flags &= !RTF_GATEWAY;
                } else {
                    flags |= RTF_GATEWAY;
                }
            }
            if let Some(f) = change.flags {
                flags = f.apply(flags);
            }
            let mut lifetimes = s.lifetimes();
            if let Some(p) = change.preferred {
                lifetimes.preferred = Some(p);
                if p.boot_ns > now {
                    flags &= !RTF_DEPRECATED;
                } else {
                    flags |= RTF_DEPRECATED;
                }
            }
            if let Some(e) = change.expires {
                lifetimes.expires = Some(e);
            }
            let unused_room = s.set_lifetimes(lifetimes, lifetimes_room);
            rt.set_flags(&mut s, flags);
            let due = if rt.is_clone() {
                Some(clone_due(&s, now))
            } else {
                due_of(&s)
            };
            (RouteInfo::of(&rt, &s), due, unused_room)
        };
        drop(unused_room);
        if let (Some(room), Some(due)) = (timed_room, due) {
            writer.timed.track(&rt, due, room);
        }
        self.changed();
        // rt_setgate's rt_fixchange also retires the clones inside the
        // prefix that came from a route no more specific: another path of
        // the same prefix.
        if change.gateway.is_some() {
            writer = self.retire_superseded(&rt, writer, &mut batch, superseded.as_mut(), ev);
        }
        self.end_hold(batch);
        drop(writer);
        self.push_route(ev, Event::Change(info), &rt);
        Ok(())
    }

    /// The path a route-change is for, checked against the change; under
    /// the writer lock.
    pub(super) fn change_target(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        change: &RouteChange,
    ) -> Result<RtArc, TableError> {
        let existing = self.get_exact(prefix)?;
        let mut chosen = None;
        for path in &existing {
            let matches = via.is_none_or(|v| path.lock_state().gateway == *v);
            if matches {
                if chosen.is_some() {
                    return Err(TableError::SeveralPaths);
                }
                chosen = Some(path.clone());
            }
        }
        let rt = chosen.ok_or(TableError::NoSuchRoute)?;
        // A new router another path of the prefix already uses would make
        // two paths the same route, which an add refuses.
        if let Some(gw) = change.gateway {
            let taken = existing
                .iter()
                .any(|p| !RtArc::ptr_eq(p, &rt) && p.lock_state().gateway == gw);
            if taken {
                return Err(TableError::RouterTaken);
            }
            // rt_setgate. FreeBSD deletes a host route given itself as its
            // router; rtemu refuses and keeps it.
            if via_itself(prefix, &gw) {
                return Err(TableError::ViaItself);
            }
            // rt_setgate's "cloning loop avoidance": a router that only
            // this route reaches. Through a cloning route FreeBSD's lookup
            // of the router clones a host route for it (at once retired by
            // rt_fixchange), so that is allowed, and rtemu skips the clone.
            if !gw.is_unspecified() && !prefix.is_host() {
                let g = RcuGuard::new();
                let through_itself = self.lookup_rcu(&gw, &g).is_some_and(|m| m.is(&rt));
                if through_itself && !clones(rt.lock_state().flags, 0) {
                    return Err(TableError::ViaOnlyItself);
                }
            }
        }
        Ok(rt)
    }
}

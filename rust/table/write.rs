// SPDX-License-Identifier: GPL-2.0

//! `rtrequest1`'s add and RTM_CHANGE: the two writes that put a route in
//! place, with the clones they replace or supersede.

use kernel::prelude::*;

use super::{
    fixchange::SupersededRoom,
    gwroute::{NewClones, GWROUTE_EVENTS},
    lifetimes::{clone_due, due_of},
    via_itself, NewRoute, RouteChange, RouteTable, TableError, WriterGuard,
};
use crate::{
    addr::{Addr, Prefix},
    entry::{flags::*, LifetimesRoom, RouteInfo, RtArc, RtEntry, RtRef, RtState},
    event::{DeleteReason, Event, Events},
};

impl RouteTable {
    /// Adds a route (`rtrequest1(RTM_ADD)`). A clone in the way is
    /// replaced; any other path with the same router is `EEXIST`. Clones
    /// the new route supersedes go (`rt_fixchange`).
    pub(crate) fn add(&self, new: NewRoute, ev: &mut Events<'_>) -> Result<(), TableError> {
        if new.gateway.af() != new.prefix.af() {
            return Err(TableError::ViaOtherFamily);
        }
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
            new.gateway,
            flags,
            RtState::new(flags, new.preferred, new.expires)?,
            None,
            self.counters.clone(),
            now,
        )?;
        // The add's own events, and those of its router's lookup; a batch
        // more only where clones may go.
        let through_router = flags & RTF_GATEWAY != 0;
        self.make_room(ev, 2 + if through_router { GWROUTE_EVENTS } else { 0 });
        let mut writer = self.writer.lock();
        // rt_setgate, in makeroute before the route goes in: the router's
        // route, looked up with `report`, whatever the add's fate.
        let mut made = NewClones::new();
        let gwroute = if through_router {
            self.gwroute_lookup(&new.gateway, &mut writer, &mut made, ev)
        } else {
            None
        };
        let placed = self.place(&rt, &new, gwroute, writer, ev);
        made.call_hooks(self);
        placed?;
        self.push_route(ev, Event::Add(RouteInfo::of_unlocked(&rt)), &rt);
        Ok(())
    }

    /// The rest of [`RouteTable::add`] under the writer lock: puts `rt` in
    /// place of the clone in its way, with `gwroute` as its `rt_gwroute`.
    fn place<'a>(
        &'a self,
        rt: &RtArc,
        new: &NewRoute,
        gwroute: Option<RtRef>,
        mut writer: WriterGuard<'a>,
        ev: &mut Events<'_>,
    ) -> Result<(), TableError> {
        let mut superseded = self.room_for_superseded(&new.prefix, ev)?;
        let mut batch = 0;
        let existing = self.get_exact(&new.prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut replaced = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        for path in &existing {
            let (gw, pflags) = {
                let s = path.lock_state();
                (s.gateway(), s.flags())
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
        self.insert_path(rt, &keep)?;
        let due = {
            let mut s = rt.lock_state();
            s.gwroute = gwroute;
            due_of(s.flags(), &s)
        };
        if let (Some(room), Some(due)) = (room, due) {
            writer.timed.track(rt, due, room);
        }
        for clone in &replaced {
            self.unlink(clone, &mut writer, Some(DeleteReason::Replaced), ev);
        }
        let writer = self.retire_superseded(rt, writer, &mut batch, superseded.as_mut(), ev);
        self.end_hold(batch);
        drop(writer);
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
        let new_router = change.gateway.filter(|gw| !gw.is_unspecified());
        if new_router.is_some() {
            self.make_room(ev, GWROUTE_EVENTS);
        }
        let mut writer = self.writer.lock();
        // rt_setgate as FreeBSD 7.1 orders it: the new router is looked up
        // (with `report`) before anything changes, and a route that only
        // reaches it through itself is refused.
        let mut made = NewClones::new();
        let gwroute = match new_router {
            Some(gw) => match self.change_target(prefix, via, &change) {
                Ok(rt) => {
                    let found = self.gwroute_lookup(&gw, &mut writer, &mut made, ev);
                    if found.as_ref().is_some_and(|f| f.is(&rt)) {
                        Err(TableError::ViaOnlyItself)
                    } else {
                        Ok(found)
                    }
                }
                Err(e) => Err(e),
            },
            None => Ok(None),
        };
        let changed = match gwroute {
            Ok(gwroute) => self.change_locked(
                prefix,
                via,
                change,
                gwroute,
                superseded.as_mut(),
                lifetimes_room,
                writer,
                ev,
            ),
            Err(e) => {
                drop(writer);
                Err(e)
            }
        };
        made.call_hooks(self);
        changed
    }

    /// The rest of [`RouteTable::change`] under the writer lock, with the
    /// new router's `rt_gwroute` (if the router changes).
    #[expect(
        clippy::too_many_arguments,
        reason = "one request's parts, made ready by its caller"
    )]
    fn change_locked<'a>(
        &'a self,
        prefix: &Prefix,
        via: Option<&Addr>,
        change: RouteChange,
        gwroute: Option<RtRef>,
        superseded: Option<&mut SupersededRoom>,
        lifetimes_room: Option<LifetimesRoom>,
        mut writer: WriterGuard<'a>,
        ev: &mut Events<'_>,
    ) -> Result<(), TableError> {
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
        let (info, due, unused_room, old_gwroute) = {
            let mut s = rt.lock_state();
            let mut flags = s.flags();
            let mut old_gwroute = None;
            if let Some(gw) = change.gateway {
                s.set_gateway(gw);
                old_gwroute = core::mem::replace(&mut s.gwroute, gwroute);
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
            s.set_flags(flags);
            let due = if rt.is_clone() {
                Some(clone_due(s.flags(), &s, now))
            } else {
                due_of(s.flags(), &s)
            };
            (RouteInfo::of(&rt, &s), due, unused_room, old_gwroute)
        };
        drop(unused_room);
        drop(old_gwroute);
        if let (Some(room), Some(due)) = (timed_room, due) {
            writer.timed.track(&rt, due, room);
        }
        self.changed();
        // rt_setgate's rt_fixchange also retires the clones inside the
        // prefix that came from a route no more specific: another path of
        // the same prefix.
        if change.gateway.is_some() {
            writer = self.retire_superseded(&rt, writer, &mut batch, superseded, ev);
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
            let matches = via.is_none_or(|v| path.lock_state().gateway() == *v);
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
            if gw.af() != prefix.af() {
                return Err(TableError::ViaOtherFamily);
            }
            let taken = existing
                .iter()
                .any(|p| !RtArc::ptr_eq(p, &rt) && p.lock_state().gateway() == gw);
            if taken {
                return Err(TableError::RouterTaken);
            }
            // rt_setgate. FreeBSD deletes a host route given itself as its
            // router; rtemu refuses and keeps it.
            if via_itself(prefix, &gw) {
                return Err(TableError::ViaItself);
            }
        }
        Ok(rt)
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Routes as netlink attributes, and events sent to the multicast groups.

use kernel::prelude::*;

use crate::{
    entry::RouteInfo,
    event::{Event, Events},
    lifetime::{remaining, Clock},
    nl::{Msg, NetRef, PutAttrs},
    uapi::*,
};

/// Writes a route's attributes (the reply of route-get, a dump entry, and
/// route events).
pub(crate) fn put_route(m: &mut impl PutAttrs, info: &RouteInfo, clock: &dyn Clock) -> Result {
    let pad = RTEMU_A_ROUTE_PAD;
    m.put_u8(RTEMU_A_ROUTE_FAMILY, info.prefix.af().to_uapi())?;
    m.put_bytes(RTEMU_A_ROUTE_DST, info.prefix.addr().as_bytes())?;
    m.put_u8(RTEMU_A_ROUTE_PREFIX_LEN, info.prefix.len())?;
    m.put_bytes(RTEMU_A_ROUTE_VIA, info.gateway.as_bytes())?;
    m.put_u32(RTEMU_A_ROUTE_FLAGS, info.flags)?;
    if let Some(p) = &info.preferred {
        m.put_u64(RTEMU_A_ROUTE_PREFERRED_UNTIL, p.wall_ns, pad)?;
        m.put_u64(RTEMU_A_ROUTE_PREFERRED_LEFT, remaining(clock, p), pad)?;
    }
    if let Some(e) = &info.expires {
        m.put_u64(RTEMU_A_ROUTE_EXPIRES_AT, e.wall_ns, pad)?;
        m.put_u64(RTEMU_A_ROUTE_EXPIRES_LEFT, remaining(clock, e), pad)?;
    }
    m.put_u32(RTEMU_A_ROUTE_REFCNT, info.refcnt)?;
    m.put_u64(RTEMU_A_ROUTE_USE, info.use_count, pad)?;
    if let Some(parent) = &info.parent {
        m.put_bytes(RTEMU_A_ROUTE_PARENT_DST, parent.addr().as_bytes())?;
        m.put_u8(RTEMU_A_ROUTE_PARENT_PREFIX_LEN, parent.len())?;
    }
    Ok(())
}

/// The command and group of an event.
fn route_of(event: &Event) -> (u8, u32) {
    match event {
        Event::Add(_) => (RTEMU_CMD_ADD_NTF, RTEMU_NLGRP_MONITOR),
        Event::Delete(..) => (RTEMU_CMD_DELETE_NTF, RTEMU_NLGRP_MONITOR),
        Event::Change(_) => (RTEMU_CMD_CHANGE_NTF, RTEMU_NLGRP_MONITOR),
        Event::Expire(_) => (RTEMU_CMD_EXPIRE_NTF, RTEMU_NLGRP_MONITOR),
        Event::Deprecate(_) => (RTEMU_CMD_DEPRECATE_NTF, RTEMU_NLGRP_MONITOR),
        Event::Clear { .. } => (RTEMU_CMD_CLEAR_NTF, RTEMU_NLGRP_MONITOR),
        Event::Resolve(_) => (RTEMU_CMD_RESOLVE_NTF, RTEMU_NLGRP_RESOLVE),
        Event::Miss { .. } => (RTEMU_CMD_MISS_NTF, RTEMU_NLGRP_RESOLVE),
    }
}

fn build(event: &Event, clock: &dyn Clock) -> Result<Msg> {
    let (cmd, _) = route_of(event);
    let mut m = Msg::event(cmd)?;
    match event {
        Event::Add(info)
        | Event::Change(info)
        | Event::Expire(info)
        | Event::Deprecate(info)
        | Event::Resolve(info) => put_route(&mut m, info, clock)?,
        Event::Delete(info, reason) => {
            put_route(&mut m, info, clock)?;
            m.put_u32(RTEMU_A_ROUTE_REASON, reason.to_uapi())?;
        }
        Event::Clear { af, count } => {
            if let Some(af) = af {
                m.put_u8(RTEMU_A_ROUTE_FAMILY, af.to_uapi())?;
            }
            m.put_u32(RTEMU_A_ROUTE_COUNT, *count)?;
        }
        Event::Miss { dst, err } => {
            m.put_u8(RTEMU_A_ROUTE_FAMILY, dst.af().to_uapi())?;
            m.put_bytes(RTEMU_A_ROUTE_ADDR, dst.as_bytes())?;
            let errno = err.map_or(0, |e| e.to_errno().unsigned_abs());
            m.put_u32(RTEMU_A_ROUTE_ERROR, errno)?;
        }
    }
    Ok(m)
}

/// Sends `events` to their groups in `net`, skipping groups nobody listens
/// to. A message that cannot be built, or events that could not be
/// recorded, turn into ENOBUFS for the group's listeners (`genl_set_err`),
/// so they know to resynchronise. `allow_miss` rate-limits MISS events.
pub(crate) fn send(
    net: NetRef<'_>,
    events: &Events<'_>,
    clock: &dyn Clock,
    allow_miss: &mut dyn FnMut() -> bool,
) {
    if events.lost() {
        net.set_err(RTEMU_NLGRP_MONITOR, ENOBUFS);
        net.set_err(RTEMU_NLGRP_RESOLVE, ENOBUFS);
    }
    for event in events.iter() {
        let (_, group) = route_of(event);
        if !net.has_listeners(group) {
            continue;
        }
        if matches!(event, Event::Miss { .. }) && !allow_miss() {
            continue;
        }
        match build(event, clock) {
            // A listener whose buffer is full gets ENOBUFS from netlink.
            Ok(m) => {
                let _ = m.multicast(net, group);
            }
            Err(_) => net.set_err(group, ENOBUFS),
        }
    }
}

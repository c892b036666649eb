// SPDX-License-Identifier: GPL-2.0

//! Routes as netlink attributes, and events sent to the multicast groups.
//! Which attributes each message carries, in what order and of what type,
//! is the spec's (`nl_msgs.rs`, generated); this fills them in.

use kernel::prelude::*;

use crate::{
    addr::Prefix,
    entry::RouteInfo,
    event::{Event, Events},
    lifetime::{remaining, Clock},
    nl::{Msg, NetRef, PutAttrs},
    nl_msgs::{ClearNtfAttrs, DeleteNtfAttrs, MissNtfAttrs, Notification, RouteGetReplyAttrs},
    uapi::{RTEMU_NLGRP_MONITOR, RTEMU_NLGRP_RESOLVE},
};

/// A route's attributes: the reply of route-get, a dump entry, and the
/// route events.
pub(crate) fn route_attrs<'a>(info: &'a RouteInfo, clock: &dyn Clock) -> RouteGetReplyAttrs<'a> {
    RouteGetReplyAttrs {
        family: Some(info.prefix.af().to_uapi()),
        dst: Some(info.prefix.addr_bytes()),
        prefix_len: Some(info.prefix.len()),
        via: Some(info.gateway.as_bytes()),
        flags: Some(info.flags),
        preferred_until: info.preferred.map(|p| p.wall_ns),
        expires_at: info.expires.map(|e| e.wall_ns),
        preferred_left: info.preferred.map(|p| remaining(clock, &p)),
        expires_left: info.expires.map(|e| remaining(clock, &e)),
        refcnt: Some(info.refcnt),
        r#use: Some(info.use_count),
        parent_dst: info.parent.as_ref().map(Prefix::addr_bytes),
        parent_prefix_len: info.parent.map(|p| p.len()),
    }
}

/// Writes a route's attributes (the reply of route-get, a dump entry).
pub(crate) fn put_route(m: &mut impl PutAttrs, info: &RouteInfo, clock: &dyn Clock) -> Result {
    route_attrs(info, clock).put(m)
}

/// The notification of an event.
fn notification_of(event: &Event) -> Notification {
    match event {
        Event::Add(_) => Notification::Add,
        Event::Delete(..) => Notification::Delete,
        Event::Change(_) => Notification::Change,
        Event::Expire(_) => Notification::Expire,
        Event::Deprecate(_) => Notification::Deprecate,
        Event::Clear { .. } => Notification::Clear,
        Event::Resolve(_) => Notification::Resolve,
        Event::Miss { .. } | Event::MissFamily { .. } => Notification::Miss,
    }
}

fn build(event: &Event, clock: &dyn Clock) -> Result<Msg> {
    let mut m = Msg::event(notification_of(event).cmd())?;
    match event {
        Event::Add(info)
        | Event::Change(info)
        | Event::Expire(info)
        | Event::Deprecate(info)
        | Event::Resolve(info) => put_route(&mut m, info, clock)?,
        Event::Delete(info, reason) => DeleteNtfAttrs {
            base: route_attrs(info, clock),
            reason: Some(*reason),
        }
        .put(&mut m)?,
        Event::Clear { af, count } => ClearNtfAttrs {
            family: af.map(|af| af.to_uapi()),
            count: Some(*count),
        }
        .put(&mut m)?,
        Event::Miss { dst, err } => MissNtfAttrs {
            family: Some(dst.af().to_uapi()),
            addr: Some(dst.as_bytes()),
            error: Some(err.map_or(0, |e| e.to_errno().unsigned_abs())),
            sa_family: None,
        }
        .put(&mut m)?,
        // As FreeBSD's rt_missmsg with only RTAX_DST, and no address rtemu
        // could name: the family alone, error 0.
        Event::MissFamily { family } => MissNtfAttrs {
            sa_family: Some(u32::from(*family)),
            error: Some(0),
            ..Default::default()
        }
        .put(&mut m)?,
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
        let group = notification_of(event).group();
        if !net.has_listeners(group) {
            continue;
        }
        if matches!(event, Event::Miss { .. } | Event::MissFamily { .. }) && !allow_miss() {
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

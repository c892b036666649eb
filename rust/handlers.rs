// SPDX-License-Identifier: GPL-2.0

//! The family's requests, in safe Rust: validation with extack messages that
//! name the attribute, the table operation, the reply, and the events.

use kernel::prelude::*;

use crate::{
    addr::{Addr, Af, Prefix, PrefixError},
    entry::{
        flags::{RTF_FMASK, RTF_USER},
        RouteInfo,
    },
    lifetime::{check_order, deadline, earliest_boot_ns, Deadline, LifetimeError},
    netns::{state_of, NetState},
    nl::{Attr, Attrs, Dump, Extack, Request},
    nl_msgs::{RouteHoldReplyAttrs, RouteRemoveReplyAttrs, StatsGetReplyAttrs},
    notify::put_route,
    table::{FlagsChange, NewRoute, RouteChange, TableError},
    uapi::*,
};

use kernel::sync::ArcBorrow;

fn state<'a>(req: &Request<'a>) -> Result<ArcBorrow<'a, NetState>> {
    state_of(req.net()).ok_or(ENODEV)
}

/// The request's address family (`family`, required).
fn family(attrs: &Attrs<'_>, ex: &Extack<'_>) -> Result<Af> {
    let a = attrs
        .get(RTEMU_A_ROUTE_FAMILY)
        .ok_or_else(|| ex.missing(RTEMU_A_ROUTE_FAMILY, c"family is required"))?;
    // The policy allows only the two values.
    Af::from_uapi(a.u8().into()).ok_or_else(|| ex.fail(EINVAL, c"unknown family", Some(a)))
}

/// An address attribute of family `af`.
fn addr(af: Af, a: Attr<'_>, ex: &Extack<'_>, what: &'static CStr) -> Result<Addr> {
    Addr::from_bytes(af, a.bytes()).ok_or_else(|| ex.fail(EINVAL, what, Some(a)))
}

fn required<'a>(
    attrs: &Attrs<'a>,
    ex: &Extack<'_>,
    ty: u16,
    msg: &'static CStr,
) -> Result<Attr<'a>> {
    attrs.get(ty).ok_or_else(|| ex.missing(ty, msg))
}

/// `dst` and `prefix-len` as a prefix of family `af`.
fn prefix(attrs: &Attrs<'_>, ex: &Extack<'_>, af: Af) -> Result<Prefix> {
    let dst = required(attrs, ex, RTEMU_A_ROUTE_DST, c"dst is required")?;
    let len = required(
        attrs,
        ex,
        RTEMU_A_ROUTE_PREFIX_LEN,
        c"prefix-len is required",
    )?;
    let addr = addr(af, dst, ex, c"dst length does not match family")?;
    Prefix::new(addr, len.u8()).map_err(|e| match e {
        PrefixError::TooLong => ex.fail(
            EINVAL,
            c"prefix-len exceeds the family's address length",
            Some(len),
        ),
        PrefixError::HostBits => ex.fail(
            EINVAL,
            c"dst has host bits set beyond prefix-len",
            Some(dst),
        ),
    })
}

fn lifetimes(
    attrs: &Attrs<'_>,
    ex: &Extack<'_>,
    st: &NetState,
) -> Result<(Option<Deadline>, Option<Deadline>)> {
    let clock = st.table.clock();
    let one = |ty: u16, msg: &'static CStr| -> Result<Option<Deadline>> {
        match attrs.get(ty) {
            None => Ok(None),
            Some(a) => deadline(clock, a.u64())
                .map(Some)
                .map_err(|e| ex.fail(e, msg, Some(a))),
        }
    };
    let preferred = one(
        RTEMU_A_ROUTE_PREFERRED_UNTIL,
        c"preferred-until exceeds S64_MAX",
    )?;
    let expires = one(RTEMU_A_ROUTE_EXPIRES_AT, c"expires-at exceeds S64_MAX")?;
    check_order(clock, preferred.as_ref(), expires.as_ref()).map_err(|e| match e {
        LifetimeError::ExpiresInPast => ex.fail(
            EINVAL,
            c"expires-at is in the past",
            attrs.get(RTEMU_A_ROUTE_EXPIRES_AT),
        ),
        LifetimeError::PreferredAfterExpires => ex.fail(
            EINVAL,
            c"preferred-until is after expires-at",
            attrs.get(RTEMU_A_ROUTE_PREFERRED_UNTIL),
        ),
    })?;
    Ok((preferred, expires))
}

/// The `flags` of a request, if given, refused with `msg` unless within
/// `allowed`.
fn flags_within(
    attrs: &Attrs<'_>,
    ex: &Extack<'_>,
    allowed: u32,
    msg: &'static CStr,
) -> Result<Option<u32>> {
    let Some(a) = attrs.get(RTEMU_A_ROUTE_FLAGS) else {
        return Ok(None);
    };
    let flags = a.u32();
    if flags & !allowed != 0 {
        return Err(ex.fail(EINVAL, msg, Some(a)));
    }
    Ok(Some(flags))
}

/// The flags of a route-add: within [`RTF_USER`].
fn add_flags(attrs: &Attrs<'_>, ex: &Extack<'_>) -> Result<Option<u32>> {
    flags_within(
        attrs,
        ex,
        RTF_USER,
        c"only cloning, xresolve, static, reject, blackhole and prcloning can be set",
    )
}

/// The flags of a route-change: `flags` for the bits of `flags-mask`, or
/// for all of [`RTF_FMASK`] without a mask. Both within [`RTF_FMASK`]:
/// FreeBSD ignores the other bits; refusing them tells the caller its
/// change would not happen.
fn change_flags(attrs: &Attrs<'_>, ex: &Extack<'_>) -> Result<Option<FlagsChange>> {
    let flags = flags_within(
        attrs,
        ex,
        RTF_FMASK,
        c"route-change can set only static, reject and blackhole (RTF_FMASK)",
    )?;
    let mask = match attrs.get(RTEMU_A_ROUTE_FLAGS_MASK) {
        Some(a) if a.u32() & !RTF_FMASK != 0 => {
            return Err(ex.fail(
                EINVAL,
                c"flags-mask can name only static, reject and blackhole (RTF_FMASK)",
                Some(a),
            ))
        }
        Some(a) => Some(a.u32()),
        None => None,
    };
    Ok(match (flags, mask) {
        (None, None) => None,
        (flags, mask) => Some(FlagsChange {
            flags: flags.unwrap_or(0),
            mask: mask.unwrap_or(RTF_FMASK),
        }),
    })
}

/// The table's refusal `e`, with its message; `router` is the attribute
/// that named the router at fault (`via`, or `new-via` of a change).
fn refused(ex: &Extack<'_>, e: TableError, router: Option<Attr<'_>>) -> Error {
    let (msg, attr) = match e {
        TableError::PathExists => (c"the route exists (same prefix and via)", None),
        TableError::RouterTaken => (c"another path of the prefix already uses new-via", router),
        TableError::NoSuchRoute => (c"no such route", None),
        TableError::SeveralPaths => (c"the prefix has several paths: give via", None),
        TableError::ViaItself => (
            c"a host route cannot go through its own destination",
            router,
        ),
        TableError::ViaOnlyItself => (c"new-via is reached only through this route", router),
        // The attributes' parser checks each address against the family.
        TableError::ViaOtherFamily => (c"via is not of the route's family", router),
        TableError::Full => (c"the namespace's route limit (max_routes) is reached", None),
        TableError::TooManyPaths => (c"the prefix's path limit (max_paths) is reached", router),
        TableError::CloneNotPermitted => (c"cloning a route needs CAP_NET_ADMIN", None),
        TableError::NoMemory => (c"out of memory for the route (memory cgroup limit?)", None),
        TableError::WriterBusy => (c"the table has another writer (a bug)", None),
        // Neither reaches a request: a loop of routers fails an inner
        // clone (a miss), and rt_check is the in-kernel API's.
        TableError::GatewayLoop => (c"the routers' routes clone in a loop", None),
        TableError::Unreachable | TableError::HostDown => {
            (c"no usable route to the next hop", None)
        }
    };
    ex.fail(e.into(), msg, attr)
}

/// route-add.
pub(crate) fn route_add(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = family(&attrs, &ex)?;
    let prefix = prefix(&attrs, &ex, af)?;
    let via = required(&attrs, &ex, RTEMU_A_ROUTE_VIA, c"via is required")?;
    let gateway = addr(af, via, &ex, c"via length does not match family")?;
    let flags = add_flags(&attrs, &ex)?.unwrap_or(0);
    let (preferred, expires) = lifetimes(&attrs, &ex, &st)?;
    let due = earliest_boot_ns(preferred.as_ref(), expires.as_ref());
    let new = NewRoute {
        prefix,
        gateway,
        flags,
        preferred,
        expires,
    };
    st.change_table(due, |table, ev| table.add(new, ev))
        .map_err(|e| refused(&ex, e, Some(via)))
}

fn count_reply(req: &Request<'_>, cmd: u8, count: u32) -> Result {
    let mut m = req.reply(cmd)?;
    RouteRemoveReplyAttrs { count: Some(count) }.put(&mut m)?;
    req.send(m)
}

/// route-remove: by prefix (optionally one path), or a bare address.
pub(crate) fn route_remove(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = family(&attrs, &ex)?;
    let removed = if attrs.get(RTEMU_A_ROUTE_DST).is_some() {
        let prefix = prefix(&attrs, &ex, af)?;
        let via = match attrs.get(RTEMU_A_ROUTE_VIA) {
            Some(a) => Some(addr(af, a, &ex, c"via length does not match family")?),
            None => None,
        };
        st.change_table(None, |table, ev| table.remove(&prefix, via.as_ref(), ev))
    } else {
        let a = required(
            &attrs,
            &ex,
            RTEMU_A_ROUTE_ADDR,
            c"dst and prefix-len, or addr, is required",
        )?;
        let ip = addr(af, a, &ex, c"addr length does not match family")?;
        st.change_table(None, |table, ev| table.remove_addr(&ip, ev))
    };
    let count = removed.map_err(|e| refused(&ex, e, None))?;
    count_reply(req, RTEMU_CMD_ROUTE_REMOVE, count)
}

/// route-clear.
pub(crate) fn route_clear(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = match attrs.get(RTEMU_A_ROUTE_FAMILY) {
        Some(_) => Some(family(&attrs, &ex)?),
        None => None,
    };
    let count = st
        .change_table(None, |table, ev| table.clear(af, ev))
        .map_err(|e| refused(&ex, e, None))?;
    count_reply(req, RTEMU_CMD_ROUTE_CLEAR, count)
}

/// route-get: `rtalloc1(addr, report, ignflags)`.
pub(crate) fn route_get(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = family(&attrs, &ex)?;
    let a = required(&attrs, &ex, RTEMU_A_ROUTE_ADDR, c"addr is required")?;
    let dst = addr(af, a, &ex, c"addr length does not match family")?;
    let report = attrs.flag(RTEMU_A_ROUTE_REPORT);
    let ignflags = attrs.get(RTEMU_A_ROUTE_IGNFLAGS).map_or(0, |a| a.u32());
    // Cloning changes the table: only for CAP_NET_ADMIN.
    let found = st
        .lookup(&dst, report, ignflags, req.net_admin())
        .map_err(|e| refused(&ex, e, None))?;
    let info = found.map(|mut rt| {
        let mut info = rt.info();
        // Our own reference is not the user's concern.
        info.refcnt = info.refcnt.saturating_sub(1);
        info
    });
    let info = info.ok_or_else(|| ex.fail(ENETUNREACH, c"no route to addr", Some(a)))?;
    let mut m = req.reply(RTEMU_CMD_ROUTE_GET)?;
    put_route(&mut m, &info, st.table.clock())?;
    req.send(m)
}

/// route-change.
pub(crate) fn route_change(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = family(&attrs, &ex)?;
    let prefix = prefix(&attrs, &ex, af)?;
    let via = match attrs.get(RTEMU_A_ROUTE_VIA) {
        Some(a) => Some(addr(af, a, &ex, c"via length does not match family")?),
        None => None,
    };
    let gateway = match attrs.get(RTEMU_A_ROUTE_NEW_VIA) {
        Some(a) => Some(addr(af, a, &ex, c"new-via length does not match family")?),
        None => None,
    };
    let flags = change_flags(&attrs, &ex)?;
    let (preferred, expires) = lifetimes(&attrs, &ex, &st)?;
    let due = earliest_boot_ns(preferred.as_ref(), expires.as_ref());
    let change = RouteChange {
        gateway,
        flags,
        preferred,
        expires,
    };
    st.change_table(due, |table, ev| {
        table.change(&prefix, via.as_ref(), change, ev)
    })
    .map_err(|e| refused(&ex, e, attrs.get(RTEMU_A_ROUTE_NEW_VIA)))
}

/// route-hold: `rtalloc1(addr, 0, 0)` kept referenced for the socket.
pub(crate) fn route_hold(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let af = family(&attrs, &ex)?;
    let a = required(&attrs, &ex, RTEMU_A_ROUTE_ADDR, c"addr is required")?;
    let dst = addr(af, a, &ex, c"addr length does not match family")?;
    // Without `report`: no clone, no event, no failure.
    let mut rt = st
        .lookup(&dst, false, 0, false)
        .unwrap_or(None)
        .ok_or_else(|| ex.fail(ENETUNREACH, c"no route to addr", Some(a)))?;
    let info = rt.info();
    let held = rt.unlock();
    let handle = st.hold(req.portid(), held).map_err(|e| {
        if e == ENOSPC {
            ex.fail(e, c"the socket's hold limit (max_holds) is reached", None)
        } else {
            e
        }
    })?;
    let mut m = req.reply(RTEMU_CMD_ROUTE_HOLD)?;
    RouteHoldReplyAttrs {
        handle: Some(handle),
        family: Some(info.prefix.af().to_uapi()),
        dst: Some(info.prefix.addr_bytes()),
        prefix_len: Some(info.prefix.len()),
        via: Some(info.gateway.as_bytes()),
        flags: Some(info.flags),
        refcnt: Some(info.refcnt),
    }
    .put(&mut m)?;
    req.send(m)
}

/// route-release.
pub(crate) fn route_release(req: &Request<'_>) -> Result {
    let (attrs, ex, st) = (req.attrs(), req.extack(), state(req)?);
    let h = required(&attrs, &ex, RTEMU_A_ROUTE_HANDLE, c"handle is required")?;
    st.release(req.portid(), h.u64())
        .map_err(|e| ex.fail(e, c"no such hold on this socket", Some(h)))
}

/// stats-get.
pub(crate) fn stats_get(req: &Request<'_>) -> Result {
    let st = state(req)?;
    let s = st.table.stats();
    let mut m = req.reply(RTEMU_CMD_STATS_GET)?;
    StatsGetReplyAttrs {
        routes_inet: Some(s.routes_inet),
        routes_inet6: Some(s.routes_inet6),
        clones: Some(s.clones),
        trash: Some(s.trash),
        holds: Some(st.hold_count()),
        misses: Some(s.misses),
        resolves: Some(s.resolves),
        lifetime_runs: Some(s.lifetime_runs),
        writer_visits: Some(s.writer_visits),
        writer_batch_max: Some(s.writer_batch_max),
        events_lost: Some(s.events_lost),
        unreach: Some(s.unreach),
    }
    .put(&mut m)?;
    req.send(m)
}

/// route-list: one message per path, resumable across `recvmsg` calls.
pub(crate) fn route_list(dump: &mut Dump<'_>) -> Result<u32> {
    let st = state_of(dump.net()).ok_or(ENODEV)?;
    let attrs = dump.attrs(RTEMU_ROUTE_LIST_DUMP_MAXATTR);
    let only = attrs
        .get(RTEMU_A_ROUTE_FAMILY)
        .and_then(|a| Af::from_uapi(a.u8().into()));
    let clock = st.table.clock();
    dump.set_seq(st.table.generation().wrapping_add(1));
    for (bit, af) in [(1u32, Af::Inet), (2, Af::Inet6)] {
        if only.is_some_and(|o| o != af) || dump.cursor().done & bit != 0 {
            continue;
        }
        let c = *dump.cursor();
        let mut cursor = if c.started & bit != 0 {
            Addr::from_bytes(af, &c.last_addr[..af.addr_len()])
                .and_then(|a| Prefix::new(a, c.last_len as u8).ok())
                .map(|p| (p, c.last_path))
        } else {
            None
        };
        // The walk advances `cursor` past each path `f` accepts; `f` refuses
        // the first one that does not fit, which is where the next part
        // resumes.
        let finished = st.table.walk_from(af, &mut cursor, &mut |rt| {
            let info = RouteInfo::of_unlocked(rt);
            let Some(mut e) = dump.entry(RTEMU_CMD_ROUTE_LIST) else {
                return false;
            };
            if put_route(&mut e, &info, clock).is_err() {
                return false;
            }
            e.end();
            true
        });
        let cur = dump.cursor();
        if let Some((p, n)) = cursor {
            cur.started |= bit;
            cur.last_addr = [0; 16];
            cur.last_addr[..af.addr_len()].copy_from_slice(p.addr().as_bytes());
            cur.last_len = p.len().into();
            cur.last_path = n;
        }
        if !finished {
            // More next time; the length tells netlink whether to call again.
            return Ok(dump.len());
        }
        cur.done |= bit;
    }
    Ok(0)
}

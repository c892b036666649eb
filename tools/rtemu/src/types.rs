// SPDX-License-Identifier: GPL-2.0-only

//! Typed requests, replies and events, one type per operation of the spec.
//!
//! Every type converts to and from [`RtemuMessage`] (attributes in the
//! spec's order); attributes this crate does not know are kept in an
//! `unknown` list and emitted again after the known ones.

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_core::{DecodeError, NlasIterator, Parseable};

use crate::attr::UnknownAttr;
use crate::enums::Family;
use crate::message::RtemuMessage;
use crate::proto::{Attrs, Cmd, DeleteReason, RouteAttr, RouteFlags, StatsAttr};

/// Nanoseconds since the epoch on CLOCK_REALTIME.
pub type Timestamp = u64;

/// The current CLOCK_REALTIME time in nanoseconds.
pub fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().min(u64::MAX as u128) as u64)
        .unwrap_or(0)
}

fn prefix(addr: IpAddr, len: u8) -> Result<IpNet, DecodeError> {
    IpNet::new(addr, len).map_err(|_| format!("prefix length {len} too long for {addr}").into())
}

fn check_family(family: Option<Family>, addr: &IpAddr, what: &str) -> Result<(), DecodeError> {
    match family {
        Some(f) if f != Family::of(addr) => {
            Err(format!("family {f} does not match {what} {addr}").into())
        }
        _ => Ok(()),
    }
}

/// A route as carried by replies and events (the `route-attrs` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The prefix: family, dst and prefix-len.
    pub dst: IpNet,
    pub via: Option<IpAddr>,
    pub flags: Option<RouteFlags>,
    pub preferred_until: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// Nanoseconds until `preferred_until`, 0 once passed.
    pub preferred_left: Option<u64>,
    /// Nanoseconds until `expires_at`.
    pub expires_left: Option<u64>,
    pub refcnt: Option<u32>,
    /// rt_use, the lookups that returned the entry.
    pub use_count: Option<u64>,
    /// For a clone, its cloning parent's prefix.
    pub parent: Option<IpNet>,
    pub unknown: Vec<UnknownAttr>,
}

impl Route {
    /// A route with only its prefix set.
    pub fn new(dst: IpNet) -> Route {
        Route {
            dst,
            via: None,
            flags: None,
            preferred_until: None,
            expires_at: None,
            preferred_left: None,
            expires_left: None,
            refcnt: None,
            use_count: None,
            parent: None,
            unknown: Vec::new(),
        }
    }

    pub fn family(&self) -> Family {
        Family::of(&self.dst.addr())
    }

    /// The flags, empty when the message had none.
    pub fn flags(&self) -> RouteFlags {
        self.flags.unwrap_or_default()
    }

    /// Attributes in the spec's order.
    pub fn to_attrs(&self) -> Vec<RouteAttr> {
        let mut a = vec![
            RouteAttr::Family(self.family()),
            RouteAttr::Dst(self.dst.addr()),
            RouteAttr::PrefixLen(self.dst.prefix_len()),
        ];
        a.extend(self.via.map(RouteAttr::Via));
        a.extend(self.flags.map(RouteAttr::Flags));
        a.extend(self.preferred_until.map(RouteAttr::PreferredUntil));
        a.extend(self.expires_at.map(RouteAttr::ExpiresAt));
        a.extend(self.preferred_left.map(RouteAttr::PreferredLeft));
        a.extend(self.expires_left.map(RouteAttr::ExpiresLeft));
        a.extend(self.refcnt.map(RouteAttr::Refcnt));
        a.extend(self.use_count.map(RouteAttr::Use));
        if let Some(p) = self.parent {
            a.push(RouteAttr::ParentDst(p.addr()));
            a.push(RouteAttr::ParentPrefixLen(p.prefix_len()));
        }
        a.extend(self.unknown.iter().cloned().map(RouteAttr::Other));
        a
    }

    /// Build from attributes; attributes outside `route-attrs` that are
    /// named in `extra` are left for the caller, the rest of the unknown
    /// ones are kept in `unknown`.
    pub fn from_attrs(attrs: &[RouteAttr]) -> Result<Route, DecodeError> {
        let (route, _rest) = Self::from_attrs_rest(attrs)?;
        Ok(route)
    }

    /// Like [`Route::from_attrs`], returning the known attributes that are
    /// not part of a route (handle, reason, count, ...).
    pub fn from_attrs_rest(attrs: &[RouteAttr]) -> Result<(Route, Vec<RouteAttr>), DecodeError> {
        let mut b = RouteBuilder::new();
        let rest = attrs.iter().filter_map(|a| b.take(a.clone())).collect();
        Ok((b.finish()?, rest))
    }

    /// Build from the attribute bytes of a message (what follows its
    /// genlmsghdr), as [`Route::from_attrs`] does from parsed attributes,
    /// without collecting them first.
    pub fn parse_attrs(buf: &[u8]) -> Result<Route, DecodeError> {
        let mut b = RouteBuilder::new();
        for nla in NlasIterator::new(buf) {
            // What is not part of a route is no concern of a route.
            let _ = b.take(RouteAttr::parse(&nla?)?);
        }
        b.finish()
    }
}

/// A route's attributes gathered one by one; the prefixes are built once
/// all are in, whatever their order.
struct RouteBuilder {
    route: Route,
    family: Option<Family>,
    dst: Option<IpAddr>,
    plen: Option<u8>,
    pdst: Option<IpAddr>,
    pplen: Option<u8>,
}

impl RouteBuilder {
    fn new() -> RouteBuilder {
        RouteBuilder {
            route: Route::new(IpNet::default()),
            family: None,
            dst: None,
            plen: None,
            pdst: None,
            pplen: None,
        }
    }

    /// Take one attribute; a known attribute that is not part of a route
    /// (handle, reason, count, ...) is given back.
    #[must_use]
    fn take(&mut self, a: RouteAttr) -> Option<RouteAttr> {
        let r = &mut self.route;
        match a {
            RouteAttr::Pad(_) => {}
            RouteAttr::Family(f) => self.family = Some(f),
            RouteAttr::Dst(d) => self.dst = Some(d),
            RouteAttr::PrefixLen(l) => self.plen = Some(l),
            RouteAttr::Via(v) => r.via = Some(v),
            RouteAttr::Flags(f) => r.flags = Some(f),
            RouteAttr::PreferredUntil(v) => r.preferred_until = Some(v),
            RouteAttr::ExpiresAt(v) => r.expires_at = Some(v),
            RouteAttr::PreferredLeft(v) => r.preferred_left = Some(v),
            RouteAttr::ExpiresLeft(v) => r.expires_left = Some(v),
            RouteAttr::Refcnt(v) => r.refcnt = Some(v),
            RouteAttr::Use(v) => r.use_count = Some(v),
            RouteAttr::ParentDst(v) => self.pdst = Some(v),
            RouteAttr::ParentPrefixLen(v) => self.pplen = Some(v),
            RouteAttr::Other(o) => r.unknown.push(o),
            other => return Some(other),
        }
        None
    }

    fn finish(self) -> Result<Route, DecodeError> {
        let mut r = self.route;
        let dst = self.dst.ok_or("route without dst")?;
        let plen = self.plen.ok_or("route without prefix-len")?;
        check_family(self.family, &dst, "dst")?;
        r.dst = prefix(dst, plen)?;
        if let (Some(a), Some(l)) = (self.pdst, self.pplen) {
            r.parent = Some(prefix(a, l)?);
        }
        Ok(r)
    }
}

/// Conversion between a typed value and an [`RtemuMessage`].
pub trait Typed: Sized {
    fn to_message(&self) -> RtemuMessage;
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError>;
}

/// A request of the family and the type of its reply.
pub trait Request: Typed {
    /// What the caller gets back.
    type Reply;
    /// Whether the request is a dump (NLM_F_DUMP, many replies).
    const DUMP: bool = false;
    /// Turn the kernel's reply messages (none for ack-only requests, one for
    /// a do with a reply) into the reply.
    fn reply(msgs: Vec<RtemuMessage>) -> Result<Self::Reply, DecodeError>;
}

fn expect_cmd(msg: &RtemuMessage, cmd: Cmd) -> Result<&[RouteAttr], DecodeError> {
    if msg.cmd != cmd {
        return Err(format!("expected {}, got {}", cmd.name(), msg.cmd.name()).into());
    }
    match &msg.attrs {
        Attrs::Route(a) => Ok(a),
        Attrs::Stats(_) => Err(format!("{}: stats attributes", cmd.name()).into()),
    }
}

fn single(mut msgs: Vec<RtemuMessage>, what: &str) -> Result<RtemuMessage, DecodeError> {
    match msgs.len() {
        1 => Ok(msgs.remove(0)),
        n => Err(format!("{what}: {n} reply messages, expected 1").into()),
    }
}

fn unknowns(attrs: &[RouteAttr]) -> Vec<UnknownAttr> {
    attrs
        .iter()
        .filter_map(|a| match a {
            RouteAttr::Other(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

fn with_unknown(mut a: Vec<RouteAttr>, unknown: &[UnknownAttr]) -> Vec<RouteAttr> {
    a.extend(unknown.iter().cloned().map(RouteAttr::Other));
    a
}

// ---------------------------------------------------------------- route-add

/// `route-add`: add a route (WASIX `port_route_add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAdd {
    pub cidr: IpNet,
    pub via: IpAddr,
    pub flags: RouteFlags,
    pub preferred_until: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub unknown: Vec<UnknownAttr>,
}

impl RouteAdd {
    pub fn new(cidr: IpNet, via: IpAddr) -> Self {
        RouteAdd {
            cidr,
            via,
            flags: RouteFlags::empty(),
            preferred_until: None,
            expires_at: None,
            unknown: Vec::new(),
        }
    }
}

impl Typed for RouteAdd {
    fn to_message(&self) -> RtemuMessage {
        let lifetimes = [
            self.preferred_until.map(RouteAttr::PreferredUntil),
            self.expires_at.map(RouteAttr::ExpiresAt),
        ];
        // Sized exactly: a bulk load holds one of these per route.
        let mut a = Vec::with_capacity(5 + lifetimes.iter().flatten().count());
        a.extend([
            RouteAttr::Family(Family::of(&self.cidr.addr())),
            RouteAttr::Dst(self.cidr.addr()),
            RouteAttr::PrefixLen(self.cidr.prefix_len()),
            RouteAttr::Via(self.via),
            RouteAttr::Flags(self.flags),
        ]);
        a.extend(lifetimes.into_iter().flatten());
        RtemuMessage::route(Cmd::RouteAdd, with_unknown(a, &self.unknown))
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteAdd)?;
        let r = Route::from_attrs(attrs)?;
        Ok(RouteAdd {
            cidr: r.dst,
            via: r.via.ok_or("route-add without via")?,
            flags: r.flags.unwrap_or_default(),
            preferred_until: r.preferred_until,
            expires_at: r.expires_at,
            unknown: r.unknown,
        })
    }
}

impl Request for RouteAdd {
    type Reply = ();
    fn reply(_: Vec<RtemuMessage>) -> Result<(), DecodeError> {
        Ok(())
    }
}

// ------------------------------------------------------------- route-remove

/// `route-remove`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRemove {
    /// The paths of an exact prefix; only the one through `via` if given.
    Prefix { cidr: IpNet, via: Option<IpAddr> },
    /// Every route whose via is `addr` and every host route to `addr`.
    Addr(IpAddr),
}

impl Typed for RouteRemove {
    fn to_message(&self) -> RtemuMessage {
        let a = match self {
            RouteRemove::Prefix { cidr, via } => {
                let mut a = vec![
                    RouteAttr::Family(Family::of(&cidr.addr())),
                    RouteAttr::Dst(cidr.addr()),
                    RouteAttr::PrefixLen(cidr.prefix_len()),
                ];
                a.extend(via.map(RouteAttr::Via));
                a
            }
            RouteRemove::Addr(addr) => {
                vec![RouteAttr::Family(Family::of(addr)), RouteAttr::Addr(*addr)]
            }
        };
        RtemuMessage::route(Cmd::RouteRemove, a)
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteRemove)?;
        if let Some(addr) = attrs.iter().find_map(|a| match a {
            RouteAttr::Addr(x) => Some(*x),
            _ => None,
        }) {
            return Ok(RouteRemove::Addr(addr));
        }
        let r = Route::from_attrs(attrs)?;
        Ok(RouteRemove::Prefix {
            cidr: r.dst,
            via: r.via,
        })
    }
}

/// The reply of `route-remove` and `route-clear`: how many routes went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CountReply {
    pub count: Option<u32>,
    pub unknown: Vec<UnknownAttr>,
}

impl CountReply {
    pub fn to_message(&self, cmd: Cmd) -> RtemuMessage {
        let a = self.count.map(RouteAttr::Count).into_iter().collect();
        RtemuMessage::route(cmd, with_unknown(a, &self.unknown))
    }
    pub fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = msg.route_attrs();
        Ok(CountReply {
            count: attrs.iter().find_map(|a| match a {
                RouteAttr::Count(c) => Some(*c),
                _ => None,
            }),
            unknown: unknowns(attrs),
        })
    }
}

fn count_reply(msgs: Vec<RtemuMessage>) -> Result<CountReply, DecodeError> {
    if msgs.is_empty() {
        return Ok(CountReply::default());
    }
    CountReply::from_message(&single(msgs, "count")?)
}

impl Request for RouteRemove {
    type Reply = CountReply;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<CountReply, DecodeError> {
        count_reply(msgs)
    }
}

// -------------------------------------------------------------- route-clear

/// `route-clear`: all routes, or those of one family (WASIX `port_route_clear`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteClear {
    pub family: Option<Family>,
}

impl Typed for RouteClear {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage::route(
            Cmd::RouteClear,
            self.family.map(RouteAttr::Family).into_iter().collect(),
        )
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteClear)?;
        Ok(RouteClear {
            family: attrs.iter().find_map(|a| match a {
                RouteAttr::Family(f) => Some(*f),
                _ => None,
            }),
        })
    }
}

impl Request for RouteClear {
    type Reply = CountReply;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<CountReply, DecodeError> {
        count_reply(msgs)
    }
}

// ---------------------------------------------------------------- route-get

/// `route-get`: rtalloc1(addr, report, ignflags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGet {
    pub addr: IpAddr,
    /// rtalloc1's report; without it a get never clones.
    pub report: bool,
    pub ignflags: Option<RouteFlags>,
}

impl RouteGet {
    pub fn new(addr: IpAddr) -> Self {
        RouteGet {
            addr,
            report: false,
            ignflags: None,
        }
    }
}

impl Typed for RouteGet {
    fn to_message(&self) -> RtemuMessage {
        let mut a = vec![
            RouteAttr::Family(Family::of(&self.addr)),
            RouteAttr::Addr(self.addr),
        ];
        if self.report {
            a.push(RouteAttr::Report);
        }
        a.extend(self.ignflags.map(RouteAttr::Ignflags));
        RtemuMessage::route(Cmd::RouteGet, a)
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteGet)?;
        let mut g = RouteGet::new(
            attrs
                .iter()
                .find_map(|a| match a {
                    RouteAttr::Addr(x) => Some(*x),
                    _ => None,
                })
                .ok_or("route-get without addr")?,
        );
        for a in attrs {
            match a {
                RouteAttr::Report => g.report = true,
                RouteAttr::Ignflags(f) => g.ignflags = Some(*f),
                _ => {}
            }
        }
        Ok(g)
    }
}

impl Request for RouteGet {
    type Reply = Route;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<Route, DecodeError> {
        let m = single(msgs, "route-get")?;
        Route::from_attrs(m.route_attrs())
    }
}

// --------------------------------------------------------------- route-list

/// `route-list` (dump; WASIX `port_route_list`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteList {
    pub family: Option<Family>,
}

impl Typed for RouteList {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage::route(
            Cmd::RouteList,
            self.family.map(RouteAttr::Family).into_iter().collect(),
        )
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteList)?;
        Ok(RouteList {
            family: attrs.iter().find_map(|a| match a {
                RouteAttr::Family(f) => Some(*f),
                _ => None,
            }),
        })
    }
}

impl Request for RouteList {
    type Reply = Vec<Route>;
    const DUMP: bool = true;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<Vec<Route>, DecodeError> {
        msgs.iter()
            .map(|m| Route::from_attrs(m.route_attrs()))
            .collect()
    }
}

// ------------------------------------------------------------- route-change

/// `route-change`: the router, flags or lifetimes of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteChange {
    pub cidr: IpNet,
    /// Picks one path of a multipath prefix.
    pub via: Option<IpAddr>,
    pub new_via: Option<IpAddr>,
    pub flags: Option<RouteFlags>,
    /// The flags that change (FreeBSD's `rtm_fmask`): with a mask, `flags`
    /// sets only these; without, all of static, reject and blackhole.
    pub flags_mask: Option<RouteFlags>,
    pub preferred_until: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

impl RouteChange {
    pub fn new(cidr: IpNet) -> Self {
        RouteChange {
            cidr,
            via: None,
            new_via: None,
            flags: None,
            flags_mask: None,
            preferred_until: None,
            expires_at: None,
        }
    }
}

impl Typed for RouteChange {
    fn to_message(&self) -> RtemuMessage {
        let mut a = vec![
            RouteAttr::Family(Family::of(&self.cidr.addr())),
            RouteAttr::Dst(self.cidr.addr()),
            RouteAttr::PrefixLen(self.cidr.prefix_len()),
        ];
        a.extend(self.via.map(RouteAttr::Via));
        a.extend(self.new_via.map(RouteAttr::NewVia));
        a.extend(self.flags.map(RouteAttr::Flags));
        a.extend(self.flags_mask.map(RouteAttr::FlagsMask));
        a.extend(self.preferred_until.map(RouteAttr::PreferredUntil));
        a.extend(self.expires_at.map(RouteAttr::ExpiresAt));
        RtemuMessage::route(Cmd::RouteChange, a)
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteChange)?;
        let (r, rest) = Route::from_attrs_rest(attrs)?;
        Ok(RouteChange {
            cidr: r.dst,
            via: r.via,
            new_via: rest.iter().find_map(|a| match a {
                RouteAttr::NewVia(v) => Some(*v),
                _ => None,
            }),
            flags: r.flags,
            flags_mask: rest.iter().find_map(|a| match a {
                RouteAttr::FlagsMask(m) => Some(*m),
                _ => None,
            }),
            preferred_until: r.preferred_until,
            expires_at: r.expires_at,
        })
    }
}

impl Request for RouteChange {
    type Reply = ();
    fn reply(_: Vec<RtemuMessage>) -> Result<(), DecodeError> {
        Ok(())
    }
}

// --------------------------------------------------------------- route-hold

/// `route-hold`: RT_ADDREF on rtalloc1(addr, 0, 0); lives until released or
/// until the socket closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteHold {
    pub addr: IpAddr,
}

impl Typed for RouteHold {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage::route(
            Cmd::RouteHold,
            vec![
                RouteAttr::Family(Family::of(&self.addr)),
                RouteAttr::Addr(self.addr),
            ],
        )
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteHold)?;
        Ok(RouteHold {
            addr: attrs
                .iter()
                .find_map(|a| match a {
                    RouteAttr::Addr(x) => Some(*x),
                    _ => None,
                })
                .ok_or("route-hold without addr")?,
        })
    }
}

/// The reply of `route-hold`: the handle and the held route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldReply {
    pub handle: u64,
    pub route: Route,
}

impl Typed for HoldReply {
    fn to_message(&self) -> RtemuMessage {
        let mut a = vec![RouteAttr::Handle(self.handle)];
        a.extend(self.route.to_attrs());
        RtemuMessage::route(Cmd::RouteHold, a)
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteHold)?;
        let (route, rest) = Route::from_attrs_rest(attrs)?;
        let handle = rest
            .iter()
            .find_map(|a| match a {
                RouteAttr::Handle(h) => Some(*h),
                _ => None,
            })
            .ok_or("route-hold reply without handle")?;
        Ok(HoldReply { handle, route })
    }
}

impl Request for RouteHold {
    type Reply = HoldReply;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<HoldReply, DecodeError> {
        HoldReply::from_message(&single(msgs, "route-hold")?)
    }
}

// ------------------------------------------------------------ route-release

/// `route-release`: RTFREE of a handle from `route-hold`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRelease {
    pub handle: u64,
}

impl Typed for RouteRelease {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage::route(Cmd::RouteRelease, vec![RouteAttr::Handle(self.handle)])
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = expect_cmd(msg, Cmd::RouteRelease)?;
        Ok(RouteRelease {
            handle: attrs
                .iter()
                .find_map(|a| match a {
                    RouteAttr::Handle(h) => Some(*h),
                    _ => None,
                })
                .ok_or("route-release without handle")?,
        })
    }
}

impl Request for RouteRelease {
    type Reply = ();
    fn reply(_: Vec<RtemuMessage>) -> Result<(), DecodeError> {
        Ok(())
    }
}

// ---------------------------------------------------------------- stats-get

/// `stats-get`: the counters of the caller's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatsGet;

impl Typed for StatsGet {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage {
            cmd: Cmd::StatsGet,
            attrs: Attrs::Stats(Vec::new()),
        }
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        if msg.cmd != Cmd::StatsGet {
            return Err(format!("expected stats-get, got {}", msg.cmd.name()).into());
        }
        Ok(StatsGet)
    }
}

/// The reply of `stats-get`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    pub routes_inet: Option<u32>,
    pub routes_inet6: Option<u32>,
    pub clones: Option<u32>,
    pub trash: Option<u32>,
    pub holds: Option<u32>,
    pub misses: Option<u64>,
    pub resolves: Option<u64>,
    pub lifetime_runs: Option<u64>,
    pub writer_visits: Option<u64>,
    pub writer_batch_max: Option<u32>,
    pub events_lost: Option<u64>,
    /// Lookups that matched nothing or whose family has no table
    /// (FreeBSD's `rts_unreach`).
    pub unreach: Option<u64>,
    pub unknown: Vec<UnknownAttr>,
}

impl Typed for Stats {
    fn to_message(&self) -> RtemuMessage {
        let mut a = Vec::new();
        a.extend(self.routes_inet.map(StatsAttr::RoutesInet));
        a.extend(self.routes_inet6.map(StatsAttr::RoutesInet6));
        a.extend(self.clones.map(StatsAttr::Clones));
        a.extend(self.trash.map(StatsAttr::Trash));
        a.extend(self.holds.map(StatsAttr::Holds));
        a.extend(self.misses.map(StatsAttr::Misses));
        a.extend(self.resolves.map(StatsAttr::Resolves));
        a.extend(self.lifetime_runs.map(StatsAttr::LifetimeRuns));
        a.extend(self.writer_visits.map(StatsAttr::WriterVisits));
        a.extend(self.writer_batch_max.map(StatsAttr::WriterBatchMax));
        a.extend(self.events_lost.map(StatsAttr::EventsLost));
        a.extend(self.unreach.map(StatsAttr::Unreach));
        a.extend(self.unknown.iter().cloned().map(StatsAttr::Other));
        RtemuMessage {
            cmd: Cmd::StatsGet,
            attrs: Attrs::Stats(a),
        }
    }
    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let Attrs::Stats(attrs) = &msg.attrs else {
            return Err("stats-get reply without stats attributes".into());
        };
        let mut s = Stats::default();
        for a in attrs {
            match a {
                StatsAttr::Pad(_) => {}
                StatsAttr::RoutesInet(v) => s.routes_inet = Some(*v),
                StatsAttr::RoutesInet6(v) => s.routes_inet6 = Some(*v),
                StatsAttr::Clones(v) => s.clones = Some(*v),
                StatsAttr::Trash(v) => s.trash = Some(*v),
                StatsAttr::Holds(v) => s.holds = Some(*v),
                StatsAttr::Misses(v) => s.misses = Some(*v),
                StatsAttr::Resolves(v) => s.resolves = Some(*v),
                StatsAttr::LifetimeRuns(v) => s.lifetime_runs = Some(*v),
                StatsAttr::WriterVisits(v) => s.writer_visits = Some(*v),
                StatsAttr::WriterBatchMax(v) => s.writer_batch_max = Some(*v),
                StatsAttr::EventsLost(v) => s.events_lost = Some(*v),
                StatsAttr::Unreach(v) => s.unreach = Some(*v),
                StatsAttr::Other(o) => s.unknown.push(o.clone()),
            }
        }
        Ok(s)
    }
}

impl Request for StatsGet {
    type Reply = Stats;
    fn reply(msgs: Vec<RtemuMessage>) -> Result<Stats, DecodeError> {
        Stats::from_message(&single(msgs, "stats-get")?)
    }
}

// ------------------------------------------------------------------- events

/// A multicast event of the `monitor` or `resolve` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A route was added, or cloned (RTM_ADD).
    Add(Route),
    /// A route was deleted (RTM_DELETE).
    Delete {
        route: Route,
        reason: Option<DeleteReason>,
    },
    /// A route was changed (RTM_CHANGE).
    Change(Route),
    /// A route reached expires-at and was deleted.
    Expire(Route),
    /// A route reached preferred-until.
    Deprecate(Route),
    /// Routes were cleared; `family` is None when all families were.
    Clear {
        family: Option<Family>,
        count: Option<u32>,
        unknown: Vec<UnknownAttr>,
    },
    /// A clone of an RTF_XRESOLVE route awaits resolution (RTM_RESOLVE).
    Resolve(Route),
    /// A lookup with report set failed (RTM_MISS).
    Miss {
        /// The destination; `None` when its address family has no table
        /// (then `sa_family` names it).
        addr: Option<IpAddr>,
        /// The destination's `sa_family`, for a family rtemu has no table
        /// for (a lookup through the in-kernel API).
        sa_family: Option<u32>,
        /// Positive errno of the failed lookup.
        error: Option<u32>,
        unknown: Vec<UnknownAttr>,
    },
    /// A command this crate does not know, kept as received.
    Unknown(RtemuMessage),
}

impl Event {
    /// Short name used by the monitor (`add`, `delete`, ...).
    pub fn name(&self) -> String {
        match self {
            Event::Add(_) => "add".into(),
            Event::Delete { .. } => "delete".into(),
            Event::Change(_) => "change".into(),
            Event::Expire(_) => "expire".into(),
            Event::Deprecate(_) => "deprecate".into(),
            Event::Clear { .. } => "clear".into(),
            Event::Resolve(_) => "resolve".into(),
            Event::Miss { .. } => "miss".into(),
            Event::Unknown(m) => m.cmd.name(),
        }
    }

    /// The route the event is about, if it carries one.
    pub fn route(&self) -> Option<&Route> {
        match self {
            Event::Add(r)
            | Event::Change(r)
            | Event::Expire(r)
            | Event::Deprecate(r)
            | Event::Resolve(r)
            | Event::Delete { route: r, .. } => Some(r),
            _ => None,
        }
    }
}

impl Typed for Event {
    fn to_message(&self) -> RtemuMessage {
        match self {
            Event::Add(r) => RtemuMessage::route(Cmd::AddNtf, r.to_attrs()),
            Event::Change(r) => RtemuMessage::route(Cmd::ChangeNtf, r.to_attrs()),
            Event::Expire(r) => RtemuMessage::route(Cmd::ExpireNtf, r.to_attrs()),
            Event::Deprecate(r) => RtemuMessage::route(Cmd::DeprecateNtf, r.to_attrs()),
            Event::Resolve(r) => RtemuMessage::route(Cmd::ResolveNtf, r.to_attrs()),
            Event::Delete { route, reason } => {
                // Unknown attributes go last, after reason.
                let mut r = route.clone();
                let unknown = std::mem::take(&mut r.unknown);
                let mut a = r.to_attrs();
                a.extend(reason.map(RouteAttr::Reason));
                RtemuMessage::route(Cmd::DeleteNtf, with_unknown(a, &unknown))
            }
            Event::Clear {
                family,
                count,
                unknown,
            } => {
                let mut a: Vec<RouteAttr> = family.map(RouteAttr::Family).into_iter().collect();
                a.extend(count.map(RouteAttr::Count));
                RtemuMessage::route(Cmd::ClearNtf, with_unknown(a, unknown))
            }
            Event::Miss {
                addr,
                sa_family,
                error,
                unknown,
            } => {
                let mut a = Vec::new();
                if let Some(addr) = addr {
                    a.push(RouteAttr::Family(Family::of(addr)));
                    a.push(RouteAttr::Addr(*addr));
                }
                a.extend(error.map(RouteAttr::Error));
                a.extend(sa_family.map(RouteAttr::SaFamily));
                RtemuMessage::route(Cmd::MissNtf, with_unknown(a, unknown))
            }
            Event::Unknown(m) => m.clone(),
        }
    }

    fn from_message(msg: &RtemuMessage) -> Result<Self, DecodeError> {
        let attrs = msg.route_attrs();
        let route = || Route::from_attrs(attrs);
        Ok(match msg.cmd {
            Cmd::AddNtf => Event::Add(route()?),
            Cmd::ChangeNtf => Event::Change(route()?),
            Cmd::ExpireNtf => Event::Expire(route()?),
            Cmd::DeprecateNtf => Event::Deprecate(route()?),
            Cmd::ResolveNtf => Event::Resolve(route()?),
            Cmd::DeleteNtf => {
                let (route, rest) = Route::from_attrs_rest(attrs)?;
                let reason = rest.iter().find_map(|a| match a {
                    RouteAttr::Reason(r) => Some(*r),
                    _ => None,
                });
                Event::Delete { route, reason }
            }
            Cmd::ClearNtf => Event::Clear {
                family: attrs.iter().find_map(|a| match a {
                    RouteAttr::Family(f) => Some(*f),
                    _ => None,
                }),
                count: attrs.iter().find_map(|a| match a {
                    RouteAttr::Count(c) => Some(*c),
                    _ => None,
                }),
                unknown: unknowns(attrs),
            },
            Cmd::MissNtf => {
                let family = attrs.iter().find_map(|a| match a {
                    RouteAttr::Family(f) => Some(*f),
                    _ => None,
                });
                let addr = attrs.iter().find_map(|a| match a {
                    RouteAttr::Addr(x) => Some(*x),
                    _ => None,
                });
                let sa_family = attrs.iter().find_map(|a| match a {
                    RouteAttr::SaFamily(f) => Some(*f),
                    _ => None,
                });
                match &addr {
                    Some(addr) => check_family(family, addr, "addr")?,
                    None if sa_family.is_none() => {
                        return Err("miss-ntf without addr or sa-family".into())
                    }
                    None => {}
                }
                Event::Miss {
                    addr,
                    sa_family,
                    error: attrs.iter().find_map(|a| match a {
                        RouteAttr::Error(e) => Some(*e),
                        _ => None,
                    }),
                    unknown: unknowns(attrs),
                }
            }
            _ => Event::Unknown(msg.clone()),
        })
    }
}

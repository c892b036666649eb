// SPDX-License-Identifier: GPL-2.0-only

//! Operations as sent on the wire (so they can be invalid: the family is
//! given apart from the addresses, prefix lengths are plain numbers), and
//! the replies and events the fuzzer compares.

use std::fmt;
use std::net::IpAddr;

use rtemu::{Family, RouteFlags};

/// A lifetime as the fuzzer sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Time {
    /// CLOCK_REALTIME nanoseconds as sent: long past, decades ahead, or
    /// beyond `S64_MAX`; never near the present.
    Abs(u64),
    /// Tick `n` of the sequence's clock: its start plus `n` ticks. Tick 0
    /// has passed when the first operation runs; an [`Op::Wait`] passes
    /// the others.
    Tick(u32),
}

/// `route-add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddReq {
    pub family: Family,
    pub dst: IpAddr,
    pub plen: u8,
    pub via: IpAddr,
    pub flags: u32,
    pub preferred: Option<Time>,
    pub expires: Option<Time>,
}

/// `route-change`: the path (`via` picks one of several) and what changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeReq {
    pub family: Family,
    pub dst: IpAddr,
    pub plen: u8,
    pub via: Option<IpAddr>,
    pub new_via: Option<IpAddr>,
    pub flags: Option<u32>,
    pub preferred: Option<Time>,
    pub expires: Option<Time>,
}

/// One request to the family, or the passing of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Add(AddReq),
    /// `route-remove` with dst and prefix-len (and via).
    RemovePrefix {
        family: Family,
        dst: IpAddr,
        plen: u8,
        via: Option<IpAddr>,
    },
    /// `route-remove` with addr alone.
    RemoveAddr {
        family: Family,
        addr: IpAddr,
    },
    Clear {
        family: Option<Family>,
    },
    Get {
        family: Family,
        addr: IpAddr,
        report: bool,
        ignflags: Option<u32>,
    },
    Change(ChangeReq),
    /// `route-hold`; `id` names the hold for a later [`Op::Release`].
    Hold {
        id: u32,
        family: Family,
        addr: IpAddr,
    },
    /// `route-release` of the hold taken by the [`Op::Hold`] with `id`; a
    /// hold that was never taken (or already released) is ENOENT.
    Release {
        id: u32,
    },
    Stats,
    List,
    /// Let time pass until just after tick `tick` of the sequence (nothing,
    /// if it has passed): the deadlines up to it take effect.
    Wait {
        tick: u32,
    },
}

impl Op {
    /// The lifetimes the operation sends.
    pub fn times(&self) -> [Option<Time>; 2] {
        match self {
            Op::Add(r) => [r.preferred, r.expires],
            Op::Change(r) => [r.preferred, r.expires],
            _ => [None, None],
        }
    }
}

/// A route as the fuzzer compares it: the attributes the model defines.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteView {
    pub dst: IpAddr,
    pub plen: u8,
    pub via: IpAddr,
    pub flags: u32,
    pub refcnt: u32,
    /// A clone's parent prefix.
    pub parent: Option<(IpAddr, u8)>,
    pub preferred: Option<Time>,
    pub expires: Option<Time>,
}

/// The counters of `stats-get`; `misses` and `resolves` count from the
/// start of the sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsView {
    pub routes_inet: u32,
    pub routes_inet6: u32,
    pub clones: u32,
    pub trash: u32,
    pub holds: u32,
    pub misses: u64,
    pub resolves: u64,
}

/// An event of the `monitor` or `resolve` group as the fuzzer compares it.
/// Its route's refcnt is left out (always 0): an event's snapshot is taken
/// mid-operation, while the operation may itself hold the entry, and is no
/// part of the module's contract.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventView {
    Add(RouteView),
    /// With the reason's name (`removed`, `parent-deleted`, `replaced`).
    Delete(RouteView, String),
    Change(RouteView),
    Expire(RouteView),
    Deprecate(RouteView),
    Clear {
        family: Option<&'static str>,
        count: u32,
    },
    Resolve(RouteView),
    Miss {
        addr: IpAddr,
        errno: u32,
    },
    /// What the fuzzer could not read as an event (an overrun, a decoding
    /// error), described.
    Unreadable(String),
}

/// The outcome of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Acknowledged without a reply message.
    Ok,
    /// Failed with a positive errno.
    Err(i32),
    /// `route-remove` / `route-clear`.
    Count(u32),
    /// `route-get`.
    Route(RouteView),
    /// `route-hold` (the handle itself is not compared).
    Hold(RouteView),
    Stats(StatsView),
    List(Vec<RouteView>),
    /// The events an operation caused, in a canonical order (compared after
    /// its reply; this variant only reports a difference).
    Events(Vec<EventView>),
}

/// The name of a family.
pub fn fam(f: Family) -> &'static str {
    f.spec_name().unwrap_or("af?")
}

fn flag_names(f: u32) -> String {
    if f == 0 {
        "-".into()
    } else {
        RouteFlags::from_bits_retain(f).to_string()
    }
}

fn opt<T: fmt::Display>(name: &str, v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| format!(" {name} {v}"))
        .unwrap_or_default()
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Add(r) => write!(
                f,
                "add {} {}/{} via {} flags {}{}{}",
                fam(r.family),
                r.dst,
                r.plen,
                r.via,
                flag_names(r.flags),
                opt("preferred-until", &r.preferred),
                opt("expires-at", &r.expires)
            ),
            Op::RemovePrefix {
                family,
                dst,
                plen,
                via,
            } => write!(f, "remove {} {dst}/{plen}{}", fam(*family), opt("via", via)),
            Op::RemoveAddr { family, addr } => write!(f, "remove {} addr {addr}", fam(*family)),
            Op::Clear { family } => match family {
                Some(x) => write!(f, "clear {}", fam(*x)),
                None => write!(f, "clear"),
            },
            Op::Get {
                family,
                addr,
                report,
                ignflags,
            } => write!(
                f,
                "get {} {addr}{}{}",
                fam(*family),
                if *report { " report" } else { "" },
                ignflags
                    .map(|i| format!(" ignflags {}", flag_names(i)))
                    .unwrap_or_default()
            ),
            Op::Change(r) => write!(
                f,
                "change {} {}/{}{}{}{}{}{}",
                fam(r.family),
                r.dst,
                r.plen,
                opt("via", &r.via),
                opt("new-via", &r.new_via),
                r.flags
                    .map(|x| format!(" flags {}", flag_names(x)))
                    .unwrap_or_default(),
                opt("preferred-until", &r.preferred),
                opt("expires-at", &r.expires)
            ),
            Op::Hold { id, family, addr } => write!(f, "hold #{id} {} {addr}", fam(*family)),
            Op::Release { id } => write!(f, "release #{id}"),
            Op::Stats => write!(f, "stats"),
            Op::List => write!(f, "list"),
            Op::Wait { tick } => write!(f, "wait until tick {tick}"),
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Time::Abs(ns) => write!(f, "{ns}"),
            Time::Tick(n) => write!(f, "tick {n}"),
        }
    }
}

impl fmt::Display for RouteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} via {} flags {} refcnt {}",
            self.dst,
            self.plen,
            self.via,
            flag_names(self.flags),
            self.refcnt
        )?;
        if let Some((a, l)) = self.parent {
            write!(f, " parent {a}/{l}")?;
        }
        write!(
            f,
            "{}{}",
            opt("preferred-until", &self.preferred),
            opt("expires-at", &self.expires)
        )
    }
}

impl fmt::Display for StatsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inet {} inet6 {} clones {} trash {} holds {} misses {} resolves {}",
            self.routes_inet,
            self.routes_inet6,
            self.clones,
            self.trash,
            self.holds,
            self.misses,
            self.resolves
        )
    }
}

impl fmt::Display for EventView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventView::Add(r) => write!(f, "add {r}"),
            EventView::Delete(r, why) => write!(f, "delete ({why}) {r}"),
            EventView::Change(r) => write!(f, "change {r}"),
            EventView::Expire(r) => write!(f, "expire {r}"),
            EventView::Deprecate(r) => write!(f, "deprecate {r}"),
            EventView::Clear { family, count } => {
                write!(f, "clear {} count {count}", family.unwrap_or("all"))
            }
            EventView::Resolve(r) => write!(f, "resolve {r}"),
            EventView::Miss { addr, errno } => {
                write!(f, "miss {addr} {}", errno_name(*errno as i32))
            }
            EventView::Unreadable(what) => write!(f, "unreadable: {what}"),
        }
    }
}

/// Name of the errnos rtemu answers with.
pub fn errno_name(e: i32) -> String {
    let name = match e {
        0 => "0",
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        17 => "EEXIST",
        22 => "EINVAL",
        28 => "ENOSPC",
        71 => "EPROTO",
        75 => "EOVERFLOW",
        98 => "EADDRINUSE",
        99 => "EADDRNOTAVAIL",
        101 => "ENETUNREACH",
        113 => "EHOSTUNREACH",
        _ => return format!("errno {e}"),
    };
    name.into()
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Ok => write!(f, "ok"),
            Reply::Err(e) => write!(f, "{}", errno_name(*e)),
            Reply::Count(c) => write!(f, "count {c}"),
            Reply::Route(r) => write!(f, "route {r}"),
            Reply::Hold(r) => write!(f, "hold {r}"),
            Reply::Stats(s) => write!(f, "stats {s}"),
            Reply::List(l) if l.is_empty() => write!(f, "list (empty)"),
            Reply::List(l) => {
                write!(f, "list")?;
                for r in l {
                    write!(f, "\n        {r}")?;
                }
                Ok(())
            }
            Reply::Events(e) if e.is_empty() => write!(f, "no events"),
            Reply::Events(e) => {
                write!(f, "events")?;
                for x in e {
                    write!(f, "\n        {x}")?;
                }
                Ok(())
            }
        }
    }
}

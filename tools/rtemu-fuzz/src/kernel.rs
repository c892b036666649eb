// SPDX-License-Identifier: GPL-2.0-only

//! The module as a [`System`]: every operation is built attribute by
//! attribute (so invalid requests can be sent) and sent through the `rtemu`
//! crate's [`Handle`]. A second socket in the `monitor` and `resolve`
//! groups collects the events each operation causes.
//!
//! Ticks are real time: tick `n` of a sequence is `n` tick lengths after
//! its reset on CLOCK_REALTIME, the clock lifetimes are given on, and
//! [`Op::Wait`] sleeps until that clock is just past it. A reply is only
//! evidence if no tick that some lifetime names passed while the request was
//! out; when one did, the sequence counts as [late](System::ran_late) and
//! runs again with ticks twice as long, up to a limit (by default
//! [`DEFAULT_MAX_SLOWDOWN`] times the length asked for). A streak of timed
//! runs on time halves them again.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rtemu::{
    Cmd, Error, Event, Family, Handle, HoldReply, Route, RouteAttr, RouteFlags, RtemuMessage, Typed,
};

use crate::op::{fam, EventView, Op, Reply, RouteView, StatsView, Time};
use crate::run::System;

/// The rtemu module of the caller's network namespace.
pub struct Kernel {
    handle: Handle,
    /// In the `monitor` and `resolve` groups, read without blocking.
    monitor: Handle,
    /// Hold id of the sequence -> the kernel's handle.
    holds: BTreeMap<u32, u64>,
    /// Counters at the start of the sequence.
    base_misses: u64,
    base_resolves: u64,
    /// The extack message of the last failed request.
    pub last_extack: Option<String>,
    /// Settles after a wait that found the lifetime work behind the tick.
    pub lifetime_settles: u64,
    /// The length of a tick asked for, and the one in use.
    base_tick: Duration,
    /// How many times `base_tick` a tick may stretch to.
    max_slowdown: u32,
    tick: Duration,
    /// The longest tick used.
    pub longest_tick: Duration,
    /// Runs that named ticks and ran on time since the ticks last changed.
    on_time: u32,
    /// Tick 0 of the sequence on CLOCK_REALTIME (ns). One clock: a
    /// monotonic start read apart from it would let the two disagree by
    /// however long the reads were apart on a busy machine.
    start_wall_ns: u64,
    /// The last tick waited for, and the last one a lifetime named.
    passed: u32,
    named: u32,
    /// Whether a reply came after a tick it could have crossed.
    late: bool,
    /// Why the last run was late, for the report.
    late_reason: Option<String>,
    /// Sequences run again because they were late.
    pub late_runs: u64,
    /// Say on stderr why each late run was late (when replaying one).
    pub tell_late: bool,
}

/// How many times the tick asked for a late sequence may stretch to,
/// unless told otherwise.
pub const DEFAULT_MAX_SLOWDOWN: u32 = 64;

/// Runs on time, of sequences that name ticks, after which the ticks halve.
const ON_TIME_TO_SPEED_UP: u32 = 8;

/// How long the lifetime work may take to show after a tick, at the tick
/// length asked for; it grows with the ticks.
const SETTLE: Duration = Duration::from_secs(1);

/// How long after a tick a wait ends: the lifetime work runs from a timer
/// armed to the millisecond after the deadline; settling covers the rest.
const PAST_TICK: Duration = Duration::from_millis(2);

/// How long the events an operation is expected to cause may take to come:
/// those of the lifetime work follow its changes to the table.
const EVENT_WAIT: Duration = Duration::from_millis(500);

/// Beyond this many ticks a lifetime is not one of the sequence's ticks.
const MAX_TICKS: u64 = 1000;

/// Stands for a missing attribute of a reply.
const MISSING: IpAddr = IpAddr::V4(Ipv4Addr::BROADCAST);

fn wall_clock_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl Kernel {
    /// The module of this namespace, with ticks of `tick`, which late runs
    /// may stretch up to `max_slowdown` times.
    pub fn connect(tick: Duration, max_slowdown: u32) -> Result<Kernel, Error> {
        let mut monitor = Handle::connect()?;
        monitor.subscribe(&["monitor", "resolve"])?;
        monitor.socket().set_recv_buffer(4 << 20)?;
        monitor.socket().raw().set_non_blocking(true)?;
        Ok(Kernel {
            handle: Handle::connect()?,
            monitor,
            holds: BTreeMap::new(),
            base_misses: 0,
            base_resolves: 0,
            last_extack: None,
            lifetime_settles: 0,
            base_tick: tick,
            max_slowdown,
            tick,
            longest_tick: tick,
            on_time: 0,
            start_wall_ns: wall_clock_ns(),
            passed: 0,
            named: 0,
            late: false,
            late_reason: None,
            late_runs: 0,
            tell_late: false,
        })
    }

    /// The length of the ticks of the last run.
    pub fn tick(&self) -> Duration {
        self.tick
    }

    /// Whether the last run was late (see [`System::ran_late`]).
    pub fn was_late(&self) -> bool {
        self.late
    }

    /// Why the last run was late, if it was.
    pub fn late_reason(&self) -> Option<&str> {
        self.late_reason.as_deref()
    }

    /// Mark the run late; the first reason is kept.
    fn mark_late(&mut self, why: impl FnOnce() -> String) {
        if !self.late {
            self.late = true;
            self.late_reason = Some(why());
        }
    }

    fn tick_ns(&self) -> u64 {
        self.tick.as_nanos() as u64
    }

    /// The CLOCK_REALTIME value of `t`.
    fn wall(&self, t: Time) -> u64 {
        match t {
            Time::Abs(ns) => ns,
            Time::Tick(n) => self.start_wall_ns + u64::from(n) * self.tick_ns(),
        }
    }

    /// The lifetime a reply's CLOCK_REALTIME value stands for.
    fn time(&self, ns: u64) -> Time {
        let since = ns.wrapping_sub(self.start_wall_ns);
        match u32::try_from(since / self.tick_ns()) {
            Ok(n)
                if ns >= self.start_wall_ns
                    && since % self.tick_ns() == 0
                    && u64::from(n) <= MAX_TICKS =>
            {
                Time::Tick(n)
            }
            _ => Time::Abs(ns),
        }
    }

    fn view(&self, r: &Route) -> RouteView {
        RouteView {
            dst: r.dst.addr(),
            plen: r.dst.prefix_len(),
            via: r.via.unwrap_or(MISSING),
            flags: r.flags().bits(),
            refcnt: r.refcnt.unwrap_or(u32::MAX),
            parent: r.parent.map(|p| (p.addr(), p.prefix_len())),
            preferred: r.preferred_until.map(|t| self.time(t)),
            expires: r.expires_at.map(|t| self.time(t)),
        }
    }

    /// A route as events show it (see [`EventView`]).
    fn event_route(&self, r: &Route) -> RouteView {
        RouteView {
            refcnt: 0,
            ..self.view(r)
        }
    }

    fn event_view(&self, e: &Event) -> EventView {
        match e {
            Event::Add(r) => EventView::Add(self.event_route(r)),
            Event::Delete { route, reason } => EventView::Delete(
                self.event_route(route),
                reason.map_or("none".into(), |r| r.name()),
            ),
            Event::Change(r) => EventView::Change(self.event_route(r)),
            Event::Expire(r) => EventView::Expire(self.event_route(r)),
            Event::Deprecate(r) => EventView::Deprecate(self.event_route(r)),
            Event::Clear { family, count, .. } => EventView::Clear {
                family: family.map(fam),
                count: count.unwrap_or(u32::MAX),
            },
            Event::Resolve(r) => EventView::Resolve(self.event_route(r)),
            Event::Miss {
                addr: Some(addr),
                error,
                ..
            } => EventView::Miss {
                addr: *addr,
                errno: error.unwrap_or(0),
            },
            // A family with no table: netlink cannot ask for one.
            Event::Miss { addr: None, .. } => EventView::Unreadable(format!("{e:?}")),
            Event::Unknown(m) => EventView::Unreadable(format!("{m:?}")),
        }
    }

    /// Append the events queued on the monitor socket to `out`.
    fn read_events(&mut self, out: &mut Vec<EventView>) {
        loop {
            match self.monitor.next_event() {
                Ok(e) => out.push(self.event_view(&e)),
                Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                // Events were lost; the ones after it still count.
                Err(Error::Overrun) => out.push(EventView::Unreadable("ENOBUFS".into())),
                Err(e) => {
                    out.push(EventView::Unreadable(e.to_string()));
                    return;
                }
            }
        }
    }

    /// Sleep until CLOCK_REALTIME is just past tick `n`.
    fn wait(&mut self, n: u32) {
        let until = self.wall(Time::Tick(n)) + PAST_TICK.as_nanos() as u64;
        loop {
            let now = wall_clock_ns();
            if now >= until {
                break;
            }
            std::thread::sleep(Duration::from_nanos(until - now));
        }
        self.passed = self.passed.max(n);
    }

    /// Note that a reply came now: late if a tick some lifetime names
    /// passed since the last wait.
    fn check_time(&mut self) {
        let next = self.passed + 1;
        if next <= self.named && wall_clock_ns() >= self.wall(Time::Tick(next)) {
            self.mark_late(|| format!("a reply came after tick {next}"));
        }
    }

    fn fail(&mut self, e: Error) -> Reply {
        self.last_extack = Some(e.to_string());
        Reply::Err(e.errno().unwrap_or(-1))
    }

    /// Send a request built from `attrs`; its reply messages.
    fn send(&mut self, cmd: Cmd, attrs: Vec<RouteAttr>) -> Result<Vec<RtemuMessage>, Error> {
        let msg = RtemuMessage::route(cmd, attrs);
        Ok(self.handle.socket().transact(msg, false)?.msgs)
    }

    fn count(&mut self, cmd: Cmd, attrs: Vec<RouteAttr>) -> Reply {
        match self.send(cmd, attrs) {
            Ok(m) => match m.first().and_then(|m| {
                m.route_attrs().iter().find_map(|a| match a {
                    RouteAttr::Count(c) => Some(*c),
                    _ => None,
                })
            }) {
                Some(c) => Reply::Count(c),
                None => Reply::Ok,
            },
            Err(e) => self.fail(e),
        }
    }

    fn ack(&mut self, cmd: Cmd, attrs: Vec<RouteAttr>) -> Reply {
        match self.send(cmd, attrs) {
            Ok(_) => Reply::Ok,
            Err(e) => self.fail(e),
        }
    }

    fn stats(&mut self) -> Result<StatsView, Error> {
        let s = self.handle.stats()?;
        Ok(StatsView {
            routes_inet: s.routes_inet.unwrap_or(u32::MAX),
            routes_inet6: s.routes_inet6.unwrap_or(u32::MAX),
            clones: s.clones.unwrap_or(u32::MAX),
            trash: s.trash.unwrap_or(u32::MAX),
            holds: s.holds.unwrap_or(u32::MAX),
            misses: s.misses.unwrap_or(u64::MAX).wrapping_sub(self.base_misses),
            resolves: s
                .resolves
                .unwrap_or(u64::MAX)
                .wrapping_sub(self.base_resolves),
        })
    }
}

fn prefix_attrs(family: Family, dst: &IpAddr, plen: u8) -> Vec<RouteAttr> {
    vec![
        RouteAttr::Family(family),
        RouteAttr::Dst(*dst),
        RouteAttr::PrefixLen(plen),
    ]
}

impl System for Kernel {
    fn reset(&mut self) -> Result<(), String> {
        let holds = std::mem::take(&mut self.holds);
        for h in holds.into_values() {
            // Released already, or not: either way it goes.
            let _ = self.handle.release(h);
        }
        self.handle
            .route_clear(None)
            .map_err(|e| format!("route-clear: {e}"))?;
        self.base_misses = 0;
        self.base_resolves = 0;
        // The holds went first, so the clear frees every entry at once:
        // nothing is left in the table or in rttrash.
        let s = self.stats().map_err(|e| format!("stats-get: {e}"))?;
        if s.routes_inet + s.routes_inet6 + s.clones + s.trash + s.holds != 0 {
            return Err(format!("the table is not empty after a reset: {s}"));
        }
        self.base_misses = s.misses;
        self.base_resolves = s.resolves;
        self.last_extack = None;
        // The clear's event, and any of the last sequence's events left
        // unread.
        self.read_events(&mut Vec::new());
        self.start_wall_ns = wall_clock_ns();
        self.passed = 0;
        self.named = 0;
        self.late = false;
        self.late_reason = None;
        Ok(())
    }

    fn events(&mut self, expected: usize) -> Option<Vec<EventView>> {
        let mut got = Vec::new();
        self.read_events(&mut got);
        let deadline = Instant::now() + EVENT_WAIT;
        while got.len() < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            self.read_events(&mut got);
        }
        // Events read after a named tick passed may include the lifetime
        // work's for that tick: as late as a reply after it.
        self.check_time();
        Some(got)
    }

    fn ran_late(&mut self) -> bool {
        self.late_runs += self.late as u64;
        if let (true, Some(why)) = (self.tell_late && self.late, &self.late_reason) {
            eprintln!("late at ticks of {} ms: {why}", self.tick.as_millis());
        }
        self.late
    }

    fn slow_down(&mut self) -> bool {
        if self.tick >= self.base_tick * self.max_slowdown {
            return false;
        }
        self.on_time = 0;
        self.tick *= 2;
        self.longest_tick = self.longest_tick.max(self.tick);
        true
    }

    fn speed_up(&mut self) {
        // Only runs that named ticks tell whether the ticks are long
        // enough, and only a streak of them: halving after every one would
        // make every other timed sequence late again.
        if self.named == 0 {
            return;
        }
        self.on_time += 1;
        if self.on_time == ON_TIME_TO_SPEED_UP {
            self.on_time = 0;
            self.tick = (self.tick / 2).max(self.base_tick);
        }
    }

    fn settle(&mut self, list: &Reply, stats: &Reply) {
        let slowdown = self.tick.as_nanos() / self.base_tick.as_nanos();
        let deadline = Instant::now() + SETTLE * slowdown as u32;
        let mut pause = Duration::from_micros(100);
        let mut waited = false;
        loop {
            let (l, s) = (self.apply(&Op::List), self.apply(&Op::Stats));
            if l == *list && s == *stats {
                break;
            }
            if Instant::now() > deadline {
                // The lifetime work did not catch up: too slow to tell.
                let passed = self.passed;
                self.mark_late(|| {
                    let (want, got) = if l != *list { (list, &l) } else { (stats, &s) };
                    format!("after tick {passed}, the module did not come to\n    {want}\n  but stayed at\n    {got}")
                });
                break;
            }
            waited = true;
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
        self.lifetime_settles += waited as u64;
    }

    fn apply(&mut self, op: &Op) -> Reply {
        for t in op.times().into_iter().flatten() {
            if let Time::Tick(n) = t {
                self.named = self.named.max(n);
            }
        }
        let reply = self.request(op);
        self.check_time();
        reply
    }
}

impl Kernel {
    fn lifetimes(&self, preferred: Option<Time>, expires: Option<Time>) -> Vec<RouteAttr> {
        let p = preferred.map(|t| RouteAttr::PreferredUntil(self.wall(t)));
        let e = expires.map(|t| RouteAttr::ExpiresAt(self.wall(t)));
        p.into_iter().chain(e).collect()
    }

    fn request(&mut self, op: &Op) -> Reply {
        match op {
            Op::Add(r) => {
                let mut a = prefix_attrs(r.family, &r.dst, r.plen);
                a.push(RouteAttr::Via(r.via));
                a.push(RouteAttr::Flags(RouteFlags::from_bits_retain(r.flags)));
                a.extend(self.lifetimes(r.preferred, r.expires));
                self.ack(Cmd::RouteAdd, a)
            }
            Op::RemovePrefix {
                family,
                dst,
                plen,
                via,
            } => {
                let mut a = prefix_attrs(*family, dst, *plen);
                a.extend(via.map(RouteAttr::Via));
                self.count(Cmd::RouteRemove, a)
            }
            Op::RemoveAddr { family, addr } => self.count(
                Cmd::RouteRemove,
                vec![RouteAttr::Family(*family), RouteAttr::Addr(*addr)],
            ),
            Op::Clear { family } => self.count(
                Cmd::RouteClear,
                family.map(RouteAttr::Family).into_iter().collect(),
            ),
            Op::Get {
                family,
                addr,
                report,
                ignflags,
            } => {
                let mut a = vec![RouteAttr::Family(*family), RouteAttr::Addr(*addr)];
                if *report {
                    a.push(RouteAttr::Report);
                }
                a.extend(ignflags.map(|f| RouteAttr::Ignflags(RouteFlags::from_bits_retain(f))));
                match self.send(Cmd::RouteGet, a) {
                    Ok(m) => match m.first().map(|m| Route::from_attrs(m.route_attrs())) {
                        Some(Ok(r)) => Reply::Route(self.view(&r)),
                        Some(Err(e)) => self.fail(e.into()),
                        None => Reply::Ok,
                    },
                    Err(e) => self.fail(e),
                }
            }
            Op::Change(r) => {
                let mut a = prefix_attrs(r.family, &r.dst, r.plen);
                a.extend(r.via.map(RouteAttr::Via));
                a.extend(r.new_via.map(RouteAttr::NewVia));
                a.extend(
                    r.flags
                        .map(|f| RouteAttr::Flags(RouteFlags::from_bits_retain(f))),
                );
                a.extend(self.lifetimes(r.preferred, r.expires));
                self.ack(Cmd::RouteChange, a)
            }
            Op::Hold { id, family, addr } => {
                let a = vec![RouteAttr::Family(*family), RouteAttr::Addr(*addr)];
                match self.send(Cmd::RouteHold, a) {
                    Ok(m) => match m.first().map(HoldReply::from_message) {
                        Some(Ok(h)) => {
                            self.holds.insert(*id, h.handle);
                            Reply::Hold(self.view(&h.route))
                        }
                        Some(Err(e)) => self.fail(e.into()),
                        None => Reply::Ok,
                    },
                    Err(e) => self.fail(e),
                }
            }
            Op::Release { id } => {
                // A hold never taken: a handle the kernel never gives.
                let h = self.holds.get(id).copied().unwrap_or(u64::MAX - *id as u64);
                self.ack(Cmd::RouteRelease, vec![RouteAttr::Handle(h)])
            }
            Op::Stats => match self.stats() {
                Ok(s) => Reply::Stats(s),
                Err(e) => self.fail(e),
            },
            Op::List => match self.handle.route_list(None) {
                Ok(d) => Reply::List(d.routes.iter().map(|r| self.view(r)).collect()),
                Err(e) => self.fail(e),
            },
            Op::Wait { tick } => {
                self.wait(*tick);
                Reply::Ok
            }
        }
    }
}

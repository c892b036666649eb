// SPDX-License-Identifier: GPL-2.0-only

//! Random sequences of operations over a small address space, so that
//! collisions, overlapping prefixes, clones and multipath happen often.
//! About one operation in eight is invalid in one way (host bits, prefix
//! too long, family mismatch, flags a user may not set, bad lifetimes,
//! unknown hold). One sequence in [`TIMED_PCT`] lets time pass: its
//! lifetimes are mostly ticks of the sequence's clock, and waits pass them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rtemu::proto::route_flags::*;
use rtemu::Family;
use rtemu_testkit::rng::SplitMix64;

use crate::op::{AddReq, ChangeReq, Op, Time};

/// The fuzzer's draws from the workspace's PRNG. `below` reduces by
/// modulo, not by [`SplitMix64::below`]'s multiply-shift: the recorded seeds
/// name the sequences this gives.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed))
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }
    /// True with probability `pct` percent.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
}

/// The seed of sequence `index` of a run with `seed`.
pub fn sequence_seed(seed: u64, index: u64) -> u64 {
    SplitMix64::new(seed ^ index.wrapping_mul(0xa076_1d64_78bd_642f)).next_u64()
}

/// Percentage of sequences that let time pass.
pub const TIMED_PCT: u64 = 12;
/// The last tick a timed sequence waits for.
pub const LAST_TICK: u32 = 4;

/// Absolute lifetimes: every preferred-until is before every expires-at, so
/// any mix of them is in order. Both are decades ahead: they never pass.
pub const PREFERRED_BASE: u64 = 4_000_000_000_000_000_000;
pub const EXPIRES_BASE: u64 = 4_100_000_000_000_000_000;
const SEC: u64 = 1_000_000_000;

fn v4(last: u8, third: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, third, last))
}

fn v6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last))
}

/// The address space of one family.
struct Space {
    family: Family,
    /// Destinations that prefixes and lookups are made of.
    addrs: Vec<IpAddr>,
    /// Addresses no valid route of the space covers but /0.
    outside: Vec<IpAddr>,
    plens: Vec<u8>,
    vias: Vec<IpAddr>,
    width: u8,
}

fn spaces() -> [Space; 2] {
    let mut a4: Vec<IpAddr> = (0..8).map(|i| v4(i, 0)).collect();
    a4.extend((0..2).map(|i| v4(i, 1)));
    [
        Space {
            family: Family::Inet,
            addrs: a4,
            outside: vec![IpAddr::V4(Ipv4Addr::new(172, 16, 0, 1))],
            plens: vec![0, 8, 23, 24, 29, 30, 31, 32],
            vias: vec![
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
                v4(1, 0),
                v4(5, 0),
            ],
            width: 32,
        },
        Space {
            family: Family::Inet6,
            addrs: (0..8).map(v6).collect(),
            outside: vec!["3fff::1".parse().unwrap()],
            plens: vec![0, 32, 64, 125, 126, 127, 128],
            vias: vec![
                IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                "fe80::1".parse().unwrap(),
                "fe80::2".parse().unwrap(),
                v6(1),
            ],
            width: 128,
        },
    ]
}

fn mask(a: IpAddr, plen: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = if plen == 0 {
                0
            } else {
                u32::MAX << (32 - plen)
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & m))
        }
        IpAddr::V6(v) => {
            let m = if plen == 0 {
                0
            } else {
                u128::MAX << (128 - plen)
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & m))
        }
    }
}

fn other(f: Family) -> Family {
    match f {
        Family::Inet => Family::Inet6,
        _ => Family::Inet,
    }
}

/// Generates sequences; remembers prefixes and holds of the current one so
/// that removes, changes and releases hit something most of the time.
pub struct Generator {
    rng: Rng,
    spaces: [Space; 2],
    /// Paths added (or perhaps cloned) in this sequence: space, dst, plen, via.
    prefixes: Vec<(usize, IpAddr, u8, Option<IpAddr>)>,
    holds: Vec<u32>,
    next_hold: u32,
    /// Whether the current sequence lets time pass, and its last tick passed.
    timed: bool,
    tick: u32,
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed),
            spaces: spaces(),
            prefixes: Vec::new(),
            holds: Vec::new(),
            next_hold: 1,
            timed: false,
            tick: 0,
        }
    }

    /// A sequence of `len` operations.
    pub fn sequence(&mut self, len: usize) -> Vec<Op> {
        self.prefixes.clear();
        self.holds.clear();
        self.timed = self.rng.pct(TIMED_PCT);
        self.tick = 0;
        (0..len).map(|_| self.op()).collect()
    }

    fn space(&mut self) -> usize {
        if self.rng.pct(75) {
            0
        } else {
            1
        }
    }

    fn addr(&mut self, s: usize) -> IpAddr {
        if self.rng.pct(5) {
            self.rng.pick(&self.spaces[s].outside)
        } else {
            self.rng.pick(&self.spaces[s].addrs)
        }
    }

    /// Any address of the space, vias included.
    fn any_addr(&mut self, s: usize) -> IpAddr {
        if self.rng.pct(30) {
            self.rng.pick(&self.spaces[s].vias)
        } else {
            self.addr(s)
        }
    }

    fn via(&mut self, s: usize) -> IpAddr {
        self.rng.pick(&self.spaces[s].vias)
    }

    /// The via of an add or change of `dst/plen`: mostly a router, now and
    /// then an address the table routes (so routers reached through the
    /// route itself, and clones of their own router, occur), or for a host
    /// route its own destination.
    fn routed_via(&mut self, s: usize, dst: IpAddr, plen: u8) -> IpAddr {
        match self.rng.below(100) {
            0..=3 if plen == self.spaces[s].width => dst,
            0..=7 => self.addr(s),
            _ => self.via(s),
        }
    }

    /// A valid prefix: mostly one used before in this sequence, with the
    /// via of one of its paths when known.
    fn path(&mut self, s: usize, reuse: u64) -> (IpAddr, u8, Option<IpAddr>) {
        let used: Vec<_> = self.prefixes.iter().filter(|p| p.0 == s).cloned().collect();
        if !used.is_empty() && self.rng.pct(reuse) {
            let (_, a, l, v) = self.rng.pick(&used);
            return (a, l, v);
        }
        let plen = self.rng.pick(&self.spaces[s].plens);
        let a = self.addr(s);
        (mask(a, plen), plen, None)
    }

    fn prefix(&mut self, s: usize, reuse: u64) -> (IpAddr, u8) {
        let (a, l, _) = self.path(s, reuse);
        (a, l)
    }

    /// The via of a remove or change: often the one of the path picked.
    fn path_via(&mut self, s: usize, known: Option<IpAddr>) -> Option<IpAddr> {
        match known {
            Some(v) if self.rng.pct(50) => Some(v),
            _ => self.rng.pct(25).then(|| self.via(s)),
        }
    }

    fn user_flags(&mut self) -> u32 {
        let mut f = 0;
        for (bit, pct) in [
            (CLONING, 40),
            (XRESOLVE, 10),
            (STATIC, 20),
            (REJECT, 5),
            (BLACKHOLE, 5),
            (PRCLONING, 10),
        ] {
            if self.rng.pct(pct) {
                f |= bit;
            }
        }
        f
    }

    /// The flags of a route-change: those it may set (RTF_FMASK), and now
    /// and then one it may not.
    fn change_flags(&mut self) -> u32 {
        let mut f = 0;
        for (bit, pct) in [(STATIC, 30), (REJECT, 10), (BLACKHOLE, 10)] {
            if self.rng.pct(pct) {
                f |= bit;
            }
        }
        if self.rng.pct(10) {
            f |= self.rng.pick(&[CLONING, XRESOLVE, PRCLONING]);
        }
        f
    }

    fn bad_flags(&mut self) -> u32 {
        self.user_flags()
            | self
                .rng
                .pick(&[UP, GATEWAY, HOST, WASCLONED, DEPRECATED, 1 << 30])
    }

    /// A valid-looking lifetime: in a timed sequence mostly a tick, from
    /// the one passed last (`ahead` 0) on.
    fn time(&mut self, base: u64, ahead: u32) -> Time {
        if self.timed && self.rng.pct(80) {
            Time::Tick(self.tick + ahead + self.rng.below(3) as u32)
        } else {
            Time::Abs(base + self.rng.below(100) * SEC)
        }
    }

    fn lifetimes(&mut self) -> (Option<Time>, Option<Time>) {
        let pct = if self.timed { 35 } else { 15 };
        let p = self.rng.pct(pct).then(|| self.time(PREFERRED_BASE, 0));
        let e = self.rng.pct(pct).then(|| self.time(EXPIRES_BASE, 1));
        (p, e)
    }

    /// Lifetimes out of order: preferred-until after expires-at.
    fn disordered(&mut self) -> (Option<Time>, Option<Time>) {
        if self.timed && self.rng.pct(50) {
            (
                Some(Time::Tick(self.tick + 2)),
                Some(Time::Tick(self.tick + 1)),
            )
        } else {
            (
                Some(Time::Abs(EXPIRES_BASE + 500 * SEC)),
                Some(Time::Abs(EXPIRES_BASE)),
            )
        }
    }

    /// An expires-at that is invalid: passed, or beyond `S64_MAX`.
    fn bad_expiry(&mut self) -> Time {
        if self.timed && self.rng.pct(25) {
            Time::Tick(self.tick)
        } else {
            Time::Abs(self.rng.pick(&[1_000_000_000, 1 << 63, u64::MAX]))
        }
    }

    /// One way of making a prefix request invalid, applied to its fields.
    fn spoil(&mut self, s: usize, family: &mut Family, dst: &mut IpAddr, plen: &mut u8) {
        let width = self.spaces[s].width;
        match self.rng.below(4) {
            // Host bits: an address with bits beyond a shorter prefix.
            0 => {
                *dst = if s == 0 { v4(3, 0) } else { v6(3) };
                *plen = width - 1 - self.rng.below(2) as u8;
            }
            // Prefix too long (up to the policy's 128, or beyond it).
            1 => *plen = self.rng.pick(&[width + 1, width + 8, 129, 255]),
            // dst of the other family.
            _ => *family = other(*family),
        }
    }

    fn op(&mut self) -> Op {
        if self.timed && self.tick < LAST_TICK && self.rng.pct(6) {
            // One tick at a time: the settle after each wait then proves
            // the lifetime work handled that tick before the next came.
            self.tick += 1;
            return Op::Wait { tick: self.tick };
        }
        let s = self.space();
        let family = self.spaces[s].family;
        let bad = self.rng.pct(12);
        match self.rng.below(100) {
            0..=29 => {
                let (mut dst, mut plen) = self.prefix(s, 25);
                let mut family = family;
                let mut via = self.routed_via(s, dst, plen);
                let mut flags = self.user_flags();
                let (mut preferred, mut expires) = self.lifetimes();
                if bad {
                    match self.rng.below(6) {
                        0 | 1 => self.spoil(s, &mut family, &mut dst, &mut plen),
                        2 => via = self.via(1 - s),
                        3 => flags = self.bad_flags(),
                        4 => (preferred, expires) = self.disordered(),
                        _ => expires = Some(self.bad_expiry()),
                    }
                } else {
                    self.prefixes.push((s, dst, plen, Some(via)));
                }
                Op::Add(AddReq {
                    family,
                    dst,
                    plen,
                    via,
                    flags,
                    preferred,
                    expires,
                })
            }
            30..=51 => {
                let ignflags = match self.rng.below(10) {
                    0..=5 => None,
                    6 | 7 => Some(CLONING),
                    8 => Some(PRCLONING),
                    _ => Some(self.user_flags()),
                };
                let addr = if bad { self.addr(1 - s) } else { self.addr(s) };
                let report = self.rng.pct(60);
                if report && !bad {
                    // Perhaps a clone: a target for removes and changes.
                    self.prefixes.push((s, addr, self.spaces[s].width, None));
                }
                Op::Get {
                    family,
                    addr,
                    report,
                    ignflags,
                }
            }
            52..=61 => {
                let (mut dst, mut plen, known) = self.path(s, 80);
                let mut family = family;
                let mut via = self.path_via(s, known);
                if bad {
                    if self.rng.pct(70) {
                        self.spoil(s, &mut family, &mut dst, &mut plen);
                    } else {
                        via = Some(self.via(1 - s));
                    }
                }
                Op::RemovePrefix {
                    family,
                    dst,
                    plen,
                    via,
                }
            }
            62..=66 => {
                let addr = self.any_addr(s);
                let family = if bad { other(family) } else { family };
                Op::RemoveAddr { family, addr }
            }
            67..=76 => {
                let (mut dst, mut plen, known) = self.path(s, 85);
                let mut family = family;
                let mut via = self.path_via(s, known);
                let mut new_via = self.rng.pct(50).then(|| self.routed_via(s, dst, plen));
                let mut flags = self.rng.pct(40).then(|| self.change_flags());
                let (mut preferred, mut expires) = self.lifetimes();
                if bad {
                    match self.rng.below(5) {
                        0 => self.spoil(s, &mut family, &mut dst, &mut plen),
                        1 => via = Some(self.via(1 - s)),
                        2 => new_via = Some(self.via(1 - s)),
                        3 => flags = Some(self.bad_flags()),
                        _ => (preferred, expires) = self.disordered(),
                    }
                }
                Op::Change(ChangeReq {
                    family,
                    dst,
                    plen,
                    via,
                    new_via,
                    flags,
                    preferred,
                    expires,
                })
            }
            77..=84 => {
                let id = self.next_hold;
                self.next_hold += 1;
                self.holds.push(id);
                let addr = if bad { self.addr(1 - s) } else { self.addr(s) };
                Op::Hold { id, family, addr }
            }
            85..=91 => {
                let id = if self.holds.is_empty() || bad {
                    // Never taken.
                    1_000_000 + self.rng.below(1000) as u32
                } else {
                    self.rng.pick(&self.holds)
                };
                Op::Release { id }
            }
            92..=93 => Op::Clear {
                family: self.rng.pct(60).then_some(family),
            },
            94..=96 => Op::Stats,
            _ => Op::List,
        }
    }
}

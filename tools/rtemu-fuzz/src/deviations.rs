// SPDX-License-Identifier: GPL-2.0-only

//! The known deviations of rtemu from FreeBSD 7, as the FreeBSD model
//! ([`crate::bsd`]) meets them.
//!
//! The FreeBSD model predicts what FreeBSD 7's code does. Where rtemu does
//! otherwise on purpose, the deviation is named here with its reason and the
//! FreeBSD code it departs from, and the model consults this list at the
//! place the two part: a deviation that is [accepted](Deviations::accepts)
//! makes the model predict rtemu's documented behaviour instead (and count
//! the consultation), one that is not makes it predict FreeBSD's. Nothing
//! else in the fuzzer silences a disagreement of the FreeBSD model: a
//! difference that is not on this list is a mismatch.
//!
//! The FreeBSD text read: `sys/net/route.c`, `sys/net/rtsock.c` and
//! `sys/netinet/in_rmx.c` as they were before the multiple-FIB work of
//! FreeBSD 7.1 (no `rtalloc1_fib`, no VIMAGE; `rt_setgate` still returns
//! `EDQUOT` for a route through itself), i.e. the 7.0 era; where the later
//! 7.1/8-CURRENT text differs and matters, the deviation says so.

use std::sync::atomic::{AtomicU64, Ordering};

/// One way rtemu departs from FreeBSD 7, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Deviation {
    /// Clones deleted with or for another route announce it.
    CloneDeleteEvents,
    /// `route-get` of nothing is ENETUNREACH.
    GetNothingErrno,
    /// `route-change` looks the new router up before changing anything.
    ChangeLooksUpFirst,
    /// `route-change` sets only RTF_FMASK flags, and refuses the others.
    ChangeFlags,
    /// `route-change` derives RTF_GATEWAY from the new router.
    ChangeGatewayFlag,
    /// A host route changed to go through itself is refused and kept.
    HostThroughItself,
    /// An add over a clone frees the clone.
    AddOverCloneFrees,
}

/// Every known deviation, in the order reports list them.
pub const KNOWN: [Deviation; 7] = [
    Deviation::CloneDeleteEvents,
    Deviation::GetNothingErrno,
    Deviation::ChangeLooksUpFirst,
    Deviation::ChangeFlags,
    Deviation::ChangeGatewayFlag,
    Deviation::HostThroughItself,
    Deviation::AddOverCloneFrees,
];

impl Deviation {
    /// A short name, for reports and `--deviations`.
    pub fn name(self) -> &'static str {
        match self {
            Deviation::CloneDeleteEvents => "clone-delete-events",
            Deviation::GetNothingErrno => "get-nothing-enetunreach",
            Deviation::ChangeLooksUpFirst => "change-looks-up-first",
            Deviation::ChangeFlags => "change-flags",
            Deviation::ChangeGatewayFlag => "change-gateway-flag",
            Deviation::HostThroughItself => "host-through-itself",
            Deviation::AddOverCloneFrees => "add-over-clone-frees",
        }
    }

    /// The FreeBSD 7 code, and what it does.
    pub fn freebsd(self) -> &'static str {
        match self {
            Deviation::CloneDeleteEvents => {
                "route.c rt_fixdelete, rt_fixchange and rtrequest1(RTM_ADD)'s rtexpunge of a clone \
                 delete clones with rtrequest(RTM_DELETE)/rtexpunge, which send no routing \
                 message: only route_output's own RTM_DELETE is reported"
            }
            Deviation::GetNothingErrno => {
                "rtsock.c route_output RTM_GET: rnh_lookup finds nothing -> senderr(ESRCH)"
            }
            Deviation::ChangeLooksUpFirst => {
                "route.c rt_setgate (7.0) for RTM_CHANGE stores the new gateway and drops the old \
                 rt_gwroute first, then looks the router up with rtalloc1(gate, 1, 0); a lookup \
                 that returns the route itself is EDQUOT, the new gateway kept and no RTM_CHANGE \
                 sent"
            }
            Deviation::ChangeFlags => {
                "rtsock.c route_output RTM_CHANGE (7.0) changes no flags at all: rtm_flags and \
                 rtm_fmask are ignored"
            }
            Deviation::ChangeGatewayFlag => {
                "rtsock.c route_output RTM_CHANGE (7.0) stores the new gateway with rt_setgate \
                 and leaves RTF_GATEWAY as it was"
            }
            Deviation::HostThroughItself => {
                "route.c rt_setgate: a route with RTF_HOST|RTF_GATEWAY given its own destination \
                 as gateway is rtexpunge'd (deleted, no message) and the change fails with \
                 EADDRNOTAVAIL; without RTF_GATEWAY the check does not apply and the change is \
                 made"
            }
            Deviation::AddOverCloneFrees => {
                "route.c rtrequest1 RTM_ADD: the clone in the way is found with rtalloc1(dst, 0, \
                 0), which takes a reference, and rtexpunge'd; the reference is never dropped, \
                 so the clone stays in rttrash with rt_refcnt 1"
            }
        }
    }

    /// What rtemu does instead, and why (README, "Where rtemu differs").
    pub fn rtemu(self) -> &'static str {
        match self {
            Deviation::CloneDeleteEvents => {
                "every deleted clone gets a delete-ntf with its reason (parent-deleted, \
                 superseded, parent-changed, replaced): without it a listener's copy of the \
                 table is wrong"
            }
            Deviation::GetNothingErrno => {
                "ENETUNREACH, with the extack \"no route to addr\": what a lookup's caller acts on"
            }
            Deviation::ChangeLooksUpFirst => {
                "the router is looked up before anything changes, as FreeBSD 7.1's rt_setgate \
                 does: a clone the lookup makes of the route itself carries the old router, and a \
                 lookup that returns the route itself is EADDRINUSE (7.1's errno) with the route \
                 unchanged: a failed change changes nothing"
            }
            Deviation::ChangeFlags => {
                "flags replaces RTF_STATIC, RTF_REJECT and RTF_BLACKHOLE (RTF_FMASK, route.h, as \
                 later releases apply it), and flags outside it are EINVAL: a caller learns that \
                 its change would not happen"
            }
            Deviation::ChangeGatewayFlag => {
                "RTF_GATEWAY is set exactly when the router is a specified address, after a \
                 change as after an add"
            }
            Deviation::HostThroughItself => {
                "EADDRNOTAVAIL whatever the route's flags, and the route is kept unchanged"
            }
            Deviation::AddOverCloneFrees => {
                "the replaced clone is freed at once (its reference is not leaked)"
            }
        }
    }
}

/// Which deviations a FreeBSD model accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deviations(u32);

static CONSULTED: [AtomicU64; KNOWN.len()] = [const { AtomicU64::new(0) }; KNOWN.len()];

impl Deviations {
    /// Every known deviation accepted: the model predicts rtemu wherever
    /// it departs from FreeBSD on purpose.
    pub fn known() -> Deviations {
        Deviations::of(&KNOWN)
    }
    /// None accepted: FreeBSD 7 as read.
    pub fn none() -> Deviations {
        Deviations(0)
    }
    pub fn of(list: &[Deviation]) -> Deviations {
        Deviations(list.iter().fold(0, |m, d| m | 1 << index(*d)))
    }
    /// Is `d` accepted? Counts the consultation when it is.
    pub fn accepts(self, d: Deviation) -> bool {
        let yes = self.0 & (1 << index(d)) != 0;
        if yes {
            CONSULTED[index(d)].fetch_add(1, Ordering::Relaxed);
        }
        yes
    }
    /// Is `d` accepted? (Not counted.)
    pub fn has(self, d: Deviation) -> bool {
        self.0 & (1 << index(d)) != 0
    }
}

fn index(d: Deviation) -> usize {
    KNOWN.iter().position(|k| *k == d).unwrap()
}

/// How many times each known deviation decided a prediction, in this
/// process.
pub fn consulted() -> Vec<(Deviation, u64)> {
    KNOWN
        .iter()
        .map(|d| (*d, CONSULTED[index(*d)].load(Ordering::Relaxed)))
        .collect()
}

/// The deviation named `name`.
pub fn by_name(name: &str) -> Option<Deviation> {
    KNOWN.iter().copied().find(|d| d.name() == name)
}

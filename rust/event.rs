// SPDX-License-Identifier: GPL-2.0

//! Route events: what the table tells the netlink layer.
//!
//! Table operations record [`Event`]s while they hold their locks; the
//! namespace's state (`netns`) sends them once every lock is dropped,
//! between the batches of a long request and as it ends, so the send path
//! (which allocates and may sleep) never runs under a table or entry lock.

use kernel::{
    alloc::{
        flags::{__GFP_NOWARN, GFP_NOWAIT},
        KVVec,
    },
    prelude::*,
};

use crate::{
    addr::{Addr, Af},
    entry::{RouteInfo, RtArc},
};

/// Why a route left the table: the spec's `delete-reason` enum.
pub(crate) use crate::uapi::DeleteReason;

/// One event, in the order it happened.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    Add(RouteInfo),
    Delete(RouteInfo, DeleteReason),
    Change(RouteInfo),
    Expire(RouteInfo),
    Deprecate(RouteInfo),
    Clear {
        af: Option<Af>,
        count: u32,
    },
    /// A clone of an `RTF_XRESOLVE` route awaits resolution.
    Resolve(RouteInfo),
    /// A lookup with `report` set failed: `err` is why a clone failed,
    /// `None` when nothing matched (FreeBSD's `rtalloc1` sends 0 then).
    Miss {
        dst: Addr,
        err: Option<Error>,
    },
    /// A lookup with `report` set of an address family that has no table
    /// (FreeBSD's `rtalloc1` with `rt_tables[af]` NULL): `family` is the
    /// destination's `sa_family`.
    MissFamily {
        family: u16,
    },
}

/// What the in-kernel hooks are told about one entry: the event about it,
/// by its index, or its removal by a clear (which sends one event for all).
#[derive(Clone, Copy)]
enum Subject {
    Event(usize),
    Cleared,
}

/// Where the events of an operation go when it lets its locks go between
/// two batches of a long request ([`Events::flush`]).
enum Sink<'s> {
    /// Kept until the caller sends them (short operations, tests).
    Keep,
    /// Sent at once.
    Send(&'s dyn Fn(&Events<'_>)),
}

/// Room, made ahead, for the entries one batch tells the hooks about: a
/// namespace keeps it for its teardown, which tells the hooks of each of
/// its routes, even when memory is short then.
pub(crate) struct HookRoom(KVVec<(Subject, RtArc)>);

impl HookRoom {
    /// Room for `n` entries. May sleep.
    pub(crate) fn new(n: usize) -> Result<Self, kernel::alloc::AllocError> {
        Ok(Self(KVVec::with_capacity(n, GFP_KERNEL)?))
    }
}

/// Events of one operation. If one could not be recorded (no memory), the
/// listeners are told they lost events rather than nothing.
pub(crate) struct Events<'s> {
    list: KVVec<Event>,
    /// The entries the in-kernel hooks are told about, in order.
    entries: KVVec<(Subject, RtArc)>,
    lost: bool,
    sink: Sink<'s>,
}

impl Events<'static> {
    /// Events the caller sends when the operation returns.
    pub(crate) fn new() -> Self {
        Self::with_sink(Sink::Keep)
    }
}

impl<'s> Events<'s> {
    /// Events sent to `sink` between the batches of a long request, and at
    /// its end when they are dropped.
    pub(crate) fn sending_to(sink: &'s dyn Fn(&Events<'_>)) -> Self {
        Self::with_sink(Sink::Send(sink))
    }

    /// [`Events::sending_to`], with the room for the hooks' entries made
    /// ahead.
    pub(crate) fn sending_to_with_room(sink: &'s dyn Fn(&Events<'_>), room: HookRoom) -> Self {
        let mut ev = Self::with_sink(Sink::Send(sink));
        ev.entries = room.0;
        ev
    }

    fn with_sink(sink: Sink<'s>) -> Self {
        Self {
            list: KVVec::new(),
            entries: KVVec::new(),
            lost: false,
            sink,
        }
    }

    /// Records an event; never sleeps (it may be called under a spinlock).
    /// Within the room made ahead ([`Events::make_room`]) it allocates
    /// nothing.
    pub(crate) fn push(&mut self, event: Event) {
        let pushed = match self.list.push_within_capacity(event) {
            Ok(()) => true,
            Err(e) => self.list.push(e.0, GFP_NOWAIT | __GFP_NOWARN).is_ok(),
        };
        if !pushed {
            self.lost = true;
        }
    }

    /// Records an event about the route of `rt`, and `rt` with it.
    pub(crate) fn push_route(&mut self, event: Event, rt: &RtArc) {
        let index = self.list.len();
        self.push(event);
        if self.list.len() > index {
            self.tell_hooks(Subject::Event(index), rt);
        }
    }

    /// Records that a clear removed `rt`, for the in-kernel hooks.
    pub(crate) fn push_cleared(&mut self, rt: &RtArc) {
        self.tell_hooks(Subject::Cleared, rt);
    }

    fn tell_hooks(&mut self, subject: Subject, rt: &RtArc) {
        let pushed = match self.entries.push_within_capacity((subject, rt.clone())) {
            Ok(()) => true,
            Err(e) => self.entries.push(e.0, GFP_NOWAIT | __GFP_NOWARN).is_ok(),
        };
        if !pushed {
            self.lost = true;
        }
    }

    /// The entries the hooks are told about, in order, each with the event
    /// about it (`None`: removed by a clear).
    pub(crate) fn routes(&self) -> impl Iterator<Item = (Option<&Event>, &RtArc)> {
        self.entries.iter().map(|(subject, rt)| match subject {
            Subject::Event(i) => (self.list.get(*i), rt),
            Subject::Cleared => (None, rt),
        })
    }

    /// Makes room for `n` more events, and as many entries for the hooks
    /// when they want them (`for_hooks`), ahead of taking locks. May sleep.
    pub(crate) fn make_room(&mut self, n: usize, for_hooks: bool) {
        if self.list.reserve(n, GFP_KERNEL).is_err()
            || (for_hooks && self.entries.reserve(n, GFP_KERNEL).is_err())
        {
            self.lost = true;
        }
    }

    /// Sends what was recorded so far, if the events have somewhere to go
    /// now, and starts afresh. Called with no lock held; may sleep.
    pub(crate) fn flush(&mut self) {
        match self.sink {
            Sink::Keep => return,
            Sink::Send(send) => send(self),
        }
        self.list.clear();
        self.entries.clear();
        self.lost = false;
    }

    pub(crate) fn lost(&self) -> bool {
        self.lost
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Event> {
        self.list.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

impl Drop for Events<'_> {
    /// Events that have somewhere to go are sent when they go at the
    /// latest: none is lost to a forgotten [`Events::flush`].
    fn drop(&mut self) {
        if !self.list.is_empty() || !self.entries.is_empty() || self.lost {
            self.flush();
        }
    }
}

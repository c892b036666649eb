// SPDX-License-Identifier: GPL-2.0

//! The lifetime work: deprecates and expires routes whose deadlines passed,
//! and collects clones left idle (FreeBSD's `in_rtqkill`), looking only at
//! what is due.

use kernel::sync::atomic::Relaxed;

use super::{RouteTable, EVENTS_PER_BATCH, WRITER_BATCH};
use crate::{
    entry::{flags::*, RouteInfo, RtState},
    event::{DeleteReason, Event, Events},
    lifetime::{earliest_boot_ns, Deadline},
};

/// The shortest wait between two looks at held clones, for a short
/// `clone_idle_secs` (tests use one second).
pub(super) const IDLE_POLL_MIN_NS: i64 = 1_000_000_000;

/// The next deadline (boot ns) of a route with these flags and lifetimes:
/// its expiry, and its preferred-until until that deprecates it.
fn next_deadline(
    flags: u32,
    preferred: Option<Deadline>,
    expires: Option<Deadline>,
) -> Option<i64> {
    let preferred = preferred.filter(|_| flags & RTF_DEPRECATED == 0);
    earliest_boot_ns(preferred.as_ref(), expires.as_ref())
}

/// When the lifetime work is due to look at a route of `flags` whose lock
/// guards `s`: its next deadline, if any.
pub(super) fn due_of(flags: u32, s: &RtState) -> Option<i64> {
    next_deadline(flags, s.preferred(), s.expires())
}

/// When the lifetime work is due to look at a clone, made or changed at
/// `now`, whose lock guards `s`: its next deadline, or a poll later if that
/// is sooner, when its idle time can be weighed (the run's to say).
pub(super) fn clone_due(flags: u32, s: &RtState, now: i64) -> i64 {
    let look = now.saturating_add(IDLE_POLL_MIN_NS);
    due_of(flags, s).map_or(look, |d| d.min(look))
}

impl RouteTable {
    /// The lifetime work: deprecates and expires routes whose deadlines
    /// passed and collects clones unreferenced for `idle_ns` since their
    /// last release (FreeBSD's `in_rtqkill`). It looks only at the entries
    /// due by the time it starts, each once, and gives each its next time.
    /// Returns when to run next (boot ns), if ever. A release arms nothing,
    /// so a held clone is looked at again `idle_ns / 6` (at least a second)
    /// later (FreeBSD's `in_rtqtimo` runs every `RTQ_TIMEOUT`, a sixth of
    /// `rtq_reallyold`).
    pub(crate) fn run_lifetimes(&self, idle_ns: i64, ev: &mut Events<'_>) -> Option<i64> {
        self.lifetime_runs.fetch_add(1, Relaxed);
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        // Every entry looked at is given a time after this one, so the run
        // ends, however long its batches take.
        let horizon = self.clock.boot_ns();
        let mut now = horizon;
        let mut batch = 0;
        loop {
            if batch >= WRITER_BATCH {
                writer = self.next_batch(writer, &mut batch, ev);
                now = self.clock.boot_ns();
            }
            let rt = match writer.timed.first() {
                Some((due, rt)) if due <= horizon => rt.clone(),
                _ => break,
            };
            // A clone's parent due in this run too goes first, whatever
            // their order in the queue (a clone is also due at its next
            // look, which may come before the parent's deadline): an
            // expired parent takes its clones with it. Once looked at, the
            // parent is gone or due after `horizon`, so the clone comes
            // next time on its own.
            let rt = match rt.parent_arc() {
                Some(p) if writer.timed.due(p).is_some_and(|d| d <= horizon) => p.clone(),
                _ => rt,
            };
            self.visit(&mut batch);
            let (expired, deprecate, info) = {
                let mut s = rt.lock_state();
                let expired = s.expires().is_some_and(|e| e.boot_ns <= now);
                let deprecate = !expired
                    && s.flags() & RTF_DEPRECATED == 0
                    && s.preferred().is_some_and(|p| p.boot_ns <= now);
                if deprecate {
                    let flags = s.flags() | RTF_DEPRECATED;
                    s.set_flags(flags);
                }
                (expired, deprecate, RouteInfo::of(&rt, &s))
            };
            let idle_since = rt.idle_since_ns();
            let idle = idle_since.is_some_and(|t| now - t >= idle_ns);
            let mut retry = false;
            if expired || idle {
                // A cloning route's clones go first.
                let one = core::slice::from_ref(&rt);
                let deleted =
                    self.delete_clones_of(one, writer, &mut batch, DeleteReason::ParentDeleted, ev);
                let clones_gone = deleted.is_ok();
                writer = match deleted {
                    Ok((w, yielded)) => {
                        if yielded {
                            now = self.clock.boot_ns();
                        }
                        w
                    }
                    // No memory to republish: the route stays, with the
                    // clones left, for a later run.
                    Err(_) => self.writer.lock(),
                };
                if clones_gone && rt.is_up() && self.remove_path(&rt).is_ok() {
                    let reason = if expired {
                        None
                    } else {
                        Some(DeleteReason::Idle)
                    };
                    self.unlink(&rt, &mut writer, reason, ev);
                    continue;
                }
                rt.reopen_clones();
                retry = true;
            }
            if deprecate {
                self.changed();
                ev.push(Event::Deprecate(info));
            }
            let next_look = if retry {
                Some(now.saturating_add(IDLE_POLL_MIN_NS))
            } else if let Some(t) = idle_since {
                Some(t.saturating_add(idle_ns))
            } else if rt.is_clone() {
                // Held: look again later, for when it is released.
                Some(now.saturating_add((idle_ns / 6).max(IDLE_POLL_MIN_NS)))
            } else {
                None
            };
            let deadline = next_deadline(info.flags, info.preferred, info.expires);
            // Unless it left while the lock was let go.
            match next_look.into_iter().chain(deadline).min() {
                Some(due) => writer
                    .timed
                    .reschedule(&rt, due.max(horizon.saturating_add(1))),
                None => writer.timed.untrack(&rt),
            }
        }
        let next = writer.timed.first().map(|(due, _)| due);
        self.end_hold(batch);
        next
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Route lifetimes: WASIX's `preferred_until` and `expires_at`.
//!
//! Both arrive as absolute CLOCK_REALTIME nanoseconds (the seed calls
//! `preferred_until` a duration; a deadline needs an absolute time). They are
//! turned into boot-time deadlines when the route is added, so a later jump
//! of the wall clock does not move them, and a table's lifetime work acts on
//! them without any lookup.

use kernel::{bindings, prelude::*};

/// The clocks a table reads; tests substitute one they control.
pub(crate) trait Clock: Sync {
    /// CLOCK_BOOTTIME, ns.
    fn boot_ns(&self) -> i64;
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME, ns. Unlike the two clocks read
    /// one after the other, between which the caller may be preempted for
    /// any time, the offset between them moves only when the wall clock is
    /// set or the system resumes.
    fn real_minus_boot_ns(&self) -> i64;
}

/// The kernel's clocks.
pub(crate) struct KernelClock;

impl Clock for KernelClock {
    fn boot_ns(&self) -> i64 {
        // SAFETY: always safe outside NMI context.
        unsafe { bindings::ktime_get_boottime() }
    }

    fn real_minus_boot_ns(&self) -> i64 {
        // Each offset is from CLOCK_MONOTONIC: real - boot is their
        // difference.
        // SAFETY: reads one of the timekeeper's offsets; `TK_OFFS_REAL` is
        // below `TK_OFFS_MAX`, the bound of the array it indexes.
        let real = unsafe { bindings::ktime_mono_to_any(0, bindings::tk_offsets_TK_OFFS_REAL) };
        // SAFETY: `TK_OFFS_BOOT` is below `TK_OFFS_MAX` too.
        let boot = unsafe { bindings::ktime_mono_to_any(0, bindings::tk_offsets_TK_OFFS_BOOT) };
        real - boot
    }
}

pub(crate) static KERNEL_CLOCK: KernelClock = KernelClock;

/// A deadline as the user gave it (CLOCK_REALTIME ns) and as it is kept:
/// on the boot-time clock, so later wall-clock jumps do not move it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Deadline {
    pub(crate) wall_ns: u64,
    pub(crate) boot_ns: i64,
}

/// Boot time of the earlier of two optional deadlines.
pub(crate) fn earliest_boot_ns(a: Option<&Deadline>, b: Option<&Deadline>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.boot_ns.min(b.boot_ns)),
        (Some(d), None) | (None, Some(d)) => Some(d.boot_ns),
        (None, None) => None,
    }
}

/// The deadline of a CLOCK_REALTIME time; above `S64_MAX` is `EOVERFLOW`.
pub(crate) fn deadline(clock: &dyn Clock, wall_ns: u64) -> Result<Deadline> {
    let wall = i64::try_from(wall_ns).map_err(|_| EOVERFLOW)?;
    let boot_ns = wall.saturating_sub(clock.real_minus_boot_ns());
    Ok(Deadline { wall_ns, boot_ns })
}

/// Nanoseconds until `d`, 0 once it passed.
pub(crate) fn remaining(clock: &dyn Clock, d: &Deadline) -> u64 {
    u64::try_from(d.boot_ns.saturating_sub(clock.boot_ns())).unwrap_or(0)
}

/// Checks a request's pair of lifetimes: `expires_at` in the past, or
/// `preferred_until` after `expires_at`, is `EINVAL` (with which one).
pub(crate) fn check_order(
    clock: &dyn Clock,
    preferred: Option<&Deadline>,
    expires: Option<&Deadline>,
) -> Result<(), LifetimeError> {
    if let Some(e) = expires {
        if e.boot_ns <= clock.boot_ns() {
            return Err(LifetimeError::ExpiresInPast);
        }
        if preferred.is_some_and(|p| p.wall_ns > e.wall_ns) {
            return Err(LifetimeError::PreferredAfterExpires);
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LifetimeError {
    ExpiresInPast,
    PreferredAfterExpires,
}

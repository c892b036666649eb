// SPDX-License-Identifier: GPL-2.0

//! The in-kernel C API of `include/linux/rtemu.h`: FreeBSD's rtalloc(9) for
//! other modules. `rtemu_api.c` exports it and converts socket addresses;
//! this file is the thin layer under it that turns C's pointers back into
//! the types that keep the rules ([`RtRef`], [`RtLocked`]).
//!
//! An entry pointer C holds (`struct rtentry *`) stands for one reference
//! ([`RtRef::into_c`]). Releasing an entry that has no reference left, or
//! `RT_REMREF` of the last one once the route left its table, is refused
//! with a warning; the lock rules are checked by lockdep where the kernel
//! has it.

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use kernel::{bindings, prelude::*, task::might_sleep};

use crate::{
    addr::{Af, Prefix},
    entry::{flags::*, RtEntry, RtLocked, RtRef},
    ffi::{self, CAddr},
    netns::{state_of, NetState},
    nl::NetRef,
    platform::{cond_resched, RcuPtr},
    table::{FlagsChange, NewRoute, RouteChange},
};

/// `struct rtemu_rs_state` of `rtemu_glue.h`.
#[repr(C)]
pub(crate) struct CState {
    gateway: CAddr,
    has_gateway: bool,
    flags: u32,
    preferred_ns: u64,
    expires_ns: u64,
}

/// Registers the BPF kfuncs of `rtemu_bpf.c`, which are built on this API,
/// or logs why the kernel cannot have them; the module works either way.
pub(crate) fn register_bpf_kfuncs() {
    // SAFETY: no preconditions; the namespaces' state the kfuncs look up
    // through is registered before (the module's init calls this last).
    unsafe { crate::ffi::rtemu_bpf_register() }
}

/// Frees what the BPF kfuncs keep (their routes' pools), as the module goes.
pub(crate) fn release_bpf_kfuncs() {
    // SAFETY: the module is going, so no BPF program can call the kfuncs: a
    // program that uses them holds a reference on the module.
    unsafe { crate::ffi::rtemu_bpf_unregister() }
}

/// The state of the namespace `net`, if rtemu has set it up.
///
/// # Safety
///
/// `net` is a live namespace for `'a`.
unsafe fn state<'a>(net: *mut bindings::net) -> Option<kernel::sync::ArcBorrow<'a, NetState>> {
    if net.is_null() {
        return None;
    }
    // SAFETY: the namespace is live for `'a` (safety requirements).
    state_of(unsafe { NetRef::from_raw(net) })
}

/// For a change to the routes: the namespace's state and the prefix
/// `dst`/`plen` (`ENOENT` without a table, `EINVAL` for a bad prefix).
///
/// # Safety
///
/// `net` is a live namespace for `'a`; `dst` is a valid address.
unsafe fn change_args<'a>(
    net: *mut bindings::net,
    dst: *const CAddr,
    plen: u8,
) -> Result<(kernel::sync::ArcBorrow<'a, NetState>, Prefix)> {
    might_sleep();
    // SAFETY: the namespace is live for `'a` (safety requirements).
    let st = unsafe { state(net) }.ok_or(ENOENT)?;
    // SAFETY: `dst` is valid for the call (safety requirements).
    let dst = unsafe { &*dst }.addr();
    let prefix = Prefix::new(dst, plen).map_err(|_| EINVAL)?;
    Ok((st, prefix))
}

/// The entry behind a pointer C passes in, or a warning for null.
///
/// # Safety
///
/// `rt` is null or an entry pointer C holds a reference on for `'a`.
unsafe fn entry<'a>(rt: *const c_void) -> Option<&'a RtEntry> {
    // SAFETY: by the safety requirements.
    let e = unsafe { RtRef::borrow_c(rt) };
    if e.is_none() {
        kernel::warn_on!(true);
    }
    e
}

/// Whether a release of `rt` may go ahead: not null, and more than `keep`
/// references left (a warning otherwise).
///
/// # Safety
///
/// As for [`entry`].
unsafe fn releasable(rt: *const c_void, keep: u32) -> bool {
    // SAFETY: by the safety requirements.
    let Some(e) = (unsafe { entry(rt) }) else {
        return false;
    };
    let ok = e.refcnt() > keep;
    if !ok {
        kernel::warn_on!(true);
    }
    ok
}

/// `rtemu_rtalloc1`.
///
/// # Safety
///
/// `net` is a live namespace and `dst` a valid address, for the call.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_rtalloc1(
    net: *mut bindings::net,
    dst: *const CAddr,
    report: bool,
    ignflags: u32,
) -> *mut c_void {
    if report {
        might_sleep();
    }
    // SAFETY: the namespace is live for the call (safety requirements).
    let Some(st) = (unsafe { state(net) }) else {
        return null_mut();
    };
    // SAFETY: `dst` is valid for the call (safety requirements).
    let dst = unsafe { &*dst }.addr();
    // Cannot fail: cloning is allowed.
    let rt = st.lookup(&dst, report, ignflags, true).unwrap_or(None);
    rt.map_or(null_mut(), RtLocked::into_c)
}

/// `rtemu_rtalloc1` of a destination whose address family (`sa_family`)
/// rtemu has no table for: finds nothing, but counts and reports as
/// FreeBSD's `rtalloc1` does.
///
/// # Safety
///
/// `net` is a live namespace for the call.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_rtalloc1_no_table(
    net: *mut bindings::net,
    family: u16,
    report: bool,
) {
    if report {
        might_sleep();
    }
    // SAFETY: the namespace is live for the call (safety requirements).
    if let Some(st) = unsafe { state(net) } {
        st.lookup_no_table(family, report);
    }
}

/// `struct rtemu_rtstat` of `<linux/rtemu.h>`.
#[repr(C)]
pub(crate) struct CRtstat {
    unreach: u64,
    misses: u64,
}

/// `rtemu_rtstat`: FreeBSD's `rtstat` of `net`'s table.
///
/// # Safety
///
/// `net` is null or a live namespace for the call; `out` is valid for
/// writes.
#[no_mangle]
unsafe extern "C" fn rtemu_rtstat(net: *mut bindings::net, out: *mut CRtstat) -> c_int {
    // SAFETY: the namespace is live for the call (safety requirements).
    let Some(st) = (unsafe { state(net) }) else {
        return ENOENT.to_errno();
    };
    let s = st.table.stats();
    // SAFETY: `out` is valid for writes (safety requirements).
    unsafe {
        out.write(CRtstat {
            unreach: s.unreach,
            misses: s.misses,
        })
    };
    0
}

/// `rtfree` of a locked entry.
///
/// # Safety
///
/// `rt` is an entry pointer whose reference the caller gives up, with the
/// entry's lock, which it holds.
#[no_mangle]
unsafe extern "C" fn rtemu_rtfree(rt: *mut c_void) {
    // SAFETY: the reference is held for the call (safety requirements).
    if unsafe { releasable(rt, 0) } {
        // SAFETY: the caller gives up the reference and the held lock.
        drop(unsafe { RtLocked::from_c(rt) });
    }
}

/// `rtemu_rtfree_unlocked`: `RTFREE`.
///
/// # Safety
///
/// `rt` is an entry pointer whose reference the caller gives up.
#[no_mangle]
unsafe extern "C" fn rtemu_rtfree_unlocked(rt: *mut c_void) {
    // SAFETY: the reference is held for the call (safety requirements).
    if unsafe { releasable(rt, 0) } {
        // SAFETY: the caller gives up the reference.
        drop(unsafe { RtRef::from_c(rt) });
    }
}

/// `rtemu_rt_lock`: `RT_LOCK`.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_lock(rt: *mut c_void) {
    // SAFETY: the reference is held for the call (safety requirements).
    if let Some(e) = unsafe { entry(rt) } {
        e.lock_c();
    }
}

/// `rtemu_rt_unlock`: `RT_UNLOCK`.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference and the lock on.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_unlock(rt: *mut c_void) {
    // SAFETY: the reference is held for the call (safety requirements).
    if let Some(e) = unsafe { entry(rt) } {
        // SAFETY: the caller holds the lock (safety requirements; lockdep
        // checks it).
        unsafe { e.unlock_c() };
    }
}

/// `rtemu_rt_addref`: `RT_ADDREF`, with the lock held.
///
/// # Safety
///
/// `rt` is an entry pointer whose lock the caller holds, and whose memory a
/// reference the caller holds, or the walk or hook that passed it, counts
/// for the call.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_addref(rt: *mut c_void) {
    // SAFETY: the entry is counted for the call (safety requirements).
    let Some(e) = (unsafe { entry(rt) }) else {
        return;
    };
    // SAFETY: the caller claims the lock; lockdep checks the claim.
    unsafe { e.assert_locked_c() };
    // SAFETY: an entry's pointer, counted for the call.
    unsafe { RtRef::addref_c(rt) };
}

/// `rtemu_rt_remref`: `RT_REMREF`. Of the last reference only while the
/// route is in its table, FreeBSD's idiom for using an entry the table
/// keeps: the caller holds the entry lock, so its bottom halves are off
/// and the entry's memory, freed only an RCU grace period after it leaves
/// the table and its last reference goes, outlasts the lock.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds the lock and a reference on,
/// which it gives up.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_remref(rt: *mut c_void) {
    // SAFETY: the reference is held for the call (safety requirements).
    let Some(e) = (unsafe { entry(rt) }) else {
        return;
    };
    // SAFETY: the caller claims the lock; lockdep checks the claim.
    unsafe { e.assert_locked_c() };
    let keep = if e.is_up() { 0 } else { 1 };
    // SAFETY: the reference is held for the call (safety requirements).
    if unsafe { releasable(rt, keep) } {
        // SAFETY: the caller gives up its reference.
        drop(unsafe { RtRef::from_c(rt) });
    }
}

/// `rtemu_rt_lock_assert`: `RT_LOCK_ASSERT`, a lockdep assertion that the
/// caller holds the entry lock.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference on, or one the
/// table keeps while the caller holds its lock (after `RT_REMREF` of the
/// last reference).
#[no_mangle]
unsafe extern "C" fn rtemu_rt_lock_assert(rt: *mut c_void) {
    // SAFETY: the entry is there for the call (safety requirements).
    if let Some(e) = unsafe { entry(rt) } {
        // SAFETY: an assertion only: lockdep checks that the lock is held.
        unsafe { e.assert_locked_c() };
    }
}

/// Whether the entry is in its table (`RTF_UP`), read without the lock.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_is_up(rt: *const c_void) -> bool {
    // SAFETY: the reference is held for the call (safety requirements).
    unsafe { entry(rt) }.is_some_and(RtEntry::is_up)
}

/// `rtemu_rt_key`: writes the prefix's address to `dst`, returns its length.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference on; `dst` is valid
/// for writes.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_key(rt: *const c_void, dst: *mut CAddr) -> u8 {
    // SAFETY: the reference is held for the call (safety requirements).
    let Some(e) = (unsafe { entry(rt) }) else {
        return 0;
    };
    let p = e.prefix();
    // SAFETY: `dst` is valid for writes (safety requirements).
    unsafe { dst.write(CAddr::of(&p.addr())) };
    p.len()
}

/// `rtemu_rt_state`: the router, flags and lifetimes, under the held lock.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference and the lock on;
/// `out` is valid for writes.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_state(rt: *mut c_void, out: *mut CState) {
    // SAFETY: the reference is held for the call (safety requirements).
    let Some(e) = (unsafe { entry(rt) }) else {
        return;
    };
    // SAFETY: the caller holds the lock for the call (lockdep checks it).
    let s = unsafe { e.state_c() };
    let gateway = e.gateway_c(s);
    let state = CState {
        gateway: CAddr::of(&gateway),
        has_gateway: !gateway.is_unspecified(),
        flags: e.flags_c(s),
        preferred_ns: s.preferred().map_or(0, |d| d.wall_ns),
        expires_ns: s.expires().map_or(0, |d| d.wall_ns),
    };
    // SAFETY: `out` is valid for writes (safety requirements).
    unsafe { out.write(state) };
}

/// How many routes a walk visits in one RCU read-side section: between
/// two batches it lets the CPU go (`cond_resched`).
const WALK_BATCH: u32 = 64;

/// `rtemu_rt_walk`: FreeBSD's `rnh_walktree` over the routes of one family
/// of `net`, in (address, length) order, in batches, each entry given to
/// `rtemu_walk_one(ctx, rt)` under RCU until it asks to stop.
///
/// # Safety
///
/// `net` is a live namespace for the call and `ctx` what `rtemu_walk_one`
/// takes. Called in process context (it sleeps between batches).
#[no_mangle]
unsafe extern "C" fn rtemu_rs_walk(net: *mut bindings::net, v6: bool, ctx: *mut c_void) {
    might_sleep();
    // SAFETY: the namespace is live for the call (safety requirements).
    let Some(st) = (unsafe { state(net) }) else {
        return;
    };
    let af = if v6 { Af::Inet6 } else { Af::Inet };
    let mut cursor = None;
    loop {
        let mut batch = 0;
        let mut stopped = false;
        // A refused entry is not passed: the cursor resumes at it.
        let finished = st.table.walk_from(af, &mut cursor, &mut |rt| {
            if batch == WALK_BATCH {
                return false;
            }
            batch += 1;
            // SAFETY: every entry is an `RtArc`'s value, live in the walk's
            // RCU section.
            let p = unsafe { RcuPtr::of_value(rt) };
            // Counted for the call, so that `f` may RT_ADDREF it; an entry
            // that left and only waits for its grace period is passed over.
            // SAFETY: as above.
            let Some(counted) = (unsafe { p.try_count() }) else {
                return true;
            };
            // SAFETY: `ctx` is the walk's (safety requirements), and the
            // entry is counted for the call.
            stopped = !unsafe { ffi::rtemu_walk_one(ctx, counted.as_opaque()) };
            !stopped
        });
        if finished || stopped {
            return;
        }
        cond_resched();
    }
}

/// `rtemu_rt_refcnt`.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_refcnt(rt: *const c_void) -> u32 {
    // SAFETY: the reference is held for the call (safety requirements).
    unsafe { entry(rt) }.map_or(0, RtEntry::refcnt)
}

/// `rtemu_rt_gwroute`: a new reference on the entry's `rt_gwroute`, read
/// under the held lock.
///
/// # Safety
///
/// `rt` is an entry pointer the caller holds a reference and the lock on.
#[no_mangle]
unsafe extern "C" fn rtemu_rt_gwroute(rt: *mut c_void) -> *mut c_void {
    // SAFETY: the reference is held for the call (safety requirements).
    let Some(e) = (unsafe { entry(rt) }) else {
        return null_mut();
    };
    // SAFETY: the caller holds the lock for the call (safety requirements;
    // lockdep checks it), and the state is only read meanwhile.
    let state = unsafe { e.state_c() };
    state
        .gwroute
        .as_ref()
        .map_or(null_mut(), |gw| gw.addref().into_c())
}

/// `rtemu_rt_check`: FreeBSD's `rt_check(lrt, lrt0, dst)`. `*lrt0` keeps
/// the caller's reference, moved to the new route if the old one left its
/// table; `*lrt` is the next hop's route, locked, with no reference of the
/// caller's: its memory outlasts the lock, which keeps bottom halves off
/// (see [`rtemu_rt_remref`]).
///
/// # Safety
///
/// `net` is a live namespace and `dst` a valid address for the call; `lrt`
/// and `lrt0` are valid for reads and writes, and `*lrt0` is an entry
/// pointer the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_rt_check(
    net: *mut bindings::net,
    lrt: *mut *mut c_void,
    lrt0: *mut *mut c_void,
    dst: *const CAddr,
) -> c_int {
    // SAFETY: the namespace is live for the call (safety requirements).
    let Some(st) = (unsafe { state(net) }) else {
        return ENOENT.to_errno();
    };
    // SAFETY: `lrt0` is valid for reads (safety requirements).
    let held = unsafe { *lrt0 };
    // SAFETY: `*lrt0` is an entry pointer the caller holds a reference on,
    // which it gives to this call until it is written back below.
    let Some(mut rt0) = (unsafe { RtRef::from_c(held) }) else {
        kernel::warn_on!(true);
        return EINVAL.to_errno();
    };
    // SAFETY: `dst` is valid for the call (safety requirements).
    let dst = unsafe { &*dst }.addr();
    let next_hop = st.rt_check(&mut rt0, &dst);
    // SAFETY: `lrt0` is valid for writes; the reference goes back to C.
    unsafe { *lrt0 = rt0.into_c() };
    match next_hop {
        Ok(next_hop) => {
            let p = next_hop.into_c();
            // SAFETY: `p` was given to C just above; its reference is given
            // up here while its lock stays held, for the caller's
            // `RT_UNLOCK`.
            drop(unsafe { RtRef::from_c(p) });
            // SAFETY: `lrt` is valid for writes (safety requirements).
            unsafe { *lrt = p };
            0
        }
        Err(e) => Error::from(e).to_errno(),
    }
}

/// `rtemu_route_add`.
///
/// # Safety
///
/// `net` is a live namespace; `dst` and `gateway` are valid addresses.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_route_add(
    net: *mut bindings::net,
    dst: *const CAddr,
    plen: u8,
    gateway: *const CAddr,
    flags: u32,
) -> c_int {
    if flags & !RTF_USER != 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: by the safety requirements.
    let (st, prefix) = match unsafe { change_args(net, dst, plen) } {
        Ok(args) => args,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `gateway` is valid for the call (safety requirements).
    let gateway = unsafe { &*gateway }.addr();
    let new = NewRoute {
        prefix,
        gateway,
        flags,
        preferred: None,
        expires: None,
    };
    match st.change_table(None, |table, ev| table.add(new, ev)) {
        Ok(()) => 0,
        Err(e) => Error::from(e).to_errno(),
    }
}

/// `rtemu_route_delete`.
///
/// # Safety
///
/// `net` is a live namespace; `dst` is a valid address and `gateway` one or
/// null.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_route_delete(
    net: *mut bindings::net,
    dst: *const CAddr,
    plen: u8,
    gateway: *const CAddr,
) -> c_int {
    // SAFETY: by the safety requirements.
    let (st, prefix) = match unsafe { change_args(net, dst, plen) } {
        Ok(args) => args,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `gateway` is null or valid for the call.
    let via = unsafe { gateway.as_ref() }.map(CAddr::addr);
    match st.change_table(None, |table, ev| table.remove(&prefix, via.as_ref(), ev)) {
        Ok(_) => 0,
        Err(e) => Error::from(e).to_errno(),
    }
}

/// `rtemu_route_change`.
///
/// # Safety
///
/// `net` is a live namespace; `dst` is a valid address and `gateway` one or
/// null.
#[no_mangle]
unsafe extern "C" fn rtemu_rs_route_change(
    net: *mut bindings::net,
    dst: *const CAddr,
    plen: u8,
    gateway: *const CAddr,
    flags: u32,
    fmask: u32,
) -> c_int {
    if (flags | fmask) & !RTF_FMASK != 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: by the safety requirements.
    let (st, prefix) = match unsafe { change_args(net, dst, plen) } {
        Ok(args) => args,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `gateway` is null or valid for the call.
    let gateway = unsafe { gateway.as_ref() }.map(CAddr::addr);
    let change = RouteChange {
        gateway,
        flags: (fmask != 0).then_some(FlagsChange { flags, mask: fmask }),
        preferred: None,
        expires: None,
    };
    match st.change_table(None, |table, ev| table.change(&prefix, None, change, ev)) {
        Ok(()) => 0,
        Err(e) => Error::from(e).to_errno(),
    }
}

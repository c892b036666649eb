// SPDX-License-Identifier: GPL-2.0

//! The in-kernel rtrequest hooks of `include/linux/rtemu.h` (FreeBSD's
//! `ifa_rtrequest`), registered in `rtemu_api.c` and called here as a
//! namespace's events go out: `RTM_ADD` for an add and for a change (as
//! FreeBSD's `RTM_CHANGE` calls it), `RTM_RESOLVE` for a clone,
//! `RTM_DELETE` for a delete, an expiry and each route a clear removes;
//! each with the entry unlocked (a hook may look routes up, its own
//! included), and `RTEMU_RTM_DESYNC` when some of an operation's events
//! could not be recorded.

use core::ffi::c_int;
use core::ptr::null_mut;

use kernel::{error::to_result, prelude::*};

use crate::{
    entry::RtArc,
    event::{Event, Events},
    ffi,
    nl::NetRef,
};

// FreeBSD's `RTM_ADD`, `RTM_DELETE` and `RTM_RESOLVE`, and rtemu's
// `RTM_DESYNC` (OpenBSD's: events were lost), as `rtemu.h` defines them.
use crate::c_consts::{
    RTEMU_RTM_ADD as RTM_ADD, RTEMU_RTM_DELETE as RTM_DELETE, RTEMU_RTM_DESYNC as RTM_DESYNC,
    RTEMU_RTM_RESOLVE as RTM_RESOLVE,
};

/// Whether any hook is registered.
pub(crate) fn hooked() -> bool {
    // SAFETY: reads whether the hook list is empty; no preconditions.
    unsafe { ffi::rtemu_rtrequest_hooked() }
}

/// Calls the hooks for each event about a route, in order.
pub(crate) fn call(net: NetRef<'_>, events: &Events<'_>) {
    if !hooked() {
        return;
    }
    if events.lost() {
        // SAFETY: the namespace is live (`NetRef`); a desync is about no
        // entry.
        unsafe { ffi::rtemu_call_rtrequest(net.as_ptr(), RTM_DESYNC, null_mut()) };
    }
    for (event, rt) in events.routes() {
        let req = match event {
            Some(Event::Add(info)) if info.parent.is_some() => RTM_RESOLVE,
            Some(Event::Resolve(_)) => RTM_RESOLVE,
            Some(Event::Add(_) | Event::Change(_)) => RTM_ADD,
            // `None`: removed by a clear.
            Some(Event::Delete(..) | Event::Expire(_) | Event::Clear { .. }) | None => RTM_DELETE,
            Some(Event::Deprecate(_) | Event::Miss { .. } | Event::MissFamily { .. }) => continue,
        };
        call_one(net, req, rt);
    }
}

fn call_one(net: NetRef<'_>, req: c_int, rt: &RtArc) {
    // SAFETY: the namespace is live (`NetRef`); the entry pointer stays valid
    // for the call (`rt` counts it); no rtemu lock is held, as the hooks
    // expect (`rtemu.h`).
    unsafe { ffi::rtemu_call_rtrequest(net.as_ptr(), req, rt.as_opaque()) };
}

/// The watch for modules that go with a hook registered (`rtemu_api.c`).
pub(crate) struct Registration(());

impl Registration {
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: registers a static notifier; no preconditions.
        to_result(unsafe { ffi::rtemu_hooks_init() })?;
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered by `register`; unregistered only here.
        unsafe { ffi::rtemu_hooks_exit() };
    }
}

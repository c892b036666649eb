// SPDX-License-Identifier: GPL-2.0

//! The in-kernel rtrequest hooks of `include/linux/rtemu.h` (FreeBSD's
//! `ifa_rtrequest`), registered in `rtemu_api.c` and called here as a
//! namespace's events go out: `RTM_ADD` for an add and for a change (as
//! FreeBSD's `RTM_CHANGE` calls it), `RTM_RESOLVE` for a clone,
//! `RTM_DELETE` for a delete, an expiry and each route a clear removes;
//! each with the entry locked.

use core::ffi::c_int;

use crate::{
    entry::RtArc,
    event::{Event, Events},
    ffi,
    nl::NetRef,
};

/// FreeBSD's `RTM_ADD`, `RTM_DELETE` and `RTM_RESOLVE` (`rtemu.h`).
const RTM_ADD: c_int = 0x1;
const RTM_DELETE: c_int = 0x2;
const RTM_RESOLVE: c_int = 0xb;

/// Whether any hook is registered.
pub(crate) fn hooked() -> bool {
    // SAFETY: reads whether the hook list is empty; no preconditions.
    unsafe { ffi::rtemu_rtrequest_hooked() }
}

/// Calls the hooks for each event about a route, in order.
pub(crate) fn call(net: NetRef<'_>, events: &Events) {
    if !hooked() {
        return;
    }
    for (event, rt) in events.routes() {
        let req = match event {
            Event::Add(info) if info.parent.is_some() => RTM_RESOLVE,
            Event::Resolve(_) => RTM_RESOLVE,
            Event::Add(_) | Event::Change(_) => RTM_ADD,
            Event::Delete(..) | Event::Expire(_) | Event::Clear { .. } => RTM_DELETE,
            Event::Deprecate(_) | Event::Miss { .. } => continue,
        };
        call_one(net, req, rt);
    }
}

fn call_one(net: NetRef<'_>, req: c_int, rt: &RtArc) {
    let _locked = rt.lock_state();
    // SAFETY: the namespace is live (`NetRef`); the entry pointer stays valid
    // for the call (`rt` counts it) and its lock is held, as the hooks
    // expect; they must not unlock it (`rtemu.h`).
    unsafe { ffi::rtemu_call_rtrequest(net.as_ptr(), req, rt.as_opaque()) };
}

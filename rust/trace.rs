// SPDX-License-Identifier: GPL-2.0

//! Tracepoints (`rtemu_trace.h`, fired in `rtemu_trace.c`): each route
//! event of a namespace, as it goes out, whether anyone listens on netlink
//! or not (misses too, which netlink rate-limits). They take raw values
//! (addresses, numbers), formatted only when the trace is read.

use crate::{
    addr::Af,
    entry::RouteInfo,
    event::{Event, Events},
    ffi::{self, CAddr},
    nl::NetRef,
};

/// Fires the tracepoint of each event.
pub(crate) fn events(net: NetRef<'_>, events: &Events<'_>) {
    for e in events.iter() {
        match e {
            Event::Add(info) if info.parent.is_some() => {
                route(net, ffi::RTEMU_TRACE_CLONE, info, 0)
            }
            Event::Add(info) => route(net, ffi::RTEMU_TRACE_ADD, info, 0),
            Event::Resolve(info) => route(net, ffi::RTEMU_TRACE_RESOLVE, info, 0),
            Event::Change(info) => route(net, ffi::RTEMU_TRACE_CHANGE, info, 0),
            Event::Expire(info) => route(net, ffi::RTEMU_TRACE_EXPIRE, info, 0),
            Event::Deprecate(info) => route(net, ffi::RTEMU_TRACE_DEPRECATE, info, 0),
            Event::Delete(info, reason) => {
                route(net, ffi::RTEMU_TRACE_DELETE, info, reason.to_uapi())
            }
            Event::Clear { af, count } => {
                let family = af.map_or(0, Af::to_uapi);
                // SAFETY: the namespace is live (`NetRef`).
                unsafe { ffi::rtemu_trace_clear(net.as_ptr(), family, *count) };
            }
            Event::Miss { dst, err } => {
                let err = err.map_or(0, |e| e.to_errno());
                // SAFETY: the namespace is live (`NetRef`); the address lives
                // for the call.
                unsafe { ffi::rtemu_trace_miss(net.as_ptr(), &CAddr::of(dst), err) };
            }
            // The miss tracepoint's fields are an inet or inet6 address.
            Event::MissFamily { .. } => {}
        }
    }
}

/// `reason`: the `delete-reason` of a delete, ignored by the other kinds.
fn route(net: NetRef<'_>, kind: u32, info: &RouteInfo, reason: u32) {
    let dst = CAddr::of(&info.prefix.addr());
    // Unspecified (0.0.0.0 or ::) when the route has no router.
    let gateway = CAddr::of(&info.gateway);
    // SAFETY: the namespace is live (`NetRef`); the addresses live for the
    // call.
    unsafe {
        ffi::rtemu_trace_route(
            net.as_ptr(),
            kind,
            &dst,
            info.prefix.len(),
            &gateway,
            info.flags,
            reason,
        )
    };
}

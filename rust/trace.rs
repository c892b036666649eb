// SPDX-License-Identifier: GPL-2.0

//! Tracepoints (`rtemu_trace.h`, fired in `rtemu_trace.c`): each route
//! event of a namespace, as it goes out, whether anyone listens on netlink
//! or not (misses too, which netlink rate-limits).

use core::ptr::null;

use kernel::str::CStrExt;

use crate::{
    addr::Af,
    entry::RouteInfo,
    event::{Event, Events},
    ffi::{self, CAddr},
    nl::NetRef,
    uapi::rtemu_delete_reason_name,
};

/// Fires the tracepoint of each event.
pub(crate) fn events(net: NetRef<'_>, events: &Events<'_>) {
    for e in events.iter() {
        match e {
            Event::Add(info) if info.parent.is_some() => {
                route(net, ffi::RTEMU_TRACE_CLONE, info, None)
            }
            Event::Add(info) => route(net, ffi::RTEMU_TRACE_ADD, info, None),
            Event::Resolve(info) => route(net, ffi::RTEMU_TRACE_RESOLVE, info, None),
            Event::Change(info) => route(net, ffi::RTEMU_TRACE_CHANGE, info, None),
            Event::Expire(info) => route(net, ffi::RTEMU_TRACE_EXPIRE, info, None),
            Event::Deprecate(info) => route(net, ffi::RTEMU_TRACE_DEPRECATE, info, None),
            Event::Delete(info, reason) => route(
                net,
                ffi::RTEMU_TRACE_DELETE,
                info,
                rtemu_delete_reason_name(reason.to_uapi()),
            ),
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
        }
    }
}

fn route(net: NetRef<'_>, kind: u32, info: &RouteInfo, reason: Option<&core::ffi::CStr>) {
    let dst = CAddr::of(&info.prefix.addr());
    let gateway = (!info.gateway.is_unspecified()).then(|| CAddr::of(&info.gateway));
    // SAFETY: the namespace is live (`NetRef`); the addresses and the reason
    // (a static string) live for the call; a null gateway or reason is
    // allowed.
    unsafe {
        ffi::rtemu_trace_route(
            net.as_ptr(),
            kind,
            &dst,
            info.prefix.len(),
            gateway.as_ref().map_or(null(), |g| g),
            info.flags,
            reason.map_or(null(), |r| r.as_char_ptr()),
        )
    };
}

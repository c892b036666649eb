// SPDX-License-Identifier: GPL-2.0

//! The C boundary of the generic netlink family.
//!
//! `rtemu_nl_gen.c`, generated from `include/rtemu.yaml`, defines the
//! `genl_family` with its policies, split ops and multicast groups, and calls
//! the `rtemu_nl_*` entry points below. They only turn raw pointers into safe
//! types (`nl.rs`) and map results to errnos; the work happens in
//! `handlers.rs`.

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

use crate::{
    ffi, handlers,
    nl::{Dump, Request},
    uapi,
};

/// A registration of the `rtemu` family; dropping it unregisters the family.
///
/// # Invariants
///
/// `rtemu_nl_family` is registered while a `Registration` exists, and at most
/// one `Registration` exists at a time (the module owns it).
pub(crate) struct Registration(());

impl Registration {
    /// Registers the family with genetlink (`genl_register_family`).
    pub(crate) fn register() -> Result<Self> {
        let family = &raw mut ffi::rtemu_nl_family;
        // SAFETY: `family` is a valid, statically allocated family whose ops,
        // policies and groups are static too; nothing else registers it, so
        // this is the only registration.
        to_result(unsafe { bindings::genl_register_family(family) })?;
        // SAFETY: no preconditions; events may go out on the family now.
        unsafe { ffi::rtemu_family_open() };
        // INVARIANT: the family was just registered.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: no preconditions; it waits for sends in progress, and no
        // event goes out on the family after it.
        unsafe { ffi::rtemu_family_close() };
        let family = &raw mut ffi::rtemu_nl_family;
        // SAFETY: by the type invariant the family is registered, and this
        // drop is the only place that unregisters it.
        unsafe { bindings::genl_unregister_family(family) };
    }
}

/// Requests of a newer family version than this module speaks are refused
/// with `EINVAL`; version 0 is what clients that do not set it send.
fn version_ok(version: u8) -> bool {
    u32::from(version) <= uapi::RTEMU_FAMILY_VERSION
}

/// Defines the `doit` entry points of the family's operations.
macro_rules! doit {
    ($($name:ident => $handler:path, $maxattr:expr;)*) => {$(
        /// The `doit` callback of one operation, called by genetlink.
        ///
        /// # Safety
        ///
        /// `skb` and `info` are the request being processed, parsed with the
        /// operation's policy into `info->attrs` of `maxattr + 1` entries,
        /// and valid for the whole call.
        #[no_mangle]
        unsafe extern "C" fn $name(
            skb: *mut bindings::sk_buff,
            info: *mut bindings::genl_info,
        ) -> c_int {
            // SAFETY: genetlink passes the request being processed, which
            // outlives this call, parsed with the op's policy.
            let req = unsafe { Request::from_raw(skb, info, $maxattr) };
            if !version_ok(req.version()) {
                let msg = c"unsupported rtemu family version";
                return req.extack().fail(EINVAL, msg, None).to_errno();
            }
            match $handler(&req) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        }
    )*};
}

doit! {
    rtemu_nl_route_add_doit => handlers::route_add, uapi::RTEMU_ROUTE_ADD_DO_MAXATTR;
    rtemu_nl_route_remove_doit => handlers::route_remove, uapi::RTEMU_ROUTE_REMOVE_DO_MAXATTR;
    rtemu_nl_route_clear_doit => handlers::route_clear, uapi::RTEMU_ROUTE_CLEAR_DO_MAXATTR;
    rtemu_nl_route_get_doit => handlers::route_get, uapi::RTEMU_ROUTE_GET_DO_MAXATTR;
    rtemu_nl_route_change_doit => handlers::route_change, uapi::RTEMU_ROUTE_CHANGE_DO_MAXATTR;
    rtemu_nl_route_hold_doit => handlers::route_hold, uapi::RTEMU_ROUTE_HOLD_DO_MAXATTR;
    rtemu_nl_route_release_doit => handlers::route_release, uapi::RTEMU_ROUTE_RELEASE_DO_MAXATTR;
    rtemu_nl_stats_get_doit => handlers::stats_get, uapi::RTEMU_STATS_GET_DO_MAXATTR;
}

/// The `dumpit` callback of `route-list`, called by netlink for each part
/// of the dump.
///
/// # Safety
///
/// `skb` is the buffer to fill and `cb` the running dump, whose context
/// holds rtemu's cursor (zeroed by netlink at the start); both are valid for
/// the whole call.
#[no_mangle]
unsafe extern "C" fn rtemu_nl_route_list_dumpit(
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
) -> c_int {
    // SAFETY: netlink passes the running dump, which outlives this call.
    let mut dump = unsafe { Dump::from_raw(skb, cb) };
    if !version_ok(dump.version()) {
        return EINVAL.to_errno();
    }
    match handlers::route_list(&mut dump) {
        Ok(len) => len.try_into().unwrap_or(c_int::MAX),
        Err(e) => e.to_errno(),
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The C boundary of the generic netlink family.
//!
//! `rtemu_nl_gen.c`, generated from `include/rtemu.yaml`, defines the
//! `genl_family` with its policies, split ops and multicast groups, and calls
//! the `rtemu_nl_*` entry points below. They only turn raw pointers into safe
//! types and map results to errnos; the work happens in safe Rust.

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

#[expect(
    improper_ctypes,
    reason = "only its address is taken; genetlink owns the layout"
)]
extern "C" {
    /// Defined by the generated `rtemu_nl_gen.c`.
    static mut rtemu_nl_family: bindings::genl_family;
}

/// Mirror of `struct rtemu_sock` in `rtemu_sock.h`: genetlink's per-socket
/// private area of this family.
#[repr(C)]
pub(crate) struct RtemuSock {
    holds: *mut c_void,
}

/// A registration of the `rtemu` family; dropping it unregisters the family.
///
/// # Invariants
///
/// `rtemu_nl_family` is registered while a `Registration` exists, and at most
/// one `Registration` exists at a time (the module owns it).
pub(crate) struct Registration(());

impl Registration {
    /// Registers the family with genetlink (`genl_register_family`).
    ///
    /// Must be called from module init: the generated family lives in
    /// `__ro_after_init` memory, which registration writes to.
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: `rtemu_nl_family` is a valid, statically allocated family
        // whose ops, policies and groups are static too; nothing else
        // registers it, so this is the only registration.
        to_result(unsafe { bindings::genl_register_family(&raw mut rtemu_nl_family) })?;
        // INVARIANT: the family was just registered.
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the family is registered, and this
        // drop is the only place that unregisters it.
        unsafe { bindings::genl_unregister_family(&raw mut rtemu_nl_family) };
    }
}

/// Sets `msg` as the extack message of a request.
///
/// # Safety
///
/// `info` must point to a valid `genl_info`.
unsafe fn set_err_msg(info: *mut bindings::genl_info, msg: &'static CStr) {
    // SAFETY: `info` is valid by the function's contract; its `extack` is
    // either null or valid for the request.
    unsafe {
        let extack = (*info).extack;
        if !extack.is_null() {
            (*extack)._msg = msg.as_char_ptr();
        }
    }
}

/// Defines a `doit` entry point of an operation that this build does not
/// provide yet: it fails with `EOPNOTSUPP` and says so in the extack.
macro_rules! unsupported_doit {
    ($($name:ident),* $(,)?) => {$(
        #[no_mangle]
        unsafe extern "C" fn $name(
            _skb: *mut bindings::sk_buff,
            info: *mut bindings::genl_info,
        ) -> c_int {
            // SAFETY: genetlink passes a valid `genl_info` to `doit`.
            unsafe { set_err_msg(info, c"operation not supported by this rtemu build") };
            EOPNOTSUPP.to_errno()
        }
    )*};
}

unsupported_doit!(
    rtemu_nl_route_add_doit,
    rtemu_nl_route_remove_doit,
    rtemu_nl_route_clear_doit,
    rtemu_nl_route_get_doit,
    rtemu_nl_route_change_doit,
    rtemu_nl_route_hold_doit,
    rtemu_nl_route_release_doit,
    rtemu_nl_stats_get_doit,
);

#[no_mangle]
unsafe extern "C" fn rtemu_nl_route_list_dumpit(
    _skb: *mut bindings::sk_buff,
    _cb: *mut bindings::netlink_callback,
) -> c_int {
    EOPNOTSUPP.to_errno()
}

#[no_mangle]
unsafe extern "C" fn rtemu_nl_sock_priv_init(sock: *mut RtemuSock) {
    // SAFETY: genetlink passes its zeroed, exclusively owned per-socket area.
    unsafe { (*sock).holds = core::ptr::null_mut() };
}

#[no_mangle]
unsafe extern "C" fn rtemu_nl_sock_priv_destroy(_sock: *mut RtemuSock) {}

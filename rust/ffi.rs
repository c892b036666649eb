// SPDX-License-Identifier: GPL-2.0

//! Raw declarations of the C shims in `rtemu_glue.c`, `rtemu_trace.c` and
//! `rtemu_api.c` (see `rtemu_glue.h`), of what the generated
//! `rtemu_nl_gen.c` defines, and the C form of an address. Only the thin
//! layers (`nl.rs`, `genl.rs`, `netns.rs`, `trace.rs`, `hooks.rs`, `api.rs`)
//! call these.

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_void};

use crate::addr::Addr;

/// `struct rtemu_addr` of `rtemu_glue.h`.
#[repr(C)]
pub(crate) struct CAddr {
    pub(crate) v6: bool,
    pub(crate) bytes: [u8; 16],
}

impl CAddr {
    pub(crate) fn of(a: &Addr) -> Self {
        let mut bytes = [0; 16];
        bytes[..a.as_bytes().len()].copy_from_slice(a.as_bytes());
        Self {
            v6: matches!(a, Addr::V6(_)),
            bytes,
        }
    }

    pub(crate) fn addr(&self) -> Addr {
        if self.v6 {
            Addr::V6(self.bytes)
        } else {
            let mut b = [0; 4];
            b.copy_from_slice(&self.bytes[..4]);
            Addr::V4(b)
        }
    }
}

/// The tracepoint kinds of `rtemu_trace_route`, generated from `rtemu_glue.h`.
pub(crate) use crate::c_consts::{
    RTEMU_TRACE_ADD, RTEMU_TRACE_CHANGE, RTEMU_TRACE_CLONE, RTEMU_TRACE_DELETE,
    RTEMU_TRACE_DEPRECATE, RTEMU_TRACE_EXPIRE, RTEMU_TRACE_RESOLVE,
};

#[expect(
    improper_ctypes,
    reason = "kernel structs passed by pointer only; C owns their layout"
)]
extern "C" {
    /// Defined by the generated `rtemu_nl_gen.c`.
    pub(crate) static mut rtemu_nl_family: bindings::genl_family;

    pub(crate) fn rtemu_genl_info_net(info: *const bindings::genl_info) -> *mut bindings::net;
    pub(crate) fn rtemu_cb_net(cb: *const bindings::netlink_callback) -> *mut bindings::net;
    pub(crate) fn rtemu_dump_attrs(
        cb: *mut bindings::netlink_callback,
    ) -> *const *mut bindings::nlattr;
    pub(crate) fn rtemu_dump_version(cb: *mut bindings::netlink_callback) -> u8;
    pub(crate) fn rtemu_req_net_admin(
        skb: *const bindings::sk_buff,
        net: *const bindings::net,
    ) -> bool;

    pub(crate) fn rtemu_set_err_msg(
        extack: *mut bindings::netlink_ext_ack,
        msg: *const c_char,
        bad_attr: *const bindings::nlattr,
    );
    pub(crate) fn rtemu_set_attr_missing(extack: *mut bindings::netlink_ext_ack, ty: c_uint);

    pub(crate) fn rtemu_put_reply(
        skb: *mut bindings::sk_buff,
        info: *mut bindings::genl_info,
        cmd: u8,
    ) -> *mut c_void;
    pub(crate) fn rtemu_put_dump(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
        cmd: u8,
    ) -> *mut c_void;
    pub(crate) fn rtemu_put_event(skb: *mut bindings::sk_buff, cmd: u8) -> *mut c_void;
    pub(crate) fn rtemu_reply(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info)
        -> c_int;
    pub(crate) fn rtemu_multicast(
        net: *mut bindings::net,
        skb: *mut bindings::sk_buff,
        group: c_uint,
    ) -> c_int;
    pub(crate) fn rtemu_has_listeners(net: *mut bindings::net, group: c_uint) -> bool;
    pub(crate) fn rtemu_set_err(net: *mut bindings::net, group: c_uint, err: c_int);

    pub(crate) fn rtemu_register_pernet() -> c_int;
    pub(crate) fn rtemu_unregister_pernet();
    pub(crate) fn rtemu_net_slot(net: *const bindings::net) -> *mut *mut c_void;

    pub(crate) fn rtemu_family_open();
    pub(crate) fn rtemu_family_close();
    pub(crate) fn rtemu_register_release_notifier() -> c_int;
    pub(crate) fn rtemu_unregister_release_notifier();

    pub(crate) fn rtemu_trace_route(
        net: *const bindings::net,
        kind: u32,
        dst: *const CAddr,
        plen: u8,
        gateway: *const CAddr,
        flags: u32,
        reason: u32,
    );
    pub(crate) fn rtemu_trace_miss(net: *const bindings::net, dst: *const CAddr, err: c_int);
    pub(crate) fn rtemu_trace_clear(net: *const bindings::net, family: u8, count: u32);

    pub(crate) fn rtemu_bpf_register();
    pub(crate) fn rtemu_bpf_unregister();

    pub(crate) fn rtemu_hooks_init() -> c_int;
    /// Calls the function of a `rtemu_rt_walk` (`ctx`) for the entry `rt`;
    /// false once it asked to stop.
    pub(crate) fn rtemu_walk_one(ctx: *mut c_void, rt: *mut c_void) -> bool;
    pub(crate) fn rtemu_hooks_exit();
    pub(crate) fn rtemu_rtrequest_hooked() -> bool;
    pub(crate) fn rtemu_call_rtrequest(net: *mut bindings::net, req: c_int, rt: *mut c_void);
}

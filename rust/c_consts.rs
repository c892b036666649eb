// SPDX-License-Identifier: GPL-2.0

// Do not edit directly, auto-generated from the C headers named below
// by scripts/c_consts_rust.py. To regenerate run: scripts/ynl-regen.sh

//! Constants the module shares with C, from the C headers that define them.

use core::ffi::c_int;

// include/linux/rtemu.h
/// The kinds of call an rtrequest hook gets (FreeBSD's `RTM_*` values).
pub(crate) const RTEMU_RTM_ADD: c_int = 0x1;
pub(crate) const RTEMU_RTM_DELETE: c_int = 0x2;
pub(crate) const RTEMU_RTM_RESOLVE: c_int = 0xb;
pub(crate) const RTEMU_RTM_DESYNC: c_int = 0x13;

// rust/rtemu_glue.h
/// The tracepoint kinds of `rtemu_trace_route`.
pub(crate) const RTEMU_TRACE_ADD: u32 = 0;
pub(crate) const RTEMU_TRACE_CLONE: u32 = 1;
pub(crate) const RTEMU_TRACE_RESOLVE: u32 = 2;
pub(crate) const RTEMU_TRACE_CHANGE: u32 = 3;
pub(crate) const RTEMU_TRACE_EXPIRE: u32 = 4;
pub(crate) const RTEMU_TRACE_DEPRECATE: u32 = 5;
pub(crate) const RTEMU_TRACE_DELETE: u32 = 6;

// include/linux/rtemu.h
/// The bits of `rt_refcnt` in the entry word (`struct rtentry`).
pub(crate) const RTEMU_RT_REFCNT_BITS: u32 = 29;

// rust/rtemu_glue.h
/// Where `struct rtentry` has the fields C reads (`rt_gwroute`'s without lockdep).
pub(crate) const RTEMU_RTENTRY_FLAGS_OFFSET: usize = 16;
pub(crate) const RTEMU_RTENTRY_USE_OFFSET: usize = 24;
pub(crate) const RTEMU_RTENTRY_WORD_OFFSET: usize = 32;
pub(crate) const RTEMU_RTENTRY_GWROUTE_OFFSET: usize = 40;

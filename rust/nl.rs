// SPDX-License-Identifier: GPL-2.0

//! Netlink messages for safe code: request attributes, extack errors, and
//! replies, dump entries and events under construction.
//!
//! The raw pointers genetlink hands to the entry points in `genl.rs` become a
//! [`Request`] or a [`Dump`] here; everything above this module is safe Rust.

use core::ptr::NonNull;

use kernel::{bindings, prelude::*};

use crate::ffi;

/// A network namespace, valid while a request or dump in it is processed.
///
/// # Invariants
///
/// `0` points to a live `struct net` for the lifetime of the borrow that
/// produced the value.
#[derive(Clone, Copy)]
pub(crate) struct NetRef<'a>(NonNull<bindings::net>, core::marker::PhantomData<&'a ()>);

impl NetRef<'_> {
    pub(crate) fn as_ptr(&self) -> *mut bindings::net {
        self.0.as_ptr()
    }

    /// Whether anyone listens to a multicast group of the family here.
    pub(crate) fn has_listeners(&self, group: u32) -> bool {
        // SAFETY: the namespace is live by the type invariant.
        unsafe { ffi::rtemu_has_listeners(self.as_ptr(), group) }
    }

    /// Tells a group's listeners that they missed events (`genl_set_err`).
    pub(crate) fn set_err(&self, group: u32, err: Error) {
        // SAFETY: the namespace is live by the type invariant.
        unsafe { ffi::rtemu_set_err(self.as_ptr(), group, err.to_errno()) }
    }

    /// # Safety
    ///
    /// `net` must point to a live `struct net` for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(net: *mut bindings::net) -> NetRef<'a> {
        // INVARIANT: by the function's contract.
        NetRef(
            NonNull::new(net).expect("null net"),
            core::marker::PhantomData,
        )
    }
}

/// One attribute of a request, validated by the family's policy.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a> {
    raw: &'a bindings::nlattr,
}

impl<'a> Attr<'a> {
    /// The payload.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        let len = usize::from(self.raw.nla_len).saturating_sub(NLA_HDRLEN);
        let attr = core::ptr::from_ref(self.raw).cast::<u8>();
        // SAFETY: netlink validated `nla_len` against the message when it
        // parsed the attributes, so the attribute spans at least its 4-byte
        // header: the payload starts inside or one past its end.
        let payload = unsafe { attr.add(NLA_HDRLEN) };
        // SAFETY: by the same validation the `len` bytes after the header are
        // part of the message, readable for the request's lifetime.
        unsafe { core::slice::from_raw_parts(payload, len) }
    }

    fn int<const N: usize>(&self) -> [u8; N] {
        // The policy fixes integer attributes' sizes; a short one reads as 0.
        self.bytes()
            .get(..N)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; N])
    }

    pub(crate) fn u8(&self) -> u8 {
        self.int::<1>()[0]
    }

    pub(crate) fn u32(&self) -> u32 {
        u32::from_ne_bytes(self.int())
    }

    pub(crate) fn u64(&self) -> u64 {
        u64::from_ne_bytes(self.int())
    }

    fn as_ptr(&self) -> *const bindings::nlattr {
        self.raw
    }
}

const NLA_HDRLEN: usize = 4;

/// The parsed attributes of a request (`info->attrs`).
///
/// # Invariants
///
/// `attrs` has `max + 1` entries, each null or a validated attribute, alive
/// for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Attrs<'a> {
    attrs: *const *mut bindings::nlattr,
    max: u16,
    _p: core::marker::PhantomData<&'a ()>,
}

impl<'a> Attrs<'a> {
    pub(crate) fn get(&self, ty: u16) -> Option<Attr<'a>> {
        if self.attrs.is_null() || ty > self.max {
            return None;
        }
        // SAFETY: `ty <= max` and the array has `max + 1` entries, by the
        // type invariant.
        let slot = unsafe { self.attrs.add(usize::from(ty)) };
        // SAFETY: `slot` is one of the array's entries, which netlink
        // initialized (to null for an absent attribute).
        let attr = unsafe { *slot };
        let attr = NonNull::new(attr)?;
        // SAFETY: non-null entries are attributes netlink validated against
        // the message, alive for `'a` (type invariant).
        let raw = unsafe { attr.as_ref() };
        Some(Attr { raw })
    }

    pub(crate) fn flag(&self, ty: u16) -> bool {
        self.get(ty).is_some()
    }
}

/// Where a request's errors go (`struct netlink_ext_ack`).
#[derive(Clone, Copy)]
pub(crate) struct Extack<'a> {
    raw: *mut bindings::netlink_ext_ack,
    _p: core::marker::PhantomData<&'a ()>,
}

impl Extack<'_> {
    /// Fails with `err`, telling userspace `msg` about `attr`.
    pub(crate) fn fail(&self, err: Error, msg: &'static CStr, attr: Option<Attr<'_>>) -> Error {
        let bad = attr.map_or(core::ptr::null(), |a| a.as_ptr());
        // SAFETY: `raw` is null or the request's extack; the message is
        // static and `bad` is null or an attribute of the request.
        unsafe { ffi::rtemu_set_err_msg(self.raw, msg.as_char_ptr(), bad) };
        err
    }

    /// Fails with `EINVAL` because attribute `ty` is missing.
    pub(crate) fn missing(&self, ty: u16, msg: &'static CStr) -> Error {
        // SAFETY: `raw` is null or the request's extack.
        unsafe { ffi::rtemu_set_attr_missing(self.raw, ty.into()) };
        // SAFETY: `raw` is null or the request's extack; the message is
        // static and no attribute is named.
        unsafe { ffi::rtemu_set_err_msg(self.raw, msg.as_char_ptr(), core::ptr::null()) };
        EINVAL
    }
}

/// A `doit` request.
///
/// # Invariants
///
/// `skb` and `info` are the request genetlink is processing; they outlive
/// `'a`.
pub(crate) struct Request<'a> {
    skb: *mut bindings::sk_buff,
    info: *mut bindings::genl_info,
    maxattr: u16,
    _p: core::marker::PhantomData<&'a ()>,
}

impl<'a> Request<'a> {
    /// # Safety
    ///
    /// `skb` and `info` must be the arguments of a `doit` callback whose op
    /// has `maxattr` as its policy's maxattr, and the value must not outlive
    /// the callback.
    pub(crate) unsafe fn from_raw(
        skb: *mut bindings::sk_buff,
        info: *mut bindings::genl_info,
        maxattr: u16,
    ) -> Self {
        // INVARIANT: by the function's contract.
        Self {
            skb,
            info,
            maxattr,
            _p: core::marker::PhantomData,
        }
    }

    pub(crate) fn attrs(&self) -> Attrs<'a> {
        // INVARIANT: genetlink parsed the request against the op's policy
        // into `info->attrs[0..=maxattr]` (or left it null without one).
        Attrs {
            // SAFETY: `info` is valid (type invariant).
            attrs: unsafe { (*self.info).attrs },
            max: self.maxattr,
            _p: core::marker::PhantomData,
        }
    }

    pub(crate) fn extack(&self) -> Extack<'a> {
        Extack {
            // SAFETY: `info` is valid (type invariant).
            raw: unsafe { (*self.info).extack },
            _p: core::marker::PhantomData,
        }
    }

    pub(crate) fn net(&self) -> NetRef<'a> {
        // SAFETY: `info` is valid (type invariant).
        let net = unsafe { ffi::rtemu_genl_info_net(self.info) };
        // SAFETY: the request's namespace lives while the request does.
        unsafe { NetRef::from_raw(net) }
    }

    /// Whether the sender has CAP_NET_ADMIN over the request's namespace.
    pub(crate) fn net_admin(&self) -> bool {
        // SAFETY: `skb` and the namespace are valid (type invariant).
        unsafe { ffi::rtemu_req_net_admin(self.skb, self.net().as_ptr()) }
    }

    /// The version in the request's generic netlink header.
    pub(crate) fn version(&self) -> u8 {
        // SAFETY: `info` is valid (type invariant).
        let hdr = unsafe { (*self.info).genlhdr };
        // SAFETY: genetlink checked that the message holds a full generic
        // netlink header, which `genlhdr` points to.
        unsafe { (*hdr).version }
    }

    /// The sender's netlink port, which names its socket.
    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: `info` is valid (type invariant).
        unsafe { (*self.info).snd_portid }
    }

    /// Starts the reply.
    pub(crate) fn reply(&self, cmd: u8) -> Result<Msg> {
        let skb = Skb::new()?;
        // SAFETY: `skb` is fresh and ours; `info` is valid (type invariant).
        let hdr = unsafe { ffi::rtemu_put_reply(skb.0.as_ptr(), self.info, cmd) };
        Msg::new(skb, hdr)
    }

    /// Sends a finished reply.
    pub(crate) fn send(&self, msg: Msg) -> Result {
        let skb = msg.finish();
        // SAFETY: `rtemu_reply` takes ownership of `skb`; `info` is valid.
        kernel::error::to_result(unsafe { ffi::rtemu_reply(skb.into_raw(), self.info) })
    }
}

/// An owned socket buffer.
///
/// # Invariants
///
/// `0` is an `sk_buff` we own.
struct Skb(NonNull<bindings::sk_buff>);

impl Skb {
    fn new() -> Result<Self> {
        let (size, flags) = (bindings::GENLMSG_DEFAULT_SIZE, bindings::GFP_KERNEL);
        // SAFETY: allocates a buffer; the size and flags are plain values,
        // and GFP_KERNEL may sleep because messages are built in process
        // context (requests, the lifetime work), never under a spinlock or
        // RCU.
        let skb = unsafe { bindings::genlmsg_new(size, flags) };
        // INVARIANT: a fresh buffer belongs to its allocator's caller.
        NonNull::new(skb).map(Skb).ok_or(ENOMEM)
    }

    fn into_raw(self) -> *mut bindings::sk_buff {
        let skb = self.0.as_ptr();
        core::mem::forget(self);
        skb
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the buffer (type invariant).
        unsafe { bindings::nlmsg_free(self.0.as_ptr()) }
    }
}

/// Attribute writers shared by replies, events and dump entries.
///
/// # Safety
///
/// Implementors return from `raw_skb` a buffer they may append to.
pub(crate) unsafe trait PutAttrs {
    fn raw_skb(&self) -> *mut bindings::sk_buff;

    fn put_bytes(&mut self, ty: u16, data: &[u8]) -> Result {
        let len = i32::try_from(data.len()).map_err(|_| EMSGSIZE)?;
        let skb = self.raw_skb();
        // SAFETY: the buffer may be appended to (trait contract); `data` is
        // readable for `len` bytes.
        let ret = unsafe { bindings::nla_put(skb, ty.into(), len, data.as_ptr().cast()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(EMSGSIZE)
        }
    }

    fn put_u8(&mut self, ty: u16, v: u8) -> Result {
        self.put_bytes(ty, &[v])
    }

    fn put_u32(&mut self, ty: u16, v: u32) -> Result {
        self.put_bytes(ty, &v.to_ne_bytes())
    }

    /// A `uint`, always in 8 bytes: readers take 4 or 8, and those that
    /// read the u64 these counters once were keep working.
    fn put_uint(&mut self, ty: u16, v: u64) -> Result {
        self.put_bytes(ty, &v.to_ne_bytes())
    }

    /// A u64, aligned with a pad attribute of type `pad` when needed.
    fn put_u64(&mut self, ty: u16, v: u64, pad: u16) -> Result {
        let bytes = v.to_ne_bytes();
        // SAFETY: the buffer may be appended to (trait contract); `bytes` is
        // readable for its 8 bytes.
        let ret = unsafe {
            bindings::nla_put_64bit(
                self.raw_skb(),
                ty.into(),
                8,
                bytes.as_ptr().cast(),
                pad.into(),
            )
        };
        if ret == 0 {
            Ok(())
        } else {
            Err(EMSGSIZE)
        }
    }
}

/// A reply or event being built; dropped unsent, it is freed.
///
/// # Invariants
///
/// `hdr` is the generic netlink header `skb` carries.
pub(crate) struct Msg {
    skb: Skb,
    hdr: NonNull<c_void>,
}

impl Msg {
    fn new(skb: Skb, hdr: *mut c_void) -> Result<Self> {
        let hdr = NonNull::new(hdr).ok_or(EMSGSIZE)?;
        Ok(Self { skb, hdr })
    }

    /// An event of command `cmd`, to multicast.
    pub(crate) fn event(cmd: u8) -> Result<Self> {
        let skb = Skb::new()?;
        // SAFETY: `skb` is fresh and ours.
        let hdr = unsafe { ffi::rtemu_put_event(skb.0.as_ptr(), cmd) };
        Self::new(skb, hdr)
    }

    fn finish(self) -> Skb {
        // SAFETY: `hdr` belongs to `skb` (type invariant).
        unsafe { bindings::genlmsg_end(self.skb.0.as_ptr(), self.hdr.as_ptr()) };
        self.skb
    }

    /// Sends the event to a group's listeners in `net`. No listener is not an
    /// error.
    pub(crate) fn multicast(self, net: NetRef<'_>, group: u32) -> Result {
        let skb = self.finish();
        // SAFETY: `rtemu_multicast` takes ownership of `skb`; `net` is live.
        let ret = unsafe { ffi::rtemu_multicast(net.as_ptr(), skb.into_raw(), group) };
        if ret == 0 || ret == ESRCH.to_errno() {
            Ok(())
        } else {
            Err(Error::from_errno(ret))
        }
    }
}

// SAFETY: `Msg` owns its buffer.
unsafe impl PutAttrs for Msg {
    fn raw_skb(&self) -> *mut bindings::sk_buff {
        self.skb.0.as_ptr()
    }
}

/// A dump in progress (`struct netlink_callback`).
///
/// # Invariants
///
/// `skb` and `cb` are the arguments of the running `dumpit` callback and
/// outlive `'a`.
pub(crate) struct Dump<'a> {
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
    _p: core::marker::PhantomData<&'a ()>,
}

/// A dump's resumable state, kept in `cb->ctx` between `recvmsg` calls.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct DumpCursor {
    /// Families done: bit 0 IPv4, bit 1 IPv6.
    pub(crate) done: u32,
    /// Whether `last_*` holds the last route dumped.
    pub(crate) started: u32,
    pub(crate) last_addr: [u8; 16],
    pub(crate) last_len: u32,
    /// Paths of the last prefix already dumped.
    pub(crate) last_path: u32,
}

const _: () = assert!(core::mem::size_of::<DumpCursor>() <= bindings::NETLINK_CTX_SIZE as usize);

impl<'a> Dump<'a> {
    /// # Safety
    ///
    /// `skb` and `cb` must be the arguments of a `dumpit` callback, and the
    /// value must not outlive the callback.
    pub(crate) unsafe fn from_raw(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> Self {
        // INVARIANT: by the function's contract.
        Self {
            skb,
            cb,
            _p: core::marker::PhantomData,
        }
    }

    pub(crate) fn net(&self) -> NetRef<'a> {
        // SAFETY: `cb` is the running dump (type invariant).
        let net = unsafe { ffi::rtemu_cb_net(self.cb) };
        // SAFETY: the dumping socket's namespace lives while the dump runs.
        unsafe { NetRef::from_raw(net) }
    }

    /// The request's attributes.
    pub(crate) fn attrs(&self, max: u16) -> Attrs<'a> {
        // SAFETY: `cb` is a genetlink dump (type invariant); its request was
        // parsed against the op's policy, whose maxattr the caller passes.
        let attrs = unsafe { ffi::rtemu_dump_attrs(self.cb) };
        // INVARIANT: see above.
        Attrs {
            attrs,
            max,
            _p: core::marker::PhantomData,
        }
    }

    /// The cursor kept across `recvmsg` calls (zeroed on the first).
    pub(crate) fn cursor(&mut self) -> &mut DumpCursor {
        // SAFETY: `cb` is the running dump (type invariant); the projection
        // makes no reference.
        let ctx = unsafe { &raw mut (*self.cb).__bindgen_anon_1.ctx };
        let cursor = ctx.cast::<DumpCursor>();
        // SAFETY: `cb->ctx` is private to the dump's callbacks, zeroed before
        // the first, large and aligned enough for `DumpCursor` (asserted
        // above; `ctx` is 8-byte aligned in `netlink_callback`); `&mut self`
        // makes this the only reference to it.
        unsafe { &mut *cursor }
    }

    /// The version in the dump request's generic netlink header.
    pub(crate) fn version(&self) -> u8 {
        // SAFETY: `cb` is a genetlink dump (type invariant), whose request
        // genetlink checked to hold a full generic netlink header.
        unsafe { ffi::rtemu_dump_version(self.cb) }
    }

    /// Records the table's generation: a change between two parts of the
    /// dump marks the next message NLM_F_DUMP_INTR.
    pub(crate) fn set_seq(&mut self, generation: u32) {
        // SAFETY: `cb` is valid (type invariant).
        unsafe { (*self.cb).seq = generation };
    }

    /// Starts one entry; `None` when the buffer is full (the dump resumes
    /// on the next `recvmsg`).
    pub(crate) fn entry(&mut self, cmd: u8) -> Option<DumpEntry<'_>> {
        // SAFETY: `skb` and `cb` are the running dump's (type invariant).
        let hdr = unsafe { ffi::rtemu_put_dump(self.skb, self.cb, cmd) };
        NonNull::new(hdr).map(|hdr| DumpEntry {
            skb: self.skb,
            hdr,
            _p: core::marker::PhantomData,
        })
    }

    /// Bytes written so far in this part of the dump.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: `skb` is valid (type invariant).
        unsafe { (*self.skb).len }
    }
}

/// One message of a dump; dropped without [`DumpEntry::end`], it is removed.
///
/// # Invariants
///
/// `hdr` is a header in `skb`, which the running dump owns.
pub(crate) struct DumpEntry<'d> {
    skb: *mut bindings::sk_buff,
    hdr: NonNull<c_void>,
    _p: core::marker::PhantomData<&'d mut ()>,
}

impl DumpEntry<'_> {
    pub(crate) fn end(self) {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `hdr` is in `skb` (type invariant).
        unsafe { bindings::genlmsg_end(this.skb, this.hdr.as_ptr()) };
    }
}

impl Drop for DumpEntry<'_> {
    fn drop(&mut self) {
        // SAFETY: `hdr` is in `skb` (type invariant).
        unsafe { bindings::genlmsg_cancel(self.skb, self.hdr.as_ptr()) };
    }
}

// SAFETY: the dump's buffer may be appended to while the entry is open.
unsafe impl PutAttrs for DumpEntry<'_> {
    fn raw_skb(&self) -> *mut bindings::sk_buff {
        self.skb
    }
}

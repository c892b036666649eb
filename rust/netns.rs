// SPDX-License-Identifier: GPL-2.0

//! One route table per network namespace, created and destroyed with it;
//! the table's lifetime work; and the holds userspace takes through
//! route-hold, which end with the socket that took them.

use kernel::{
    bindings,
    error::to_result,
    new_mutex,
    prelude::*,
    rbtree::{Entry, RBTree, RBTreeNodeReservation},
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, ArcBorrow, Mutex,
    },
};

use crate::{
    addr::Addr,
    entry::{RtLocked, RtRef},
    event::{Event, Events, HookRoom},
    ffi, hooks,
    lifetime::KERNEL_CLOCK,
    nl::NetRef,
    notify, params,
    table::{Hooks, Limits, RouteTable, TableError, EVENTS_PER_BATCH},
    timer::Timer,
    trace,
};

/// The userspace references (`RT_ADDREF` through route-hold) of a
/// namespace, found by socket and handle without a scan.
struct Holds {
    next_handle: u64,
    /// Each hold, by the socket that took it and its handle; its nodes are
    /// charged to the socket's task.
    by_socket: RBTree<(u32, u64), RtRef>,
    /// How many holds each socket has.
    counts: RBTree<u32, u32>,
    total: u32,
}

impl Holds {
    fn new() -> Self {
        Self {
            next_handle: 0,
            by_socket: RBTree::new(),
            counts: RBTree::new(),
            total: 0,
        }
    }

    /// Counts one hold less for `portid`.
    fn forget_one(&mut self, portid: u32) {
        self.total -= 1;
        if let Some(mut n) = self.counts.find_mut(&portid) {
            if *n.get() > 1 {
                *n.get_mut() -= 1;
            } else {
                n.remove();
            }
        }
    }
}

/// Whether `ev` tells of a new clone.
fn made_clone(ev: &Events<'_>) -> bool {
    ev.iter().any(|e| match e {
        Event::Add(info) | Event::Resolve(info) => info.parent.is_some(),
        _ => false,
    })
}

/// What rtemu keeps per namespace.
#[pin_data]
pub(crate) struct NetState {
    pub(crate) table: Arc<RouteTable>,
    /// The namespace; it outlives this state, which its exit destroys.
    net: *mut bindings::net,
    timer: Option<Timer>,
    #[pin]
    holds: Mutex<Holds>,
    /// What the teardown needs to tell the hooks of each route, made when
    /// the namespace is.
    #[pin]
    teardown_room: Mutex<Option<HookRoom>>,
    /// MISS events allowed in the current second, and that second.
    miss_budget: Atomic<u32>,
    miss_window: Atomic<i64>,
}

// SAFETY: `net` is only used to send events while the namespace lives, from
// any thread; every other field is `Send`.
unsafe impl Send for NetState {}
// SAFETY: shared access only reads `net`, to send events, which netlink
// allows from any number of threads at once; every other field is `Sync`
// (atomics, a mutex, an `Arc` of the table).
unsafe impl Sync for NetState {}

impl NetState {
    fn net(&self) -> NetRef<'_> {
        // SAFETY: the namespace outlives its state (see `net`).
        unsafe { NetRef::from_raw(self.net) }
    }

    /// Runs `op`, a change of the table, with its events sent: between its
    /// batches as it goes, and the rest as it returns, whatever it returned
    /// (what it did before a failure happened, and is told). If it
    /// succeeded, the lifetime work is then due by `due`, the earliest
    /// deadline the change gave. Every change of a namespace's table goes
    /// through here.
    pub(crate) fn change_table<T>(
        &self,
        due: Option<i64>,
        op: impl FnOnce(&RouteTable, &mut Events<'_>) -> Result<T, TableError>,
    ) -> Result<T, TableError> {
        // A change may clone (the lookup of a new router, `rt_setgate`),
        // whether or not it then succeeds.
        let cloned = core::cell::Cell::new(false);
        let send = |ev: &Events<'_>| {
            self.send_events(ev);
            cloned.set(cloned.get() || made_clone(ev));
        };
        let mut ev = Events::sending_to(&send);
        let done = op(&self.table, &mut ev);
        drop(ev);
        if cloned.get() {
            self.kick_for_clone();
        }
        let done = done?;
        if let Some(at_ns) = due {
            self.kick_lifetimes(at_ns);
        }
        Ok(done)
    }

    /// FreeBSD's `rtalloc1` ([`RouteTable::rtalloc1_as`]) with its events
    /// sent (a clone, a miss; none without `report`): the match is unlocked
    /// while they go, since sending may sleep, and locked again. A new clone
    /// is the lifetime work's to collect once idle, so the work is due when
    /// it can first be; a miss makes no writer work.
    pub(crate) fn lookup(
        &self,
        dst: &Addr,
        report: bool,
        ignflags: u32,
        may_clone: bool,
    ) -> Result<Option<RtLocked>, TableError> {
        let mut ev = Events::new();
        let found = self
            .table
            .rtalloc1_as(dst, report, ignflags, may_clone, &mut ev)?;
        if ev.len() == 0 {
            return Ok(found);
        }
        let found = found.map(RtLocked::unlock);
        self.send_events(&ev);
        if made_clone(&ev) {
            self.kick_for_clone();
        }
        Ok(found.map(RtRef::lock))
    }

    /// FreeBSD's `rt_check` ([`RouteTable::rt_check`]) with its events sent
    /// (those of its lookups), while no entry is locked.
    pub(crate) fn rt_check(&self, rt0: &mut RtRef, dst: &Addr) -> Result<RtLocked, TableError> {
        let mut ev = Events::new();
        let next_hop = self.table.rt_check(rt0, dst, &mut ev);
        if ev.len() == 0 && !ev.lost() {
            return next_hop;
        }
        let next_hop = next_hop.map(RtLocked::unlock);
        self.send_events(&ev);
        if made_clone(&ev) {
            self.kick_for_clone();
        }
        next_hop.map(RtRef::lock)
    }

    /// Makes the lifetime work due when a new clone can first be idle long
    /// enough to go.
    fn kick_for_clone(&self) {
        let idle_ns = params::clone_idle_ns();
        let now = self.table.clock().boot_ns();
        self.kick_lifetimes(now.saturating_add(idle_ns));
    }

    /// FreeBSD's `rtalloc1` of an address family rtemu has no table for
    /// ([`RouteTable::rtalloc1_no_table`]): counted, and with `report` a
    /// miss sent. Sending may sleep.
    pub(crate) fn lookup_no_table(&self, family: u16, report: bool) {
        let mut ev = Events::new();
        self.table.rtalloc1_no_table(family, report, &mut ev);
        if ev.len() != 0 || ev.lost() {
            self.send_events(&ev);
        }
    }

    /// Fires the tracepoints of `events`, calls the in-kernel hooks for
    /// them, and sends them to the listeners.
    fn send_events(&self, events: &Events<'_>) {
        if events.lost() {
            self.table.note_events_lost();
        }
        trace::events(self.net(), events);
        hooks::call(self.net(), events);
        let mut allow_miss = || self.allow_miss();
        notify::send(self.net(), events, self.table.clock(), &mut allow_miss);
    }

    /// Makes the lifetime work run by boot time `at_ns` (or at once, when
    /// that is past), unless it is due sooner: after an add or change with
    /// deadlines (the earliest of them), or a new clone.
    fn kick_lifetimes(&self, at_ns: i64) {
        if let Some(t) = &self.timer {
            let now = self.table.clock().boot_ns();
            let ms = at_ns.saturating_sub(now).max(0) / 1_000_000;
            // Rounded up, as below, unless it is due now.
            t.arm(if at_ns <= now { 0 } else { ms as u64 + 1 });
        }
    }

    fn run_lifetimes(&self) {
        let idle_ns = params::clone_idle_ns();
        let next = self.change_table(None, |table, ev| Ok(table.run_lifetimes(idle_ns, ev)));
        if let (Ok(Some(next)), Some(t)) = (next, &self.timer) {
            let now = self.table.clock().boot_ns();
            let ms = next.saturating_sub(now).max(0) / 1_000_000;
            // Round up so the work does not run just before a deadline.
            t.arm(ms as u64 + 1);
        }
    }

    /// Token bucket of MISS events: `miss_rate` per second.
    fn allow_miss(&self) -> bool {
        let second = self.table.clock().boot_ns() / 1_000_000_000;
        if self.miss_window.xchg(second, Relaxed) != second {
            self.miss_budget.store(params::miss_rate(), Relaxed);
        }
        let left = self.miss_budget.load(Relaxed);
        if left == 0 {
            return false;
        }
        self.miss_budget.store(left - 1, Relaxed);
        true
    }

    /// `RT_ADDREF` for userspace: keeps `rt` until released or the socket
    /// `portid` closes. Returns the handle.
    pub(crate) fn hold(&self, portid: u32, rt: RtRef) -> Result<u64> {
        // Allocated before the lock: the hold's node, and its socket's count
        // (unused if the socket holds already).
        let node = RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?;
        let count = RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?;
        let mut holds = self.holds.lock();
        let mine = holds.counts.get(&portid).copied().unwrap_or(0);
        if mine >= params::max_holds() {
            return Err(ENOSPC);
        }
        holds.next_handle += 1;
        let handle = holds.next_handle;
        holds.by_socket.insert(node.into_node((portid, handle), rt));
        match holds.counts.entry(portid) {
            Entry::Occupied(mut n) => *n.get_mut() += 1,
            Entry::Vacant(v) => {
                v.insert(1, count);
            }
        }
        holds.total += 1;
        Ok(handle)
    }

    /// `RTFREE` of a hold of socket `portid`.
    pub(crate) fn release(&self, portid: u32, handle: u64) -> Result {
        let released = {
            let mut holds = self.holds.lock();
            let rt = holds.by_socket.remove(&(portid, handle)).ok_or(ENOENT)?;
            holds.forget_one(portid);
            rt
        };
        drop(released);
        Ok(())
    }

    pub(crate) fn hold_count(&self) -> u32 {
        self.holds.lock().total
    }

    fn release_socket(&self, portid: u32) {
        // Releasing a reference takes no lock (`RtRef`'s drop), so the holds
        // go under the holds' mutex: those of this socket only, at most
        // `max_holds`.
        let mut holds = self.holds.lock();
        while let Some(cursor) = holds.by_socket.cursor_lower_bound_mut(&(portid, 0)) {
            if cursor.current().0 .0 != portid {
                break;
            }
            let (_, node) = cursor.remove_current();
            drop(node);
            holds.forget_one(portid);
        }
    }
}

/// The state of `net`.
pub(crate) fn state_of<'a>(net: NetRef<'a>) -> Option<ArcBorrow<'a, NetState>> {
    // SAFETY: `net` is a live namespace.
    let slot = unsafe { ffi::rtemu_net_slot(net.as_ptr()) };
    // SAFETY: the slot is rtemu's pernet pointer, valid while `net` lives.
    let ptr = unsafe { *slot };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: a non-null slot holds `Arc::into_raw` of the namespace's state,
    // which lives until the namespace's exit, after any request in it.
    Some(unsafe { ArcBorrow::from_raw(ptr.cast::<NetState>()) })
}

/// The pernet `init` operation: sets up rtemu's state in a new namespace.
///
/// # Safety
///
/// `net` is a namespace being set up, whose rtemu slot is null; the pernet
/// core calls this once per namespace, before any request runs in it.
#[no_mangle]
unsafe extern "C" fn rtemu_net_init(net: *mut bindings::net) -> c_int {
    match new_state(net) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

fn new_state(net: *mut bindings::net) -> Result {
    let table_hooks = Hooks {
        wants_entries: Some(hooks::hooked),
        ..Hooks::default()
    };
    let limits = Limits {
        routes: params::max_routes(),
        // At least the path being added.
        paths: params::max_paths().max(1),
    };
    let table = RouteTable::new(limits, &KERNEL_CLOCK, table_hooks)?;
    let teardown_room = HookRoom::new(EVENTS_PER_BATCH)?;
    let state = Arc::pin_init(
        pin_init!(NetState {
            table,
            net,
            timer: None,
            holds <- new_mutex!(Holds::new(), "rtemu_holds"),
            teardown_room <- new_mutex!(Some(teardown_room), "rtemu_teardown_room"),
            miss_budget: Atomic::new(0),
            miss_window: Atomic::new(-1),
        }),
        GFP_KERNEL,
    )?;
    let raw = Arc::into_raw(state).cast_mut();
    // The timer calls back with the state's address, which is stable.
    // SAFETY: `raw` outlives the timer: the state's exit drops the timer,
    // which waits for a call under way, before the state.
    let timer = match unsafe { Timer::new(fire_lifetimes, raw.cast()) } {
        Ok(t) => t,
        Err(e) => {
            // SAFETY: `raw` came from `Arc::into_raw` just above.
            drop(unsafe { Arc::from_raw(raw) });
            return Err(e);
        }
    };
    // SAFETY: nothing else sees the state yet; setting the field before
    // publishing it in the slot is the only write.
    unsafe { (*raw).timer = Some(timer) };
    // SAFETY: `net` is the namespace being set up.
    let slot = unsafe { ffi::rtemu_net_slot(net) };
    // SAFETY: the slot is rtemu's pernet pointer, which nothing else writes
    // while the namespace is set up.
    unsafe { *slot = raw.cast() };
    Ok(())
}

/// The pernet `exit` operation: tears down rtemu's state in a namespace.
///
/// # Safety
///
/// `net` is a namespace being dismantled, in which no request runs any more;
/// the pernet core calls this once per namespace, after `rtemu_net_init`.
#[no_mangle]
unsafe extern "C" fn rtemu_net_exit(net: *mut bindings::net) {
    // SAFETY: `net` is the namespace being dismantled, still valid.
    let slot = unsafe { ffi::rtemu_net_slot(net) };
    // SAFETY: the slot is rtemu's pernet pointer; nothing else reads or
    // writes it once no request runs in the namespace.
    let ptr = unsafe { slot.replace(core::ptr::null_mut()) };
    if ptr.is_null() {
        return;
    }
    // SAFETY: the slot held `Arc::into_raw` of the state; no request runs in
    // a namespace that is being dismantled.
    let state = unsafe { Arc::from_raw(ptr.cast::<NetState>()) };
    if let Some(t) = &state.timer {
        t.cancel_sync();
    }
    *state.holds.lock() = Holds::new();
    // A namespace going away sends nothing to its listeners; the in-kernel
    // hooks are told of each route (their entries go down).
    // SAFETY: the namespace is being dismantled but still valid for this
    // call.
    let net = unsafe { NetRef::from_raw(net) };
    let tell_hooks = |ev: &Events<'_>| hooks::call(net, ev);
    let mut ev = match state.teardown_room.lock().take() {
        Some(room) => Events::sending_to_with_room(&tell_hooks, room),
        None => Events::sending_to(&tell_hooks),
    };
    state.table.destroy(&mut ev);
}

/// The netlink notifier's callback for a released socket.
///
/// # Safety
///
/// `net` is the namespace of the socket being released, live for the call.
#[no_mangle]
unsafe extern "C" fn rtemu_sock_release(net: *mut bindings::net, portid: u32) {
    // SAFETY: the notifier runs while the namespace of the socket lives.
    let net = unsafe { NetRef::from_raw(net) };
    if let Some(state) = state_of(net) {
        state.release_socket(portid);
    }
}

/// The lifetime timer's callback.
///
/// # Safety
///
/// `ctx` is the `NetState` the timer was created for, alive for the call.
unsafe extern "C" fn fire_lifetimes(ctx: *mut c_void) {
    // SAFETY: `ctx` is the state the timer belongs to; the state's exit
    // cancels the timer before dropping it.
    let state = unsafe { ArcBorrow::from_raw(ctx.cast::<NetState>()) };
    state.run_lifetimes();
}

/// The pernet registration and the socket release notifier.
pub(crate) struct Registration(());

impl Registration {
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: registers static operations implemented above.
        to_result(unsafe { ffi::rtemu_register_pernet() })?;
        // SAFETY: registers a static notifier whose callback is implemented
        // above; the pernet state it looks up is registered.
        if let Err(e) = to_result(unsafe { ffi::rtemu_register_release_notifier() }) {
            // SAFETY: registered just above.
            unsafe { ffi::rtemu_unregister_pernet() };
            return Err(e);
        }
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered by `register`; unregistered only here.
        unsafe { ffi::rtemu_unregister_release_notifier() };
        // SAFETY: registered by `register`; unregistered only here, after
        // the notifier that looks up its state.
        unsafe { ffi::rtemu_unregister_pernet() };
    }
}

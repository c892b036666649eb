// SPDX-License-Identifier: GPL-2.0

//! rtemu: BSD routing-socket semantics for Linux.
//!
//! A generic netlink family (`rtemu`, see `include/rtemu.yaml`) over a
//! per-namespace route table with FreeBSD rtalloc(9) semantics.
//!
//! Rooms, each using only those before it: `uapi` (generated from the
//! spec), `params`, `platform` (the seam to the kernel's RCU and
//! allocator), `lifetime` (clocks and deadlines), `addr` (prefixes), `ffi`
//! (the C glue), `trie` (the RCU LPM trie), `entry` (rtentry, the reference
//! rules and its snapshot), `event` (what the table reports), `timed` (the
//! entries with deadlines, by due time), `table` (the table and rtalloc1), `nl` (netlink
//! messages), `notify` (events on the wire), `trace` (their tracepoints),
//! `hooks` (the in-kernel rtrequest hooks they call),
//! `netns` (a table per namespace, holds, lifetime work), `handlers` (the
//! requests), `genl` (the family's entry points), `api` (the in-kernel C API
//! of `include/linux/rtemu.h`). `selftests/host/module_cycles.sh` fails on
//! an import cycle.

use kernel::prelude::*;

mod addr;
mod api;
mod bhlock;
mod c_consts;
mod entry;
mod event;
mod ffi;
mod genl;
mod handlers;
mod hooks;
mod lifetime;
mod netns;
mod nl;
mod nl_msgs;
mod notify;
mod params;
mod platform;
mod table;
mod timed;
mod timer;
mod trace;
mod trie;
mod uapi;

module! {
    type: Rtemu,
    name: "rtemu",
    authors: ["The rtemu authors"],
    description: "BSD routing-socket semantics (rtalloc(9)) over generic netlink",
    license: "GPL",
    params: {
        max_routes: u32 {
            default: 1048576,
            description: "Most routes one namespace's table holds (clones included)",
        },
        max_paths: u32 {
            default: 64,
            description: "Most paths (routers) one prefix has",
        },
        max_holds: u32 {
            default: 1024,
            description: "Most route-hold references one socket keeps",
        },
        clone_idle_secs: u32 {
            default: 3600,
            description: "Seconds after its last release before a clone is collected (rtq_reallyold)",
        },
        miss_rate: u32 {
            default: 100,
            description: "MISS events sent per second and namespace",
        },
    },
}

/// The module's state; dropping it undoes its registrations in reverse
/// order: the family first (no new requests, and no event goes out once it
/// starts to go), then the namespaces' tables (their lifetime work cancelled
/// and waited for), then the watch on the hooks' modules, and last the
/// entries' and the trie nodes' slab caches, once everything in them has been
/// freed.
#[pin_data(PinnedDrop)]
struct Rtemu {
    family: Option<genl::Registration>,
    pernet: Option<netns::Registration>,
    hooks: Option<hooks::Registration>,
    entries: Option<platform::RcuSlabRegistration<entry::RtEntry>>,
    nodes: Option<platform::NodeSlabs>,
}

impl kernel::InPlaceModule for Rtemu {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            nodes: {
                platform::detect_cpu();
                Some(platform::NodeSlabs::register("rtemu_node")?)
            },
            entries: Some(entry::ENTRY_SLAB.register(c"rtemu_entry")?),
            hooks: Some(hooks::Registration::register()?),
            pernet: Some(netns::Registration::register()?),
            family: {
                let family = genl::Registration::register()?;
                pr_info!(
                    "rtemu: generic netlink family \"rtemu\" version {} registered\n",
                    uapi::RTEMU_FAMILY_VERSION
                );
                api::register_bpf_kfuncs();
                Some(family)
            },
        })
    }
}

#[pinned_drop]
impl PinnedDrop for Rtemu {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the fields are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        drop(this.family.take());
        drop(this.pernet.take());
        drop(this.hooks.take());
        api::release_bpf_kfuncs();
        // Tables free their nodes and entries through RCU callbacks, which
        // must run before the module's code and the caches go away.
        platform::rcu_drain();
        drop(this.entries.take());
        drop(this.nodes.take());
    }
}

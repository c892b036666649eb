// SPDX-License-Identifier: GPL-2.0

//! rtemu: BSD routing-socket semantics for Linux.
//!
//! A generic netlink family (`rtemu`, see `include/rtemu.yaml`) over a
//! per-namespace route table with FreeBSD rtalloc(9) semantics.

use kernel::prelude::*;

mod genl;
mod uapi;

module! {
    type: Rtemu,
    name: "rtemu",
    authors: ["The rtemu authors"],
    description: "BSD routing-socket semantics (rtalloc(9)) over generic netlink",
    license: "GPL",
}

/// The module's state; dropping it undoes its registrations in reverse order.
#[pin_data]
struct Rtemu {
    family: genl::Registration,
}

impl kernel::InPlaceModule for Rtemu {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            family: {
                let family = genl::Registration::register()?;
                pr_info!(
                    "rtemu: generic netlink family \"rtemu\" version {} registered\n",
                    uapi::RTEMU_FAMILY_VERSION
                );
                family
            },
        })
    }
}

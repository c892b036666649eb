// SPDX-License-Identifier: GPL-2.0

//! The module's parameters, read where they apply.

use crate::module_parameters;

/// Most routes one namespace's table holds (clones included).
pub(crate) fn max_routes() -> u32 {
    module_parameters::max_routes.value()
}

/// Most paths (routers) one prefix has.
pub(crate) fn max_paths() -> u32 {
    module_parameters::max_paths.value()
}

/// Most holds one socket keeps through route-hold.
pub(crate) fn max_holds() -> u32 {
    module_parameters::max_holds.value()
}

/// Nanoseconds from a clone's last release to its collection
/// (`clone_idle_secs`, FreeBSD's `rtq_reallyold`).
pub(crate) fn clone_idle_ns() -> i64 {
    i64::from(module_parameters::clone_idle_secs.value()).saturating_mul(1_000_000_000)
}

/// MISS events sent per second and namespace.
pub(crate) fn miss_rate() -> u32 {
    module_parameters::miss_rate.value()
}

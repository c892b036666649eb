// SPDX-License-Identifier: GPL-2.0-only

//! Entering a network namespace by the name `ip netns` gives it.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{bail, Context};

/// Where `ip netns add NAME` binds the namespace (iproute2's NETNS_RUN_DIR).
const NETNS_RUN_DIR: &str = "/var/run/netns";

/// Moves the calling thread into the network namespace `ip netns` calls
/// `name`. Threads it starts afterwards are in it too; threads already
/// running are not, so call this first.
pub fn enter_named(name: &str) -> anyhow::Result<()> {
    // The names `ip netns` refuses: none may leave its directory.
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        bail!("invalid network namespace name {name:?}");
    }
    let path = Path::new(NETNS_RUN_DIR).join(name);
    let ns = File::open(&path)
        .with_context(|| format!("network namespace {name:?}: cannot open {}", path.display()))?;
    // SAFETY: `ns` is an open file for the duration of the call; setns only
    // reads the descriptor and changes this thread's namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("network namespace {name:?}: setns"));
    }
    Ok(())
}

// SPDX-License-Identifier: GPL-2.0

//! Host build of rtemu's route-table trie.
//!
//! `rust/trie.rs` is the one source of the algorithm; the kernel module compiles it against
//! `rust/platform.rs`, this crate against [`platform`] here (std + crossbeam-epoch), so that the
//! same code is tested with property tests, threads and fault injection on the host.
//! The trie's items are `pub(crate)` (the kernel build warns about unreachable `pub`), so the
//! tests live inside the crate (`src/tests/`); `tests/memory.rs` includes the sources itself.

mod platform;

#[cfg_attr(not(test), expect(dead_code))]
#[path = "../../../rust/trie.rs"]
mod trie;

#[cfg(test)]
mod tests;

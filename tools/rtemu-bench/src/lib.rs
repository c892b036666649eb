// SPDX-License-Identifier: GPL-2.0-only

//! Real-data prefix sets and lookup keys for benchmarking rtemu's trie.
//!
//! - [`data`]: the `@ip-location-db/asn` CSVs (inclusive address ranges, RouteViews + RIR data,
//!   CC BY 4.0) split into deduplicated CIDR blocks.
//! - [`sample`]: the 1k / 100k / full samples, drawn with the workspace's seeded PRNG
//!   ([`rtemu_testkit::rng`]), so that a seed names the same sets on every machine.
//! - [`keys`]: lookup keys for a set (`random`, `hit`, `miss`), checked with [`reflpm`].
//! - [`files`]: the `prefixes` subcommand's `.txt` / `.bin` formats.
//! - [`rtemu_trie`]: the host build of `rust/trie.rs` (the module's trie), as `rtemu-trie` builds
//!   it; its items are crate-private, so this crate includes the sources itself.
//! - `native` (feature `bench`): the criterion benchmark against other LPM crates.

pub mod data;
pub mod files;
pub mod keys;
pub mod reflpm;
// Without the benchmark, only its own test uses the trie (for IPv6).
#[cfg_attr(
    not(feature = "bench"),
    expect(dead_code, reason = "the trie is the `bench` feature's")
)]
pub mod rtemu_trie;
pub mod sample;

#[cfg(feature = "bench")]
pub mod native;

// Its `expect(dead_code)`s are for the rtemu-trie crate, which uses less of it.
#[allow(dead_code, unfulfilled_lint_expectations)]
#[path = "../../rtemu-trie/src/platform.rs"]
mod platform;

#[allow(dead_code)]
#[path = "../../../rust/trie.rs"]
mod trie;

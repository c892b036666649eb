// SPDX-License-Identifier: GPL-2.0-only

//! What the tools' fuzzer, benchmarks and tests share, kept in one place:
//!
//! - [`rng`]: the seeded PRNG (splitmix64), so that a seed names the same fuzzer operations,
//!   prefix samples and lookup keys on every machine and with any version of other crates;
//! - [`alloc`]: a counting global allocator, for the heap bytes of a structure.
//!
//! It depends on nothing, so every crate of the workspace can use it.

pub mod alloc;
pub mod rng;

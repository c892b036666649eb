// SPDX-License-Identifier: GPL-2.0-only

//! Differential fuzzing of rtemu against a reference model.
//!
//! - [`op`]: the operations (valid or not, and waits for a tick of the
//!   sequence's clock), their replies and events, printable;
//! - [`model`]: rtemu's semantics written simply (ordered maps, linear
//!   longest-prefix match), from the README and the spec, with the events
//!   each operation causes and the deadlines each tick passes; refcnt and
//!   trash count holders only (a clone takes no reference on its parent),
//!   so they are exact after every operation;
//! - [`bsd`]: a second model, read from FreeBSD 7's `route.c`, `rtsock.c`
//!   and `in_rmx.c` rather than from the README, translated to rtemu's
//!   operations; where rtemu departs from FreeBSD on purpose it consults
//!   [`deviations`], the named list of known deviations;
//! - [`gen`]: random sequences of operations over a small address space;
//! - [`run`]: a [`run::System`] (the module, or the model) runs a sequence,
//!   replies and events are compared (after a wait, once the lifetime work
//!   has caught up: the only lag), and failing sequences are shrunk to
//!   1-minimal;
//! - [`kernel`]: the module through the `rtemu` crate's [`rtemu::Handle`],
//!   with a second socket for the events and ticks in real time.

pub mod bsd;
pub mod deviations;
pub mod gen;
pub mod kernel;
pub mod model;
pub mod op;
pub mod run;

pub use bsd::BsdModel;
pub use model::Model;
pub use op::{Op, Reply, RouteView, StatsView};
pub use run::{check_sequence, shrink, Mismatch, Reference, System};

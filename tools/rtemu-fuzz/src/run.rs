// SPDX-License-Identifier: GPL-2.0-only

//! Running a sequence on a system and on the model, comparing every reply,
//! and shrinking a failing sequence to a 1-minimal one.

use crate::bsd::BsdModel;
use crate::model::Model;
use crate::op::{EventView, Op, Reply, RouteView, StatsView};

/// A reference model the fuzzer compares a system against: the README's
/// ([`Model`], "readme") or FreeBSD 7's ([`BsdModel`], "freebsd").
pub trait Reference {
    /// The name reports give the model.
    fn name(&self) -> &'static str;
    /// An empty copy, as at the start of a sequence.
    fn fresh(&self) -> Box<dyn Reference>;
    fn apply(&mut self, op: &Op) -> Reply;
    /// The events of the operations since the last call, sorted.
    fn take_events(&mut self) -> Vec<EventView>;
    fn list(&self) -> Vec<RouteView>;
    fn stats(&self) -> StatsView;
}

impl Reference for Model {
    fn name(&self) -> &'static str {
        "readme"
    }
    fn fresh(&self) -> Box<dyn Reference> {
        Box::new(match self.max_routes {
            Some(m) => Model::with_max_routes(m),
            None => Model::new(),
        })
    }
    fn apply(&mut self, op: &Op) -> Reply {
        Model::apply(self, op)
    }
    fn take_events(&mut self) -> Vec<EventView> {
        Model::take_events(self)
    }
    fn list(&self) -> Vec<RouteView> {
        Model::list(self)
    }
    fn stats(&self) -> StatsView {
        Model::stats(self)
    }
}

impl Reference for BsdModel {
    fn name(&self) -> &'static str {
        "freebsd"
    }
    fn fresh(&self) -> Box<dyn Reference> {
        Box::new(BsdModel::fresh(self))
    }
    fn apply(&mut self, op: &Op) -> Reply {
        BsdModel::apply(self, op)
    }
    fn take_events(&mut self) -> Vec<EventView> {
        BsdModel::take_events(self)
    }
    fn list(&self) -> Vec<RouteView> {
        BsdModel::list(self)
    }
    fn stats(&self) -> StatsView {
        BsdModel::stats(self)
    }
}

/// Something that answers operations: the module, the model, or a fake.
pub trait System {
    /// Start a sequence: an empty table, no holds, counters from zero, and
    /// tick 0 of its clock.
    fn reset(&mut self) -> Result<(), String>;
    /// Apply one operation.
    fn apply(&mut self, op: &Op) -> Reply;
    /// After a wait: wait, within reason, until the dump and the counters
    /// read `list` and `stats`. The deadlines passed take effect from a
    /// timer, soon after the tick; nothing else lags (refcnt and trash
    /// change synchronously, with the holds).
    fn settle(&mut self, _list: &Reply, _stats: &Reply) {}
    /// The events caused since the last call, in any order; `None` if the
    /// system does not report events. The model expects `expected` of
    /// them: a system whose events come asynchronously may wait for them,
    /// within reason.
    fn events(&mut self, _expected: usize) -> Option<Vec<EventView>> {
        None
    }
    /// Did the sequence since the reset run too slowly for its ticks (a
    /// deadline may have passed while a request was out, or the lifetime
    /// work had not caught up with a tick when the next one came)? Its
    /// replies then prove little.
    fn ran_late(&mut self) -> bool {
        false
    }
    /// After a late run: lengthen the ticks of the runs to come; false if
    /// they are as long as they may be.
    fn slow_down(&mut self) -> bool {
        false
    }
    /// After a run on time: the ticks may shorten again, down to the
    /// length asked for.
    fn speed_up(&mut self) {}
}

impl System for Model {
    fn reset(&mut self) -> Result<(), String> {
        *self = match self.max_routes {
            Some(m) => Model::with_max_routes(m),
            None => Model::new(),
        };
        Ok(())
    }
    fn apply(&mut self, op: &Op) -> Reply {
        Model::apply(self, op)
    }
    fn events(&mut self, _expected: usize) -> Option<Vec<EventView>> {
        Some(self.take_events())
    }
}

/// The first reply, or the first operation's events, where the system and
/// a model disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The model that disagreed ([`Reference::name`]).
    pub model: &'static str,
    /// Index in the sequence; `ops.len()` and after are the final checks.
    pub index: usize,
    pub op: Op,
    /// The model's reply ([`Reply::Events`] when the events differ).
    pub expected: Reply,
    /// The system's reply.
    pub got: Reply,
}

/// The checks after every sequence: the full dump and the counters.
pub const FINAL_CHECKS: [Op; 2] = [Op::List, Op::Stats];

/// Run `ops` and the final checks on `sys` (after a reset) and, beside it,
/// on a fresh copy of each of `models`; the first mismatch, if any (of the
/// first model, when several disagree on the same operation). After a wait
/// the system settles towards the first model's dump. A run that was late runs
/// again with longer ticks, until one runs on time or the ticks are as long
/// as `sys` allows; that last run's result counts even if it was late, so
/// that a module which never catches up with its deadlines shows as a
/// mismatch. A run on time lets `sys` shorten them again.
pub fn check_sequence(
    sys: &mut dyn System,
    models: &[&dyn Reference],
    ops: &[Op],
) -> Result<Option<Mismatch>, String> {
    check_sequence_for(sys, models, ops, None)
}

/// [`check_sequence`], counting only the mismatches of the model named
/// `only` (when given): the others still run beside it, and the first still
/// sets what the system settles towards after a wait, so that a model that
/// departs from the system (FreeBSD's, with fewer deviations accepted) does
/// not make every wait look late.
pub fn check_sequence_for(
    sys: &mut dyn System,
    models: &[&dyn Reference],
    ops: &[Op],
    only: Option<&str>,
) -> Result<Option<Mismatch>, String> {
    loop {
        let result = run_sequence(sys, models, ops, only)?;
        if !sys.ran_late() {
            sys.speed_up();
            return Ok(result);
        }
        if !sys.slow_down() {
            return Ok(result);
        }
    }
}

fn run_sequence(
    sys: &mut dyn System,
    models: &[&dyn Reference],
    ops: &[Op],
    only: Option<&str>,
) -> Result<Option<Mismatch>, String> {
    let counts = |m: &dyn Reference| only.is_none_or(|o| o == m.name());
    sys.reset()?;
    let mut ms: Vec<Box<dyn Reference>> = models.iter().map(|m| m.fresh()).collect();
    for (index, op) in ops.iter().chain(FINAL_CHECKS.iter()).enumerate() {
        let expected: Vec<Reply> = ms.iter_mut().map(|m| m.apply(op)).collect();
        let got = sys.apply(op);
        if let (Op::Wait { .. }, Some(m)) = (op, ms.first()) {
            sys.settle(&Reply::List(m.list()), &Reply::Stats(m.stats()));
        }
        let mismatch = |model, expected, got| {
            Ok(Some(Mismatch {
                model,
                index,
                op: op.clone(),
                expected,
                got,
            }))
        };
        for (m, e) in ms.iter().zip(&expected) {
            if *e != got && counts(m.as_ref()) {
                return mismatch(m.name(), e.clone(), got);
            }
        }
        let expected_events: Vec<Vec<EventView>> = ms.iter_mut().map(|m| m.take_events()).collect();
        let most = expected_events.iter().map(Vec::len).max().unwrap_or(0);
        if let Some(mut got_events) = sys.events(most) {
            got_events.sort();
            for (m, e) in ms.iter().zip(expected_events) {
                if got_events != e && counts(m.as_ref()) {
                    return mismatch(m.name(), Reply::Events(e), Reply::Events(got_events));
                }
            }
        }
    }
    Ok(None)
}

/// Remove single operations while `fails` still holds, until removing any
/// one makes it pass (1-minimal). `fails(ops)` must hold on entry.
pub fn shrink<E>(
    ops: &[Op],
    mut fails: impl FnMut(&[Op]) -> Result<bool, E>,
) -> Result<Vec<Op>, E> {
    let mut cur = ops.to_vec();
    loop {
        let mut removed = false;
        let mut i = 0;
        while i < cur.len() {
            let mut candidate = cur.clone();
            candidate.remove(i);
            if fails(&candidate)? {
                cur = candidate;
                removed = true;
            } else {
                i += 1;
            }
        }
        if !removed {
            return Ok(cur);
        }
    }
}

/// Shrink a sequence that mismatches on `sys`: cut it after the failing
/// operation, then remove operations one at a time, keeping those whose
/// removal lets the same model ([`Mismatch::model`]) agree. Returns the
/// 1-minimal sequence and its mismatch.
pub fn shrink_sequence(
    sys: &mut dyn System,
    models: &[&dyn Reference],
    ops: &[Op],
    first: &Mismatch,
) -> Result<(Vec<Op>, Mismatch), String> {
    let only = Some(first.model);
    let cut = &ops[..(first.index + 1).min(ops.len())];
    let start = if check_sequence_for(sys, models, cut, only)?.is_some() {
        cut
    } else {
        ops
    };
    let min = shrink(start, |c| {
        check_sequence_for(sys, models, c, only).map(|m| m.is_some())
    })?;
    let mismatch = check_sequence_for(sys, models, &min, only)?.ok_or_else(|| {
        "the shrunk sequence no longer fails: the system is not deterministic".to_string()
    })?;
    Ok((min, mismatch))
}

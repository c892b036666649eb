// SPDX-License-Identifier: GPL-2.0-only

//! The shrinker, with fake systems whose bugs are known.

use rtemu_fuzz::gen::{sequence_seed, Generator};
use rtemu_fuzz::run::{check_sequence, shrink, shrink_sequence};
use rtemu_fuzz::{Model, Op, Reply, System};

/// The model, but wrong after it has seen both `a` and `b` (in any order)
/// since the last reset.
struct Fake {
    model: Model,
    a: Op,
    b: Op,
    seen: (bool, bool),
}

impl System for Fake {
    fn reset(&mut self) -> Result<(), String> {
        self.model = Model::new();
        self.seen = (false, false);
        Ok(())
    }
    fn apply(&mut self, op: &Op) -> Reply {
        self.seen.0 |= *op == self.a;
        self.seen.1 |= *op == self.b;
        let r = self.model.apply(op);
        if self.seen == (true, true) {
            Reply::Err(999)
        } else {
            r
        }
    }
}

#[test]
fn shrinks_to_exactly_the_two_ops() {
    let mut tried = 0;
    for k in 0..20 {
        let ops = Generator::new(sequence_seed(7, k)).sequence(50);
        // Two distinct ops, at positions that vary with k.
        let i = (k as usize * 7) % 20;
        let j = 25 + (k as usize * 3) % 25;
        let (a, b) = (ops[i].clone(), ops[j].clone());
        if ops.iter().filter(|o| **o == a || **o == b).count() != 2 {
            continue;
        }
        let mut fake = Fake {
            model: Model::new(),
            a: a.clone(),
            b: b.clone(),
            seen: (false, false),
        };
        let model = Model::new();
        let first = check_sequence(&mut fake, &[&model], &ops)
            .unwrap()
            .expect("fails");
        assert_eq!(first.index, j);
        let (min, m) = shrink_sequence(&mut fake, &[&model], &ops, &first).unwrap();
        assert_eq!(min, vec![a, b]);
        assert_eq!(m.got, Reply::Err(999));
        tried += 1;
    }
    assert!(tried >= 10, "only {tried} sequences had two distinct ops");
}

#[test]
fn a_failure_in_the_final_dump_shrinks_too() {
    // A system that never stores routes: any successful add shows in the
    // final dump (or earlier).
    struct Forgetful(Model);
    impl System for Forgetful {
        fn reset(&mut self) -> Result<(), String> {
            self.0 = Model::new();
            Ok(())
        }
        fn apply(&mut self, op: &Op) -> Reply {
            match op {
                Op::Add(_) => Reply::Ok,
                _ => self.0.apply(op),
            }
        }
    }
    let ops = Generator::new(sequence_seed(1, 3)).sequence(40);
    let mut sys = Forgetful(Model::new());
    let model = Model::new();
    let first = check_sequence(&mut sys, &[&model], &ops)
        .unwrap()
        .expect("fails");
    let (min, _) = shrink_sequence(&mut sys, &[&model], &ops, &first).unwrap();
    assert_eq!(min.len(), 1, "{min:?}");
    assert!(matches!(min[0], Op::Add(_)));
}

#[test]
fn the_result_is_one_minimal() {
    // Fails while at least three stats ops remain: any three of them are a
    // 1-minimal answer.
    let ops: Vec<Op> = (0..10)
        .flat_map(|i| [Op::Stats, Op::Release { id: i }])
        .collect();
    let min = shrink(&ops, |c| {
        Ok::<_, ()>(c.iter().filter(|o| **o == Op::Stats).count() >= 3)
    })
    .unwrap();
    assert_eq!(min, vec![Op::Stats, Op::Stats, Op::Stats]);
}

#[test]
fn a_late_run_runs_again_with_longer_ticks_and_the_last_run_counts() {
    // The model itself, late on its first `late` runs, with `longer` tick
    // lengthenings left.
    struct Slow {
        model: Model,
        late: usize,
        runs: usize,
        longer: usize,
        shorter: usize,
    }
    impl System for Slow {
        fn reset(&mut self) -> Result<(), String> {
            self.runs += 1;
            self.model = Model::new();
            Ok(())
        }
        fn apply(&mut self, op: &Op) -> Reply {
            self.model.apply(op)
        }
        fn ran_late(&mut self) -> bool {
            self.runs <= self.late
        }
        fn slow_down(&mut self) -> bool {
            let more = self.longer > 0;
            self.longer = self.longer.saturating_sub(1);
            more
        }
        fn speed_up(&mut self) {
            self.shorter += 1;
        }
    }
    let ops = Generator::new(sequence_seed(5, 1)).sequence(20);
    let mut sys = Slow {
        model: Model::new(),
        late: 2,
        runs: 0,
        longer: 6,
        shorter: 0,
    };
    assert_eq!(check_sequence(&mut sys, &[&Model::new()], &ops), Ok(None));
    assert_eq!((sys.runs, sys.longer, sys.shorter), (3, 4, 1));
    let mut sys = Slow {
        model: Model::new(),
        late: usize::MAX,
        runs: 0,
        longer: 6,
        shorter: 0,
    };
    assert_eq!(check_sequence(&mut sys, &[&Model::new()], &ops), Ok(None));
    assert_eq!((sys.runs, sys.longer, sys.shorter), (7, 0, 0));
}

#[test]
fn two_models_run_beside_each_other_and_a_mismatch_names_its_model() {
    // The README model as the system, against itself and FreeBSD 7 as read
    // (no deviation accepted): only the FreeBSD model can disagree, and
    // the shrunk sequence still disagrees with it.
    use rtemu_fuzz::deviations::Deviations;
    use rtemu_fuzz::BsdModel;
    let readme = Model::new();
    let freebsd = BsdModel::new(Deviations::none());
    let mut found = 0;
    for k in 0..20 {
        let ops = Generator::new(sequence_seed(11, k)).sequence(40);
        let mut sys = Model::new();
        let models: [&dyn rtemu_fuzz::Reference; 2] = [&readme, &freebsd];
        let Some(first) = check_sequence(&mut sys, &models, &ops).unwrap() else {
            continue;
        };
        assert_eq!(first.model, "freebsd");
        let (min, m) = shrink_sequence(&mut sys, &models, &ops, &first).unwrap();
        assert_eq!(m.model, "freebsd");
        assert!(min.len() <= first.index + 1);
        // Against the README model alone, it passes.
        assert_eq!(check_sequence(&mut sys, &[&readme], &min), Ok(None));
        found += 1;
    }
    assert!(
        found >= 10,
        "only {found} sequences showed FreeBSD's behaviour"
    );
}

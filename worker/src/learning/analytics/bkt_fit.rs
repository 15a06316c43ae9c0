//! Fitting a skill's BKT parameters to its answer history, by expectation–maximization
//! (the Baum–Welch algorithm on BKT's two-state hidden Markov model, as pyBKT does).
//!
//! The model is the engine's ([`mastery`](crate::learning::mastery)): a student starts
//! knowing the skill with probability `p_init`; each answer is right with probability
//! `1 − p_slip` if known and `p_guess` if not; after each answer an unknown skill becomes
//! known with probability `p_learn`, and a known one is never forgotten.
//!
//! EM never lowers the likelihood, and the likelihood of a student's answers is the
//! product of the engine's one-step-ahead predictions, so maximizing it is minimizing
//! the log loss of those predictions. EM finds a local optimum, so it runs from the
//! current parameters and from [`START_POINTS`], and keeps the best result whose
//! `p_guess + p_slip` stays below 1 (otherwise "known" and "unknown" swap meaning).
//! Starting from the current parameters guarantees that the fit is never worse than
//! them. Parameters are kept in `[0.0001, 0.9999]` so that no evidence becomes
//! impossible.

use serde::{Deserialize, Serialize};

use super::accuracy::{AnswerRecord, log_loss};
use crate::learning::content::Skill;
use crate::learning::mastery::{p_correct, update};

/// BKT's four parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BktParameters {
    pub p_init: f64,
    pub p_learn: f64,
    pub p_guess: f64,
    pub p_slip: f64,
}

impl BktParameters {
    /// The parameters of a skill.
    pub fn of(skill: &Skill) -> Self {
        Self {
            p_init: skill.p_init,
            p_learn: skill.p_learn,
            p_guess: skill.p_guess,
            p_slip: skill.p_slip,
        }
    }

    fn skill(self) -> Skill {
        Skill {
            id: 0,
            name: String::new(),
            p_init: self.p_init,
            p_learn: self.p_learn,
            p_guess: self.p_guess,
            p_slip: self.p_slip,
        }
    }

    fn clamped(self) -> Self {
        let c = |p: f64| p.clamp(PARAMETER_FLOOR, 1.0 - PARAMETER_FLOOR);
        Self {
            p_init: c(self.p_init),
            p_learn: c(self.p_learn),
            p_guess: c(self.p_guess),
            p_slip: c(self.p_slip),
        }
    }
}

const PARAMETER_FLOOR: f64 = 1e-4;

/// Where EM starts besides the current parameters: a spread of plausible skills (easy
/// and hard to guess, fast and slow to learn).
pub const START_POINTS: [BktParameters; 4] = [
    BktParameters {
        p_init: 0.2,
        p_learn: 0.15,
        p_guess: 0.2,
        p_slip: 0.1,
    },
    BktParameters {
        p_init: 0.5,
        p_learn: 0.05,
        p_guess: 0.3,
        p_slip: 0.15,
    },
    BktParameters {
        p_init: 0.1,
        p_learn: 0.3,
        p_guess: 0.1,
        p_slip: 0.05,
    },
    BktParameters {
        p_init: 0.4,
        p_learn: 0.2,
        p_guess: 0.4,
        p_slip: 0.2,
    },
];

/// Knobs of the fit; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitOptions {
    /// EM iterations per start at most (default 200).
    pub max_iterations: usize,
    /// Stop when the log loss improves by less than this in one iteration (1e-7).
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            tolerance: 1e-7,
        }
    }
}

/// The fitted parameters and how much they help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BktFit {
    pub parameters: BktParameters,
    /// The log loss of the engine's predictions with the current parameters...
    pub log_loss_before: f64,
    /// ...and with the fitted ones (never higher).
    pub log_loss_after: f64,
    pub answers: usize,
    pub students: usize,
}

/// Each student's answers on `skill`, in the order given (time order), students sorted
/// by id: the input of [`fit_bkt`].
pub fn sequences_by_student(answers: &[AnswerRecord], skill: i64) -> Vec<Vec<bool>> {
    let mut by_student: std::collections::BTreeMap<&str, Vec<bool>> = Default::default();
    for answer in answers.iter().filter(|a| a.skill == skill) {
        by_student
            .entry(answer.student.as_str())
            .or_default()
            .push(answer.correct);
    }
    by_student.into_values().collect()
}

/// Fits BKT to `sequences` (one per student, each in time order); `None` without any
/// answer.
pub fn fit_bkt(
    sequences: &[Vec<bool>],
    current: &BktParameters,
    options: &FitOptions,
) -> Option<BktFit> {
    let sequences: Vec<&Vec<bool>> = sequences.iter().filter(|s| !s.is_empty()).collect();
    let answers: usize = sequences.iter().map(|s| s.len()).sum();
    if answers == 0 {
        return None;
    }
    let log_loss_before = engine_log_loss(&sequences, current);
    let mut best = (*current, log_loss_before);
    for start in std::iter::once(current.clamped()).chain(START_POINTS) {
        let fitted = run_em(&sequences, start, options);
        if fitted.p_guess + fitted.p_slip >= 1.0 {
            continue;
        }
        let loss = engine_log_loss(&sequences, &fitted);
        if loss < best.1 {
            best = (fitted, loss);
        }
    }
    Some(BktFit {
        parameters: best.0,
        log_loss_before,
        log_loss_after: best.1,
        answers,
        students: sequences.len(),
    })
}

/// The log loss of the engine's own predictions (P(correct) before each answer, then
/// the engine's update), so that before and after are measured exactly as the accuracy
/// monitor measures them.
fn engine_log_loss(sequences: &[&Vec<bool>], parameters: &BktParameters) -> f64 {
    let skill = parameters.skill();
    let mut predicted = Vec::new();
    let mut outcomes = Vec::new();
    for sequence in sequences {
        let mut p_known = skill.p_init;
        for &correct in sequence.iter() {
            predicted.push(p_correct(p_known, &skill));
            outcomes.push(correct);
            p_known = update(p_known, correct, &skill);
        }
    }
    log_loss(&predicted, &outcomes)
}

/// Expected counts of one E step, summed over all sequences.
#[derive(Default)]
struct Counts {
    initially_known: f64,
    sequences: f64,
    /// Σ over answers but the last of P(unknown at t) and P(unknown at t, known at t+1).
    unknown_before_transition: f64,
    learned: f64,
    /// Σ P(unknown) and Σ P(unknown) over right answers.
    unknown: f64,
    unknown_right: f64,
    known: f64,
    known_wrong: f64,
    log_likelihood: f64,
}

fn run_em(sequences: &[&Vec<bool>], start: BktParameters, options: &FitOptions) -> BktParameters {
    let answers: usize = sequences.iter().map(|s| s.len()).sum();
    let mut parameters = start.clamped();
    let mut previous_loss = f64::INFINITY;
    for _ in 0..options.max_iterations {
        let mut counts = Counts::default();
        for sequence in sequences {
            expect(sequence, &parameters, &mut counts);
        }
        let loss = -counts.log_likelihood / answers as f64;
        let ratio = |a: f64, b: f64, fallback: f64| if b > 0.0 { a / b } else { fallback };
        parameters = BktParameters {
            p_init: ratio(counts.initially_known, counts.sequences, parameters.p_init),
            p_learn: ratio(
                counts.learned,
                counts.unknown_before_transition,
                parameters.p_learn,
            ),
            p_guess: ratio(counts.unknown_right, counts.unknown, parameters.p_guess),
            p_slip: ratio(counts.known_wrong, counts.known, parameters.p_slip),
        }
        .clamped();
        if previous_loss - loss < options.tolerance {
            break;
        }
        previous_loss = loss;
    }
    parameters
}

/// The forward–backward pass over one sequence, with per-step scaling. State 0 is
/// unknown, 1 known.
fn expect(sequence: &[bool], p: &BktParameters, counts: &mut Counts) {
    let emit = |state: usize, correct: bool| match (state, correct) {
        (0, true) => p.p_guess,
        (0, false) => 1.0 - p.p_guess,
        (_, true) => 1.0 - p.p_slip,
        (_, false) => p.p_slip,
    };
    // transition[from][to]
    let transition = [[1.0 - p.p_learn, p.p_learn], [0.0, 1.0]];
    let n = sequence.len();
    let mut alpha = vec![[0.0f64; 2]; n];
    let mut scale = vec![0.0f64; n];
    let mut prior = [1.0 - p.p_init, p.p_init];
    for (t, &correct) in sequence.iter().enumerate() {
        if t > 0 {
            let a = alpha[t - 1];
            prior = [
                a[0] * transition[0][0] + a[1] * transition[1][0],
                a[0] * transition[0][1] + a[1] * transition[1][1],
            ];
        }
        let joint = [prior[0] * emit(0, correct), prior[1] * emit(1, correct)];
        scale[t] = joint[0] + joint[1];
        alpha[t] = [joint[0] / scale[t], joint[1] / scale[t]];
        counts.log_likelihood += scale[t].ln();
    }
    let mut beta = vec![[1.0f64; 2]; n];
    for t in (0..n.saturating_sub(1)).rev() {
        let next = sequence[t + 1];
        for (state, row) in transition.iter().enumerate() {
            beta[t][state] = (0..2)
                .map(|to| row[to] * emit(to, next) * beta[t + 1][to])
                .sum::<f64>()
                / scale[t + 1];
        }
    }
    counts.sequences += 1.0;
    for t in 0..n {
        let gamma = [alpha[t][0] * beta[t][0], alpha[t][1] * beta[t][1]];
        let total = gamma[0] + gamma[1];
        let gamma = [gamma[0] / total, gamma[1] / total];
        if t == 0 {
            counts.initially_known += gamma[1];
        }
        counts.unknown += gamma[0];
        counts.known += gamma[1];
        if sequence[t] {
            counts.unknown_right += gamma[0];
        } else {
            counts.known_wrong += gamma[1];
        }
        if t + 1 < n {
            counts.unknown_before_transition += gamma[0];
            counts.learned +=
                alpha[t][0] * transition[0][1] * emit(1, sequence[t + 1]) * beta[t + 1][1]
                    / scale[t + 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn simulate(
        seed: u64,
        truth: &BktParameters,
        students: usize,
        length: usize,
    ) -> Vec<Vec<bool>> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..students)
            .map(|_| {
                let mut known = rng.random_bool(truth.p_init);
                (0..length)
                    .map(|_| {
                        let correct = rng.random_bool(if known {
                            1.0 - truth.p_slip
                        } else {
                            truth.p_guess
                        });
                        if !known {
                            known = rng.random_bool(truth.p_learn);
                        }
                        correct
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn recovers_known_parameters() {
        let truth = BktParameters {
            p_init: 0.3,
            p_learn: 0.12,
            p_guess: 0.2,
            p_slip: 0.08,
        };
        let sequences = simulate(1, &truth, 800, 15);
        let wrong = BktParameters {
            p_init: 0.6,
            p_learn: 0.02,
            p_guess: 0.35,
            p_slip: 0.25,
        };
        let fit = fit_bkt(&sequences, &wrong, &FitOptions::default()).unwrap();
        let p = fit.parameters;
        assert!((p.p_init - truth.p_init).abs() < 0.05, "{p:?}");
        assert!((p.p_learn - truth.p_learn).abs() < 0.03, "{p:?}");
        assert!((p.p_guess - truth.p_guess).abs() < 0.03, "{p:?}");
        assert!((p.p_slip - truth.p_slip).abs() < 0.03, "{p:?}");
        assert!(fit.log_loss_after < fit.log_loss_before - 0.02, "{fit:?}");
        assert_eq!((fit.answers, fit.students), (12_000, 800));
        // The fitted loss is close to the loss of the true parameters.
        let all: Vec<&Vec<bool>> = sequences.iter().collect();
        let true_loss = engine_log_loss(&all, &truth);
        assert!(
            fit.log_loss_after <= true_loss + 1e-9,
            "{} vs {true_loss}",
            fit.log_loss_after
        );
    }

    #[test]
    fn never_worse_than_the_current_parameters() {
        let truth = BktParameters {
            p_init: 0.2,
            p_learn: 0.15,
            p_guess: 0.2,
            p_slip: 0.1,
        };
        let sequences = simulate(9, &truth, 30, 6);
        let fit = fit_bkt(&sequences, &truth, &FitOptions::default()).unwrap();
        assert!(fit.log_loss_after <= fit.log_loss_before);
        let p = fit.parameters;
        assert!(p.p_guess + p.p_slip < 1.0);
        for value in [p.p_init, p.p_learn, p.p_guess, p.p_slip] {
            assert!(value > 0.0 && value < 1.0);
        }
    }

    #[test]
    fn log_likelihood_matches_the_engine_predictions() {
        // The forward pass's likelihood is the product of the engine's predictions.
        let p = BktParameters {
            p_init: 0.25,
            p_learn: 0.1,
            p_guess: 0.2,
            p_slip: 0.1,
        };
        let sequence = vec![false, true, true, false, true];
        let mut counts = Counts::default();
        expect(&sequence, &p, &mut counts);
        let loss = engine_log_loss(&[&sequence], &p);
        assert!((-counts.log_likelihood / 5.0 - loss).abs() < 1e-9);
        // By hand, the first answer: P(right) = 0.25·0.9 + 0.75·0.2 = 0.375.
        let mut first = Counts::default();
        expect(&[true], &p, &mut first);
        assert!((first.log_likelihood - 0.375f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn empty_histories_fit_nothing() {
        let p = BktParameters::of(&Skill {
            id: 1,
            name: "s".into(),
            p_init: 0.2,
            p_learn: 0.15,
            p_guess: 0.2,
            p_slip: 0.1,
        });
        assert_eq!(fit_bkt(&[], &p, &FitOptions::default()), None);
        assert_eq!(fit_bkt(&[vec![]], &p, &FitOptions::default()), None);
    }

    #[test]
    fn sequences_group_by_student_in_order() {
        let answer = |student: &str, skill, correct| AnswerRecord {
            student: student.into(),
            skill,
            item: 1,
            predicted: 0.5,
            correct,
        };
        let answers = [
            answer("b", 1, true),
            answer("a", 1, false),
            answer("b", 2, false),
            answer("a", 1, true),
        ];
        assert_eq!(
            sequences_by_student(&answers, 1),
            vec![vec![false, true], vec![true]]
        );
    }
}

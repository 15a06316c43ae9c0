//! Mastery: Bayesian Knowledge Tracing per (student, skill).
//!
//! Each observed answer updates P(known) in O(1) from the stored state, no replay of
//! history: first the standard posterior given the answer,
//!
//! ```text
//! correct: P(L | right) = P(L)(1 - slip) / (P(L)(1 - slip) + (1 - P(L)) guess)
//! wrong:   P(L | wrong) = P(L) slip      / (P(L) slip      + (1 - P(L)) (1 - guess))
//! ```
//!
//! then the learning transition `P(L') = P(L | obs) + (1 - P(L | obs)) learn` (no
//! forgetting). The stored `p_known` is therefore P(known) before the next answer, which is
//! what pyBKT calls a state prediction; `worker/tests/vectors/bkt.json` holds pyBKT's
//! values for fixed parameters and the tests below match them to 1e-9.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::content::{Skill, at_least};

/// P(known) is kept inside [`P_FLOOR`, `P_CEIL`]: in floating point a long streak would
/// otherwise round to exactly 1.0 (or 0.0), where no evidence can ever move it again.
/// The clamp changes values by less than 1e-12, far inside the pyBKT tolerance.
pub const P_FLOOR: f64 = 1e-12;
/// See [`P_FLOOR`].
pub const P_CEIL: f64 = 1.0 - 1e-12;

/// What the engine knows about one student's grip on one skill: BKT for mastery, FSRS
/// for when to review it (see [`reviews`](super::reviews)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MasteryState {
    /// P(known), strictly between 0 and 1.
    pub p_known: f64,
    /// `p_known` is at least the course's mastery threshold.
    pub mastered: bool,
    /// Answers observed.
    pub observations: u32,
    /// Of which fully correct.
    pub correct: u32,
    /// FSRS stability in days; `None` before the first review.
    pub stability: Option<f64>,
    /// FSRS difficulty (1..=10); `None` before the first review.
    pub difficulty: Option<f64>,
    /// When a review is due; `None` before the first review.
    pub due: Option<DateTime<Utc>>,
    pub last_review: Option<DateTime<Utc>>,
}

/// A skill whose BKT parameters cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SkillError {
    #[error("skill {skill} ({name}): {parameter} must be strictly between 0 and 1, got {value}")]
    OutOfRange {
        skill: i64,
        name: String,
        parameter: &'static str,
        value: f64,
    },
    #[error(
        "skill {skill} ({name}): p_guess + p_slip must be below 1 (got {sum}), otherwise a right answer would lower mastery"
    )]
    GuessAndSlipTooHigh { skill: i64, name: String, sum: f64 },
}

/// Checks a skill's BKT parameters: each strictly between 0 and 1, and
/// `p_guess + p_slip < 1` so that evidence points the right way.
pub fn validate_skill(skill: &Skill) -> Result<(), SkillError> {
    let parameters = [
        ("p_init", skill.p_init),
        ("p_learn", skill.p_learn),
        ("p_guess", skill.p_guess),
        ("p_slip", skill.p_slip),
    ];
    for (parameter, value) in parameters {
        if !(value > 0.0 && value < 1.0) {
            return Err(SkillError::OutOfRange {
                skill: skill.id,
                name: skill.name.clone(),
                parameter,
                value,
            });
        }
    }
    let sum = skill.p_guess + skill.p_slip;
    if sum >= 1.0 {
        return Err(SkillError::GuessAndSlipTooHigh {
            skill: skill.id,
            name: skill.name.clone(),
            sum,
        });
    }
    Ok(())
}

impl MasteryState {
    /// A student's state before any evidence: `p_known = p_init`, never reviewed.
    pub fn new(skill: &Skill, mastery_threshold: f64) -> Self {
        let p_known = clamp_probability(skill.p_init);
        Self {
            p_known,
            mastered: is_mastered(p_known, mastery_threshold),
            observations: 0,
            correct: 0,
            stability: None,
            difficulty: None,
            due: None,
            last_review: None,
        }
    }

    /// Records one answer: posterior, then learning transition; counts it; recomputes
    /// `mastered`. A stored `p_known` that is not a probability (NaN, outside 0..1) is
    /// treated as `p_init`.
    pub fn observe(&mut self, skill: &Skill, correct: bool, mastery_threshold: f64) {
        let prior = if self.p_known.is_finite() && (0.0..=1.0).contains(&self.p_known) {
            self.p_known
        } else {
            skill.p_init
        };
        self.p_known = update(prior, correct, skill);
        self.observations = self.observations.saturating_add(1);
        if correct {
            self.correct = self.correct.saturating_add(1);
        }
        self.mastered = is_mastered(self.p_known, mastery_threshold);
    }
}

/// Whether `p_known` reaches the mastery threshold (inclusive; see
/// [`at_least`]).
pub fn is_mastered(p_known: f64, mastery_threshold: f64) -> bool {
    at_least(p_known, mastery_threshold)
}

/// P(known | the answer), before learning.
pub fn posterior(p_known: f64, correct: bool, skill: &Skill) -> f64 {
    let (if_known, if_unknown) = if correct {
        (1.0 - skill.p_slip, skill.p_guess)
    } else {
        (skill.p_slip, 1.0 - skill.p_guess)
    };
    let evidence_known = p_known * if_known;
    let total = evidence_known + (1.0 - p_known) * if_unknown;
    if total > 0.0 {
        evidence_known / total
    } else {
        p_known
    }
}

/// The learning transition: an unknown skill becomes known with probability `p_learn`.
pub fn learn(p_known: f64, skill: &Skill) -> f64 {
    p_known + (1.0 - p_known) * skill.p_learn
}

/// One BKT step: posterior given the answer, then learning; kept strictly inside (0, 1).
pub fn update(p_known: f64, correct: bool, skill: &Skill) -> f64 {
    clamp_probability(learn(posterior(p_known, correct, skill), skill))
}

/// P(the next answer is right) given P(known).
pub fn p_correct(p_known: f64, skill: &Skill) -> f64 {
    p_known * (1.0 - skill.p_slip) + (1.0 - p_known) * skill.p_guess
}

fn clamp_probability(p: f64) -> f64 {
    p.clamp(P_FLOOR, P_CEIL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::skill;
    use serde::Deserialize;

    fn directus_default() -> Skill {
        skill(1, "Equivalent fractions")
    }

    #[test]
    fn a_right_answer_follows_the_formula() {
        // posterior = 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34; then + (1 - that) * 0.15
        let s = directus_default();
        let posterior = 0.18 / 0.34;
        assert!((update(0.2, true, &s) - (posterior + (1.0 - posterior) * 0.15)).abs() < 1e-15);
        assert!((update(0.2, true, &s) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn a_wrong_answer_follows_the_formula() {
        let s = directus_default();
        let posterior = 0.2 * 0.1 / (0.2 * 0.1 + 0.8 * 0.8);
        assert!((update(0.2, false, &s) - (posterior + (1.0 - posterior) * 0.15)).abs() < 1e-15);
    }

    #[test]
    fn new_state_starts_at_p_init() {
        let state = MasteryState::new(&directus_default(), 0.95);
        assert_eq!(state.p_known, 0.2);
        assert!(!state.mastered);
        assert_eq!((state.observations, state.correct), (0, 0));
        assert_eq!((state.stability, state.due), (None, None));
    }

    #[test]
    fn observe_counts_and_updates() {
        let s = directus_default();
        let mut state = MasteryState::new(&s, 0.95);
        state.observe(&s, true, 0.95);
        state.observe(&s, false, 0.95);
        assert_eq!((state.observations, state.correct), (2, 1));
        assert!((state.p_known - update(update(0.2, true, &s), false, &s)).abs() < 1e-15);
    }

    #[test]
    fn mastered_exactly_at_the_threshold() {
        assert!(is_mastered(0.95, 0.95));
        assert!(!is_mastered(0.9499, 0.95));
        let s = directus_default();
        let mut state = MasteryState::new(&s, 0.95);
        while !state.mastered {
            state.observe(&s, true, 0.95);
        }
        assert!(state.p_known >= 0.95);
        // mastery can be lost again
        for _ in 0..5 {
            state.observe(&s, false, 0.95);
        }
        assert!(!state.mastered);
    }

    #[test]
    fn p_init_at_or_above_the_threshold_is_mastered_from_the_start() {
        let mut s = directus_default();
        s.p_init = 0.95;
        assert!(MasteryState::new(&s, 0.95).mastered);
    }

    #[test]
    fn a_corrupt_stored_probability_restarts_from_p_init() {
        let s = directus_default();
        let mut state = MasteryState::new(&s, 0.95);
        state.p_known = f64::NAN;
        state.observe(&s, true, 0.95);
        assert!((state.p_known - update(0.2, true, &s)).abs() < 1e-15);
    }

    #[test]
    fn a_long_streak_never_sticks_at_one() {
        let mut s = directus_default();
        s.p_learn = 0.9;
        let mut p = 0.5;
        for _ in 0..200 {
            p = update(p, true, &s);
        }
        assert!(p < 1.0);
        assert!(
            posterior(p, false, &s) < p,
            "a wrong answer still lowers the posterior"
        );
    }

    #[test]
    fn skill_validation() {
        assert!(validate_skill(&directus_default()).is_ok());
        let mut s = directus_default();
        s.p_slip = 0.0;
        assert_eq!(
            validate_skill(&s).expect_err("zero slip").to_string(),
            "skill 1 (Equivalent fractions): p_slip must be strictly between 0 and 1, got 0"
        );
        s.p_slip = f64::NAN;
        assert!(validate_skill(&s).is_err());
        let mut s = directus_default();
        s.p_guess = 0.6;
        s.p_slip = 0.4;
        assert!(
            validate_skill(&s)
                .expect_err("guess + slip = 1")
                .to_string()
                .contains("p_guess + p_slip must be below 1")
        );
    }

    #[test]
    fn p_correct_mixes_guess_and_slip() {
        let s = directus_default();
        assert!((p_correct(0.2, &s) - 0.34).abs() < 1e-15);
    }

    #[derive(Deserialize)]
    struct Vectors {
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        name: String,
        p_init: f64,
        p_learn: f64,
        p_guess: f64,
        p_slip: f64,
        sequences: Vec<Sequence>,
    }

    #[derive(Deserialize)]
    struct Sequence {
        answers: Vec<bool>,
        p_known_after: Vec<f64>,
        p_correct_before: Vec<f64>,
    }

    #[test]
    fn matches_pybkt_reference_vectors_to_1e_9() {
        let vectors: Vectors = serde_json::from_str(include_str!("../../tests/vectors/bkt.json"))
            .expect("bkt.json parses");
        let mut compared = 0;
        let mut worst: f64 = 0.0;
        for case in &vectors.cases {
            let s = Skill {
                id: 1,
                name: case.name.clone(),
                p_init: case.p_init,
                p_learn: case.p_learn,
                p_guess: case.p_guess,
                p_slip: case.p_slip,
            };
            for sequence in &case.sequences {
                assert_eq!(sequence.answers.len(), sequence.p_known_after.len());
                let mut state = MasteryState::new(&s, 0.95);
                for (step, &answer) in sequence.answers.iter().enumerate() {
                    let predicted = p_correct(state.p_known, &s);
                    let expected_prediction = sequence.p_correct_before[step];
                    assert!(
                        (predicted - expected_prediction).abs() <= 1e-9,
                        "{} {:?} step {step}: P(correct) {predicted} vs pyBKT {expected_prediction}",
                        case.name,
                        sequence.answers
                    );
                    state.observe(&s, answer, 0.95);
                    let expected = sequence.p_known_after[step];
                    let difference = (state.p_known - expected).abs();
                    worst = worst.max(difference);
                    assert!(
                        difference <= 1e-9,
                        "{} {:?} step {step}: p_known {} vs pyBKT {expected}",
                        case.name,
                        sequence.answers,
                        state.p_known
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 500, "only {compared} values compared");
        eprintln!("BKT: {compared} values match pyBKT, worst difference {worst:e}");
    }
}

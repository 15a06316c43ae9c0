//! The accuracy monitor: how well BKT's P(correct), recorded before each answer, predicts
//! that answer, next to two baselines that know nothing about students.
//!
//! The three predictors, scored on the same answers in the order given (time order):
//!
//! - **BKT**: the prediction the engine recorded before the answer.
//! - **Item mean**: the item's share of correct answers *before* this one, smoothed
//!   towards the overall running mean with [`AccuracyOptions::item_prior_strength`]
//!   pseudo-answers: `(right_before + m · overall) / (answers_before + m)`. An item's
//!   first answer therefore gets the overall mean, and its own history takes over as it
//!   accumulates (with `m = 2`, after ten answers it weighs 10 / 12).
//! - **Overall mean**: the share of correct answers among all answers before this one
//!   (in the whole input, i.e. the course), with a Laplace prior:
//!   `(right_before + 1) / (answers_before + 2)`, so the very first answer gets 0.5.
//!
//! Both baselines only look at the past, like BKT, so none of them is scored on answers
//! it has already seen.
//!
//! Each is scored by log loss (predictions clamped to `[1e-15, 1 - 1e-15]`, as
//! scikit-learn does, so that one confident mistake costs a lot but not infinity), AUC
//! (the Mann–Whitney statistic with average ranks for ties: a tie between a right and a
//! wrong answer counts one half) and calibration (ten equal-width bins of the prediction,
//! the last one closed, and the expected calibration error
//! `ECE = Σ (count / n) · |mean predicted − observed|`).
//!
//! [`ScopeAccuracy::bkt_worse_than_item_baseline`] is raised when BKT's log loss is above
//! the item baseline's on at least [`AccuracyOptions::min_answers`] answers (200 by
//! default: below that a difference in log loss is mostly noise). It means the skill's
//! parameters describe its students worse than simply knowing how hard each question is.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One graded answer, with what BKT predicted before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub student: String,
    pub skill: i64,
    /// The question (item) answered.
    pub item: i64,
    /// BKT's P(correct) for this answer, recorded before it was graded.
    pub predicted: f64,
    pub correct: bool,
}

/// Knobs of the monitor; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccuracyOptions {
    /// Pseudo-answers at the overall mean added to each item's history (default 2).
    pub item_prior_strength: f64,
    /// Answers a scope needs before BKT can be flagged (default 200).
    pub min_answers: usize,
    /// Skill names for the warning text; a skill missing here is called "skill `<id>`".
    #[serde(default)]
    pub skill_names: BTreeMap<i64, String>,
}

impl Default for AccuracyOptions {
    fn default() -> Self {
        Self {
            item_prior_strength: 2.0,
            min_answers: 200,
            skill_names: BTreeMap::new(),
        }
    }
}

/// Calibration bins.
pub const CALIBRATION_BINS: usize = 10;
const CLAMP: f64 = 1e-15;

/// A prediction that is not a number counts as 0.5 (no information); others are kept in
/// `[1e-15, 1 - 1e-15]`.
fn sanitize(p: f64) -> f64 {
    if p.is_nan() {
        0.5
    } else {
        p.clamp(CLAMP, 1.0 - CLAMP)
    }
}

/// One calibration bin: predictions in `[low, high)` (the last bin includes 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub low: f64,
    pub high: f64,
    pub count: usize,
    /// `None` when the bin is empty.
    pub mean_predicted: Option<f64>,
    /// The share of correct answers in the bin; `None` when empty.
    pub observed: Option<f64>,
}

/// How well one predictor did on one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorScore {
    /// Mean negative log-likelihood (natural log); lower is better.
    pub log_loss: f64,
    /// `None` when all answers are right or all wrong (AUC is undefined then).
    pub auc: Option<f64>,
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error over [`CALIBRATION_BINS`] bins.
    pub ece: f64,
}

/// The three predictors side by side on one scope (a skill, or the whole course).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeAccuracy {
    /// `None` for the whole course.
    pub skill: Option<i64>,
    pub n: usize,
    /// The share of correct answers.
    pub observed_rate: f64,
    pub bkt: PredictorScore,
    pub item_mean: PredictorScore,
    pub overall_mean: PredictorScore,
    pub bkt_worse_than_item_baseline: bool,
    /// For editors, when the flag is raised.
    pub warning: Option<String>,
}

/// The monitor's report for one course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyReport {
    /// All answers; `None` when there are none.
    pub overall: Option<ScopeAccuracy>,
    /// One entry per skill, by skill id.
    pub skills: Vec<ScopeAccuracy>,
}

/// Scores BKT and the two baselines on `answers` (in time order).
pub fn accuracy_report(answers: &[AnswerRecord], options: &AccuracyOptions) -> AccuracyReport {
    let baselines = running_baselines(answers, options.item_prior_strength);
    let all: Vec<usize> = (0..answers.len()).collect();
    let mut by_skill: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (index, answer) in answers.iter().enumerate() {
        by_skill.entry(answer.skill).or_default().push(index);
    }
    let scope = |skill: Option<i64>, indices: &[usize]| {
        score_scope(skill, indices, answers, &baselines, options)
    };
    AccuracyReport {
        overall: scope(None, &all),
        skills: by_skill
            .iter()
            .filter_map(|(skill, indices)| scope(Some(*skill), indices))
            .collect(),
    }
}

/// (item mean, overall mean) before each answer.
fn running_baselines(answers: &[AnswerRecord], prior_strength: f64) -> Vec<(f64, f64)> {
    let (mut right, mut total) = (0.0, 0.0);
    let mut items: HashMap<i64, (f64, f64)> = HashMap::new();
    answers
        .iter()
        .map(|answer| {
            let overall = (right + 1.0) / (total + 2.0);
            let (item_right, item_total) = items.entry(answer.item).or_insert((0.0, 0.0));
            let item = (*item_right + prior_strength * overall) / (*item_total + prior_strength);
            let outcome = if answer.correct { 1.0 } else { 0.0 };
            *item_right += outcome;
            *item_total += 1.0;
            right += outcome;
            total += 1.0;
            (item, overall)
        })
        .collect()
}

fn score_scope(
    skill: Option<i64>,
    indices: &[usize],
    answers: &[AnswerRecord],
    baselines: &[(f64, f64)],
    options: &AccuracyOptions,
) -> Option<ScopeAccuracy> {
    if indices.is_empty() {
        return None;
    }
    let outcomes: Vec<bool> = indices.iter().map(|&i| answers[i].correct).collect();
    let pick = |f: &dyn Fn(usize) -> f64| indices.iter().map(|&i| f(i)).collect::<Vec<_>>();
    let bkt = score(&pick(&|i| answers[i].predicted), &outcomes);
    let item_mean = score(&pick(&|i| baselines[i].0), &outcomes);
    let overall_mean = score(&pick(&|i| baselines[i].1), &outcomes);
    let n = indices.len();
    let right = outcomes.iter().filter(|c| **c).count();
    let flagged = n >= options.min_answers && bkt.log_loss > item_mean.log_loss;
    let warning = flagged.then(|| {
        let (subject, advice) = match skill {
            Some(id) => (
                match options.skill_names.get(&id) {
                    Some(name) => format!("the skill \u{201c}{name}\u{201d}"),
                    None => format!("skill {id}"),
                },
                "Its BKT parameters (initial knowledge, learning, guess, slip) probably do not \
                 fit these students, or its questions differ a lot in difficulty: consider \
                 refitting the parameters or splitting the skill.",
            ),
            None => (
                "this course".to_owned(),
                "See which of its skills are flagged: their BKT parameters (initial knowledge, \
                 learning, guess, slip) probably need refitting.",
            ),
        };
        format!(
            "Mastery estimates for {subject} predict answers worse than simply using each \
             question's past success rate (log loss {:.3} against {:.3}, over {n} answers; \
             lower is better). {advice}",
            bkt.log_loss, item_mean.log_loss
        )
    });
    Some(ScopeAccuracy {
        skill,
        n,
        observed_rate: right as f64 / n as f64,
        bkt,
        item_mean,
        overall_mean,
        bkt_worse_than_item_baseline: flagged,
        warning,
    })
}

/// Log loss, AUC and calibration of `predicted` against `outcomes` (same length, not
/// empty).
pub fn score(predicted: &[f64], outcomes: &[bool]) -> PredictorScore {
    let calibration = calibration(predicted, outcomes);
    let n = predicted.len() as f64;
    let ece = calibration
        .iter()
        .filter_map(|bin| Some(bin.count as f64 / n * (bin.mean_predicted? - bin.observed?).abs()))
        .sum();
    PredictorScore {
        log_loss: log_loss(predicted, outcomes),
        auc: auc(predicted, outcomes),
        calibration,
        ece,
    }
}

/// Mean negative log-likelihood, predictions clamped to `[1e-15, 1 - 1e-15]`; 0 when
/// empty.
pub fn log_loss(predicted: &[f64], outcomes: &[bool]) -> f64 {
    if predicted.is_empty() {
        return 0.0;
    }
    let total: f64 = predicted
        .iter()
        .zip(outcomes)
        .map(|(&p, &correct)| {
            let p = sanitize(p);
            if correct { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / predicted.len() as f64
}

/// The probability that a random right answer got a higher prediction than a random
/// wrong one, ties counting one half (Mann–Whitney U / (n_right · n_wrong), average
/// ranks); `None` without both right and wrong answers.
pub fn auc(predicted: &[f64], outcomes: &[bool]) -> Option<f64> {
    let positives = outcomes.iter().filter(|c| **c).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let predicted: Vec<f64> = predicted.iter().copied().map(sanitize).collect();
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && predicted[order[end + 1]] == predicted[order[start]] {
            end += 1;
        }
        // Ranks start..=end (1-based: start+1..=end+1) share their average.
        let average_rank = (start + end) as f64 / 2.0 + 1.0;
        let tied_positives = order[start..=end].iter().filter(|&&i| outcomes[i]).count();
        positive_rank_sum += average_rank * tied_positives as f64;
        start = end + 1;
    }
    let (p, q) = (positives as f64, negatives as f64);
    Some((positive_rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// [`CALIBRATION_BINS`] equal-width bins over 0..1; a prediction of exactly 1 goes in the
/// last bin; predictions outside 0..1 are clamped into it, and NaN counts as 0.5.
pub fn calibration(predicted: &[f64], outcomes: &[bool]) -> Vec<CalibrationBin> {
    let mut sums = [(0usize, 0.0f64, 0usize); CALIBRATION_BINS];
    for (&p, &correct) in predicted.iter().zip(outcomes) {
        let p = sanitize(p);
        let bin = ((p * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        sums[bin].0 += 1;
        sums[bin].1 += p;
        sums[bin].2 += usize::from(correct);
    }
    sums.iter()
        .enumerate()
        .map(|(bin, &(count, predicted_sum, right))| CalibrationBin {
            low: bin as f64 / CALIBRATION_BINS as f64,
            high: (bin + 1) as f64 / CALIBRATION_BINS as f64,
            count,
            mean_predicted: (count > 0).then(|| predicted_sum / count as f64),
            observed: (count > 0).then(|| right as f64 / count as f64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::content::Skill;
    use crate::learning::mastery::{p_correct, update};
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn auc_of_perfect_reversed_and_constant_predictors() {
        let outcomes = [false, false, true, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.7, 0.8, 0.9], &outcomes), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.3, 0.2, 0.1], &outcomes), Some(0.0));
        assert_eq!(auc(&[0.5; 5], &outcomes), Some(0.5));
        assert_eq!(auc(&[0.5, 0.6], &[true, true]), None);
        assert_eq!(auc(&[], &[]), None);
    }

    #[test]
    fn auc_by_hand_with_ties() {
        // Right: 0.8, 0.4, 0.4; wrong: 0.4, 0.2. Pairs (right, wrong):
        // (0.8,0.4)=1 (0.8,0.2)=1 (0.4,0.4)=½ (0.4,0.2)=1 (0.4,0.4)=½ (0.4,0.2)=1 → 5/6.
        let a = auc(
            &[0.8, 0.4, 0.4, 0.4, 0.2],
            &[true, true, true, false, false],
        )
        .unwrap();
        assert!(close(a, 5.0 / 6.0), "{a}");
        // The order of the input does not matter.
        let b = auc(
            &[0.4, 0.2, 0.4, 0.8, 0.4],
            &[false, false, true, true, true],
        )
        .unwrap();
        assert!(close(a, b));
    }

    #[test]
    fn predictions_that_are_not_numbers_count_as_one_half() {
        assert!(close(log_loss(&[f64::NAN], &[true]), 2f64.ln()));
        assert_eq!(auc(&[f64::NAN, 0.5], &[true, false]), Some(0.5));
        assert_eq!(calibration(&[f64::NAN], &[true])[5].count, 1);
    }

    #[test]
    fn log_loss_known_values() {
        assert!(close(log_loss(&[0.5, 0.5], &[true, false]), 2f64.ln()));
        // -(ln 0.8 + ln(1 - 0.3)) / 2
        let expected = -(0.8f64.ln() + 0.7f64.ln()) / 2.0;
        assert!(close(log_loss(&[0.8, 0.3], &[true, false]), expected));
        assert!(log_loss(&[1.0], &[true]) < 1e-14);
        // A certain mistake is clamped: -ln(1e-15).
        assert!((log_loss(&[0.0], &[true]) - 34.538_776_394_910_684).abs() < 1e-9);
        assert_eq!(log_loss(&[], &[]), 0.0);
    }

    #[test]
    fn calibration_bins_by_hand() {
        let bins = calibration(
            &[0.05, 0.15, 0.15, 1.0, 0.95],
            &[false, true, false, true, true],
        );
        assert_eq!(bins.len(), CALIBRATION_BINS);
        assert_eq!(bins[0].count, 1);
        assert_eq!(bins[1].count, 2);
        assert_eq!(bins[1].observed, Some(0.5));
        assert!(close(bins[1].mean_predicted.unwrap(), 0.15));
        assert_eq!(bins[9].count, 2);
        assert!(close(bins[9].mean_predicted.unwrap(), 0.975));
        assert_eq!(bins[5].mean_predicted, None);
        // ECE = 1/5·0.05 + 2/5·0.35 + 2/5·0.025
        let s = score(
            &[0.05, 0.15, 0.15, 1.0, 0.95],
            &[false, true, false, true, true],
        );
        assert!(close(s.ece, 0.01 + 0.14 + 0.01), "{}", s.ece);
    }

    #[test]
    fn a_calibrated_predictor_has_a_small_ece() {
        let mut rng = StdRng::seed_from_u64(7);
        let predicted: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>()).collect();
        let outcomes: Vec<bool> = predicted.iter().map(|&p| rng.random_bool(p)).collect();
        let calibrated = score(&predicted, &outcomes);
        assert!(calibrated.ece < 0.02, "{}", calibrated.ece);
        let overconfident: Vec<f64> = predicted
            .iter()
            .map(|&p| if p > 0.5 { 0.99 } else { 0.01 })
            .collect();
        assert!(score(&overconfident, &outcomes).ece > 0.2);
    }

    #[test]
    fn baselines_look_only_at_the_past() {
        let answer = |item, correct| AnswerRecord {
            student: "s".into(),
            skill: 1,
            item,
            predicted: 0.5,
            correct,
        };
        let answers = [
            answer(1, true),
            answer(1, true),
            answer(2, false),
            answer(1, false),
        ];
        let b = running_baselines(&answers, 2.0);
        // Overall: (0+1)/(0+2), (1+1)/(1+2), (2+1)/(2+2), (2+1)/(3+2).
        let overall = [0.5, 2.0 / 3.0, 0.75, 0.6];
        // Item 1: first answer = overall; then (1 + 2·2/3)/(1 + 2); item 2 first = 0.75;
        // item 1 third answer: (2 + 2·0.6)/(2 + 2).
        let item = [0.5, (1.0 + 4.0 / 3.0) / 3.0, 0.75, 3.2 / 4.0];
        for i in 0..4 {
            assert!(close(b[i].1, overall[i]), "overall {i}: {}", b[i].1);
            assert!(close(b[i].0, item[i]), "item {i}: {}", b[i].0);
        }
    }

    #[test]
    fn empty_input_gives_an_empty_report() {
        let report = accuracy_report(&[], &AccuracyOptions::default());
        assert_eq!(report.overall, None);
        assert!(report.skills.is_empty());
    }

    fn skill(p_init: f64, p_learn: f64, p_guess: f64, p_slip: f64) -> Skill {
        Skill {
            id: 1,
            name: "Equivalent fractions".into(),
            p_init,
            p_learn,
            p_guess,
            p_slip,
        }
    }

    /// Students answer `items` in order; `truth(step, p_known, item)` gives P(correct)
    /// and BKT with `params` predicts it.
    fn simulate(
        seed: u64,
        students: usize,
        items: usize,
        params: &Skill,
        truth: impl Fn(usize, bool) -> f64,
    ) -> Vec<AnswerRecord> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut answers = Vec::new();
        for student in 0..students {
            let mut known = rng.random_bool(params.p_init);
            let mut p_known = params.p_init;
            for item in 0..items {
                let correct = rng.random_bool(truth(item, known));
                answers.push(AnswerRecord {
                    student: format!("s{student}"),
                    skill: 1,
                    item: item as i64,
                    predicted: p_correct(p_known, params),
                    correct,
                });
                p_known = update(p_known, correct, params);
                if !known {
                    known = rng.random_bool(params.p_learn);
                }
            }
        }
        answers
    }

    #[test]
    fn bkt_wins_on_data_from_a_bkt_process() {
        let params = skill(0.2, 0.15, 0.2, 0.1);
        let truth = |_: usize, known: bool| if known { 0.9 } else { 0.2 };
        let answers = simulate(11, 150, 12, &params, truth);
        let mut options = AccuracyOptions::default();
        options.skill_names.insert(1, "Equivalent fractions".into());
        let report = accuracy_report(&answers, &options);
        let skill = &report.skills[0];
        assert_eq!(skill.n, 1_800);
        assert!(skill.bkt.log_loss < skill.item_mean.log_loss);
        assert!(skill.bkt.log_loss < skill.overall_mean.log_loss);
        assert!(skill.bkt.auc.unwrap() > skill.item_mean.auc.unwrap());
        assert!(!skill.bkt_worse_than_item_baseline);
        assert_eq!(skill.warning, None);
        assert!(skill.bkt.ece < 0.05, "{}", skill.bkt.ece);
    }

    #[test]
    fn item_difficulty_bkt_ignores_makes_the_item_baseline_win() {
        // No learning at all: each item has its own difficulty, from 0.1 to 0.95 right.
        let params = skill(0.2, 0.15, 0.2, 0.1);
        let difficulty = |item: usize, _: bool| 0.1 + 0.85 * ((item * 7) % 12) as f64 / 11.0;
        let answers = simulate(5, 150, 12, &params, difficulty);
        let mut options = AccuracyOptions::default();
        options.skill_names.insert(1, "Equivalent fractions".into());
        let report = accuracy_report(&answers, &options);
        let skill = &report.skills[0];
        assert!(skill.item_mean.log_loss < skill.bkt.log_loss);
        assert!(skill.bkt_worse_than_item_baseline);
        let warning = skill.warning.as_deref().unwrap();
        assert!(
            warning.contains("\u{201c}Equivalent fractions\u{201d}"),
            "{warning}"
        );
        assert!(warning.contains("over 1800 answers"), "{warning}");
        let overall = report.overall.unwrap();
        assert!(overall.bkt_worse_than_item_baseline);
        assert!(
            overall
                .warning
                .unwrap()
                .starts_with("Mastery estimates for this course ")
        );
        // The same data below the minimum never raises the flag.
        let few = accuracy_report(&answers[..150], &options);
        assert!(!few.skills[0].bkt_worse_than_item_baseline);
        assert_eq!(few.skills[0].warning, None);
    }

    #[test]
    fn skills_are_reported_separately_and_sorted() {
        let answer = |skill, correct| AnswerRecord {
            student: "s".into(),
            skill,
            item: skill * 10,
            predicted: 0.7,
            correct,
        };
        let report = accuracy_report(
            &[answer(3, true), answer(1, false), answer(3, false)],
            &AccuracyOptions::default(),
        );
        let skills: Vec<_> = report.skills.iter().map(|s| (s.skill, s.n)).collect();
        assert_eq!(skills, vec![(Some(1), 1), (Some(3), 2)]);
        assert_eq!(report.overall.as_ref().unwrap().n, 3);
        assert_eq!(report.skills[0].bkt.auc, None);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["skills"][1]["skill"], 3);
    }
}

//! The A/B report: each strategy of an experiment against its control, at the level of
//! students.
//!
//! # Why students, not attempts
//! Students are what the experiment randomizes ([`assign_strategy`]), and one student's
//! attempts are correlated (a strong student passes most of hers). Treating attempts as
//! independent (a Wilson interval over all attempts) would count a student with 40
//! attempts as 40 pieces of evidence and give intervals far too narrow, so differences
//! would look significant when they are not. Every metric here is therefore first
//! reduced to **one number per student**, and the strategy's value is the mean over its
//! students, each weighing the same:
//!
//! - **pass rate**: the student's share of passed attempts;
//! - **mastery gained per attempt**: the mean over the student's attempts of
//!   `Σ over skills (p_known after − p_known before)`;
//! - **days to mastery**: the mean of the student's days-to-mastery samples (one per
//!   skill mastered). Skills not mastered (yet) are *censored*: they have no duration and
//!   are left out of this mean; students with none mastered are left out of it too. They
//!   are reported as [`StrategySummary::skills_not_mastered`], and a strategy that
//!   masters fewer skills but faster looks better on this metric alone, so read the two
//!   together.
//!
//! The 95% interval of a strategy's value is the Student-t interval over its students
//! (`mean ± t(0.975, n−1) · sd / √n`, clamped to 0..1 for pass rates), and the
//! difference to the control uses Welch's unequal-variance interval. Both rest on the
//! central limit theorem over students, which is sound at the sample sizes an experiment
//! needs anyway; below [`AbOptions::min_students`] students per side (10 by default) the
//! verdict is [`Verdict::NotEnoughData`]. No random resampling is involved, so the same
//! records always give the same report.
//!
//! The verdicts of the three metrics are separate tests at the 5% level each, with no
//! correction for testing several metrics or strategies: with three strategies against
//! one control, expect about one metric in seven to differ by chance.
//!
//! [`assign_strategy`]: crate::learning::assign_strategy

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stats::{self, Estimate, Interval};
use crate::learning::experiment::DEFAULT_STRATEGY;

/// One graded attempt of a student in an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbAttempt {
    pub passed: bool,
    /// Σ over the attempt's skills of (p_known after − p_known before).
    pub mastery_gained: f64,
    pub submitted_at: DateTime<Utc>,
}

/// A student in an experiment, with the strategy they were assigned and their records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbStudent {
    pub student: String,
    pub experiment: String,
    pub strategy: String,
    #[serde(default)]
    pub attempts: Vec<AbAttempt>,
    /// Days from the first attempt on a skill to its mastery, one per mastered skill.
    #[serde(default)]
    pub time_to_mastery_days: Vec<f64>,
    /// Skills the student has started but not mastered.
    #[serde(default)]
    pub skills_not_mastered: u32,
}

/// Knobs of the report; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbOptions {
    /// The control strategy per experiment. An experiment not listed uses
    /// [`DEFAULT_STRATEGY`] when one of its students has it, else its first strategy by
    /// name.
    #[serde(default)]
    pub controls: BTreeMap<String, String>,
    /// Students with data needed on each side for a verdict (default 10, at least 2).
    pub min_students: usize,
}

impl Default for AbOptions {
    fn default() -> Self {
        Self {
            controls: BTreeMap::new(),
            min_students: 10,
        }
    }
}

/// The report, one entry per experiment, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbReport {
    pub experiments: Vec<ExperimentReport>,
}

/// One experiment: every strategy summarized, every non-control strategy compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentReport {
    pub experiment: String,
    pub control: String,
    /// By strategy name.
    pub strategies: Vec<StrategySummary>,
    /// One per strategy other than the control, by strategy name.
    pub comparisons: Vec<Comparison>,
    /// The first and last attempt seen; `None` without attempts.
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// One strategy's students, summarized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySummary {
    pub strategy: String,
    /// Students assigned.
    pub students: usize,
    /// Of which with at least one attempt.
    pub students_with_attempts: usize,
    pub attempts: usize,
    /// Passed attempts over all attempts, for reference only: it weighs students by
    /// their number of attempts and has no interval (see the module documentation).
    pub attempt_pass_rate: Option<f64>,
    /// The mean of per-student pass rates, with its interval.
    pub pass_rate: Option<Estimate>,
    pub mastery_gained_per_attempt: Option<Estimate>,
    /// The mean of per-student mean days to mastery (mastered skills only).
    pub days_to_mastery: Option<Estimate>,
    /// The median over all mastered skills' durations, for reference.
    pub median_days_to_mastery: Option<f64>,
    pub skills_mastered: usize,
    pub skills_not_mastered: u64,
}

/// A strategy against the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub strategy: String,
    pub control: String,
    /// Pass rate, mastery gained per attempt, days to mastery, in that order.
    pub metrics: Vec<MetricComparison>,
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Higher is better; differences in percentage points.
    PassRate,
    /// Higher is better.
    MasteryGainedPerAttempt,
    /// Lower is better.
    DaysToMastery,
}

impl Metric {
    const ALL: [Metric; 3] = [
        Metric::PassRate,
        Metric::MasteryGainedPerAttempt,
        Metric::DaysToMastery,
    ];

    fn higher_is_better(self) -> bool {
        !matches!(self, Metric::DaysToMastery)
    }

    fn label(self) -> &'static str {
        match self {
            Metric::PassRate => "pass rate",
            Metric::MasteryGainedPerAttempt => "mastery gained per attempt",
            Metric::DaysToMastery => "days to mastery",
        }
    }

    /// How a difference reads: pass rates in percentage points.
    fn amount(self, value: f64) -> String {
        match self {
            Metric::PassRate => format!("{:+.1} points", value * 100.0),
            Metric::MasteryGainedPerAttempt => format!("{value:+.3}"),
            Metric::DaysToMastery => format!("{value:+.1} days"),
        }
    }

    fn bound(self, value: f64) -> String {
        match self {
            Metric::PassRate => format!("{:+.1}", value * 100.0),
            Metric::MasteryGainedPerAttempt => format!("{value:+.3}"),
            Metric::DaysToMastery => format!("{value:+.1}"),
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::PassRate => " points",
            Metric::MasteryGainedPerAttempt => "",
            Metric::DaysToMastery => " days",
        }
    }
}

/// The outcome of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole 95% interval of the difference is on the good side of zero.
    Better,
    /// The whole 95% interval is on the bad side of zero.
    Worse,
    /// The 95% interval includes zero.
    NoSignificantDifference,
    /// Fewer than [`AbOptions::min_students`] students with data on a side.
    NotEnoughData,
}

/// One metric of a strategy against the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: Metric,
    /// Students with data for this metric.
    pub control_students: usize,
    pub strategy_students: usize,
    pub control_value: Option<f64>,
    pub strategy_value: Option<f64>,
    /// Strategy minus control; `None` with [`Verdict::NotEnoughData`].
    pub difference: Option<f64>,
    pub ci95: Option<Interval>,
    pub verdict: Verdict,
    /// The verdict in plain words.
    pub text: String,
}

impl AbReport {
    /// The report as text, for a terminal (`pathwise report ab`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.experiments.is_empty() {
            out.push_str("No student is in an experiment yet.\n");
        }
        let estimate = |e: &Option<Estimate>, scale: f64, unit: &str| match e {
            Some(e) => match &e.ci95 {
                Some(ci) => format!(
                    "{:.2}{unit} (95% CI {:.2} to {:.2}, n={})",
                    e.value * scale,
                    ci.low * scale,
                    ci.high * scale,
                    e.n
                ),
                None => format!("{:.2}{unit} (n={})", e.value * scale, e.n),
            },
            None => "-".to_owned(),
        };
        for experiment in &self.experiments {
            out.push_str(&format!(
                "experiment {} (control: {})\n",
                experiment.experiment, experiment.control
            ));
            for s in &experiment.strategies {
                out.push_str(&format!(
                    "  {}: {} students ({} with attempts), {} attempts\n    pass rate {}\n    mastery gained per attempt {}\n    days to mastery {}; {} skills mastered, {} not yet\n",
                    s.strategy,
                    s.students,
                    s.students_with_attempts,
                    s.attempts,
                    estimate(&s.pass_rate, 100.0, "%"),
                    estimate(&s.mastery_gained_per_attempt, 1.0, ""),
                    estimate(&s.days_to_mastery, 1.0, " days"),
                    s.skills_mastered,
                    s.skills_not_mastered,
                ));
            }
            for c in &experiment.comparisons {
                for m in &c.metrics {
                    out.push_str(&format!("  {} vs {}: {}\n", c.strategy, c.control, m.text));
                }
            }
        }
        out
    }
}

/// Builds the report for every experiment in `students`.
pub fn ab_report(students: &[AbStudent], options: &AbOptions) -> AbReport {
    let mut experiments: BTreeMap<&str, BTreeMap<&str, Vec<&AbStudent>>> = BTreeMap::new();
    for student in students {
        experiments
            .entry(student.experiment.as_str())
            .or_default()
            .entry(student.strategy.as_str())
            .or_default()
            .push(student);
    }
    AbReport {
        experiments: experiments
            .into_iter()
            .map(|(name, strategies)| experiment_report(name, &strategies, options))
            .collect(),
    }
}

/// The per-student values of one strategy, one vector per [`Metric`].
struct Samples {
    pass_rates: Vec<f64>,
    gains: Vec<f64>,
    days: Vec<f64>,
}

impl Samples {
    fn of(students: &[&AbStudent]) -> Self {
        let mut samples = Samples {
            pass_rates: Vec::new(),
            gains: Vec::new(),
            days: Vec::new(),
        };
        for student in students {
            let attempts = &student.attempts;
            if !attempts.is_empty() {
                let n = attempts.len() as f64;
                let passed = attempts.iter().filter(|a| a.passed).count() as f64;
                samples.pass_rates.push(passed / n);
                let gained: f64 = attempts.iter().map(|a| a.mastery_gained).sum();
                samples.gains.push(gained / n);
            }
            if let Some(days) = stats::mean(&student.time_to_mastery_days) {
                samples.days.push(days);
            }
        }
        samples
    }

    fn metric(&self, metric: Metric) -> &[f64] {
        match metric {
            Metric::PassRate => &self.pass_rates,
            Metric::MasteryGainedPerAttempt => &self.gains,
            Metric::DaysToMastery => &self.days,
        }
    }
}

fn experiment_report(
    name: &str,
    strategies: &BTreeMap<&str, Vec<&AbStudent>>,
    options: &AbOptions,
) -> ExperimentReport {
    let control = options
        .controls
        .get(name)
        .map(String::as_str)
        .or_else(|| {
            strategies
                .contains_key(DEFAULT_STRATEGY)
                .then_some(DEFAULT_STRATEGY)
        })
        .or_else(|| strategies.keys().next().copied())
        .unwrap_or_default()
        .to_owned();
    let samples: BTreeMap<&str, Samples> = strategies
        .iter()
        .map(|(strategy, students)| (*strategy, Samples::of(students)))
        .collect();
    let empty = Samples {
        pass_rates: Vec::new(),
        gains: Vec::new(),
        days: Vec::new(),
    };
    let control_samples = samples.get(control.as_str()).unwrap_or(&empty);
    let comparisons = samples
        .iter()
        .filter(|(strategy, _)| **strategy != control)
        .map(|(strategy, treated)| Comparison {
            strategy: (*strategy).to_owned(),
            control: control.clone(),
            metrics: Metric::ALL
                .iter()
                .map(|&metric| {
                    compare(
                        metric,
                        control_samples.metric(metric),
                        treated.metric(metric),
                        strategy,
                        &control,
                        options.min_students.max(2),
                    )
                })
                .collect(),
        })
        .collect();
    let times = strategies
        .values()
        .flatten()
        .flat_map(|s| s.attempts.iter().map(|a| a.submitted_at));
    ExperimentReport {
        experiment: name.to_owned(),
        control,
        strategies: strategies
            .iter()
            .map(|(strategy, students)| summarize(strategy, students, &samples[strategy]))
            .collect(),
        comparisons,
        first_attempt_at: times.clone().min(),
        last_attempt_at: times.max(),
    }
}

fn summarize(strategy: &str, students: &[&AbStudent], samples: &Samples) -> StrategySummary {
    let attempts: usize = students.iter().map(|s| s.attempts.len()).sum();
    let passed = students
        .iter()
        .flat_map(|s| &s.attempts)
        .filter(|a| a.passed)
        .count();
    let all_days: Vec<f64> = students
        .iter()
        .flat_map(|s| s.time_to_mastery_days.iter().copied())
        .collect();
    StrategySummary {
        strategy: strategy.to_owned(),
        students: students.len(),
        students_with_attempts: samples.pass_rates.len(),
        attempts,
        attempt_pass_rate: (attempts > 0).then(|| passed as f64 / attempts as f64),
        pass_rate: stats::mean_with_ci(&samples.pass_rates, Some((0.0, 1.0))),
        mastery_gained_per_attempt: stats::mean_with_ci(&samples.gains, None),
        days_to_mastery: stats::mean_with_ci(&samples.days, Some((0.0, f64::INFINITY))),
        median_days_to_mastery: stats::median(&all_days),
        skills_mastered: all_days.len(),
        skills_not_mastered: students
            .iter()
            .map(|s| u64::from(s.skills_not_mastered))
            .sum(),
    }
}

fn compare(
    metric: Metric,
    control: &[f64],
    treated: &[f64],
    strategy: &str,
    control_name: &str,
    min_students: usize,
) -> MetricComparison {
    let base = MetricComparison {
        metric,
        control_students: control.len(),
        strategy_students: treated.len(),
        control_value: stats::mean(control),
        strategy_value: stats::mean(treated),
        difference: None,
        ci95: None,
        verdict: Verdict::NotEnoughData,
        text: String::new(),
    };
    let difference = (control.len() >= min_students && treated.len() >= min_students)
        .then(|| stats::welch_difference(control, treated))
        .flatten();
    let Some(difference) = difference else {
        let text = format!(
            "not enough data: {} students with data under {strategy} and {} under \
             {control_name}, at least {min_students} needed in each",
            treated.len(),
            control.len()
        );
        return MetricComparison { text, ..base };
    };
    let ci = difference.ci95;
    let interval = format!(
        "{} to {}{}",
        metric.bound(ci.low),
        metric.bound(ci.high),
        metric.unit()
    );
    let (verdict, text) = if ci.contains(0.0) {
        (
            Verdict::NoSignificantDifference,
            format!(
                "no significant difference: the 95% interval of the difference in {}, \
                 {interval}, includes zero",
                metric.label()
            ),
        )
    } else {
        let good = (ci.low > 0.0) == metric.higher_is_better();
        let verdict = if good {
            Verdict::Better
        } else {
            Verdict::Worse
        };
        let word = if good { "better" } else { "worse" };
        (
            verdict,
            format!(
                "{word}: {} is {} under {strategy} than under {control_name} (95% interval \
                 {interval})",
                metric.label(),
                metric.amount(difference.value),
            ),
        )
    };
    MetricComparison {
        difference: Some(difference.value),
        ci95: Some(ci),
        verdict,
        text,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap()
    }

    fn attempt(passed: bool, gained: f64, day: u32) -> AbAttempt {
        AbAttempt {
            passed,
            mastery_gained: gained,
            submitted_at: at(day),
        }
    }

    fn student(id: &str, strategy: &str, attempts: Vec<AbAttempt>) -> AbStudent {
        AbStudent {
            student: id.into(),
            experiment: "spring".into(),
            strategy: strategy.into(),
            attempts,
            time_to_mastery_days: Vec::new(),
            skills_not_mastered: 0,
        }
    }

    /// Students with their own ability (a beta-ish spread around `pass`), 3 to 8
    /// attempts each, so attempts cluster within students.
    fn simulate(rng: &mut StdRng, strategy: &str, n: usize, pass: f64) -> Vec<AbStudent> {
        (0..n)
            .map(|i| {
                let ability = (pass + rng.random_range(-0.2..0.2)).clamp(0.0, 1.0);
                let attempts = (0..rng.random_range(3..=8))
                    .map(|_| {
                        let passed = rng.random_bool(ability);
                        let gained = if passed { 0.3 } else { 0.05 } + rng.random_range(0.0..0.1);
                        attempt(passed, gained, 1 + rng.random_range(0..20))
                    })
                    .collect();
                AbStudent {
                    time_to_mastery_days: vec![rng.random_range(1.0..10.0) / ability.max(0.1)],
                    skills_not_mastered: rng.random_range(0..3),
                    ..student(&format!("{strategy}-{i}"), strategy, attempts)
                }
            })
            .collect()
    }

    fn metric(report: &AbReport, m: Metric) -> &MetricComparison {
        report.experiments[0].comparisons[0]
            .metrics
            .iter()
            .find(|c| c.metric == m)
            .unwrap()
    }

    #[test]
    fn a_real_difference_is_found() {
        let mut rng = StdRng::seed_from_u64(42);
        let mut students = simulate(&mut rng, "threshold-rules", 200, 0.55);
        students.extend(simulate(&mut rng, "mastery-first", 200, 0.75));
        let report = ab_report(&students, &AbOptions::default());
        let experiment = &report.experiments[0];
        assert_eq!(experiment.control, "threshold-rules");
        let pass = metric(&report, Metric::PassRate);
        assert_eq!(pass.verdict, Verdict::Better, "{}", pass.text);
        let ci = pass.ci95.unwrap();
        assert!(ci.contains(0.20), "{ci:?}");
        assert!(
            pass.text.starts_with("better: pass rate is +"),
            "{}",
            pass.text
        );
        assert!(pass.text.contains("points"), "{}", pass.text);
        assert_eq!(
            metric(&report, Metric::MasteryGainedPerAttempt).verdict,
            Verdict::Better
        );
        // Faster mastery is better: fewer days.
        let days = metric(&report, Metric::DaysToMastery);
        assert_eq!(days.verdict, Verdict::Better, "{}", days.text);
        assert!(days.difference.unwrap() < 0.0);
        // The reverse comparison is worse.
        let options = AbOptions {
            controls: [("spring".to_owned(), "mastery-first".to_owned())].into(),
            ..AbOptions::default()
        };
        let reverse = ab_report(&students, &options);
        assert_eq!(metric(&reverse, Metric::PassRate).verdict, Verdict::Worse);
        assert!(
            metric(&reverse, Metric::PassRate)
                .text
                .starts_with("worse: pass rate is -")
        );
    }

    #[test]
    fn identical_strategies_rarely_differ() {
        let runs = 200;
        let mut false_positives = [0usize; 3];
        for seed in 0..runs {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut students = simulate(&mut rng, "a", 60, 0.6);
            students.extend(simulate(&mut rng, "b", 60, 0.6));
            let report = ab_report(&students, &AbOptions::default());
            for (i, m) in Metric::ALL.iter().enumerate() {
                let c = metric(&report, *m);
                assert_ne!(c.verdict, Verdict::NotEnoughData);
                if c.verdict != Verdict::NoSignificantDifference {
                    false_positives[i] += 1;
                }
            }
        }
        for (i, count) in false_positives.iter().enumerate() {
            // 5% expected; 10% is far beyond chance over 200 runs.
            assert!(*count < runs as usize / 10, "metric {i}: {count} of {runs}");
        }
    }

    #[test]
    fn clustered_attempts_do_not_fake_significance() {
        // Half the students always pass, half never do, with many attempts each: an
        // attempt-level test would see thousands of attempts; the student-level one sees
        // 12 students per side, and the split of 7/5 against 5/7 is not significant.
        let cluster = |strategy: &str, passers: usize| -> Vec<AbStudent> {
            (0..12)
                .map(|i| {
                    let passed = i < passers;
                    let attempts = (0..200).map(|_| attempt(passed, 0.1, 2)).collect();
                    student(&format!("{strategy}{i}"), strategy, attempts)
                })
                .collect()
        };
        let mut students = cluster("threshold-rules", 5);
        students.extend(cluster("mastery-first", 7));
        let report = ab_report(&students, &AbOptions::default());
        let pass = metric(&report, Metric::PassRate);
        assert_eq!(
            pass.verdict,
            Verdict::NoSignificantDifference,
            "{}",
            pass.text
        );
        assert!(
            pass.text.starts_with(
                "no significant difference: the 95% interval of the difference in pass rate, "
            ),
            "{}",
            pass.text
        );
        assert!(
            pass.text.ends_with(" points, includes zero"),
            "{}",
            pass.text
        );
        let summary = &report.experiments[0].strategies[0];
        assert_eq!(summary.strategy, "mastery-first");
        assert_eq!(summary.attempts, 2_400);
        assert!((summary.attempt_pass_rate.unwrap() - 7.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn tiny_samples_are_not_enough_data() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut students = simulate(&mut rng, "threshold-rules", 4, 0.2);
        students.extend(simulate(&mut rng, "mastery-first", 30, 0.9));
        let report = ab_report(&students, &AbOptions::default());
        for m in Metric::ALL {
            let c = metric(&report, m);
            assert_eq!(c.verdict, Verdict::NotEnoughData);
            assert_eq!(c.difference, None);
            assert_eq!(
                c.text,
                "not enough data: 30 students with data under mastery-first and 4 under \
                 threshold-rules, at least 10 needed in each"
            );
        }
    }

    #[test]
    fn summaries_by_hand() {
        // s1: 1 of 2 passed, gains 0.2 and 0.4; s2: 2 of 2, gains 0.1, 0.1; s3: no attempt.
        let mut s1 = student(
            "s1",
            "x",
            vec![attempt(true, 0.2, 3), attempt(false, 0.4, 1)],
        );
        s1.time_to_mastery_days = vec![2.0, 4.0];
        s1.skills_not_mastered = 1;
        let mut s2 = student(
            "s2",
            "x",
            vec![attempt(true, 0.1, 5), attempt(true, 0.1, 2)],
        );
        s2.time_to_mastery_days = vec![9.0];
        let s3 = student("s3", "x", vec![]);
        let report = ab_report(&[s1, s2, s3], &AbOptions::default());
        let experiment = &report.experiments[0];
        assert_eq!(experiment.control, "x");
        assert!(experiment.comparisons.is_empty());
        assert_eq!(experiment.first_attempt_at, Some(at(1)));
        assert_eq!(experiment.last_attempt_at, Some(at(5)));
        let s = &experiment.strategies[0];
        assert_eq!(
            (s.students, s.students_with_attempts, s.attempts),
            (3, 2, 4)
        );
        assert_eq!(s.attempt_pass_rate, Some(0.75));
        let pass = s.pass_rate.unwrap();
        assert_eq!((pass.value, pass.n), (0.75, 2));
        // Per student 0.5 and 1.0: sd √0.125, half-width 12.706205 · 0.25, clamped.
        assert_eq!(pass.ci95.unwrap().high, 1.0);
        assert!((s.mastery_gained_per_attempt.unwrap().value - 0.2).abs() < 1e-12);
        // Per-student means 3 and 9; the median is over all samples 2, 4, 9.
        assert_eq!(s.days_to_mastery.unwrap().value, 6.0);
        assert_eq!(s.median_days_to_mastery, Some(4.0));
        assert_eq!((s.skills_mastered, s.skills_not_mastered), (3, 1));
    }

    #[test]
    fn control_defaults_and_ordering() {
        let s = |id: &str, strategy: &str, experiment: &str| AbStudent {
            experiment: experiment.into(),
            ..student(id, strategy, vec![attempt(true, 0.1, 1)])
        };
        let students = [
            s("1", "zeta", "b"),
            s("2", "alpha", "b"),
            s("3", "mastery-first", "a"),
            s("4", "threshold-rules", "a"),
        ];
        let report = ab_report(&students, &AbOptions::default());
        let names: Vec<_> = report
            .experiments
            .iter()
            .map(|e| (e.experiment.as_str(), e.control.as_str()))
            .collect();
        assert_eq!(names, [("a", "threshold-rules"), ("b", "alpha")]);
        assert_eq!(report.experiments[1].comparisons[0].strategy, "zeta");
        assert_eq!(ab_report(&[], &AbOptions::default()).experiments, vec![]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["experiments"][0]["comparisons"][0]["metrics"][0]["verdict"],
            "not_enough_data"
        );
    }
}

//! Grading: each answer against its question's key, with feedback a student can read;
//! attempt totals and score; speed from the attempt's timing.
//!
//! An empty, missing or ill-typed answer is wrong (with feedback saying so), never an
//! error: only a broken answer key is an error ([`KeyError`]), because then no answer
//! could be graded fairly.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::answer_key::{
    AnswerKey, CheckedKey, KeyError, Scoring, ToleranceKind, id_string, json_type, normalize_text,
};
use super::content::{Lesson, Question};
use super::rational::{Notation, Rational, parse_written};

/// A duration longer than this is not a real working time (a tab left open overnight).
pub const ABSURD_SECONDS: f64 = 24.0 * 3600.0;
/// Faster than this per question is not a real working time either (a script, a clock
/// error).
pub const MIN_SECONDS_PER_QUESTION: f64 = 1.0;
/// Expected time per question when the lesson has no estimate.
pub const DEFAULT_SECONDS_PER_QUESTION: f64 = 60.0;
/// Below this share of the expected time an attempt is fast.
pub const FAST_RATIO: f64 = 0.5;
/// Above this share of the expected time an attempt is slow.
pub const SLOW_RATIO: f64 = 1.5;

/// Slack for floating-point noise in numeric comparisons (relative to the key's value),
/// so that 0.76 is within 0.01 of 0.75 although 0.76 - 0.75 is 0.010000000000000009.
const NUMERIC_SLACK: f64 = 1e-12;

/// The grade of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question: i64,
    /// Full credit.
    pub correct: bool,
    /// Whether an answer (non-empty) was given at all.
    pub answered: bool,
    /// Share of the points earned, 0..=1 (partial credit for multiple choice and ordering).
    pub credit: f64,
    pub points_earned: f64,
    pub points_possible: f64,
    /// The expected answer, in the shape of an answer; `None` when the key says
    /// `"reveal": false`.
    pub expected: Option<Value>,
    /// The question's explanation, shown after grading.
    pub explanation: Option<String>,
    /// One or two sentences for the student.
    pub feedback: String,
}

/// Why an attempt's duration is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedFlag {
    /// Submitted before it was started.
    Negative,
    /// Longer than [`ABSURD_SECONDS`], or under [`MIN_SECONDS_PER_QUESTION`] per question.
    Absurd,
    /// The start or submit time is missing.
    Missing,
}

/// How the working time compares with the lesson's expected time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Under [`FAST_RATIO`] of the expected time.
    Fast,
    Normal,
    /// Over [`SLOW_RATIO`] of the expected time.
    Slow,
}

/// Speed of an attempt. When `flag` is set the duration is reported as measured but not
/// trusted: `ratio` and `pace` are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    pub duration_seconds: Option<f64>,
    pub expected_seconds: Option<f64>,
    /// duration / expected.
    pub ratio: Option<f64>,
    pub pace: Option<Pace>,
    pub flag: Option<SpeedFlag>,
}

/// When an attempt was started and submitted, and how long it should take.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timing {
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// See [`expected_seconds`].
    pub expected_seconds: Option<f64>,
}

/// A graded attempt: per-question results and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedAttempt {
    /// One per question of the lesson, in lesson order.
    pub results: Vec<QuestionResult>,
    pub points_earned: f64,
    pub points_possible: f64,
    /// points_earned / points_possible, in 0..=1; 0 when `empty`.
    pub score: f64,
    /// Nothing to score: the lesson has no questions, or none worth points. `score` is 0
    /// then, and must not be read as a failure.
    pub empty: bool,
    /// The answers were not a JSON object (every question counts as unanswered).
    pub answers_malformed: bool,
    /// Keys of the answers object that are not questions of this lesson, as sent.
    pub unknown_questions: Vec<String>,
    pub speed: Speed,
}

impl GradedAttempt {
    /// The ids of the questions answered with full credit, in lesson order: stored with the
    /// attempt so that later gradings need not read its whole results.
    pub fn correct_questions(&self) -> Vec<i64> {
        self.results
            .iter()
            .filter(|result| result.correct)
            .map(|result| result.question)
            .collect()
    }
}

/// Grades an attempt: `answers` maps question ids (strings) to answers, e.g.
/// `{"12": "3/4", "13": ["a", "c"]}`.
///
/// Fails only when a question's key is broken (the error names the question).
pub fn grade_attempt(
    questions: &[&Question],
    answers: &Value,
    timing: &Timing,
) -> Result<GradedAttempt, KeyError> {
    let empty_map = Map::new();
    let (answer_map, answers_malformed) = match answers {
        Value::Object(map) => (map, false),
        Value::Null => (&empty_map, false),
        _ => (&empty_map, true),
    };
    let mut results = Vec::with_capacity(questions.len());
    for question in questions {
        let key = CheckedKey::parse(question)?;
        let answer = answer_map.get(&question.id.to_string());
        results.push(grade_question(question, &key, answer));
    }
    let ids: HashSet<i64> = questions.iter().map(|question| question.id).collect();
    let unknown_questions = answer_map
        .keys()
        .filter(|key| {
            key.trim()
                .parse::<i64>()
                .map_or(true, |id| !ids.contains(&id))
        })
        .cloned()
        .collect();
    let points_earned: f64 = results.iter().map(|result| result.points_earned).sum();
    let points_possible: f64 = results.iter().map(|result| result.points_possible).sum();
    let empty = points_possible <= 0.0;
    let score = if empty {
        0.0
    } else {
        (points_earned / points_possible).clamp(0.0, 1.0)
    };
    Ok(GradedAttempt {
        results,
        points_earned,
        points_possible,
        score,
        empty,
        answers_malformed,
        unknown_questions,
        speed: measure_speed(timing, questions.len()),
    })
}

/// Grades one answer (`None` when the question was not answered).
pub fn grade_question(
    question: &Question,
    key: &CheckedKey,
    answer: Option<&Value>,
) -> QuestionResult {
    let verdict = judge(key, answer);
    let credit = verdict.credit();
    QuestionResult {
        question: question.id,
        correct: credit >= 1.0,
        answered: !matches!(verdict, Verdict::Unanswered),
        credit,
        points_earned: question.points * credit,
        points_possible: question.points,
        expected: key.reveal.then(|| key.expected()),
        explanation: question.explanation.clone(),
        feedback: feedback(&verdict, key),
    }
}

/// The expected working time of a lesson: its estimate, or
/// [`DEFAULT_SECONDS_PER_QUESTION`] per question without one; `None` when neither exists.
pub fn expected_seconds(lesson: Option<&Lesson>, question_count: usize) -> Option<f64> {
    let estimate = lesson
        .and_then(|lesson| lesson.estimated_minutes)
        .filter(|m| m.is_finite() && *m > 0.0);
    match estimate {
        Some(minutes) => Some(minutes * 60.0),
        None if question_count > 0 => Some(question_count as f64 * DEFAULT_SECONDS_PER_QUESTION),
        None => None,
    }
}

/// Duration, ratio to the expected time, pace, and whether the timing can be trusted.
pub fn measure_speed(timing: &Timing, question_count: usize) -> Speed {
    let expected_seconds = timing.expected_seconds;
    let (Some(started), Some(submitted)) = (timing.started_at, timing.submitted_at) else {
        return Speed {
            duration_seconds: None,
            expected_seconds,
            ratio: None,
            pace: None,
            flag: Some(SpeedFlag::Missing),
        };
    };
    let duration = (submitted - started).num_milliseconds() as f64 / 1000.0;
    let flag = if duration < 0.0 {
        Some(SpeedFlag::Negative)
    } else if duration > ABSURD_SECONDS
        || duration < question_count as f64 * MIN_SECONDS_PER_QUESTION
    {
        Some(SpeedFlag::Absurd)
    } else {
        None
    };
    let ratio = match (flag, expected_seconds) {
        (None, Some(expected)) if expected > 0.0 => Some(duration / expected),
        _ => None,
    };
    let pace = ratio.map(|ratio| {
        if ratio < FAST_RATIO {
            Pace::Fast
        } else if ratio > SLOW_RATIO {
            Pace::Slow
        } else {
            Pace::Normal
        }
    });
    Speed {
        duration_seconds: Some(duration),
        expected_seconds,
        ratio,
        pace,
        flag,
    }
}

/// The outcome of comparing one answer with its key, before it becomes feedback.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Correct,
    /// Some credit, less than full; `detail` says what was right.
    Partial {
        credit: f64,
        detail: String,
    },
    /// No credit; `reason` (optional) says why beyond "not the answer".
    Wrong {
        reason: Option<String>,
    },
    Unanswered,
    /// The answer has the wrong JSON type for this question.
    IllTyped {
        expects: &'static str,
        found: &'static str,
    },
}

impl Verdict {
    fn credit(&self) -> f64 {
        match self {
            Verdict::Correct => 1.0,
            Verdict::Partial { credit, .. } => *credit,
            _ => 0.0,
        }
    }
}

fn judge(key: &CheckedKey, answer: Option<&Value>) -> Verdict {
    let Some(answer) = answer.filter(|answer| !is_blank(answer)) else {
        return Verdict::Unanswered;
    };
    match &key.key {
        AnswerKey::SingleChoice { correct } => judge_single_choice(key, correct, answer),
        AnswerKey::MultipleChoice { correct, scoring } => {
            judge_multiple_choice(key, correct, *scoring, answer)
        }
        AnswerKey::TrueFalse { correct } => judge_true_false(*correct, answer),
        AnswerKey::Numeric {
            value,
            tolerance,
            tolerance_kind,
        } => judge_numeric(*value, *tolerance, *tolerance_kind, answer),
        AnswerKey::Fraction {
            value,
            require_lowest_terms,
        } => judge_fraction(*value, *require_lowest_terms, answer),
        AnswerKey::ShortText {
            normalized,
            case_sensitive,
            ..
        } => judge_short_text(normalized, *case_sensitive, answer),
        AnswerKey::Ordering { order, scoring } => judge_ordering(order, *scoring, answer),
    }
}

fn is_blank(answer: &Value) -> bool {
    match answer {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn judge_single_choice(key: &CheckedKey, correct: &str, answer: &Value) -> Verdict {
    let Some(picked) = id_string(answer) else {
        return Verdict::IllTyped {
            expects: "one choice",
            found: json_type(answer),
        };
    };
    if picked == correct {
        Verdict::Correct
    } else if key.choices.iter().any(|choice| choice.id == picked) {
        Verdict::Wrong { reason: None }
    } else {
        Verdict::Wrong {
            reason: Some(format!("\"{picked}\" is not one of the choices.")),
        }
    }
}

fn judge_multiple_choice(
    key: &CheckedKey,
    correct: &[String],
    scoring: Scoring,
    answer: &Value,
) -> Verdict {
    let Some(picks) = id_list(answer) else {
        return Verdict::IllTyped {
            expects: "a list of choices",
            found: json_type(answer),
        };
    };
    let picks: HashSet<&str> = picks.iter().map(String::as_str).collect();
    let right = correct
        .iter()
        .filter(|id| picks.contains(id.as_str()))
        .count();
    let wrong = picks.len() - right;
    if right == correct.len() && wrong == 0 {
        return Verdict::Correct;
    }
    let detail = format!(
        "you picked {right} of the {} correct choices and {wrong} wrong {}",
        correct.len(),
        if wrong == 1 { "one" } else { "ones" }
    );
    let credit = match scoring {
        Scoring::AllOrNothing => 0.0,
        Scoring::Partial => ((right as f64 - wrong as f64) / correct.len() as f64).max(0.0),
    };
    let unknown = picks
        .iter()
        .filter(|id| !key.choices.iter().any(|choice| choice.id == **id))
        .count();
    if credit > 0.0 {
        Verdict::Partial { credit, detail }
    } else if scoring == Scoring::AllOrNothing {
        Verdict::Wrong {
            reason: Some(format!(
                "{}; this question needs exactly the right choices.",
                capitalize(&detail)
            )),
        }
    } else if unknown > 0 {
        Verdict::Wrong {
            reason: Some(format!(
                "{} (including {unknown} that are not choices).",
                capitalize(&detail)
            )),
        }
    } else {
        Verdict::Wrong {
            reason: Some(format!("{}.", capitalize(&detail))),
        }
    }
}

fn judge_true_false(correct: bool, answer: &Value) -> Verdict {
    let given = match answer {
        Value::Bool(value) => Some(*value),
        Value::String(text) => match text.trim().to_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    };
    match given {
        Some(value) if value == correct => Verdict::Correct,
        Some(_) => Verdict::Wrong { reason: None },
        None => Verdict::IllTyped {
            expects: "true or false",
            found: json_type(answer),
        },
    }
}

fn judge_numeric(value: f64, tolerance: f64, kind: ToleranceKind, answer: &Value) -> Verdict {
    let given = match answer {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => parse_number(text),
        _ => {
            return Verdict::IllTyped {
                expects: "a number",
                found: json_type(answer),
            };
        }
    };
    let Some(given) = given.filter(|given| given.is_finite()) else {
        return Verdict::Wrong {
            reason: Some(format!("{} is not a number.", quoted(answer))),
        };
    };
    let allowed = match kind {
        ToleranceKind::Absolute => tolerance,
        ToleranceKind::Relative => tolerance * value.abs(),
    };
    if (given - value).abs() <= allowed + NUMERIC_SLACK * value.abs().max(1.0) {
        Verdict::Correct
    } else {
        Verdict::Wrong { reason: None }
    }
}

/// A number as a student may type it: "0.75", "3/4", "1 1/2", "7.5e-1".
fn parse_number(text: &str) -> Option<f64> {
    Rational::parse(text)
        .map(Rational::to_f64)
        .or_else(|| text.trim().parse::<f64>().ok())
}

fn judge_fraction(value: Rational, require_lowest_terms: bool, answer: &Value) -> Verdict {
    let written = match answer {
        Value::String(text) => parse_written(text),
        Value::Number(number) => {
            Rational::from_json_number(number).map(|value| super::rational::WrittenNumber {
                value,
                notation: if number.is_f64() {
                    Notation::Decimal
                } else {
                    Notation::Integer
                },
                lowest_terms: !number.is_f64(),
            })
        }
        _ => {
            return Verdict::IllTyped {
                expects: "a fraction such as 3/4",
                found: json_type(answer),
            };
        }
    };
    let Some(written) = written else {
        return Verdict::Wrong {
            reason: Some(format!("{} is not a fraction or a number.", quoted(answer))),
        };
    };
    if written.value != value {
        return Verdict::Wrong { reason: None };
    }
    if !require_lowest_terms {
        return Verdict::Correct;
    }
    match (written.notation, written.lowest_terms) {
        (Notation::Decimal, _) => Verdict::Wrong {
            reason: Some("That is the right amount, but this question wants a fraction in lowest terms, not a decimal.".into()),
        },
        (_, false) => Verdict::Wrong {
            reason: Some(format!("{} is the right amount, but not in lowest terms: simplify it.", quoted(answer))),
        },
        (_, true) => Verdict::Correct,
    }
}

fn judge_short_text(accepted: &[String], case_sensitive: bool, answer: &Value) -> Verdict {
    let text = match answer {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => {
            return Verdict::IllTyped {
                expects: "a short text",
                found: json_type(answer),
            };
        }
    };
    let given = normalize_text(&text, case_sensitive);
    if accepted.contains(&given) {
        return Verdict::Correct;
    }
    let differs_only_in_case = case_sensitive
        && accepted
            .iter()
            .any(|form| form.to_lowercase() == given.to_lowercase());
    let reason = differs_only_in_case
        .then(|| "Check the capital letters: this answer is case-sensitive.".to_owned());
    Verdict::Wrong { reason }
}

fn judge_ordering(order: &[String], scoring: Scoring, answer: &Value) -> Verdict {
    let Some(given) = id_list(answer) else {
        return Verdict::IllTyped {
            expects: "a list of the items in order",
            found: json_type(answer),
        };
    };
    if given == order {
        return Verdict::Correct;
    }
    let in_order = longest_ordered_subsequence(order, &given);
    let detail = format!(
        "{in_order} of the {} items are in the right order relative to each other",
        order.len()
    );
    match scoring {
        Scoring::AllOrNothing => Verdict::Wrong { reason: None },
        Scoring::Partial => {
            let credit = in_order as f64 / order.len().max(given.len()) as f64;
            if credit > 0.0 {
                Verdict::Partial { credit, detail }
            } else {
                Verdict::Wrong { reason: None }
            }
        }
    }
}

/// The length of the longest subsequence of `given` whose items appear in `order` in the
/// same relative order: a longest strictly increasing run of their positions in `order`
/// (items not in `order`, and repeats, never extend it). O(n log n).
pub fn longest_ordered_subsequence(order: &[String], given: &[String]) -> usize {
    let mut tails: Vec<usize> = Vec::new();
    for position in given
        .iter()
        .filter_map(|item| order.iter().position(|o| o == item))
    {
        let at = tails.partition_point(|&tail| tail < position);
        if at == tails.len() {
            tails.push(position);
        } else {
            tails[at] = position;
        }
    }
    tails.len()
}

/// A list of choice ids, or `None` when the answer is not a list of ids.
fn id_list(answer: &Value) -> Option<Vec<String>> {
    answer.as_array()?.iter().map(id_string).collect()
}

fn feedback(verdict: &Verdict, key: &CheckedKey) -> String {
    let reveal = if key.reveal {
        format!(" The correct answer is {}.", expected_text(key))
    } else {
        String::new()
    };
    match verdict {
        Verdict::Correct => "Correct!".to_owned(),
        Verdict::Partial { credit, detail } => {
            format!(
                "Partly right: {detail} ({}% credit).{reveal}",
                (credit * 100.0).round()
            )
        }
        Verdict::Wrong {
            reason: Some(reason),
        } => format!("Not quite. {reason}{reveal}"),
        Verdict::Wrong { reason: None } => format!("Not quite.{reveal}"),
        Verdict::Unanswered => format!("No answer was given.{reveal}"),
        Verdict::IllTyped { expects, found } => {
            format!("This question expects {expects}, and the answer given is {found}.{reveal}")
        }
    }
}

/// The expected answer as a student reads it: choice texts rather than ids.
fn expected_text(key: &CheckedKey) -> String {
    let quote = |id: &str| format!("\"{}\"", key.choice_text(id));
    match &key.key {
        AnswerKey::SingleChoice { correct } => quote(correct),
        AnswerKey::MultipleChoice { correct, .. } => {
            join_and(correct.iter().map(|id| quote(id)).collect())
        }
        AnswerKey::TrueFalse { correct } => correct.to_string(),
        AnswerKey::Numeric {
            value,
            tolerance,
            tolerance_kind,
        } => match (tolerance_kind, *tolerance > 0.0) {
            (_, false) => value.to_string(),
            (ToleranceKind::Absolute, true) => format!("{value} (give or take {tolerance})"),
            (ToleranceKind::Relative, true) => {
                format!("{value} (give or take {}%)", tolerance * 100.0)
            }
        },
        AnswerKey::Fraction { value, .. } => value.to_string(),
        AnswerKey::ShortText { accepted, .. } => {
            format!("\"{}\"", accepted.first().map_or("", String::as_str))
        }
        AnswerKey::Ordering { order, .. } => order
            .iter()
            .map(|id| quote(id))
            .collect::<Vec<_>>()
            .join(", then "),
    }
}

fn join_and(items: Vec<String>) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

fn quoted(answer: &Value) -> String {
    match answer {
        Value::String(text) => format!("\"{}\"", text.trim()),
        other => other.to_string(),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::question;
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    fn abcd() -> Value {
        json!([{"id": "a", "text": "1/2"}, {"id": "b", "text": "2/4"}, {"id": "c", "text": "1/3"}, {"id": "d", "text": "3/6"}])
    }

    /// Grades `answer` for a question of `kind` with `key`.
    fn grade(kind: &str, choices: Value, key: Value, answer: Value) -> QuestionResult {
        let q = question(1, kind, choices, key);
        let checked = CheckedKey::parse(&q).expect("valid key");
        grade_question(&q, &checked, Some(&answer))
    }

    fn credit(kind: &str, choices: Value, key: Value, answer: Value) -> f64 {
        grade(kind, choices, key, answer).credit
    }

    #[test]
    fn single_choice() {
        let key = json!({"correct": "b"});
        let right = grade("single_choice", abcd(), key.clone(), json!("b"));
        assert!(right.correct);
        assert_eq!(right.feedback, "Correct!");
        let wrong = grade("single_choice", abcd(), key.clone(), json!("a"));
        assert!(!wrong.correct);
        assert_eq!(wrong.feedback, "Not quite. The correct answer is \"2/4\".");
        assert_eq!(wrong.expected, Some(json!("b")));
        let unknown = grade("single_choice", abcd(), key.clone(), json!("z"));
        assert_eq!(
            unknown.feedback,
            "Not quite. \"z\" is not one of the choices. The correct answer is \"2/4\"."
        );
        let ill = grade("single_choice", abcd(), key, json!(["b"]));
        assert!(!ill.correct && ill.answered);
        assert!(
            ill.feedback
                .starts_with("This question expects one choice, and the answer given is a list.")
        );
    }

    #[test]
    fn multiple_choice_partial_credit() {
        let key = json!({"correct": ["a", "b", "d"], "scoring": "partial"});
        let c = |answer| credit("multiple_choice", abcd(), key.clone(), answer);
        assert_eq!(c(json!(["a", "b", "d"])), 1.0);
        assert_eq!(c(json!(["d", "b", "a"])), 1.0, "order does not matter");
        assert_eq!(c(json!(["a", "a", "b", "d"])), 1.0, "repeats count once");
        assert!((c(json!(["a", "b"])) - 2.0 / 3.0).abs() < 1e-12);
        assert!((c(json!(["a", "b", "c"])) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(c(json!(["a", "c"])), 0.0, "one right minus one wrong");
        assert_eq!(c(json!(["c"])), 0.0, "floored at zero");
        assert_eq!(c(json!(["a", "b", "d", "c"])), 2.0 / 3.0);
        assert_eq!(
            c(json!(["a", "zz"])),
            0.0,
            "a pick that is not a choice is a wrong pick"
        );
        let partial = grade(
            "multiple_choice",
            abcd(),
            key.clone(),
            json!(["a", "b", "c"]),
        );
        assert_eq!(
            partial.feedback,
            "Partly right: you picked 2 of the 3 correct choices and 1 wrong one (33% credit). The correct answer is \"1/2\", \"2/4\" and \"3/6\"."
        );
        assert!(!partial.correct);
        assert!((partial.points_earned - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn multiple_choice_partial_is_the_default() {
        assert!(
            (credit(
                "multiple_choice",
                abcd(),
                json!({"correct": ["a", "b"]}),
                json!(["a"])
            ) - 0.5)
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn multiple_choice_all_or_nothing() {
        let key = json!({"correct": ["a", "b"], "scoring": "all_or_nothing"});
        assert_eq!(
            credit("multiple_choice", abcd(), key.clone(), json!(["b", "a"])),
            1.0
        );
        let result = grade("multiple_choice", abcd(), key, json!(["a"]));
        assert_eq!(result.credit, 0.0);
        assert!(
            result
                .feedback
                .contains("this question needs exactly the right choices"),
            "{}",
            result.feedback
        );
    }

    #[test]
    fn multiple_choice_needs_a_list() {
        let result = grade(
            "multiple_choice",
            abcd(),
            json!({"correct": ["a"]}),
            json!("a"),
        );
        assert_eq!(result.credit, 0.0);
        assert!(
            result
                .feedback
                .starts_with("This question expects a list of choices")
        );
    }

    #[test]
    fn true_false_accepts_booleans_and_their_strings() {
        let key = json!({"correct": true});
        for answer in [json!(true), json!("true"), json!(" TRUE ")] {
            assert!(grade("true_false", Value::Null, key.clone(), answer).correct);
        }
        assert!(!grade("true_false", Value::Null, key.clone(), json!(false)).correct);
        assert!(!grade("true_false", Value::Null, key.clone(), json!("false")).correct);
        let ill = grade("true_false", Value::Null, key, json!(1));
        assert!(
            ill.feedback.starts_with(
                "This question expects true or false, and the answer given is a number."
            )
        );
    }

    #[test]
    fn numeric_absolute_tolerance_is_inclusive() {
        let key = json!({"value": 0.75, "tolerance": 0.01, "tolerance_kind": "absolute"});
        let ok = |answer| grade("numeric", Value::Null, key.clone(), answer).correct;
        assert!(ok(json!(0.75)));
        assert!(ok(json!("0.75")));
        assert!(
            ok(json!(" 3/4 ")),
            "a fraction typed into a numeric question is its value"
        );
        assert!(ok(json!(0.76)), "exactly at the tolerance");
        assert!(ok(json!(0.74)));
        assert!(!ok(json!(0.7601)));
        assert!(!ok(json!("abc")));
        assert!(ok(json!("7.5e-1")));
    }

    #[test]
    fn numeric_relative_tolerance() {
        let key = json!({"value": 200, "tolerance": 0.05, "tolerance_kind": "relative"});
        let ok = |answer| grade("numeric", Value::Null, key.clone(), answer).correct;
        assert!(ok(json!(210)));
        assert!(ok(json!(190)));
        assert!(!ok(json!(211)));
        let exact = json!({"value": 3});
        assert!(grade("numeric", Value::Null, exact.clone(), json!(3)).correct);
        assert!(!grade("numeric", Value::Null, exact, json!(3.001)).correct);
    }

    #[test]
    fn numeric_rejects_non_numbers() {
        let result = grade("numeric", Value::Null, json!({"value": 1}), json!("NaN"));
        assert!(!result.correct);
        assert_eq!(
            result.feedback,
            "Not quite. \"NaN\" is not a number. The correct answer is 1."
        );
        let result = grade("numeric", Value::Null, json!({"value": 1}), json!({"x": 1}));
        assert!(
            result
                .feedback
                .starts_with("This question expects a number")
        );
    }

    #[test]
    fn fraction_answers_compare_exactly() {
        let key = json!({"value": "3/4", "require_lowest_terms": false});
        for answer in [
            json!("3/4"),
            json!("6/8"),
            json!("0.75"),
            json!(" 3 / 4 "),
            json!(0.75),
            json!("75/100"),
        ] {
            assert!(
                grade("fraction", Value::Null, key.clone(), answer.clone()).correct,
                "{answer}"
            );
        }
        for answer in [
            json!("3/5"),
            json!("0.7500001"),
            json!("-3/4"),
            json!("three quarters"),
        ] {
            assert!(
                !grade("fraction", Value::Null, key.clone(), answer.clone()).correct,
                "{answer}"
            );
        }
        let negative = json!({"value": "-1/2"});
        assert!(grade("fraction", Value::Null, negative.clone(), json!("-1/2")).correct);
        assert!(grade("fraction", Value::Null, negative, json!("-2/4")).correct);
        let mixed = json!({"value": "3/2"});
        assert!(grade("fraction", Value::Null, mixed.clone(), json!("1 1/2")).correct);
        assert!(grade("fraction", Value::Null, mixed, json!("1.5")).correct);
    }

    #[test]
    fn fraction_lowest_terms_requirement_explains_itself() {
        let key = json!({"value": "3/4", "require_lowest_terms": true});
        assert!(grade("fraction", Value::Null, key.clone(), json!("3/4")).correct);
        let unsimplified = grade("fraction", Value::Null, key.clone(), json!("6/8"));
        assert!(!unsimplified.correct);
        assert_eq!(
            unsimplified.feedback,
            "Not quite. \"6/8\" is the right amount, but not in lowest terms: simplify it. The correct answer is 3/4."
        );
        let decimal = grade("fraction", Value::Null, key, json!("0.75"));
        assert!(!decimal.correct);
        assert!(decimal.feedback.contains("not a decimal"));
        let mixed = json!({"value": "3/2", "require_lowest_terms": true});
        assert!(grade("fraction", Value::Null, mixed.clone(), json!("1 1/2")).correct);
        assert!(!grade("fraction", Value::Null, mixed, json!("1 2/4")).correct);
        let whole = json!({"value": "4/2", "require_lowest_terms": true});
        assert!(grade("fraction", Value::Null, whole, json!("2")).correct);
    }

    #[test]
    fn fraction_unparseable_answer_says_so() {
        let result = grade(
            "fraction",
            Value::Null,
            json!({"value": "1/2"}),
            json!("half"),
        );
        assert_eq!(
            result.feedback,
            "Not quite. \"half\" is not a fraction or a number. The correct answer is 1/2."
        );
        let result = grade(
            "fraction",
            Value::Null,
            json!({"value": "1/2"}),
            json!(true),
        );
        assert!(
            result
                .feedback
                .starts_with("This question expects a fraction such as 3/4")
        );
    }

    #[test]
    fn short_text_normalizes() {
        let key = json!({"accepted": ["numerator", "the numerator"], "case_sensitive": false});
        for answer in [
            "numerator",
            "  The   Numerator ",
            "NUMERATOR",
            "ｎｕｍｅｒａｔｏｒ",
            "the\tnumerator",
        ] {
            assert!(
                grade("short_text", Value::Null, key.clone(), json!(answer)).correct,
                "{answer:?}"
            );
        }
        assert!(!grade("short_text", Value::Null, key, json!("denominator")).correct);
    }

    #[test]
    fn short_text_case_sensitive() {
        let key = json!({"accepted": ["NaCl"], "case_sensitive": true});
        assert!(grade("short_text", Value::Null, key.clone(), json!(" NaCl ")).correct);
        let wrong = grade("short_text", Value::Null, key, json!("nacl"));
        assert!(!wrong.correct);
        assert!(wrong.feedback.contains("case-sensitive"));
    }

    #[test]
    fn short_text_accepts_numbers_as_text() {
        assert!(
            grade(
                "short_text",
                Value::Null,
                json!({"accepted": ["4"]}),
                json!(4)
            )
            .correct
        );
    }

    #[test]
    fn ordering_all_or_nothing() {
        let choices = json!([{"id": "a", "text": "3/4"}, {"id": "b", "text": "1/2"}, {"id": "c", "text": "3/8"}]);
        let key = json!({"order": ["c", "b", "a"], "scoring": "all_or_nothing"});
        assert!(
            grade(
                "ordering",
                choices.clone(),
                key.clone(),
                json!(["c", "b", "a"])
            )
            .correct
        );
        let wrong = grade("ordering", choices.clone(), key, json!(["c", "a", "b"]));
        assert_eq!(wrong.credit, 0.0);
        assert_eq!(
            wrong.feedback,
            "Not quite. The correct answer is \"3/8\", then \"1/2\", then \"3/4\"."
        );
    }

    #[test]
    fn ordering_partial_by_longest_ordered_subsequence() {
        let choices = json!([{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]);
        let key = json!({"order": ["a", "b", "c", "d"], "scoring": "partial"});
        let c = |answer| credit("ordering", choices.clone(), key.clone(), answer);
        assert_eq!(c(json!(["a", "b", "c", "d"])), 1.0);
        assert_eq!(c(json!(["b", "a", "c", "d"])), 0.75);
        assert_eq!(c(json!(["d", "c", "b", "a"])), 0.25);
        assert_eq!(c(json!(["a", "c", "b", "d"])), 0.75);
        assert_eq!(c(json!(["a", "b"])), 0.5, "missing items earn nothing");
        assert_eq!(
            c(json!(["a", "b", "c", "d", "x"])),
            0.8,
            "extra items dilute the credit"
        );
        assert_eq!(
            c(json!(["a", "a", "b", "c", "d"])),
            0.8,
            "repeats dilute the credit"
        );
        assert_eq!(c(json!(["x", "y"])), 0.0);
    }

    #[test]
    fn longest_ordered_subsequence_counts_relative_order() {
        let order: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let seq = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            longest_ordered_subsequence(&order, &seq(&["e", "a", "b", "d", "c"])),
            3
        );
        assert_eq!(longest_ordered_subsequence(&order, &seq(&[])), 0);
        assert_eq!(
            longest_ordered_subsequence(&order, &seq(&["b", "b", "b"])),
            1
        );
    }

    #[test]
    fn empty_and_missing_answers_are_wrong_not_errors() {
        for answer in [Value::Null, json!(""), json!("   "), json!([])] {
            let result = grade("single_choice", abcd(), json!({"correct": "a"}), answer);
            assert!(!result.correct && !result.answered);
            assert_eq!(
                result.feedback,
                "No answer was given. The correct answer is \"1/2\"."
            );
        }
    }

    #[test]
    fn reveal_false_hides_the_expected_answer() {
        let result = grade(
            "single_choice",
            abcd(),
            json!({"correct": "a", "reveal": false}),
            json!("b"),
        );
        assert_eq!(result.expected, None);
        assert_eq!(result.feedback, "Not quite.");
        let partial = grade(
            "multiple_choice",
            abcd(),
            json!({"correct": ["a", "b"], "reveal": false}),
            json!(["a"]),
        );
        assert!(!partial.feedback.contains("correct answer"));
    }

    #[test]
    fn results_carry_points_and_explanation() {
        let mut q = question(5, "true_false", Value::Null, json!({"correct": true}));
        q.points = 2.5;
        q.explanation = Some("Because.".into());
        let key = CheckedKey::parse(&q).expect("valid");
        let result = grade_question(&q, &key, Some(&json!(true)));
        assert_eq!((result.points_earned, result.points_possible), (2.5, 2.5));
        assert_eq!(result.explanation.as_deref(), Some("Because."));
    }

    fn lesson_questions() -> Vec<Question> {
        let mut q2 = question(2, "fraction", Value::Null, json!({"value": "1/2"}));
        q2.points = 3.0;
        vec![
            question(1, "true_false", Value::Null, json!({"correct": true})),
            q2,
        ]
    }

    #[test]
    fn attempt_totals_and_score() {
        let questions = lesson_questions();
        let refs: Vec<&Question> = questions.iter().collect();
        let graded = grade_attempt(&refs, &json!({"1": true, "2": "2/5"}), &Timing::default())
            .expect("valid keys");
        assert_eq!((graded.points_earned, graded.points_possible), (1.0, 4.0));
        assert_eq!(graded.score, 0.25);
        assert!(!graded.empty);
        assert_eq!(graded.results.len(), 2);
        assert_eq!(
            graded.results[1].feedback,
            "Not quite. The correct answer is 1/2."
        );
    }

    #[test]
    fn unknown_questions_are_reported_not_dropped() {
        let questions = lesson_questions();
        let refs: Vec<&Question> = questions.iter().collect();
        let graded = grade_attempt(
            &refs,
            &json!({"1": true, "99": "x", "abc": 1}),
            &Timing::default(),
        )
        .expect("valid keys");
        assert_eq!(
            graded.unknown_questions,
            vec!["99".to_owned(), "abc".to_owned()]
        );
        assert!(!graded.results[1].answered);
    }

    #[test]
    fn a_lesson_without_questions_scores_zero_and_is_flagged() {
        let graded = grade_attempt(&[], &json!({}), &Timing::default()).expect("no keys to break");
        assert_eq!(graded.score, 0.0);
        assert!(graded.empty);
        assert!(graded.results.is_empty());
    }

    #[test]
    fn an_empty_attempt_scores_zero() {
        let questions = lesson_questions();
        let refs: Vec<&Question> = questions.iter().collect();
        let graded = grade_attempt(&refs, &json!({}), &Timing::default()).expect("valid keys");
        assert_eq!(graded.score, 0.0);
        assert!(!graded.empty);
        assert!(graded.results.iter().all(|result| !result.answered));
    }

    #[test]
    fn answers_that_are_not_an_object_are_all_unanswered() {
        let questions = lesson_questions();
        let refs: Vec<&Question> = questions.iter().collect();
        let graded =
            grade_attempt(&refs, &json!(["1", true]), &Timing::default()).expect("valid keys");
        assert!(graded.answers_malformed);
        assert_eq!(graded.score, 0.0);
        let graded = grade_attempt(&refs, &Value::Null, &Timing::default()).expect("valid keys");
        assert!(!graded.answers_malformed);
    }

    #[test]
    fn a_broken_key_fails_the_attempt_naming_the_question() {
        let questions = [question(7, "essay", Value::Null, json!({}))];
        let refs: Vec<&Question> = questions.iter().collect();
        let error = grade_attempt(&refs, &json!({}), &Timing::default()).expect_err("unknown type");
        assert_eq!(error.question, 7);
    }

    #[test]
    fn zero_point_questions_only_is_empty() {
        let mut q = question(1, "true_false", Value::Null, json!({"correct": true}));
        q.points = 0.0;
        let graded =
            grade_attempt(&[&q], &json!({"1": true}), &Timing::default()).expect("valid key");
        assert!(graded.empty);
        assert_eq!(graded.score, 0.0);
        assert!(graded.results[0].correct);
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0)
            .single()
            .expect("valid date")
            + Duration::seconds(seconds)
    }

    fn timing(start: i64, end: i64, expected: Option<f64>) -> Timing {
        Timing {
            started_at: Some(at(start)),
            submitted_at: Some(at(end)),
            expected_seconds: expected,
        }
    }

    #[test]
    fn speed_ratio_and_pace() {
        let speed = measure_speed(&timing(0, 600, Some(600.0)), 5);
        assert_eq!(
            (speed.duration_seconds, speed.ratio, speed.pace, speed.flag),
            (Some(600.0), Some(1.0), Some(Pace::Normal), None)
        );
        assert_eq!(
            measure_speed(&timing(0, 200, Some(600.0)), 5).pace,
            Some(Pace::Fast)
        );
        assert_eq!(
            measure_speed(&timing(0, 300, Some(600.0)), 5).pace,
            Some(Pace::Normal),
            "exactly half is normal"
        );
        assert_eq!(
            measure_speed(&timing(0, 900, Some(600.0)), 5).pace,
            Some(Pace::Normal),
            "exactly 1.5 is normal"
        );
        assert_eq!(
            measure_speed(&timing(0, 901, Some(600.0)), 5).pace,
            Some(Pace::Slow)
        );
    }

    #[test]
    fn untrustworthy_durations_are_flagged() {
        let negative = measure_speed(&timing(600, 0, Some(600.0)), 5);
        assert_eq!(
            (negative.flag, negative.ratio, negative.pace),
            (Some(SpeedFlag::Negative), None, None)
        );
        assert_eq!(negative.duration_seconds, Some(-600.0));
        assert_eq!(
            measure_speed(&timing(0, 90_000, Some(600.0)), 5).flag,
            Some(SpeedFlag::Absurd)
        );
        assert_eq!(
            measure_speed(&timing(0, 3, Some(600.0)), 5).flag,
            Some(SpeedFlag::Absurd),
            "under a second per question"
        );
        assert_eq!(
            measure_speed(&timing(0, 5, Some(600.0)), 5).flag,
            None,
            "exactly a second per question"
        );
        let missing = measure_speed(
            &Timing {
                started_at: None,
                submitted_at: Some(at(0)),
                expected_seconds: Some(1.0),
            },
            1,
        );
        assert_eq!(
            (missing.flag, missing.duration_seconds),
            (Some(SpeedFlag::Missing), None)
        );
    }

    #[test]
    fn speed_without_an_expected_time_has_no_pace() {
        let speed = measure_speed(&timing(0, 60, None), 0);
        assert_eq!((speed.flag, speed.ratio, speed.pace), (None, None, None));
    }

    #[test]
    fn expected_time_comes_from_the_lesson_or_the_question_count() {
        let mut lesson = crate::learning::testkit::lesson(1, &[]);
        lesson.estimated_minutes = Some(15.0);
        assert_eq!(expected_seconds(Some(&lesson), 3), Some(900.0));
        lesson.estimated_minutes = None;
        assert_eq!(expected_seconds(Some(&lesson), 3), Some(180.0));
        assert_eq!(expected_seconds(None, 0), None);
        lesson.estimated_minutes = Some(-1.0);
        assert_eq!(expected_seconds(Some(&lesson), 2), Some(120.0));
    }
}

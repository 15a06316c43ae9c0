//! Content problems in an editor's words, one wording whether a problem is refused when
//! it is saved (`http/validate.rs`, `POST /v1/validate`) or recorded for a live course
//! (`issues.rs`, `content_issues`): the labels of fields, the sentence for each answer-key
//! problem, the chain of a prerequisite cycle and how a question is named. Each caller
//! frames these in its own sentence (what to do now, or what the problem does meanwhile).

use super::answer_key::KeyProblem;
use super::content::Course;

/// The question field a key problem is shown at, and every field it depends on (a save
/// that writes one of them is refused while the problem stands).
pub fn key_fields(problem: &KeyProblem) -> (&'static str, Vec<&'static str>) {
    match problem {
        KeyProblem::UnknownType { .. } => ("type", vec!["type", "choices", "answer_key"]),
        KeyProblem::ChoicesNotAList { .. }
        | KeyProblem::ChoiceWithoutId { .. }
        | KeyProblem::DuplicateChoice { .. }
        | KeyProblem::NoChoices => ("choices", vec!["choices", "type", "answer_key"]),
        KeyProblem::InvalidPoints { .. } => ("points", vec!["points"]),
        _ => ("answer_key", vec!["answer_key", "type", "choices"]),
    }
}

/// `Question 'Which is larger, 3/4 or 2/3?'`, the prompt on one line and cut at 60
/// characters; `Question 57` without a prompt.
pub fn question_label(course: &Course, id: i64) -> String {
    match course
        .questions
        .iter()
        .find(|question| question.id == id)
        .and_then(|question| short_prompt(&question.prompt))
    {
        Some(prompt) => format!("Question '{prompt}'"),
        None => format!("Question {id}"),
    }
}

/// A prompt short enough for a sentence: on one line, at most 60 characters.
pub fn short_prompt(prompt: &str) -> Option<String> {
    let prompt = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    if prompt.is_empty() {
        return None;
    }
    const LONGEST: usize = 60;
    Some(if prompt.chars().count() > LONGEST {
        let short: String = prompt.chars().take(LONGEST - 1).collect();
        format!("{}…", short.trim_end())
    } else {
        prompt
    })
}

/// A key problem as an editor reads it (docs/answer-keys.md lists the same problems in
/// the key's own terms).
pub fn key_message(kind: &str, problem: &KeyProblem) -> String {
    match problem {
        KeyProblem::UnknownType { allowed } => {
            format!("\"{kind}\" is not a question type; use one of {allowed}.")
        }
        KeyProblem::KeyNotAnObject { found } => format!(
            "the answer key must be a JSON object such as {{\"correct\": ...}}, not {found} (see docs/answer-keys.md for each type's key)."
        ),
        KeyProblem::MissingField { field } => {
            format!("the answer key has no \"{field}\", which a {kind} question needs.")
        }
        KeyProblem::WrongType {
            field,
            expected,
            found,
        } => format!("in the answer key, \"{field}\" must be {expected}, not {found}."),
        KeyProblem::UnknownField { field, allowed } => format!(
            "the answer key has a field \"{field}\" that a {kind} question does not use (it may hold {allowed})."
        ),
        KeyProblem::UnknownOption {
            field,
            value,
            allowed,
        } => format!("in the answer key, \"{field}\" is \"{value}\"; it must be one of {allowed}."),
        KeyProblem::ChoicesNotAList { found } => format!(
            "a {kind} question needs its choices as a list like [{{\"id\": \"a\", \"text\": \"1/2\"}}], not {found}."
        ),
        KeyProblem::ChoiceWithoutId { index } => {
            format!(
                "choice {} has no id; give every choice an id such as \"a\".",
                index + 1
            )
        }
        KeyProblem::DuplicateChoice { id } => {
            format!("two choices have the id \"{id}\"; every choice needs its own id.")
        }
        KeyProblem::NoChoices => format!("a {kind} question needs at least one choice."),
        KeyProblem::NotAChoice {
            field: _,
            value,
            choices,
        } => format!(
            "the answer key names choice \"{value}\", which is not one of the question's choices ({choices})."
        ),
        KeyProblem::DuplicateInKey { field, value } => {
            format!("the answer key lists choice \"{value}\" more than once in \"{field}\".")
        }
        KeyProblem::EmptyList { field } => {
            format!("the answer key's \"{field}\" is empty; list at least one.")
        }
        KeyProblem::OrderIncomplete { missing } => format!(
            "the answer key's order must list every choice exactly once; it leaves out {missing}."
        ),
        KeyProblem::NotFinite { field } => {
            format!("in the answer key, \"{field}\" must be a finite number.")
        }
        KeyProblem::NegativeTolerance { tolerance } => {
            format!("the tolerance cannot be negative (it is {tolerance}).")
        }
        KeyProblem::NotAFraction { value } => format!(
            "the answer key's value \"{value}\" is not a number or fraction; write it like 3/4, -1/2, 1 1/2 or 0.75."
        ),
        KeyProblem::BlankAccepted { index } => {
            format!("accepted answer {} is blank.", index + 1)
        }
        KeyProblem::InvalidPoints { points } => {
            format!("points must be a number of at least 0 (it is {points}).")
        }
    }
}

/// The lessons of a prerequisite cycle as a chain: `'A' requires 'B', which requires 'A'`
/// (one lesson: `'A' requires itself`). The sentence's end is the caller's.
pub fn requires_chain(titles: &[String]) -> String {
    if let [only] = titles {
        return format!("'{only}' requires itself");
    }
    let mut text = String::new();
    for (i, title) in titles.iter().chain(titles.first()).enumerate() {
        match i {
            0 => {}
            1 => text.push_str(" requires "),
            _ => text.push_str(", which requires "),
        }
        text.push('\'');
        text.push_str(title);
        text.push('\'');
    }
    text
}

/// A course threshold by what it does, with its field name.
pub fn threshold_label(name: &str) -> &'static str {
    match name {
        "advance_threshold" => "the advance threshold (advance_threshold)",
        "remediate_threshold" => "the remediation threshold (remediate_threshold)",
        _ => "the mastery threshold (mastery_threshold)",
    }
}

/// A BKT parameter by what it means, with its field name.
pub fn parameter_label(name: &str) -> &'static str {
    match name {
        "p_init" => "the chance that a student already knows it (p_init)",
        "p_learn" => "the chance of learning it at each practice (p_learn)",
        "p_guess" => "the chance of a right answer without knowing it (p_guess)",
        _ => "the chance of a wrong answer despite knowing it (p_slip)",
    }
}

/// Floating-point sums shown as an editor typed them (0.6 + 0.5 = 1.1, not 1.1000000000000001).
pub fn round(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::{course, lesson, tf_question};

    #[test]
    fn a_cycle_reads_as_a_chain_back_to_its_first_lesson() {
        let titles = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            requires_chain(&titles(&["A", "B", "C"])),
            "'A' requires 'B', which requires 'C', which requires 'A'"
        );
        assert_eq!(requires_chain(&titles(&["A"])), "'A' requires itself");
    }

    #[test]
    fn a_question_is_named_by_its_prompt_on_one_line_and_short() {
        let mut c = course(vec![lesson(1, &[])], vec![], vec![tf_question(9, 1, &[])]);
        c.questions[0].prompt = "Is 2/4\n  equal to 1/2?".into();
        assert_eq!(question_label(&c, 9), "Question 'Is 2/4 equal to 1/2?'");
        c.questions[0].prompt = "x".repeat(80);
        assert_eq!(
            question_label(&c, 9),
            format!("Question '{}…'", "x".repeat(59))
        );
        c.questions[0].prompt = "  ".into();
        assert_eq!(question_label(&c, 9), "Question 9");
        assert_eq!(question_label(&c, 77), "Question 77");
    }

    #[test]
    fn a_key_problem_is_shown_where_it_is_fixed() {
        assert_eq!(key_fields(&KeyProblem::NoChoices).0, "choices");
        assert_eq!(
            key_fields(&KeyProblem::InvalidPoints { points: -1.0 }).0,
            "points"
        );
        let (field, fields) = key_fields(&KeyProblem::EmptyList { field: "correct" });
        assert_eq!(
            (field, fields),
            ("answer_key", vec!["answer_key", "type", "choices"])
        );
    }
}

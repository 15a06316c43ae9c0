//! Answer keys: the format of each question type, and its validation.
//!
//! A question's `answer_key` (and, for choice and ordering types, its `choices`) is
//! parsed once into a [`CheckedKey`]; anything that does not fit the question type is a
//! [`KeyError`] naming the question and the problem, the same error an editor sees at
//! save time. The formats are documented for editors in `docs/answer-keys.md`:
//!
//! | type | key |
//! | --- | --- |
//! | `single_choice` | `{"correct": "b"}` |
//! | `multiple_choice` | `{"correct": ["a", "c"], "scoring": "partial"}` (or `"all_or_nothing"`) |
//! | `true_false` | `{"correct": true}` |
//! | `numeric` | `{"value": 0.75, "tolerance": 0.01, "tolerance_kind": "absolute"}` (or `"relative"`) |
//! | `fraction` | `{"value": "3/4", "require_lowest_terms": false}` |
//! | `short_text` | `{"accepted": ["numerator"], "case_sensitive": false}` |
//! | `ordering` | `{"order": ["c", "a", "b"], "scoring": "all_or_nothing"}` (or `"partial"`) |
//!
//! Every key may also hold `"reveal": false` (default true) to keep the expected answer
//! out of the feedback.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

use super::content::Question;
use super::rational::{Rational, parse_written};

/// The question types, by their Directus `questions.type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    Numeric,
    Fraction,
    ShortText,
    Ordering,
}

impl QuestionKind {
    /// Every type, in documentation order.
    pub const ALL: [QuestionKind; 7] = [
        Self::SingleChoice,
        Self::MultipleChoice,
        Self::TrueFalse,
        Self::Numeric,
        Self::Fraction,
        Self::ShortText,
        Self::Ordering,
    ];

    /// The type named `name` (exactly as stored in Directus), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The Directus name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::SingleChoice => "single_choice",
            Self::MultipleChoice => "multiple_choice",
            Self::TrueFalse => "true_false",
            Self::Numeric => "numeric",
            Self::Fraction => "fraction",
            Self::ShortText => "short_text",
            Self::Ordering => "ordering",
        }
    }

    fn uses_choices(self) -> bool {
        matches!(
            self,
            Self::SingleChoice | Self::MultipleChoice | Self::Ordering
        )
    }

    /// The fields an answer key of this type may hold.
    fn allowed_fields(self) -> &'static [&'static str] {
        match self {
            Self::SingleChoice | Self::TrueFalse => &["correct", "reveal"],
            Self::MultipleChoice => &["correct", "scoring", "reveal"],
            Self::Numeric => &["value", "tolerance", "tolerance_kind", "reveal"],
            Self::Fraction => &["value", "require_lowest_terms", "reveal"],
            Self::ShortText => &["accepted", "case_sensitive", "reveal"],
            Self::Ordering => &["order", "scoring", "reveal"],
        }
    }
}

impl fmt::Display for QuestionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One choice of a choice or ordering question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub text: String,
}

/// How a multiple-choice or ordering question gives credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Multiple choice: (correct picks - wrong picks) / number correct, floored at 0.
    /// Ordering: longest correctly ordered subsequence / number of items.
    Partial,
    /// Full credit only for exactly the right answer.
    AllOrNothing,
}

/// How a numeric tolerance is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToleranceKind {
    /// `|answer - value| <= tolerance`
    Absolute,
    /// `|answer - value| <= tolerance * |value|`
    Relative,
}

/// A validated answer key, by question type.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerKey {
    SingleChoice {
        correct: String,
    },
    MultipleChoice {
        correct: Vec<String>,
        scoring: Scoring,
    },
    TrueFalse {
        correct: bool,
    },
    Numeric {
        value: f64,
        tolerance: f64,
        tolerance_kind: ToleranceKind,
    },
    Fraction {
        value: Rational,
        require_lowest_terms: bool,
    },
    /// `accepted` as the editor wrote it; `normalized` as answers are compared.
    ShortText {
        accepted: Vec<String>,
        normalized: Vec<String>,
        case_sensitive: bool,
    },
    Ordering {
        order: Vec<String>,
        scoring: Scoring,
    },
}

/// A question's key, validated against its type and choices, ready for grading.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedKey {
    pub kind: QuestionKind,
    pub key: AnswerKey,
    /// Whether feedback may show the expected answer (`"reveal"`, default true).
    pub reveal: bool,
    /// The question's choices (empty for types without choices).
    pub choices: Vec<Choice>,
}

/// An answer key (or choices, or points) that does not fit its question.
///
/// Displays as `question 12 (single_choice): answer_key.correct "z" is not one of the
/// choices a, b, c`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("question {question} ({kind}): {problem}")]
pub struct KeyError {
    pub question: i64,
    /// The question's `type` as stored (possibly not a known type).
    pub kind: String,
    pub problem: KeyProblem,
}

/// What is wrong with a key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeyProblem {
    #[error("unknown question type; expected one of {allowed}")]
    UnknownType { allowed: String },
    #[error("answer_key must be a JSON object, got {found}")]
    KeyNotAnObject { found: &'static str },
    #[error("answer_key.{field} is missing")]
    MissingField { field: &'static str },
    #[error("answer_key.{field} must be {expected}, got {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("answer_key has an unknown field \"{field}\"; allowed: {allowed}")]
    UnknownField { field: String, allowed: String },
    #[error("answer_key.{field} \"{value}\" is not one of {allowed}")]
    UnknownOption {
        field: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error("choices must be a JSON array of {{\"id\": ..., \"text\": ...}} objects, got {found}")]
    ChoicesNotAList { found: &'static str },
    #[error("choices[{index}] has no \"id\" (a string)")]
    ChoiceWithoutId { index: usize },
    #[error("choice id \"{id}\" appears more than once in choices")]
    DuplicateChoice { id: String },
    #[error("choices is empty; this question type needs its choices")]
    NoChoices,
    #[error("answer_key.{field} \"{value}\" is not one of the choices {choices}")]
    NotAChoice {
        field: String,
        value: String,
        choices: String,
    },
    #[error("answer_key.{field} lists \"{value}\" more than once")]
    DuplicateInKey { field: &'static str, value: String },
    #[error("answer_key.{field} is empty")]
    EmptyList { field: &'static str },
    #[error("answer_key.order must list every choice exactly once; missing {missing}")]
    OrderIncomplete { missing: String },
    #[error("answer_key.{field} must be a finite number")]
    NotFinite { field: &'static str },
    #[error("answer_key.tolerance must be at least 0, got {tolerance}")]
    NegativeTolerance { tolerance: f64 },
    #[error(
        "answer_key.value \"{value}\" is not a number or fraction (write it like 3/4, -1/2, 1 1/2 or 0.75)"
    )]
    NotAFraction { value: String },
    #[error("answer_key.accepted[{index}] is blank")]
    BlankAccepted { index: usize },
    #[error("points must be a finite number of at least 0, got {points}")]
    InvalidPoints { points: f64 },
}

/// Checks that a question's type, answer key, choices and points fit together.
///
/// This is what runs at save time in Directus; grading runs the same parse.
pub fn validate_question(question: &Question) -> Result<(), KeyError> {
    CheckedKey::parse(question).map(|_| ())
}

impl CheckedKey {
    /// Parses and validates the key of `question`.
    pub fn parse(question: &Question) -> Result<Self, KeyError> {
        let error = |problem| KeyError {
            question: question.id,
            kind: question.kind.clone(),
            problem,
        };
        let kind = QuestionKind::from_name(&question.kind).ok_or_else(|| {
            let allowed = QuestionKind::ALL.map(QuestionKind::name).join(", ");
            error(KeyProblem::UnknownType { allowed })
        })?;
        check_points(question.points).map_err(error)?;
        let choices = if kind.uses_choices() {
            parse_choices(&question.choices).map_err(error)?
        } else {
            Vec::new()
        };
        let fields = key_object(&question.answer_key).map_err(error)?;
        check_fields(kind, fields).map_err(error)?;
        let reader = KeyReader {
            fields,
            choices: &choices,
        };
        let key = reader.read(kind).map_err(error)?;
        let reveal = reader.optional_bool("reveal", true).map_err(error)?;
        Ok(Self {
            kind,
            key,
            reveal,
            choices,
        })
    }

    /// The text of a choice, or its id when it has no text.
    pub fn choice_text<'a>(&'a self, id: &'a str) -> &'a str {
        self.choices
            .iter()
            .find(|choice| choice.id == id)
            .map_or(id, |choice| choice.text.as_str())
    }

    /// The expected answer as JSON, in the same shape an answer takes.
    pub fn expected(&self) -> Value {
        match &self.key {
            AnswerKey::SingleChoice { correct } => json!(correct),
            AnswerKey::MultipleChoice { correct, .. } => json!(correct),
            AnswerKey::TrueFalse { correct } => json!(correct),
            AnswerKey::Numeric { value, .. } => json!(value),
            AnswerKey::Fraction { value, .. } => json!(value.to_string()),
            AnswerKey::ShortText { accepted, .. } => json!(accepted.first()),
            AnswerKey::Ordering { order, .. } => json!(order),
        }
    }
}

/// The form in which short-text answers are compared: Unicode NFKC, trimmed, inner
/// whitespace collapsed to one space, and lowercased unless `case_sensitive`.
pub fn normalize_text(text: &str, case_sensitive: bool) -> String {
    let composed: String = text.nfkc().collect();
    let collapsed = composed.split_whitespace().collect::<Vec<_>>().join(" ");
    if case_sensitive {
        collapsed
    } else {
        collapsed.to_lowercase()
    }
}

/// How a JSON value is described in error messages and feedback.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn check_points(points: f64) -> Result<(), KeyProblem> {
    if points.is_finite() && points >= 0.0 {
        Ok(())
    } else {
        Err(KeyProblem::InvalidPoints { points })
    }
}

fn key_object(key: &Value) -> Result<&Map<String, Value>, KeyProblem> {
    key.as_object().ok_or(KeyProblem::KeyNotAnObject {
        found: json_type(key),
    })
}

fn check_fields(kind: QuestionKind, fields: &Map<String, Value>) -> Result<(), KeyProblem> {
    let allowed = kind.allowed_fields();
    match fields
        .keys()
        .find(|field| !allowed.contains(&field.as_str()))
    {
        Some(field) => Err(KeyProblem::UnknownField {
            field: field.clone(),
            allowed: allowed.join(", "),
        }),
        None => Ok(()),
    }
}

fn parse_choices(choices: &Value) -> Result<Vec<Choice>, KeyProblem> {
    let items = choices.as_array().ok_or(KeyProblem::ChoicesNotAList {
        found: json_type(choices),
    })?;
    if items.is_empty() {
        return Err(KeyProblem::NoChoices);
    }
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let id = item
            .get("id")
            .and_then(id_string)
            .ok_or(KeyProblem::ChoiceWithoutId { index })?;
        if !seen.insert(id.clone()) {
            return Err(KeyProblem::DuplicateChoice { id });
        }
        let text = item
            .get("text")
            .and_then(Value::as_str)
            .map_or_else(|| id.clone(), str::to_owned);
        parsed.push(Choice { id, text });
    }
    Ok(parsed)
}

/// A choice id: a non-blank string, or an integer (editors sometimes number choices).
pub(crate) fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::String(id) if !id.trim().is_empty() => Some(id.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}

/// Reads the fields of one answer key.
struct KeyReader<'a> {
    fields: &'a Map<String, Value>,
    choices: &'a [Choice],
}

impl KeyReader<'_> {
    fn read(&self, kind: QuestionKind) -> Result<AnswerKey, KeyProblem> {
        match kind {
            QuestionKind::SingleChoice => self.single_choice(),
            QuestionKind::MultipleChoice => self.multiple_choice(),
            QuestionKind::TrueFalse => Ok(AnswerKey::TrueFalse {
                correct: self.required_bool("correct")?,
            }),
            QuestionKind::Numeric => self.numeric(),
            QuestionKind::Fraction => self.fraction(),
            QuestionKind::ShortText => self.short_text(),
            QuestionKind::Ordering => self.ordering(),
        }
    }

    fn single_choice(&self) -> Result<AnswerKey, KeyProblem> {
        let value = self.required("correct")?;
        let correct = id_string(value)
            .ok_or_else(|| wrong_type("correct", "a choice id (a string)", value))?;
        self.check_is_choice("correct".to_owned(), &correct)?;
        Ok(AnswerKey::SingleChoice { correct })
    }

    fn multiple_choice(&self) -> Result<AnswerKey, KeyProblem> {
        let correct = self.choice_list("correct")?;
        let scoring = self.scoring(Scoring::Partial)?;
        Ok(AnswerKey::MultipleChoice { correct, scoring })
    }

    fn numeric(&self) -> Result<AnswerKey, KeyProblem> {
        let value = self.required_number("value")?;
        let tolerance = self.optional_number("tolerance")?.unwrap_or(0.0);
        if tolerance < 0.0 {
            return Err(KeyProblem::NegativeTolerance { tolerance });
        }
        let tolerance_kind = match self.optional_str("tolerance_kind")? {
            None | Some("absolute") => ToleranceKind::Absolute,
            Some("relative") => ToleranceKind::Relative,
            Some(other) => {
                return Err(KeyProblem::UnknownOption {
                    field: "tolerance_kind",
                    value: other.to_owned(),
                    allowed: "absolute, relative",
                });
            }
        };
        Ok(AnswerKey::Numeric {
            value,
            tolerance,
            tolerance_kind,
        })
    }

    fn fraction(&self) -> Result<AnswerKey, KeyProblem> {
        let raw = self.required("value")?;
        let value = match raw {
            Value::String(text) => parse_written(text)
                .map(|written| written.value)
                .ok_or_else(|| KeyProblem::NotAFraction {
                    value: text.clone(),
                })?,
            Value::Number(number) => {
                Rational::from_json_number(number).ok_or_else(|| KeyProblem::NotAFraction {
                    value: number.to_string(),
                })?
            }
            other => {
                return Err(wrong_type(
                    "value",
                    "a fraction as a string, like \"3/4\"",
                    other,
                ));
            }
        };
        let require_lowest_terms = self.optional_bool("require_lowest_terms", false)?;
        Ok(AnswerKey::Fraction {
            value,
            require_lowest_terms,
        })
    }

    fn short_text(&self) -> Result<AnswerKey, KeyProblem> {
        let raw = self.required("accepted")?;
        let items = raw
            .as_array()
            .ok_or_else(|| wrong_type("accepted", "a list of strings", raw))?;
        if items.is_empty() {
            return Err(KeyProblem::EmptyList { field: "accepted" });
        }
        let case_sensitive = self.optional_bool("case_sensitive", false)?;
        let mut accepted = Vec::with_capacity(items.len());
        let mut normalized = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let text = item
                .as_str()
                .ok_or_else(|| wrong_type(&format!("accepted[{index}]"), "a string", item))?;
            let form = normalize_text(text, case_sensitive);
            if form.is_empty() {
                return Err(KeyProblem::BlankAccepted { index });
            }
            accepted.push(text.to_owned());
            normalized.push(form);
        }
        Ok(AnswerKey::ShortText {
            accepted,
            normalized,
            case_sensitive,
        })
    }

    fn ordering(&self) -> Result<AnswerKey, KeyProblem> {
        let order = self.choice_list("order")?;
        let missing: Vec<&str> = self
            .choices
            .iter()
            .map(|choice| choice.id.as_str())
            .filter(|id| !order.iter().any(|o| o == id))
            .collect();
        if !missing.is_empty() {
            return Err(KeyProblem::OrderIncomplete {
                missing: missing.join(", "),
            });
        }
        let scoring = self.scoring(Scoring::AllOrNothing)?;
        Ok(AnswerKey::Ordering { order, scoring })
    }

    /// A non-empty list of distinct choice ids.
    fn choice_list(&self, field: &'static str) -> Result<Vec<String>, KeyProblem> {
        let raw = self.required(field)?;
        let items = raw
            .as_array()
            .ok_or_else(|| wrong_type(field, "a list of choice ids", raw))?;
        if items.is_empty() {
            return Err(KeyProblem::EmptyList { field });
        }
        let mut ids = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let id = id_string(item).ok_or_else(|| {
                wrong_type(&format!("{field}[{index}]"), "a choice id (a string)", item)
            })?;
            self.check_is_choice(field.to_owned(), &id)?;
            if ids.contains(&id) {
                return Err(KeyProblem::DuplicateInKey { field, value: id });
            }
            ids.push(id);
        }
        Ok(ids)
    }

    fn scoring(&self, default: Scoring) -> Result<Scoring, KeyProblem> {
        match self.optional_str("scoring")? {
            None => Ok(default),
            Some("partial") => Ok(Scoring::Partial),
            Some("all_or_nothing") => Ok(Scoring::AllOrNothing),
            Some(other) => Err(KeyProblem::UnknownOption {
                field: "scoring",
                value: other.to_owned(),
                allowed: "partial, all_or_nothing",
            }),
        }
    }

    fn check_is_choice(&self, field: String, id: &str) -> Result<(), KeyProblem> {
        if self.choices.iter().any(|choice| choice.id == id) {
            return Ok(());
        }
        let choices = self
            .choices
            .iter()
            .map(|choice| choice.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Err(KeyProblem::NotAChoice {
            field,
            value: id.to_owned(),
            choices,
        })
    }

    fn required(&self, field: &'static str) -> Result<&Value, KeyProblem> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Err(KeyProblem::MissingField { field }),
            Some(value) => Ok(value),
        }
    }

    fn required_bool(&self, field: &'static str) -> Result<bool, KeyProblem> {
        let value = self.required(field)?;
        value
            .as_bool()
            .ok_or_else(|| wrong_type(field, "true or false", value))
    }

    fn required_number(&self, field: &'static str) -> Result<f64, KeyProblem> {
        self.optional_number(field)?
            .ok_or(KeyProblem::MissingField { field })
    }

    fn optional_number(&self, field: &'static str) -> Result<Option<f64>, KeyProblem> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                let number = value
                    .as_f64()
                    .ok_or_else(|| wrong_type(field, "a number", value))?;
                if number.is_finite() {
                    Ok(Some(number))
                } else {
                    Err(KeyProblem::NotFinite { field })
                }
            }
        }
    }

    fn optional_bool(&self, field: &'static str, default: bool) -> Result<bool, KeyProblem> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(default),
            Some(value) => value
                .as_bool()
                .ok_or_else(|| wrong_type(field, "true or false", value)),
        }
    }

    fn optional_str(&self, field: &'static str) -> Result<Option<&str>, KeyProblem> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_str()
                .map(Some)
                .ok_or_else(|| wrong_type(field, "a string", value)),
        }
    }
}

fn wrong_type(field: &str, expected: &'static str, found: &Value) -> KeyProblem {
    KeyProblem::WrongType {
        field: field.to_owned(),
        expected,
        found: json_type(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::question;

    fn abc() -> Value {
        json!([{"id": "a", "text": "1/2"}, {"id": "b", "text": "1/3"}, {"id": "c", "text": "1/4"}])
    }

    fn error_of(kind: &str, choices: Value, key: Value) -> String {
        let q = question(12, kind, choices, key);
        validate_question(&q)
            .expect_err("key should be rejected")
            .to_string()
    }

    fn parsed(kind: &str, choices: Value, key: Value) -> CheckedKey {
        CheckedKey::parse(&question(12, kind, choices, key)).expect("key should be valid")
    }

    #[test]
    fn the_example_error_reads_as_documented() {
        assert_eq!(
            error_of("single_choice", abc(), json!({"correct": "z"})),
            "question 12 (single_choice): answer_key.correct \"z\" is not one of the choices a, b, c"
        );
    }

    #[test]
    fn unknown_type_is_an_error_naming_the_type() {
        let message = error_of("essay", Value::Null, json!({}));
        assert!(
            message.starts_with(
                "question 12 (essay): unknown question type; expected one of single_choice"
            ),
            "{message}"
        );
    }

    #[test]
    fn every_type_has_a_valid_example() {
        let cases = [
            ("single_choice", abc(), json!({"correct": "b"})),
            (
                "multiple_choice",
                abc(),
                json!({"correct": ["a", "c"], "scoring": "partial"}),
            ),
            ("true_false", Value::Null, json!({"correct": true})),
            (
                "numeric",
                Value::Null,
                json!({"value": 0.75, "tolerance": 0.01, "tolerance_kind": "absolute"}),
            ),
            (
                "fraction",
                Value::Null,
                json!({"value": "3/4", "require_lowest_terms": false}),
            ),
            (
                "short_text",
                Value::Null,
                json!({"accepted": ["numerator", "the numerator"], "case_sensitive": false}),
            ),
            (
                "ordering",
                abc(),
                json!({"order": ["c", "a", "b"], "scoring": "all_or_nothing"}),
            ),
        ];
        for (kind, choices, key) in cases {
            let checked = parsed(kind, choices, key);
            assert_eq!(checked.kind.name(), kind);
            assert!(checked.reveal);
        }
    }

    #[test]
    fn defaults_apply() {
        let key = parsed("multiple_choice", abc(), json!({"correct": ["a"]}));
        assert!(matches!(
            key.key,
            AnswerKey::MultipleChoice {
                scoring: Scoring::Partial,
                ..
            }
        ));
        let key = parsed("ordering", abc(), json!({"order": ["a", "b", "c"]}));
        assert!(matches!(
            key.key,
            AnswerKey::Ordering {
                scoring: Scoring::AllOrNothing,
                ..
            }
        ));
        let key = parsed("numeric", Value::Null, json!({"value": 2}));
        assert_eq!(
            key.key,
            AnswerKey::Numeric {
                value: 2.0,
                tolerance: 0.0,
                tolerance_kind: ToleranceKind::Absolute
            }
        );
        let key = parsed("fraction", Value::Null, json!({"value": 0.5}));
        assert!(matches!(
            key.key,
            AnswerKey::Fraction {
                require_lowest_terms: false,
                ..
            }
        ));
    }

    #[test]
    fn reveal_false_is_read() {
        assert!(
            !parsed(
                "true_false",
                Value::Null,
                json!({"correct": false, "reveal": false})
            )
            .reveal
        );
        let message = error_of(
            "true_false",
            Value::Null,
            json!({"correct": false, "reveal": "no"}),
        );
        assert!(
            message.ends_with("answer_key.reveal must be true or false, got a string"),
            "{message}"
        );
    }

    #[test]
    fn key_must_be_an_object() {
        assert_eq!(
            error_of("true_false", Value::Null, json!("true")),
            "question 12 (true_false): answer_key must be a JSON object, got a string"
        );
        assert_eq!(
            error_of("true_false", Value::Null, Value::Null),
            "question 12 (true_false): answer_key must be a JSON object, got null"
        );
    }

    #[test]
    fn missing_and_mistyped_fields() {
        assert!(
            error_of("single_choice", abc(), json!({})).ends_with("answer_key.correct is missing")
        );
        assert!(
            error_of("true_false", Value::Null, json!({"correct": "yes"}))
                .ends_with("answer_key.correct must be true or false, got a string")
        );
        assert!(
            error_of("numeric", Value::Null, json!({"value": "0.75"}))
                .ends_with("answer_key.value must be a number, got a string")
        );
        assert!(
            error_of("multiple_choice", abc(), json!({"correct": "a"}))
                .ends_with("answer_key.correct must be a list of choice ids, got a string")
        );
        assert!(
            error_of("short_text", Value::Null, json!({"accepted": "x"}))
                .ends_with("answer_key.accepted must be a list of strings, got a string")
        );
        assert!(
            error_of("short_text", Value::Null, json!({"accepted": ["x", 3]}))
                .ends_with("answer_key.accepted[1] must be a string, got a number")
        );
    }

    #[test]
    fn unknown_fields_are_rejected_to_catch_typos() {
        assert_eq!(
            error_of(
                "numeric",
                Value::Null,
                json!({"value": 1, "tolerence": 0.1})
            ),
            "question 12 (numeric): answer_key has an unknown field \"tolerence\"; allowed: value, tolerance, tolerance_kind, reveal"
        );
    }

    #[test]
    fn choice_problems() {
        assert!(
            error_of("single_choice", Value::Null, json!({"correct": "a"})).ends_with("got null")
        );
        assert!(
            error_of("single_choice", json!([]), json!({"correct": "a"}))
                .ends_with("choices is empty; this question type needs its choices")
        );
        assert!(
            error_of(
                "single_choice",
                json!([{"text": "x"}]),
                json!({"correct": "a"})
            )
            .ends_with("choices[0] has no \"id\" (a string)")
        );
        assert!(
            error_of(
                "single_choice",
                json!([{"id": "a"}, {"id": "a"}]),
                json!({"correct": "a"})
            )
            .ends_with("choice id \"a\" appears more than once in choices")
        );
    }

    #[test]
    fn numbered_choice_ids_are_accepted() {
        let key = parsed(
            "single_choice",
            json!([{"id": 1, "text": "x"}, {"id": 2, "text": "y"}]),
            json!({"correct": 2}),
        );
        assert_eq!(
            key.key,
            AnswerKey::SingleChoice {
                correct: "2".into()
            }
        );
    }

    #[test]
    fn multiple_choice_key_problems() {
        assert!(
            error_of("multiple_choice", abc(), json!({"correct": []}))
                .ends_with("answer_key.correct is empty")
        );
        assert!(
            error_of("multiple_choice", abc(), json!({"correct": ["a", "a"]}))
                .ends_with("answer_key.correct lists \"a\" more than once")
        );
        assert!(
            error_of("multiple_choice", abc(), json!({"correct": ["a", "q"]}))
                .ends_with("answer_key.correct \"q\" is not one of the choices a, b, c")
        );
        assert!(
            error_of(
                "multiple_choice",
                abc(),
                json!({"correct": ["a"], "scoring": "some"})
            )
            .ends_with("answer_key.scoring \"some\" is not one of partial, all_or_nothing")
        );
    }

    #[test]
    fn numeric_key_problems() {
        assert!(
            error_of("numeric", Value::Null, json!({})).ends_with("answer_key.value is missing")
        );
        assert!(
            error_of(
                "numeric",
                Value::Null,
                json!({"value": 1, "tolerance": -0.5})
            )
            .ends_with("answer_key.tolerance must be at least 0, got -0.5")
        );
        assert!(
            error_of(
                "numeric",
                Value::Null,
                json!({"value": 1, "tolerance_kind": "percent"})
            )
            .ends_with("answer_key.tolerance_kind \"percent\" is not one of absolute, relative")
        );
    }

    #[test]
    fn fraction_key_problems() {
        assert!(error_of("fraction", Value::Null, json!({"value": "3/0"})).ends_with("answer_key.value \"3/0\" is not a number or fraction (write it like 3/4, -1/2, 1 1/2 or 0.75)"));
        assert!(
            error_of("fraction", Value::Null, json!({"value": true})).ends_with(
                "answer_key.value must be a fraction as a string, like \"3/4\", got a boolean"
            )
        );
        assert!(
            error_of(
                "fraction",
                Value::Null,
                json!({"value": "1/2", "require_lowest_terms": 1})
            )
            .ends_with("answer_key.require_lowest_terms must be true or false, got a number")
        );
    }

    #[test]
    fn short_text_key_problems() {
        assert!(
            error_of("short_text", Value::Null, json!({"accepted": []}))
                .ends_with("answer_key.accepted is empty")
        );
        assert!(
            error_of("short_text", Value::Null, json!({"accepted": ["ok", "  "]}))
                .ends_with("answer_key.accepted[1] is blank")
        );
    }

    #[test]
    fn ordering_key_problems() {
        assert!(
            error_of("ordering", abc(), json!({"order": ["a", "b"]}))
                .ends_with("answer_key.order must list every choice exactly once; missing c")
        );
        assert!(
            error_of("ordering", abc(), json!({"order": ["a", "b", "b", "c"]}))
                .ends_with("answer_key.order lists \"b\" more than once")
        );
        assert!(
            error_of("ordering", abc(), json!({"order": ["a", "b", "x"]}))
                .ends_with("answer_key.order \"x\" is not one of the choices a, b, c")
        );
    }

    #[test]
    fn points_must_be_finite_and_not_negative() {
        let mut q = question(3, "true_false", Value::Null, json!({"correct": true}));
        q.points = -1.0;
        assert_eq!(
            validate_question(&q)
                .expect_err("negative points")
                .to_string(),
            "question 3 (true_false): points must be a finite number of at least 0, got -1"
        );
        q.points = f64::NAN;
        assert!(validate_question(&q).is_err());
        q.points = 0.0;
        assert!(validate_question(&q).is_ok());
    }

    #[test]
    fn expected_answers_take_the_answer_shape() {
        assert_eq!(
            parsed("single_choice", abc(), json!({"correct": "b"})).expected(),
            json!("b")
        );
        assert_eq!(
            parsed("fraction", Value::Null, json!({"value": "6/8"})).expected(),
            json!("3/4")
        );
        assert_eq!(
            parsed(
                "short_text",
                Value::Null,
                json!({"accepted": ["Numerator", "x"]})
            )
            .expected(),
            json!("Numerator")
        );
        assert_eq!(
            parsed("ordering", abc(), json!({"order": ["c", "b", "a"]})).expected(),
            json!(["c", "b", "a"])
        );
    }

    #[test]
    fn text_normalization() {
        assert_eq!(
            normalize_text("  The\tNumerator \n", false),
            "the numerator"
        );
        assert_eq!(normalize_text("The  Numerator", true), "The Numerator");
        // NFKC: full-width letters and the "ﬁ" ligature fold to their plain forms.
        assert_eq!(normalize_text("ＡＢＣ ﬁne", false), "abc fine");
    }

    #[test]
    fn the_demo_course_keys_are_valid() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../directus-schema/demo/fractions.json"
        );
        let text = std::fs::read_to_string(path).expect("the demo course is in the repository");
        let demo: Value = serde_json::from_str(&text).expect("demo content is JSON");
        let mut checked = 0;
        for module in demo["modules"].as_array().into_iter().flatten() {
            for lesson in module["lessons"].as_array().into_iter().flatten() {
                for q in lesson["questions"].as_array().into_iter().flatten() {
                    let kind = q["type"].as_str().unwrap_or_default();
                    let mut question =
                        question(checked, kind, q["choices"].clone(), q["answer_key"].clone());
                    question.points = q["points"].as_f64().unwrap_or(1.0);
                    validate_question(&question).expect("demo key is valid");
                    checked += 1;
                }
            }
        }
        assert!(checked > 0);
    }
}

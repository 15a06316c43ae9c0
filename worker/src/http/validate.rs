//! `POST /v1/validate`: the content rules, asked at save time.
//!
//! The Pathwise extension's filter hooks send the course as it WOULD be after an
//! editor's save (new items carry negative ids) and refuse the save when a problem
//! concerns an item being saved. The rules are the engine's own ([`validate_course`],
//! [`validate_thresholds`]), so what Directus refuses at save time is exactly what would
//! stop grading. Signed like `/v1/events`, but the token vouches for the body by its hash
//! ([`event_auth::verify_signed_body`]: an HS256 token from the webhook secret whose
//! `body_sha256` claim is the hex SHA-256 of the body), so that a large course is not sent
//! twice; up to [`MAX_BODY_BYTES`].
//!
//! The body, flat:
//! ```json
//! {"course": {"id": 3, "title": "Fractions", "advance_threshold": 0.9,
//!             "remediate_threshold": 0.7, "mastery_threshold": 0.95},
//!  "skills": [{"id": 4, "name": "Equivalent fractions", "p_init": 0.2, "p_learn": 0.15,
//!              "p_guess": 0.2, "p_slip": 0.1}],
//!  "lessons": [{"id": 7, "title": "Comparing fractions", "status": "published", "kind": "lesson",
//!               "module_sort": 2, "sort": 1}],
//!  "prerequisites": [{"lesson": 7, "prerequisite": 6}],
//!  "questions": [{"id": 57, "lesson": 7, "prompt": "Which is larger?", "type": "single_choice",
//!                 "choices": [...], "answer_key": {...}, "points": 1, "skills": [4]}]}
//! ```
//! The answer: `200 {"problems": [{"collection": "questions", "id": 57, "field":
//! "answer_key", "fields": ["type", "choices", "answer_key"], "message": "..."}]}`, where
//! `field` is where an editor fixes it and `fields` every field whose value the problem
//! depends on (a save that touches none of them did not cause it). A malformed body is
//! 400 naming the place (`body:/questions/2`).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use tracing::Instrument;

use super::problem::Problem;
use super::{AppState, body_or_problem, event_auth, request_id, with_request_id};
use crate::learning::answer_key::json_type;
use crate::learning::editor_words::{
    key_fields, key_message, parameter_label, question_label, requires_chain, round,
    threshold_label,
};
use crate::learning::thresholds::{ThresholdError, validate_thresholds};
use crate::learning::{
    Course, EngineError, KeyError, Lesson, LessonKind, PathError, Question, Skill, SkillError,
    validate_course,
};

/// One thing an editor must fix, on one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentProblem {
    /// The collection of the item: `courses`, `skills`, `lessons` or `questions`.
    pub collection: &'static str,
    /// The item's id (negative for an item not saved yet).
    pub id: i64,
    /// The field where an editor fixes it (where the admin UI shows the error).
    pub field: &'static str,
    /// Every field whose value the problem depends on, `field` first.
    pub fields: Vec<&'static str>,
    /// What is wrong, in an editor's words, naming items by their titles.
    pub message: String,
}

/// A course as the save would leave it, with the titles the messages need.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseUnderEdit {
    /// The course in the engine's terms; an empty number is replaced by a usable value
    /// (and reported in `empty_values`) so that the other rules still run.
    pub course: Course,
    pub title: String,
    /// Numbers the body left empty (`null`): each is a problem of its own.
    pub empty_values: Vec<ContentProblem>,
}

#[derive(Debug, Deserialize)]
struct CourseIn {
    #[serde(deserialize_with = "id")]
    id: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "number")]
    advance_threshold: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    remediate_threshold: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    mastery_threshold: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct SkillIn {
    #[serde(deserialize_with = "id")]
    id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "number")]
    p_init: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    p_learn: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    p_guess: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    p_slip: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct LessonIn {
    #[serde(deserialize_with = "id")]
    id: i64,
    #[serde(default)]
    title: Option<String>,
    /// The `sort` of the lesson's module in the course, and the lesson's own `sort`: a
    /// cycle is told from its first lesson in course order.
    #[serde(default, deserialize_with = "optional_id")]
    module_sort: Option<i64>,
    #[serde(default, deserialize_with = "optional_id")]
    sort: Option<i64>,
    /// Directus does not hold a select field to its choices: an unknown kind is read as
    /// a regular lesson, as the worker reads it when grading.
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PrerequisiteIn {
    #[serde(deserialize_with = "id")]
    lesson: i64,
    #[serde(deserialize_with = "id")]
    prerequisite: i64,
}

#[derive(Debug, Deserialize)]
struct QuestionIn {
    #[serde(deserialize_with = "id")]
    id: i64,
    #[serde(default, deserialize_with = "optional_id")]
    lesson: Option<i64>,
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    choices: Value,
    #[serde(default)]
    answer_key: Value,
    /// Empty points are Directus' to refuse (the field is required, default 1).
    #[serde(default, deserialize_with = "number")]
    points: Option<f64>,
    #[serde(default, deserialize_with = "ids")]
    skills: Vec<i64>,
}

/// An id: a JSON integer, or a string holding one (Directus passes update keys as
/// strings).
fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(deserializer)?;
    id_of(&value).ok_or_else(|| {
        D::Error::custom(format!("expected an integer id, got {}", json_type(&value)))
    })
}

fn optional_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    id_of(&value).map(Some).ok_or_else(|| {
        D::Error::custom(format!("expected an integer id, got {}", json_type(&value)))
    })
}

fn ids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match &value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                id_of(item).ok_or_else(|| {
                    D::Error::custom(format!(
                        "[{i}]: expected an integer id, got {}",
                        json_type(item)
                    ))
                })
            })
            .collect(),
        other => Err(D::Error::custom(format!(
            "expected a list of ids, got {}",
            json_type(other)
        ))),
    }
}

fn id_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number, or a string holding one (a REST client may send `"0.5"`, which Directus
/// casts when it writes); `null` is `None`.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number, got the text {s:?}"))),
        other => Err(D::Error::custom(format!(
            "expected a number, got {}",
            json_type(&other)
        ))),
    }
}

fn malformed(location: String, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "malformed-body", detail).at(format!("body:{location}"))
}

/// The items of the list `name` (absent or `null`: none), each parsed on its own so a
/// problem names its index.
fn list<T: DeserializeOwned>(body: &Value, name: &str) -> Result<Vec<T>, Problem> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                T::deserialize(item).map_err(|e| malformed(format!("/{name}/{i}"), e.to_string()))
            })
            .collect(),
        Some(other) => Err(malformed(
            format!("/{name}"),
            format!("`{name}` must be a list, got {}", json_type(other)),
        )),
    }
}

/// Defaults of the Directus fields, used for a number left empty (after reporting it).
const DEFAULT_THRESHOLDS: [(&str, f64); 3] = [
    ("advance_threshold", 0.9),
    ("remediate_threshold", 0.7),
    ("mastery_threshold", 0.95),
];

impl TryFrom<&Value> for CourseUnderEdit {
    type Error = Problem;

    fn try_from(body: &Value) -> Result<Self, Problem> {
        if !body.is_object() {
            return Err(malformed(
                String::new(),
                format!("the body must be a JSON object, got {}", json_type(body)),
            ));
        }
        let course_in = CourseIn::deserialize(body.get("course").unwrap_or(&Value::Null))
            .map_err(|e| malformed("/course".into(), e.to_string()))?;
        let skills_in: Vec<SkillIn> = list(body, "skills")?;
        let lessons_in: Vec<LessonIn> = list(body, "lessons")?;
        let prerequisites_in: Vec<PrerequisiteIn> = list(body, "prerequisites")?;
        let questions_in: Vec<QuestionIn> = list(body, "questions")?;

        let title = course_in
            .title
            .clone()
            .unwrap_or_else(|| format!("course {}", course_in.id));
        let mut empty_values = Vec::new();
        let mut threshold = |value: Option<f64>, name: &'static str| {
            value.unwrap_or_else(|| {
                empty_values.push(ContentProblem {
                    collection: "courses",
                    id: course_in.id,
                    field: name,
                    fields: vec![name],
                    message: format!(
                        "'{title}': {} is empty; give it a value between 0 and 1.",
                        threshold_label(name)
                    ),
                });
                DEFAULT_THRESHOLDS
                    .iter()
                    .find(|(field, _)| *field == name)
                    .map_or(0.5, |(_, default)| *default)
            })
        };
        let advance_threshold = threshold(course_in.advance_threshold, "advance_threshold");
        let remediate_threshold = threshold(course_in.remediate_threshold, "remediate_threshold");
        let mastery_threshold = threshold(course_in.mastery_threshold, "mastery_threshold");

        let mut lessons: Vec<Lesson> = lessons_in
            .into_iter()
            .map(|lesson| Lesson {
                id: lesson.id,
                title: lesson
                    .title
                    .unwrap_or_else(|| format!("lesson {}", lesson.id)),
                module_sort: lesson.module_sort.unwrap_or_default(),
                sort: lesson.sort.unwrap_or_default(),
                kind: lesson
                    .kind
                    .and_then(|kind| serde_json::from_value::<LessonKind>(json!(kind)).ok())
                    .unwrap_or_default(),
                skills: Vec::new(),
                prerequisites: Vec::new(),
                estimated_minutes: None,
                video_url: None,
            })
            .collect();
        for (i, row) in prerequisites_in.iter().enumerate() {
            let lesson = lessons
                .iter_mut()
                .find(|lesson| lesson.id == row.lesson)
                .ok_or_else(|| {
                    malformed(
                        format!("/prerequisites/{i}/lesson"),
                        format!("lesson {} is not one of `lessons`", row.lesson),
                    )
                })?;
            lesson.prerequisites.push(row.prerequisite);
        }

        let skills = skills_in
            .into_iter()
            .map(|skill| {
                let name = skill.name.unwrap_or_else(|| format!("skill {}", skill.id));
                let mut parameter = |value: Option<f64>, field: &'static str| {
                    value.unwrap_or_else(|| {
                        empty_values.push(ContentProblem {
                            collection: "skills",
                            id: skill.id,
                            field,
                            fields: vec![field],
                            message: format!(
                                "'{name}': {} is empty; give it a value strictly between 0 and 1.",
                                parameter_label(field)
                            ),
                        });
                        // Usable, so that the skill's other parameters are still checked.
                        0.1
                    })
                };
                let p_init = parameter(skill.p_init, "p_init");
                let p_learn = parameter(skill.p_learn, "p_learn");
                let p_guess = parameter(skill.p_guess, "p_guess");
                let p_slip = parameter(skill.p_slip, "p_slip");
                Skill {
                    id: skill.id,
                    name,
                    p_init,
                    p_learn,
                    p_guess,
                    p_slip,
                }
            })
            .collect();

        let questions = questions_in
            .into_iter()
            .map(|question| Question {
                id: question.id,
                lesson: question.lesson,
                kind: question.kind.unwrap_or_default(),
                prompt: question
                    .prompt
                    .or(question.title)
                    .unwrap_or_else(|| format!("question {}", question.id)),
                choices: question.choices,
                answer_key: question.answer_key,
                points: question.points.unwrap_or(1.0),
                explanation: None,
                skills: question.skills,
            })
            .collect();

        Ok(Self {
            course: Course {
                id: course_in.id,
                advance_threshold,
                remediate_threshold,
                mastery_threshold,
                lessons,
                skills,
                questions,
                review_parameters: None,
            },
            title,
            empty_values,
        })
    }
}

impl CourseUnderEdit {
    /// Every problem of the course, in an editor's words: empty numbers, thresholds,
    /// then the engine's rules (prerequisites, skills, questions).
    pub fn problems(&self) -> Vec<ContentProblem> {
        let mut problems = self.empty_values.clone();
        problems.extend(
            validate_thresholds(&self.course)
                .into_iter()
                .map(|error| self.threshold_problem(error)),
        );
        for error in validate_course(&self.course) {
            problems.extend(self.engine_problems(error));
        }
        problems.extend(self.questions_without_skills());
        problems
    }

    /// A question that assesses no skill grades, but its answers never move anyone's
    /// mastery: refused when it is saved so (grading does not reject it, so it is no
    /// content issue of a live course).
    fn questions_without_skills(&self) -> impl Iterator<Item = ContentProblem> + '_ {
        self.course
            .questions
            .iter()
            .filter(|question| question.skills.is_empty())
            .map(|question| ContentProblem {
                collection: "questions",
                id: question.id,
                field: "skills",
                fields: vec!["skills"],
                message: format!(
                    "{}: it assesses no skill; link at least one skill of '{}', or answering it will never change what a student has mastered.",
                    question_label(&self.course, question.id),
                    self.title
                ),
            })
    }

    fn threshold_problem(&self, error: ThresholdError) -> ContentProblem {
        let course = &self.title;
        match error {
            ThresholdError::OutOfRange {
                course: id,
                threshold,
                value,
            } => ContentProblem {
                collection: "courses",
                id,
                field: threshold,
                fields: vec![threshold],
                message: format!(
                    "'{course}': {} must be between 0 and 1 (it is {value}).",
                    threshold_label(threshold)
                ),
            },
            ThresholdError::RemediateAboveAdvance {
                course: id,
                remediate,
                advance,
            } => ContentProblem {
                collection: "courses",
                id,
                field: "remediate_threshold",
                fields: vec!["remediate_threshold", "advance_threshold"],
                message: format!(
                    "'{course}': scores below {remediate} get remediation, but scores of {advance} and above move on; the remediation threshold must not be above the advance threshold."
                ),
            },
        }
    }

    fn engine_problems(&self, error: EngineError) -> Vec<ContentProblem> {
        match error {
            EngineError::Key(error) => vec![self.key_problem(&error)],
            EngineError::Skill(SkillError::OutOfRange {
                skill,
                name,
                parameter,
                value,
            }) => vec![ContentProblem {
                collection: "skills",
                id: skill,
                field: parameter,
                fields: vec![parameter],
                message: format!(
                    "'{name}': {} must be strictly between 0 and 1 (it is {value}).",
                    parameter_label(parameter)
                ),
            }],
            EngineError::Skill(SkillError::GuessAndSlipTooHigh { skill, name, sum }) => {
                vec![ContentProblem {
                    collection: "skills",
                    id: skill,
                    field: "p_guess",
                    fields: vec!["p_guess", "p_slip"],
                    message: format!(
                        "'{name}': p_guess + p_slip is {}; it must be below 1, otherwise a right answer would lower the estimate that a student knows the skill.",
                        round(sum)
                    ),
                }]
            }
            EngineError::Path(PathError::Cycle { lessons, titles }) => {
                let message = format!(
                    "{}. A lesson cannot require itself, even through other lessons: remove one of these prerequisites.",
                    requires_chain(&titles)
                );
                lessons
                    .into_iter()
                    .map(|lesson| ContentProblem {
                        collection: "lessons",
                        id: lesson,
                        field: "prerequisites",
                        fields: vec!["prerequisites"],
                        message: message.clone(),
                    })
                    .collect()
            }
            EngineError::Path(PathError::UnknownPrerequisite {
                lesson,
                title,
                prerequisite,
            }) => vec![ContentProblem {
                collection: "lessons",
                id: lesson,
                field: "prerequisites",
                fields: vec!["prerequisites", "module"],
                message: format!(
                    "'{title}' requires lesson {prerequisite}, which is not a lesson of '{}'; a prerequisite must be in the same course.",
                    self.title
                ),
            }],
            EngineError::Path(PathError::DuplicateLesson { lesson }) => vec![ContentProblem {
                collection: "lessons",
                id: lesson,
                field: "id",
                fields: vec!["id"],
                message: format!(
                    "Lesson {lesson} appears more than once in '{}'.",
                    self.title
                ),
            }],
            EngineError::UnknownSkill {
                question, skill, ..
            } => vec![ContentProblem {
                collection: "questions",
                id: question,
                field: "skills",
                fields: vec!["skills", "lesson"],
                message: format!(
                    "{}: it assesses skill {skill}, which is not a skill of '{}'; link skills of this course only.",
                    question_label(&self.course, question),
                    self.title
                ),
            }],
            // Not produced by validate_course; reported on the course rather than lost.
            other @ (EngineError::UnknownLesson { .. } | EngineError::UnknownStrategy { .. }) => {
                vec![ContentProblem {
                    collection: "courses",
                    id: self.course.id,
                    field: "id",
                    fields: vec!["id"],
                    message: other.to_string(),
                }]
            }
        }
    }

    fn key_problem(&self, error: &KeyError) -> ContentProblem {
        let (field, fields) = key_fields(&error.problem);
        ContentProblem {
            collection: "questions",
            id: error.question,
            field,
            fields,
            message: format!(
                "{}: {}",
                question_label(&self.course, error.question),
                key_message(&error.kind, &error.problem)
            ),
        }
    }
}

/// The largest course a validation request may carry (the other routes keep
/// [`super::MAX_BODY_BYTES`]).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// `POST /v1/validate`.
pub async fn validate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let span = tracing::info_span!("validate", request_id = %request_id);
    let response = async {
        let body = body_or_problem(body)?;
        let verified =
            event_auth::verify_signed_body(&headers, &body, &state.inner.webhook_secret)?;
        let course = CourseUnderEdit::try_from(&verified)?;
        let problems = course.problems();
        tracing::debug!(
            course.id = course.course.id,
            problems = problems.len(),
            "course validated"
        );
        Ok::<_, Problem>(axum::Json(json!({ "problems": problems })).into_response())
    }
    .instrument(span)
    .await;
    let response = response.unwrap_or_else(|mut problem| {
        tracing::warn!(problem.kind = %problem.kind, problem.status = problem.status, problem.detail = %problem.detail, "validation request rejected");
        problem.request_id = Some(request_id.clone());
        problem.into_response()
    });
    with_request_id(response, &request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's shape: two lessons (Ordering needs Comparing), a choice question.
    fn body() -> Value {
        json!({
            "course": {"id": 3, "title": "Fractions", "advance_threshold": 0.9,
                       "remediate_threshold": 0.7, "mastery_threshold": 0.95},
            "skills": [{"id": 4, "name": "Comparing", "p_init": 0.2, "p_learn": 0.15,
                        "p_guess": 0.2, "p_slip": 0.1}],
            "lessons": [{"id": 7, "title": "Comparing fractions", "status": "published", "kind": "lesson"},
                        {"id": 8, "title": "Ordering fractions", "status": "draft", "kind": "practice"}],
            "prerequisites": [{"lesson": 8, "prerequisite": 7}],
            "questions": [{"id": 57, "lesson": 7, "prompt": "Which is larger?\n3/4 or 2/3",
                           "type": "single_choice",
                           "choices": [{"id": "a", "text": "3/4"}, {"id": "b", "text": "2/3"}],
                           "answer_key": {"correct": "a"}, "points": 1, "skills": [4]}]
        })
    }

    fn problems(body: &Value) -> Vec<ContentProblem> {
        CourseUnderEdit::try_from(body).expect("parses").problems()
    }

    #[test]
    fn a_sound_course_has_no_problem() {
        assert_eq!(problems(&body()), vec![]);
    }

    #[test]
    fn a_question_that_assesses_no_skill_is_a_problem_at_its_skills() {
        let mut body = body();
        body["questions"][0]["skills"] = json!([]);
        assert_eq!(
            problems(&body),
            vec![ContentProblem {
                collection: "questions",
                id: 57,
                field: "skills",
                fields: vec!["skills"],
                message: "Question 'Which is larger? 3/4 or 2/3': it assesses no skill; link at least one skill of 'Fractions', or answering it will never change what a student has mastered.".into(),
            }]
        );
    }

    #[test]
    fn a_cycle_is_one_problem_per_lesson_in_an_editors_words() {
        let mut body = body();
        body["prerequisites"]
            .as_array_mut()
            .unwrap()
            .push(json!({"lesson": 7, "prerequisite": 8}));
        let found = problems(&body);
        let message = "'Comparing fractions' requires 'Ordering fractions', which requires 'Comparing fractions'. A lesson cannot require itself, even through other lessons: remove one of these prerequisites.";
        assert_eq!(
            found,
            vec![
                ContentProblem {
                    collection: "lessons",
                    id: 7,
                    field: "prerequisites",
                    fields: vec!["prerequisites"],
                    message: message.into()
                },
                ContentProblem {
                    collection: "lessons",
                    id: 8,
                    field: "prerequisites",
                    fields: vec!["prerequisites"],
                    message: message.into()
                },
            ]
        );
    }

    #[test]
    fn a_new_lesson_with_a_negative_id_is_checked_too() {
        let mut body = body();
        body["lessons"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": -1, "title": "Adding fractions"}));
        body["prerequisites"] = json!([
            {"lesson": 8, "prerequisite": 7},
            {"lesson": 7, "prerequisite": -1},
            {"lesson": -1, "prerequisite": 8}
        ]);
        let ids: Vec<i64> = problems(&body).iter().map(|p| p.id).collect();
        assert_eq!(ids, vec![-1, 8, 7], "the cycle starts at its smallest id");
    }

    #[test]
    fn a_cycle_is_told_from_its_first_lesson_in_course_order() {
        let mut body = body();
        body["lessons"][0]["module_sort"] = json!(2);
        body["lessons"][1]["module_sort"] = json!(1);
        body["prerequisites"]
            .as_array_mut()
            .unwrap()
            .push(json!({"lesson": 7, "prerequisite": 8}));
        let found = problems(&body);
        assert!(
            found[0]
                .message
                .starts_with("'Ordering fractions' requires 'Comparing fractions', which requires 'Ordering fractions'."),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn an_answer_key_naming_a_missing_choice_is_a_problem_at_the_key() {
        let mut body = body();
        body["questions"][0]["answer_key"] = json!({"correct": "z"});
        assert_eq!(
            problems(&body),
            vec![ContentProblem {
                collection: "questions",
                id: 57,
                field: "answer_key",
                fields: vec!["answer_key", "type", "choices"],
                message: "Question 'Which is larger? 3/4 or 2/3': the answer key names choice \"z\", which is not one of the question's choices (a, b).".into()
            }]
        );
    }

    #[test]
    fn key_problems_show_where_an_editor_fixes_them() {
        let field_for = |change: &dyn Fn(&mut Value)| {
            let mut body = body();
            change(&mut body["questions"][0]);
            let found = problems(&body);
            assert_eq!(found.len(), 1, "{found:?}");
            found[0].field
        };
        assert_eq!(field_for(&|q| q["type"] = json!("essay")), "type");
        assert_eq!(field_for(&|q| q["choices"] = json!([])), "choices");
        assert_eq!(field_for(&|q| q["points"] = json!(-1)), "points");
        assert_eq!(
            field_for(&|q| q["answer_key"] = json!({"correct": "a", "tolerence": 1})),
            "answer_key"
        );
        assert_eq!(
            field_for(&|q| q["type"] = json!("true_false")),
            "answer_key",
            "a true/false key must be a boolean"
        );
    }

    #[test]
    fn every_key_problem_has_an_editor_message() {
        // A few representative problems, end to end through the engine.
        let message_for = |question: Value| {
            let mut body = body();
            body["questions"] = json!([question]);
            problems(&body)[0].message.clone()
        };
        let base =
            json!({"id": 1, "lesson": 7, "prompt": "Order them", "skills": [4], "points": 1});
        let with = |extra: Value| {
            let mut q = base.clone();
            q.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            q
        };
        assert_eq!(
            message_for(with(json!({"type": "ordering",
                "choices": [{"id": "a"}, {"id": "b"}], "answer_key": {"order": ["a"]}}))),
            "Question 'Order them': the answer key's order must list every choice exactly once; it leaves out b."
        );
        assert_eq!(
            message_for(with(
                json!({"type": "fraction", "answer_key": {"value": "3/0"}})
            )),
            "Question 'Order them': the answer key's value \"3/0\" is not a number or fraction; write it like 3/4, -1/2, 1 1/2 or 0.75."
        );
        assert_eq!(
            message_for(with(json!({"type": "numeric", "answer_key": {}}))),
            "Question 'Order them': the answer key has no \"value\", which a numeric question needs."
        );
    }

    #[test]
    fn skill_parameters_out_of_range_name_the_parameter() {
        let mut body = body();
        body["skills"][0]["p_guess"] = json!(1.2);
        let found = problems(&body);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].collection, found[0].id, found[0].field),
            ("skills", 4, "p_guess")
        );
        assert_eq!(
            found[0].message,
            "'Comparing': the chance of a right answer without knowing it (p_guess) must be strictly between 0 and 1 (it is 1.2)."
        );

        let mut body = self::body();
        body["skills"][0]["p_guess"] = json!(0.6);
        body["skills"][0]["p_slip"] = json!("0.5");
        let found = problems(&body);
        assert_eq!(found[0].fields, vec!["p_guess", "p_slip"]);
        assert!(
            found[0].message.contains("p_guess + p_slip is 1.1;"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn thresholds_out_of_range_or_crossed_are_problems() {
        let mut body = body();
        body["course"]["mastery_threshold"] = json!(1.5);
        let found = problems(&body);
        assert_eq!(
            (found[0].collection, found[0].id, found[0].field),
            ("courses", 3, "mastery_threshold")
        );
        assert_eq!(
            found[0].message,
            "'Fractions': the mastery threshold (mastery_threshold) must be between 0 and 1 (it is 1.5)."
        );

        let mut body = self::body();
        body["course"]["remediate_threshold"] = json!(0.95);
        let found = problems(&body);
        assert_eq!(found[0].field, "remediate_threshold");
        assert_eq!(
            found[0].fields,
            vec!["remediate_threshold", "advance_threshold"]
        );
    }

    #[test]
    fn empty_numbers_are_problems_and_the_rest_is_still_checked() {
        let mut body = body();
        body["skills"][0]["p_init"] = Value::Null;
        body["course"]["advance_threshold"] = Value::Null;
        body["questions"][0]["answer_key"] = json!({"correct": "z"});
        let found: Vec<(&str, &str)> = problems(&body)
            .iter()
            .map(|p| (p.collection, p.field))
            .collect();
        assert_eq!(
            found,
            vec![
                ("courses", "advance_threshold"),
                ("skills", "p_init"),
                ("questions", "answer_key")
            ]
        );
    }

    #[test]
    fn a_question_assessing_another_courses_skill_is_a_problem_at_its_skills() {
        let mut body = body();
        body["questions"][0]["skills"] = json!([4, "99"]);
        assert_eq!(
            problems(&body),
            vec![ContentProblem {
                collection: "questions",
                id: 57,
                field: "skills",
                fields: vec!["skills", "lesson"],
                message: "Question 'Which is larger? 3/4 or 2/3': it assesses skill 99, which is not a skill of 'Fractions'; link skills of this course only.".into()
            }]
        );
    }

    #[test]
    fn a_prerequisite_outside_the_course_is_a_problem() {
        let mut body = body();
        body["prerequisites"] = json!([{"lesson": 8, "prerequisite": 700}]);
        let found = problems(&body);
        assert_eq!(
            (found[0].collection, found[0].id, found[0].field),
            ("lessons", 8, "prerequisites")
        );
        assert!(
            found[0]
                .message
                .starts_with("'Ordering fractions' requires lesson 700")
        );
    }

    #[test]
    fn long_prompts_are_shortened_in_messages() {
        let mut body = body();
        body["questions"][0]["prompt"] = json!("x ".repeat(100));
        body["questions"][0]["answer_key"] = json!({"correct": "z"});
        let message = &problems(&body)[0].message;
        assert!(message.starts_with("Question 'x x x"), "{message}");
        assert!(message.contains("…': the answer key"), "{message}");
    }

    #[test]
    fn a_malformed_body_names_the_place() {
        let place = |body: Value| {
            CourseUnderEdit::try_from(&body)
                .expect_err("malformed")
                .location
                .unwrap_or_default()
        };
        assert_eq!(place(json!([])), "body:");
        assert_eq!(place(json!({"skills": []})), "body:/course");
        let mut bad_question = body();
        bad_question["questions"][0]["skills"] = json!(["four"]);
        assert_eq!(place(bad_question), "body:/questions/0");
        let mut bad_list = body();
        bad_list["lessons"] = json!({"id": 1});
        assert_eq!(place(bad_list), "body:/lessons");
        let mut stray = body();
        stray["prerequisites"] = json!([{"lesson": 99, "prerequisite": 7}]);
        assert_eq!(place(stray), "body:/prerequisites/0/lesson");
        let mut bad_number = body();
        bad_number["skills"][0]["p_slip"] = json!("a lot");
        let problem = CourseUnderEdit::try_from(&bad_number).expect_err("malformed");
        assert_eq!(problem.location.as_deref(), Some("body:/skills/0"));
        assert!(problem.detail.contains("\"a lot\""), "{}", problem.detail);
    }

    #[test]
    fn an_unknown_lesson_kind_reads_as_a_lesson() {
        let mut body = body();
        body["lessons"][0]["kind"] = json!("quiz");
        let course = CourseUnderEdit::try_from(&body).expect("parses");
        assert_eq!(course.course.lessons[0].kind, LessonKind::Lesson);
        assert_eq!(course.course.lessons[1].kind, LessonKind::Practice);
    }
}

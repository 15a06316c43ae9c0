//! Course content as the learning engine sees it.
//!
//! These mirror the Directus collections (`courses`, `lessons`, `skills`, `questions`)
//! with relations already resolved to ids, so the worker can deserialize them from
//! Directus JSON (many-to-many links flattened to `Vec<i64>`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A question: one item of a lesson, graded against its answer key.
///
/// `kind` is the Directus `questions.type` string (`single_choice`, `multiple_choice`,
/// `true_false`, `numeric`, `fraction`, `short_text`, `ordering`). It stays a string so
/// that an unknown type is a [`KeyError`](super::KeyError) from
/// [`validate_question`](super::validate_question), not a deserialization failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: i64,
    /// The lesson the question belongs to, when known.
    #[serde(default)]
    pub lesson: Option<i64>,
    /// The question type, `questions.type` in Directus.
    #[serde(rename = "type", alias = "kind")]
    pub kind: String,
    #[serde(default)]
    pub prompt: String,
    /// `[{"id": "a", "text": "1/2"}, ...]` for choice and ordering types; anything for
    /// the others.
    #[serde(default)]
    pub choices: Value,
    /// The answer key; its format depends on `kind` (see `docs/answer-keys.md`).
    #[serde(default)]
    pub answer_key: Value,
    #[serde(default = "default_points")]
    pub points: f64,
    #[serde(default)]
    pub explanation: Option<String>,
    /// The skills this question assesses.
    #[serde(default)]
    pub skills: Vec<i64>,
}

fn default_points() -> f64 {
    1.0
}

/// A knowledge component with its Bayesian Knowledge Tracing parameters, each strictly
/// between 0 and 1 (see [`validate_skill`](super::validate_skill)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    pub id: i64,
    pub name: String,
    /// P(known) before any evidence.
    pub p_init: f64,
    /// P(unknown -> known) after each practice opportunity.
    pub p_learn: f64,
    /// P(correct | not known).
    pub p_guess: f64,
    /// P(wrong | known).
    pub p_slip: f64,
}

/// What a lesson is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonKind {
    /// A regular step of the course.
    #[default]
    Lesson,
    /// A detour for a student who struggles with its skills: recommended, never a path
    /// step.
    Remediation,
    /// Extra practice; a path step like a regular lesson.
    Practice,
}

/// A lesson, ordered by its module's position in the course, then its own position in
/// the module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub id: i64,
    pub title: String,
    /// The `sort` of the lesson's module within the course.
    #[serde(default)]
    pub module_sort: i64,
    /// The lesson's `sort` within its module.
    #[serde(default)]
    pub sort: i64,
    #[serde(default)]
    pub kind: LessonKind,
    /// The skills this lesson teaches.
    #[serde(default)]
    pub skills: Vec<i64>,
    /// Lessons that must be done before this one.
    #[serde(default)]
    pub prerequisites: Vec<i64>,
    #[serde(default)]
    pub estimated_minutes: Option<f64>,
    /// A video that covers the lesson, if any (remediation lessons often have one).
    #[serde(default)]
    pub video_url: Option<String>,
}

/// A course with everything the engine needs: thresholds, lessons, skills, questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    pub id: i64,
    /// A score at or above this moves the student on (default 0.9).
    #[serde(default = "default_advance")]
    pub advance_threshold: f64,
    /// A score below this gets a remediation lesson (default 0.7).
    #[serde(default = "default_remediate")]
    pub remediate_threshold: f64,
    /// A skill is mastered when P(known) is at least this (default 0.95).
    #[serde(default = "default_mastery")]
    pub mastery_threshold: f64,
    #[serde(default)]
    pub lessons: Vec<Lesson>,
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Every question of the course; `Question::lesson` says which lesson each is in.
    #[serde(default)]
    pub questions: Vec<Question>,
    /// FSRS-6 parameters fitted on the course's own reviews by the nightly analysis
    /// (`None`: the defaults). See [`super::reviews::ReviewScheduler::for_course`].
    #[serde(default)]
    pub review_parameters: Option<Vec<f32>>,
}

/// Slack for threshold comparisons, so that a score assembled from partial credits
/// (0.8999999999999999) still reaches a 0.9 threshold.
pub const THRESHOLD_EPSILON: f64 = 1e-9;

/// `value` reaches `threshold` (inclusive, with [`THRESHOLD_EPSILON`] of slack).
pub fn at_least(value: f64, threshold: f64) -> bool {
    value >= threshold - THRESHOLD_EPSILON
}

fn default_advance() -> f64 {
    0.9
}
fn default_remediate() -> f64 {
    0.7
}
fn default_mastery() -> f64 {
    0.95
}

impl Course {
    /// The lesson with this id.
    pub fn lesson(&self, id: i64) -> Option<&Lesson> {
        self.lessons.iter().find(|lesson| lesson.id == id)
    }

    /// The skill with this id.
    pub fn skill(&self, id: i64) -> Option<&Skill> {
        self.skills.iter().find(|skill| skill.id == id)
    }

    /// The questions of one lesson, in course order.
    pub fn questions_of(&self, lesson: i64) -> Vec<&Question> {
        self.questions
            .iter()
            .filter(|question| question.lesson == Some(lesson))
            .collect()
    }

    /// The name of a skill, or `skill <id>` when the course does not have it.
    pub fn skill_name(&self, id: i64) -> String {
        self.skill(id)
            .map_or_else(|| format!("skill {id}"), |skill| skill.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn question_deserializes_from_directus_json_with_defaults() {
        let question: Question = serde_json::from_value(json!({
            "id": 12, "type": "single_choice", "prompt": "Which?",
            "choices": [{"id": "a", "text": "1/2"}], "answer_key": {"correct": "a"}
        }))
        .expect("valid question");
        assert_eq!(question.kind, "single_choice");
        assert_eq!(question.points, 1.0);
        assert!(question.skills.is_empty());
        assert_eq!(question.lesson, None);
    }

    #[test]
    fn question_accepts_kind_as_an_alias_for_type() {
        let question: Question =
            serde_json::from_value(json!({"id": 1, "kind": "numeric"})).expect("valid question");
        assert_eq!(question.kind, "numeric");
    }

    #[test]
    fn course_thresholds_default_to_the_product_values() {
        let course: Course = serde_json::from_value(json!({"id": 1})).expect("valid course");
        assert_eq!(
            (
                course.advance_threshold,
                course.remediate_threshold,
                course.mastery_threshold
            ),
            (0.9, 0.7, 0.95)
        );
    }

    #[test]
    fn lesson_kind_is_snake_case_and_defaults_to_lesson() {
        let lesson: Lesson =
            serde_json::from_value(json!({"id": 1, "title": "A"})).expect("valid lesson");
        assert_eq!(lesson.kind, LessonKind::Lesson);
        let lesson: Lesson =
            serde_json::from_value(json!({"id": 1, "title": "A", "kind": "remediation"}))
                .expect("valid lesson");
        assert_eq!(lesson.kind, LessonKind::Remediation);
    }

    #[test]
    fn thresholds_are_inclusive_with_rounding_slack() {
        assert!(at_least(0.9, 0.9));
        assert!(
            at_least(0.3 + 0.3 + 0.3, 0.9),
            "0.8999999999999999 reaches 0.9"
        );
        let sum: f64 = [0.3, 0.3, 0.3].iter().sum();
        assert!(sum < 0.9 && at_least(sum, 0.9));
        assert!(!at_least(0.8999, 0.9));
    }

    #[test]
    fn skill_name_falls_back_to_the_id() {
        let course: Course = serde_json::from_value(json!({"id": 1})).expect("valid course");
        assert_eq!(course.skill_name(7), "skill 7");
    }
}

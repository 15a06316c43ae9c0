//! The learning engine: pure functions, no I/O.
//!
//! Everything here is plain data in, plain data out: no async, no HTTP, no Directus
//! types. The worker reads content and learner records from Directus, builds the input
//! types of this module (they derive serde so they can be filled straight from Directus
//! JSON), calls one function, and writes back what it returns.
//!
//! - [`content`]: the course content the engine reasons about ([`Course`], [`Lesson`],
//!   [`Skill`], [`Question`]).
//! - [`answer_key`]: the answer-key format of each question type and its validation
//!   ([`validate_question`], [`KeyError`]). Documented for editors in
//!   `docs/answer-keys.md`.
//! - [`grading`]: per-question grading with feedback, attempt totals and speed
//!   ([`grade_attempt`], [`GradedAttempt`]).
//! - [`mastery`]: Bayesian Knowledge Tracing per (student, skill) ([`MasteryState`]).
//! - [`reviews`]: FSRS spaced-repetition scheduling per (student, skill), through the
//!   `fsrs` crate (FSRS-6); [`reviews::migrate_fsrs5_state`] reads stored FSRS-5 state.
//! - [`paths`]: lessons in prerequisite order, done / available / locked
//!   ([`build_path`], [`recompute_paths`]); [`usable_path`] and
//!   [`recompute_usable_paths`] go on when prerequisites are broken.
//! - [`recommend`]: pluggable recommendation strategies ([`Strategy`],
//!   `threshold-rules` and `mastery-first`).
//! - [`experiment`]: deterministic assignment of students to strategies.
//! - [`engagement`]: XP, daily streaks in the student's time zone, last activity.
//! - [`messages`]: inactivity nudges, review digests and badges, decided per student in
//!   their own time zone, each keyed for its period so that it is sent once.
//! - [`engine`]: [`process_attempt`], the one call the worker makes per graded attempt,
//!   and [`validate_course`], every content problem an editor should fix.
//! - [`editor_words`]: the pieces of those problems' sentences shared by save-time
//!   refusals and recorded issues (field labels, answer-key problems, cycle chains).
//! - [`issues`]: those problems in editors' words with stable keys ([`course_issues`]),
//!   what to tell a student whose attempt they stop ([`student_reason`]), and how the
//!   stored `content_issues` must change to record each once ([`reconcile_issues`]).
//! - [`rational`]: exact fractions for fraction answers.
//! - [`thresholds`]: a course's advance, remediation and mastery thresholds, checked
//!   ([`thresholds::validate_thresholds`]).

pub mod analytics;
pub mod answer_key;
pub mod content;
pub mod editor_words;
pub mod engagement;
pub mod engine;
pub mod experiment;
pub mod grading;
pub mod issues;
pub mod mastery;
pub mod messages;
pub mod paths;
pub mod rational;
pub mod recommend;
pub mod fsrs_fit;
pub mod reviews;
pub mod thresholds;

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod testkit;

pub use answer_key::{
    AnswerKey, CheckedKey, Choice, KeyError, KeyProblem, QuestionKind, Scoring, ToleranceKind,
    validate_question,
};
pub use content::{Course, Lesson, LessonKind, Question, Skill};
pub use engagement::{Engagement, update_engagement};
pub use engine::{
    AnswerPrediction, AttemptInput, AttemptOutcome, EngineError, SkillUpdate, process_attempt,
    process_attempt_with, update_skills, validate_course,
};
pub use experiment::{DEFAULT_STRATEGY, assign_strategy};
pub use grading::{
    GradedAttempt, Pace, QuestionResult, Speed, SpeedFlag, Timing, grade_attempt, measure_speed,
};
pub use issues::{
    ContentIssue, IssueChange, StoredIssue, course_issues, reconcile_issues, student_reason,
};
pub use mastery::{MasteryState, SkillError, validate_skill};
pub use paths::{
    CompletionRule, LearningPath, PathError, PathStep, StepState, StudentProgress, build_path,
    lesson_order, prerequisite_problems, recompute_paths, recompute_usable_paths, usable_course,
    usable_path, validate_prerequisites,
};
pub use recommend::{
    MasteryFirst, Recommendation, RecommendationContext, RecommendationKind, STRATEGY_NAMES,
    Strategy, ThresholdRules, strategy_by_name,
};
pub use reviews::{ReviewRating, ReviewScheduler, is_due};

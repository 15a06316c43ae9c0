//! Learning analytics: the nightly analyses, pure and I/O-free like the rest of
//! [`learning`](super).
//!
//! The worker reads a course's records from Directus, fills the plain input types of
//! these modules, calls one function per analysis and stores what it returns (every
//! output derives `Serialize`, so it is written as JSON). Outputs are sorted so that the
//! same input always gives byte-identical JSON, and empty inputs give empty reports,
//! never a panic.
//!
//! - [`insights`]: a course's lessons, skills, inactive students and cohorts that
//!   struggle ([`course_insights`]).
//! - [`ab_report`](mod@ab_report): strategies of an experiment compared to its control, at the student
//!   level ([`ab_report()`]).
//! - [`accuracy`]: how well BKT predicts answers, next to two simple baselines
//!   ([`accuracy_report`]).
//! - [`bkt_fit`]: a skill's BKT parameters fitted to its answer history by EM
//!   ([`fit_bkt`]).
//! - [`stats`]: means, medians, Student-t intervals, written out here.

pub mod ab_report;
pub mod accuracy;
pub mod bkt_fit;
pub mod insights;
pub mod nightly;
pub mod stats;

pub use ab_report::{
    AbAttempt, AbOptions, AbReport, AbStudent, Comparison, ExperimentReport, Metric,
    MetricComparison, StrategySummary, Verdict, ab_report,
};
pub use accuracy::{
    AccuracyOptions, AccuracyReport, AnswerRecord, CalibrationBin, PredictorScore, ScopeAccuracy,
    accuracy_report,
};
pub use bkt_fit::{BktFit, BktParameters, FitOptions, fit_bkt, sequences_by_student};
pub use insights::{
    AttemptRecord, CohortInsight, CohortMembers, CohortReason, CourseInsights, InactiveStudents,
    InsightLesson, InsightSkill, InsightThresholds, InsightsInput, LessonInsight, MasteryRow,
    SkillInsight, SkillObservation, StudentActivity, TimeToMastery, course_insights,
};
pub use stats::{Estimate, Interval};

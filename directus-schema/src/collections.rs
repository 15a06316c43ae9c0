//! Collection names: the public contract of docs/data-model.md.

pub const SUBJECTS: &str = "subjects";
pub const COURSES: &str = "courses";
pub const MODULES: &str = "modules";
pub const LESSONS: &str = "lessons";
pub const SKILLS: &str = "skills";
pub const LESSON_SKILLS: &str = "lesson_skills";
pub const LESSON_PREREQUISITES: &str = "lesson_prerequisites";
pub const QUESTIONS: &str = "questions";
pub const QUESTION_SKILLS: &str = "question_skills";
pub const ATTEMPTS: &str = "attempts";
pub const STUDENT_PROFILES: &str = "student_profiles";
pub const MASTERY: &str = "mastery";
pub const LEARNING_PATHS: &str = "learning_paths";
pub const RECOMMENDATIONS: &str = "recommendations";
pub const DEAD_LETTERS: &str = "dead_letters";
/// Every engagement message sent (nudges, review digests, badge news), once per period.
pub const MESSAGES: &str = "messages";
/// Badges students earned, each once.
pub const BADGES: &str = "badges";
/// Scheduled job runs, one per job and period.
pub const JOB_RUNS: &str = "job_runs";
/// Problems in content that stop attempts from being graded, one per problem (its `key`).
pub const CONTENT_ISSUES: &str = "content_issues";
/// The nightly analysis of a course, one row per course and day.
pub const COURSE_INSIGHTS: &str = "course_insights";
/// The nightly A/B report of an experiment, one row per experiment and day.
pub const EXPERIMENT_REPORTS: &str = "experiment_reports";
/// Classes: a course, the teachers who follow them and their students.
pub const COHORTS: &str = "cohorts";
/// Junction: who teaches a cohort (`cohort`, `teacher`).
pub const COHORTS_TEACHERS: &str = "cohorts_teachers";
/// Junction: who is in a cohort (`cohort`, `student`).
pub const COHORTS_STUDENTS: &str = "cohorts_students";
/// The alias on `directus_users` listing the cohorts a user is a student in (through
/// `cohorts_students`): what the Teacher policy's filters walk from a record's `student`.
pub const USER_STUDENT_COHORTS: &str = "student_cohorts";
/// The alias on `directus_users` listing the cohorts a user teaches (through
/// `cohorts_teachers`).
pub const USER_TEACHER_COHORTS: &str = "teacher_cohorts";

/// What editors author.
pub const CONTENT: [&str; 9] = [
    SUBJECTS,
    COURSES,
    MODULES,
    LESSONS,
    SKILLS,
    LESSON_SKILLS,
    LESSON_PREREQUISITES,
    QUESTIONS,
    QUESTION_SKILLS,
];

/// What learners produce and the worker computes, one set per student.
pub const LEARNER_RECORDS: [&str; 7] = [
    ATTEMPTS,
    STUDENT_PROFILES,
    MASTERY,
    LEARNING_PATHS,
    RECOMMENDATIONS,
    MESSAGES,
    BADGES,
];

/// Cohorts and their junctions: editors write them, teachers read their own.
pub const TEACHING: [&str; 3] = [COHORTS, COHORTS_TEACHERS, COHORTS_STUDENTS];

/// What the nightly analysis writes: editors and admins read it.
pub const ANALYTICS: [&str; 2] = [COURSE_INSIGHTS, EXPERIMENT_REPORTS];

/// Every collection of the snapshot.
pub fn all() -> impl Iterator<Item = &'static str> {
    CONTENT
        .into_iter()
        .chain(LEARNER_RECORDS)
        .chain([DEAD_LETTERS, CONTENT_ISSUES, JOB_RUNS])
        .chain(TEACHING)
        .chain(ANALYTICS)
}

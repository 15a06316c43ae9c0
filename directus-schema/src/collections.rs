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
pub const LEARNER_RECORDS: [&str; 5] = [
    ATTEMPTS,
    STUDENT_PROFILES,
    MASTERY,
    LEARNING_PATHS,
    RECOMMENDATIONS,
];

/// Every collection of the snapshot.
pub fn all() -> impl Iterator<Item = &'static str> {
    CONTENT
        .into_iter()
        .chain(LEARNER_RECORDS)
        .chain([DEAD_LETTERS])
}

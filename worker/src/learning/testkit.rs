//! Builders for tests: small courses that read like the product.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use super::content::{Course, Lesson, LessonKind, Question, Skill};

/// A question with one point, no skills, no lesson.
pub fn question(id: i64, kind: &str, choices: Value, answer_key: Value) -> Question {
    Question {
        id,
        lesson: None,
        kind: kind.to_owned(),
        prompt: format!("Question {id}"),
        choices,
        answer_key,
        points: 1.0,
        explanation: None,
        skills: Vec::new(),
    }
}

/// A true/false question (answer `true`) in `lesson` assessing `skills`.
pub fn tf_question(id: i64, lesson: i64, skills: &[i64]) -> Question {
    Question {
        lesson: Some(lesson),
        skills: skills.to_vec(),
        ..question(id, "true_false", Value::Null, json!({"correct": true}))
    }
}

/// A regular lesson titled "Lesson <id>", sorted by id, in module 1.
pub fn lesson(id: i64, prerequisites: &[i64]) -> Lesson {
    Lesson {
        id,
        title: format!("Lesson {id}"),
        module_sort: 1,
        sort: id,
        kind: LessonKind::Lesson,
        skills: Vec::new(),
        prerequisites: prerequisites.to_vec(),
        estimated_minutes: None,
        video_url: None,
    }
}

/// A skill with the Directus default BKT parameters.
pub fn skill(id: i64, name: &str) -> Skill {
    Skill {
        id,
        name: name.to_owned(),
        p_init: 0.2,
        p_learn: 0.15,
        p_guess: 0.2,
        p_slip: 0.1,
    }
}

/// A course with the default thresholds.
pub fn course(lessons: Vec<Lesson>, skills: Vec<Skill>, questions: Vec<Question>) -> Course {
    Course {
        id: 1,
        advance_threshold: 0.9,
        remediate_threshold: 0.7,
        mastery_threshold: 0.95,
        lessons,
        skills,
        questions,
        review_parameters: None,
    }
}

/// 2024-03-01 + `days` at 09:00 UTC.
pub fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0)
        .single()
        .expect("valid date")
        + chrono::Duration::days(days)
}

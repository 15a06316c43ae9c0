//! Directus' view of a course (the `CourseParts` GraphQL fragment) into the learning
//! engine's [`Course`]. Only published lessons and questions count: drafts and archived
//! items are invisible to students, so they shape no path and grade no answer.

use serde::Deserialize;
use serde_json::Value;

use crate::learning::{Course, Lesson, LessonKind, Question, Skill};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("course content from Directus is not usable: {0}")]
pub struct ContentError(pub String);

#[derive(Deserialize)]
struct CourseRow {
    id: IdValue,
    advance_threshold: Option<f64>,
    remediate_threshold: Option<f64>,
    mastery_threshold: Option<f64>,
    #[serde(default)]
    skills: Vec<SkillRow>,
    #[serde(default)]
    modules: Vec<ModuleRow>,
}

#[derive(Deserialize)]
struct SkillRow {
    id: IdValue,
    name: Option<String>,
    p_init: Option<f64>,
    p_learn: Option<f64>,
    p_guess: Option<f64>,
    p_slip: Option<f64>,
}

#[derive(Deserialize)]
struct ModuleRow {
    sort: Option<i64>,
    #[serde(default)]
    lessons: Vec<LessonRow>,
}

#[derive(Deserialize)]
struct LessonRow {
    id: IdValue,
    sort: Option<i64>,
    title: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    estimated_minutes: Option<f64>,
    #[serde(default)]
    skills: Vec<Link>,
    #[serde(default)]
    prerequisites: Vec<Link>,
    #[serde(default)]
    questions: Vec<QuestionRow>,
}

#[derive(Deserialize)]
struct QuestionRow {
    id: IdValue,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Names the question in content problems for editors and students.
    #[serde(default)]
    prompt: Option<String>,
    choices: Option<Value>,
    answer_key: Option<Value>,
    points: Option<f64>,
    explanation: Option<String>,
    #[serde(default)]
    skills: Vec<Link>,
}

/// A junction row: `{"skill": {"id": ..}}` or `{"prerequisite": {"id": ..}}`; the related
/// item is null when it was deleted or is not readable.
#[derive(Deserialize)]
struct Link {
    #[serde(alias = "skill", alias = "prerequisite")]
    target: Option<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: IdValue,
}

/// GraphQL `ID`s arrive as strings, REST keys as numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdValue {
    Number(i64),
    Text(String),
}

impl IdValue {
    fn get(&self, what: &str) -> Result<i64, ContentError> {
        match self {
            IdValue::Number(n) => Ok(*n),
            IdValue::Text(s) => s
                .parse()
                .map_err(|_| ContentError(format!("{what} id {s:?} is not an integer"))),
        }
    }
}

fn links(rows: &[Link], what: &str) -> Result<Vec<i64>, ContentError> {
    rows.iter()
        .filter_map(|l| l.target.as_ref())
        .map(|t| t.id.get(what))
        .collect()
}

fn is_published(status: &Option<String>) -> bool {
    status.as_deref().is_none_or(|s| s == "published")
}

/// Converts the `CourseParts` JSON of a course.
pub fn course_from_directus(parts: &Value) -> Result<Course, ContentError> {
    let row: CourseRow = serde_json::from_value(parts.clone())
        .map_err(|e| ContentError(format!("unexpected course shape: {e}")))?;
    let skills = row
        .skills
        .iter()
        .map(|s| {
            Ok(Skill {
                id: s.id.get("skill")?,
                name: s.name.clone().unwrap_or_default(),
                p_init: s.p_init.unwrap_or(0.2),
                p_learn: s.p_learn.unwrap_or(0.15),
                p_guess: s.p_guess.unwrap_or(0.2),
                p_slip: s.p_slip.unwrap_or(0.1),
            })
        })
        .collect::<Result<Vec<_>, ContentError>>()?;
    let mut lessons = Vec::new();
    let mut questions = Vec::new();
    for (module_index, module) in row.modules.iter().enumerate() {
        let module_sort = module.sort.unwrap_or(module_index as i64);
        for (lesson_index, lesson) in module.lessons.iter().enumerate() {
            if !is_published(&lesson.status) {
                continue;
            }
            let id = lesson.id.get("lesson")?;
            let kind = match lesson.kind.as_deref() {
                Some("remediation") => LessonKind::Remediation,
                Some("practice") => LessonKind::Practice,
                _ => LessonKind::Lesson,
            };
            lessons.push(Lesson {
                id,
                title: lesson.title.clone().unwrap_or_default(),
                module_sort,
                sort: lesson.sort.unwrap_or(lesson_index as i64),
                kind,
                skills: links(&lesson.skills, "skill")?,
                prerequisites: links(&lesson.prerequisites, "lesson")?,
                estimated_minutes: lesson.estimated_minutes,
                video_url: None,
            });
            for question in lesson.questions.iter().filter(|q| is_published(&q.status)) {
                questions.push(Question {
                    id: question.id.get("question")?,
                    lesson: Some(id),
                    kind: question.kind.clone().unwrap_or_default(),
                    prompt: question.prompt.clone().unwrap_or_default(),
                    choices: question.choices.clone().unwrap_or(Value::Null),
                    answer_key: question.answer_key.clone().unwrap_or(Value::Null),
                    points: question.points.unwrap_or(1.0),
                    explanation: question.explanation.clone(),
                    skills: links(&question.skills, "skill")?,
                });
            }
        }
    }
    // A prerequisite on a lesson students cannot see (a draft) cannot hold anyone back.
    let visible: std::collections::HashSet<i64> = lessons.iter().map(|l| l.id).collect();
    for lesson in &mut lessons {
        lesson.prerequisites.retain(|p| visible.contains(p));
    }
    Ok(Course {
        id: row.id.get("course")?,
        advance_threshold: row.advance_threshold.unwrap_or(0.9),
        remediate_threshold: row.remediate_threshold.unwrap_or(0.7),
        mastery_threshold: row.mastery_threshold.unwrap_or(0.95),
        lessons,
        skills,
        questions,
        review_parameters: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_published_content_and_drops_links_to_drafts() {
        let parts = json!({
            "id": "7", "advance_threshold": 0.9, "remediate_threshold": 0.7, "mastery_threshold": 0.95,
            "skills": [{ "id": "1", "name": "Halves", "p_init": 0.2, "p_learn": 0.1, "p_guess": 0.2, "p_slip": 0.1 }],
            "modules": [{ "id": "1", "sort": 1, "lessons": [
                { "id": "10", "sort": 1, "title": "A", "kind": "lesson", "status": "published", "estimated_minutes": 10,
                  "skills": [{ "skill": { "id": "1" } }], "prerequisites": [],
                  "questions": [
                    { "id": "100", "status": "published", "type": "true_false", "choices": null, "answer_key": { "correct": true }, "points": 1, "explanation": null, "skills": [{ "skill": { "id": "1" } }] },
                    { "id": "101", "status": "draft", "type": "true_false", "choices": null, "answer_key": { "correct": true }, "points": 1, "explanation": null, "skills": [] }
                  ] },
                { "id": "11", "sort": 2, "title": "B", "kind": "remediation", "status": "published", "estimated_minutes": null,
                  "skills": [], "prerequisites": [{ "prerequisite": { "id": "12" } }, { "prerequisite": null }], "questions": [] },
                { "id": "12", "sort": 3, "title": "Draft", "kind": "lesson", "status": "draft", "skills": [], "prerequisites": [], "questions": [] }
            ]}]
        });
        let course = course_from_directus(&parts).unwrap();
        assert_eq!(course.id, 7);
        assert_eq!(
            course.lessons.iter().map(|l| l.id).collect::<Vec<_>>(),
            vec![10, 11]
        );
        assert_eq!(course.lessons[1].kind, LessonKind::Remediation);
        assert!(
            course.lessons[1].prerequisites.is_empty(),
            "a draft prerequisite holds nobody back"
        );
        assert_eq!(
            course.questions.iter().map(|q| q.id).collect::<Vec<_>>(),
            vec![100]
        );
        assert_eq!(course.questions[0].skills, vec![1]);
    }

    #[test]
    fn a_non_numeric_id_is_a_clear_error() {
        let error = course_from_directus(&json!({ "id": "x" })).unwrap_err();
        assert!(error.0.contains("course id \"x\""), "{error}");
    }
}

//! `pathwise seed`: the demo course and the demo accounts, idempotently.
//!
//! Accounts are found by email and created when missing (their password is set only at
//! creation). The course is found by its slug: when it exists, it is left as editors
//! may have changed it; when it does not, it is created whole, one batched request per
//! collection. The demo cohort is found by its name: created (on the demo course, with
//! the demo teacher and two of the three demo students) when missing, left alone otherwise.

use std::collections::HashMap;

use directus_schema::access::{CONTENT_EDITOR, STUDENT, TEACHER};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::directus::{DirectusClient, DirectusError};
use crate::provision::Report;
use crate::secret::Secret;

/// A demo account: email, first name, last name, role name.
pub const DEMO_ACCOUNTS: [(&str, &str, &str, &str); 5] = [
    ("editor@example.com", "Erin", "Editor", CONTENT_EDITOR),
    ("teacher@example.com", "Tomás", "Teacher", TEACHER),
    ("ada@example.com", "Ada", "Student", STUDENT),
    ("ben@example.com", "Ben", "Student", STUDENT),
    ("chloe@example.com", "Chloé", "Student", STUDENT),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Directus(#[from] DirectusError),
    #[error("the demo course file is invalid: {0}")]
    InvalidCourse(String),
    #[error("role {0} does not exist: run `pathwise provision` first")]
    MissingRole(String),
    #[error("demo account {0} does not exist, so the demo cohort cannot be made")]
    MissingAccount(String),
}

/// Creates the demo accounts (with `password`) and the demo course where missing.
pub async fn seed(admin: &DirectusClient, password: &Secret) -> Result<Report, SeedError> {
    let mut report = Report::default();
    seed_accounts(admin, password, &mut report).await?;
    let course: DemoCourse = serde_json::from_str(directus_schema::DEMO_COURSE_JSON)
        .map_err(|e| SeedError::InvalidCourse(e.to_string()))?;
    seed_course(admin, &course, &mut report).await?;
    seed_cohort(admin, &course, &mut report).await?;
    Ok(report)
}

/// The demo cohort: its name, its teachers' and its students' emails. Chloé is left out on
/// purpose, so the demo teacher sees two of the three students.
pub const DEMO_COHORT: (&str, &[&str], &[&str]) = (
    "Fractions class",
    &["teacher@example.com"],
    &["ada@example.com", "ben@example.com"],
);

async fn seed_cohort(
    admin: &DirectusClient,
    demo: &DemoCourse,
    report: &mut Report,
) -> Result<(), SeedError> {
    let (name, teachers, students) = DEMO_COHORT;
    let found = admin
        .get_data(&format!(
            // The URL parser percent-encodes the space in the name.
            "/items/cohorts?filter[name][_eq]={name}&fields=id&limit=1"
        ))
        .await?;
    if found.as_array().is_some_and(|a| !a.is_empty()) {
        return Ok(());
    }
    let slug = demo.course["slug"].as_str().unwrap_or_default();
    let course = admin
        .get_data(&format!(
            "/items/courses?filter[slug][_eq]={slug}&fields=id&limit=1"
        ))
        .await?[0]["id"]
        .clone();
    let emails: Vec<&str> = teachers.iter().chain(students).copied().collect();
    let users = admin
        .get_data(&format!(
            "/users?limit=-1&fields=id,email&filter[email][_in]={}",
            emails.join(",")
        ))
        .await?;
    let user_id = |email: &str| -> Result<Value, SeedError> {
        users
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| u["email"] == email)
            .map(|u| u["id"].clone())
            .ok_or_else(|| SeedError::MissingAccount(email.to_owned()))
    };
    let teacher_links = teachers
        .iter()
        .map(|email| Ok(json!({ "teacher": user_id(email)? })))
        .collect::<Result<Vec<_>, SeedError>>()?;
    let student_links = students
        .iter()
        .map(|email| Ok(json!({ "student": user_id(email)? })))
        .collect::<Result<Vec<_>, SeedError>>()?;
    // One request: Directus creates the junction rows of a nested m2m with the cohort.
    admin
        .post(
            "/items/cohorts?fields=id",
            json!({
                "name": name,
                "course": course,
                "teachers": { "create": teacher_links, "update": [], "delete": [] },
                "students": { "create": student_links, "update": [], "delete": [] },
            }),
        )
        .await?;
    report.note(format!(
        "cohort {name}: created with {} teacher(s) and {} student(s)",
        teachers.len(),
        students.len()
    ));
    Ok(())
}

async fn seed_accounts(
    admin: &DirectusClient,
    password: &Secret,
    report: &mut Report,
) -> Result<(), SeedError> {
    let roles = admin.get_data("/roles?limit=-1&fields=id,name").await?;
    let role_id = |name: &str| {
        roles
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == name)
            .and_then(|r| r["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| SeedError::MissingRole(name.to_owned()))
    };
    let emails: Vec<&str> = DEMO_ACCOUNTS.iter().map(|a| a.0).collect();
    let existing = admin
        .get_data(&format!(
            "/users?limit=-1&fields=email&filter[email][_in]={}",
            emails.join(",")
        ))
        .await?;
    let mut missing = Vec::new();
    for (email, first_name, last_name, role) in DEMO_ACCOUNTS {
        if existing
            .as_array()
            .into_iter()
            .flatten()
            .any(|u| u["email"] == email)
        {
            continue;
        }
        missing.push(json!({
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "role": role_id(role)?,
            "password": password.expose(),
            "status": "active",
        }));
        report.note(format!("account {email} ({role}): created"));
    }
    if !missing.is_empty() {
        admin.post("/users", Value::Array(missing)).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct DemoCourse {
    pub subject: Value,
    pub course: Value,
    pub skills: Vec<DemoSkill>,
    pub modules: Vec<DemoModule>,
}

#[derive(Debug, Deserialize)]
pub struct DemoSkill {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct DemoModule {
    #[serde(default)]
    pub lessons: Vec<DemoLesson>,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct DemoLesson {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub questions: Vec<DemoQuestion>,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct DemoQuestion {
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

impl DemoCourse {
    pub fn lessons(&self) -> impl Iterator<Item = &DemoLesson> {
        self.modules.iter().flat_map(|m| &m.lessons)
    }

    pub fn questions(&self) -> impl Iterator<Item = &DemoQuestion> {
        self.lessons().flat_map(|l| &l.questions)
    }
}

pub async fn seed_course(
    admin: &DirectusClient,
    demo: &DemoCourse,
    report: &mut Report,
) -> Result<(), SeedError> {
    let slug = demo.course["slug"]
        .as_str()
        .ok_or_else(|| SeedError::InvalidCourse("course.slug is missing".into()))?;
    let found = admin
        .get_data(&format!(
            "/items/courses?filter[slug][_eq]={slug}&fields=id&limit=1"
        ))
        .await?;
    if found.as_array().is_some_and(|a| !a.is_empty()) {
        return Ok(());
    }
    let subject_slug = demo.subject["slug"].as_str().unwrap_or_default();
    let subjects = admin
        .get_data(&format!(
            "/items/subjects?filter[slug][_eq]={subject_slug}&fields=id&limit=1"
        ))
        .await?;
    let subject_id = match subjects.as_array().and_then(|a| a.first()) {
        Some(s) => s["id"].clone(),
        None => admin.post("/items/subjects", demo.subject.clone()).await?["data"]["id"].clone(),
    };
    let mut course = demo.course.clone();
    course["subject"] = subject_id;
    let course_id = admin.post("/items/courses", course).await?["data"]["id"].clone();

    let skills: Vec<Value> = demo
        .skills
        .iter()
        .enumerate()
        .map(|(i, s)| with(&s.fields, json!({ "course": course_id, "sort": i + 1 })))
        .collect();
    let skill_ids = create_many(admin, "skills", skills, ["course", "sort"]).await?;
    let skill_id: HashMap<&str, Value> = demo
        .skills
        .iter()
        .map(|s| s.reference.as_str())
        .zip(skill_ids)
        .collect();

    let modules: Vec<Value> = demo
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| with(&m.fields, json!({ "course": course_id, "sort": i + 1 })))
        .collect();
    let module_ids = create_many(admin, "modules", modules, ["course", "sort"]).await?;

    let mut lessons = Vec::new();
    for (module, module_id) in demo.modules.iter().zip(&module_ids) {
        for (i, lesson) in module.lessons.iter().enumerate() {
            lessons.push(with(
                &lesson.fields,
                json!({ "module": module_id, "sort": i + 1 }),
            ));
        }
    }
    let lesson_ids = create_many(admin, "lessons", lessons, ["module", "sort"]).await?;
    let lesson_id: HashMap<&str, Value> = demo
        .lessons()
        .map(|l| l.reference.as_str())
        .zip(lesson_ids)
        .collect();
    let resolve = |map: &HashMap<&str, Value>, reference: &str, what: &str| {
        map.get(reference)
            .cloned()
            .ok_or_else(|| SeedError::InvalidCourse(format!("unknown {what} ref {reference:?}")))
    };

    let mut lesson_skills = Vec::new();
    let mut prerequisites = Vec::new();
    let mut questions = Vec::new();
    let mut question_skill_refs = Vec::new();
    for lesson in demo.lessons() {
        let id = resolve(&lesson_id, &lesson.reference, "lesson")?;
        for skill in &lesson.skills {
            lesson_skills
                .push(json!({ "lesson": id, "skill": resolve(&skill_id, skill, "skill")? }));
        }
        for prerequisite in &lesson.prerequisites {
            prerequisites.push(json!({ "lesson": id, "prerequisite": resolve(&lesson_id, prerequisite, "lesson")? }));
        }
        for (i, question) in lesson.questions.iter().enumerate() {
            questions.push(with(
                &question.fields,
                json!({ "lesson": id, "sort": i + 1 }),
            ));
            question_skill_refs.push(&question.skills);
        }
    }
    create_many(admin, "lesson_skills", lesson_skills, ["lesson", "skill"]).await?;
    create_many(
        admin,
        "lesson_prerequisites",
        prerequisites,
        ["lesson", "prerequisite"],
    )
    .await?;
    let question_ids = create_many(admin, "questions", questions, ["lesson", "sort"]).await?;
    let mut question_skills = Vec::new();
    for (question, skills) in question_ids.iter().zip(question_skill_refs) {
        for skill in skills {
            question_skills.push(
                json!({ "question": question, "skill": resolve(&skill_id, skill, "skill")? }),
            );
        }
    }
    create_many(
        admin,
        "question_skills",
        question_skills,
        ["question", "skill"],
    )
    .await?;
    report.note(format!(
        "course {slug}: created with {} skills, {} modules, {} lessons and {} questions",
        demo.skills.len(),
        demo.modules.len(),
        lesson_id.len(),
        question_ids.len()
    ));
    Ok(())
}

/// `fields` plus `extra` (which wins).
fn with(fields: &serde_json::Map<String, Value>, extra: Value) -> Value {
    let mut out = fields.clone();
    if let Value::Object(extra) = extra {
        out.extend(extra);
    }
    Value::Object(out)
}

/// Creates `items` in one request; answers their ids in the same order as `items`.
///
/// Directus creates the items of a batch concurrently, so neither the ids nor the order
/// of its answer follow the request: each created item is matched back to its request
/// by `key_fields`, which must tell the items apart (e.g. parent and sort).
async fn create_many(
    admin: &DirectusClient,
    collection: &str,
    items: Vec<Value>,
    key_fields: [&str; 2],
) -> Result<Vec<Value>, SeedError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let key_of = |item: &Value| -> String {
        key_fields
            .iter()
            .map(|f| id_text(&item[*f]))
            .collect::<Vec<_>>()
            .join("/")
    };
    let wanted: Vec<String> = items.iter().map(key_of).collect();
    let fields = format!("id,{}", key_fields.join(","));
    let created = admin
        .post(
            &format!("/items/{collection}?fields={fields}"),
            Value::Array(items),
        )
        .await?;
    let by_key: HashMap<String, Value> = created["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| (key_of(item), item["id"].clone()))
        .collect();
    wanted
        .iter()
        .map(|key| {
            by_key.get(key).cloned().ok_or_else(|| {
                SeedError::InvalidCourse(format!(
                    "{collection}: Directus did not create the item {key} (or two share that key)"
                ))
            })
        })
        .collect()
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

//! A user was created: a student gets a profile (with their strategy) and a path in every
//! published course.

use directus_schema::access::STUDENT;
use serde_json::{Value, json};

use super::{Handled, ProcessError, Worker};
use crate::learning::{StudentProgress, assign_strategy, usable_path};

pub(super) async fn welcome(worker: &Worker, user: &str) -> Result<Handled, ProcessError> {
    let directus = &worker.directus;
    let found = directus
        .get_data(&format!("/users/{user}?fields=id,role.name"))
        .await;
    let role = match found {
        Ok(user) => user
            .pointer("/role/name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Err(e) if e.status == Some(403) || e.status == Some(404) => {
            return Err(ProcessError::NotFound(format!(
                "user {user} does not exist"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if role.as_deref() != Some(STUDENT) {
        return Ok(Handled::Student {
            user: user.to_owned(),
            profile_created: false,
            paths: 0,
        });
    }
    let existing = directus
        .get_data(&format!(
            "/items/student_profiles?filter[student][_eq]={user}&fields=id&limit=1"
        ))
        .await?;
    let mut profile_created = false;
    if existing.as_array().is_none_or(Vec::is_empty) {
        let weights: Vec<(&str, u32)> = worker
            .settings
            .strategies
            .iter()
            .map(|(n, w)| (n.as_str(), *w))
            .collect();
        let strategy = assign_strategy(user, &worker.settings.experiment, &weights);
        let created = directus
            .post(
                "/items/student_profiles",
                json!({ "student": user, "strategy": strategy, "applied_attempts": [] }),
            )
            .await;
        match created {
            Ok(_) => profile_created = true,
            // A concurrent delivery created it first (the student field is unique).
            Err(e) if e.code.as_deref() == Some("RECORD_NOT_UNIQUE") => {}
            Err(e) => return Err(e.into()),
        }
    }
    let courses = directus
        .get_data("/items/courses?filter[status][_eq]=published&fields=id&limit=-1")
        .await?;
    let existing_paths = directus
        .get_data(&format!(
            "/items/learning_paths?filter[student][_eq]={user}&fields=course&limit=-1"
        ))
        .await?;
    let has_path = |course: i64| {
        existing_paths
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["course"].as_i64() == Some(course))
    };
    let mut new_paths = Vec::new();
    for course_id in courses
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_i64())
    {
        if has_path(course_id) {
            continue;
        }
        let course = super::attempt::course_structure(worker, directus, course_id).await?;
        let path = usable_path(
            &course,
            &StudentProgress::default(),
            worker.settings.completion_rule,
        );
        new_paths.push(json!({
            "key": format!("{user}:{course_id}"),
            "student": user,
            "course": course_id,
            "steps": path.steps,
            "current_lesson": path.current_lesson,
            "progress": path.progress,
        }));
    }
    let paths = new_paths.len();
    if !new_paths.is_empty() {
        directus
            .post("/items/learning_paths", Value::Array(new_paths))
            .await?;
    }
    tracing::info!(user, profile_created, paths, "student set up");
    Ok(Handled::Student {
        user: user.to_owned(),
        profile_created,
        paths,
    })
}

//! Content changed: recompute the learning paths that depend on it, batched per course.
//!
//! Per affected course: the course structure, its paths, the graded attempts and the
//! mastery of its skills are read once for all students, the paths recomputed by the pure
//! engine, and the ones that changed written back in one request.
//!
//! Recomputes of one course never overlap within a process: an editor's bulk import fires
//! one event per item (a thousand questions, a thousand events), and a thousand whole-course
//! recomputes at once swamped Directus (seen on a two-instance cluster: requests queued
//! past their 30 s timeout). An event for a course being recomputed asks for one more run
//! after the current one and answers at once; the running one repeats until no event
//! came in meanwhile, so the last change is always taken into account.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::{Handled, ProcessError, Worker};
use crate::learning::{MasteryState, StudentProgress, recompute_usable_paths};

pub(super) async fn recompute(
    worker: &Worker,
    collection: &str,
    keys: &[String],
) -> Result<Handled, ProcessError> {
    let courses = affected_courses(worker, collection, keys).await?;
    worker.courses.evict(courses.iter().copied());
    let mut paths_updated = 0;
    for course in &courses {
        paths_updated += recompute_coalesced(worker, *course).await?;
    }
    tracing::info!(collection, courses = ?courses, paths_updated, "paths recomputed after a content change");
    Ok(Handled::Content {
        courses: courses.into_iter().collect(),
        paths_updated,
    })
}

/// [`recompute_course`], unless it is running for this course already: then the running
/// one is asked to go once more, and this answers 0 at once.
async fn recompute_coalesced(worker: &Worker, course: i64) -> Result<usize, ProcessError> {
    let running = &worker.recomputing;
    {
        let mut courses = running.lock().expect("recomputing lock");
        if let Some(again) = courses.get_mut(&course) {
            *again = true;
            return Ok(0);
        }
        courses.insert(course, false);
    }
    // Removes the course's entry if this future fails or is dropped halfway, so that a
    // later event recomputes it instead of waiting for a run that will never come.
    struct Running<'a> {
        courses: &'a std::sync::Mutex<HashMap<i64, bool>>,
        course: i64,
        armed: bool,
    }
    impl Drop for Running<'_> {
        fn drop(&mut self) {
            if self.armed
                && let Ok(mut courses) = self.courses.lock()
            {
                courses.remove(&self.course);
            }
        }
    }
    let mut guard = Running {
        courses: running,
        course,
        armed: true,
    };
    let mut updated = 0;
    loop {
        updated += recompute_course(worker, course).await?;
        let mut courses = running.lock().expect("recomputing lock");
        if courses.get(&course) == Some(&true) {
            courses.insert(course, false);
            continue;
        }
        courses.remove(&course);
        guard.armed = false;
        return Ok(updated);
    }
}

/// The path from a changed item to its course, as a Directus field path.
fn course_field(collection: &str) -> Option<&'static str> {
    Some(match collection {
        "courses" => "id",
        "modules" | "skills" => "course",
        "lessons" => "module.course",
        "lesson_skills" | "lesson_prerequisites" | "questions" => "lesson.module.course",
        "question_skills" => "question.lesson.module.course",
        _ => return None,
    })
}

async fn affected_courses(
    worker: &Worker,
    collection: &str,
    keys: &[String],
) -> Result<BTreeSet<i64>, ProcessError> {
    let mut courses = BTreeSet::new();
    if let Some(field) = course_field(collection) {
        let keys: Vec<&str> = keys
            .iter()
            .map(String::as_str)
            .filter(|k| k.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if !keys.is_empty() {
            let items = worker
                .directus
                .get_data(&format!(
                    "/items/{collection}?limit=-1&fields={field}&filter[id][_in]={}",
                    keys.join(",")
                ))
                .await?;
            let pointer = format!("/{}", field.replace('.', "/"));
            for item in items.as_array().into_iter().flatten() {
                if let Some(course) = item.pointer(&pointer).and_then(as_id) {
                    courses.insert(course);
                }
            }
        }
    }
    if courses.is_empty() {
        // Deleted items cannot be traced to their course: recompute every course that
        // has learning paths.
        let groups = worker
            .directus
            .get_data("/items/learning_paths?groupBy[]=course&aggregate[count]=id&limit=-1")
            .await?;
        courses.extend(
            groups
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| as_id(&g["course"])),
        );
    }
    Ok(courses)
}

fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn course_gone(worker: &Worker, course_id: i64) -> bool {
    matches!(worker.directus.get(&format!("/items/courses/{course_id}?fields=id")).await, Err(e) if e.status == Some(403) || e.status == Some(404))
}

/// Recomputes every path of one course; answers how many changed.
pub(super) async fn recompute_course(
    worker: &Worker,
    course_id: i64,
) -> Result<usize, ProcessError> {
    let directus = &worker.directus;
    let course = match super::attempt::course_structure(worker, directus, course_id).await {
        Ok(course) => course,
        Err(ProcessError::Content(_)) if course_gone(worker, course_id).await => return Ok(0),
        Err(error) => return Err(error),
    };
    let paths = directus
        .get_data(&format!("/items/learning_paths?limit=-1&fields=id,student,steps,current_lesson,progress&filter[course][_eq]={course_id}"))
        .await?;
    let paths: Vec<Value> = paths.as_array().cloned().unwrap_or_default();
    if paths.is_empty() {
        return Ok(0);
    }
    let attempts = directus
        .get_data(&format!(
            "/items/attempts?limit=-1&sort=-graded_at&fields=student,lesson,score&filter[status][_eq]=graded&filter[lesson][module][course][_eq]={course_id}"
        ))
        .await?;
    let mastery = directus
        .get_data(&format!(
            "/items/mastery?limit=-1&fields=student,skill,p_known,mastered,observations,correct&filter[skill][course][_eq]={course_id}"
        ))
        .await?;
    let mut progress: HashMap<String, StudentProgress> = HashMap::new();
    for attempt in attempts.as_array().into_iter().flatten() {
        let (Some(student), Some(lesson), Some(score)) = (
            attempt["student"].as_str(),
            as_id(&attempt["lesson"]),
            attempt["score"].as_f64(),
        ) else {
            continue;
        };
        progress
            .entry(student.to_owned())
            .or_default()
            .latest_scores
            .entry(lesson)
            .or_insert(score);
    }
    for row in mastery.as_array().into_iter().flatten() {
        let (Some(student), Some(skill)) = (row["student"].as_str(), as_id(&row["skill"])) else {
            continue;
        };
        let state = MasteryState {
            p_known: row["p_known"].as_f64().unwrap_or(0.0),
            mastered: row["mastered"].as_bool().unwrap_or(false),
            observations: row["observations"].as_u64().unwrap_or(0) as u32,
            correct: row["correct"].as_u64().unwrap_or(0) as u32,
            stability: None,
            difficulty: None,
            due: None,
            last_review: None,
        };
        progress
            .entry(student.to_owned())
            .or_default()
            .mastery
            .insert(skill, state);
    }
    let students: Vec<StudentProgress> = paths
        .iter()
        .map(|p| {
            progress
                .get(p["student"].as_str().unwrap_or_default())
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    // Broken prerequisites (a cycle an editor just saved) leave the rest of each path as
    // it was: see `learning::paths`. Loading the course recorded the problem for editors.
    let recomputed = recompute_usable_paths(&course, &students, worker.settings.completion_rule);
    let changed: Vec<Value> = paths
        .iter()
        .zip(&recomputed)
        .filter_map(|(stored, path)| {
            let steps = serde_json::to_value(&path.steps).unwrap_or_default();
            let same = stored["steps"] == steps
                && as_id(&stored["current_lesson"]) == path.current_lesson
                && stored["progress"].as_f64().is_some_and(|p| (p - path.progress).abs() < 1e-9);
            (!same).then(|| {
                json!({ "id": stored["id"], "steps": steps, "current_lesson": path.current_lesson, "progress": path.progress })
            })
        })
        .collect();
    if !changed.is_empty() {
        directus
            .patch("/items/learning_paths", Value::Array(changed.clone()))
            .await?;
    }
    Ok(changed.len())
}

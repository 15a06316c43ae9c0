//! `POST /v1/attempts`: the synchronous path for frontends.
//!
//! The student sends their Directus access token and their answers
//! (`{"lesson": 3, "answers": {"12": "3/4"}, "started_at": "...", "submitted_at": "..."}`).
//! The worker creates the attempt in Directus *as the student* (so Directus' permissions
//! decide, exactly as for a direct REST call), grades it, and answers with the graded
//! attempt and the new recommendations.
//!
//! With the Pathwise extension, one call creates the attempt and reads the student's state,
//! and the attempt is created without events, so no flow delivers it again: 2 round trips
//! in all. Without it, the flow's event for the same attempt, arriving later or racing,
//! finds it graded and changes nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tracing::Instrument;

use super::problem::Problem;
use super::{
    AppState, body_or_problem, parse_json, problem_for, request_id, student_auth, with_request_id,
};
use crate::process::{AttemptReport, WritePath};
use crate::secret::Secret;

/// A validated submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub lesson: i64,
    pub answers: Map<String, Value>,
    pub started_at: Option<String>,
    pub submitted_at: Option<String>,
}

impl TryFrom<&Value> for Submission {
    type Error = Problem;

    fn try_from(body: &Value) -> Result<Self, Problem> {
        let invalid = |pointer: &str, detail: &str| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-submission",
                detail,
            )
            .at(format!("body:{pointer}"))
        };
        let object = body
            .as_object()
            .ok_or_else(|| invalid("", "the body must be a JSON object"))?;
        let lesson = object
            .get("lesson")
            .and_then(|l| {
                l.as_i64()
                    .or_else(|| l.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| {
                invalid(
                    "/lesson",
                    "`lesson` must be the id (an integer) of a published lesson",
                )
            })?;
        let answers = match object.get("answers") {
            Some(Value::Object(answers)) => answers.clone(),
            _ => {
                return Err(invalid(
                    "/answers",
                    "`answers` must be an object: {\"<question id>\": answer}",
                ));
            }
        };
        let time = |field: &str| -> Result<Option<String>, Problem> {
            match object.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                    Ok(Some(s.clone()))
                }
                Some(_) => Err(invalid(
                    &format!("/{field}"),
                    &format!("`{field}` must be an RFC 3339 timestamp"),
                )),
            }
        };
        Ok(Self {
            lesson,
            answers,
            started_at: time("started_at")?,
            submitted_at: time("submitted_at")?,
        })
    }
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let span = tracing::info_span!("attempt", request_id = %request_id);
    let response = match handle(&state, &headers, body).instrument(span).await {
        Ok(response) => response,
        Err(mut problem) => {
            problem.request_id = Some(request_id.clone());
            problem.into_response()
        }
    };
    with_request_id(response, &request_id)
}

async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body_or_problem(body)?;
    let token = super::event_auth::bearer_token(headers)?.to_owned();
    let worker = state.worker();
    let student = match &state.inner.directus_secret {
        Some(secret) => student_auth::verify_locally(&token, secret)?,
        None => student_auth::verify_with_directus(&token, &worker.directus).await?,
    };
    let submission = Submission::try_from(&parse_json(&body)?)?;
    let attempt_body = json!({
        "lesson": submission.lesson,
        "answers": submission.answers,
        "started_at": submission.started_at,
        "submitted_at": submission.submitted_at.clone().unwrap_or_else(|| chrono::Utc::now().to_rfc3339()),
    });
    let refused = |e: crate::directus::DirectusError| match e.status {
        Some(status @ (400 | 401 | 403)) => Problem::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
            "attempt-refused",
            format!("Directus refused the attempt: {}", e.message),
        )
        .at("body:/lesson"),
        _ => Problem::new(
            StatusCode::BAD_GATEWAY,
            "directus-unavailable",
            e.to_string(),
        ),
    };
    let path = worker.write_path().await.map_err(|e| problem_for(&e))?;
    let (attempt, graded) = match path {
        // One call creates the attempt as the student and reads their state.
        WritePath::Extension => {
            crate::process::attempt::submit_and_grade(worker, &Secret::new(token), attempt_body)
                .await
                .map_err(refused)?
        }
        WritePath::Public => {
            let as_student = worker.directus.with_token(Some(Secret::new(token)));
            let created = as_student
                .post("/items/attempts?fields=id", attempt_body)
                .await
                .map_err(refused)?;
            let attempt = created["data"]["id"].as_i64().ok_or_else(|| {
                Problem::new(
                    StatusCode::BAD_GATEWAY,
                    "directus-unavailable",
                    "Directus did not answer with the attempt's id",
                )
            })?;
            let hint = crate::events::AttemptHint {
                student: Some(student.to_string()),
                lesson: Some(submission.lesson),
            };
            (attempt, worker.grade_hinted(attempt, &hint).await)
        }
    };
    tracing::info!(attempt_id = attempt, student = %student, write_path = path.name(), "attempt submitted synchronously");
    match graded {
        Ok(report) => {
            let body = match report {
                AttemptReport::Graded {
                    graded,
                    recommendations,
                    path,
                    strategy,
                    ..
                } => json!({
                    "attempt": attempt,
                    "status": "graded",
                    "score": graded.score,
                    "points_earned": graded.points_earned,
                    "points_possible": graded.points_possible,
                    "results": graded.results,
                    "unknown_questions": graded.unknown_questions,
                    "speed": graded.speed,
                    "recommendations": recommendations,
                    "path": path,
                    "strategy": strategy,
                }),
                // The flow's event won the race: answer what it wrote.
                AttemptReport::Unchanged { .. } => {
                    stored_outcome(worker, attempt, &student).await?
                }
                AttemptReport::Rejected { reason, .. } => {
                    json!({ "attempt": attempt, "status": "rejected", "reason": reason })
                }
            };
            Ok((StatusCode::CREATED, axum::Json(body)).into_response())
        }
        Err(error) => {
            // The attempt is safe in Directus as `submitted`: the sweep will grade it.
            worker
                .dead_letter(
                    "api",
                    &json!({ "attempt": attempt }),
                    &error.to_string(),
                    Some(attempt),
                )
                .await;
            let mut problem = problem_for(&error);
            problem.detail = format!(
                "{} (attempt {attempt} is saved and will be graded later)",
                problem.detail
            );
            Err(problem)
        }
    }
}

/// The graded attempt as stored, in the shape of a fresh grading's answer.
async fn stored_outcome(
    worker: &crate::process::Worker,
    attempt: i64,
    student: &str,
) -> Result<Value, Problem> {
    let unavailable = |e: crate::directus::DirectusError| {
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "directus-unavailable",
            e.to_string(),
        )
    };
    let stored = worker
        .directus
        .get_data(&format!("/items/attempts/{attempt}?fields=status,score,points_earned,points_possible,results,rejection_reason,lesson.module.course"))
        .await
        .map_err(unavailable)?;
    let recommendations = worker
        .directus
        .get_data(&format!("/items/recommendations?filter[attempt][_eq]={attempt}&sort=id&fields=kind,lesson,questions,skill,reason,priority,strategy"))
        .await
        .map_err(unavailable)?;
    let course = stored
        .pointer("/lesson/module/course")
        .cloned()
        .unwrap_or(Value::Null);
    let path = worker
        .directus
        .get_data(&format!("/items/learning_paths?filter[key][_eq]={student}:{course}&fields=steps,current_lesson,progress&limit=1"))
        .await
        .map_err(unavailable)?;
    Ok(json!({
        "attempt": attempt,
        "status": stored["status"],
        "score": stored["score"],
        "points_earned": stored["points_earned"],
        "points_possible": stored["points_possible"],
        "results": stored["results"]["questions"],
        "unknown_questions": stored["results"]["unknown_questions"],
        "speed": stored["results"]["speed"],
        "recommendations": recommendations,
        "path": path.get(0).cloned().unwrap_or(Value::Null),
        "reason": stored["rejection_reason"],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_a_submission_saying_where_it_is_wrong() {
        let good = json!({ "lesson": 3, "answers": { "12": "3/4" }, "started_at": "2026-11-28T10:00:00Z" });
        let submission = Submission::try_from(&good).unwrap();
        assert_eq!(submission.lesson, 3);
        assert_eq!(
            submission.started_at.as_deref(),
            Some("2026-11-28T10:00:00Z")
        );
        for (body, pointer) in [
            (json!([]), "body:"),
            (json!({ "answers": {} }), "body:/lesson"),
            (json!({ "lesson": "x", "answers": {} }), "body:/lesson"),
            (json!({ "lesson": 3, "answers": [1] }), "body:/answers"),
            (
                json!({ "lesson": 3, "answers": {}, "submitted_at": "yesterday" }),
                "body:/submitted_at",
            ),
        ] {
            let problem = Submission::try_from(&body).unwrap_err();
            assert_eq!(problem.status, 422, "{body}");
            assert_eq!(problem.location.as_deref(), Some(pointer), "{body}");
        }
    }
}

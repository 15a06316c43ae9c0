//! `POST /v1/jobs`: a scheduled tick from a Directus schedule flow, signed like an event.
//!
//! The body is `{"job": "engagement"}`, optionally with `"now": "<RFC 3339>"` (tests move
//! the clock this way; only a holder of the webhook secret can sign one). Without `now`,
//! the tick's time is its token's `iat`. The job runs once per period however many ticks
//! arrive (see [`crate::process::jobs`]); the answer says whether this tick ran it.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tracing::Instrument;

use super::problem::Problem;
use super::{AppState, body_or_problem, event_auth, problem_for, request_id, with_request_id};
use crate::process::jobs::JOBS;

/// A tick, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub job: String,
    pub now: DateTime<Utc>,
}

impl Tick {
    /// The tick in `body`; `issued_at` (the token's `iat`) is its time unless it names one.
    pub fn parse(body: &Value, issued_at: i64) -> Result<Self, Problem> {
        let invalid = |pointer: &str, detail: String| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-tick", detail)
                .at(format!("body:{pointer}"))
        };
        let job = body["job"].as_str().ok_or_else(|| {
            invalid(
                "/job",
                format!("`job` must name a job: one of {}", JOBS.join(", ")),
            )
        })?;
        if !JOBS.contains(&job) {
            return Err(invalid(
                "/job",
                format!("unknown job \"{job}\": the worker runs {}", JOBS.join(", ")),
            ));
        }
        let now = match &body["now"] {
            Value::Null => DateTime::from_timestamp(issued_at, 0).ok_or_else(|| {
                invalid("", "the token's `iat` is not a time".to_owned())
            })?,
            Value::String(text) => DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    invalid(
                        "/now",
                        format!("`now` must be an RFC 3339 time such as 2026-12-05T09:00:00Z, not \"{text}\""),
                    )
                })?
                .with_timezone(&Utc),
            _ => {
                return Err(invalid(
                    "/now",
                    "`now` must be an RFC 3339 time in a string".to_owned(),
                ));
            }
        };
        Ok(Self {
            job: job.to_owned(),
            now,
        })
    }
}

pub async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let span = tracing::info_span!("job", request_id = %request_id);
    let response = async {
        let body = body_or_problem(body)?;
        let (verified, issued_at) =
            event_auth::verify_event_issued(&headers, &body, &state.inner.webhook_secret)?;
        let tick = Tick::parse(&verified.0, issued_at)?;
        let report = state
            .worker()
            .run_job(&tick.job, tick.now)
            .await
            .map_err(|error| {
                tracing::error!(%error, job.name = %tick.job, "scheduled job failed");
                problem_for(&error)
            })?;
        Ok::<_, Problem>((StatusCode::OK, axum::Json(report)).into_response())
    }
    .instrument(span)
    .await;
    let response = response.unwrap_or_else(|mut problem| {
        tracing::warn!(problem.kind = %problem.kind, problem.detail = %problem.detail, "tick rejected");
        problem.request_id = Some(request_id.clone());
        problem.into_response()
    });
    with_request_id(response, &request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tick_takes_its_time_from_the_body_or_the_token() {
        let tick = Tick::parse(&json!({"job": "engagement"}), 1_796_461_200).unwrap();
        assert_eq!(tick.now.to_rfc3339(), "2026-12-05T09:00:00+00:00");
        let tick = Tick::parse(
            &json!({"job": "engagement", "now": "2026-12-07T10:30:00+01:00"}),
            0,
        )
        .unwrap();
        assert_eq!(tick.now.to_rfc3339(), "2026-12-07T09:30:00+00:00");
    }

    #[test]
    fn a_bad_tick_is_told_what_is_wrong_and_where() {
        let unknown = Tick::parse(&json!({"job": "weekly"}), 0).unwrap_err();
        assert_eq!(unknown.status, 422);
        assert!(
            unknown.detail.contains("unknown job \"weekly\""),
            "{}",
            unknown.detail
        );
        let missing = Tick::parse(&json!({}), 0).unwrap_err();
        assert!(missing.detail.contains("`job` must name a job"));
        let bad_time =
            Tick::parse(&json!({"job": "engagement", "now": "tomorrow"}), 0).unwrap_err();
        assert!(bad_time.detail.contains("RFC 3339"), "{}", bad_time.detail);
    }
}

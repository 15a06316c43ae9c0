//! The worker's HTTP surface: routes, authentication and error responses.
//!
//! - `POST /v1/events`: events from Directus flows, signed (see [`event_auth`]).
//! - `POST /v1/attempts`: the synchronous path for frontends (see [`attempts`]).
//! - `POST /v1/validate`: content rules at save time, signed like events (see [`validate`]).
//! - `POST /v1/jobs`: scheduled ticks from Directus schedule flows, signed (see [`jobs`]).
//! - `GET /healthz`, `GET /readyz`, `GET /metrics`.
//!
//! Every request gets a request id (`x-request-id`, taken from the request or made up),
//! carried by the logs of everything the request causes, Directus calls included.

pub mod attempts;
pub mod event_auth;
pub mod jobs;
pub mod reports;
pub mod problem;
pub mod student_auth;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tracing::Instrument;

use crate::directus::RetryPolicy;
use crate::events::Event;
use crate::process::{ProcessError, Worker};
use crate::secret::Secret;
use problem::Problem;

/// Largest request body accepted; larger ones get 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    worker: Worker,
    webhook_secret: Secret,
    /// Directus' `SECRET`, to verify students' access tokens locally (optional).
    directus_secret: Option<Secret>,
}

impl AppState {
    pub fn new(worker: Worker, webhook_secret: Secret, directus_secret: Option<Secret>) -> Self {
        Self {
            inner: Arc::new(Inner {
                worker,
                webhook_secret,
                directus_secret,
            }),
        }
    }

    pub fn worker(&self) -> &Worker {
        &self.inner.worker
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/events", post(receive_event))
        .route("/v1/attempts", post(attempts::submit))
        .route("/v1/jobs", post(jobs::run))
        .route("/v1/reports/ab", get(reports::ab))
        // A whole course travels in a validation request: it gets its own, larger limit.
        .route(
            "/v1/validate",
            post(validate::validate).layer(DefaultBodyLimit::max(validate::MAX_BODY_BYTES)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The request id: the caller's `x-request-id` when sane, otherwise a new one.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// A response that says which request it answers.
pub fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Reads the body, or says in JSON why not (413 when over [`MAX_BODY_BYTES`]).
pub fn body_or_problem(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|rejection| {
        let status = rejection.status();
        let kind = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "body-too-large"
        } else {
            "unreadable-body"
        };
        Problem::new(
            status,
            kind,
            format!("{rejection} (limit {MAX_BODY_BYTES} bytes)"),
        )
        .at("body")
    })
}

async fn healthz() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

/// Ready when Directus answers to the worker's own token.
async fn readyz(State(state): State<AppState>) -> Response {
    let probe = state
        .worker()
        .directus
        .clone()
        .with_retry(RetryPolicy::none());
    let check =
        tokio::time::timeout(Duration::from_secs(3), probe.get("/users/me?fields=id")).await;
    match check {
        Ok(Ok(_)) => {
            axum::Json(json!({ "status": "ready", "directus": "reachable" })).into_response()
        }
        Ok(Err(e)) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "directus-unavailable",
            e.to_string(),
        )
        .into_response(),
        Err(_) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "directus-unavailable",
            "Directus did not answer in 3 s",
        )
        .into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.worker().metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

async fn receive_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let span = tracing::info_span!("event", request_id = %request_id);
    let response = handle_event(&state, &headers, body).instrument(span).await;
    let response = match response {
        Ok(response) => response,
        Err(mut problem) => {
            problem.request_id = Some(request_id.clone());
            problem.into_response()
        }
    };
    with_request_id(response, &request_id)
}

async fn handle_event(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let metrics = &state.worker().metrics;
    let body = body_or_problem(body).inspect_err(log_rejection)?;
    let verified = event_auth::verify_event(headers, &body, &state.inner.webhook_secret)
        .inspect_err(log_rejection)?;
    let kind = verified.0["event"].as_str().unwrap_or("unknown").to_owned();
    metrics.event_received(&kind);
    let event = Event::try_from(&verified.0).map_err(|error| {
        metrics.event_failed(&kind, "unprocessable");
        let problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable-event",
            error.to_string(),
        )
        .at(format!("body:{}", error.pointer()));
        log_rejection(&problem);
        problem
    })?;
    match state.worker().handle(&event).await {
        Ok(handled) => {
            metrics.event_processed(&kind);
            Ok((StatusCode::OK, axum::Json(handled)).into_response())
        }
        Err(error) => {
            metrics.event_failed(&kind, error.reason());
            let attempt = match event {
                Event::AttemptSubmitted { attempt, .. } => Some(attempt),
                _ => None,
            };
            state
                .worker()
                .dead_letter("flow", &verified.0, &error.to_string(), attempt)
                .await;
            Err(problem_for(&error))
        }
    }
}

/// The answer for an event or attempt the worker could not process.
pub fn problem_for(error: &ProcessError) -> Problem {
    match error {
        ProcessError::Directus(e) => Problem::new(
            StatusCode::BAD_GATEWAY,
            "directus-unavailable",
            format!("Directus failed after retries: {e}"),
        ),
        ProcessError::Content(reason) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "broken-content",
            reason.clone(),
        ),
        ProcessError::NotFound(reason) => {
            Problem::new(StatusCode::NOT_FOUND, "not-found", reason.clone())
        }
        ProcessError::Conflict(reason) => {
            Problem::new(StatusCode::CONFLICT, "state-conflict", reason.clone())
        }
    }
}

fn log_rejection(problem: &Problem) {
    tracing::warn!(problem.kind = %problem.kind, problem.status = problem.status, problem.detail = %problem.detail, "request rejected");
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "no such endpoint")
}

/// A JSON body, or a problem saying where it is malformed.
pub fn parse_json(body: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            format!("the body is not valid JSON: {e}"),
        )
        .at(format!("body:line {} column {}", e.line(), e.column()))
    })
}

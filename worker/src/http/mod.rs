//! The worker's HTTP surface: routes, authentication and error responses.

pub mod event_auth;
pub mod problem;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::directus::{DirectusClient, RetryPolicy};
use crate::secret::Secret;
use problem::Problem;

/// Largest request body accepted; larger ones get 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    directus: DirectusClient,
    webhook_secret: Secret,
}

impl AppState {
    pub fn new(directus: DirectusClient, webhook_secret: Secret) -> Self {
        Self { inner: Arc::new(Inner { directus, webhook_secret }) }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/v1/events", post(receive_event))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

/// Ready when Directus answers to the worker's own token.
async fn readyz(State(state): State<AppState>) -> Response {
    let probe = state.inner.directus.clone().with_retry(RetryPolicy::none());
    let check = tokio::time::timeout(Duration::from_secs(3), probe.get("/users/me?fields=id")).await;
    match check {
        Ok(Ok(_)) => axum::Json(json!({ "status": "ready", "directus": "reachable" })).into_response(),
        Ok(Err(e)) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "directus-unavailable", e.to_string()).into_response(),
        Err(_) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "directus-unavailable", "Directus did not answer in 3 s")
            .into_response(),
    }
}

async fn receive_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let kind = if status == StatusCode::PAYLOAD_TOO_LARGE { "body-too-large" } else { "unreadable-body" };
        Problem::new(status, kind, format!("{rejection} (limit {MAX_BODY_BYTES} bytes)")).at("body")
    })?;
    let verified = event_auth::verify_event(&headers, &body, &state.inner.webhook_secret).inspect_err(|problem| {
        tracing::warn!(problem.kind = %problem.kind, problem.detail = %problem.detail, "event rejected");
    })?;
    let kind = verified.0["event"].as_str().unwrap_or_default().to_owned();
    tracing::info!(event.kind = %kind, "event received");
    Ok((StatusCode::ACCEPTED, axum::Json(json!({ "accepted": kind }))).into_response())
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "no such endpoint")
}

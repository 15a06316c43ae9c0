//! `GET /v1/reports/ab`: the A/B report, computed now from every student's records, for
//! staff (Directus users whose role is Administrator, Content Editor or Teacher). The
//! caller's Directus token (an access token or a static one) goes in `Authorization:
//! Bearer`; Directus says whose it is. The nightly job stores the same report once a day
//! in `experiment_reports`, and `pathwise report ab` prints it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use directus_schema::access::{CONTENT_EDITOR, TEACHER};
use tracing::Instrument;

use super::problem::Problem;
use super::{AppState, event_auth, request_id, with_request_id};
use crate::directus::RetryPolicy;
use crate::secret::Secret;

/// The roles that may read reports (Directus' own administrator role, by its default name).
pub const STAFF_ROLES: [&str; 3] = ["Administrator", CONTENT_EDITOR, TEACHER];

pub async fn ab(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let request_id = request_id(&headers);
    let span = tracing::info_span!("report", request_id = %request_id);
    let response = match handle(&state, &headers).instrument(span).await {
        Ok(response) => response,
        Err(mut problem) => {
            problem.request_id = Some(request_id.clone());
            problem.into_response()
        }
    };
    with_request_id(response, &request_id)
}

async fn handle(state: &AppState, headers: &HeaderMap) -> Result<Response, Problem> {
    let token = event_auth::bearer_token(headers)?.to_owned();
    let worker = state.worker();
    let caller = worker
        .directus
        .with_token(Some(Secret::new(token)))
        .with_retry(RetryPolicy::none());
    let me = caller
        .get_data("/users/me?fields=id,role.name")
        .await
        .map_err(|e| match e.status {
            Some(401 | 403) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-token",
                format!("Directus rejected the token: {}", e.message),
            )
            .at("header:Authorization"),
            _ => Problem::new(
                StatusCode::BAD_GATEWAY,
                "directus-unavailable",
                e.to_string(),
            ),
        })?;
    let role = me
        .pointer("/role/name")
        .and_then(|r| r.as_str())
        .unwrap_or("");
    if !STAFF_ROLES.contains(&role) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "not-staff",
            format!(
                "the A/B report is for staff ({}); this user's role is {}",
                STAFF_ROLES.join(", "),
                if role.is_empty() {
                    "none".to_owned()
                } else {
                    format!("\"{role}\"")
                }
            ),
        )
        .at("header:Authorization"));
    }
    let report = crate::process::nightly::ab_report_now(worker, chrono::Utc::now())
        .await
        .map_err(|e| {
            Problem::new(
                StatusCode::BAD_GATEWAY,
                "directus-unavailable",
                e.to_string(),
            )
        })?;
    Ok(Json(report).into_response())
}

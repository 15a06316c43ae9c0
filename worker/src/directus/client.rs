//! A thin client for Directus' REST and GraphQL APIs.
//!
//! Every call goes through [`DirectusClient::send`], which retries what is worth
//! retrying (see [`super::retry`]) with capped exponential backoff and jitter, bounded in
//! time, and turns Directus' error bodies (`{"errors":[{"message", "extensions":{"code"}}]}`)
//! into a [`DirectusError`] that says which call failed and why.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use backoff::ExponentialBackoff;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::retry::{Failure, RetryDecision, classify, parse_retry_after};
use crate::metrics::Metrics;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct DirectusClient {
    base_url: String,
    token: Option<Secret>,
    http: reqwest::Client,
    retry: RetryPolicy,
    metrics: Option<Arc<Metrics>>,
    round_trips: Option<Arc<AtomicU32>>,
    /// Sent as `X-Pathwise-Worker-Token`: the worker vouching for a call it makes with a
    /// student's token (the extension's submissions endpoint).
    worker_proof: Option<Secret>,
}

/// How long and how often to retry one call.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub initial_interval: Duration,
    pub max_interval: Duration,
    /// Give up once this much time has passed since the first try.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: for probes such as readiness checks.
    pub fn none() -> Self {
        Self {
            initial_interval: Duration::ZERO,
            max_interval: Duration::ZERO,
            max_elapsed: Duration::ZERO,
        }
    }

    fn backoff(&self) -> ExponentialBackoff {
        ExponentialBackoff {
            initial_interval: self.initial_interval,
            current_interval: self.initial_interval,
            randomization_factor: 0.5,
            multiplier: 2.0,
            max_interval: self.max_interval,
            max_elapsed_time: Some(self.max_elapsed),
            ..ExponentialBackoff::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("Directus {operation} failed{}: {message}", status.map(|s| format!(" with {s}")).unwrap_or_default())]
pub struct DirectusError {
    /// `METHOD /path` of the call.
    pub operation: String,
    /// The HTTP status, when Directus answered.
    pub status: Option<u16>,
    /// Directus' `extensions.code` of the first error, e.g. `FORBIDDEN`, `INVALID_PAYLOAD`.
    pub code: Option<String>,
    pub message: String,
}

impl DirectusError {
    pub fn is_status(&self, status: u16) -> bool {
        self.status == Some(status)
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    /// One file in a multipart form, as `/schema/diff` accepts a YAML snapshot.
    File {
        name: String,
        mime: String,
        bytes: Vec<u8>,
    },
}

impl DirectusClient {
    pub fn new(base_url: impl Into<String>, token: Option<Secret>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client with static settings always builds");
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            token,
            http,
            retry: RetryPolicy::default(),
            metrics: None,
            round_trips: None,
            worker_proof: None,
        }
    }

    /// Records every request's latency in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// A clone that counts its own round trips (retries included), to measure what one
    /// unit of work costs; read the count with [`DirectusClient::round_trips`].
    pub fn counting(&self) -> Self {
        Self {
            round_trips: Some(Arc::new(AtomicU32::new(0))),
            ..self.clone()
        }
    }

    /// Round trips made through this clone since [`DirectusClient::counting`].
    pub fn round_trips(&self) -> u32 {
        self.round_trips
            .as_ref()
            .map_or(0, |count| count.load(Ordering::Relaxed))
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same server and connection pool, acting as someone else.
    pub fn with_token(&self, token: Option<Secret>) -> Self {
        Self {
            token,
            ..self.clone()
        }
    }

    /// Acts as the student whose access token this is, with this client's own (the
    /// worker's) token sent along as proof that the worker makes the call. Same pool,
    /// same round-trip count.
    pub fn on_behalf_of(&self, student_token: Secret) -> Self {
        Self {
            worker_proof: self.token.clone(),
            token: Some(student_token),
            ..self.clone()
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub async fn get(&self, path: &str) -> Result<Value, DirectusError> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, DirectusError> {
        self.send(Method::POST, path, Some(Body::Json(body))).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Result<Value, DirectusError> {
        self.send(Method::PATCH, path, Some(Body::Json(body))).await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, DirectusError> {
        self.send(Method::DELETE, path, None).await
    }

    /// `data` of a response, or `Null` for an empty (204) one.
    pub async fn get_data(&self, path: &str) -> Result<Value, DirectusError> {
        Ok(take_data(self.get(path).await?))
    }

    /// A GraphQL request to `/graphql` (or `/graphql/system`); GraphQL errors become a
    /// [`DirectusError`] even when the HTTP status is 200.
    pub async fn graphql(
        &self,
        endpoint: &str,
        query: &str,
        variables: Value,
    ) -> Result<Value, DirectusError> {
        self.graphql_request(
            endpoint,
            serde_json::json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// A GraphQL request body (`query`, `variables`, optionally `operationName`).
    pub async fn graphql_request(
        &self,
        endpoint: &str,
        body: Value,
    ) -> Result<Value, DirectusError> {
        let response = self
            .send(Method::POST, endpoint, Some(Body::Json(body)))
            .await?;
        if let Some(errors) = response
            .get("errors")
            .filter(|e| e.as_array().is_some_and(|a| !a.is_empty()))
        {
            let (code, message) = first_error(errors);
            return Err(DirectusError {
                operation: format!("POST {endpoint}"),
                status: Some(200),
                code,
                message,
            });
        }
        Ok(take_data(response))
    }

    /// Sends one call, retrying transient failures; answers the parsed JSON body
    /// (`Null` when empty).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
    ) -> Result<Value, DirectusError> {
        let operation = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let url = format!("{}{}", self.base_url, path);
        let attempt = || async {
            let result = self
                .send_once(&method, &url, &operation, body.as_ref())
                .await;
            match result {
                Ok(value) => Ok(value),
                Err((error, failure)) => match classify(failure) {
                    RetryDecision::Retry { after } => Err(backoff::Error::Transient {
                        err: error,
                        retry_after: after,
                    }),
                    RetryDecision::GiveUp => Err(backoff::Error::Permanent(error)),
                },
            }
        };
        let notify = |error: DirectusError, wait: Duration| {
            tracing::warn!(directus.operation = %error.operation, directus.status = ?error.status, retry_in_ms = wait.as_millis() as u64, "Directus call failed, retrying: {}", error.message);
        };
        if self.retry.max_elapsed.is_zero() {
            return attempt().await.map_err(|e| match e {
                backoff::Error::Permanent(err) | backoff::Error::Transient { err, .. } => err,
            });
        }
        backoff::future::retry_notify(self.retry.backoff(), attempt, notify).await
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &str,
        operation: &str,
        body: Option<&Body>,
    ) -> Result<Value, (DirectusError, Failure)> {
        let mut request = self.http.request(method.clone(), url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(proof) = &self.worker_proof {
            request = request.header("X-Pathwise-Worker-Token", proof.expose());
        }
        request = match body {
            None => request,
            Some(Body::Json(value)) => request.json(value),
            Some(Body::File { name, mime, bytes }) => {
                let part = reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name(name.clone())
                    .mime_str(mime)
                    .expect("a valid static MIME type");
                request.multipart(reqwest::multipart::Form::new().part("file", part))
            }
        };
        if let Some(count) = &self.round_trips {
            count.fetch_add(1, Ordering::Relaxed);
        }
        let started = Instant::now();
        let result = self.exchange(request, operation).await;
        let elapsed = started.elapsed();
        if let Some(metrics) = &self.metrics {
            metrics.observe_directus(operation, elapsed);
        }
        tracing::debug!(directus.operation = %operation, elapsed_ms = elapsed.as_secs_f64() * 1000.0, ok = result.is_ok(), "Directus call");
        result
    }

    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        operation: &str,
    ) -> Result<Value, (DirectusError, Failure)> {
        let transport = |e: reqwest::Error| {
            (
                DirectusError {
                    operation: operation.to_owned(),
                    status: None,
                    code: None,
                    message: e.to_string(),
                },
                Failure::Transport,
            )
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = response.text().await.map_err(transport)?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        if status.is_success() {
            return Ok(value);
        }
        let (code, message) = match value.get("errors") {
            Some(errors) => first_error(errors),
            None => (
                None,
                status.canonical_reason().unwrap_or("error").to_owned(),
            ),
        };
        let failure = Failure::Status {
            status: status.as_u16(),
            retry_after,
        };
        Err((
            DirectusError {
                operation: operation.to_owned(),
                status: Some(status.as_u16()),
                code,
                message,
            },
            failure,
        ))
    }
}

fn first_error(errors: &Value) -> (Option<String>, String) {
    let first = errors.get(0);
    let code = first
        .and_then(|e| e.pointer("/extensions/code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut message = first
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("unknown error")
        .to_owned();
    // A GraphQL validation error says what is invalid only in `extensions.errors`.
    let details: Vec<&str> = first
        .and_then(|e| e.pointer("/extensions/errors"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("message").and_then(Value::as_str))
        .collect();
    if !details.is_empty() {
        message = format!("{message} {}", details.join("; "));
    }
    (code, message)
}

/// The `data` member of a Directus response; `Null` when there is none.
pub fn take_data(mut response: Value) -> Value {
    response
        .get_mut("data")
        .map(Value::take)
        .unwrap_or(Value::Null)
}

/// `true` for the status codes Directus uses when an item is not there or not visible.
pub fn is_missing(status: Option<u16>) -> bool {
    matches!(
        status.map(StatusCode::from_u16),
        Some(Ok(StatusCode::NOT_FOUND | StatusCode::FORBIDDEN))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graphql_validation_error_says_what_is_invalid() {
        let errors = serde_json::json!([{
            "message": "GraphQL validation error.",
            "extensions": {
                "code": "GRAPHQL_VALIDATION",
                "errors": [{ "message": "Variable \"$attempt\" of type \"ID!\" used in position expecting type \"GraphQLStringOrFloat\"." }]
            }
        }]);
        let (code, message) = first_error(&errors);
        assert_eq!(code.as_deref(), Some("GRAPHQL_VALIDATION"));
        assert!(
            message.starts_with("GraphQL validation error. Variable \"$attempt\""),
            "{message}"
        );
        let plain =
            serde_json::json!([{ "message": "Forbidden", "extensions": { "code": "FORBIDDEN" } }]);
        assert_eq!(first_error(&plain).1, "Forbidden");
    }
}

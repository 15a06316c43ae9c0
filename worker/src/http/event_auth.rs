//! Verifying that an event really comes from a Directus flow.
//!
//! The flow signs a short-lived HS256 token whose `event` claim is the event itself (see
//! `directus_schema::flows`). A request is accepted only when the token verifies with
//! the webhook secret, names the expected issuer and audience, has `exp` and `iat`, and
//! its `event` claim equals the body: a captured token cannot vouch for another body.

use axum::http::{HeaderMap, StatusCode, header};
use directus_schema::flows::{TOKEN_AUDIENCE, TOKEN_ISSUER};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;
use serde_json::Value;

use super::problem::Problem;
use crate::secret::Secret;

/// Clock skew tolerated on `exp`/`iat`, far below jsonwebtoken's default minute.
pub const LEEWAY_SECONDS: u64 = 5;

#[derive(Debug, Deserialize)]
struct FlowClaims {
    event: Value,
    iat: i64,
}

/// An event whose signature and claims have been checked against its body.
#[derive(Debug, Clone)]
pub struct VerifiedEvent(pub Value);

pub fn bearer_token(headers: &HeaderMap) -> Result<&str, Problem> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "missing-token",
            "the request has no Authorization header",
        )
        .at("header:Authorization")
    })?;
    let value = value.to_str().unwrap_or_default();
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "missing-token",
                "the Authorization header is not `Bearer <token>`",
            )
            .at("header:Authorization")
        })
}

pub fn verify_event(
    headers: &HeaderMap,
    body: &[u8],
    secret: &Secret,
) -> Result<VerifiedEvent, Problem> {
    let token = bearer_token(headers)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    validation.set_issuer(&[TOKEN_ISSUER]);
    validation.set_audience(&[TOKEN_AUDIENCE]);
    validation.leeway = LEEWAY_SECONDS;
    let key = DecodingKey::from_secret(secret.expose().as_bytes()).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "misconfigured",
            format!("the webhook secret is unusable: {e}"),
        )
    })?;
    let claims = decode::<FlowClaims>(token, &key, &validation)
        .map_err(|e| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-token",
                format!("the event token was rejected: {e}"),
            )
            .at("header:Authorization")
        })?
        .claims;
    let now = chrono::Utc::now().timestamp();
    if claims.iat > now + LEEWAY_SECONDS as i64 {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-token",
            "the event token was issued in the future",
        )
        .at("claim:iat"));
    }
    let body = super::parse_json(body)?;
    if body != claims.event {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "token-body-mismatch",
            "the token's `event` claim does not match the body: the token does not vouch for this event",
        )
        .at("claim:event"));
    }
    Ok(VerifiedEvent(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn token(claims: Value, secret: &str, alg: Algorithm) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    fn headers(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    fn with_claim(mut claims: Value, name: &str, value: Value) -> Value {
        claims[name] = value;
        claims
    }

    fn without_claim(mut claims: Value, name: &str) -> Value {
        claims.as_object_mut().unwrap().remove(name);
        claims
    }

    fn claims(event: &Value, exp_in: i64) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({ "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "event": event, "iat": now, "exp": now + exp_in })
    }

    #[test]
    fn accepts_a_token_that_covers_the_body() {
        let event = json!({ "event": "attempts.items.create", "key": 3, "payload": {} });
        let t = token(claims(&event, 60), "s3cret", Algorithm::HS256);
        let verified = verify_event(
            &headers(&t),
            event.to_string().as_bytes(),
            &Secret::new("s3cret"),
        )
        .unwrap();
        assert_eq!(verified.0, event);
    }

    #[test]
    fn rejects_forged_expired_misaddressed_and_mismatched_tokens() {
        let event = json!({ "event": "attempts.items.create", "key": 3 });
        let body = event.to_string();
        let secret = Secret::new("s3cret");
        let cases = [
            (
                "forged",
                token(claims(&event, 60), "other", Algorithm::HS256),
                "invalid-token",
            ),
            (
                "expired",
                token(claims(&event, -30), "s3cret", Algorithm::HS256),
                "invalid-token",
            ),
            (
                "hs512",
                token(claims(&event, 60), "s3cret", Algorithm::HS512),
                "invalid-token",
            ),
            (
                "wrong audience",
                token(
                    with_claim(claims(&event, 60), "aud", json!("someone-else")),
                    "s3cret",
                    Algorithm::HS256,
                ),
                "invalid-token",
            ),
            (
                "no iat",
                token(
                    without_claim(claims(&event, 60), "iat"),
                    "s3cret",
                    Algorithm::HS256,
                ),
                "invalid-token",
            ),
            (
                "wrong issuer",
                token(
                    with_claim(claims(&event, 60), "iss", json!("mallory")),
                    "s3cret",
                    Algorithm::HS256,
                ),
                "invalid-token",
            ),
            (
                "other body",
                token(
                    claims(&json!({ "event": "attempts.items.create", "key": 4 }), 60),
                    "s3cret",
                    Algorithm::HS256,
                ),
                "token-body-mismatch",
            ),
        ];
        for (name, t, kind) in cases {
            let problem = verify_event(&headers(&t), body.as_bytes(), &secret).unwrap_err();
            assert!(problem.kind.ends_with(kind), "{name}: {problem:?}");
            assert_eq!(problem.status, 401, "{name}");
        }
    }
}

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

/// Decodes and checks a token signed like a flow event: HS256 with the webhook secret, our
/// issuer and audience, `exp` and `iat` present and not in the future.
fn decode_signed<C: serde::de::DeserializeOwned + IssuedAt>(
    headers: &HeaderMap,
    secret: &Secret,
) -> Result<C, Problem> {
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
    let claims = decode::<C>(token, &key, &validation)
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
    if claims.iat() > now + LEEWAY_SECONDS as i64 {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-token",
            "the event token was issued in the future",
        )
        .at("claim:iat"));
    }
    Ok(claims)
}

trait IssuedAt {
    fn iat(&self) -> i64;
}

impl IssuedAt for FlowClaims {
    fn iat(&self) -> i64 {
        self.iat
    }
}

pub fn verify_event(
    headers: &HeaderMap,
    body: &[u8],
    secret: &Secret,
) -> Result<VerifiedEvent, Problem> {
    verify_event_issued(headers, body, secret).map(|(event, _)| event)
}

/// [`verify_event`], with the time the token was issued: a scheduled tick's "now" when its
/// body names none (a schedule trigger has no data of its own).
pub fn verify_event_issued(
    headers: &HeaderMap,
    body: &[u8],
    secret: &Secret,
) -> Result<(VerifiedEvent, i64), Problem> {
    let claims: FlowClaims = decode_signed(headers, secret)?;
    let issued = claims.iat;
    let body = super::parse_json(body)?;
    if body != claims.event {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "token-body-mismatch",
            "the token's `event` claim does not match the body: the token does not vouch for this event",
        )
        .at("claim:event"));
    }
    Ok((VerifiedEvent(body), issued))
}

#[derive(Debug, Deserialize)]
struct BodyHashClaims {
    body_sha256: String,
    iat: i64,
}

impl IssuedAt for BodyHashClaims {
    fn iat(&self) -> i64 {
        self.iat
    }
}

/// The hex SHA-256 of a request body, as a `body_sha256` claim carries it.
pub fn body_sha256(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(body)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A request signed like a flow event whose token vouches for its body by hash (claim
/// `body_sha256`) rather than by copy: the extension's validation requests carry a whole
/// course, which a copy in the `Authorization` header would double.
pub fn verify_signed_body(
    headers: &HeaderMap,
    body: &[u8],
    secret: &Secret,
) -> Result<Value, Problem> {
    let claims: BodyHashClaims = decode_signed(headers, secret)?;
    if !claims.body_sha256.eq_ignore_ascii_case(&body_sha256(body)) {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "token-body-mismatch",
            "the token's `body_sha256` claim is not the hash of the body: the token does not vouch for this request",
        )
        .at("claim:body_sha256"));
    }
    super::parse_json(body)
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
    fn a_body_hash_token_vouches_for_exactly_its_body() {
        let body = json!({ "course": { "id": 3 }, "lessons": [] }).to_string();
        let now = chrono::Utc::now().timestamp();
        let claims = |hash: &str| {
            json!({ "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "body_sha256": hash,
                    "iat": now, "exp": now + 60 })
        };
        let secret = Secret::new("s3cret");
        let good = token(
            claims(&body_sha256(body.as_bytes())),
            "s3cret",
            Algorithm::HS256,
        );
        assert_eq!(
            verify_signed_body(&headers(&good), body.as_bytes(), &secret).unwrap()["course"]["id"],
            3
        );
        // jwt.io-style reference: the SHA-256 of "abc".
        assert_eq!(
            body_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let other = body.replace('3', "4");
        let problem = verify_signed_body(&headers(&good), other.as_bytes(), &secret).unwrap_err();
        assert_eq!(problem.kind, "token-body-mismatch");
        let forged = token(
            claims(&body_sha256(body.as_bytes())),
            "other",
            Algorithm::HS256,
        );
        let problem = verify_signed_body(&headers(&forged), body.as_bytes(), &secret).unwrap_err();
        assert_eq!(problem.kind, "invalid-token");
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

//! Who a student is, from the Directus access token they send.
//!
//! Directus access tokens are HS256 JWTs signed with Directus' `SECRET`
//! (`{id, role, app_access, admin_access, iat, exp, iss: "directus"}`). When the worker is
//! given that secret it verifies the token locally, with no round trip; otherwise it asks
//! Directus (`GET /users/me`), which also accepts static tokens.

use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

use super::problem::Problem;
use crate::directus::{DirectusClient, RetryPolicy};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub id: String,
    /// The token itself, to act as the student in Directus.
    pub token: Secret,
}

#[derive(Debug, Deserialize)]
struct DirectusClaims {
    id: String,
}

/// Verifies `token` locally with Directus' secret.
pub fn verify_locally(token: &str, directus_secret: &Secret) -> Result<String, Problem> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.set_issuer(&["directus"]);
    validation.leeway = super::event_auth::LEEWAY_SECONDS;
    let key = DecodingKey::from_secret(directus_secret.expose().as_bytes()).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "misconfigured",
            format!("DIRECTUS_SECRET is unusable: {e}"),
        )
    })?;
    decode::<DirectusClaims>(token, &key, &validation)
        .map(|data| data.claims.id)
        .map_err(|e| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-token",
                format!("the Directus access token was rejected: {e}"),
            )
            .at("header:Authorization")
        })
}

/// Asks Directus whose token this is.
pub async fn verify_with_directus(
    token: &str,
    directus: &DirectusClient,
) -> Result<String, Problem> {
    let as_student = directus
        .with_token(Some(Secret::new(token)))
        .with_retry(RetryPolicy::none());
    match as_student.get_data("/users/me?fields=id").await {
        Ok(me) => me["id"].as_str().map(str::to_owned).ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-token",
                "Directus does not know this token",
            )
            .at("header:Authorization")
        }),
        Err(e) if e.status == Some(401) || e.status == Some(403) => Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-token",
            format!("Directus rejected the token: {}", e.message),
        )
        .at("header:Authorization")),
        Err(e) => Err(Problem::new(
            StatusCode::BAD_GATEWAY,
            "directus-unavailable",
            e.to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn token(claims: serde_json::Value, secret: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn accepts_a_directus_token_and_rejects_forged_or_expired_ones() {
        let now = chrono::Utc::now().timestamp();
        let secret = Secret::new("directus-secret");
        let good = token(
            json!({ "id": "u1", "role": "r", "iss": "directus", "iat": now, "exp": now + 900 }),
            "directus-secret",
        );
        assert_eq!(verify_locally(&good, &secret).unwrap(), "u1");
        let forged = token(
            json!({ "id": "u1", "iss": "directus", "iat": now, "exp": now + 900 }),
            "guess",
        );
        assert_eq!(verify_locally(&forged, &secret).unwrap_err().status, 401);
        let expired = token(
            json!({ "id": "u1", "iss": "directus", "iat": now - 999, "exp": now - 60 }),
            "directus-secret",
        );
        assert_eq!(verify_locally(&expired, &secret).unwrap_err().status, 401);
        let foreign = token(
            json!({ "id": "u1", "iss": "someone", "iat": now, "exp": now + 900 }),
            "directus-secret",
        );
        assert_eq!(verify_locally(&foreign, &secret).unwrap_err().status, 401);
    }
}

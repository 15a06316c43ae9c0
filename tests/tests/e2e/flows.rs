//! Creating an attempt makes Directus' flow deliver a signed event to the worker's URL.

use std::time::Duration;

use axum::http::header;
use directus_schema::flows::{TOKEN_AUDIENCE, TOKEN_ISSUER};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use pathwise_tests::{TestDirectus, secrets};
use serde_json::{Value, json};

use crate::receiver::Receiver;

#[tokio::test]
async fn creating_an_attempt_delivers_a_signed_event_to_loopback() {
    let mut receiver = Receiver::start().await;
    let directus = TestDirectus::seeded(&receiver.url).await;
    let ada = directus.student("ada").await;
    let lesson = directus
        .items("lessons", "filter[status][_eq]=published&fields=id&limit=1")
        .await[0]["id"]
        .clone();
    let created = ada
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": { "1": "1/2" } }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].clone();

    let delivery = receiver
        .next_matching(Duration::from_secs(15), |body| {
            body["event"] == "attempts.items.create"
        })
        .await
        .expect("the flow delivered the attempt's event within 15 s");
    assert_eq!(delivery.path, "/v1/events");
    let body: Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(body["collection"], "attempts");
    assert_eq!(body["key"], attempt);
    assert_eq!(body["payload"]["answers"], json!({ "1": "1/2" }));

    // The signature verifies with the webhook secret, and the token covers this very body.
    let token = delivery.headers[header::AUTHORIZATION]
        .to_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    validation.set_issuer(&[TOKEN_ISSUER]);
    validation.set_audience(&[TOKEN_AUDIENCE]);
    let key = DecodingKey::from_secret(secrets().webhook_secret.expose().as_bytes()).unwrap();
    let claims = decode::<Value>(&token, &key, &validation)
        .expect("the token verifies with the webhook secret")
        .claims;
    assert_eq!(claims["event"], body);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(lifetime > 0 && lifetime <= 60, "short-lived: {lifetime} s");
    let wrong = DecodingKey::from_secret(b"another secret").unwrap();
    assert!(
        decode::<Value>(&token, &wrong, &validation).is_err(),
        "another secret must not verify it"
    );
    // The worker's own verifier accepts it too.
    pathwise::http::event_auth::verify_event(
        &delivery.headers,
        &delivery.body,
        &secrets().webhook_secret,
    )
    .expect("the worker accepts the flow's event");

    // The secret is not stored in Directus: the flow reads it from the environment.
    let operations = directus
        .admin()
        .get_data("/operations?limit=-1&fields=options")
        .await
        .unwrap()
        .to_string();
    assert!(
        !operations.contains(secrets().webhook_secret.expose()),
        "the webhook secret leaked into the database"
    );
}

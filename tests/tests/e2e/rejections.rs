//! Whatever is not a genuine, well-formed event from a flow is rejected with its status
//! and a problem+json body, and nothing is written.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use pathwise_tests::secrets;
use pathwise_tests::stack::TestStack;
use serde_json::{Value, json};

pub fn valid_claims(event: &Value) -> Value {
    let now = chrono_now();
    json!({ "iss": "directus-flow", "aud": "pathwise-worker", "event": event, "iat": now, "exp": now + 60 })
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// Posts `event` signed with the webhook secret over `claims`.
pub async fn send_event(stack: &TestStack, event: &Value, claims: Value) -> (u16, Value) {
    let token = sign(&claims, secrets().webhook_secret.expose());
    send_raw(stack, Some(&token), event.to_string().into_bytes()).await
}

async fn send_raw(stack: &TestStack, token: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/events", stack.worker_url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{status}: {body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
        assert_eq!(body["status"], status, "{body}");
    }
    (status, body)
}

#[tokio::test]
async fn forged_expired_misaddressed_unsigned_malformed_oversized_and_unknown_events_are_rejected()
{
    let stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let ada = stack.directus.user_id("ada@example.com").await;
    // An attempt nobody graded yet (created by the admin: no... the flow runs for any creator,
    // so stop the worker while creating it).
    let mut stack = stack;
    stack.stop_worker().await;
    let created = stack
        .admin()
        .post(
            "/items/attempts",
            json!({ "student": ada, "lesson": lesson, "answers": {} }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].clone();
    stack.start_worker().await;
    let event = json!({ "event": "attempts.items.create", "key": attempt, "payload": {}, "collection": "attempts" });
    let body = event.to_string().into_bytes();
    let secret = secrets().webhook_secret.expose().to_owned();

    let mut expired = valid_claims(&event);
    expired["iat"] = json!(chrono_now() - 600);
    expired["exp"] = json!(chrono_now() - 300);
    let mut wrong_audience = valid_claims(&event);
    wrong_audience["aud"] = json!("someone-else");
    let mut no_exp = valid_claims(&event);
    no_exp.as_object_mut().unwrap().remove("exp");
    let other_event = json!({ "event": "attempts.items.create", "key": 999999, "payload": {}, "collection": "attempts" });
    let unsigned_header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let none_token = format!(
        "{unsigned_header}.{}.",
        base64url(valid_claims(&event).to_string().as_bytes())
    );

    let cases: Vec<(&str, Option<String>, Vec<u8>, u16)> = vec![
        ("no token", None, body.clone(), 401),
        (
            "forged",
            Some(sign(&valid_claims(&event), "not-the-secret")),
            body.clone(),
            401,
        ),
        ("expired", Some(sign(&expired, &secret)), body.clone(), 401),
        (
            "wrong audience",
            Some(sign(&wrong_audience, &secret)),
            body.clone(),
            401,
        ),
        ("no exp", Some(sign(&no_exp, &secret)), body.clone(), 401),
        ("alg none", Some(none_token), body.clone(), 401),
        (
            "token for another body",
            Some(sign(&valid_claims(&other_event), &secret)),
            body.clone(),
            401,
        ),
        (
            "malformed body",
            Some(sign(&valid_claims(&event), &secret)),
            b"{not json".to_vec(),
            400,
        ),
        (
            "oversized body",
            Some(sign(&valid_claims(&event), &secret)),
            vec![b' '; 300 * 1024],
            413,
        ),
    ];
    for (name, token, payload, expected) in cases {
        let (status, problem) = send_raw(&stack, token.as_deref(), payload).await;
        assert_eq!(status, expected, "{name}: {problem}");
    }
    let unknown =
        json!({ "event": "attempts.items.delete", "keys": ["1"], "collection": "attempts" });
    let (status, problem) = send_event(&stack, &unknown, valid_claims(&unknown)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["location"], "body:/event");

    // Nothing was graded or written by any of them.
    let stored = stack
        .admin()
        .get_data(&format!("/items/attempts/{attempt}"))
        .await
        .unwrap();
    assert_eq!(stored["status"], "submitted");
    assert!(
        stack
            .directus
            .items("recommendations", "fields=id")
            .await
            .is_empty()
    );
    assert!(
        stack
            .directus
            .items("mastery", "fields=id")
            .await
            .is_empty()
    );

    // The genuine event is accepted and graded.
    let (status, answer) = send_event(&stack, &event, valid_claims(&event)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "graded");
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

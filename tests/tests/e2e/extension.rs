//! The Pathwise extension's endpoints against a real Directus, on SQLite and PostgreSQL:
//! the state read, and the outcome applied in one transaction: all or nothing, once,
//! refused when stale, only for the worker, 400 for bad input.

use pathwise::directus::DirectusClient;
use pathwise_tests::TestDirectus;
use pathwise_tests::postgres::TestPostgres;
use serde_json::{Value, json};

#[tokio::test]
async fn the_extension_reads_and_applies_outcomes_on_sqlite() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    exercise_the_extension(&directus).await;
    // The extension switched the database to write-ahead logging when Directus started:
    // bytes 18 and 19 of an SQLite file's header are 2 in WAL mode, 1 with a rollback
    // journal (what Directus' bootstrap leaves).
    let header = std::fs::read(directus.dir.join("data.db")).unwrap();
    assert_eq!(
        (header[18], header[19]),
        (2, 2),
        "the SQLite database is not in WAL mode"
    );
}

#[tokio::test]
async fn the_extension_reads_and_applies_outcomes_on_postgresql() {
    let pg = tokio::task::spawn_blocking(TestPostgres::start)
        .await
        .unwrap();
    let directus = TestDirectus::on_postgres(&pg, "http://127.0.0.1:9").await;
    directus.provision().await;
    directus.seed().await;
    exercise_the_extension(&directus).await;
    drop(directus);
    drop(pg);
}

/// What the tests need of the demo course.
struct Fixture {
    student: String,
    other_student: String,
    lesson: i64,
    course: i64,
    skill: i64,
}

async fn fixture(directus: &TestDirectus) -> Fixture {
    let lesson = &directus
        .items(
            "lessons",
            "filter[status][_eq]=published&sort=id&limit=1&fields=id,module.course",
        )
        .await[0];
    let course = lesson["module"]["course"].as_i64().unwrap();
    let skill = directus
        .items(
            "skills",
            &format!("filter[course][_eq]={course}&sort=id&limit=1&fields=id"),
        )
        .await[0]["id"]
        .as_i64()
        .unwrap();
    Fixture {
        student: directus.user_id("ada@example.com").await,
        other_student: directus.user_id("ben@example.com").await,
        lesson: lesson["id"].as_i64().unwrap(),
        course,
        skill,
    }
}

async fn new_attempt(directus: &TestDirectus, f: &Fixture) -> i64 {
    directus
        .admin()
        .post(
            "/items/attempts",
            json!({ "student": f.student, "lesson": f.lesson, "answers": {} }),
        )
        .await
        .unwrap()["data"]["id"]
        .as_i64()
        .unwrap()
}

fn graded(score: f64) -> Value {
    json!({ "status": "graded", "score": score, "points_earned": 1, "points_possible": 2,
            "results": { "questions": [] }, "graded_at": "2026-12-04T10:00:00Z" })
}

async fn apply(
    worker: &DirectusClient,
    attempt: i64,
    body: Value,
) -> Result<Value, (u16, String, String)> {
    worker
        .post(&format!("/pathwise/attempts/{attempt}/outcome"), body)
        .await
        .map_err(|e| {
            (
                e.status.unwrap_or_default(),
                e.code.unwrap_or_default(),
                e.message,
            )
        })
}

async fn one(directus: &TestDirectus, collection: &str, query: &str) -> Value {
    directus
        .items(collection, query)
        .await
        .into_iter()
        .next()
        .unwrap_or(Value::Null)
}

async fn xp_and_version(directus: &TestDirectus, profile: &Value) -> (Option<i64>, Option<i64>) {
    let stored = one(
        directus,
        "student_profiles",
        &format!("filter[id][_eq]={profile}"),
    )
    .await;
    (stored["xp"].as_i64(), stored["version"].as_i64())
}

async fn exercise_the_extension(directus: &TestDirectus) {
    let worker = directus.worker();
    let f = fixture(directus).await;

    // Installed, and said so to the worker.
    let info = worker.get_data("/pathwise").await.unwrap();
    assert_eq!(info["extension"], "pathwise", "{info}");

    // The state read: the attempt, who and which course, in the query's shape.
    let first = new_attempt(directus, &f).await;
    let state = worker
        .get_data(&format!("/pathwise/attempts/{first}/state"))
        .await
        .unwrap();
    assert_eq!(state["attempt"], first);
    assert_eq!(state["student"], f.student.as_str());
    assert_eq!(state["course"], f.course);
    assert_eq!(state["version"], Value::Null, "ada has no profile yet");
    assert_eq!(state["state"]["attempts_by_id"]["id"], first.to_string());
    assert_eq!(state["state"]["attempts_by_id"]["status"], "submitted");
    assert_eq!(
        state["state"]["attempts_by_id"]["lesson"]["module"]["course"]["id"],
        f.course.to_string()
    );
    let typed: Result<directus_schema::graphql::attempt_and_state::ResponseData, _> =
        serde_json::from_value(state["state"].clone());
    assert!(typed.is_ok(), "the worker's type reads it: {typed:?}");

    // A first outcome: a new profile, a mastery row, a recommendation.
    let outcome = |attempt: i64, version: Value, xp: i64, p_known: f64, key: &str| {
        json!({
            "version": version,
            "attempt": graded(0.5),
            "writes": {
                "newProfiles": [{ "student": f.student, "xp": xp, "streak_days": 1, "longest_streak": 1,
                                  "applied_attempts": [attempt], "version": 1 }],
                "newMastery": [{ "key": format!("{}:{}", f.student, f.skill), "student": f.student,
                                 "skill": f.skill, "p_known": p_known, "mastered": false,
                                 "observations": 1, "correct": 1, "applied_attempts": [attempt] }],
                "newRecommendations": [{ "key": key, "student": f.student, "course": f.course,
                                         "attempt": attempt, "kind": "practice", "lesson": f.lesson,
                                         "questions": [], "reason": "practice", "priority": 1,
                                         "strategy": "threshold-rules", "status": "active" }],
            }
        })
    };
    let body = outcome(first, Value::Null, 10, 0.4, &format!("{first}:0"));
    let answer = apply(&worker, first, body.clone()).await.unwrap();
    assert_eq!(
        answer["data"],
        json!({ "attempt": first, "status": "graded" })
    );
    let stored = one(directus, "attempts", &format!("filter[id][_eq]={first}")).await;
    assert_eq!(stored["status"], "graded");
    assert_eq!(stored["score"], 0.5);
    let profile = one(
        directus,
        "student_profiles",
        &format!("filter[student][_eq]={}", f.student),
    )
    .await;
    assert_eq!(
        (profile["xp"].as_i64(), profile["version"].as_i64()),
        (Some(10), Some(1))
    );
    let mastery = one(
        directus,
        "mastery",
        &format!("filter[student][_eq]={}", f.student),
    )
    .await;
    assert_eq!(mastery["p_known"], 0.4);
    assert_eq!(
        mastery["applied_attempts"],
        json!([first]),
        "JSON is stored as JSON"
    );
    assert_eq!(mastery["mastered"], false, "booleans stay booleans");

    // Idempotent: the same outcome again changes nothing and answers the same.
    let again = apply(&worker, first, body).await.unwrap();
    assert_eq!(again, answer);
    let recommendations = directus
        .items("recommendations", &format!("filter[attempt][_eq]={first}"))
        .await;
    assert_eq!(recommendations.len(), 1);
    let profile = one(
        directus,
        "student_profiles",
        &format!("filter[student][_eq]={}", f.student),
    )
    .await;
    assert_eq!(profile["version"], 1, "a replay bumps nothing");

    // Stale: computed before the first outcome (no profile then): refused, nothing written.
    let second = new_attempt(directus, &f).await;
    let stale = apply(
        &worker,
        second,
        outcome(second, Value::Null, 20, 0.6, &format!("{second}:0")),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (stale.0, stale.1.as_str()),
        (409, "PATHWISE_STALE_STATE"),
        "{stale:?}"
    );
    let stale = apply(
        &worker,
        second,
        json!({ "version": 0, "attempt": graded(0.9), "writes": {} }),
    )
    .await
    .unwrap_err();
    assert_eq!(stale.0, 409, "{stale:?}");
    // Stale with a profile update: the version check rides on that update.
    let stale = apply(
        &worker,
        second,
        json!({ "version": 0, "attempt": graded(0.9),
                "writes": { "profileUpdates": [{ "id": profile["id"].to_string(), "xp": 500 }] } }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (stale.0, stale.1.as_str()),
        (409, "PATHWISE_STALE_STATE"),
        "{stale:?}"
    );
    assert_eq!(
        xp_and_version(directus, &profile["id"]).await,
        (Some(10), Some(1)),
        "a stale profile update writes nothing"
    );
    let untouched = one(directus, "attempts", &format!("filter[id][_eq]={second}")).await;
    assert_eq!(untouched["status"], "submitted");

    // All or nothing: a failure midway (a recommendation key already taken, after the
    // mastery and profile updates) leaves every row as it was.
    let profile_id = profile["id"].clone();
    let mastery_id = mastery["id"].clone();
    let midway = json!({
        "version": 1,
        "attempt": graded(1.0),
        "writes": {
            "masteryUpdates": [{ "id": mastery_id.to_string(), "p_known": 0.99, "applied_attempts": [first, second] }],
            "profileUpdates": [{ "id": profile_id.to_string(), "xp": 999, "applied_attempts": [first, second] }],
            "newRecommendations": [{ "key": format!("{first}:0"), "student": f.student, "course": f.course,
                                     "attempt": second, "kind": "advance", "priority": 1, "status": "active" }],
        }
    });
    let failed = apply(&worker, second, midway).await.unwrap_err();
    assert_eq!(
        (failed.0, failed.1.as_str()),
        (409, "RECORD_NOT_UNIQUE"),
        "{failed:?}"
    );
    let mastery_after = one(
        directus,
        "mastery",
        &format!("filter[id][_eq]={mastery_id}"),
    )
    .await;
    assert_eq!(
        mastery_after["p_known"], 0.4,
        "the mastery update was rolled back"
    );
    assert_eq!(
        xp_and_version(directus, &profile_id).await,
        (Some(10), Some(1))
    );
    assert_eq!(
        one(directus, "attempts", &format!("filter[id][_eq]={second}")).await["status"],
        "submitted"
    );

    // The current version goes through, and bumps it.
    let current = json!({
        "version": 1,
        "attempt": graded(1.0),
        "writes": {
            "masteryUpdates": [{ "id": mastery_id.to_string(), "p_known": 0.7 }],
            "profileUpdates": [{ "id": profile_id.to_string(), "xp": 30 }],
            "superseded": [recommendations[0]["id"].to_string()],
        }
    });
    apply(&worker, second, current).await.unwrap();
    assert_eq!(
        xp_and_version(directus, &profile_id).await,
        (Some(30), Some(2))
    );
    let superseded = one(
        directus,
        "recommendations",
        &format!("filter[attempt][_eq]={first}"),
    )
    .await;
    assert_eq!(superseded["status"], "superseded");

    // A rejection needs no version.
    let third = new_attempt(directus, &f).await;
    apply(
        &worker,
        third,
        json!({ "attempt": { "status": "rejected", "rejection_reason": "broken key", "graded_at": "2026-12-04T10:00:00Z" } }),
    )
    .await
    .unwrap();
    let rejected = one(directus, "attempts", &format!("filter[id][_eq]={third}")).await;
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["rejection_reason"].as_str()
        ),
        (Some("rejected"), Some("broken key"))
    );

    // Bad input: 400, saying what and where; nothing written.
    let fourth = new_attempt(directus, &f).await;
    for (body, place) in [
        (json!([]), ""),
        (
            json!({ "version": 2, "attempt": { "status": "done" } }),
            "attempt.status",
        ),
        (
            json!({ "version": "two", "attempt": graded(1.0) }),
            "version",
        ),
        (
            json!({ "version": 2, "attempt": graded(1.0), "writes": { "newMastery": [{ "key": "k", "student": f.student, "skill": "many" }] } }),
            "writes.newMastery[0].skill",
        ),
        (
            json!({ "version": 2, "attempt": graded(1.0), "writes": { "profileUpdates": [{ "id": profile_id.to_string(), "password": "x" }] } }),
            "writes.profileUpdates[0].password",
        ),
        (
            // Another student's records cannot ride on ada's attempt.
            json!({ "version": 2, "attempt": graded(1.0), "writes": { "newMastery": [{ "key": "x", "student": f.other_student, "skill": f.skill }] } }),
            "writes.newMastery[0].student",
        ),
        (
            // A skill that does not exist: the database refuses it, the answer says so
            // (and never echoes the values of the statement).
            json!({ "version": 2, "attempt": graded(1.0), "writes": { "newMastery": [{ "key": "fk", "student": f.student, "skill": 999_999 }] } }),
            "refers to an item that does not exist",
        ),
    ] {
        let refused = apply(&worker, fourth, body.clone()).await.unwrap_err();
        assert_eq!(
            (refused.0, refused.1.as_str()),
            (400, "INVALID_PAYLOAD"),
            "{body}: {refused:?}"
        );
        assert!(
            refused.2.contains(place),
            "{body}: the message names {place:?}: {}",
            refused.2
        );
    }
    assert_eq!(
        one(directus, "attempts", &format!("filter[id][_eq]={fourth}")).await["status"],
        "submitted"
    );
    let missing = worker
        .get("/pathwise/attempts/999999/state")
        .await
        .unwrap_err();
    assert_eq!(missing.status, Some(404), "{missing}");

    // Only the worker: not an admin, not a student, not an anonymous caller.
    let ada = directus.student("ada").await;
    for (who, client) in [
        ("admin", directus.admin()),
        ("student", ada),
        ("anonymous", directus.anonymous()),
    ] {
        for (method, path) in [
            ("GET", "/pathwise".to_owned()),
            ("GET", format!("/pathwise/attempts/{fourth}/state")),
            ("POST", format!("/pathwise/attempts/{fourth}/outcome")),
        ] {
            let refused = match method {
                "GET" => client.get(&path).await,
                _ => {
                    client
                        .post(&path, json!({ "version": 2, "attempt": graded(1.0) }))
                        .await
                }
            }
            .unwrap_err();
            assert!(
                matches!(refused.status, Some(401 | 403)),
                "{who} {method} {path}: {refused}"
            );
        }
    }
    assert_eq!(
        one(directus, "attempts", &format!("filter[id][_eq]={fourth}")).await["status"],
        "submitted"
    );
}

//! Students see only their own records and never answer keys or drafts, through REST and
//! GraphQL alike, with real student tokens.

use pathwise::directus::DirectusClient;
use pathwise_tests::TestDirectus;
use serde_json::{Value, json};

async fn published_lesson(directus: &TestDirectus) -> Value {
    directus
        .items(
            "lessons",
            "filter[status][_eq]=published&fields=id&sort=id&limit=1",
        )
        .await[0]["id"]
        .clone()
}

/// Learner records of `student`, written as the worker would.
async fn records_for(directus: &TestDirectus, student: &str) -> Vec<(&'static str, Value)> {
    let worker = directus.worker();
    let skill = directus.items("skills", "fields=id&limit=1").await[0]["id"].clone();
    let course = directus.items("courses", "fields=id&limit=1").await[0]["id"].clone();
    let mut out = Vec::new();
    for (collection, body) in [
        (
            "mastery",
            json!({ "key": format!("{student}:{skill}"), "student": student, "skill": skill, "p_known": 0.4, "mastered": false }),
        ),
        (
            "learning_paths",
            json!({ "key": format!("{student}:{course}"), "student": student, "course": course, "steps": [], "progress": 0.0 }),
        ),
        (
            "recommendations",
            json!({ "student": student, "course": course, "kind": "practice", "reason": "Practice makes perfect", "strategy": "threshold-rules", "priority": 1 }),
        ),
    ] {
        let created = worker
            .post(&format!("/items/{collection}"), body)
            .await
            .unwrap_or_else(|e| panic!("{collection}: {e}"));
        out.push((collection, created["data"]["id"].clone()));
    }
    out
}

fn ids(data: &Value) -> Vec<Value> {
    data.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

#[tokio::test]
async fn students_see_and_change_only_their_own_records_over_rest() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let ada = directus.student("ada").await;
    let ben = directus.student("ben").await;
    let ada_id = directus.user_id("ada@example.com").await;
    let ben_id = directus.user_id("ben@example.com").await;
    let lesson = published_lesson(&directus).await;

    // Ada submits an attempt; Directus forces student = Ada and status = submitted.
    let created = ada
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": {} }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].clone();
    let stored = directus
        .admin()
        .get_data(&format!("/items/attempts/{attempt}"))
        .await
        .unwrap();
    assert_eq!(stored["student"], ada_id.as_str());
    assert_eq!(stored["status"], "submitted");

    // Ada cannot submit for Ben, nor grade her own attempt.
    let forged = ada
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "student": ben_id, "answers": {} }),
        )
        .await;
    assert_eq!(forged.unwrap_err().status, Some(403));
    let self_graded = ada
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": {}, "status": "graded", "score": 1 }),
        )
        .await;
    assert_eq!(self_graded.unwrap_err().status, Some(403));
    assert_eq!(
        directus
            .items("attempts", &format!("filter[student][_eq]={ben_id}"))
            .await
            .len(),
        0
    );

    // Ben can neither read nor change Ada's attempt.
    assert_eq!(
        ben.get(&format!("/items/attempts/{attempt}"))
            .await
            .unwrap_err()
            .status,
        Some(403)
    );
    assert!(ids(&ben.get_data("/items/attempts").await.unwrap()).is_empty());
    assert!(
        ben.patch(
            &format!("/items/attempts/{attempt}"),
            json!({ "answers": { "1": "x" } })
        )
        .await
        .is_err()
    );
    assert!(
        ben.delete(&format!("/items/attempts/{attempt}"))
            .await
            .is_err()
    );
    assert_eq!(
        ids(&ada.get_data("/items/attempts").await.unwrap()),
        vec![attempt.clone()]
    );

    // Mastery, paths and recommendations alike.
    for (collection, id) in records_for(&directus, &ada_id).await {
        assert_eq!(
            ids(&ada.get_data(&format!("/items/{collection}")).await.unwrap()),
            vec![id.clone()],
            "{collection}"
        );
        assert!(
            ids(&ben.get_data(&format!("/items/{collection}")).await.unwrap()).is_empty(),
            "{collection}"
        );
        assert_eq!(
            ben.get(&format!("/items/{collection}/{id}"))
                .await
                .unwrap_err()
                .status,
            Some(403),
            "{collection}"
        );
        assert!(
            ben.patch(
                &format!("/items/{collection}/{id}"),
                json!({ "student": ben_id })
            )
            .await
            .is_err(),
            "{collection}"
        );
        // Students write nothing the worker owns.
        assert!(
            ada.post(
                &format!("/items/{collection}"),
                json!({ "student": ada_id })
            )
            .await
            .is_err(),
            "{collection}"
        );
    }
    // A student may dismiss her own recommendation, and nothing more.
    let recommendation = ada.get_data("/items/recommendations").await.unwrap()[0]["id"].clone();
    ada.patch(
        &format!("/items/recommendations/{recommendation}"),
        json!({ "status": "dismissed" }),
    )
    .await
    .unwrap();
    let reasonless = ada
        .patch(
            &format!("/items/recommendations/{recommendation}"),
            json!({ "reason": "mine now" }),
        )
        .await;
    assert_eq!(reasonless.unwrap_err().status, Some(403));
    let reactivated = ada
        .patch(
            &format!("/items/recommendations/{recommendation}"),
            json!({ "status": "active" }),
        )
        .await;
    assert!(reactivated.is_err(), "only completed or dismissed");
}

#[tokio::test]
async fn students_never_read_answer_keys_or_drafts_over_rest() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let ada = directus.student("ada").await;

    let questions = ada.get_data("/items/questions?limit=-1").await.unwrap();
    assert!(
        !questions.as_array().unwrap().is_empty(),
        "students read published questions"
    );
    for question in questions.as_array().unwrap() {
        assert!(
            question.get("answer_key").is_none() && question.get("explanation").is_none(),
            "{question}"
        );
    }
    assert_eq!(
        ada.get("/items/questions?fields=answer_key")
            .await
            .unwrap_err()
            .status,
        Some(403)
    );
    assert_eq!(
        ada.get("/items/questions?filter[answer_key][_nnull]=true")
            .await
            .unwrap_err()
            .status,
        Some(403)
    );

    let drafts = directus
        .items("lessons", "filter[status][_eq]=draft&fields=id")
        .await;
    assert!(!drafts.is_empty(), "the demo course has a draft lesson");
    let visible = ids(&ada.get_data("/items/lessons?limit=-1").await.unwrap());
    for draft in &drafts {
        assert!(
            !visible.contains(&draft["id"]),
            "a student sees draft lesson {}",
            draft["id"]
        );
        assert_eq!(
            ada.get(&format!("/items/lessons/{}", draft["id"]))
                .await
                .unwrap_err()
                .status,
            Some(403)
        );
    }
    let published = directus
        .items("lessons", "filter[status][_eq]=published&fields=id")
        .await;
    assert_eq!(
        visible.len(),
        published.len(),
        "every published lesson is visible"
    );
}

async fn gql(
    client: &DirectusClient,
    query: &str,
    variables: Value,
) -> Result<Value, pathwise::directus::DirectusError> {
    client.graphql("/graphql", query, variables).await
}

#[tokio::test]
async fn students_see_only_their_own_records_over_graphql() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let ada = directus.student("ada").await;
    let ben = directus.student("ben").await;
    let ada_id = directus.user_id("ada@example.com").await;
    let ben_id = directus.user_id("ben@example.com").await;
    let lesson = published_lesson(&directus).await;

    // A student's create input has `lesson` as a plain key (students cannot create lessons).
    let create = "mutation($lesson: Int!) { create_attempts_item(data: { lesson: $lesson, answers: {} }) { id status student { id } } }";
    let created = gql(&ada, create, json!({ "lesson": lesson }))
        .await
        .unwrap();
    let attempt = created["create_attempts_item"]["id"].clone();
    assert_eq!(created["create_attempts_item"]["status"], "submitted");
    assert_eq!(
        created["create_attempts_item"]["student"]["id"],
        ada_id.as_str()
    );

    // `student` is not even in a student's create input.
    let forged = "mutation($lesson: Int!, $student: String!) { create_attempts_item(data: { lesson: $lesson, student: $student, answers: {} }) { id } }";
    assert!(
        gql(&ada, forged, json!({ "lesson": lesson, "student": ben_id }))
            .await
            .is_err()
    );
    assert_eq!(
        directus
            .items("attempts", &format!("filter[student][_eq]={ben_id}"))
            .await
            .len(),
        0
    );

    let list = "{ attempts { id } mastery { id } learning_paths { id } recommendations { id } }";
    records_for(&directus, &ada_id).await;
    let seen_by_ben = gql(&ben, list, json!({})).await.unwrap();
    for collection in ["attempts", "mastery", "learning_paths", "recommendations"] {
        assert_eq!(seen_by_ben[collection], json!([]), "{collection}");
    }
    let seen_by_ada = gql(&ada, list, json!({})).await.unwrap();
    for collection in ["attempts", "mastery", "learning_paths", "recommendations"] {
        assert_eq!(
            seen_by_ada[collection].as_array().unwrap().len(),
            1,
            "{collection}"
        );
    }
    let by_id = format!("{{ attempts_by_id(id: {attempt}) {{ id }} }}");
    let ben_by_id = gql(&ben, &by_id, json!({})).await;
    assert!(
        ben_by_id
            .map(|d| d["attempts_by_id"].is_null())
            .unwrap_or(true),
        "Ben reads Ada's attempt by id"
    );
    let update = format!(
        "mutation {{ update_attempts_item(id: {attempt}, data: {{ answers: {{}} }}) {{ id }} }}"
    );
    assert!(gql(&ben, &update, json!({})).await.is_err());

    assert!(
        gql(&ada, "{ questions { id answer_key } }", json!({}))
            .await
            .is_err(),
        "answer keys are not in a student's schema"
    );
    let questions = gql(
        &ada,
        "{ questions(limit: -1) { id prompt } lessons(limit: -1) { id status } }",
        json!({}),
    )
    .await
    .unwrap();
    assert!(!questions["questions"].as_array().unwrap().is_empty());
    assert!(
        questions["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "published"),
        "no drafts over GraphQL"
    );
}

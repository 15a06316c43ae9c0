//! Both write paths end to end: the worker finds the extension (or not) by itself, a
//! student subscribed over Directus realtime sees the graded attempt and the new
//! recommendations pushed, the public path finishes an attempt after a partial write, and a
//! stuck attempt gets one dead letter, not one per sweep.

use std::time::Duration;

use pathwise::process::{AttemptReport, Settings, WritePath};
use pathwise_tests::realtime::Realtime;
use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::{Value, json};

async fn stack(extension: bool) -> TestStack {
    TestStack::seeded_on(
        Settings {
            sweep_grace: Duration::ZERO,
            ..Settings::default()
        },
        extension,
    )
    .await
}

#[tokio::test]
async fn the_worker_finds_the_extension_and_grades_in_two_round_trips() {
    let mut stack = stack(true).await;
    assert_eq!(
        stack.worker.write_path().await.unwrap(),
        WritePath::Extension
    );
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 0.8);
    let ada = stack.directus.user_id("ada@example.com").await;
    // Warm the course cache, then count one grading.
    let warm = stack.create_attempt(&ada, &lesson, json!(answers)).await;
    stack.wait_graded(&json!(warm)).await;
    // The flow's delivery finds no worker listening: this grading is the only one.
    stack.stop_worker().await;
    let attempt = stack.create_attempt(&ada, &lesson, json!(answers)).await;
    match stack.worker.grade(attempt).await.unwrap() {
        AttemptReport::Graded { round_trips, .. } => assert_eq!(round_trips, 2),
        other => panic!("{other:?}"),
    }
    let profile = &stack
        .directus
        .items("student_profiles", &format!("filter[student][_eq]={ada}"))
        .await[0];
    assert_eq!(
        profile["version"], 2,
        "each graded attempt bumps the version once"
    );
}

#[tokio::test]
async fn without_the_extension_the_worker_uses_the_public_apis() {
    let stack = stack(false).await;
    assert_eq!(stack.worker.write_path().await.unwrap(), WritePath::Public);
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 1.0);
    let ada = stack.directus.student("ada").await;
    let graded = stack.submit(&ada, &lesson, &answers).await;
    assert_eq!(graded["status"], "graded", "{graded}");
}

async fn realtime_pushes_the_outcome(extension: bool) {
    let stack = stack(extension).await;
    let login = stack
        .directus
        .anonymous()
        .post("/auth/login", json!({ "email": "ada@example.com", "password": pathwise_tests::secrets().demo_password.expose() }))
        .await
        .unwrap();
    let token = login["data"]["access_token"].as_str().unwrap().to_owned();
    let mut realtime = Realtime::subscribe(
        &stack.directus.url,
        &token,
        &["attempts", "recommendations"],
    )
    .await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 0.3);
    let created = stack
        .directus
        .student("ada")
        .await
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": answers }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].as_i64().unwrap();
    let seen = realtime.until_graded_and_recommended(attempt).await;
    // A student's subscription carries only their own records.
    let ben = stack.directus.user_id("ben@example.com").await;
    assert!(!serde_json::to_string(&seen).unwrap().contains(&ben));
}

#[tokio::test]
async fn realtime_subscribers_see_what_the_extension_writes() {
    realtime_pushes_the_outcome(true).await;
}

#[tokio::test]
async fn realtime_subscribers_see_what_the_public_path_writes() {
    realtime_pushes_the_outcome(false).await;
}

#[tokio::test]
async fn the_public_path_finishes_an_attempt_after_a_partial_write() {
    let mut stack = stack(false).await;
    stack.stop_worker().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 0.5);
    let ada = stack.directus.user_id("ada@example.com").await;
    let course = stack
        .directus
        .items(
            "lessons",
            &format!("filter[id][_eq]={lesson}&fields=module.course"),
        )
        .await[0]["module"]["course"]
        .clone();
    let attempt = stack.create_attempt(&ada, &lesson, json!(answers)).await;
    // An earlier run wrote this attempt's first recommendation and died before marking the
    // attempt graded; a later attempt superseded that recommendation since.
    stack
        .admin()
        .post(
            "/items/recommendations",
            json!({ "key": format!("{attempt}:0"), "student": ada, "course": course, "attempt": attempt,
                    "kind": "practice", "priority": 1, "status": "superseded", "reason": "written before a crash" }),
        )
        .await
        .unwrap();
    match stack.worker.grade(attempt).await {
        Ok(AttemptReport::Graded { .. }) => {}
        other => panic!("the retry finishes the attempt: {other:?}"),
    }
    let recommendations = stack
        .directus
        .items(
            "recommendations",
            &format!("filter[attempt][_eq]={attempt}&fields=key"),
        )
        .await;
    let mut keys: Vec<&str> = recommendations
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let all = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), all, "no key written twice: {keys:?}");
    assert!(
        keys.len() > 1,
        "the rest of the outcome was written: {keys:?}"
    );
}

#[tokio::test]
async fn an_attempt_gets_one_open_dead_letter_however_often_it_fails() {
    let stack = stack(true).await;
    let attempt = 424_242;
    for _ in 0..3 {
        stack
            .worker
            .dead_letter(
                "sweep",
                &json!({ "attempt": attempt }),
                "Directus is down",
                Some(attempt),
            )
            .await;
    }
    let query = format!("filter[attempt_id][_eq]={attempt}&fields=id,resolved");
    let open = stack.directus.items("dead_letters", &query).await;
    assert_eq!(open.len(), 1, "{open:?}");
    // Once an editor marks it handled, a new failure is a new problem.
    stack
        .admin()
        .patch(
            &format!("/items/dead_letters/{}", open[0]["id"]),
            json!({ "resolved": true }),
        )
        .await
        .unwrap();
    stack
        .worker
        .dead_letter(
            "sweep",
            &json!({ "attempt": attempt }),
            "Directus is down again",
            Some(attempt),
        )
        .await;
    assert_eq!(stack.directus.items("dead_letters", &query).await.len(), 2);
}

/// The practice questions recommended after a failed attempt on `lesson`.
async fn practice_after_failing(stack: &TestStack, student: &str, lesson: &Value) -> Vec<i64> {
    let (answers, _) = answers_scoring(&stack.questions(lesson).await, 0.0);
    let attempt = stack.create_attempt(student, lesson, json!(answers)).await;
    stack.wait_graded(&json!(attempt)).await;
    stack
        .directus
        .items(
            "recommendations",
            &format!("filter[attempt][_eq]={attempt}&fields=questions"),
        )
        .await
        .iter()
        .flat_map(|r| r["questions"].as_array().cloned().unwrap_or_default())
        .filter_map(|q| q.as_i64())
        .collect()
}

/// Both paths read the questions answered correctly lately from `correct_questions`
/// (not the whole results), and never offer them again as practice.
async fn questions_answered_correctly_are_not_offered_as_practice(extension: bool) {
    let stack = stack(extension).await;
    let lesson = stack.lessons().await[1]["id"].clone();
    let ben = stack.directus.user_id("ben@example.com").await;
    let offered = practice_after_failing(&stack, &ben, &lesson).await;
    assert!(
        !offered.is_empty(),
        "a failed attempt gets practice questions"
    );

    // Ada first answers every question of the lessons those practice questions are in.
    let ada = stack.directus.user_id("ada@example.com").await;
    let lessons: std::collections::BTreeSet<i64> = stack
        .directus
        .items(
            "questions",
            &format!(
                "filter[id][_in]={}&fields=lesson",
                offered
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )
        .await
        .iter()
        .filter_map(|q| q["lesson"].as_i64())
        .collect();
    let mut correct = Vec::new();
    for practice_lesson in lessons.iter().map(|id| json!(id)) {
        let questions = stack.questions(&practice_lesson).await;
        let (answers, score) = answers_scoring(&questions, 1.0);
        assert_eq!(score, 1.0);
        let attempt = stack
            .create_attempt(&ada, &practice_lesson, json!(answers))
            .await;
        let graded = stack.wait_graded(&json!(attempt)).await;
        let stored: Vec<i64> = graded["correct_questions"]
            .as_array()
            .unwrap_or_else(|| panic!("correct_questions is stored: {graded}"))
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        assert_eq!(stored.len(), questions.len(), "{graded}");
        correct.extend(stored);
    }
    let offered_to_ada = practice_after_failing(&stack, &ada, &lesson).await;
    assert!(
        offered_to_ada.iter().all(|q| !correct.contains(q)),
        "questions answered correctly lately ({correct:?}) are not offered again: {offered_to_ada:?}"
    );
}

#[tokio::test]
async fn the_extension_path_skips_questions_answered_correctly_lately() {
    questions_answered_correctly_are_not_offered_as_practice(true).await;
}

#[tokio::test]
async fn the_public_path_skips_questions_answered_correctly_lately() {
    questions_answered_correctly_are_not_offered_as_practice(false).await;
}

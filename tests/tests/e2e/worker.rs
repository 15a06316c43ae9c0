//! The real loop: students submit attempts to Directus, flows deliver signed events to the
//! real worker, and grades, mastery, paths and recommendations come back into Directus.

use std::time::Duration;

use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::{Value, json};

/// Kinds of the student's active recommendations.
async fn active_kinds(stack: &TestStack, student: &str) -> Vec<String> {
    stack
        .directus
        .items(
            "recommendations",
            &format!("filter[student][_eq]={student}&filter[status][_eq]=active&fields=kind"),
        )
        .await
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn attempts_submitted_over_rest_are_graded_with_recommendations_that_fit_the_score() {
    let stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let questions = stack.questions(&lesson).await;
    for (student, target, expected_kind) in [
        ("ada", 0.95, "advance"),
        ("ben", 0.8, "practice"),
        ("chloe", 0.5, "remediate"),
    ] {
        let (answers, score) = answers_scoring(&questions, target);
        let client = stack.directus.student(student).await;
        let graded = stack.submit(&client, &lesson, &answers).await;
        assert_eq!(graded["status"], "graded", "{student}: {graded}");
        assert!(
            (graded["score"].as_f64().unwrap() - score).abs() < 1e-9,
            "{student}: score {} vs {score}",
            graded["score"]
        );
        assert_eq!(
            graded["results"]["questions"].as_array().unwrap().len(),
            questions.len()
        );

        let id = stack
            .directus
            .user_id(&format!("{student}@example.com"))
            .await;
        let mastery = stack
            .directus
            .items(
                "mastery",
                &format!("filter[student][_eq]={id}&fields=p_known,observations,due_at"),
            )
            .await;
        assert!(!mastery.is_empty(), "{student}: mastery written");
        assert!(
            mastery
                .iter()
                .all(|m| m["observations"].as_i64().unwrap() > 0 && !m["due_at"].is_null())
        );
        let paths = stack
            .directus
            .items(
                "learning_paths",
                &format!("filter[student][_eq]={id}&fields=steps,progress"),
            )
            .await;
        assert_eq!(paths.len(), 1, "{student}: one path for the course");
        let kinds = active_kinds(&stack, &id).await;
        assert!(
            kinds.iter().any(|k| k == expected_kind),
            "{student} scored {score}: expected {expected_kind} in {kinds:?}"
        );
        if expected_kind == "remediate" {
            let practice = stack
                .directus
                .items(
                    "recommendations",
                    &format!(
                        "filter[student][_eq]={id}&filter[kind][_eq]=practice&fields=questions"
                    ),
                )
                .await;
            assert_eq!(
                practice[0]["questions"].as_array().unwrap().len(),
                3,
                "three practice questions"
            );
        }
        // The student reads their own feedback and recommendations.
        let own = client
            .get_data("/items/recommendations?fields=kind,reason")
            .await
            .unwrap();
        assert!(
            own.as_array()
                .unwrap()
                .iter()
                .all(|r| !r["reason"].as_str().unwrap().is_empty())
        );
    }
    // Through the extension: the first attempt reads its state, the course (not cached
    // yet) and applies its outcome; then the cached course makes it one read and one
    // transactional write: 3, 2, 2.
    let metrics = stack.worker.metrics.render();
    assert!(
        metrics.contains("pathwise_directus_round_trips_per_attempt_count 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pathwise_directus_round_trips_per_attempt_sum 7"),
        "3, 2 and 2 round trips: {metrics}"
    );
}

#[tokio::test]
async fn attempts_created_over_graphql_are_graded_too() {
    let stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 1.0);
    let ada = stack.directus.student("ada").await;
    let created = ada
        .graphql(
            "/graphql",
            "mutation($lesson: Int!, $answers: JSON!) { create_attempts_item(data: { lesson: $lesson, answers: $answers }) { id } }",
            json!({ "lesson": lesson, "answers": answers }),
        )
        .await
        .unwrap();
    let id: Value = created["create_attempts_item"]["id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap()
        .into();
    let graded = stack.wait_graded(&id).await;
    assert_eq!(graded["score"], 1.0);
    let mine = ada
        .graphql("/graphql", "{ recommendations { kind } }", json!({}))
        .await
        .unwrap();
    assert!(
        mine["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "advance"),
        "{mine}"
    );
}

/// JSON with every number as a float: Directus stores JSON as JavaScript writes it, so a
/// `1.0` the worker sent reads back as `1`.
fn same_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(same_numbers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), same_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn post_attempt(stack: &TestStack, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/attempts", stack.worker_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn access_token(stack: &TestStack, student: &str) -> String {
    let login = stack
        .directus
        .anonymous()
        .post("/auth/login", json!({ "email": format!("{student}@example.com"), "password": pathwise_tests::secrets().demo_password.expose() }))
        .await
        .unwrap();
    login["data"]["access_token"].as_str().unwrap().to_owned()
}

async fn learner_records(stack: &TestStack, student: &str) -> Value {
    let mastery = stack.directus.items("mastery", &format!("filter[student][_eq]={student}&fields=skill,p_known,observations,stability&sort=skill")).await;
    let recommendations = stack
        .directus
        .items(
            "recommendations",
            &format!("filter[student][_eq]={student}&fields=key,kind,status&sort=id"),
        )
        .await;
    let profile = stack
        .directus
        .items(
            "student_profiles",
            &format!("filter[student][_eq]={student}&fields=xp,streak_days"),
        )
        .await;
    json!({ "mastery": mastery, "recommendations": recommendations, "profile": profile })
}

#[tokio::test]
async fn the_synchronous_endpoint_answers_what_the_flow_path_writes_and_the_flow_changes_nothing() {
    let stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, score) = answers_scoring(&stack.questions(&lesson).await, 0.5);
    let token = access_token(&stack, "ben").await;
    let (status, body) = post_attempt(
        &stack,
        &token,
        json!({ "lesson": lesson, "answers": answers }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "graded");
    assert!((body["score"].as_f64().unwrap() - score).abs() < 1e-9);
    let attempt = body["attempt"].clone();
    let stored = stack.wait_graded(&attempt).await;
    assert_eq!(stored["score"], body["score"]);
    assert_eq!(
        same_numbers(&stored["results"]["questions"]),
        same_numbers(&body["results"])
    );
    assert!(
        body["path"]["steps"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{body}"
    );

    let ben = stack.directus.user_id("ben@example.com").await;
    let written = stack
        .directus
        .items(
            "recommendations",
            &format!("filter[attempt][_eq]={attempt}&fields=kind,reason&sort=id"),
        )
        .await;
    let answered: Vec<Value> = body["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!({ "kind": r["kind"], "reason": r["reason"] }))
        .collect();
    assert_eq!(
        written, answered,
        "the response holds exactly what was written"
    );

    // The flow's event for the same attempt arrives (or already did): nothing changes.
    let before = learner_records(&stack, &ben).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stack.worker.grade(attempt.as_i64().unwrap()).await.unwrap();
    assert_eq!(learner_records(&stack, &ben).await, before);

    // The same through the token check done by Directus instead of locally.
    let stack = stack.without_local_token_check().await;
    let (status, body) =
        post_attempt(&stack, &token, json!({ "lesson": lesson, "answers": {} })).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["score"], 0.0, "no answers score zero");
    let (status, body) = post_attempt(
        &stack,
        "not-a-token",
        json!({ "lesson": lesson, "answers": {} }),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["type"], "https://pathwise.dev/problems/invalid-token");
}

#[tokio::test]
async fn duplicate_deliveries_and_a_racing_sweep_count_once() {
    let mut stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 0.8);
    let ada_id = stack.directus.user_id("ada@example.com").await;
    // Submitted while the worker's endpoint is down, so nothing has graded it yet.
    stack.stop_worker().await;
    let attempt = stack.create_attempt(&ada_id, &lesson, json!(answers)).await;
    stack.start_worker().await;
    // The flow's event, the sweep and two replays all at once.
    let w = &stack.worker;
    let (a, b, c, d) = tokio::join!(
        w.grade(attempt),
        w.grade(attempt),
        pathwise::process::sweep::sweep(w),
        w.grade(attempt)
    );
    let graded_times = [a.unwrap(), b.unwrap(), d.unwrap()]
        .iter()
        .filter(|r| matches!(r, pathwise::process::AttemptReport::Graded { .. }))
        .count()
        + c.unwrap().graded;
    assert_eq!(graded_times, 1, "graded exactly once");
    let records = learner_records(&stack, &ada_id).await;
    for m in records["mastery"].as_array().unwrap() {
        assert!(
            m["observations"].as_i64().unwrap() <= 6,
            "observations counted once: {m}"
        );
    }
    let keys: Vec<&str> = records["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys, unique);
    let xp = records["profile"][0]["xp"].as_i64().unwrap();

    // A replay of the signed event over HTTP, later: unchanged.
    let event = json!({ "event": "attempts.items.create", "key": attempt, "payload": {}, "collection": "attempts" });
    let (status, body) =
        crate::rejections::send_event(&stack, &event, crate::rejections::valid_claims(&event))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], "unchanged");
    assert_eq!(
        learner_records(&stack, &ada_id).await["profile"][0]["xp"]
            .as_i64()
            .unwrap(),
        xp,
        "XP counted once"
    );
}

#[tokio::test]
async fn attempts_submitted_while_the_worker_is_down_are_graded_by_the_sweep() {
    let mut stack = TestStack::seeded().await;
    stack.stop_worker().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let mut attempts = Vec::new();
    for student in ["ada", "ben", "chloe"] {
        let client = stack.directus.student(student).await;
        let created = client
            .post(
                "/items/attempts",
                json!({ "lesson": lesson, "answers": {} }),
            )
            .await
            .unwrap();
        attempts.push(created["data"]["id"].clone());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for attempt in &attempts {
        let stored = stack
            .admin()
            .get_data(&format!("/items/attempts/{attempt}"))
            .await
            .unwrap();
        assert_eq!(
            stored["status"], "submitted",
            "nobody graded it while the worker was down"
        );
    }
    stack.start_worker().await;
    let report = pathwise::process::sweep::sweep(&stack.worker)
        .await
        .unwrap();
    assert_eq!(report.graded, 3, "{report:?}");
    for attempt in &attempts {
        assert_eq!(stack.wait_graded(attempt).await["status"], "graded");
    }
}

#[tokio::test]
async fn replicas_sweep_once_per_interval_and_keep_only_the_last_claim() {
    use pathwise::process::sweep::sweep_once_per_interval;
    let stack = TestStack::seeded().await;
    // Two replicas (same Directus, separate workers) tick in the same interval.
    let other = pathwise::process::Worker::new(
        stack.directus.worker(),
        pathwise::metrics::Metrics::new(),
        pathwise::process::Settings::default(),
    );
    let interval = Duration::from_secs(3600);
    let (a, b) = tokio::join!(
        sweep_once_per_interval(&stack.worker, interval),
        sweep_once_per_interval(&other, interval),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.is_some() != b.is_some(),
        "exactly one replica sweeps per interval: {a:?} {b:?}"
    );
    let claims = stack
        .directus
        .items("job_runs", "filter[job][_eq]=sweep&fields=id,key,status")
        .await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0]["status"], "done");
    // The next interval (1-second intervals here): a new claim, and the old one is gone.
    let second = Duration::from_secs(1);
    let mut next = None;
    for _ in 0..5 {
        if let Some(report) = sweep_once_per_interval(&other, second).await.unwrap() {
            next = Some(report);
            break;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert!(next.is_some(), "a later interval is swept");
    let after = stack
        .directus
        .items("job_runs", "filter[job][_eq]=sweep&fields=id,key")
        .await;
    assert_eq!(after.len(), 1, "only the last claim is kept: {after:?}");
    assert_ne!(after[0]["key"], claims[0]["key"]);
}

#[tokio::test]
async fn grading_survives_directus_going_down_and_coming_back() {
    let mut stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let ada_id = stack.directus.user_id("ada@example.com").await;
    let attempt = stack.create_attempt(&ada_id, &lesson, json!({})).await;
    stack.directus.stop();
    let worker = stack.worker.clone();
    let grading = tokio::spawn(async move { worker.grade(attempt).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !grading.is_finished(),
        "the worker retries while Directus is down"
    );
    stack.directus.restart().await;
    let report = grading
        .await
        .unwrap()
        .expect("graded once Directus is back");
    assert!(
        matches!(report, pathwise::process::AttemptReport::Graded { .. }),
        "{report:?}"
    );
    assert_eq!(stack.wait_graded(&attempt.into()).await["status"], "graded");
    let text = stack.worker.metrics.render();
    assert!(
        text.contains("pathwise_directus_round_trips_per_attempt_sum"),
        "{text}"
    );
}

#[tokio::test]
async fn a_new_prerequisite_updates_the_paths_of_the_students_it_affects() {
    // Lessons count as done by their score only, so mastering a skill in the first lesson
    // does not also complete the next lessons that teach it.
    let settings = pathwise::process::Settings {
        completion_rule: pathwise::learning::CompletionRule::LatestScore,
        sweep_grace: Duration::ZERO,
        ..Default::default()
    };
    let stack = TestStack::seeded_with(settings).await;
    let lessons = stack.lessons().await;
    let (first, second) = (lessons[0]["id"].clone(), lessons[1]["id"].clone());
    let (answers, _) = answers_scoring(&stack.questions(&first).await, 1.0);
    let ada = stack.directus.student("ada").await;
    let created = ada
        .post(
            "/items/attempts",
            json!({ "lesson": first, "answers": answers }),
        )
        .await
        .unwrap();
    stack.wait_graded(&created["data"]["id"]).await;
    let ada_id = stack.directus.user_id("ada@example.com").await;
    let state_of = |path: &Value, lesson: &Value| {
        path["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["lesson"] == *lesson)
            .map(|s| s["state"].clone())
    };
    // After the first lesson, its two children (number line, equivalent fractions) are
    // both available; make one need the other.
    let third = lessons[2]["id"].clone();
    let path = stack
        .directus
        .items(
            "learning_paths",
            &format!("filter[student][_eq]={ada_id}&fields=steps"),
        )
        .await[0]
        .clone();
    assert_eq!(state_of(&path, &second), Some(json!("available")), "{path}");
    assert_eq!(state_of(&path, &third), Some(json!("available")), "{path}");
    let available = second.clone();
    stack
        .admin()
        .post(
            "/items/lesson_prerequisites",
            json!({ "lesson": second, "prerequisite": third }),
        )
        .await
        .unwrap();

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let path = stack
            .directus
            .items(
                "learning_paths",
                &format!("filter[student][_eq]={ada_id}&fields=steps"),
            )
            .await[0]
            .clone();
        if state_of(&path, &available) == Some(json!("locked")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the path was not recomputed: {path}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_new_student_gets_a_profile_and_a_path_in_every_published_course() {
    let stack = TestStack::seeded().await;
    let roles = stack
        .admin()
        .get_data("/roles?fields=id,name")
        .await
        .unwrap();
    let role = |name: &str| {
        roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["id"]
            .clone()
    };
    let created = stack
        .admin()
        .post("/users", json!({ "email": "dana@example.com", "password": "a-long-password", "role": role("Student") }))
        .await
        .unwrap();
    let dana = created["data"]["id"].as_str().unwrap().to_owned();
    let teacher = stack
        .admin()
        .post(
            "/users",
            json!({ "email": "tess@example.com", "role": role("Teacher") }),
        )
        .await
        .unwrap();
    let tess = teacher["data"]["id"].as_str().unwrap().to_owned();

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let path = loop {
        let paths = stack
            .directus
            .items(
                "learning_paths",
                &format!("filter[student][_eq]={dana}&fields=steps,current_lesson,progress"),
            )
            .await;
        if let Some(path) = paths.first() {
            break path.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no path for the new student"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let first = stack.lessons().await[0]["id"].clone();
    assert_eq!(path["current_lesson"], first, "{path}");
    assert_eq!(path["progress"], 0.0);
    let profile = stack
        .directus
        .items(
            "student_profiles",
            &format!("filter[student][_eq]={dana}&fields=strategy,xp"),
        )
        .await;
    assert_eq!(profile.len(), 1);
    assert_eq!(profile[0]["strategy"], "threshold-rules");
    assert!(
        stack
            .directus
            .items("student_profiles", &format!("filter[student][_eq]={tess}"))
            .await
            .is_empty(),
        "teachers get no profile"
    );
}

#[tokio::test]
async fn broken_content_rejects_the_attempt_with_a_reason_and_no_dead_letter() {
    let stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let questions = stack.questions(&lesson).await;
    let single = questions
        .iter()
        .find(|q| q["type"] == "single_choice")
        .expect("a single-choice question");
    // An editor saves a key that names a choice that does not exist.
    stack
        .admin()
        .patch(
            &format!("/items/questions/{}", single["id"]),
            json!({ "answer_key": { "correct": "zz" } }),
        )
        .await
        .unwrap();
    let ada = stack.directus.student("ada").await;
    let created = ada
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": {} }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].clone();
    let stored = stack.wait_graded(&attempt).await;
    assert_eq!(stored["status"], "rejected", "{stored}");
    let reason = stored["rejection_reason"].as_str().unwrap();
    // Which question, never what its key holds (students do not read keys).
    assert!(
        reason.contains("has a mistake in its answer key") && !reason.contains("\"zz\""),
        "{reason}"
    );
    // Ada reads why; the editors find it in `content_issues`, recorded once per problem
    // (tests/tests/e2e/broken_content.rs), not in the dead letters.
    let mine = ada
        .get_data(&format!(
            "/items/attempts/{attempt}?fields=status,rejection_reason"
        ))
        .await
        .unwrap();
    assert_eq!(mine["rejection_reason"], reason);
    let letters = stack
        .directus
        .items(
            "dead_letters",
            &format!("filter[attempt_id][_eq]={attempt}&fields=reason,source"),
        )
        .await;
    assert!(letters.is_empty(), "{letters:?}");
    assert!(
        stack
            .directus
            .items("recommendations", "fields=id")
            .await
            .is_empty(),
        "nothing decided on broken content"
    );
}

#[tokio::test]
async fn attempts_of_one_student_graded_at_once_lose_no_update() {
    let mut stack = TestStack::seeded().await;
    let lessons = stack.lessons().await;
    let ada_id = stack.directus.user_id("ada@example.com").await;
    stack.stop_worker().await;
    let mut attempts = Vec::new();
    for lesson in lessons.iter().take(4) {
        let (answers, _) = answers_scoring(&stack.questions(&lesson["id"]).await, 1.0);
        attempts.push(
            stack
                .create_attempt(&ada_id, &lesson["id"], json!(answers))
                .await,
        );
    }
    stack.start_worker().await;
    let w = &stack.worker;
    let (a, b, c, d) = tokio::join!(
        w.grade(attempts[0]),
        w.grade(attempts[1]),
        w.grade(attempts[2]),
        w.grade(attempts[3])
    );
    for result in [a, b, c, d] {
        result.unwrap();
    }
    let graded = stack
        .directus
        .items(
            "attempts",
            &format!("filter[student][_eq]={ada_id}&fields=points_earned,status"),
        )
        .await;
    assert!(graded.iter().all(|a| a["status"] == "graded"));
    let expected: f64 = graded
        .iter()
        .map(|a| (a["points_earned"].as_f64().unwrap() * 10.0).round())
        .sum();
    let profile = stack
        .directus
        .items(
            "student_profiles",
            &format!("filter[student][_eq]={ada_id}&fields=xp"),
        )
        .await;
    assert_eq!(
        profile[0]["xp"].as_f64().unwrap(),
        expected,
        "every attempt's XP counted exactly once"
    );
    let mastery = stack
        .directus
        .items(
            "mastery",
            &format!("filter[student][_eq]={ada_id}&fields=applied_attempts"),
        )
        .await;
    let applied: usize = mastery
        .iter()
        .map(|m| m["applied_attempts"].as_array().unwrap().len())
        .sum();
    let expected_applications = stack
        .directus
        .items(
            "question_skills",
            &format!(
                "filter[question][lesson][_in]={}&groupBy[]=question&fields=question",
                lessons
                    .iter()
                    .take(4)
                    .map(|l| l["id"].to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )
        .await;
    assert!(
        applied >= 4 && !expected_applications.is_empty(),
        "every attempt reached mastery: {mastery:?}"
    );
}

#[tokio::test]
async fn a_new_attempt_supersedes_the_last_and_practice_skips_what_was_right_this_week() {
    let stack = TestStack::seeded().await;
    // Practice questions come from practice lessons first. A student who got the mixed
    // practice lesson right, then fails the first lesson, is offered other questions.
    let practice_lesson = stack
        .directus
        .items("lessons", "filter[kind][_eq]=practice&fields=id&limit=1")
        .await[0]["id"]
        .clone();
    let first_lesson = stack.lessons().await[0]["id"].clone();
    let known_questions = stack.questions(&practice_lesson).await;
    let client = stack.directus.student("ada").await;
    let mut attempts = Vec::new();
    for (lesson, target) in [(&practice_lesson, 1.0), (&first_lesson, 0.0)] {
        let (answers, _) = answers_scoring(&stack.questions(lesson).await, target);
        let graded = stack.submit(&client, lesson, &answers).await;
        assert_eq!(graded["status"], "graded", "{graded}");
        attempts.push(graded["id"].clone());
    }
    let ada = stack.directus.user_id("ada@example.com").await;
    // The second attempt's recommendations superseded the first one's.
    let all = stack
        .directus
        .items(
            "recommendations",
            &format!("filter[student][_eq]={ada}&fields=attempt,status"),
        )
        .await;
    let of = |attempt: &Value| -> Vec<&str> {
        all.iter()
            .filter(|r| &r["attempt"] == attempt)
            .map(|r| r["status"].as_str().unwrap_or_default())
            .collect()
    };
    assert!(
        !of(&attempts[0]).is_empty() && of(&attempts[0]).iter().all(|s| *s == "superseded"),
        "{all:?}"
    );
    assert!(
        !of(&attempts[1]).is_empty() && of(&attempts[1]).iter().all(|s| *s == "active"),
        "{all:?}"
    );
    let practice = stack
        .directus
        .items(
            "recommendations",
            &format!("filter[student][_eq]={ada}&filter[status][_eq]=active&filter[kind][_eq]=practice&fields=questions"),
        )
        .await;
    let offered: Vec<i64> = practice
        .iter()
        .flat_map(|r| r["questions"].as_array().cloned().unwrap_or_default())
        .filter_map(|q| q.as_i64())
        .collect();
    assert_eq!(offered.len(), 3, "three practice questions: {practice:?}");
    let known: Vec<i64> = known_questions
        .iter()
        .filter_map(|q| q["id"].as_i64())
        .collect();
    assert!(
        offered.iter().all(|q| !known.contains(q)),
        "practice {offered:?} repeats questions answered correctly this week {known:?}"
    );
}

#[tokio::test]
async fn an_event_that_names_the_wrong_student_still_grades_the_attempt_for_its_own() {
    let mut stack = TestStack::seeded().await;
    let lesson = stack.lessons().await[0]["id"].clone();
    let (answers, _) = answers_scoring(&stack.questions(&lesson).await, 0.8);
    // One graded attempt puts the course in the worker's cache (the one-read path).
    let ben = stack.directus.student("ben").await;
    stack.submit(&ben, &lesson, &answers).await;
    let (ada_id, ben_id) = (
        stack.directus.user_id("ada@example.com").await,
        stack.directus.user_id("ben@example.com").await,
    );
    stack.stop_worker().await;
    let attempt = stack.create_attempt(&ada_id, &lesson, json!(answers)).await;
    let ben_before = learner_records(&stack, &ben_id).await;
    let wrong = pathwise::events::AttemptHint {
        student: Some(ben_id.clone()),
        lesson: lesson.as_i64(),
    };
    let report = stack.worker.grade_hinted(attempt, &wrong).await.unwrap();
    let report = serde_json::to_value(report).unwrap();
    assert_eq!(report["result"], "graded", "{report}");
    assert_eq!(
        report["student"],
        json!(ada_id),
        "graded for its own student"
    );
    assert_eq!(
        learner_records(&stack, &ben_id).await,
        ben_before,
        "the student the event named is left alone"
    );
    let ada_mastery = stack
        .directus
        .items(
            "mastery",
            &format!("filter[student][_eq]={ada_id}&fields=id"),
        )
        .await;
    assert!(!ada_mastery.is_empty(), "the attempt's student got mastery");
}

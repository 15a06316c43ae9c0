//! The nightly analysis on a real Directus with seeded history: the demo cohort (ada and
//! ben, followed by the demo teacher) keeps failing the first lesson while chloe passes;
//! one signed `nightly` tick writes the course's insights, model accuracy and the A/B
//! report, and tells the teacher; a rerun on the same day changes nothing; the next day
//! writes new rows.

use chrono::{DateTime, Duration, Utc};
use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::{Value, json};

async fn nightly(stack: &TestStack, now: DateTime<Utc>) -> (u16, Value) {
    stack
        .send_tick(&json!({ "job": "nightly", "now": now.to_rfc3339() }), true)
        .await
}

async fn notifications_of(stack: &TestStack, user: &str) -> Vec<Value> {
    stack
        .admin()
        .get_data(&format!(
            "/notifications?filter[recipient][_eq]={user}&fields=id,subject,message&limit=-1"
        ))
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_nightly_analysis_writes_once_a_day_and_tells_the_teacher_of_a_struggling_cohort() {
    let stack = TestStack::seeded().await;
    let lessons = stack.lessons().await;
    let first = lessons[0]["id"].clone();
    let questions = stack.questions(&first).await;
    let (wrong, _) = answers_scoring(&questions, 0.0);
    let (right, _) = answers_scoring(&questions, 1.0);
    // The cohort: five failed attempts each (10 attempts, none passed).
    for name in ["ada", "ben"] {
        let student = stack.directus.student(name).await;
        for _ in 0..5 {
            let graded = stack.submit(&student, &first, &wrong).await;
            assert_eq!(graded["status"], "graded");
        }
    }
    let chloe = stack.directus.student("chloe").await;
    let graded = stack.submit(&chloe, &first, &right).await;
    assert_eq!(graded["status"], "graded");
    // Each graded answer carries BKT's prediction, made before the answer.
    let predictions = graded["results"]["predictions"].as_array().unwrap();
    assert!(!predictions.is_empty(), "{}", graded["results"]);
    assert!(
        predictions
            .iter()
            .all(|p| p["p_correct"].as_f64().is_some_and(|p| p > 0.0 && p < 1.0))
    );

    let now = Utc::now();
    let (status, report) = nightly(&stack, now).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ran"], true, "{report}");
    let counts = &report["nightly"];
    assert_eq!(counts["courses"], 1, "the one published course: {report}");
    assert_eq!(counts["experiments"], 1, "{report}");
    assert_eq!(counts["cohorts_flagged"], 1, "{report}");
    assert_eq!(counts["teachers_notified"], 1, "{report}");

    let day = now.format("%Y-%m-%d").to_string();
    let rows = stack.directus.items("course_insights", "fields=*").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["day"], day);
    assert_eq!(row["students"], 3);
    assert_eq!(row["struggling_cohorts"], 1);
    let lesson = row["insights"]["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lesson"] == first)
        .unwrap()
        .clone();
    assert_eq!(lesson["attempts"], 11, "{lesson}");
    assert_eq!(lesson["passed_attempts"], 1, "{lesson}");
    assert_eq!(lesson["students_never_passed"], 2, "{lesson}");
    assert_eq!(
        lesson["attempts_to_pass_mean"], 1.0,
        "chloe passed at once: {lesson}"
    );
    let accuracy = &row["model_accuracy"]["overall"];
    assert!(
        accuracy["n"].as_u64().unwrap() >= 11 * questions.len() as u64 / 2,
        "{accuracy}"
    );
    assert!(
        row["bkt_log_loss"].as_f64().is_some_and(|l| l > 0.0),
        "{row}"
    );
    // Eleven attempts are far from enough review history to fit FSRS parameters on.
    assert!(
        row["review_fit"]["not_fitted"]
            .as_str()
            .is_some_and(|why| why.contains("not enough review history")),
        "{}",
        row["review_fit"]
    );
    let cohort = &row["insights"]["cohorts"][0];
    assert_eq!(cohort["struggling"], true, "{cohort}");

    let reports = stack.directus.items("experiment_reports", "fields=*").await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["students"], 3, "{}", reports[0]);
    assert!(
        reports[0]["report"]["strategies"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );

    let teacher = stack.directus.user_id("teacher@example.com").await;
    let told = notifications_of(&stack, &teacher).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["subject"], "A cohort of yours is struggling");
    assert!(
        told[0]["message"]
            .as_str()
            .unwrap()
            .contains("Fractions class"),
        "{}",
        told[0]
    );
    // The students are told nothing by the nightly job.
    let ada = stack.directus.user_id("ada@example.com").await;
    assert!(notifications_of(&stack, &ada).await.is_empty());

    // A rerun on the same day (another tick, another hour) changes nothing.
    let (status, again) = nightly(&stack, now + Duration::minutes(5)).await;
    assert_eq!(status, 200);
    assert_eq!(again["ran"], false, "{again}");
    assert_eq!(
        stack
            .directus
            .items("course_insights", "fields=id")
            .await
            .len(),
        1
    );
    assert_eq!(
        stack
            .directus
            .items("experiment_reports", "fields=id")
            .await
            .len(),
        1
    );
    assert_eq!(notifications_of(&stack, &teacher).await.len(), 1);
    let unchanged = stack.directus.items("course_insights", "fields=*").await;
    assert_eq!(
        unchanged[0], rows[0],
        "the row is as the first run wrote it"
    );

    // The next day: new rows, the teacher told again (the cohort still struggles).
    let (_, next) = nightly(&stack, now + Duration::days(1)).await;
    assert_eq!(next["ran"], true, "{next}");
    assert_eq!(
        stack
            .directus
            .items("course_insights", "fields=id")
            .await
            .len(),
        2
    );
    assert_eq!(notifications_of(&stack, &teacher).await.len(), 2);
}

/// The A/B report three ways: the JSON endpoint for staff (and nobody else), the CLI, and
/// the nightly copy (above).
#[tokio::test]
async fn the_ab_report_is_served_to_staff_and_printed_by_the_cli() {
    let stack = TestStack::seeded().await;
    let lessons = stack.lessons().await;
    let questions = stack.questions(&lessons[0]["id"]).await;
    let (answers, _) = answers_scoring(&questions, 0.6);
    for name in ["ada", "ben", "chloe"] {
        let student = stack.directus.student(name).await;
        stack.submit(&student, &lessons[0]["id"], &answers).await;
    }
    let http = reqwest::Client::new();
    let url = format!("{}/v1/reports/ab", stack.worker_url);
    let as_user = |email: &'static str| {
        let (http, login) = (http.clone(), format!("{}/auth/login", stack.directus.url));
        async move {
            let answer: Value = http
                .post(login)
                .json(&json!({ "email": email, "password": pathwise_tests::secrets().demo_password.expose() }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["data"]["access_token"].as_str().unwrap().to_owned()
        }
    };
    let teacher = as_user("teacher@example.com").await;
    let answer = http.get(&url).bearer_auth(&teacher).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let report: Value = answer.json().await.unwrap();
    let experiment = &report["experiments"][0];
    assert_eq!(experiment["experiment"], "strategy-2026", "{report}");
    let students: u64 = experiment["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["students"].as_u64().unwrap())
        .sum();
    assert_eq!(students, 3, "{report}");

    let student = as_user("ada@example.com").await;
    let refused = http.get(&url).bearer_auth(&student).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("for staff"),
        "{problem}"
    );
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let output = std::process::Command::new(pathwise_tests::worker_binary())
        .args(["report", "ab"])
        .env("DIRECTUS_URL", &stack.directus.url)
        .env(
            "PATHWISE_WORKER_TOKEN",
            pathwise_tests::secrets().worker_token.expose(),
        )
        .env("PATHWISE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("experiment strategy-2026"), "{text}");
    assert!(text.contains("3 students"), "{text}");
}

/// A course's fitted FSRS parameters (the nightly analysis's `review_fit`) schedule its
/// reviews: the worker reads them with the course's structure, in the same request.
#[tokio::test]
async fn a_course_schedules_reviews_with_its_fitted_parameters() {
    use pathwise::learning::{MasteryState, ReviewRating, ReviewScheduler, Skill};
    let stack = TestStack::seeded().await;
    let course = stack
        .directus
        .items("courses", "filter[slug][_eq]=fractions&fields=id")
        .await[0]["id"]
        .clone();
    // Students who keep what they learn: the first stabilities four times the defaults.
    let mut parameters = pathwise::learning::reviews::DEFAULT_PARAMETERS.to_vec();
    for w in &mut parameters[..4] {
        *w *= 4.0;
    }
    stack
        .admin()
        .post(
            "/items/course_insights",
            json!({ "key": format!("{course}:2026-01-01"), "course": course, "day": "2026-01-01",
                    "review_fit": { "parameters": parameters } }),
        )
        .await
        .unwrap();
    let lessons = stack.lessons().await;
    let questions = stack.questions(&lessons[0]["id"]).await;
    let (right, _) = answers_scoring(&questions, 1.0);
    let ada = stack.directus.student("ada").await;
    let graded = stack.submit(&ada, &lessons[0]["id"], &right).await;
    let ada_id = stack.directus.user_id("ada@example.com").await;
    let fitted = ReviewScheduler::with_parameters(&parameters, 0.9).unwrap();
    let skills = graded["results"]["mastery"].as_array().unwrap();
    assert!(!skills.is_empty());
    for skill in skills {
        let rating: ReviewRating = serde_json::from_value(skill["rating"].clone()).unwrap();
        let row = stack
            .directus
            .items(
                "mastery",
                &format!(
                    "filter[student][_eq]={ada_id}&filter[skill][_eq]={}&fields=stability",
                    skill["skill"]
                ),
            )
            .await;
        let stored = row[0]["stability"].as_f64().unwrap();
        let at = chrono::Utc::now();
        let first_review = |scheduler: &ReviewScheduler| {
            let any = Skill {
                id: 1,
                name: "s".into(),
                p_init: 0.2,
                p_learn: 0.15,
                p_guess: 0.2,
                p_slip: 0.1,
            };
            let mut state = MasteryState::new(&any, 0.95);
            scheduler.review(&mut state, rating, at);
            state.stability.unwrap()
        };
        let expected = first_review(&fitted);
        assert!(
            (stored - expected).abs() < 1e-3 * expected,
            "{stored} vs {expected}"
        );
        let default = first_review(&ReviewScheduler::default());
        assert!(
            stored > 3.0 * default,
            "{stored} vs the defaults' {default}"
        );
    }
}

/// The accuracy monitor warns the editors when BKT predicts a course's answers worse than
/// each question's running mean: here every question is always answered the same way
/// (the even ones right, the odd ones wrong), whoever answers, which BKT cannot know.
/// Once: the next day's run, still warning, tells nobody again.
#[tokio::test]
async fn editors_are_warned_once_when_bkt_loses_to_the_per_question_baseline() {
    let stack = TestStack::seeded().await;
    let lessons = stack.lessons().await;
    for round in 0..3 {
        for name in ["ada", "ben", "chloe"] {
            let student = stack.directus.student(name).await;
            for lesson in &lessons {
                let questions = stack.questions(&lesson["id"]).await;
                let answers: serde_json::Map<String, Value> = questions
                    .iter()
                    .enumerate()
                    .map(|(n, q)| {
                        let answer = if n % 2 == 0 {
                            pathwise_tests::stack::correct_answer(q)
                        } else {
                            json!("not the answer")
                        };
                        (q["id"].to_string(), answer)
                    })
                    .collect();
                let graded = stack.submit(&student, &lesson["id"], &answers).await;
                assert_eq!(graded["status"], "graded", "round {round}: {graded}");
            }
        }
    }
    let now = Utc::now();
    let (status, report) = nightly(&stack, now).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["nightly"]["model_warnings"], 1, "{report}");
    let row = &stack.directus.items("course_insights", "fields=*").await[0];
    assert_eq!(row["model_warning"], true, "{row}");
    let (bkt, item) = (
        row["bkt_log_loss"].as_f64().unwrap(),
        row["item_baseline_log_loss"].as_f64().unwrap(),
    );
    assert!(bkt > item, "BKT {bkt} vs the per-question mean {item}");
    let editor = stack.directus.user_id("editor@example.com").await;
    let told = notifications_of(&stack, &editor).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]["subject"].as_str().unwrap().contains("predicts"),
        "{}",
        told[0]
    );
    let (_, next) = nightly(&stack, now + Duration::days(1)).await;
    assert_eq!(next["nightly"]["model_warnings"], 1, "{next}");
    assert_eq!(
        notifications_of(&stack, &editor).await.len(),
        1,
        "warned once, not every night"
    );
}

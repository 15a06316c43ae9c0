//! Broken content never stops grading, and each problem reaches the editors once.
//!
//! An editor saves a prerequisite cycle ("Comparing fractions" <-> "Ordering fractions")
//! and an answer key naming a choice that does not exist ("Simplifying fractions") while
//! the worker is down, so that no save-time check can refuse them. Then students submit:
//! sound lessons are graded and their mastery updated, the broken lesson is rejected with
//! a reason its student can read, `content_issues` holds one open row per problem however
//! many attempts ran and however often the course was loaded, and no dead letter is
//! written. Fixing the key resolves its issue; breaking it again reopens the same row.

use std::future::Future;
use std::time::{Duration, Instant};

use pathwise::directus::DirectusClient;
use pathwise::metrics::Metrics;
use pathwise::process::{Settings, Worker, content_issues};
use pathwise_tests::secrets;
use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::{Value, json};

/// Polls `check` until it answers `Some`, for up to 30 s.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "not within 30 s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The lesson with this title among `lessons` (`id`, `title`).
fn lesson<'a>(lessons: &'a [Value], title: &str) -> &'a Value {
    lessons
        .iter()
        .find(|l| l["title"] == title)
        .unwrap_or_else(|| panic!("no lesson {title}"))
}

async fn issues(stack: &TestStack) -> Vec<Value> {
    stack
        .directus
        .items(
            "content_issues",
            "fields=id,key,course,collection,item,field,status,problem&sort=key",
        )
        .await
}

/// The issues once `ready` holds for them.
async fn issues_when(
    stack: &TestStack,
    what: &str,
    ready: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let ready = &ready;
    eventually(what, || async move {
        let rows = issues(stack).await;
        ready(&rows).then_some(rows)
    })
    .await
}

fn status_of<'a>(rows: &'a [Value], key: &str) -> Option<&'a str> {
    rows.iter()
        .find(|r| r["key"] == key)
        .and_then(|r| r["status"].as_str())
}

async fn grading_goes_on_and_each_problem_is_recorded_once(extension: bool) {
    let mut stack = TestStack::seeded_on(
        Settings {
            sweep_grace: Duration::ZERO,
            ..Settings::default()
        },
        extension,
    )
    .await;
    let admin = stack.admin();
    let lessons = stack.lessons().await;
    let what_is = lesson(&lessons, "What is a fraction?")["id"].clone();
    let comparing = lesson(&lessons, "Comparing fractions")["id"].clone();
    let ordering = lesson(&lessons, "Ordering fractions")["id"].clone();
    let simplifying = lesson(&lessons, "Simplifying fractions")["id"].clone();
    let course = stack
        .directus
        .items(
            "lessons",
            &format!("filter[id][_eq]={simplifying}&fields=module.course"),
        )
        .await[0]["module"]["course"]
        .clone();
    let simplifying_questions = stack.questions(&simplifying).await;
    let broken = simplifying_questions
        .iter()
        .find(|q| q["type"] == "single_choice")
        .expect("a single-choice question")
        .clone();
    let (perfect_simplifying, _) = answers_scoring(&simplifying_questions, 1.0);
    let (perfect_what_is, _) = answers_scoring(&stack.questions(&what_is).await, 1.0);
    let (perfect_comparing, _) = answers_scoring(&stack.questions(&comparing).await, 1.0);

    // The editor's two mistakes, saved while the worker is down.
    stack.stop_worker().await;
    let cycle_row = admin
        .post(
            "/items/lesson_prerequisites",
            json!({ "lesson": comparing, "prerequisite": ordering }),
        )
        .await
        .expect("Directus accepts a cycle when nothing checks it")["data"]["id"]
        .clone();
    admin
        .patch(
            &format!("/items/questions/{}", broken["id"]),
            json!({ "answer_key": { "correct": "zz" } }),
        )
        .await
        .expect("Directus accepts a key naming no choice when nothing checks it");
    stack.start_worker().await;
    // A restarted worker starts without any course in memory.
    stack.worker.courses.clear();

    let ada = stack.directus.student("ada").await;
    let ben = stack.directus.student("ben").await;
    let ada_id = stack.directus.user_id("ada@example.com").await;

    // Sound lessons are graded, the one on the cycle too.
    let graded = stack.submit(&ada, &what_is, &perfect_what_is).await;
    assert_eq!(graded["status"], "graded", "{graded}");
    assert_eq!(graded["score"].as_f64(), Some(1.0), "{graded}");
    let on_cycle = stack.submit(&ben, &comparing, &perfect_comparing).await;
    assert_eq!(on_cycle["status"], "graded", "{on_cycle}");
    let mastery = stack
        .directus
        .items(
            "mastery",
            &format!("filter[student][_eq]={ada_id}&fields=observations,p_known"),
        )
        .await;
    assert!(
        mastery.iter().any(|m| m["observations"].as_i64() > Some(0)),
        "Ada's mastery was updated: {mastery:?}"
    );
    let path = stack
        .directus
        .items(
            "learning_paths",
            &format!("filter[student][_eq]={ada_id}&fields=steps,current_lesson"),
        )
        .await;
    let steps = path[0]["steps"].as_array().expect("steps").clone();
    for on in [&comparing, &ordering] {
        assert!(
            steps.iter().any(|s| &s["lesson"] == on),
            "the lessons of the cycle stay on the path: {steps:?}"
        );
    }

    // The broken lesson is rejected every time, with a reason its student can read, while
    // the course is loaded again and again (as by other replicas, or after the cache's
    // time to live).
    let mut rejected = Vec::new();
    for student in [&ada, &ben, &ada] {
        stack.worker.courses.clear();
        let attempt = stack
            .submit(student, &simplifying, &perfect_simplifying)
            .await;
        assert_eq!(attempt["status"], "rejected", "{attempt}");
        rejected.push(attempt["id"].clone());
    }
    let mine = ada
        .get_data(&format!(
            "/items/attempts/{}?fields=status,rejection_reason",
            rejected[0]
        ))
        .await
        .unwrap();
    let reason = mine["rejection_reason"]
        .as_str()
        .expect("a reason Ada reads");
    assert!(
        reason.starts_with("This attempt could not be graded: ")
            && reason.contains("has a mistake in its answer key")
            && reason.contains("the course's editors have been told"),
        "{reason}"
    );
    assert!(
        !reason.contains("\"zz\"") && !reason.contains("answer_key"),
        "a student never reads a key: {reason}"
    );

    // One open row per problem, in an editor's words.
    let key_issue = format!("questions:{}:answer_key", broken["id"]);
    let cycle_issue = format!("cycle:{}", {
        let mut ids = [comparing.as_i64().unwrap(), ordering.as_i64().unwrap()];
        ids.sort_unstable();
        format!("{},{}", ids[0], ids[1])
    });
    let rows = issues_when(&stack, "both problems recorded", |rows| {
        status_of(rows, &key_issue) == Some("open") && status_of(rows, &cycle_issue) == Some("open")
    })
    .await;
    // Every load of the course has had its turn by now; none added a row.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows_again = issues(&stack).await;
    assert_eq!(rows_again, rows, "nothing written again");
    assert_eq!(rows.len(), 2, "one row per problem: {rows:?}");
    let cycle = rows
        .iter()
        .find(|r| r["key"] == cycle_issue.as_str())
        .unwrap();
    assert_eq!(
        cycle["problem"],
        "'Comparing fractions' requires 'Ordering fractions', which requires 'Comparing fractions'. Remove one of these prerequisites; until then students may take these lessons in any order."
    );
    assert_eq!(
        (&cycle["collection"], &cycle["field"], &cycle["course"]),
        (&json!("lessons"), &json!("prerequisites"), &course)
    );
    let recorded = rows
        .iter()
        .find(|r| r["key"] == key_issue.as_str())
        .unwrap();
    let problem = recorded["problem"].as_str().unwrap();
    assert!(
        problem.starts_with("Question '")
            && problem.contains(
                "the answer key names choice \"zz\", which is not one of the question's choices"
            )
            && problem
                .contains("Attempts on 'Simplifying fractions' are rejected until it is fixed."),
        "{problem}"
    );
    assert_eq!(
        (
            &recorded["collection"],
            &recorded["item"],
            &recorded["field"]
        ),
        (
            &json!("questions"),
            &json!(broken["id"].to_string()),
            &json!("answer_key")
        )
    );
    // Dead letters are for what the worker could not process; this it did.
    let letters = stack
        .directus
        .items("dead_letters", "fields=id,reason")
        .await;
    assert!(letters.is_empty(), "no dead letter: {letters:?}");
    let metrics = stack.worker.metrics.render();
    for line in [
        "pathwise_attempts_rejected_total{reason=\"content\"} 3",
        "pathwise_content_issue_changes_total{change=\"opened\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

    // Two replicas loading the course at the same moment record each problem once too
    // (the unique key lets one create in; the other reads again).
    for row in &rows {
        admin
            .delete(&format!("/items/content_issues/{}", row["id"]))
            .await
            .unwrap();
    }
    let loaded = stack
        .worker
        .courses
        .get(course.as_i64().unwrap())
        .expect("the course is cached");
    // The cache holds the course with the cycle's prerequisites left out (what grading
    // uses); a load records the course as the editor wrote it, cycle included.
    let mut as_written = (*loaded).clone();
    let (comparing_id, ordering_id) = (comparing.as_i64().unwrap(), ordering.as_i64().unwrap());
    for lesson in &mut as_written.lessons {
        let other = match lesson.id {
            id if id == comparing_id => ordering_id,
            id if id == ordering_id => comparing_id,
            _ => continue,
        };
        if !lesson.prerequisites.contains(&other) {
            lesson.prerequisites.push(other);
        }
    }
    let replica = || {
        Worker::new(
            DirectusClient::new(&stack.directus.url, Some(secrets().worker_token.clone())),
            Metrics::new(),
            Settings::default(),
        )
    };
    let (first, second) = (replica(), replica());
    let (a, b) = tokio::join!(
        content_issues::record(&first, &as_written),
        content_issues::record(&second, &as_written)
    );
    let (a, b) = (a.expect("first replica"), b.expect("second replica"));
    assert_eq!(a.opened + b.opened, 2, "{a:?} {b:?}");
    let raced = issues(&stack).await;
    assert_eq!(
        raced.iter().map(|r| r["key"].clone()).collect::<Vec<_>>(),
        rows.iter().map(|r| r["key"].clone()).collect::<Vec<_>>(),
        "one row per problem after a race: {raced:?}"
    );
    let key = raced
        .iter()
        .find(|r| r["key"] == key_issue.as_str())
        .unwrap()
        .clone();

    // The editor fixes the key (the worker is up: its content event refreshes the course).
    admin
        .patch(
            &format!("/items/questions/{}", broken["id"]),
            json!({ "answer_key": broken["answer_key"] }),
        )
        .await
        .expect("a sound key saves");
    let rows = issues_when(&stack, "the fixed key's issue resolved", |rows| {
        status_of(rows, &key_issue) == Some("resolved")
    })
    .await;
    assert_eq!(status_of(&rows, &cycle_issue), Some("open"), "{rows:?}");
    let fixed = stack.submit(&ben, &simplifying, &perfect_simplifying).await;
    assert_eq!(fixed["status"], "graded", "{fixed}");
    assert_eq!(fixed["score"].as_f64(), Some(1.0), "{fixed}");

    // And the cycle.
    admin
        .delete(&format!("/items/lesson_prerequisites/{cycle_row}"))
        .await
        .expect("the cycle's prerequisite deleted");
    issues_when(&stack, "the cycle's issue resolved", |rows| {
        status_of(rows, &cycle_issue) == Some("resolved")
    })
    .await;

    // The same mistake again reopens the same row.
    stack.stop_worker().await;
    admin
        .patch(
            &format!("/items/questions/{}", broken["id"]),
            json!({ "answer_key": { "correct": "zz" } }),
        )
        .await
        .unwrap();
    stack.start_worker().await;
    stack.worker.courses.clear();
    let again = stack.submit(&ada, &simplifying, &perfect_simplifying).await;
    assert_eq!(again["status"], "rejected", "{again}");
    let reopened = issues_when(&stack, "the key's issue reopened", |rows| {
        status_of(rows, &key_issue) == Some("open")
    })
    .await;
    assert_eq!(reopened.len(), 2, "the same rows: {reopened:?}");
    assert_eq!(
        reopened
            .iter()
            .find(|r| r["key"] == key_issue.as_str())
            .unwrap()["id"],
        key["id"],
        "the row is reopened, not created again"
    );
}

#[tokio::test]
async fn broken_content_elsewhere_never_stops_grading_and_each_problem_is_recorded_once() {
    grading_goes_on_and_each_problem_is_recorded_once(true).await;
}

#[tokio::test]
async fn broken_content_on_the_public_write_path_too() {
    grading_goes_on_and_each_problem_is_recorded_once(false).await;
}

//! Engagement: the hourly job sends inactivity nudges, review digests and badge news once
//! per period, in each student's own morning, as Directus notifications that Directus emails
//! through a real SMTP sink; a tick delivered twice, or seen by two workers, sends nothing
//! twice. The job's clock is the test's: each tick is signed with the time it claims.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pathwise::directus::DirectusClient;
use pathwise_tests::secrets;
use pathwise_tests::smtp::SmtpSink;
use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::{Value, json};

/// Posts a signed tick of the engagement job claiming the time `now`, as the hourly flow
/// would (the flow's ticks carry no `now`: the worker then takes the token's `iat`).
async fn tick(stack: &TestStack, now: DateTime<Utc>) -> (u16, Value) {
    stack
        .send_tick(
            &json!({ "job": "engagement", "now": now.to_rfc3339() }),
            true,
        )
        .await
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The messages recorded for everyone, as `(student email, kind)`.
async fn recorded(stack: &TestStack, ids: &[(&str, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = stack
        .directus
        .items("messages", "fields=student,kind&sort=id")
        .await
        .iter()
        .map(|row| {
            let who = ids
                .iter()
                .find(|(_, id)| row["student"] == json!(id))
                .map_or("?", |(name, _)| name);
            (
                who.to_owned(),
                row["kind"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// One passed attempt on the first lesson, so the student has a profile, a path and a
/// first lesson done; then their own settings, as they would set them in a frontend.
async fn active_student(stack: &TestStack, name: &str, time_zone: &str) -> DirectusClient {
    let lessons = stack.lessons().await;
    let questions = stack.questions(&lessons[0]["id"]).await;
    let (answers, _) = answers_scoring(&questions, 1.0);
    let client = stack.directus.student(name).await;
    let graded = stack.submit(&client, &lessons[0]["id"], &answers).await;
    assert_eq!(graded["status"], "graded", "{graded}");
    let profile = client
        .get_data("/items/student_profiles?fields=id")
        .await
        .unwrap()[0]["id"]
        .clone();
    client
        .patch(
            &format!("/items/student_profiles/{profile}"),
            json!({ "time_zone": time_zone }),
        )
        .await
        .expect("a student sets their own time zone");
    client
}

/// A student who joined and finished every lesson of the demo course weeks ago: her
/// profile and path as the worker would have left them.
async fn finished_student(stack: &TestStack) -> String {
    let admin = stack.admin();
    let role = admin
        .get_data("/roles?filter[name][_eq]=Student&fields=id")
        .await
        .unwrap()[0]["id"]
        .clone();
    let created = admin
        .post(
            "/users",
            json!({ "email": "dora@example.com", "first_name": "Dora", "role": role,
                    "status": "active", "email_notifications": false }),
        )
        .await
        .unwrap();
    let dora = created["data"]["id"].as_str().unwrap().to_owned();
    // The "student joined" flow has the worker make her profile and path.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (profile, path) = loop {
        let profile = stack
            .directus
            .items(
                "student_profiles",
                &format!("filter[student][_eq]={dora}&fields=id"),
            )
            .await;
        let path = stack
            .directus
            .items(
                "learning_paths",
                &format!("filter[student][_eq]={dora}&fields=id,steps"),
            )
            .await;
        if let (Some(profile), Some(path)) = (profile.first(), path.first()) {
            break (profile.clone(), path.clone());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no profile and path for Dora"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let done: Vec<Value> = path["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| json!({ "lesson": step["lesson"], "state": "done" }))
        .collect();
    let long_ago = (Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    let worker = stack.directus.worker();
    worker
        .patch(
            &format!("/items/learning_paths/{}", path["id"]),
            json!({ "steps": done, "progress": 1.0, "current_lesson": null }),
        )
        .await
        .unwrap();
    worker
        .patch(
            &format!("/items/student_profiles/{}", profile["id"]),
            json!({ "time_zone": "Europe/Paris", "last_active_at": long_ago }),
        )
        .await
        .unwrap();
    dora
}

async fn own_profile(client: &DirectusClient) -> Value {
    client
        .get_data("/items/student_profiles?fields=id,last_active_at")
        .await
        .unwrap()[0]
        .clone()
}

#[tokio::test]
async fn nudges_digests_and_badges_reach_students_once_in_their_own_morning() {
    let sink = SmtpSink::start().await;
    let stack = TestStack::seeded_with_mail(sink.port).await;
    let ada = active_student(&stack, "ada", "Europe/Paris").await;
    let ben = active_student(&stack, "ben", "America/New_York").await;
    let chloe = active_student(&stack, "chloe", "Asia/Tokyo").await;
    // Ben turns reminders off; Chloé turns email off (Directus' own setting).
    let ben_profile = own_profile(&ben).await["id"].clone();
    ben.patch(
        &format!("/items/student_profiles/{ben_profile}"),
        json!({ "nudges": false }),
    )
    .await
    .expect("a student turns reminders off");
    chloe
        .patch("/users/me", json!({ "email_notifications": false }))
        .await
        .expect("a student turns email off");
    let ids: Vec<(&str, String)> = vec![
        ("ada", stack.directus.user_id("ada@example.com").await),
        ("ben", stack.directus.user_id("ben@example.com").await),
        ("chloe", stack.directus.user_id("chloe@example.com").await),
    ];
    // Dora, in Paris, finished the course long ago (no email for her).
    let dora = finished_student(&stack).await;
    let names: Vec<(&str, String)> = ids
        .iter()
        .cloned()
        .chain([("dora", dora.clone())])
        .collect();

    // Four days after their attempts, at 08:30 UTC: 09:30 in Paris (10:30 in summer),
    // 03:30 in New York, 17:30 in Tokyo.
    let active: DateTime<Utc> = at(own_profile(&ada).await["last_active_at"]
        .as_str()
        .expect("Ada's last activity"));
    let day = (active + chrono::Duration::days(4)).date_naive();
    let paris_morning = day.and_hms_opt(8, 30, 0).unwrap().and_utc();
    // Ada's review fell due the day before; the others' are a month away.
    for (name, due) in [
        ("ada", paris_morning - chrono::Duration::days(1)),
        ("ben", paris_morning + chrono::Duration::days(30)),
        ("chloe", paris_morning + chrono::Duration::days(30)),
    ] {
        let id = &ids.iter().find(|(n, _)| *n == name).unwrap().1;
        stack
            .admin()
            .patch(
                "/items/mastery",
                json!({ "query": { "filter": { "student": { "_eq": id } } },
                        "data": { "due_at": due.to_rfc3339() } }),
            )
            .await
            .unwrap();
    }
    let (status, report) = tick(&stack, paris_morning).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ran"], true, "{report}");

    // Each passed the first lesson and mastered its skill: two badges each, with their
    // news. Ada also gets a nudge and her review list; Ben no nudge (he turned them off,
    // and his morning is later), Chloé neither (her morning is later too).
    let badge_news = |name: &str| vec![(name.to_owned(), "badge".to_owned()); 2];
    let mut expected = [
        badge_news("ada"),
        vec![
            ("ada".into(), "digest".into()),
            ("ada".into(), "nudge".into()),
        ],
        badge_news("ben"),
        badge_news("chloe"),
        badge_news("dora"),
    ]
    .concat();
    expected.sort();
    assert_eq!(recorded(&stack, &names).await, expected);
    let badges: BTreeSet<(String, String)> = stack
        .directus
        .items("badges", "fields=student,badge")
        .await
        .iter()
        .map(|b| {
            (
                b["student"].as_str().unwrap().to_owned(),
                b["badge"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(badges.len(), 8, "{badges:?}");
    let skill = stack
        .directus
        .items(
            "skills",
            "fields=id&filter[name][_eq]=Understanding fractions",
        )
        .await[0]["id"]
        .clone();
    for (_, id) in &ids {
        assert!(badges.contains(&(id.clone(), "first_lesson".into())));
        assert!(badges.contains(&(id.clone(), format!("skill_mastered:{skill}"))));
    }
    // Dora finished the course: no reminder (the job says why), a badge for it.
    let course = stack.directus.items("courses", "fields=id").await[0]["id"].clone();
    assert!(badges.contains(&(dora.clone(), format!("course_completed:{course}"))));
    assert_eq!(report["suppressed"]["nudge:course_finished"], 1, "{report}");

    // Email: Directus sent Ada's four and Ben's two; Chloé asked for none. Ada's nudge
    // names her current lesson.
    let current = ada
        .get_data("/items/learning_paths?fields=current_lesson.title")
        .await
        .unwrap()[0]["current_lesson"]["title"]
        .as_str()
        .expect("Ada has a current lesson")
        .to_owned();
    let ada_next = format!("Ready for \"{current}\"?");
    let emails = sink.wait_for(6).await;
    let mut received: Vec<(String, String)> = emails
        .iter()
        .map(|e| (e.to.clone(), e.subject.clone()))
        .collect();
    received.sort();
    assert_eq!(
        received,
        [
            ("ada@example.com", "1 skill to review today"),
            ("ada@example.com", "New badge: First lesson done"),
            (
                "ada@example.com",
                "New badge: Mastered: Understanding fractions"
            ),
            ("ada@example.com", ada_next.as_str()),
            ("ben@example.com", "New badge: First lesson done"),
            (
                "ben@example.com",
                "New badge: Mastered: Understanding fractions"
            ),
        ]
        .map(|(to, subject)| (to.to_owned(), subject.to_owned()))
    );
    let nudge = emails
        .iter()
        .find(|e| e.subject.starts_with("Ready for"))
        .unwrap();
    let days = (paris_morning - active).num_days();
    assert!(
        nudge.body.contains(&format!(
            "It has been {days} days since you last practised."
        )) && nudge.body.contains("Your next lesson in Fractions is")
            && nudge
                .body
                .contains("You also have 1 review due: Understanding fractions."),
        "{}",
        nudge.body
    );
    let digest = emails
        .iter()
        .find(|e| e.subject.ends_with("to review today"))
        .unwrap();
    assert!(
        digest.body.contains("Understanding fractions"),
        "{}",
        digest.body
    );

    // The same tick again, and a tick one hour later: nothing more is sent.
    let (_, again) = tick(&stack, paris_morning).await;
    assert_eq!(again["ran"], false, "{again}");
    let (_, later) = tick(&stack, paris_morning + chrono::Duration::hours(1)).await;
    assert_eq!(later["ran"], true, "{later}");
    assert_eq!(recorded(&stack, &names).await.len(), 10);

    // Two workers seeing the next tick at once: one runs it.
    let next = paris_morning + chrono::Duration::hours(2);
    let (first, second) = tokio::join!(tick(&stack, next), tick(&stack, next));
    assert_eq!(
        [&first.1["ran"], &second.1["ran"]]
            .iter()
            .filter(|ran| ***ran == json!(true))
            .count(),
        1,
        "{first:?} {second:?}"
    );

    // 09:30 in Tokyo: Chloé's nudge, in the app only.
    let tokyo_morning = (day + chrono::Days::new(1))
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_utc();
    tick(&stack, tokyo_morning).await;
    assert!(
        recorded(&stack, &names)
            .await
            .contains(&("chloe".into(), "nudge".into()))
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.emails().len(), 6, "no email for Chloé");

    // Each student reads their own notifications, messages and badges, nobody else's.
    for (client, name, notifications) in [(&ada, "ada", 4), (&ben, "ben", 2), (&chloe, "chloe", 3)]
    {
        let id = &ids.iter().find(|(n, _)| *n == name).unwrap().1;
        let mine = client
            .get_data("/notifications?fields=recipient,subject,collection")
            .await
            .unwrap();
        let mine = mine.as_array().unwrap();
        assert_eq!(mine.len(), notifications, "{name}: {mine:?}");
        assert!(
            mine.iter()
                .all(|n| n["recipient"] == json!(id) && n["collection"] == "messages")
        );
        for collection in ["messages", "badges"] {
            let rows = client
                .get_data(&format!("/items/{collection}?fields=student"))
                .await
                .unwrap();
            assert!(
                rows.as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["student"] == json!(id)),
                "{name} reads only their own {collection}: {rows}"
            );
        }
    }
    // The teacher reads the messages of their cohort (Ada and Ben), not Chloé's.
    let teacher = stack
        .directus
        .login("teacher@example.com", secrets().demo_password.expose())
        .await;
    let seen: BTreeSet<String> = teacher
        .get_data("/items/messages?fields=student")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["student"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, BTreeSet::from([ids[0].1.clone(), ids[1].1.clone()]));

    // The metrics count what was sent and what was held back, and why.
    let metrics = reqwest::get(format!("{}/metrics", stack.worker_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "pathwise_messages_sent_total{kind=\"nudge\",channel=\"email\"} 1",
        "pathwise_messages_sent_total{kind=\"nudge\",channel=\"in_app\"} 2",
        "pathwise_messages_sent_total{kind=\"badge\",channel=\"email\"} 4",
        "pathwise_job_runs_total{job=\"engagement\",outcome=\"already_ran\"}",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
    assert!(
        metrics.contains("pathwise_messages_suppressed_total{kind=\"nudge\",reason=\"opted_out\"}")
            && metrics.contains(
                "pathwise_messages_suppressed_total{kind=\"nudge\",reason=\"nudged_this_week\"}"
            )
            && metrics.contains(
                "pathwise_messages_suppressed_total{kind=\"digest\",reason=\"already_sent\"}"
            ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_bad_tick_is_refused_with_what_is_wrong() {
    let stack = TestStack::seeded().await;
    let (status, _) = stack
        .send_tick(&json!({ "job": "engagement" }), false)
        .await;
    assert_eq!(status, 401, "an unsigned tick");
    let (status, problem) = stack.send_tick(&json!({ "job": "weekly" }), true).await;
    assert_eq!(status, 422);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown job \"weekly\""),
        "{problem}"
    );
    assert!(
        stack
            .directus
            .items("job_runs", "fields=id")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_hourly_flow_ticks_the_worker_through_directus() {
    let stack = TestStack::seeded().await;
    let admin = stack.admin();
    let flow = admin
        .get_data(
            "/flows?filter[name][_eq]=Pathwise: hourly engagement&fields=id,trigger,options,status",
        )
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(flow["trigger"], "schedule");
    assert_eq!(flow["options"]["cron"], "0 * * * *");
    // Every two seconds instead of every hour, to see real ticks arrive.
    admin
        .patch(
            &format!("/flows/{}", flow["id"].as_str().unwrap()),
            json!({ "options": { "cron": "*/2 * * * * *" } }),
        )
        .await
        .unwrap();
    let period = pathwise::process::jobs::hourly_period(Utc::now());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let runs = stack.directus.items("job_runs", "fields=key,status").await;
        if let Some(run) = runs.iter().find(|r| r["status"] == "done") {
            assert_eq!(run["key"], format!("engagement:{period}"), "{runs:?}");
            // Later ticks of the hour found it done: one row.
            tokio::time::sleep(Duration::from_secs(3)).await;
            assert_eq!(
                stack.directus.items("job_runs", "fields=key").await.len(),
                1
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no tick reached the worker: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

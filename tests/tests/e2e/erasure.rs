//! Deleting a student deletes their learner records (right to erasure), and Directus keeps
//! no copy of them in its revisions.

use pathwise_tests::TestDirectus;
use serde_json::json;

#[tokio::test]
async fn deleting_a_student_deletes_their_learner_records() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let ada_id = directus.user_id("ada@example.com").await;
    let ben_id = directus.user_id("ben@example.com").await;
    let worker = directus.worker();
    let lesson = directus.items("lessons", "fields=id&limit=1").await[0]["id"].clone();
    let skill = directus.items("skills", "fields=id&limit=1").await[0]["id"].clone();
    let course = directus.items("courses", "fields=id&limit=1").await[0]["id"].clone();
    for student in [&ada_id, &ben_id] {
        let attempt = directus
            .admin()
            .post(
                "/items/attempts",
                json!({ "student": student, "lesson": lesson, "answers": {} }),
            )
            .await
            .unwrap();
        let attempt = attempt["data"]["id"].clone();
        worker
            .post(
                "/items/student_profiles",
                json!({ "student": student, "xp": 10 }),
            )
            .await
            .unwrap();
        worker.post("/items/mastery", json!({ "key": format!("{student}:{skill}"), "student": student, "skill": skill, "p_known": 0.5 })).await.unwrap();
        worker.post("/items/learning_paths", json!({ "key": format!("{student}:{course}"), "student": student, "course": course, "steps": [] })).await.unwrap();
        worker.post("/items/messages", json!({ "key": format!("nudge:{student}:2026-W49"), "student": student, "kind": "nudge", "subject": "s", "body": "b", "reason": "r" })).await.unwrap();
        worker.post("/items/badges", json!({ "key": format!("{student}:first_lesson"), "student": student, "badge": "first_lesson", "title": "t" })).await.unwrap();
        worker.post("/items/recommendations", json!({ "student": student, "course": course, "attempt": attempt, "kind": "practice", "reason": "r" })).await.unwrap();
    }

    directus
        .admin()
        .delete(&format!("/users/{ada_id}"))
        .await
        .unwrap();

    for collection in directus_schema::collections::LEARNER_RECORDS {
        let left = directus
            .items(
                collection,
                &format!("filter[student][_eq]={ada_id}&fields=id"),
            )
            .await;
        assert!(
            left.is_empty(),
            "{collection} still holds records of the deleted student"
        );
        let others = directus
            .items(
                collection,
                &format!("filter[student][_eq]={ben_id}&fields=id"),
            )
            .await;
        assert_eq!(
            others.len(),
            1,
            "{collection}: another student's records must stay"
        );
    }

    // Learner records keep no revisions (the worker rewrites them on every attempt, and a
    // revision would keep a copy after the erasure); attempts keep their activity only.
    let admin = directus.admin();
    let revisions = admin
        .get_data("/revisions?filter[collection][_in]=attempts,mastery,learning_paths,recommendations,student_profiles&aggregate[count]=id")
        .await
        .unwrap();
    assert_eq!(revisions[0]["count"]["id"], json!(0), "{revisions}");
    let activity = admin
        .get_data("/activity?filter[collection][_eq]=attempts&filter[action][_eq]=create&aggregate[count]=id")
        .await
        .unwrap();
    assert_eq!(
        activity[0]["count"]["id"],
        json!(2),
        "who submitted what stays in the activity log: {activity}"
    );
}

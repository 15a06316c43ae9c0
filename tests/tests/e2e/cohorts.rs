//! Cohorts and what hangs on them, against real Directus instances:
//! - a teacher reads the learner records and names of the students of their own cohorts
//!   only, through REST and GraphQL alike (lists, by id, aggregates), on SQLite and
//!   PostgreSQL;
//! - editors manage cohorts, teachers only read theirs, deleting a user takes them out;
//! - content issues: the worker writes them, editors resolve them, teachers read them;
//! - the Insights dashboard: provisioned once, readable by editors and teachers and not by
//!   students, and its panels, queried as the admin app queries them, count a teacher's
//!   cohorts only.

use std::collections::{BTreeMap, BTreeSet};

use directus_schema::collections::LEARNER_RECORDS;
use directus_schema::dashboards::{INSIGHTS, dashboards};
use pathwise::directus::DirectusClient;
use pathwise_tests::TestDirectus;
use pathwise_tests::postgres::TestPostgres;
use serde_json::{Value, json};

/// The seeded demo teacher: teaches "Fractions class" (ada and ben).
const TOMAS: &str = "teacher@example.com";
/// A second teacher, made here: teaches "Other class" (chloe).
const TESS: &str = "tess@example.com";
/// A student made here, in no cohort at all.
const DORA: &str = "dora@example.com";

/// Each student's graded attempt score and mastery of the first skill: the numbers the
/// Insights panels aggregate.
const OUTCOMES: [(&str, f64, f64, bool); 3] = [
    ("ada@example.com", 1.0, 0.9, true),
    ("chloe@example.com", 0.0, 0.1, false),
    (DORA, 0.5, 0.3, false),
];

/// The learner records of three students in three situations, and the users to look at
/// them with.
struct Classroom {
    /// student email -> (collection, id as text) of each of their records.
    records: BTreeMap<&'static str, Vec<(&'static str, String)>>,
    /// email -> user id.
    users: BTreeMap<&'static str, String>,
    lesson: Value,
    skill: Value,
}

impl Classroom {
    /// Ids of `collection` records belonging to `students`.
    fn ids(&self, collection: &str, students: &[&str]) -> BTreeSet<String> {
        students
            .iter()
            .flat_map(|s| self.records.get(s).into_iter().flatten())
            .filter(|(c, _)| *c == collection)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Records of every student not in `students`.
    fn others(&self, students: &[&str]) -> Vec<(&'static str, String)> {
        self.records
            .iter()
            .filter(|(s, _)| !students.contains(s))
            .flat_map(|(_, records)| records.iter().cloned())
            .collect()
    }
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A number Directus answers as a JSON number or, for some aggregates on PostgreSQL, as a
/// string.
fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

async fn role_id(directus: &TestDirectus, name: &str) -> String {
    id_text(
        &directus
            .admin()
            .get_data(&format!("/roles?filter[name][_eq]={name}&fields=id"))
            .await
            .unwrap()[0]["id"],
    )
}

async fn create_user(directus: &TestDirectus, email: &str, role: &str) -> String {
    let role = role_id(directus, role).await;
    let created = directus
        .admin()
        .post(
            "/users",
            json!({
                "email": email,
                "first_name": email.split('@').next().unwrap(),
                "last_name": "Test",
                "password": pathwise_tests::secrets().demo_password.expose(),
                "role": role,
                "status": "active",
            }),
        )
        .await
        .unwrap();
    id_text(&created["data"]["id"])
}

async fn login(directus: &TestDirectus, email: &str) -> DirectusClient {
    directus
        .login(email, pathwise_tests::secrets().demo_password.expose())
        .await
}

/// On a seeded instance: Tess and Dora, "Other class" (Tess teaching Chloé), and a graded
/// attempt, a profile, a mastery row, a path, a recommendation, a message and a badge for
/// Ada, Chloé and Dora (Ben has none).
async fn classroom(directus: &TestDirectus) -> Classroom {
    let admin = directus.admin();
    let worker = directus.worker();
    let mut users = BTreeMap::new();
    users.insert(TESS, create_user(directus, TESS, "Teacher").await);
    users.insert(DORA, create_user(directus, DORA, "Student").await);
    for email in [
        TOMAS,
        "ada@example.com",
        "ben@example.com",
        "chloe@example.com",
    ] {
        users.insert(email, directus.user_id(email).await);
    }
    admin
        .post(
            "/items/cohorts",
            json!({
                "name": "Other class",
                "teachers": { "create": [{ "teacher": users[TESS] }], "update": [], "delete": [] },
                "students": { "create": [{ "student": users["chloe@example.com"] }], "update": [], "delete": [] },
            }),
        )
        .await
        .unwrap();
    let lesson = directus
        .items(
            "lessons",
            "filter[status][_eq]=published&fields=id&sort=id&limit=1",
        )
        .await[0]["id"]
        .clone();
    let skill = directus.items("skills", "fields=id&sort=id&limit=1").await[0]["id"].clone();
    let course = directus.items("courses", "fields=id&limit=1").await[0]["id"].clone();
    let mut records = BTreeMap::new();
    for (email, score, p_known, mastered) in OUTCOMES {
        let student = &users[email];
        let attempt = admin
            .post(
                "/items/attempts",
                json!({ "student": student, "lesson": lesson, "answers": {}, "status": "graded", "score": score }),
            )
            .await
            .unwrap()["data"]["id"]
            .clone();
        let mut mine = vec![("attempts", id_text(&attempt))];
        for (collection, body) in [
            ("student_profiles", json!({ "student": student, "xp": 10 })),
            (
                "mastery",
                json!({ "key": format!("{student}:{skill}"), "student": student, "skill": skill, "p_known": p_known, "mastered": mastered }),
            ),
            (
                "learning_paths",
                json!({ "key": format!("{student}:{course}"), "student": student, "course": course, "steps": [], "progress": 0.0 }),
            ),
            (
                "recommendations",
                json!({ "student": student, "course": course, "attempt": attempt, "kind": "practice", "reason": "Practice", "strategy": "threshold-rules", "priority": 1 }),
            ),
            (
                "messages",
                json!({ "key": format!("nudge:{student}:2026-W49"), "student": student, "kind": "nudge", "subject": "Come back", "body": "b", "reason": "r" }),
            ),
            (
                "badges",
                json!({ "key": format!("{student}:first_lesson"), "student": student, "badge": "first_lesson", "title": "First lesson done" }),
            ),
        ] {
            let created = worker
                .post(&format!("/items/{collection}"), body)
                .await
                .unwrap_or_else(|e| panic!("{collection}: {e}"));
            mine.push((collection, id_text(&created["data"]["id"])));
        }
        records.insert(email, mine);
    }
    Classroom {
        records,
        users,
        lesson,
        skill,
    }
}

/// `teacher` reads exactly the records of `students`, and the users `directory`, over
/// REST and GraphQL; every other record is refused by id and left out of aggregates.
async fn assert_teacher_sees_only(
    teacher: &DirectusClient,
    who: &str,
    class: &Classroom,
    students: &[&str],
    directory: &[&str],
) {
    let graphql_lists: String = LEARNER_RECORDS
        .iter()
        .map(|c| format!("{c}(limit: -1) {{ id }} "))
        .collect();
    let over_graphql = teacher
        .graphql("/graphql", &format!("{{ {graphql_lists} }}"), json!({}))
        .await
        .unwrap_or_else(|e| panic!("{who}: GraphQL list: {e}"));
    for collection in LEARNER_RECORDS {
        let want = class.ids(collection, students);
        // REST list.
        let listed: BTreeSet<String> = teacher
            .get_data(&format!("/items/{collection}?fields=id&limit=-1"))
            .await
            .unwrap_or_else(|e| panic!("{who}: list {collection}: {e}"))
            .as_array()
            .unwrap()
            .iter()
            .map(|i| id_text(&i["id"]))
            .collect();
        assert_eq!(listed, want, "{who}: REST list of {collection}");
        // GraphQL list.
        let listed: BTreeSet<String> = over_graphql[collection]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| id_text(&i["id"]))
            .collect();
        assert_eq!(listed, want, "{who}: GraphQL list of {collection}");
        // Aggregates, REST and GraphQL.
        let count = teacher
            .get_data(&format!("/items/{collection}?aggregate[count]=id"))
            .await
            .unwrap();
        assert_eq!(
            number(&count[0]["count"]["id"]) as usize,
            want.len(),
            "{who}: REST count of {collection}: {count}"
        );
        let count = teacher
            .graphql(
                "/graphql",
                &format!("{{ {collection}_aggregated {{ count {{ id }} }} }}"),
                json!({}),
            )
            .await
            .unwrap();
        assert_eq!(
            number(&count[format!("{collection}_aggregated")][0]["count"]["id"]) as usize,
            want.len(),
            "{who}: GraphQL count of {collection}: {count}"
        );
    }
    // By id: their students' records yes, anyone else's no.
    for student in students {
        for (collection, id) in class.records.get(student).into_iter().flatten() {
            teacher
                .get(&format!("/items/{collection}/{id}"))
                .await
                .unwrap_or_else(|e| panic!("{who}: {student}'s {collection} {id}: {e}"));
        }
    }
    for (collection, id) in class.others(students) {
        let rest = teacher.get(&format!("/items/{collection}/{id}")).await;
        assert_eq!(
            rest.map(|_| ()).unwrap_err().status,
            Some(403),
            "{who}: REST {collection}/{id} of another teacher's (or no) cohort"
        );
        let by_id = teacher
            .graphql(
                "/graphql",
                &format!("{{ {collection}_by_id(id: {id}) {{ id }} }}"),
                json!({}),
            )
            .await;
        assert!(
            by_id
                .map(|d| d[format!("{collection}_by_id")].is_null())
                .unwrap_or(true),
            "{who}: GraphQL {collection}_by_id({id}) of another cohort"
        );
    }
    // A filter of their own cannot widen what they see.
    for (email, _) in class.records.iter().filter(|(s, _)| !students.contains(s)) {
        let student = &class.users[email];
        for collection in LEARNER_RECORDS {
            let widened = teacher
                .get_data(&format!(
                    "/items/{collection}?fields=id&filter[student][_eq]={student}"
                ))
                .await
                .unwrap();
            assert_eq!(
                widened,
                json!([]),
                "{who}: {collection} filtered on {email}"
            );
        }
    }

    // Users: their students and fellow teachers (and themselves), no one else.
    let want: BTreeSet<String> = directory.iter().map(|e| e.to_string()).collect();
    let emails = |data: &Value| -> BTreeSet<String> {
        data.as_array()
            .unwrap()
            .iter()
            .filter_map(|u| u["email"].as_str().map(str::to_owned))
            .collect()
    };
    let rest = teacher
        .get_data("/users?fields=email&limit=-1")
        .await
        .unwrap();
    assert_eq!(emails(&rest), want, "{who}: REST users");
    let graphql = teacher
        .graphql(
            "/graphql/system",
            "{ users(limit: -1) { email } }",
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(emails(&graphql["users"]), want, "{who}: GraphQL users");
    for (email, id) in &class.users {
        if !want.contains(*email) {
            let refused = teacher.get(&format!("/users/{id}?fields=email")).await;
            assert_eq!(
                refused.map(|_| ()).unwrap_err().status,
                Some(403),
                "{who} reads user {email}"
            );
        }
    }
}

/// Tomás (ada, ben), Tess (chloé) and Dora (no cohort): each teacher sees their own.
async fn check_teacher_isolation(directus: &TestDirectus) {
    let class = classroom(directus).await;
    let tomas = login(directus, TOMAS).await;
    let tess = login(directus, TESS).await;
    assert_teacher_sees_only(
        &tomas,
        "Tomás",
        &class,
        &["ada@example.com", "ben@example.com"],
        &[TOMAS, "ada@example.com", "ben@example.com"],
    )
    .await;
    assert_teacher_sees_only(
        &tess,
        "Tess",
        &class,
        &["chloe@example.com"],
        &[TESS, "chloe@example.com"],
    )
    .await;
    // Nobody teaches Dora: only an editor (and the admin) sees her records.
    let editor = login(directus, "editor@example.com").await;
    let dora_attempts = editor
        .get_data(&format!(
            "/items/attempts?fields=id&filter[student][_eq]={}",
            class.users[DORA]
        ))
        .await
        .unwrap();
    assert_eq!(dora_attempts.as_array().unwrap().len(), 1);
    // Each teacher reads their own cohorts, and students none.
    for (teacher, cohort) in [(&tomas, "Fractions class"), (&tess, "Other class")] {
        let cohorts = teacher
            .get_data("/items/cohorts?fields=name,students.student.email")
            .await
            .unwrap();
        assert_eq!(cohorts.as_array().unwrap().len(), 1, "{cohorts}");
        assert_eq!(cohorts[0]["name"], cohort);
    }
    let dora = login(directus, DORA).await;
    for collection in ["cohorts", "cohorts_students", "cohorts_teachers"] {
        assert_eq!(
            dora.get(&format!("/items/{collection}"))
                .await
                .map(|_| ())
                .unwrap_err()
                .status,
            Some(403),
            "a student reads {collection}"
        );
    }
}

#[tokio::test]
async fn teachers_read_only_their_cohorts_students_over_rest_and_graphql() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    check_teacher_isolation(&directus).await;
}

#[tokio::test]
async fn teacher_isolation_holds_on_postgresql() {
    let pg = tokio::task::spawn_blocking(TestPostgres::start)
        .await
        .unwrap();
    let directus = TestDirectus::on_postgres(&pg, "http://127.0.0.1:9").await;
    directus.provision().await;
    directus.seed().await;
    check_teacher_isolation(&directus).await;
    drop(directus);
    drop(pg);
}

#[tokio::test]
async fn editors_manage_cohorts_and_deleting_a_user_takes_them_out() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let admin = directus.admin();
    // The seeded demo cohort: the demo course, the demo teacher, Ada and Ben (not Chloé).
    let demo = directus
        .items(
            "cohorts",
            "filter[name][_eq]=Fractions class&fields=id,course.slug,teachers.teacher.email,students.id,students.student.email",
        )
        .await;
    assert_eq!(demo.len(), 1);
    assert_eq!(demo[0]["course"]["slug"], "fractions");
    let emails = |list: &Value, field: &str| -> BTreeSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|l| l[field]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        emails(&demo[0]["teachers"], "teacher"),
        BTreeSet::from([TOMAS.to_owned()])
    );
    assert_eq!(
        emails(&demo[0]["students"], "student"),
        BTreeSet::from(["ada@example.com".to_owned(), "ben@example.com".to_owned()])
    );
    let demo_id = id_text(&demo[0]["id"]);

    let editor = login(&directus, "editor@example.com").await;
    let tomas = login(&directus, TOMAS).await;
    let chloe_id = directus.user_id("chloe@example.com").await;
    let tomas_id = directus.user_id(TOMAS).await;
    let sees_chloe = |client: &DirectusClient| {
        let client = client.clone();
        async move {
            client
                .get_data("/users?fields=email&limit=-1")
                .await
                .unwrap()
                .to_string()
                .contains("chloe@example.com")
        }
    };
    assert!(!sees_chloe(&tomas).await);

    // An editor makes a cohort with Tomás teaching Chloé: Tomás now sees her.
    let created = editor
        .post(
            "/items/cohorts?fields=id,students.id",
            json!({
                "name": "Evening class",
                "teachers": { "create": [{ "teacher": tomas_id }], "update": [], "delete": [] },
                "students": { "create": [{ "student": chloe_id }], "update": [], "delete": [] },
            }),
        )
        .await
        .unwrap();
    let evening = id_text(&created["data"]["id"]);
    let link = created["data"]["students"][0]["id"].clone();
    assert!(
        sees_chloe(&tomas).await,
        "a new cohort shows its students to its teacher"
    );
    // Taking her out of it hides her again.
    editor
        .patch(
            &format!("/items/cohorts/{evening}"),
            json!({ "students": { "create": [], "update": [], "delete": [link] } }),
        )
        .await
        .unwrap();
    assert!(
        !sees_chloe(&tomas).await,
        "removed from the cohort, hidden again"
    );

    // Teachers read their cohorts and change none, nor join a student to one.
    let refused = [
        tomas
            .post("/items/cohorts", json!({ "name": "Mine" }))
            .await
            .map(|_| ()),
        tomas
            .patch(
                &format!("/items/cohorts/{demo_id}"),
                json!({ "name": "Renamed" }),
            )
            .await
            .map(|_| ()),
        tomas
            .post(
                "/items/cohorts_students",
                json!({ "cohort": demo_id, "student": chloe_id }),
            )
            .await
            .map(|_| ()),
        tomas
            .delete(&format!("/items/cohorts/{demo_id}"))
            .await
            .map(|_| ()),
    ];
    for (i, outcome) in refused.into_iter().enumerate() {
        assert_eq!(
            outcome.unwrap_err().status,
            Some(403),
            "teacher change #{i}"
        );
    }

    // Deleting a user deletes their cohort links, not the cohort.
    let ben_id = directus.user_id("ben@example.com").await;
    admin.delete(&format!("/users/{ben_id}")).await.unwrap();
    assert!(
        directus
            .items(
                "cohorts_students",
                &format!("filter[student][_eq]={ben_id}")
            )
            .await
            .is_empty(),
        "a deleted student's cohort links are gone"
    );
    let left = directus
        .items(
            "cohorts",
            &format!("filter[id][_eq]={demo_id}&fields=students.student.email"),
        )
        .await;
    assert_eq!(
        emails(&left[0]["students"], "student"),
        BTreeSet::from(["ada@example.com".to_owned()])
    );
    admin.delete(&format!("/users/{tomas_id}")).await.unwrap();
    assert!(
        directus
            .items(
                "cohorts_teachers",
                &format!("filter[teacher][_eq]={tomas_id}")
            )
            .await
            .is_empty(),
        "a deleted teacher's cohort links are gone"
    );
}

#[tokio::test]
async fn content_issues_are_written_by_the_worker_and_resolved_by_editors() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let worker = directus.worker();
    let admin = directus.admin();
    let course = directus.items("courses", "fields=id&limit=1").await[0]["id"].clone();
    let issue = json!({
        "key": "questions:57:answer_key",
        "course": course,
        "collection": "questions",
        "item": "57",
        "field": "answer_key",
        "problem": "The answer key names choice \"e\", which the question does not have.",
    });
    let created = worker
        .post("/items/content_issues", issue.clone())
        .await
        .unwrap();
    let id = id_text(&created["data"]["id"]);
    assert_eq!(created["data"]["status"], "open", "new issues are open");
    let duplicate = worker.post("/items/content_issues", issue).await;
    assert!(duplicate.is_err(), "one issue per key");
    worker
        .patch(
            &format!("/items/content_issues/{id}"),
            json!({ "problem": "Still broken.", "status": "open" }),
        )
        .await
        .unwrap();

    let editor = login(&directus, "editor@example.com").await;
    let tomas = login(&directus, TOMAS).await;
    let ada = directus.student("ada").await;
    assert_eq!(
        editor.get_data("/items/content_issues").await.unwrap()[0]["problem"],
        "Still broken."
    );
    assert_eq!(
        tomas
            .get_data("/items/content_issues")
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1,
        "teachers read content issues"
    );
    assert_eq!(
        ada.get("/items/content_issues")
            .await
            .map(|_| ())
            .unwrap_err()
            .status,
        Some(403),
        "students do not"
    );
    // An editor resolves it, and changes nothing else; a teacher changes nothing.
    editor
        .patch(
            &format!("/items/content_issues/{id}"),
            json!({ "status": "resolved" }),
        )
        .await
        .unwrap();
    for (client, body) in [
        (&editor, json!({ "problem": "Fine now" })),
        (&editor, json!({ "status": "ignored" })),
        (&tomas, json!({ "status": "open" })),
    ] {
        assert!(
            client
                .patch(&format!("/items/content_issues/{id}"), body.clone())
                .await
                .is_err(),
            "{body}"
        );
    }
    assert!(
        editor
            .post("/items/content_issues", json!({ "key": "mine" }))
            .await
            .is_err(),
        "editors do not file issues"
    );
    let stored = admin
        .get_data(&format!("/items/content_issues/{id}"))
        .await
        .unwrap();
    assert_eq!(stored["status"], "resolved");
    assert_eq!(stored["problem"], "Still broken.");
    // Activity keeps who resolved it.
    let editor_id = directus.user_id("editor@example.com").await;
    let activity = admin
        .get_data(&format!(
            "/activity?filter[collection][_eq]=content_issues&filter[item][_eq]={id}&filter[action][_eq]=update&fields=user&sort=-timestamp&limit=1"
        ))
        .await
        .unwrap();
    assert_eq!(activity[0]["user"], editor_id.as_str());

    // Deleting the course deletes its issues.
    let other = admin
        .post(
            "/items/courses",
            json!({ "title": "Tmp", "slug": "tmp-course", "status": "draft" }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    let doomed = worker
        .post(
            "/items/content_issues",
            json!({ "key": "cycle:1,2", "course": other, "collection": "lessons", "item": "1", "problem": "A cycle." }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    admin
        .delete(&format!("/items/courses/{other}"))
        .await
        .unwrap();
    assert!(
        directus
            .items("content_issues", &format!("filter[id][_eq]={doomed}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_insights_dashboard_is_provisioned_once_for_editors_and_teachers() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let admin = directus.admin();
    let spec = dashboards()
        .into_iter()
        .find(|d| d.name == INSIGHTS)
        .unwrap();
    let want_panels: BTreeSet<&str> = spec.panels.iter().map(|p| p.name).collect();
    let insights = || async {
        admin
            .get_data(&format!(
                "/dashboards?filter[name][_eq]={INSIGHTS}&fields=id,panels.name"
            ))
            .await
            .unwrap()
    };
    let found = insights().await;
    assert_eq!(found.as_array().unwrap().len(), 1, "one Insights dashboard");
    let id = id_text(&found[0]["id"]);
    let names: BTreeSet<&str> = found[0]["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, want_panels);

    // Editors and teachers read it (so the app shows them Insights); students do not.
    for email in ["editor@example.com", TOMAS] {
        let client = login(&directus, email).await;
        let seen = client
            .get_data("/dashboards?fields=id,name")
            .await
            .unwrap_or_else(|e| panic!("{email}: {e}"));
        assert_eq!(seen[0]["id"], id.as_str(), "{email}");
        let panels = client
            .get_data(&format!("/panels?filter[dashboard][_eq]={id}&fields=name"))
            .await
            .unwrap();
        assert_eq!(
            panels.as_array().unwrap().len(),
            want_panels.len(),
            "{email}"
        );
    }
    let ada = directus.student("ada").await;
    for path in ["/dashboards", "/panels"] {
        assert_eq!(
            ada.get(path).await.map(|_| ()).unwrap_err().status,
            Some(403),
            "a student reads {path}"
        );
    }

    // Broken by hand, provisioning repairs it in place and then changes nothing.
    let panels = admin
        .get_data(&format!(
            "/panels?filter[dashboard][_eq]={id}&fields=id,name&sort=name"
        ))
        .await
        .unwrap();
    admin
        .delete(&format!("/panels/{}", id_text(&panels[0]["id"])))
        .await
        .unwrap();
    admin
        .patch(
            &format!("/panels/{}", id_text(&panels[1]["id"])),
            json!({ "options": {}, "width": 3 }),
        )
        .await
        .unwrap();
    admin
        .post("/panels", json!({ "dashboard": id, "name": "Mine", "type": "label", "position_x": 1, "position_y": 60, "width": 6, "height": 6 }))
        .await
        .unwrap();
    admin
        .post(
            "/dashboards",
            json!({ "name": INSIGHTS, "icon": "insights" }),
        )
        .await
        .unwrap();
    let repair = directus.provision().await.to_string();
    for expected in [
        "1 panel(s) created",
        "updated",
        "1 undeclared panel(s) removed",
        "duplicate removed",
    ] {
        assert!(repair.contains(expected), "{expected}: {repair}");
    }
    let found = insights().await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(
        id_text(&found[0]["id"]),
        id,
        "the original dashboard is kept"
    );
    assert_eq!(
        found[0]["panels"].as_array().unwrap().len(),
        want_panels.len()
    );
    let again = directus.provision().await;
    assert!(again.is_unchanged(), "converged: {again}");
}

/// A JSON value as a GraphQL input literal (object keys unquoted).
fn graphql_literal(value: &Value) -> String {
    match value {
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", graphql_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(graphql_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// The GraphQL query the Directus 11.17.4 admin app sends for a panel: the panel type's
/// `query(options)` (read in @directus/app: time-series groups by year/month/day of the
/// date field within the range; bar-chart groups by the x axis; metric aggregates one
/// field), as the insights store turns it into `<collection>_aggregated`. Aliased `p`.
fn app_query(panel: &Value) -> String {
    let o = &panel["options"];
    let collection = o["collection"].as_str().unwrap();
    let filter = o.get("filter").cloned().unwrap_or_else(|| json!({}));
    let (groups, function, field, filter, limit) = match panel["type"].as_str().unwrap() {
        "time-series" => {
            let date = o["dateField"].as_str().unwrap();
            assert_eq!(o["precision"], "day");
            let range = o["range"].as_str().unwrap();
            let groups = ["year", "month", "day"].map(|p| format!("{p}({date})"));
            let filter = json!({ "_and": [
                filter,
                { date: { "_gte": format!("$NOW(-{range})") } },
                { date: { "_lte": "$NOW" } },
            ]});
            (
                groups.to_vec(),
                &o["function"],
                &o["valueField"],
                filter,
                -1,
            )
        }
        "bar-chart" => (
            vec![o["xAxis"].as_str().unwrap().to_owned()],
            &o["function"],
            &o["yAxis"],
            filter,
            -1,
        ),
        "metric" => (Vec::new(), &o["function"], &o["field"], filter, 1),
        other => panic!("no app query known for panel type {other}"),
    };
    let group_by = if groups.is_empty() {
        String::new()
    } else {
        format!("groupBy: {}, ", graphql_literal(&json!(&groups)))
    };
    let group_field = if groups.is_empty() { "" } else { "group " };
    format!(
        "{{ p: {collection}_aggregated({group_by}filter: {}, limit: {limit}) {{ {group_field}{} {{ {} }} }} }}",
        graphql_literal(&filter),
        function.as_str().unwrap(),
        field.as_str().unwrap()
    )
}

#[tokio::test]
async fn insights_panels_count_a_teachers_cohorts_only() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let class = classroom(&directus).await;
    let panels = directus
        .admin()
        .get_data(&format!(
            "/panels?limit=-1&filter[dashboard][name][_eq]={INSIGHTS}&fields=name,type,options"
        ))
        .await
        .unwrap();
    let panels = panels.as_array().unwrap();
    assert_eq!(panels.len(), dashboards()[0].panels.len());
    let viewers = [
        ("admin", directus.admin()),
        ("editor", login(&directus, "editor@example.com").await),
        ("Tomás", login(&directus, TOMAS).await),
        ("Tess", login(&directus, TESS).await),
    ];
    let mut answers: BTreeMap<(&str, &str), Value> = BTreeMap::new();
    for (who, client) in &viewers {
        for p in panels.iter() {
            let name = p["name"].as_str().unwrap();
            let data = client
                .graphql("/graphql", &app_query(p), json!({}))
                .await
                .unwrap_or_else(|e| panic!("{who}: panel {name}: {e}"));
            answers.insert((*who, name), data["p"].clone());
        }
    }
    // Content issues are not per student: everyone who reads them counts the same (none).
    for (who, _) in &viewers {
        let open = &answers[&(*who, "Open content issues")];
        assert_eq!(number(&open[0]["count"]["id"]), 0.0, "{who}: {open}");
    }

    // Attempts per day: every attempt was made today.
    let attempts = |who: &str| -> f64 {
        answers[&(who, "Attempts per day")]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| number(&g["count"]["id"]))
            .sum()
    };
    assert_eq!(attempts("admin"), 3.0);
    assert_eq!(attempts("editor"), 3.0);
    assert_eq!(attempts("Tomás"), 1.0, "Ada's attempt only");
    assert_eq!(attempts("Tess"), 1.0, "Chloé's attempt only");

    // Pass rate of the lesson: Ada 1.0, Chloé 0.0, Dora 0.5.
    let lesson = id_text(&class.lesson);
    let rate = |who: &str| -> f64 {
        let groups = answers[&(who, "Pass rate per lesson")].clone();
        let group = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| id_text(&g["group"]["lesson"]) == lesson)
            .cloned()
            .unwrap_or_else(|| panic!("{who}: no bar for the lesson: {groups}"));
        number(&group["avg"]["score"])
    };
    assert!((rate("admin") - 0.5).abs() < 1e-9);
    assert!((rate("Tomás") - 1.0).abs() < 1e-9);
    assert!((rate("Tess") - 0.0).abs() < 1e-9);

    // Struggling skills: the mean probability known of the skill.
    let skill = id_text(&class.skill);
    let p_known = |who: &str| -> f64 {
        let groups = answers[&(who, "Struggling skills")].clone();
        number(
            &groups
                .as_array()
                .unwrap()
                .iter()
                .find(|g| id_text(&g["group"]["skill"]) == skill)
                .unwrap_or_else(|| panic!("{who}: {groups}"))["avg"]["p_known"],
        )
    };
    assert!((p_known("admin") - (0.9 + 0.1 + 0.3) / 3.0).abs() < 1e-9);
    assert!((p_known("Tomás") - 0.9).abs() < 1e-9);
    assert!((p_known("Tess") - 0.1).abs() < 1e-9);

    // Mastered: only Ada, whom only Tomás (and staff) see.
    let mastered = |who: &str| -> f64 {
        answers[&(who, "Students who mastered each skill")]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| number(&g["count"]["id"]))
            .sum()
    };
    assert_eq!(mastered("admin"), 1.0);
    assert_eq!(mastered("Tomás"), 1.0);
    assert_eq!(mastered("Tess"), 0.0);
}

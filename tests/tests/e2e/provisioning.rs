use directus_schema::collections;
use pathwise_tests::TestDirectus;
use serde_json::Value;

#[tokio::test]
async fn provisioning_creates_every_collection_and_relation_then_changes_nothing() {
    let directus = TestDirectus::bare("http://127.0.0.1:9").await;
    let first = directus.provision().await;
    assert!(!first.is_unchanged(), "a bare instance must change");
    assert!(
        first
            .changes
            .iter()
            .any(|c| c.starts_with("schema: applied")),
        "{first}"
    );

    let present: Vec<String> = directus
        .admin()
        .get_data("/collections?limit=-1")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["collection"].as_str().map(str::to_owned))
        .collect();
    for collection in collections::all() {
        assert!(
            present.iter().any(|p| p == collection),
            "collection {collection} is missing"
        );
    }
    let relations = directus
        .admin()
        .get_data("/relations?limit=-1")
        .await
        .unwrap();
    let relation = |collection: &str, field: &str| -> Value {
        relations
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["collection"] == collection && r["field"] == field)
            .cloned()
            .unwrap_or_else(|| panic!("relation {collection}.{field} is missing"))
    };
    for collection in collections::LEARNER_RECORDS {
        let r = relation(collection, "student");
        assert_eq!(r["related_collection"], "directus_users");
        assert_eq!(
            r["schema"]["on_delete"], "CASCADE",
            "{collection}.student must cascade (right to erasure)"
        );
    }
    for (collection, field, related) in [
        ("courses", "subject", "subjects"),
        ("modules", "course", "courses"),
        ("lessons", "module", "modules"),
        ("skills", "course", "courses"),
        ("lesson_skills", "lesson", "lessons"),
        ("lesson_skills", "skill", "skills"),
        ("lesson_prerequisites", "lesson", "lessons"),
        ("lesson_prerequisites", "prerequisite", "lessons"),
        ("questions", "lesson", "lessons"),
        ("question_skills", "question", "questions"),
        ("question_skills", "skill", "skills"),
        ("attempts", "lesson", "lessons"),
        ("mastery", "skill", "skills"),
        ("learning_paths", "course", "courses"),
        ("learning_paths", "current_lesson", "lessons"),
        ("recommendations", "attempt", "attempts"),
        ("recommendations", "lesson", "lessons"),
    ] {
        assert_eq!(
            relation(collection, field)["related_collection"],
            related,
            "{collection}.{field}"
        );
    }

    let second = directus.provision().await;
    assert!(
        second.is_unchanged(),
        "a second provision must change nothing, but: {second}"
    );
}

#[tokio::test]
async fn provisioning_a_half_provisioned_instance_converges() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let admin = directus.admin();
    // Break a bit of everything: a permission, a role-policy link, a flow, the worker token.
    let student_policy = admin
        .get_data("/policies?filter[name][_eq]=Student&fields=id")
        .await
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let permission = admin
        .get_data(&format!("/permissions?filter[policy][_eq]={student_policy}&filter[collection][_eq]=attempts&filter[action][_eq]=read&fields=id"))
        .await.unwrap()[0]["id"].clone();
    admin
        .delete(&format!("/permissions/{permission}"))
        .await
        .unwrap();
    let extra = serde_json::json!({ "policy": student_policy, "collection": "dead_letters", "action": "read", "fields": ["*"] });
    admin.post("/permissions", extra).await.unwrap();
    let flow = admin
        .get_data("/flows?filter[name][_eq]=Pathwise: attempt submitted&fields=id")
        .await
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin.delete(&format!("/flows/{flow}")).await.unwrap();
    let worker = directus
        .user_id(directus_schema::access::WORKER_EMAIL)
        .await;
    admin
        .patch(
            &format!("/users/{worker}"),
            serde_json::json!({ "token": "stale-token" }),
        )
        .await
        .unwrap();
    assert!(
        directus.worker().get("/users/me").await.is_err(),
        "the worker token was broken on purpose"
    );

    let repair = directus.provision().await;
    let text = repair.to_string();
    assert!(
        text.contains("policy Student: 1 permission(s) created"),
        "{text}"
    );
    assert!(text.contains("undeclared permission(s) removed"), "{text}");
    assert!(
        text.contains("flow Pathwise: attempt submitted: created"),
        "{text}"
    );
    assert!(text.contains("static token set"), "{text}");
    assert!(
        directus.worker().get("/users/me").await.is_ok(),
        "the worker token works again"
    );
    assert!(
        directus.provision().await.is_unchanged(),
        "converged: nothing left to change"
    );
}

#[tokio::test]
async fn seeding_is_idempotent_and_loads_the_whole_demo_course() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let again = directus.seed().await;
    assert!(
        again.is_unchanged(),
        "a second seed must change nothing: {again}"
    );

    let demo: pathwise::seed::DemoCourse =
        serde_json::from_str(directus_schema::DEMO_COURSE_JSON).unwrap();
    assert_eq!(directus.items("courses", "fields=id").await.len(), 1);
    assert_eq!(
        directus.items("skills", "fields=id").await.len(),
        demo.skills.len()
    );
    assert_eq!(
        directus.items("lessons", "fields=id").await.len(),
        demo.lessons().count()
    );
    assert_eq!(
        directus.items("questions", "fields=id").await.len(),
        demo.questions().count()
    );
    let prerequisites = directus
        .items("lesson_prerequisites", "fields=id")
        .await
        .len();
    assert_eq!(
        prerequisites,
        demo.lessons().map(|l| l.prerequisites.len()).sum::<usize>()
    );
    for email in pathwise::seed::DEMO_ACCOUNTS.map(|a| a.0) {
        directus.user_id(email).await;
    }
    // Every link lands where the file says (Directus creates a batch in no set order).
    let lessons = directus
        .items(
            "lessons",
            "fields=title,skills.skill.name,prerequisites.prerequisite.title",
        )
        .await;
    let skill_names: std::collections::HashMap<&str, &str> = demo
        .skills
        .iter()
        .map(|s| (s.reference.as_str(), s.fields["name"].as_str().unwrap()))
        .collect();
    let titles: std::collections::HashMap<&str, &str> = demo
        .lessons()
        .map(|l| (l.reference.as_str(), l.fields["title"].as_str().unwrap()))
        .collect();
    for lesson in demo.lessons() {
        let title = lesson.fields["title"].as_str().unwrap();
        let stored = lessons
            .iter()
            .find(|l| l["title"] == title)
            .unwrap_or_else(|| panic!("{title} missing"));
        let mut skills: Vec<&str> = stored["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["skill"]["name"].as_str().unwrap())
            .collect();
        let mut want: Vec<&str> = lesson
            .skills
            .iter()
            .map(|r| skill_names[r.as_str()])
            .collect();
        skills.sort_unstable();
        want.sort_unstable();
        assert_eq!(skills, want, "skills of {title}");
        let mut prerequisites: Vec<&str> = stored["prerequisites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prerequisite"]["title"].as_str().unwrap())
            .collect();
        let mut want: Vec<&str> = lesson
            .prerequisites
            .iter()
            .map(|r| titles[r.as_str()])
            .collect();
        prerequisites.sort_unstable();
        want.sort_unstable();
        assert_eq!(prerequisites, want, "prerequisites of {title}");
    }
    // Every demo account can log in with the generated password.
    directus
        .student("ada")
        .await
        .get("/users/me")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_committed_graphql_sdl_matches_what_directus_serves_the_worker() {
    let directus = TestDirectus::seeded("http://127.0.0.1:9").await;
    let served = pathwise::directus::graphql_sdl(&directus.worker())
        .await
        .unwrap();
    let committed = std::fs::read_to_string(
        pathwise_tests::repo_root().join("directus-schema/graphql/schema.graphql"),
    )
    .unwrap();
    assert!(
        served == committed,
        "directus-schema/graphql/schema.graphql is stale: regenerate it with scripts/export-sdl"
    );
}

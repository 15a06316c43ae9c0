//! The scaled-out stack ([`pathwise_tests::cluster::TestCluster`]): two Directus instances
//! on PostgreSQL and Redis, two workers, nginx in front. Students submit through the
//! balancer, several attempts of one student at once, while one worker at a time is killed
//! with SIGKILL and one Directus instance once; after a drain, Jepsen-style counts: nothing
//! lost, stuck or counted twice, and both workers graded.

use std::time::Duration;

use pathwise_tests::soak::{Counts, SoakConfig, WritePath, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_and_two_workers_lose_and_double_count_nothing() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let logs = std::env::temp_dir().join(format!(
        "pathwise-cluster-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let config = SoakConfig {
        postgres: true,
        instances: 2,
        write_paths: vec![WritePath::Extension],
        duration: Duration::from_secs(20),
        rate: 6.0,
        // Few students: their attempts often race, on both workers.
        students: 4,
        kill_every: (Duration::from_secs(3), Duration::from_secs(6)),
        kill_directus: true,
        drain_timeout: Duration::from_secs(60),
        seed,
        worker_binary: pathwise_tests::worker_binary(),
        log_dir: logs.clone(),
    };
    let reports = run(&config).await;
    let report = &reports[0];
    println!("{}", report.summary());
    assert_eq!(
        report.counts,
        Counts::default(),
        "the cluster soak (seed {}) found:\n{}",
        report.seed,
        report.problems().join("\n")
    );
    assert!(
        report.worker_kills >= 2 && report.directus_kills == 1,
        "workers were killed {} times and a Directus instance {} times",
        report.worker_kills,
        report.directus_kills
    );
    assert!(
        report.acked >= 60,
        "only {} creates were acked",
        report.acked
    );
    assert_eq!(report.graded_by_worker.len(), 2);
    assert!(
        report.graded_by_worker.iter().all(|&n| n > 0),
        "both workers grade: {:?}",
        report.graded_by_worker
    );
    let _ = std::fs::remove_dir_all(logs);
}

/// Realtime across instances: a student subscribed on one Directus instance sees the
/// attempt they submitted through the other graded, and its recommendations, pushed
/// (Directus publishes action events on the Redis bus).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_one_instance_sees_what_the_other_wrote() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    use pathwise_tests::cluster::{ClusterConfig, TestCluster};
    use pathwise_tests::realtime::Realtime;
    use pathwise_tests::stack::answers_scoring;
    use serde_json::json;

    let logs = std::env::temp_dir().join(format!(
        "pathwise-cluster-rt-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let cluster = TestCluster::start(ClusterConfig {
        instances: 2,
        workers: 2,
        worker_binary: pathwise_tests::worker_binary(),
        worker_env: Vec::new(),
        log_dir: logs.clone(),
        seed: true,
    })
    .await;
    let (first, second) = (&cluster.instances[0], &cluster.instances[1]);
    let login = second
        .anonymous()
        .post(
            "/auth/login",
            json!({ "email": "ada@example.com", "password": pathwise_tests::secrets().demo_password.expose() }),
        )
        .await
        .unwrap();
    let token = login["data"]["access_token"].as_str().unwrap().to_owned();
    let mut realtime =
        Realtime::subscribe(&second.url, &token, &["attempts", "recommendations"]).await;
    let lessons = first
        .items(
            "lessons",
            "filter[status][_eq]=published&filter[kind][_eq]=lesson&sort=module.sort,sort&fields=id&limit=1",
        )
        .await;
    let lesson = lessons[0]["id"].clone();
    let questions = first
        .items(
            "questions",
            &format!("filter[lesson][_eq]={lesson}&filter[status][_eq]=published&fields=id,type,answer_key,points&sort=sort"),
        )
        .await;
    let (answers, _) = answers_scoring(&questions, 0.3);
    let created = first
        .student("ada")
        .await
        .post(
            "/items/attempts",
            json!({ "lesson": lesson, "answers": answers }),
        )
        .await
        .unwrap();
    let attempt = created["data"]["id"].as_i64().unwrap();
    realtime.until_graded_and_recommended(attempt).await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(logs);
}

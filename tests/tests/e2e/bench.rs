//! A tiny run of the benchmark, so that it cannot rot: a few seconds, a handful of
//! attempts, both systems, two cold starts. It asserts what must hold at any speed.

use std::time::Duration;

use pathwise_tests::bench::{BenchConfig, run, table};

#[tokio::test]
async fn a_tiny_benchmark_runs_and_loses_nothing() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let worker = pathwise_tests::worker_binary();
    let out =
        std::env::temp_dir().join(format!("pathwise-bench-{}", uuid::Uuid::new_v4().simple()));
    let config = BenchConfig {
        postgres: false,
        rates: vec![4.0],
        step: Duration::from_secs(2),
        max_concurrency: 2,
        students: 4,
        cold_starts: 2,
        worker_binary: worker,
        out_dir: Some(out.clone()),
        baseline: true,
        sync: true,
        public: true,
        cluster: None,
    };
    let report = run(&config).await;
    println!("{}", table(&report));
    assert_eq!(
        report.steps.len(),
        8,
        "two loads for each of the four systems"
    );
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.system == "pathwise-public" && s.attempts > 0),
        "the public write path is measured"
    );
    let paths: Vec<&str> = report
        .worker_call_costs
        .iter()
        .map(|c| c.write_path.as_str())
        .collect();
    assert_eq!(paths, ["extension", "public"]);
    assert!(
        report.worker_call_costs.iter().all(|c| c.attempts > 0
            && c.small_batch > 0
            && c.small_batch < c.attempts
            && c.directus_cpu_ms_per_attempt > 0.0
            && c.marginal_ms_per_attempt.is_finite()
            && c.rounds_ms.len() == pathwise_tests::bench::CALL_COST_ROUNDS
            && c.marginal_rounds_ms.len() == pathwise_tests::bench::CALL_COST_ROUNDS),
        "{:?}",
        report.worker_call_costs
    );
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.system == "pathwise-sync" && s.attempts > 0),
        "the synchronous endpoint is measured"
    );
    for step in &report.steps {
        assert!(step.attempts > 0, "{step:?}");
        assert_eq!((step.errors, step.timed_out), (0, 0), "{step:?}");
        assert!(step.graded_twice.is_none_or(|n| n == 0), "{step:?}");
        assert!(
            step.p50_ms > 0.0 && step.p50_ms <= step.p99_ms && step.p99_ms <= step.max_ms,
            "{step:?}"
        );
    }
    let pathwise = report
        .steps
        .iter()
        .find(|s| s.system == "pathwise")
        .unwrap();
    let trips = pathwise.round_trips_per_attempt.unwrap();
    assert!(
        (2.0..=3.0).contains(&trips),
        "2 round trips through the extension, 3 when the course is read: {trips}"
    );
    assert!(pathwise.worker_cpu_ms_per_attempt.is_some());
    let totals = report.pathwise_totals.as_ref().unwrap();
    assert_eq!(
        (totals.never_graded, totals.students_miscounted),
        (0, 0),
        "{totals:?}"
    );
    let pathwise_attempts: usize = report
        .steps
        .iter()
        .filter(|s| s.system.starts_with("pathwise"))
        .map(|s| s.attempts)
        .sum();
    assert!(totals.attempts >= pathwise_attempts, "{totals:?}");
    let cold = report.cold_start.as_ref().unwrap();
    assert_eq!(cold.runs, 2);
    assert!(cold.ready_ms_p50 > 0.0 && cold.first_event_ms_p50 >= cold.ready_ms_p50);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("bench.json")).unwrap()).unwrap();
    assert_eq!(json["steps"].as_array().unwrap().len(), 8);
    assert!(
        std::fs::read_to_string(out.join("bench.svg"))
            .unwrap()
            .contains("<svg")
    );
    let _ = std::fs::remove_dir_all(out);
}

/// The benchmark on a cluster (two Directus instances and two workers on PostgreSQL and
/// Redis behind nginx), so that `scripts/bench --instances` cannot rot: both instances
/// and both workers carry load, every server's CPU is measured, nothing is lost.
#[tokio::test]
async fn a_tiny_benchmark_on_a_cluster_measures_every_process() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let config = BenchConfig {
        postgres: true,
        rates: vec![6.0],
        step: Duration::from_secs(3),
        max_concurrency: 4,
        students: 6,
        cold_starts: 0,
        worker_binary: pathwise_tests::worker_binary(),
        out_dir: None,
        baseline: true,
        sync: true,
        public: true,
        cluster: Some(2),
    };
    let report = run(&config).await;
    println!("{}", table(&report));
    let systems: Vec<&str> = report.steps.iter().map(|s| s.system.as_str()).collect();
    assert_eq!(
        systems,
        [
            "pathwise",
            "pathwise",
            "pathwise-sync",
            "pathwise-sync",
            "baseline",
            "baseline"
        ],
        "no public path on a cluster (the extension is installed)"
    );
    for step in &report.steps {
        assert!(step.attempts > 0, "{step:?}");
        assert_eq!((step.errors, step.timed_out), (0, 0), "{step:?}");
        assert!(step.graded_twice.is_none_or(|n| n == 0), "{step:?}");
        for process in [
            "directus-0",
            "directus-1",
            "postgres",
            "redis",
            "nginx",
            "worker-0",
            "worker-1",
        ] {
            assert!(
                step.cpu_shares.contains_key(process),
                "{process} measured: {step:?}"
            );
        }
    }
    // Under the closed loop both Directus instances and both workers work.
    let saturated = report
        .steps
        .iter()
        .find(|s| s.system == "pathwise" && s.offered_rate.is_none())
        .unwrap();
    for process in [
        "directus-0",
        "directus-1",
        "worker-0",
        "worker-1",
        "postgres",
    ] {
        assert!(
            saturated.cpu_shares[process] > 0.0,
            "{process} idle: {saturated:?}"
        );
    }
    let totals = report.pathwise_totals.as_ref().unwrap();
    assert_eq!(
        (totals.never_graded, totals.students_miscounted),
        (0, 0),
        "{totals:?}"
    );
    assert!(report.worker_call_costs.is_empty() && report.cold_start.is_none());
}

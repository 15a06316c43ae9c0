//! A short kill -9 soak on both write paths (`scripts/soak` runs the long one): students
//! submit while the worker is killed with SIGKILL every 2-5 s and Directus once, and after
//! a drain nothing is lost, unexpected, never graded, rejected, counted twice or not at
//! all, or dead-lettered. See `pathwise_tests::soak`.

use std::time::Duration;

use pathwise_tests::soak::{Counts, SoakConfig, WritePath, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_worker_and_directus_loses_and_double_counts_nothing() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let logs =
        std::env::temp_dir().join(format!("pathwise-soak-{}", uuid::Uuid::new_v4().simple()));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let config = SoakConfig {
        postgres: false,
        instances: 1,
        write_paths: vec![WritePath::Public, WritePath::Extension],
        duration: Duration::from_secs(17),
        rate: 5.0,
        students: 6,
        kill_every: (Duration::from_secs(2), Duration::from_secs(5)),
        kill_directus: true,
        drain_timeout: Duration::from_secs(60),
        seed,
        worker_binary: pathwise_tests::worker_binary(),
        log_dir: logs.clone(),
    };
    let reports = run(&config).await;
    for report in &reports {
        println!("{}", report.summary());
    }
    for report in &reports {
        let path = report.write_path.name();
        assert_eq!(
            report.counts,
            Counts::default(),
            "the soak on the {path} write path (seed {}) found:\n{}",
            report.seed,
            report.problems().join("\n")
        );
        assert!(
            report.worker_kills >= 2 && report.directus_kills == 1,
            "{path}: the worker was killed {} times and Directus {} times",
            report.worker_kills,
            report.directus_kills
        );
        assert!(
            report.acked >= 10,
            "{path}: only {} creates were acked",
            report.acked
        );
        // Whatever the worker graded went through the write path it was told to use.
        assert!(
            report.graded_via.keys().all(|via| via == path),
            "{path}: graded via {:?}",
            report.graded_via
        );
    }
    let _ = std::fs::remove_dir_all(logs);
}

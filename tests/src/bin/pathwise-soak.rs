//! `scripts/soak` runs this: see `pathwise_tests::soak`.
//!
//! pathwise-soak [--postgres] [--scale N] [--write-path public|extension|both] [--duration 120]
//!               [--rate 8] [--students 40] [--kill-every 2-5] [--no-directus-kill]
//!               [--drain 60] [--seed N] [--out DIR] --worker PATH
//!
//! `--scale 2`: two Directus instances on PostgreSQL and Redis and two workers behind nginx
//! (the extension write path; one worker and one Directus instance killed at a time).
//!
//! Prints a summary per write path, writes DIR/soak.json and the worker's logs into DIR,
//! and exits with 1 when any count is not 0.

use std::path::PathBuf;
use std::time::Duration;

use pathwise_tests::soak::{SoakConfig, WritePath, run};

fn seconds(value: &str) -> Duration {
    Duration::from_secs_f64(value.parse().expect("seconds"))
}

fn main() -> std::process::ExitCode {
    let mut config = SoakConfig {
        postgres: false,
        instances: 1,
        write_paths: vec![WritePath::Public, WritePath::Extension],
        duration: Duration::from_secs(120),
        rate: 8.0,
        students: 40,
        kill_every: (Duration::from_secs(2), Duration::from_secs(5)),
        kill_directus: true,
        drain_timeout: Duration::from_secs(60),
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1),
        worker_binary: PathBuf::from("target/release/pathwise"),
        log_dir: PathBuf::from("soak-results"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--postgres" => config.postgres = true,
            "--scale" => {
                config.instances = value().parse().expect("a number of instances");
                config.postgres = true;
                config.write_paths = vec![WritePath::Extension];
            }
            "--no-directus-kill" => config.kill_directus = false,
            "--write-path" => {
                config.write_paths =
                    WritePath::parse_list(&value()).unwrap_or_else(|e| panic!("{e}"))
            }
            "--duration" => config.duration = seconds(&value()),
            "--rate" => config.rate = value().parse().expect("attempts per second"),
            "--students" => config.students = value().parse().expect("a number"),
            "--kill-every" => {
                let range = value();
                let (low, high) = range.split_once('-').unwrap_or((&range, &range));
                config.kill_every = (seconds(low), seconds(high));
            }
            "--drain" => config.drain_timeout = seconds(&value()),
            "--seed" => config.seed = value().parse().expect("a number"),
            "--worker" => config.worker_binary = PathBuf::from(value()),
            "--out" => config.log_dir = PathBuf::from(value()),
            other => panic!("unknown argument {other}"),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let reports = runtime.block_on(run(&config));
    let mut failed = false;
    for report in &reports {
        print!("{}", report.summary());
        failed |= !report.problems().is_empty();
    }
    let json = config.log_dir.join("soak.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&reports).expect("a JSON report"),
    )
    .expect("write soak.json");
    println!("wrote {}", json.display());
    if failed {
        println!("FAILED: some counts are not 0 (see above)");
        std::process::ExitCode::FAILURE
    } else {
        println!("every count is 0");
        std::process::ExitCode::SUCCESS
    }
}

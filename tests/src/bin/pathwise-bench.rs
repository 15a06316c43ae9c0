//! `scripts/bench` runs this: see `pathwise_tests::bench`.
//!
//! pathwise-bench [--postgres] [--rates 5,10,20,40] [--step 30] [--concurrency 16]
//!                [--students 500] [--cold-starts 20] [--no-baseline] [--no-sync] [--no-public]
//!                [--instances 1,2] [--out DIR] --worker PATH
//!
//! `--instances 1,2`: one run per count on a cluster (PostgreSQL, Redis, that many Directus
//! instances and workers behind nginx), each with the baseline on the same cluster, into
//! DIR/instances-<n>/; then the scaling factor of each system at saturation.

use std::path::PathBuf;
use std::time::Duration;

use pathwise_tests::bench::{BenchConfig, run, scaling_table, table};

fn main() {
    let mut config = BenchConfig {
        postgres: false,
        rates: vec![5.0, 10.0, 20.0, 40.0],
        step: Duration::from_secs(30),
        max_concurrency: 16,
        students: 500,
        cold_starts: 20,
        worker_binary: PathBuf::from("target/release/pathwise"),
        out_dir: Some(PathBuf::from("bench-results")),
        baseline: true,
        sync: true,
        public: true,
        cluster: None,
    };
    let mut instances: Vec<usize> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--postgres" => config.postgres = true,
            "--no-baseline" => config.baseline = false,
            "--no-sync" => config.sync = false,
            "--no-public" => config.public = false,
            "--instances" => {
                instances = value()
                    .split(',')
                    .map(|n| n.trim().parse().expect("a number of instances"))
                    .collect();
                config.postgres = true;
            }
            "--rates" => {
                config.rates = value()
                    .split(',')
                    .map(|r| r.trim().parse().expect("a rate"))
                    .collect()
            }
            "--step" => config.step = Duration::from_secs(value().parse().expect("seconds")),
            "--concurrency" => config.max_concurrency = value().parse().expect("a number"),
            "--students" => config.students = value().parse().expect("a number"),
            "--cold-starts" => config.cold_starts = value().parse().expect("a number"),
            "--worker" => config.worker_binary = PathBuf::from(value()),
            "--out" => config.out_dir = Some(PathBuf::from(value())),
            // Redraws the chart and reprints the table of a saved run, then exits.
            "--redraw" => {
                let json = PathBuf::from(value());
                let report: pathwise_tests::bench::BenchReport =
                    serde_json::from_str(&std::fs::read_to_string(&json).expect("a bench.json"))
                        .expect("a bench report");
                pathwise_tests::bench::chart::draw(&report, &json.with_extension("svg"));
                print!("{}", table(&report));
                return;
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if !instances.is_empty() {
        let mut reports = Vec::new();
        for n in instances {
            let config = BenchConfig {
                cluster: Some(n),
                out_dir: config
                    .out_dir
                    .as_ref()
                    .map(|d| d.join(format!("instances-{n}"))),
                ..config.clone()
            };
            let report = runtime.block_on(run(&config));
            print!("{}", table(&report));
            reports.push((n, report));
        }
        print!("{}", scaling_table(&reports));
        if let Some(dir) = &config.out_dir {
            std::fs::write(dir.join("scaling.txt"), scaling_table(&reports))
                .expect("write scaling.txt");
            println!(
                "wrote {}/instances-*/bench.json and {}/scaling.txt",
                dir.display(),
                dir.display()
            );
        }
        return;
    }
    let report = runtime.block_on(run(&config));
    print!("{}", table(&report));
    if let Some(dir) = &config.out_dir {
        println!(
            "wrote {}/bench.json and {}/bench.svg",
            dir.display(),
            dir.display()
        );
    }
}

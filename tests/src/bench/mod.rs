//! `scripts/bench`: end-to-end speed and cost of Pathwise against a real Directus, side by
//! side with the same job done by a Directus flow with a Run Script operation.
//!
//! Open-loop load at several offered rates (plus a closed loop "as fast as it goes"),
//! latency from the moment Directus answers the attempt's creation to the moment its
//! recommendations are readable by the student (polled with backoff: the realtime
//! WebSocket is not enabled), the worker's CPU and memory from /proc, Directus' CPU, round
//! trips from the worker's /metrics, and cold starts of the worker binary.

pub mod baseline;
pub mod chart;
pub mod load;
pub mod proc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cluster::{ClusterConfig, TestCluster};
use crate::postgres::TestPostgres;
use crate::stack::answers_scoring;
use crate::{TestDirectus, free_port, secrets};

#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub postgres: bool,
    /// Offered loads in attempts per second; a closed loop follows when `max_concurrency > 0`.
    pub rates: Vec<f64>,
    pub step: Duration,
    pub max_concurrency: usize,
    pub students: usize,
    pub cold_starts: usize,
    /// The release `pathwise` binary.
    pub worker_binary: PathBuf,
    /// Where the JSON and the chart go (none: stdout only).
    pub out_dir: Option<PathBuf>,
    /// Whether to also run the Run Script baseline.
    pub baseline: bool,
    /// Whether to also submit through the worker's synchronous endpoint (`pathwise-sync`):
    /// the student gets the graded attempt and next steps in the response, no polling.
    pub sync: bool,
    /// Whether to also run the worker on Directus' public APIs (`pathwise-public`): the
    /// write path of a Directus without the Pathwise extension.
    pub public: bool,
    /// Run on a cluster of this many Directus instances (and as many workers) on
    /// PostgreSQL and Redis behind nginx ([`TestCluster`]) instead of one Directus and one
    /// worker. The baseline runs on the same cluster. Only the load steps run then.
    pub cluster: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    pub system: String,
    /// Offered attempts per second; `None` for the closed loop.
    pub offered_rate: Option<f64>,
    pub attempts: usize,
    pub achieved_rate: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: usize,
    /// Attempts whose recommendations were not readable within 30 s.
    pub timed_out: usize,
    /// Baseline only: attempts graded more than once (extra recommendation rows).
    pub graded_twice: Option<usize>,
    pub worker_cpu_ms_per_attempt: Option<f64>,
    pub worker_cpu_share: Option<f64>,
    pub worker_rss_kib: Option<u64>,
    pub directus_cpu_share: f64,
    pub round_trips_per_attempt: Option<f64>,
    /// Seconds after the load stopped until no attempt was left `submitted`: the next step
    /// starts from an idle system, and the step's CPU includes its backlog.
    #[serde(default)]
    pub drain_seconds: f64,
    /// Each process's CPU over the step, as a share of one core: `directus-<n>`,
    /// `worker-<n>`, and on a cluster `postgres`, `redis` and `nginx` (with their children).
    #[serde(default)]
    pub cpu_shares: std::collections::BTreeMap<String, f64>,
}

/// Directus' CPU for the worker's own calls only: attempts created while no worker
/// listens, then graded by `pathwise sweep` alone (its listing of the attempts included).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallCost {
    pub write_path: String,
    /// Attempts graded per round.
    pub attempts: usize,
    /// The median round's Directus CPU per attempt: the whole sweep of `attempts`, its
    /// fresh process's course load included.
    pub directus_cpu_ms_per_attempt: f64,
    /// Every round's, in the order they ran (the paths alternate, so that a noisy moment
    /// of the machine does not fall on one path only).
    #[serde(default)]
    pub rounds_ms: Vec<f64>,
    /// What one more attempt costs, without what a sweep pays once (a fresh process reads
    /// and checks the course structure; a running worker does that once a minute per
    /// course): each round also sweeps a smaller batch, and the difference between the
    /// two, per attempt of difference, is this. The median round's.
    #[serde(default)]
    pub marginal_ms_per_attempt: f64,
    /// Every round's marginal cost.
    #[serde(default)]
    pub marginal_rounds_ms: Vec<f64>,
    /// What a sweep pays once, whatever its size (the median round's).
    #[serde(default)]
    pub fixed_ms_per_sweep: f64,
    /// Attempts in the smaller batch.
    #[serde(default)]
    pub small_batch: usize,
}

/// One round of the worker-call cost: Directus CPU (ms) for a small and a large sweep.
#[derive(Debug, Clone, Copy)]
struct CallCostRound {
    small_ms: f64,
    large_ms: f64,
}

impl CallCostRound {
    fn marginal(self, small: usize, large: usize) -> f64 {
        (self.large_ms - self.small_ms) / (large - small) as f64
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColdStart {
    pub runs: usize,
    pub ready_ms_p50: f64,
    pub ready_ms_max: f64,
    pub first_event_ms_p50: f64,
    pub first_event_ms_max: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    pub database: String,
    pub cores: usize,
    pub students: usize,
    pub step_seconds: f64,
    pub latency_measured_by: String,
    pub worker_idle_rss_kib: Option<u64>,
    pub worker_binary_bytes: u64,
    pub steps: Vec<StepResult>,
    pub cold_start: Option<ColdStart>,
    /// What the worker's own calls cost Directus per attempt, by write path.
    #[serde(default)]
    pub worker_call_costs: Vec<CallCost>,
    /// After the Pathwise steps and a drain (flows, then `pathwise sweep`).
    pub pathwise_totals: Option<Totals>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Totals {
    pub attempts: usize,
    /// Still `submitted` after the drain and a sweep.
    pub never_graded: usize,
    /// Students whose XP differs from 10 x the points of their graded attempts: an
    /// attempt counted twice (or not at all) shows here.
    pub students_miscounted: usize,
    pub drain_seconds: f64,
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The worker as a child process, so its CPU and memory are its own.
pub struct WorkerProcess {
    pub child: std::process::Child,
    pub url: String,
}

impl WorkerProcess {
    pub fn spawn(binary: &Path, port: u16, directus_url: &str) -> Self {
        let log = std::env::var_os("PATHWISE_BENCH_WORKER_LOG_FILE")
            .and_then(|path| std::fs::File::create(path).ok());
        Self::spawn_with(binary, port, directus_url, &[], log)
    }

    /// [`WorkerProcess::spawn`] with more variables (set last, so they override the
    /// bench's, e.g. `PATHWISE_SWEEP_INTERVAL`) and the worker's JSON log (stderr) into
    /// `log` when given.
    pub fn spawn_with(
        binary: &Path,
        port: u16,
        directus_url: &str,
        env: &[(&str, &str)],
        log: Option<std::fs::File>,
    ) -> Self {
        let child = std::process::Command::new(binary)
            .arg("serve")
            .env("DIRECTUS_URL", directus_url)
            .env("PATHWISE_LISTEN", format!("127.0.0.1:{port}"))
            .env("PATHWISE_WORKER_TOKEN", secrets().worker_token.expose())
            .env("PATHWISE_WEBHOOK_SECRET", secrets().webhook_secret.expose())
            .env("DIRECTUS_SECRET", &secrets().directus_secret)
            .env("PATHWISE_SWEEP_INTERVAL", "600")
            .env(
                "PATHWISE_LOG",
                std::env::var("PATHWISE_BENCH_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(log.map_or_else(std::process::Stdio::null, std::process::Stdio::from))
            .spawn()
            .expect("the worker binary runs");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    pub async fn wait_ready(&self, http: &reqwest::Client, within: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Ok(r) = http.get(format!("{}/readyz", self.url)).send().await
                && r.status().is_success()
            {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        None
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Students with static tokens (no password hashing), created in one request.
/// Students as (user id, static token, access token). The access token is what a
/// frontend holds after login: a Directus JWT, signed here with the instance's secret.
async fn create_students(directus: &TestDirectus, count: usize) -> Vec<(String, String, String)> {
    create_students_named(directus, "bench", count).await
}

/// [`create_students`] with emails `<prefix>-<n>@example.com`.
pub async fn create_students_named(
    directus: &TestDirectus,
    prefix: &str,
    count: usize,
) -> Vec<(String, String, String)> {
    let roles = directus
        .admin()
        .get_data("/roles?fields=id,name&limit=-1")
        .await
        .unwrap();
    let role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Student")
        .unwrap()["id"]
        .clone();
    let tokens: Vec<String> = (0..count)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    let users: Vec<Value> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| json!({ "email": format!("{prefix}-{i}@example.com"), "role": role, "token": token, "status": "active" }))
        .collect();
    for chunk in users.chunks(100) {
        directus
            .admin()
            .post("/users", Value::Array(chunk.to_vec()))
            .await
            .unwrap();
    }
    let ids = directus
        .admin()
        .get_data(&format!(
            "/users?filter[email][_starts_with]={prefix}-&fields=id,email&limit=-1"
        ))
        .await
        .unwrap();
    tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let email = format!("{prefix}-{i}@example.com");
            let id = ids
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["email"] == email)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let access = load::access_token(&id, role.as_str().unwrap_or_default());
            (id, token, access)
        })
        .collect()
}

/// A synthetic course of 200 lessons and 40 skills, loaded like the demo course.
async fn load_synthetic_course(directus: &TestDirectus) {
    let skills: Vec<Value> = (0..40)
        .map(|s| json!({ "ref": format!("s{s}"), "name": format!("Skill {s}"), "p_init": 0.2, "p_learn": 0.15, "p_guess": 0.2, "p_slip": 0.1 }))
        .collect();
    let modules: Vec<Value> = (0..10)
        .map(|m| {
            let lessons: Vec<Value> = (0..20)
                .map(|l| {
                    let n = m * 20 + l;
                    let prerequisites: Vec<String> = if n == 0 { vec![] } else { vec![format!("l{}", n - 1)] };
                    let questions: Vec<Value> = (0..5)
                        .map(|q| json!({ "type": "true_false", "prompt": format!("Statement {q} of lesson {n}"), "answer_key": { "correct": q % 2 == 0 }, "points": 1, "skills": [format!("s{}", n % 40)] }))
                        .collect();
                    json!({ "ref": format!("l{n}"), "title": format!("Synthetic lesson {n}"), "kind": if l == 19 { "remediation" } else { "lesson" }, "status": "published", "body": "Synthetic.", "estimated_minutes": 10, "skills": [format!("s{}", n % 40)], "prerequisites": prerequisites, "questions": questions })
                })
                .collect();
            json!({ "title": format!("Synthetic module {m}"), "lessons": lessons })
        })
        .collect();
    let course = json!({
        "subject": { "name": "Benchmarks", "slug": "benchmarks" },
        "course": { "title": "Synthetic", "slug": "synthetic", "status": "published", "advance_threshold": 0.9, "remediate_threshold": 0.7, "mastery_threshold": 0.95 },
        "skills": skills,
        "modules": modules,
    });
    let demo: pathwise::seed::DemoCourse = serde_json::from_value(course).unwrap();
    let mut report = pathwise::provision::Report::default();
    pathwise::seed::seed_course(&directus.admin(), &demo, &mut report)
        .await
        .unwrap();
}

/// Attempts to submit: (lesson, answers) with a realistic mix of scores.
pub async fn attempt_mix(directus: &TestDirectus) -> Vec<(Value, serde_json::Map<String, Value>)> {
    let lessons = directus
        .items("lessons", "filter[status][_eq]=published&filter[kind][_eq]=lesson&filter[module][course][slug][_eq]=fractions&fields=id")
        .await;
    let mut mix = Vec::new();
    for lesson in lessons {
        let questions = directus
            .items("questions", &format!("filter[lesson][_eq]={}&filter[status][_eq]=published&fields=id,type,answer_key,points", lesson["id"]))
            .await;
        for target in [0.3, 0.6, 0.8, 0.95, 1.0] {
            mix.push((lesson["id"].clone(), answers_scoring(&questions, target).0));
        }
    }
    mix
}

/// What the bench runs against.
enum Target {
    Single {
        directus: TestDirectus,
        _postgres: Option<TestPostgres>,
    },
    Cluster(TestCluster),
}

impl Target {
    /// The instance the admin's reads and writes go to.
    fn admin(&self) -> &TestDirectus {
        match self {
            Target::Single { directus, .. } => directus,
            Target::Cluster(cluster) => cluster.admin_instance(),
        }
    }

    fn describe(&self, config: &BenchConfig) -> String {
        match self {
            Target::Cluster(cluster) => format!(
                "PostgreSQL, {} Directus instance(s) and as many workers behind nginx, Redis",
                cluster.instances.len()
            ),
            Target::Single { .. } if config.postgres => "PostgreSQL".into(),
            Target::Single { .. } => "SQLite".into(),
        }
    }

    /// What each step measures; `worker` is the single topology's worker.
    fn processes(&self, worker: Option<&WorkerProcess>) -> proc::Processes {
        match self {
            Target::Single { directus, .. } => proc::Processes {
                workers: worker
                    .map(|w| vec![(w.child.id(), w.url.clone())])
                    .unwrap_or_default(),
                directus: directus.pid().into_iter().collect(),
                others: Vec::new(),
            },
            Target::Cluster(cluster) => proc::Processes {
                workers: cluster
                    .workers
                    .iter()
                    .map(|w| (w.child.id(), w.url.clone()))
                    .collect(),
                directus: cluster.directus_pids(),
                others: cluster.server_pids(),
            },
        }
    }
}

async fn start_target(config: &BenchConfig, worker_url: &str) -> Target {
    if let Some(instances) = config.cluster {
        let log_dir =
            std::env::temp_dir().join(format!("pathwise-bench-cluster-{}", crate::random()));
        let cluster = TestCluster::start(ClusterConfig {
            instances,
            workers: instances,
            worker_binary: config.worker_binary.clone(),
            worker_env: Vec::new(),
            log_dir,
            seed: true,
        })
        .await;
        return Target::Cluster(cluster);
    }
    if config.postgres {
        let pg = tokio::task::spawn_blocking(TestPostgres::start)
            .await
            .unwrap();
        let directus = TestDirectus::on_postgres(&pg, worker_url).await;
        directus.provision().await;
        directus.seed().await;
        return Target::Single {
            directus,
            _postgres: Some(pg),
        };
    }
    Target::Single {
        directus: TestDirectus::seeded(worker_url).await,
        _postgres: None,
    }
}

pub async fn run(config: &BenchConfig) -> BenchReport {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let worker_port = free_port();
    let single_worker_url = format!("http://127.0.0.1:{worker_port}");
    let target = start_target(config, &single_worker_url).await;
    let directus = target.admin();
    let (entry_url, worker_url) = match &target {
        Target::Single { directus, .. } => (directus.url.clone(), single_worker_url.clone()),
        Target::Cluster(cluster) => (
            cluster.url().to_owned(),
            cluster.balancer.worker_url.clone(),
        ),
    };
    eprintln!(
        "bench: Directus up at {entry_url} ({})",
        target.describe(config)
    );
    load_synthetic_course(directus).await;
    let students = create_students(directus, config.students).await;
    let mix = attempt_mix(directus).await;
    eprintln!(
        "bench: {} students, {} attempt shapes",
        students.len(),
        mix.len()
    );
    if config.baseline {
        baseline::create(&directus.admin()).await.unwrap();
    }

    // The single topology's worker (a cluster's are the cluster's).
    let mut worker = match &target {
        Target::Single { directus, .. } => {
            let worker = WorkerProcess::spawn(&config.worker_binary, worker_port, &directus.url);
            worker
                .wait_ready(&http, Duration::from_secs(10))
                .await
                .expect("the worker becomes ready");
            Some(worker)
        }
        Target::Cluster(_) => None,
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = match (&worker, &target) {
        (Some(worker), _) => proc::rss_kib(worker.child.id()),
        (None, Target::Cluster(cluster)) => cluster
            .workers
            .first()
            .and_then(|w| proc::rss_kib(w.child.id())),
        _ => None,
    };
    let plan = load::Plan {
        http: http.clone(),
        directus_url: entry_url.clone(),
        worker_url: worker_url.clone(),
        students: students.clone(),
        mix,
        sync: false,
    };

    let mut steps = Vec::new();
    let mut systems = vec!["pathwise"];
    if config.sync {
        systems.push("pathwise-sync");
    }
    if config.public && config.cluster.is_none() {
        systems.push("pathwise-public");
    }
    if config.baseline {
        systems.push("baseline");
    }
    let mut pathwise_totals = None;
    for system in systems {
        if system == "baseline" {
            pathwise_totals = Some(drain_and_check(config, directus).await);
        }
        if system == "pathwise-public" {
            // The same worker on Directus' public APIs, at the address the flow posts to.
            drop(worker.take());
            let public = WorkerProcess::spawn_with(
                &config.worker_binary,
                worker_port,
                &directus.url,
                &[("PATHWISE_WRITE_PATH", "public")],
                None,
            );
            public
                .wait_ready(&http, Duration::from_secs(10))
                .await
                .expect("the worker becomes ready");
            worker = Some(public);
        }
        baseline::activate(&directus.admin(), system == "baseline")
            .await
            .unwrap();
        let loads: Vec<Option<f64>> = config
            .rates
            .iter()
            .map(|r| Some(*r))
            .chain((config.max_concurrency > 0).then_some(None))
            .collect();
        for offered in loads {
            let processes = target.processes(worker.as_ref());
            let before = proc::Snapshot::take(&processes, &http).await;
            let plan = load::Plan {
                sync: system == "pathwise-sync",
                ..plan.clone()
            };
            let outcome = load::drive(&plan, offered, config.step, config.max_concurrency).await;
            let drained = Instant::now();
            wait_until_idle(directus, Duration::from_secs(120)).await;
            let drain_seconds = drained.elapsed().as_secs_f64();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let after = proc::Snapshot::take(&processes, &http).await;
            let mut step =
                load::summarize(system, offered, &outcome, &before, &after, directus).await;
            step.drain_seconds = drain_seconds;
            eprintln!(
                "bench: {system} {:?}/s: p50 {:.1} ms p99 {:.1} ms, {} attempts",
                offered, step.p50_ms, step.p99_ms, step.attempts
            );
            steps.push(step);
        }
    }
    if pathwise_totals.is_none() {
        pathwise_totals = Some(drain_and_check(config, directus).await);
    }
    baseline::activate(&directus.admin(), false).await.unwrap();
    drop(worker);
    let mut rounds: Vec<(&str, Vec<CallCostRound>)> =
        vec![("extension", vec![]), ("public", vec![])];
    let large = students.len().clamp(20, 200);
    let small = large / 4;
    // The cost of the worker's own calls, and cold starts: on the single topology only
    // (a sweep through one instance says nothing more on a cluster).
    let call_cost_rounds = if config.cluster.is_some() {
        0
    } else {
        CALL_COST_ROUNDS
    };
    for _ in 0..call_cost_rounds {
        for (path, costs) in &mut rounds {
            let small_ms = worker_call_cost(config, directus, &students, &plan.mix, path, small).await;
            let large_ms = worker_call_cost(config, directus, &students, &plan.mix, path, large).await;
            costs.push(CallCostRound { small_ms, large_ms });
        }
    }
    let worker_call_costs = rounds
        .into_iter()
        .filter(|(_, costs)| !costs.is_empty())
        .map(|(path, costs)| {
            let rounds_ms: Vec<f64> = costs.iter().map(|c| c.large_ms / large as f64).collect();
            let marginal_rounds_ms: Vec<f64> =
                costs.iter().map(|c| c.marginal(small, large)).collect();
            let fixed: Vec<f64> = costs
                .iter()
                .map(|c| c.small_ms - c.marginal(small, large) * small as f64)
                .collect();
            CallCost {
                write_path: path.to_owned(),
                attempts: large,
                directus_cpu_ms_per_attempt: median(&rounds_ms),
                rounds_ms,
                marginal_ms_per_attempt: median(&marginal_rounds_ms),
                marginal_rounds_ms,
                fixed_ms_per_sweep: median(&fixed),
                small_batch: small,
            }
        })
        .collect();

    let cold_start = if config.cold_starts > 0 && config.cluster.is_none() {
        Some(cold_starts(config, directus, &http).await)
    } else {
        None
    };
    let report = BenchReport {
        database: match config.cluster {
            Some(n) => format!("postgresql, {n} Directus instance(s) and {n} worker(s) behind nginx, Redis"),
            None if config.postgres => "postgresql".into(),
            None => "sqlite".into(),
        },
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        students: config.students,
        step_seconds: config.step.as_secs_f64(),
        latency_measured_by: "pathwise and baseline: from the student's submit (the attempt's create request, included) until the student reads its recommendations, polling with backoff (5 ms, x1.5, capped at 50 ms; the realtime WebSocket is not enabled). pathwise-sync: the whole POST /v1/attempts, creation included, whose answer holds the recommendations".into(),
        worker_idle_rss_kib: idle_rss,
        worker_binary_bytes: std::fs::metadata(&config.worker_binary).map(|m| m.len()).unwrap_or(0),
        steps,
        cold_start,
        worker_call_costs,
        pathwise_totals,
        notes: vec![
            "The baseline grades and applies the threshold rules only: no BKT, no FSRS, no learning paths, no profile, no reviews. Pathwise does all of these per attempt.".into(),
            "Worker CPU comes from /proc/<pid>/stat of the worker process; Directus CPU likewise, as a share of one core over the step.".into(),
        ],
    };
    if let Some(dir) = &config.out_dir {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("bench.json"),
            serde_json::to_string_pretty(&report).unwrap(),
        )
        .unwrap();
        chart::draw(&report, &dir.join("bench.svg"));
    }
    report
}

/// Directus' CPU per attempt for the worker's own calls on `write_path`: attempts are
/// created while no worker listens (their flow deliveries fail), then `pathwise sweep`
/// grades them all while Directus' CPU is measured.
/// Rounds of the worker-call cost phase per write path; the median is reported.
pub const CALL_COST_ROUNDS: usize = 3;

/// Directus' CPU (ms) while `pathwise sweep` grades `count` fresh attempts on `write_path`.
async fn worker_call_cost(
    config: &BenchConfig,
    directus: &TestDirectus,
    students: &[(String, String, String)],
    mix: &[(Value, serde_json::Map<String, Value>)],
    write_path: &str,
    count: usize,
) -> f64 {
    let attempts: Vec<Value> = (0..count)
        .map(|i| {
            let (lesson, answers) = &mix[i % mix.len()];
            json!({ "student": students[i % students.len()].0, "lesson": lesson, "answers": answers })
        })
        .collect();
    for chunk in attempts.chunks(50) {
        directus
            .admin()
            .post("/items/attempts?fields=id", Value::Array(chunk.to_vec()))
            .await
            .unwrap();
    }
    // The sweep takes attempts created before the second it starts in (timestamps are
    // compared to the second).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = directus.pid().expect("Directus runs");
    // The creates' flow runs (their deliveries fail: no worker listens) may go on after
    // the creates were answered; they are not the worker's calls.
    wait_until_quiet(pid).await;
    let before = proc::cpu_seconds(pid).unwrap_or(0.0);
    let status = std::process::Command::new(&config.worker_binary)
        .arg("sweep")
        .env("DIRECTUS_URL", &directus.url)
        .env("PATHWISE_WORKER_TOKEN", secrets().worker_token.expose())
        .env("PATHWISE_SWEEP_GRACE", "0")
        .env("PATHWISE_WRITE_PATH", write_path)
        .env("PATHWISE_LOG", "warn")
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("pathwise sweep runs");
    let cpu = proc::cpu_seconds(pid).unwrap_or(0.0) - before;
    let said = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "pathwise sweep failed: {said}");
    // The measurement is of exactly this batch: the sweep graded all of it and no more.
    assert!(
        said.contains(&format!("sweep: {count} attempt(s) waiting, {count} graded")),
        "the sweep did not grade the batch of {count} alone: {said}"
    );
    cpu * 1000.0
}

/// Waits (at most 60 s) until `pid` spends under 5% of a core over a quarter of a second.
async fn wait_until_quiet(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let window = Duration::from_millis(250);
    loop {
        let before = proc::cpu_seconds(pid).unwrap_or(0.0);
        tokio::time::sleep(window).await;
        let busy = proc::cpu_seconds(pid).unwrap_or(0.0) - before;
        if busy < 0.05 * window.as_secs_f64() || Instant::now() > deadline {
            return;
        }
    }
}

/// Waits (at most `limit`) until no attempt is `submitted`: the load's backlog is graded.
async fn wait_until_idle(directus: &TestDirectus, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit
        && !directus
            .items(
                "attempts",
                "filter[status][_eq]=submitted&fields=id&limit=1",
            )
            .await
            .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for every attempt to leave `submitted` (flows deliver the backlog), then runs
/// `pathwise sweep` for whatever is left, and checks that nothing was counted twice.
async fn drain_and_check(config: &BenchConfig, directus: &TestDirectus) -> Totals {
    let started = Instant::now();
    let waiting = || async {
        directus
            .items("attempts", "filter[status][_eq]=submitted&fields=id")
            .await
            .len()
    };
    while waiting().await > 0 && started.elapsed() < Duration::from_secs(180) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if waiting().await > 0 {
        let _ = std::process::Command::new(&config.worker_binary)
            .arg("sweep")
            .env("DIRECTUS_URL", &directus.url)
            .env("PATHWISE_WORKER_TOKEN", secrets().worker_token.expose())
            .env("PATHWISE_SWEEP_GRACE", "0")
            .env("PATHWISE_LOG", "warn")
            .status();
    }
    let attempts = directus
        .items("attempts", "fields=student,status,points_earned")
        .await;
    let mut expected_xp: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for attempt in attempts.iter().filter(|a| a["status"] == "graded") {
        let xp = (attempt["points_earned"].as_f64().unwrap_or(0.0) * 10.0).round() as u64;
        *expected_xp
            .entry(attempt["student"].as_str().unwrap_or_default().to_owned())
            .or_default() += xp;
    }
    let profiles = directus
        .items("student_profiles", "fields=student,xp")
        .await;
    let students_miscounted = expected_xp
        .iter()
        .filter(|(student, xp)| {
            let stored = profiles
                .iter()
                .find(|p| p["student"] == student.as_str())
                .and_then(|p| p["xp"].as_u64());
            stored != Some(**xp)
        })
        .count();
    Totals {
        attempts: attempts.len(),
        never_graded: attempts
            .iter()
            .filter(|a| a["status"] == "submitted")
            .count(),
        students_miscounted,
        drain_seconds: started.elapsed().as_secs_f64(),
    }
}

async fn cold_starts(
    config: &BenchConfig,
    directus: &TestDirectus,
    http: &reqwest::Client,
) -> ColdStart {
    // An attempt already graded: the event is processed (read, found graded) without writes.
    let any = directus
        .items("attempts", "filter[status][_eq]=graded&fields=id&limit=1")
        .await;
    let attempt = any.first().map(|a| a["id"].clone()).unwrap_or(json!(1));
    let event = json!({ "event": "attempts.items.create", "key": attempt, "payload": {}, "collection": "attempts" });
    let mut ready = Vec::new();
    let mut first_event = Vec::new();
    for _ in 0..config.cold_starts {
        let port = free_port();
        let started = Instant::now();
        let worker = WorkerProcess::spawn(&config.worker_binary, port, &directus.url);
        if worker
            .wait_ready(http, Duration::from_secs(10))
            .await
            .is_none()
        {
            continue;
        }
        ready.push(started.elapsed().as_secs_f64() * 1000.0);
        let token = load::sign_event(&event);
        let response = http
            .post(format!("{}/v1/events", worker.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(event.to_string())
            .send()
            .await;
        if response.is_ok_and(|r| r.status().is_success()) {
            first_event.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    ready.sort_by(f64::total_cmp);
    first_event.sort_by(f64::total_cmp);
    ColdStart {
        runs: ready.len(),
        ready_ms_p50: percentile(&ready, 50.0),
        ready_ms_max: ready.last().copied().unwrap_or(0.0),
        first_event_ms_p50: percentile(&first_event, 50.0),
        first_event_ms_max: first_event.last().copied().unwrap_or(0.0),
    }
}

/// The report as a table.
pub fn table(report: &BenchReport) -> String {
    let mut out = format!(
        "database: {}  cores: {}  students: {}  step: {:.0} s  worker idle RSS: {} KiB  binary: {:.1} MiB\n",
        report.database,
        report.cores,
        report.students,
        report.step_seconds,
        report.worker_idle_rss_kib.unwrap_or(0),
        report.worker_binary_bytes as f64 / 1048576.0
    );
    out.push_str("system          offered  done  got/s   p50ms   p90ms   p99ms   maxms  err  >30s  twice  wCPUms/att  wCPU%  wRSS KiB  dCPU%  trips  drain s\n");
    for s in &report.steps {
        out.push_str(&format!(
            "{:<15} {:>7} {:>5} {:>6.1} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>4} {:>5} {:>6} {:>11} {:>6} {:>9} {:>6.0} {:>6} {:>8.1}\n",
            s.system,
            s.offered_rate.map_or("max".to_owned(), |r| format!("{r:.0}")),
            s.attempts,
            s.achieved_rate,
            s.p50_ms,
            s.p90_ms,
            s.p99_ms,
            s.max_ms,
            s.errors,
            s.timed_out,
            s.graded_twice.map_or("-".to_owned(), |n| n.to_string()),
            s.worker_cpu_ms_per_attempt.map_or("-".to_owned(), |v| format!("{v:.2}")),
            s.worker_cpu_share.map_or("-".to_owned(), |v| format!("{:.1}", v * 100.0)),
            s.worker_rss_kib.map_or("-".to_owned(), |v| v.to_string()),
            s.directus_cpu_share * 100.0,
            s.round_trips_per_attempt.map_or("-".to_owned(), |v| format!("{v:.1}")),
            s.drain_seconds,
        ));
    }
    for pathwise in report
        .steps
        .iter()
        .filter(|s| s.system.starts_with("pathwise"))
    {
        let Some(baseline) = report
            .steps
            .iter()
            .find(|s| s.system == "baseline" && s.offered_rate == pathwise.offered_rate)
        else {
            continue;
        };
        let ratio = |a: f64, b: f64| {
            if a > 0.0 && b > 0.0 {
                format!("{:.2}x", a / b)
            } else {
                "-".to_owned()
            }
        };
        out.push_str(&format!(
            "{}/baseline at {}: p50 {}, p99 {}, throughput {}\n",
            pathwise.system,
            pathwise
                .offered_rate
                .map_or("max".to_owned(), |r| format!("{r:.0}/s")),
            ratio(pathwise.p50_ms, baseline.p50_ms),
            ratio(pathwise.p99_ms, baseline.p99_ms),
            ratio(pathwise.achieved_rate, baseline.achieved_rate),
        ));
    }
    for s in report.steps.iter().filter(|s| s.cpu_shares.len() > 2) {
        out.push_str(&format!(
            "{} at {}: CPU by process (% of one core): {}\n",
            s.system,
            s.offered_rate
                .map_or("max".to_owned(), |r| format!("{r:.0}/s")),
            s.cpu_shares
                .iter()
                .map(|(name, share)| format!("{name} {:.0}", share * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(t) = &report.pathwise_totals {
        out.push_str(&format!(
            "pathwise totals after a {:.0} s drain: {} attempts, {} never graded, {} students counted wrong\n",
            t.drain_seconds, t.attempts, t.never_graded, t.students_miscounted
        ));
    }
    for cost in &report.worker_call_costs {
        out.push_str(&format!(
            "the worker's own calls on the {} path cost Directus {:.1} ms of CPU per attempt more (median of {} rounds, sweeps of {} and {} attempts: {}), and {:.0} ms once per sweep; {:.1} ms per attempt for the whole sweep of {} ({})\n",
            cost.write_path,
            cost.marginal_ms_per_attempt,
            cost.marginal_rounds_ms.len(),
            cost.small_batch,
            cost.attempts,
            join_ms(&cost.marginal_rounds_ms),
            cost.fixed_ms_per_sweep,
            cost.directus_cpu_ms_per_attempt,
            cost.attempts,
            join_ms(&cost.rounds_ms),
        ));
    }
    if let Some(c) = &report.cold_start {
        out.push_str(&format!(
            "cold start ({} runs): ready p50 {:.1} ms (max {:.1}), first event p50 {:.1} ms (max {:.1})\n",
            c.runs, c.ready_ms_p50, c.ready_ms_max, c.first_event_ms_p50, c.first_event_ms_max
        ));
    }
    out
}

/// Throughput at saturation (the closed loop) per system and instance count, and the
/// scaling factor of each count over the first.
pub fn scaling_table(reports: &[(usize, BenchReport)]) -> String {
    let mut out = String::from("scaling at saturation (closed loop), attempts per second:\n");
    let Some((first_n, first)) = reports.first() else {
        return out;
    };
    let saturated = |report: &BenchReport, system: &str| {
        report
            .steps
            .iter()
            .find(|s| s.system == system && s.offered_rate.is_none())
            .map(|s| (s.achieved_rate, s.p50_ms, s.p99_ms))
    };
    for step in first.steps.iter().filter(|s| s.offered_rate.is_none()) {
        let system = &step.system;
        let Some((base, _, _)) = saturated(first, system) else {
            continue;
        };
        let mut line = format!("  {system:<14}");
        for (n, report) in reports {
            if let Some((rate, p50, p99)) = saturated(report, system) {
                line.push_str(&format!(
                    "  {n} instance(s): {rate:.1}/s (p50 {p50:.0} ms, p99 {p99:.0} ms)"
                ));
                if *n != *first_n && base > 0.0 {
                    line.push_str(&format!(" = {:.2}x", rate / base));
                }
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn join_ms(values: &[f64]) -> String {
    values
        .iter()
        .map(|ms| format!("{ms:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

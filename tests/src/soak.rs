//! `scripts/soak`: students submit attempts at a steady rate while the worker is killed
//! with SIGKILL every few seconds (and restarted at once) and Directus is killed once
//! (and restarted); after a drain, everything that could have gone wrong is counted, and
//! every count must be 0.
//!
//! One run per write path (`PATHWISE_WRITE_PATH`), each against its own fresh, seeded
//! Directus: the public path on a Directus without the Pathwise extension (as where
//! custom extensions cannot be installed), the extension path on one with it.
//!
//! The worker runs as a child process ([`WorkerProcess`]) with a short sweep interval and
//! grace period, so that attempts whose flow delivery was lost while it was dead are
//! graded by the next incarnation's sweep. Students submit through Directus' REST API as
//! themselves (their static tokens, the Student role's permissions): a mix of right,
//! wrong and partly right answers over every lesson of the demo course, and now and then
//! two or three attempts of one student at once, so that gradings of one student race.
//!
//! The counts (see [`Counts`]) compare what the students were told (each acked create's
//! id) with what Directus holds after the drain, and recompute XP and mastery
//! observations from the graded attempts as stored.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pathwise::learning::engagement::xp_for;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use crate::bench::{WorkerProcess, attempt_mix, create_students_named};
use crate::cluster::{ClusterConfig, TestCluster};
use crate::postgres::TestPostgres;
use crate::{Database, Options, TestDirectus, free_port, secrets};

/// The answers key that carries a submission's own tag: the only way to tell an attempt
/// whose create committed but whose answer was lost (Directus killed mid-request) from
/// one nobody asked for. Grading reports it under `unknown_questions` and ignores it.
pub const TAG_KEY: &str = "soak_submission";

/// How the worker writes attempts' outcomes (`PATHWISE_WRITE_PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WritePath {
    Public,
    Extension,
}

impl WritePath {
    pub fn name(self) -> &'static str {
        match self {
            WritePath::Public => "public",
            WritePath::Extension => "extension",
        }
    }

    /// `public`, `extension` or `both`.
    pub fn parse_list(value: &str) -> Result<Vec<WritePath>, String> {
        match value {
            "public" => Ok(vec![WritePath::Public]),
            "extension" => Ok(vec![WritePath::Extension]),
            "both" => Ok(vec![WritePath::Public, WritePath::Extension]),
            other => Err(format!(
                "unknown write path {other}: expected public, extension or both"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub postgres: bool,
    /// Directus instances (and as many workers): 1, or a cluster on PostgreSQL and Redis
    /// behind nginx ([`TestCluster`]; the extension write path only).
    pub instances: usize,
    pub write_paths: Vec<WritePath>,
    /// How long students submit, per write path.
    pub duration: Duration,
    /// Attempts per second, all students together.
    pub rate: f64,
    pub students: usize,
    /// The worker is killed after a random wait in this range, and restarted at once.
    pub kill_every: (Duration, Duration),
    /// Whether Directus is killed once, somewhere in the middle of the run.
    pub kill_directus: bool,
    /// How long the drain waits for the worker's own sweep before running `pathwise sweep`.
    pub drain_timeout: Duration,
    /// Seeds the schedule of submissions and kills (printed, to replay a run).
    pub seed: u64,
    /// The `pathwise` binary.
    pub worker_binary: PathBuf,
    /// Where the worker's JSON logs go, one file per write path (every incarnation appends).
    pub log_dir: PathBuf,
}

/// What went wrong, after the drain. Every field must be 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Acked creates whose attempt is not in Directus (or holds another submission).
    pub lost: usize,
    /// Attempts in Directus that no student was told about: neither an acked id nor the
    /// first attempt stored for a create that failed (see [`SoakReport::stored_without_ack`]).
    pub unexpected: usize,
    /// Still `submitted` after the drain.
    pub never_graded: usize,
    /// `rejected`: only broken content justifies it, and the demo content is sound.
    pub rejected: usize,
    /// Students whose profile XP differs from the sum, over their graded attempts, of the
    /// XP each attempt earns (rounded per attempt): an attempt counted twice or not at all.
    pub xp_miscounted: usize,
    /// (student, skill) pairs whose `observations` or `correct` differ from the graded
    /// answers that assess the skill (one observation per question and skill).
    pub mastery_miscounted: usize,
    /// Rows in `dead_letters`.
    pub dead_letters: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    pub write_path: WritePath,
    pub database: String,
    pub seed: u64,
    pub students: usize,
    pub load_seconds: f64,
    /// Creates sent.
    pub submitted: usize,
    /// Creates Directus answered with an attempt id.
    pub acked: usize,
    /// Creates that failed (connection refused while Directus was down, a reset when it
    /// was killed, an error status): expected, and not lost.
    pub not_acked: usize,
    /// Why creates failed, by cause, counted.
    pub not_acked_why: BTreeMap<String, usize>,
    /// Creates that failed but whose attempt is stored all the same (the create committed,
    /// its answer was lost): neither lost nor unexpected, and graded like any other.
    pub stored_without_ack: usize,
    pub worker_kills: usize,
    pub directus_kills: usize,
    /// From Directus' kill until it answered /server/ping again.
    pub directus_down_seconds: f64,
    /// Worker restarts after which it did not answer /healthz within 5 s.
    pub worker_restarts_not_healthy: usize,
    /// Attempts graded in the end.
    pub graded: usize,
    pub drain_seconds: f64,
    /// When the worker's own sweep had not graded everything within the drain timeout:
    /// what `pathwise sweep` said.
    pub sweep_after_drain: Option<String>,
    pub counts: Counts,
    /// One line per counted problem (the first few of each kind), naming attempts,
    /// students and skills.
    pub details: Vec<String>,
    /// "attempt graded" lines of the worker's log per `write_path` field.
    pub graded_via: BTreeMap<String, usize>,
    /// Gradings per worker (one entry for a single worker): a cluster's are all busy.
    pub graded_by_worker: Vec<usize>,
    /// Outcomes refused because the student's state changed since it was read (another
    /// grading of theirs, on this worker or another, came first), then recomputed.
    pub conflicts_retried: usize,
    /// The worker's WARN and ERROR lines by message (the first 100 characters), counted.
    pub worker_warnings: BTreeMap<String, usize>,
    pub worker_log: PathBuf,
}

impl SoakReport {
    /// Every non-zero count with the details that name what went wrong; empty when all is well.
    pub fn problems(&self) -> Vec<String> {
        let c = &self.counts;
        let mut problems: Vec<String> = [
            (c.lost, "acked attempts lost"),
            (c.unexpected, "attempts stored that were never acked"),
            (
                c.never_graded,
                "attempts never graded (still submitted after the drain)",
            ),
            (
                c.rejected,
                "attempts rejected although the content is sound",
            ),
            (
                c.xp_miscounted,
                "students with XP counted twice or not at all",
            ),
            (
                c.mastery_miscounted,
                "(student, skill) mastery rows with observations counted twice or not at all",
            ),
            (c.dead_letters, "dead letters although the content is sound"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if !problems.is_empty() {
            problems.extend(self.details.iter().map(|d| format!("  {d}")));
            problems.push(format!("  worker log: {}", self.worker_log.display()));
        }
        problems
    }

    /// The report as a few lines of text.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut out = format!(
            "soak, {} write path, {}: {:.0} s of load, {} students, seed {}\n",
            self.write_path.name(),
            self.database,
            self.load_seconds,
            self.students,
            self.seed
        );
        out.push_str(&format!(
            "  worker killed {} times ({} restarts not healthy within 5 s), Directus {} time(s) (down {:.1} s)\n",
            self.worker_kills,
            self.worker_restarts_not_healthy,
            self.directus_kills,
            self.directus_down_seconds
        ));
        out.push_str(&format!(
            "  creates: {} sent, {} acked, {} not acked ({} of them stored anyway); {} graded; drain {:.1} s{}\n",
            self.submitted,
            self.acked,
            self.not_acked,
            self.stored_without_ack,
            self.graded,
            self.drain_seconds,
            match &self.sweep_after_drain {
                Some(said) => format!(", then `pathwise sweep`: {said}"),
                None => String::new(),
            }
        ));
        out.push_str(&format!(
            "  lost {}  unexpected {}  never graded {}  rejected {}  XP miscounted {}  mastery miscounted {}  dead letters {}\n",
            c.lost, c.unexpected, c.never_graded, c.rejected, c.xp_miscounted, c.mastery_miscounted, c.dead_letters
        ));
        out.push_str(&format!(
            "  graded by the worker via: {:?}, by worker: {:?}; {} stale outcomes refused and recomputed\n",
            self.graded_via, self.graded_by_worker, self.conflicts_retried
        ));
        for (why, n) in &self.not_acked_why {
            out.push_str(&format!("  not acked x{n}: {why}\n"));
        }
        for (message, n) in &self.worker_warnings {
            out.push_str(&format!("  worker warning x{n}: {message}\n"));
        }
        for detail in &self.details {
            out.push_str(&format!("  {detail}\n"));
        }
        out.push_str(&format!("  worker log: {}\n", self.worker_log.display()));
        out
    }
}

/// Runs the soak once per write path, one after the other.
pub async fn run(config: &SoakConfig) -> Vec<SoakReport> {
    std::fs::create_dir_all(&config.log_dir).expect("the soak's log folder");
    let mut reports = Vec::new();
    for (n, path) in config.write_paths.iter().enumerate() {
        let seed = config.seed.wrapping_add(n as u64);
        reports.push(run_one(config, *path, seed).await);
    }
    reports
}

/// One submission as the student saw it.
#[derive(Debug, Clone)]
struct Submission {
    tag: String,
    /// The attempt id Directus answered with.
    acked: Option<i64>,
    /// Why there is no id: the root cause (connection refused, reset) or the status.
    failure: Option<String>,
}

/// A seeded Directus with the extension or without; PostgreSQL's server when asked for.
async fn start_directus(
    config: &SoakConfig,
    worker_url: &str,
    extension: bool,
) -> (Option<TestPostgres>, TestDirectus) {
    if !config.postgres {
        return (
            None,
            TestDirectus::seeded_with_extension(worker_url, extension).await,
        );
    }
    let pg = tokio::task::spawn_blocking(TestPostgres::start)
        .await
        .expect("PostgreSQL starts");
    let directus = TestDirectus::start(Options {
        database: Database::Postgres {
            host: "127.0.0.1".into(),
            port: pg.port,
            database: pg.database(),
            user: pg.user.clone(),
        },
        worker_url: worker_url.to_owned(),
        extension,
        ..Options::default()
    })
    .await;
    directus.provision().await;
    directus.seed().await;
    (Some(pg), directus)
}

/// What the soak runs against: one Directus and one worker, or a cluster of several of
/// each behind a load balancer ([`TestCluster`]).
enum System {
    Single {
        _postgres: Option<TestPostgres>,
        directus: TestDirectus,
        worker: WorkerProcess,
        worker_log: PathBuf,
    },
    Cluster(TestCluster),
}

impl System {
    /// Where students send their attempts (the balancer, for a cluster).
    fn entry_url(&self) -> String {
        match self {
            System::Single { directus, .. } => directus.url.clone(),
            System::Cluster(cluster) => cluster.url().to_owned(),
        }
    }

    /// An instance for the admin's reads.
    fn admin(&self) -> &TestDirectus {
        match self {
            System::Single { directus, .. } => directus,
            System::Cluster(cluster) => cluster.admin_instance(),
        }
    }

    fn worker_logs(&self) -> Vec<PathBuf> {
        match self {
            System::Single { worker_log, .. } => vec![worker_log.clone()],
            System::Cluster(cluster) => (0..cluster.workers.len())
                .map(|n| cluster.worker_log(n))
                .collect(),
        }
    }

    fn stop_workers(&mut self) {
        match self {
            System::Single { worker, .. } => {
                let _ = worker.child.kill();
                let _ = worker.child.wait();
            }
            System::Cluster(cluster) => {
                for worker in &mut cluster.workers {
                    let _ = worker.child.kill();
                    let _ = worker.child.wait();
                }
            }
        }
    }
}

/// The worker's settings in a soak: attempts whose delivery was lost while a worker was
/// dead are graded by a sweep, 3 s after their creation at the earliest.
fn soak_worker_env(path: WritePath) -> Vec<(String, String)> {
    [
        ("PATHWISE_SWEEP_INTERVAL", "2"),
        ("PATHWISE_SWEEP_GRACE", "3"),
        ("PATHWISE_WRITE_PATH", path.name()),
        // "attempt graded" lines tell which write path graded what.
        ("PATHWISE_LOG", "info"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn start_system(config: &SoakConfig, path: WritePath) -> System {
    let env = soak_worker_env(path);
    if config.instances > 1 {
        assert_eq!(
            path,
            WritePath::Extension,
            "a cluster runs with the extension"
        );
        let cluster = TestCluster::start(ClusterConfig {
            instances: config.instances,
            workers: config.instances,
            worker_binary: config.worker_binary.clone(),
            worker_env: env,
            log_dir: config.log_dir.join(format!("cluster-{}", path.name())),
            seed: true,
        })
        .await;
        return System::Cluster(cluster);
    }
    let worker_port = free_port();
    let worker_url = format!("http://127.0.0.1:{worker_port}");
    let (postgres, directus) =
        start_directus(config, &worker_url, path == WritePath::Extension).await;
    let worker_log = config.log_dir.join(format!("worker-{}.log", path.name()));
    let _ = std::fs::remove_file(&worker_log);
    let worker = spawn_single_worker(config, worker_port, &directus.url, &env, &worker_log);
    System::Single {
        _postgres: postgres,
        directus,
        worker,
        worker_log,
    }
}

fn spawn_single_worker(
    config: &SoakConfig,
    port: u16,
    directus_url: &str,
    env: &[(String, String)],
    log_path: &Path,
) -> WorkerProcess {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .expect("the worker's log file");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    WorkerProcess::spawn_with(&config.worker_binary, port, directus_url, &env, Some(log))
}

async fn run_one(config: &SoakConfig, path: WritePath, seed: u64) -> SoakReport {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut system = start_system(config, path).await;
    let database = match (config.instances, config.postgres) {
        (n, _) if n > 1 => {
            format!("PostgreSQL, {n} Directus instances and {n} workers behind nginx")
        }
        (_, true) => "PostgreSQL".to_owned(),
        _ => "SQLite".to_owned(),
    };
    let entry_url = system.entry_url();
    eprintln!(
        "soak: {} write path: Directus up at {entry_url} ({database}), seed {seed}",
        path.name(),
    );
    let students = create_students_named(system.admin(), "soak", config.students).await;
    let mix = with_partial_credit(system.admin(), attempt_mix(system.admin()).await).await;

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client");
    if let System::Single {
        worker, worker_log, ..
    } = &system
    {
        assert!(
            worker
                .wait_ready(&http, Duration::from_secs(10))
                .await
                .is_some(),
            "the worker did not become ready; log in {}",
            worker_log.display()
        );
    }

    let schedule = Schedule::new(&mut rng, config, students.len(), mix.len());
    let kills = KillPlan::new(&mut rng, config);
    let started = Instant::now();
    let (submissions, (worker_kills, not_healthy), (directus_kills, directus_down)) = {
        let killer = Killer::of(&mut system, config, path);
        let (workers, directus) = killer.split();
        tokio::join!(
            submit_all(&http, &entry_url, &students, &mix, &schedule, started),
            kill_worker_repeatedly(&kills.worker, workers, started, &http),
            kill_directus_once(kills.directus, directus, started),
        )
    };
    let load_seconds = started.elapsed().as_secs_f64();
    let acked = submissions.iter().filter(|s| s.acked.is_some()).count();
    eprintln!(
        "soak: {} write path: load done after {load_seconds:.1} s: {} creates, {acked} acked; draining",
        path.name(),
        submissions.len()
    );

    let drain_started = Instant::now();
    let sweep_after_drain = drain(config, system.admin(), path).await;
    let drain_seconds = drain_started.elapsed().as_secs_f64();
    // Nothing is left to grade: stop the workers so that the counts read a still picture.
    system.stop_workers();

    let student_ids: Vec<String> = students.iter().map(|(id, _, _)| id.clone()).collect();
    let counted = count(system.admin(), &submissions, &student_ids).await;
    let logs = system.worker_logs();
    let mut graded_via = BTreeMap::new();
    let mut worker_warnings = BTreeMap::new();
    let mut graded_by_worker = Vec::new();
    let mut conflicts_retried = 0;
    for log in &logs {
        let (via, warnings, conflicts) = read_worker_log(log);
        conflicts_retried += conflicts;
        graded_by_worker.push(via.values().sum());
        for (k, n) in via {
            *graded_via.entry(k).or_default() += n;
        }
        for (k, n) in warnings {
            *worker_warnings.entry(k).or_default() += n;
        }
    }
    SoakReport {
        write_path: path,
        database,
        seed,
        students: students.len(),
        load_seconds,
        submitted: submissions.len(),
        acked,
        not_acked: submissions.len() - acked,
        not_acked_why: failure_causes(&submissions),
        stored_without_ack: counted.stored_without_ack,
        worker_kills,
        directus_kills,
        directus_down_seconds: directus_down.as_secs_f64(),
        worker_restarts_not_healthy: not_healthy,
        graded: counted.graded,
        drain_seconds,
        sweep_after_drain,
        counts: counted.counts,
        details: counted.details,
        graded_via,
        graded_by_worker,
        conflicts_retried,
        worker_warnings,
        worker_log: logs[0].clone(),
    }
}

/// The parts of a [`System`] the soak kills: its workers, and its Directus instances.
struct Killer<'a> {
    workers: Workers<'a>,
    directus: &'a mut [TestDirectus],
}

/// The workers to kill, one at a time in turn, each restarted at once on its port.
enum Workers<'a> {
    Single {
        worker: &'a mut WorkerProcess,
        respawn: Box<dyn Fn() -> WorkerProcess + Send + Sync + 'a>,
    },
    Cluster {
        workers: &'a mut Vec<WorkerProcess>,
        respawn: Box<dyn Fn(usize) -> WorkerProcess + Send + Sync + 'a>,
    },
}

impl<'a> Killer<'a> {
    fn of(system: &'a mut System, config: &'a SoakConfig, path: WritePath) -> Self {
        match system {
            System::Single {
                directus,
                worker,
                worker_log,
                ..
            } => {
                let port: u16 = worker
                    .url
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("the worker's port");
                let directus_url = directus.url.clone();
                let env = soak_worker_env(path);
                let worker_log = worker_log.clone();
                Killer {
                    workers: Workers::Single {
                        worker,
                        respawn: Box::new(move || {
                            spawn_single_worker(config, port, &directus_url, &env, &worker_log)
                        }),
                    },
                    directus: std::slice::from_mut(directus),
                }
            }
            System::Cluster(cluster) => {
                let spawner = cluster.spawner();
                Killer {
                    workers: Workers::Cluster {
                        workers: &mut cluster.workers,
                        respawn: Box::new(move |n| spawner.spawn(n)),
                    },
                    directus: cluster.instances.as_mut_slice(),
                }
            }
        }
    }

    fn split(self) -> (Workers<'a>, &'a mut [TestDirectus]) {
        (self.workers, self.directus)
    }
}

/// The mix plus, for every shape with a partial-credit multiple choice answered right, a
/// variant with one right choice left out: fractional points, so that XP is rounded per
/// attempt and a sum rounded once would differ.
async fn with_partial_credit(
    directus: &TestDirectus,
    mix: Vec<(Value, Map<String, Value>)>,
) -> Vec<(Value, Map<String, Value>)> {
    let partial: HashMap<String, Value> = directus
        .items(
            "questions",
            "filter[type][_eq]=multiple_choice&fields=id,answer_key",
        )
        .await
        .into_iter()
        .filter(|q| q["answer_key"]["scoring"] == "partial")
        .map(|q| (q["id"].to_string(), q["answer_key"]["correct"].clone()))
        .collect();
    let mut variants = Vec::new();
    for (lesson, answers) in &mix {
        let mut variant = answers.clone();
        let mut changed = false;
        for (question, answer) in variant.iter_mut() {
            if let Some(correct) = partial.get(question)
                && answer == correct
                && let Some(choices) = correct.as_array()
                && choices.len() > 1
            {
                *answer = json!(choices[..choices.len() - 1]);
                changed = true;
            }
        }
        if changed {
            variants.push((lesson.clone(), variant));
        }
    }
    mix.into_iter().chain(variants).collect()
}

/// When each submission goes, for whom, with what: decided up front from the seed.
struct Schedule {
    /// (offset from the start, student, mix entries submitted at once)
    units: Vec<(Duration, usize, Vec<usize>)>,
}

impl Schedule {
    fn new(rng: &mut StdRng, config: &SoakConfig, students: usize, shapes: usize) -> Self {
        let interval = Duration::from_secs_f64(1.0 / config.rate.max(0.01));
        let mut units = Vec::new();
        let mut sent = 0u32;
        loop {
            let at = interval * sent;
            if at >= config.duration {
                break;
            }
            // One in four: two or three attempts of one student at once, whose gradings race.
            let burst = if rng.random_bool(0.25) {
                rng.random_range(2..=3)
            } else {
                1
            };
            let student = rng.random_range(0..students);
            let shapes = (0..burst).map(|_| rng.random_range(0..shapes)).collect();
            units.push((at, student, shapes));
            sent += burst;
        }
        Self { units }
    }
}

/// Submits the schedule as the students (open loop: a slow answer never delays the next
/// submission); answers every submission's outcome.
async fn submit_all(
    http: &reqwest::Client,
    directus_url: &str,
    students: &[(String, String, String)],
    mix: &[(Value, Map<String, Value>)],
    schedule: &Schedule,
    started: Instant,
) -> Vec<Submission> {
    let mut tasks = JoinSet::new();
    let mut n = 0;
    for (at, student, shapes) in &schedule.units {
        tokio::time::sleep_until((started + *at).into()).await;
        for &shape in shapes {
            let (lesson, answers) = &mix[shape];
            let tag = format!("s{n}");
            n += 1;
            let mut answers = answers.clone();
            answers.insert(TAG_KEY.to_owned(), json!(tag));
            let request = http
                .post(format!("{directus_url}/items/attempts?fields=id"))
                .bearer_auth(&students[*student].1)
                .json(&json!({ "lesson": lesson, "answers": answers }));
            tasks.spawn(async move {
                let (acked, failure) = match request.send().await {
                    Err(error) => (None, Some(root_cause(&error))),
                    Ok(response) => {
                        let status = response.status();
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        match body["data"]["id"].as_i64() {
                            Some(id) if status.is_success() => (Some(id), None),
                            _ => (
                                None,
                                Some(format!(
                                    "HTTP {status}: {}",
                                    body["errors"][0]["message"].as_str().unwrap_or_default()
                                )),
                            ),
                        }
                    }
                };
                Submission {
                    tag,
                    acked,
                    failure,
                }
            });
        }
    }
    let mut submissions = Vec::new();
    while let Some(done) = tasks.join_next().await {
        submissions.push(done.expect("a submission task"));
    }
    submissions
}

/// Failed creates by cause, counted.
fn failure_causes(submissions: &[Submission]) -> BTreeMap<String, usize> {
    let mut causes = BTreeMap::new();
    for failure in submissions.iter().filter_map(|s| s.failure.clone()) {
        *causes.entry(failure).or_default() += 1;
    }
    causes
}

/// The innermost cause of an error ("Connection refused (os error 111)" is a source of
/// reqwest's "error sending request").
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// When the worker and Directus are killed, as offsets from the start: decided up front
/// from the seed.
struct KillPlan {
    worker: Vec<Duration>,
    directus: Option<Duration>,
}

impl KillPlan {
    /// The worker every `kill_every` (randomised) until the end; Directus once between
    /// 35% and 60% of the run.
    fn new(rng: &mut StdRng, config: &SoakConfig) -> Self {
        let (low, high) = config.kill_every;
        let mut worker = Vec::new();
        let mut at = Duration::ZERO;
        loop {
            at += if high > low {
                rng.random_range(low..high)
            } else {
                low.max(Duration::from_millis(100))
            };
            if at >= config.duration {
                break;
            }
            worker.push(at);
        }
        let directus = config
            .kill_directus
            .then(|| config.duration.mul_f64(rng.random_range(0.35..0.6)));
        Self { worker, directus }
    }
}

/// Kills a worker with SIGKILL at each planned time (the workers of a cluster in turn, one
/// at a time) and starts a new one at once on the same port (where the flows deliver),
/// whether Directus is up or not. Answers how many kills, and how many new workers did not
/// answer /healthz within 5 s.
async fn kill_worker_repeatedly(
    plan: &[Duration],
    mut workers: Workers<'_>,
    started: Instant,
    http: &reqwest::Client,
) -> (usize, usize) {
    let (mut kills, mut not_healthy) = (0, 0);
    for (turn, at) in plan.iter().enumerate() {
        tokio::time::sleep_until((started + *at).into()).await;
        let (n, pid) = match &mut workers {
            Workers::Single { worker, respawn } => {
                let pid = worker.child.id();
                let _ = worker.child.kill(); // SIGKILL
                let _ = worker.child.wait();
                **worker = respawn();
                (0, pid)
            }
            Workers::Cluster { workers, respawn } => {
                let n = turn % workers.len();
                let pid = workers[n].child.id();
                let _ = workers[n].child.kill(); // SIGKILL
                let _ = workers[n].child.wait();
                workers[n] = respawn(n);
                (n, pid)
            }
        };
        let worker: &WorkerProcess = match &workers {
            Workers::Single { worker, .. } => worker,
            Workers::Cluster { workers, .. } => &workers[n],
        };
        kills += 1;
        let healthy = wait_healthy(http, &worker.url, Duration::from_secs(5)).await;
        if !healthy {
            not_healthy += 1;
        }
        eprintln!(
            "soak: {:.1} s: worker {n} (pid {pid}) killed with SIGKILL, restarted as pid {}{}",
            at.as_secs_f64(),
            worker.child.id(),
            if healthy {
                ""
            } else {
                " (NOT healthy within 5 s)"
            }
        );
    }
    (kills, not_healthy)
}

/// Kills one Directus instance with SIGKILL at the planned time (the second of a cluster,
/// so that the one the counts read stays the same) and restarts it on the same port and
/// database. Answers how many kills (0 or 1) and how long it was down.
async fn kill_directus_once(
    at: Option<Duration>,
    instances: &mut [TestDirectus],
    started: Instant,
) -> (usize, Duration) {
    let Some(at) = at else {
        return (0, Duration::ZERO);
    };
    tokio::time::sleep_until((started + at).into()).await;
    let n = instances.len() - 1;
    let directus = &mut instances[n];
    let pid = directus.pid().expect("Directus runs");
    kill_directus(pid);
    let killed = Instant::now();
    // restart() reaps the killed process and starts a new one, waiting until it answers
    // /server/ping.
    directus.restart().await;
    let down = killed.elapsed();
    eprintln!(
        "soak: {:.1} s: Directus instance {n} (pid {pid}) killed with SIGKILL, back after {:.1} s",
        at.as_secs_f64(),
        down.as_secs_f64()
    );
    (1, down)
}

/// SIGKILL to Directus: no shutdown, no flush, in-flight requests cut.
fn kill_directus(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -KILL {pid} failed");
}

async fn wait_healthy(http: &reqwest::Client, url: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await
            && r.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Waits until no attempt is `submitted` (the worker's own sweep grades what the flows
/// could not deliver), at most `drain_timeout`; then runs `pathwise sweep` once for
/// whatever is left. Answers what that sweep said, when it had to run.
async fn drain(config: &SoakConfig, directus: &TestDirectus, path: WritePath) -> Option<String> {
    let started = Instant::now();
    loop {
        let waiting = directus
            .items("attempts", "filter[status][_eq]=submitted&fields=id")
            .await
            .len();
        if waiting == 0 {
            return None;
        }
        if started.elapsed() >= config.drain_timeout {
            eprintln!(
                "soak: {waiting} attempt(s) still submitted after {:.0} s; running `pathwise sweep`",
                config.drain_timeout.as_secs_f64()
            );
            let mut sweep = std::process::Command::new(&config.worker_binary);
            sweep
                .arg("sweep")
                .env("DIRECTUS_URL", &directus.url)
                .env("PATHWISE_WORKER_TOKEN", secrets().worker_token.expose())
                .env("PATHWISE_SWEEP_GRACE", "0")
                .env("PATHWISE_WRITE_PATH", path.name())
                .env("PATHWISE_LOG", "warn");
            let output = tokio::task::spawn_blocking(move || sweep.output())
                .await
                .expect("the sweep thread")
                .expect("pathwise sweep runs");
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .last()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default()
            );
            return Some(said);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct Counted {
    counts: Counts,
    details: Vec<String>,
    stored_without_ack: usize,
    graded: usize,
}

/// Details kept per kind of problem.
const DETAILS_PER_KIND: usize = 10;

fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Compares the submissions with what Directus holds.
async fn count(
    directus: &TestDirectus,
    submissions: &[Submission],
    students: &[String],
) -> Counted {
    let ours: HashSet<&str> = students.iter().map(String::as_str).collect();
    let attempts: Vec<Value> = directus
        .items(
            "attempts",
            "fields=id,student,status,points_earned,results,answers,rejection_reason&sort=id",
        )
        .await
        .into_iter()
        .filter(|a| a["student"].as_str().is_some_and(|s| ours.contains(s)))
        .collect();
    let mut details: Vec<String> = Vec::new();
    let mut detail = |kind: &str, line: String, shown: &mut HashMap<String, usize>| {
        let n = shown.entry(kind.to_owned()).or_default();
        *n += 1;
        if *n <= DETAILS_PER_KIND {
            details.push(format!("{kind}: {line}"));
        }
    };
    let mut shown = HashMap::new();
    let mut counts = Counts::default();
    let tag_of = |a: &Value| a["answers"][TAG_KEY].as_str().map(str::to_owned);
    let by_id: HashMap<i64, &Value> = attempts
        .iter()
        .filter_map(|a| Some((as_id(&a["id"])?, a)))
        .collect();

    // Lost: a student was told "created" (an id), and that attempt is not there, or is
    // another submission's.
    let mut acked_ids = HashSet::new();
    for submission in submissions {
        let Some(id) = submission.acked else { continue };
        acked_ids.insert(id);
        match by_id.get(&id) {
            None => {
                counts.lost += 1;
                detail(
                    "lost",
                    format!(
                        "attempt {id} (submission {}) was acked and is not in Directus",
                        submission.tag
                    ),
                    &mut shown,
                );
            }
            Some(stored) if tag_of(stored).as_deref() != Some(submission.tag.as_str()) => {
                counts.lost += 1;
                detail(
                    "lost",
                    format!(
                        "attempt {id} was acked for submission {} but holds {:?}",
                        submission.tag,
                        tag_of(stored)
                    ),
                    &mut shown,
                );
            }
            Some(_) => {}
        }
    }

    // Unexpected: a stored attempt that was not acked. When its tag is that of a create
    // that failed, the create committed and only its answer was lost (Directus killed
    // mid-request): the first such attempt per tag is counted apart, not as unexpected.
    // Any further attempt with a tag already seen is a duplicate, and unexpected.
    let failed_tags: HashSet<&str> = submissions
        .iter()
        .filter(|s| s.acked.is_none())
        .map(|s| s.tag.as_str())
        .collect();
    let acked_tags: HashMap<&str, i64> = submissions
        .iter()
        .filter_map(|s| Some((s.tag.as_str(), s.acked?)))
        .collect();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut stored_without_ack = 0;
    for attempt in &attempts {
        let id = as_id(&attempt["id"]).unwrap_or_default();
        if acked_ids.contains(&id) {
            continue;
        }
        let tag = tag_of(attempt);
        match tag.as_deref() {
            Some(t) if failed_tags.contains(t) && claimed.insert(t.to_owned()) => {
                stored_without_ack += 1;
            }
            Some(t) if acked_tags.contains_key(t) => {
                counts.unexpected += 1;
                detail(
                    "unexpected",
                    format!(
                        "attempt {id} duplicates submission {t}, acked as attempt {}",
                        acked_tags[t]
                    ),
                    &mut shown,
                );
            }
            _ => {
                counts.unexpected += 1;
                detail(
                    "unexpected",
                    format!("attempt {id} (tag {tag:?}) was never acked"),
                    &mut shown,
                );
            }
        }
    }

    for attempt in &attempts {
        let id = &attempt["id"];
        match attempt["status"].as_str() {
            Some("graded") => {}
            Some("submitted") => {
                counts.never_graded += 1;
                detail(
                    "never graded",
                    format!("attempt {id} of {} is still submitted", attempt["student"]),
                    &mut shown,
                );
            }
            Some("rejected") => {
                counts.rejected += 1;
                detail(
                    "rejected",
                    format!("attempt {id}: {}", attempt["rejection_reason"]),
                    &mut shown,
                );
            }
            other => {
                counts.never_graded += 1;
                detail(
                    "never graded",
                    format!("attempt {id} has status {other:?}"),
                    &mut shown,
                );
            }
        }
    }
    let graded: Vec<&Value> = attempts
        .iter()
        .filter(|a| a["status"] == "graded")
        .collect();

    // XP: the engine adds xp_for(points earned) per graded attempt, rounded per attempt.
    let mut expected_xp: HashMap<&str, u64> = students.iter().map(|s| (s.as_str(), 0)).collect();
    for attempt in &graded {
        let student = attempt["student"].as_str().unwrap_or_default();
        *expected_xp.entry(student).or_default() +=
            xp_for(attempt["points_earned"].as_f64().unwrap_or(0.0));
    }
    let profiles = directus
        .items("student_profiles", "fields=student,xp")
        .await;
    let mut students_sorted: Vec<&&str> = expected_xp.keys().collect();
    students_sorted.sort();
    for student in students_sorted {
        let expected = expected_xp[*student];
        let theirs: Vec<&Value> = profiles
            .iter()
            .filter(|p| p["student"].as_str() == Some(*student))
            .collect();
        let stored = match theirs.as_slice() {
            [] => Some(0),
            [profile] => profile["xp"].as_u64(),
            _ => None,
        };
        if stored != Some(expected) {
            counts.xp_miscounted += 1;
            detail(
                "XP",
                format!(
                    "student {student}: profile XP {} ({} profile(s)), graded attempts earn {expected}",
                    theirs
                        .iter()
                        .map(|p| p["xp"].to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    theirs.len()
                ),
                &mut shown,
            );
        }
    }

    // Mastery: one observation per graded question and skill it assesses (engine.rs
    // `observations_by_skill`), from the results each graded attempt stored.
    let mut skills_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in directus
        .items("question_skills", "fields=question,skill")
        .await
    {
        if let (Some(question), Some(skill)) = (as_id(&link["question"]), as_id(&link["skill"])) {
            skills_of.entry(question).or_default().push(skill);
        }
    }
    // (student, skill) -> (observations, correct)
    let mut expected: BTreeMap<(String, i64), (u64, u64)> = BTreeMap::new();
    for attempt in &graded {
        let student = attempt["student"].as_str().unwrap_or_default();
        for result in attempt["results"]["questions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let correct = result["correct"].as_bool() == Some(true);
            let question = as_id(&result["question"]).unwrap_or_default();
            for &skill in skills_of.get(&question).into_iter().flatten() {
                let entry = expected.entry((student.to_owned(), skill)).or_default();
                entry.0 += 1;
                entry.1 += u64::from(correct);
            }
        }
    }
    let mut stored: BTreeMap<(String, i64), Vec<(u64, u64)>> = BTreeMap::new();
    for row in directus
        .items("mastery", "fields=student,skill,observations,correct")
        .await
    {
        let Some(student) = row["student"].as_str().filter(|s| ours.contains(s)) else {
            continue;
        };
        let skill = as_id(&row["skill"]).unwrap_or_default();
        stored
            .entry((student.to_owned(), skill))
            .or_default()
            .push((
                row["observations"].as_u64().unwrap_or(0),
                row["correct"].as_u64().unwrap_or(0),
            ));
    }
    let keys: std::collections::BTreeSet<&(String, i64)> =
        expected.keys().chain(stored.keys()).collect();
    for key in keys {
        let want = expected.get(key).copied().unwrap_or((0, 0));
        let have = stored.get(key).cloned().unwrap_or_default();
        let fine = match have.as_slice() {
            [] => want == (0, 0),
            [one] => *one == want,
            _ => false,
        };
        if !fine {
            counts.mastery_miscounted += 1;
            detail(
                "mastery",
                format!(
                    "student {} skill {}: stored (observations, correct) {have:?}, graded answers give {want:?}",
                    key.0, key.1
                ),
                &mut shown,
            );
        }
    }

    for letter in directus
        .items("dead_letters", "fields=id,source,attempt_id,reason&sort=id")
        .await
    {
        counts.dead_letters += 1;
        detail(
            "dead letter",
            format!(
                "{} from {} for attempt {}: {}",
                letter["id"], letter["source"], letter["attempt_id"], letter["reason"]
            ),
            &mut shown,
        );
    }

    Counted {
        counts,
        details,
        stored_without_ack,
        graded: graded.len(),
    }
}

/// Gradings per write path, and warnings and errors by message, from the worker's JSON log
/// (a line cut by SIGKILL does not parse and is skipped).
fn read_worker_log(path: &Path) -> (BTreeMap<String, usize>, BTreeMap<String, usize>, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut graded_via = BTreeMap::new();
    let mut warnings = BTreeMap::new();
    let mut conflicts = 0;
    for line in text.lines() {
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let message = entry["fields"]["message"].as_str().unwrap_or_default();
        if message.starts_with("the student's state changed while grading") {
            conflicts += 1;
        }
        if message == "attempt graded" {
            let via = entry["fields"]["write_path"]
                .as_str()
                .unwrap_or("(not logged)");
            *graded_via.entry(via.to_owned()).or_default() += 1;
        }
        if matches!(entry["level"].as_str(), Some("WARN" | "ERROR")) {
            let mut key: String = message.chars().take(100).collect();
            if let Some(error) = entry["fields"]["error"].as_str() {
                key.push_str(" | ");
                key.extend(error.chars().take(100));
            }
            *warnings.entry(key).or_default() += 1;
        }
    }
    (graded_via, warnings, conflicts)
}

//! A scaled-out Pathwise, as `scripts/up --scale N` runs it: PostgreSQL, Redis, N Directus
//! instances acting as one cluster, N workers (child processes, so that a test can kill
//! them with SIGKILL), and nginx in front of both, so that students, flows and workers
//! each use one address.
//!
//! - Students and workers talk to Directus through the balancer's Directus address; the
//!   flows of every instance post to its worker address. A request that cannot connect
//!   to one instance goes to the other; a POST that reached one is never sent twice.
//! - The instances share Redis for locks, the bus, the system cache and the schedules'
//!   claims (see [`crate::ClusterMember`]).
//!
//! The nginx configuration comes from `balancer_conf` in scripts/lib/common.sh, the same
//! one `scripts/up --scale` uses.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench::WorkerProcess;
use crate::postgres::TestPostgres;
use crate::{ClusterMember, Database, Options, TestDirectus, free_port, random, repo_root};

/// A Redis server on a free port, without persistence; killed on drop.
pub struct TestRedis {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl TestRedis {
    pub fn start() -> Self {
        let binary =
            std::env::var("PATHWISE_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let dir = std::env::temp_dir().join(format!("pathwise-redis-{}", random()));
        std::fs::create_dir_all(&dir).expect("redis dir");
        let port = free_port();
        let child = Command::new(&binary)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{binary} does not start ({e}); scripts/test installs it"));
        let redis = Self { port, dir, child };
        wait_for_port(port, Duration::from_secs(10), "Redis");
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nginx balancing two addresses: Directus instances and workers.
pub struct TestBalancer {
    pub directus_url: String,
    pub worker_url: String,
    dir: PathBuf,
    child: Child,
}

impl TestBalancer {
    /// Listens on `directus_port` and `worker_port`, in front of the given instances.
    pub fn start(
        directus_port: u16,
        worker_port: u16,
        directus_ports: &[u16],
        worker_ports: &[u16],
    ) -> Self {
        let dir = std::env::temp_dir().join(format!("pathwise-nginx-{}", random()));
        std::fs::create_dir_all(dir.join("tmp")).expect("nginx dir");
        let mut args: Vec<String> = vec![
            dir.display().to_string(),
            directus_port.to_string(),
            worker_port.to_string(),
        ];
        args.extend(directus_ports.iter().map(u16::to_string));
        args.push("--".into());
        args.extend(worker_ports.iter().map(u16::to_string));
        let script = repo_root().join("scripts/lib/common.sh");
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && balancer_conf \"$@\"",
                script.display()
            ))
            .arg("balancer_conf")
            .args(&args)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "balancer_conf failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, &output.stdout).expect("write nginx.conf");
        let binary = std::env::var("PATHWISE_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
        let child = Command::new(&binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{binary} does not start ({e}); scripts/test installs it"));
        let balancer = Self {
            directus_url: format!("http://127.0.0.1:{directus_port}"),
            worker_url: format!("http://127.0.0.1:{worker_port}"),
            dir,
            child,
        };
        wait_for_port(directus_port, Duration::from_secs(10), "nginx");
        balancer
    }
}

impl Drop for TestBalancer {
    fn drop(&mut self) {
        // SIGTERM: the master stops its worker processes (SIGKILL would orphan them).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn wait_for_port(port: u16, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What a cluster is started with.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub instances: usize,
    pub workers: usize,
    /// The `pathwise` binary the workers run.
    pub worker_binary: PathBuf,
    /// Extra variables for every worker (e.g. a short sweep interval).
    pub worker_env: Vec<(String, String)>,
    /// Where each worker's JSON log goes (`worker-<n>.log`, appended by every incarnation).
    pub log_dir: PathBuf,
    /// Whether the first instance provisions Pathwise and seeds the demo content.
    pub seed: bool,
}

/// PostgreSQL, Redis, the Directus instances, the workers and the balancer.
pub struct TestCluster {
    pub instances: Vec<TestDirectus>,
    pub workers: Vec<WorkerProcess>,
    pub balancer: TestBalancer,
    pub redis: TestRedis,
    pub postgres: TestPostgres,
    worker_ports: Vec<u16>,
    config: ClusterConfig,
}

impl TestCluster {
    /// Starts everything: the first instance bootstraps, provisions and seeds the database
    /// (when `config.seed`), then the others join, then the workers and the balancer.
    pub async fn start(config: ClusterConfig) -> Self {
        assert!(config.instances >= 1 && config.workers >= 1);
        std::fs::create_dir_all(&config.log_dir).expect("the cluster's log folder");
        let postgres = tokio::task::spawn_blocking(TestPostgres::start)
            .await
            .expect("PostgreSQL starts");
        let redis = TestRedis::start();
        let (directus_port, worker_port) = (free_port(), free_port());
        let member = ClusterMember {
            redis_url: redis.url(),
            public_url: format!("http://127.0.0.1:{directus_port}"),
        };
        let options = Options {
            database: Database::Postgres {
                host: "127.0.0.1".into(),
                port: postgres.port,
                database: postgres.database(),
                user: postgres.user.clone(),
            },
            worker_url: format!("http://127.0.0.1:{worker_port}"),
            cluster: Some(member),
            ..Options::default()
        };
        let first = TestDirectus::start(options.clone()).await;
        if config.seed {
            first.provision().await;
            first.seed().await;
        }
        let mut instances = vec![first];
        for _ in 1..config.instances {
            instances.push(TestDirectus::start(options.clone()).await);
        }
        let directus_ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
        let worker_ports: Vec<u16> = (0..config.workers).map(|_| free_port()).collect();
        let balancer =
            TestBalancer::start(directus_port, worker_port, &directus_ports, &worker_ports);
        let mut cluster = Self {
            instances,
            workers: Vec::new(),
            balancer,
            redis,
            postgres,
            worker_ports,
            config,
        };
        for n in 0..cluster.config.workers {
            let worker = cluster.spawn_worker(n);
            cluster.workers.push(worker);
        }
        let http = reqwest::Client::new();
        for (n, worker) in cluster.workers.iter().enumerate() {
            assert!(
                worker
                    .wait_ready(&http, Duration::from_secs(15))
                    .await
                    .is_some(),
                "worker {n} did not become ready; log in {}",
                cluster.worker_log(n).display()
            );
        }
        cluster
    }

    /// The address students, flows and workers use for Directus.
    pub fn url(&self) -> &str {
        &self.balancer.directus_url
    }

    /// An instance for the admin's reads (any one sees everything: they share a database).
    pub fn admin_instance(&self) -> &TestDirectus {
        &self.instances[0]
    }

    pub fn worker_log(&self, n: usize) -> PathBuf {
        worker_log(&self.config.log_dir, n)
    }

    /// Starts worker `n` (its port is kept across restarts: the balancer knows it).
    pub fn spawn_worker(&self, n: usize) -> WorkerProcess {
        self.spawner().spawn(n)
    }

    /// What starting a worker takes, owned: for a task that restarts workers while
    /// another holds the cluster.
    pub fn spawner(&self) -> WorkerSpawner {
        WorkerSpawner {
            binary: self.config.worker_binary.clone(),
            ports: self.worker_ports.clone(),
            directus_url: self.url().to_owned(),
            env: self.config.worker_env.clone(),
            log_dir: self.config.log_dir.clone(),
        }
    }

    /// Kills worker `n` with SIGKILL and starts a new one on its port.
    pub fn kill_and_restart_worker(&mut self, n: usize) -> (u32, u32) {
        let killed = self.workers[n].child.id();
        let _ = self.workers[n].child.kill();
        let _ = self.workers[n].child.wait();
        self.workers[n] = self.spawn_worker(n);
        (killed, self.workers[n].child.id())
    }

    /// The Directus process ids and the workers', to measure their CPU.
    pub fn directus_pids(&self) -> Vec<u32> {
        self.instances
            .iter()
            .filter_map(TestDirectus::pid)
            .collect()
    }

    /// PostgreSQL's postmaster, Redis and nginx' master, by name, to measure their CPU
    /// (with their children).
    pub fn server_pids(&self) -> Vec<(String, u32)> {
        let mut pids = vec![
            ("redis".to_owned(), self.redis.child.id()),
            ("nginx".to_owned(), self.balancer.child.id()),
        ];
        if let Some(pid) = self.postgres.postmaster_pid() {
            pids.insert(0, ("postgres".to_owned(), pid));
        }
        pids
    }

    pub fn log_dir(&self) -> &Path {
        &self.config.log_dir
    }
}

fn worker_log(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("worker-{n}.log"))
}

/// Starts the cluster's workers by number, each on its own port.
#[derive(Debug, Clone)]
pub struct WorkerSpawner {
    binary: PathBuf,
    ports: Vec<u16>,
    directus_url: String,
    env: Vec<(String, String)>,
    log_dir: PathBuf,
}

impl WorkerSpawner {
    pub fn spawn(&self, n: usize) -> WorkerProcess {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(worker_log(&self.log_dir, n))
            .expect("the worker's log file");
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        WorkerProcess::spawn_with(
            &self.binary,
            self.ports[n],
            &self.directus_url,
            &env,
            Some(log),
        )
    }
}

//! Test harness: real Directus instances on free ports, provisioned by the real code.
//!
//! Directus is installed by `scripts/test` (which exports `PATHWISE_DIRECTUS_DIR` and
//! `PATHWISE_NODE_BIN`); when a test runs without it, the harness runs the install itself.
//! Booting and provisioning take seconds, so each test binary prepares SQLite templates
//! once (bootstrapped; provisioned and seeded) and every test starts its own Directus on a
//! copy. Each instance dies with its [`TestDirectus`] handle.

pub mod bench;
pub mod browser;
pub mod cluster;
pub mod postgres;
pub mod realtime;
pub mod smtp;
pub mod soak;
pub mod stack;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use pathwise::directus::DirectusClient;
use pathwise::secret::Secret;
use serde_json::{Value, json};

/// Secrets shared by every instance of this test process (generated, never committed).
pub struct TestSecrets {
    pub directus_secret: String,
    pub admin_token: Secret,
    pub worker_token: Secret,
    pub webhook_secret: Secret,
    pub demo_password: Secret,
}

pub fn secrets() -> &'static TestSecrets {
    static SECRETS: OnceLock<TestSecrets> = OnceLock::new();
    SECRETS.get_or_init(|| TestSecrets {
        directus_secret: random(),
        admin_token: Secret::new(random()),
        worker_token: Secret::new(random()),
        webhook_secret: Secret::new(random()),
        demo_password: Secret::new(random()),
    })
}

/// A turn for a heavy test: the browser tests, the soaks, the benches and the cluster
/// tests each keep both cores busy, and two of them at once on this 2-core machine made
/// the browser tests miss their timeouts (seen: a teacher's module link not shown within
/// 20 s while a cluster soak ran). Each heavy test holds its turn for its whole run; the
/// light tests go on beside it.
pub async fn heavy_test_turn() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

/// The `pathwise` binary (debug), built once per test process: the tests that kill the
/// worker, or run it as a CLI, run it as its own process (a no-op when up to date).
pub fn worker_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new("cargo")
                .args(["build", "-q", "-p", "pathwise", "--bin", "pathwise"])
                .current_dir(repo_root())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "the worker does not build");
            repo_root().join("target/debug/pathwise")
        })
        .clone()
}

pub(crate) fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// Where Directus and Node 22 are installed, and the built Pathwise extension.
pub struct Install {
    pub directus_dir: PathBuf,
    pub node_bin: PathBuf,
    /// `directus-extension/` once built (package.json and dist/).
    pub extension_dir: PathBuf,
}

pub fn install() -> &'static Install {
    static INSTALL: OnceLock<Install> = OnceLock::new();
    INSTALL.get_or_init(|| {
        if let (Ok(dir), Ok(node), Ok(extension)) = (
            std::env::var("PATHWISE_DIRECTUS_DIR"),
            std::env::var("PATHWISE_NODE_BIN"),
            std::env::var("PATHWISE_EXTENSION_DIR"),
        ) {
            return Install {
                directus_dir: dir.into(),
                node_bin: node.into(),
                extension_dir: extension.into(),
            };
        }
        let script = repo_root().join("scripts/lib/common.sh");
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && ensure_directus && ensure_node22 && ensure_extension",
                script.display()
            ))
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "installing Directus failed");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        Install {
            directus_dir: lines.next().expect("directus dir").into(),
            node_bin: lines.next().expect("node bin").into(),
            extension_dir: lines.next().expect("extension dir").into(),
        }
    })
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Which database an instance runs on.
#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file; copied from a template when one is given.
    Sqlite { template: Option<PathBuf> },
    /// A PostgreSQL database (see [`postgres::TestPostgres`]).
    Postgres {
        host: String,
        port: u16,
        database: String,
        user: String,
    },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub database: Database,
    /// The worker base URL the flows deliver to (`PATHWISE_WORKER_URL`).
    pub worker_url: String,
    /// Whether the Pathwise extension is installed (it is, as `scripts/up` does; a test of
    /// the public write path starts a Directus without it).
    pub extension: bool,
    /// An SMTP server on loopback for Directus' mail service (an [`smtp::SmtpSink`]).
    pub smtp_port: Option<u16>,
    /// One of several instances of a cluster ([`cluster::TestCluster`]): the Redis server
    /// they share, and the address clients use (the load balancer's).
    pub cluster: Option<ClusterMember>,
}

/// How an instance of a cluster is told about the others.
#[derive(Debug, Clone)]
pub struct ClusterMember {
    /// `redis://127.0.0.1:PORT`
    pub redis_url: String,
    /// The load balancer's address (`PUBLIC_URL`).
    pub public_url: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            database: Database::Sqlite { template: None },
            worker_url: "http://127.0.0.1:9".to_owned(),
            extension: true,
            smtp_port: None,
            cluster: None,
        }
    }
}

/// A running Directus; killed and its folder removed on drop.
pub struct TestDirectus {
    pub url: String,
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    options: Options,
}

impl TestDirectus {
    /// A fresh Directus: bootstrapped only, nothing of Pathwise in it.
    pub async fn bare(worker_url: &str) -> Self {
        let template = template(Template::Bare).await;
        Self::start(Options {
            database: Database::Sqlite {
                template: Some(template),
            },
            worker_url: worker_url.to_owned(),
            ..Options::default()
        })
        .await
    }

    /// A Directus provisioned by `pathwise provision` and seeded by `pathwise seed`.
    pub async fn seeded(worker_url: &str) -> Self {
        Self::seeded_with_extension(worker_url, true).await
    }

    /// [`TestDirectus::seeded`], with or without the Pathwise extension installed.
    pub async fn seeded_with_extension(worker_url: &str, extension: bool) -> Self {
        Self::seeded_with_options(Options {
            worker_url: worker_url.to_owned(),
            extension,
            ..Options::default()
        })
        .await
    }

    /// [`TestDirectus::seeded`] with `options` (its database is the seeded template).
    pub async fn seeded_with_options(options: Options) -> Self {
        let template = template(Template::Seeded).await;
        Self::start(Options {
            database: Database::Sqlite {
                template: Some(template),
            },
            ..options
        })
        .await
    }

    /// A fresh Directus bootstrapped on `pg` (nothing of Pathwise in it yet).
    pub async fn on_postgres(pg: &postgres::TestPostgres, worker_url: &str) -> Self {
        let database = Database::Postgres {
            host: "127.0.0.1".into(),
            port: pg.port,
            database: pg.database(),
            user: pg.user.clone(),
        };
        Self::start(Options {
            database,
            worker_url: worker_url.to_owned(),
            ..Options::default()
        })
        .await
    }

    pub async fn start(options: Options) -> Self {
        let dir = std::env::temp_dir().join(format!("pathwise-test-{}", random()));
        std::fs::create_dir_all(dir.join("uploads")).expect("temp dir");
        if options.extension {
            install_extension(&dir.join("extensions"));
        }
        let port = free_port();
        let mut directus = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
            child: None,
            options,
        };
        let needs_bootstrap = match &directus.options.database {
            Database::Sqlite {
                template: Some(template),
            } => {
                std::fs::copy(template, directus.dir.join("data.db"))
                    .expect("copy the template database");
                false
            }
            _ => true,
        };
        if needs_bootstrap {
            let mut bootstrap = directus.command("bootstrap");
            let status = tokio::task::spawn_blocking(move || bootstrap.status())
                .await
                .expect("bootstrap thread")
                .expect("directus bootstrap runs");
            assert!(
                status.success(),
                "directus bootstrap failed; log in {}",
                directus.log_path().display()
            );
        }
        directus.launch().await;
        directus
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("directus.log")
    }

    fn command(&self, verb: &str) -> Command {
        let install = install();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let mut command = Command::new(install.node_bin.join("node"));
        command
            .arg("node_modules/directus/cli.js")
            .arg(verb)
            .current_dir(&install.directus_dir)
            .envs(self.env())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        command
    }

    fn env(&self) -> Vec<(String, String)> {
        let s = secrets();
        let mut env: Vec<(&str, String)> = vec![
            ("SECRET", s.directus_secret.clone()),
            ("ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("ADMIN_TOKEN", s.admin_token.expose().to_owned()),
            ("HOST", "127.0.0.1".to_owned()),
            ("PORT", self.port.to_string()),
            ("PUBLIC_URL", self.url.clone()),
            ("TELEMETRY", "false".to_owned()),
            ("LOG_LEVEL", "warn".to_owned()),
            // As scripts/up runs it: the live log stream does not log every request.
            ("WEBSOCKETS_LOGS_LEVEL", "warn".to_owned()),
            ("HEALTHCHECK_SERVICES", "database,storage".to_owned()),
            ("STORAGE_LOCATIONS", "local".to_owned()),
            (
                "STORAGE_LOCAL_ROOT",
                self.dir.join("uploads").display().to_string(),
            ),
            (
                "EXTENSIONS_PATH",
                self.dir.join("extensions").display().to_string(),
            ),
            ("IMPORT_IP_DENY_LIST", "169.254.169.254".to_owned()),
            (
                "FLOWS_ENV_ALLOW_LIST",
                "PATHWISE_WEBHOOK_SECRET,PATHWISE_WORKER_URL".to_owned(),
            ),
            (
                "PATHWISE_WEBHOOK_SECRET",
                s.webhook_secret.expose().to_owned(),
            ),
            ("PATHWISE_WORKER_URL", self.options.worker_url.clone()),
            // Many students log in from one address in tests.
            ("RATE_LIMITER_ENABLED", "false".to_owned()),
            // As scripts/up runs it: no deep clone of the schema per request.
            ("CACHE_SCHEMA_FREEZE_ENABLED", "true".to_owned()),
            // A broken extension build fails the start instead of going unnoticed.
            ("EXTENSIONS_MUST_LOAD", "true".to_owned()),
            ("WEBSOCKETS_ENABLED", "true".to_owned()),
        ];
        if let Some(port) = self.options.smtp_port {
            env.extend([
                ("EMAIL_TRANSPORT", "smtp".to_owned()),
                ("EMAIL_SMTP_HOST", "127.0.0.1".to_owned()),
                ("EMAIL_SMTP_PORT", port.to_string()),
                ("EMAIL_SMTP_SECURE", "false".to_owned()),
                ("EMAIL_SMTP_IGNORE_TLS", "true".to_owned()),
                ("EMAIL_FROM", "pathwise@example.com".to_owned()),
            ]);
        }
        if let Some(member) = &self.options.cluster {
            env.retain(|(key, _)| *key != "PUBLIC_URL");
            env.extend([
                ("PUBLIC_URL", member.public_url.clone()),
                // As docker-compose.yml: Redis carries the locks, the bus (flow reloads,
                // schema changes, realtime), the system cache and the schedules' once-per-
                // tick claims, so that the instances act as one.
                ("REDIS", member.redis_url.clone()),
                ("CACHE_STORE", "redis".to_owned()),
                ("SYNCHRONIZATION_STORE", "redis".to_owned()),
                ("RATE_LIMITER_STORE", "redis".to_owned()),
            ]);
        }
        match &self.options.database {
            Database::Sqlite { .. } => {
                env.push(("DB_CLIENT", "sqlite3".to_owned()));
                env.push((
                    "DB_FILENAME",
                    self.dir.join("data.db").display().to_string(),
                ));
            }
            Database::Postgres {
                host,
                port,
                database,
                user,
            } => {
                env.push(("DB_CLIENT", "pg".to_owned()));
                env.push(("DB_HOST", host.clone()));
                env.push(("DB_PORT", port.to_string()));
                env.push(("DB_DATABASE", database.clone()));
                env.push(("DB_USER", user.clone()));
            }
        }
        let mut env: Vec<(String, String)> =
            env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        // Extra settings for an experiment (`PATHWISE_TEST_DIRECTUS_ENV="K=V,K=V"`), e.g. to
        // compare Directus' cost with and without a feature; they override the above.
        if let Ok(extra) = std::env::var("PATHWISE_TEST_DIRECTUS_ENV") {
            for (key, value) in extra.split(',').filter_map(|pair| pair.split_once('=')) {
                env.retain(|(k, _)| k != key);
                env.push((key.to_owned(), value.to_owned()));
            }
        }
        env
    }

    async fn launch(&mut self) {
        self.child = Some(self.command("start").spawn().expect("directus start runs"));
        let deadline = Instant::now() + Duration::from_secs(90);
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{}/server/ping", self.url)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Directus did not answer /server/ping within 90 s; log:\n{}",
                std::fs::read_to_string(self.log_path()).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the server (the database stays) and starts it again.
    pub async fn restart(&mut self) {
        self.stop();
        self.launch().await;
    }

    /// The process id of the running Directus, to measure its CPU.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops the server the way an operator would (SIGTERM, so that it closes its
    /// database and writes a `--cpu-prof` profile when NODE_OPTIONS asks for one), and
    /// kills it if it is still running after five seconds.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn admin(&self) -> DirectusClient {
        DirectusClient::new(&self.url, Some(secrets().admin_token.clone()))
    }

    pub fn worker(&self) -> DirectusClient {
        DirectusClient::new(&self.url, Some(secrets().worker_token.clone()))
    }

    pub fn anonymous(&self) -> DirectusClient {
        DirectusClient::new(&self.url, None)
    }

    /// Logs in with email and password; a client acting as that user.
    pub async fn login(&self, email: &str, password: &str) -> DirectusClient {
        let answer = self
            .anonymous()
            .post(
                "/auth/login",
                json!({ "email": email, "password": password }),
            )
            .await
            .unwrap_or_else(|e| panic!("login as {email}: {e}"));
        let token = answer["data"]["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned();
        DirectusClient::new(&self.url, Some(Secret::new(token)))
    }

    /// A demo student (`ada`, `ben` or `chloe`) of a seeded instance.
    pub async fn student(&self, name: &str) -> DirectusClient {
        self.login(
            &format!("{name}@example.com"),
            secrets().demo_password.expose(),
        )
        .await
    }

    /// The id of the user with this email.
    pub async fn user_id(&self, email: &str) -> String {
        let users = self
            .admin()
            .get_data(&format!("/users?filter[email][_eq]={email}&fields=id"))
            .await
            .unwrap();
        users[0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no user {email}"))
            .to_owned()
    }

    /// Provisions with the real code; panics with Directus' message on failure.
    pub async fn provision(&self) -> pathwise::provision::Report {
        let options = pathwise::provision::ProvisionOptions::new(secrets().worker_token.clone());
        pathwise::provision::provision(&self.admin(), &options)
            .await
            .unwrap_or_else(|e| panic!("provision: {e}"))
    }

    pub async fn seed(&self) -> pathwise::provision::Report {
        pathwise::seed::seed(&self.admin(), &secrets().demo_password)
            .await
            .unwrap_or_else(|e| panic!("seed: {e}"))
    }

    /// Items of a collection as the admin sees them.
    pub async fn items(&self, collection: &str, query: &str) -> Vec<Value> {
        let limit = if query.contains("limit=") {
            ""
        } else {
            "limit=-1&"
        };
        let data = self
            .admin()
            .get_data(&format!("/items/{collection}?{limit}{query}"))
            .await
            .unwrap();
        data.as_array().cloned().unwrap_or_default()
    }
}

impl Drop for TestDirectus {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() || std::env::var_os("PATHWISE_KEEP_TEST_DIRS").is_some() {
            eprintln!("Directus test folder kept: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Copies the built extension (package.json and dist/) into `extensions/pathwise/` of an
/// instance's own folder: each instance loads exactly the build the test run started with.
fn install_extension(extensions: &Path) {
    let source = &install().extension_dir;
    let target = extensions.join("pathwise");
    std::fs::create_dir_all(target.join("dist")).expect("extension folder");
    std::fs::copy(source.join("package.json"), target.join("package.json"))
        .expect("the extension's package.json");
    for entry in std::fs::read_dir(source.join("dist")).expect("the extension is built") {
        let entry = entry.expect("dist entry");
        std::fs::copy(entry.path(), target.join("dist").join(entry.file_name()))
            .expect("copy the extension build");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    Bare,
    Seeded,
}

/// A SQLite database file prepared once per test process.
async fn template(kind: Template) -> PathBuf {
    // Seeded starts from Bare: build that first, outside the lock below.
    let source = match kind {
        Template::Bare => None,
        Template::Seeded => Some(Box::pin(template(Template::Bare)).await),
    };
    static TEMPLATES: OnceLock<Mutex<Vec<(Template, PathBuf)>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| Mutex::new(Vec::new()));
    // Built once; tests of one binary that ask at the same time wait for the first.
    static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = BUILDING.lock().await;
    if let Some((_, path)) = templates.lock().unwrap().iter().find(|(k, _)| *k == kind) {
        return path.clone();
    }
    let dir = std::env::temp_dir().join(format!(
        "pathwise-template-{}-{}",
        std::process::id(),
        random()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{kind:?}.db"));
    let directus = TestDirectus::start(Options {
        database: Database::Sqlite { template: source },
        ..Options::default()
    })
    .await;
    if kind == Template::Seeded {
        directus.provision().await;
        directus.seed().await;
    }
    let mut directus = directus;
    directus.stop();
    std::fs::copy(directus.dir.join("data.db"), &path).expect("save the template");
    templates.lock().unwrap().push((kind, path.clone()));
    path
}

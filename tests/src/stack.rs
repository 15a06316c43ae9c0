//! The whole system for a test: a seeded Directus whose flows deliver to the real worker,
//! served in-process on loopback. The worker can be stopped and started again on the same
//! address, and Directus restarted, to test what happens when either is down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pathwise::directus::DirectusClient;
use pathwise::http::AppState;
use pathwise::metrics::Metrics;
use pathwise::process::{Settings, Worker};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{Options, TestDirectus, secrets};

pub struct TestStack {
    pub directus: TestDirectus,
    pub worker: Worker,
    pub worker_url: String,
    addr: SocketAddr,
    server: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// Whether the worker verifies students' tokens locally (else asks Directus).
    local_token_check: bool,
}

impl TestStack {
    /// A seeded Directus and a running worker that grades with no sweep grace period.
    pub async fn seeded() -> Self {
        Self::seeded_with(Settings {
            sweep_grace: Duration::ZERO,
            ..Settings::default()
        })
        .await
    }

    pub async fn seeded_with(settings: Settings) -> Self {
        Self::seeded_on(settings, true).await
    }

    /// A stack whose Directus has the Pathwise extension or not (the public write path).
    pub async fn seeded_on(settings: Settings, extension: bool) -> Self {
        Self::seeded_with_options(
            settings,
            Options {
                extension,
                ..Options::default()
            },
        )
        .await
    }

    /// A seeded stack whose Directus sends email to the SMTP server on `smtp_port`.
    pub async fn seeded_with_mail(smtp_port: u16) -> Self {
        Self::seeded_with_options(
            Settings {
                sweep_grace: Duration::ZERO,
                ..Settings::default()
            },
            Options {
                smtp_port: Some(smtp_port),
                ..Options::default()
            },
        )
        .await
    }

    async fn seeded_with_options(settings: Settings, options: Options) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let worker_url = format!("http://{addr}");
        let directus = TestDirectus::seeded_with_options(Options {
            worker_url: worker_url.clone(),
            ..options
        })
        .await;
        let client = DirectusClient::new(&directus.url, Some(secrets().worker_token.clone()));
        let worker = Worker::new(client, Metrics::new(), settings);
        let mut stack = Self {
            directus,
            worker,
            worker_url,
            addr,
            server: None,
            local_token_check: true,
        };
        stack.serve(listener);
        stack
    }

    /// The worker asks Directus who a student is, instead of checking the token locally.
    pub async fn without_local_token_check(mut self) -> Self {
        self.local_token_check = false;
        self.stop_worker().await;
        self.start_worker().await;
        self
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let directus_secret = self
            .local_token_check
            .then(|| pathwise::secret::Secret::new(&secrets().directus_secret));
        let state = AppState::new(
            self.worker.clone(),
            secrets().webhook_secret.clone(),
            directus_secret,
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            pathwise::run(state, listener, shutdown, Duration::from_secs(10))
                .await
                .unwrap();
        });
        self.server = Some((stop, handle));
    }

    pub async fn stop_worker(&mut self) {
        if let Some((stop, handle)) = self.server.take() {
            let _ = stop.send(());
            let _ = handle.await;
        }
    }

    pub async fn start_worker(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the worker's address is free again");
        self.serve(listener);
    }

    /// Posts `event` to the worker's `/v1/jobs` as a Directus schedule flow would: signed
    /// with the webhook secret when `signed` (a tick's `"now"` sets the job's clock).
    /// Answers the status and the JSON body.
    pub async fn send_tick(&self, event: &Value, signed: bool) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/v1/jobs", self.worker_url))
            .header("content-type", "application/json")
            .body(event.to_string());
        if signed {
            let issued = chrono::Utc::now().timestamp();
            let claims = json!({ "iss": "directus-flow", "aud": "pathwise-worker", "event": event,
                                 "iat": issued, "exp": issued + 60 });
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(
                    secrets().webhook_secret.expose().as_bytes(),
                )
                .unwrap(),
            )
            .unwrap();
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Submits an attempt as `student` (a client with their token) the way a frontend does,
    /// and answers it as stored once the worker graded it.
    pub async fn submit(
        &self,
        student: &DirectusClient,
        lesson: &Value,
        answers: &Map<String, Value>,
    ) -> Value {
        let created = student
            .post(
                "/items/attempts",
                serde_json::json!({ "lesson": lesson, "answers": answers }),
            )
            .await
            .unwrap();
        self.wait_graded(&created["data"]["id"]).await
    }

    /// Creates an attempt for `student` (a user id) as the admin, without waiting for any
    /// grading; answers its id.
    pub async fn create_attempt(&self, student: &str, lesson: &Value, answers: Value) -> i64 {
        let created = self
            .admin()
            .post(
                "/items/attempts",
                json!({ "student": student, "lesson": lesson, "answers": answers }),
            )
            .await
            .unwrap();
        created["data"]["id"].as_i64().unwrap()
    }

    /// Waits (up to 30 s) until the attempt leaves `submitted`; answers it as stored.
    pub async fn wait_graded(&self, attempt: &Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stored = self
                .directus
                .admin()
                .get_data(&format!("/items/attempts/{attempt}"))
                .await
                .unwrap();
            if stored["status"] != "submitted" {
                return stored;
            }
            assert!(
                Instant::now() < deadline,
                "attempt {attempt} was not graded within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The published regular lessons in course order.
    pub async fn lessons(&self) -> Vec<Value> {
        self.directus
            .items("lessons", "filter[status][_eq]=published&filter[kind][_eq]=lesson&sort=module.sort,sort&fields=id,title")
            .await
    }

    /// The published questions of a lesson, with their keys.
    pub async fn questions(&self, lesson: &Value) -> Vec<Value> {
        self.directus
            .items("questions", &format!("filter[lesson][_eq]={lesson}&filter[status][_eq]=published&fields=id,type,answer_key,points&sort=sort"))
            .await
    }

    pub fn admin(&self) -> DirectusClient {
        self.directus.admin()
    }
}

/// The right answer to a question, from its key.
pub fn correct_answer(question: &Value) -> Value {
    let key = &question["answer_key"];
    match question["type"].as_str().unwrap_or_default() {
        "single_choice" | "multiple_choice" | "true_false" => key["correct"].clone(),
        "numeric" | "fraction" => key["value"].clone(),
        "short_text" => key["accepted"][0].clone(),
        "ordering" => key["order"].clone(),
        other => panic!("no answer for question type {other}"),
    }
}

/// Answers to `questions` whose score (earned / possible points) is as close as possible
/// to `target`: each question is answered right or wrong.
pub fn answers_scoring(questions: &[Value], target: f64) -> (Map<String, Value>, f64) {
    let points: Vec<f64> = questions
        .iter()
        .map(|q| q["points"].as_f64().unwrap_or(1.0))
        .collect();
    let total: f64 = points.iter().sum();
    let n = questions.len().min(16);
    let (mut best, mut best_score) = (0u32, f64::MAX);
    for subset in 0u32..(1 << n) {
        let earned: f64 = (0..n)
            .filter(|i| subset & (1 << i) != 0)
            .map(|i| points[i])
            .sum();
        let score = earned / total;
        if (score - target).abs() < (best_score - target).abs() {
            (best, best_score) = (subset, score);
        }
    }
    let answers = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let answer = if i < n && best & (1 << i) != 0 {
                correct_answer(q)
            } else {
                json!("not the answer")
            };
            (q["id"].to_string(), answer)
        })
        .collect();
    (answers, best_score)
}

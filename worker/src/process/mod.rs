//! From an event to its writes: the one obvious path.
//!
//! [`Worker::handle`] takes a parsed [`Event`] and does what it asks: grade an attempt
//! ([`attempt`]), set up a new student ([`student`]), recompute paths after a content
//! change ([`content`]). Every load of a course also records its content problems for
//! the editors ([`content_issues`]). Scheduled jobs run once per period ([`jobs`]). I/O is thin: typed GraphQL reads, one batched
//! GraphQL mutation for the writes; the decisions are the pure [`crate::learning`]
//! engine's.

pub mod attempt;
pub mod content;
pub mod content_issues;
pub mod course;
pub mod course_cache;
pub mod jobs;
pub mod nightly;
pub mod student;
pub mod sweep;
pub mod write_path;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::directus::{DirectusClient, DirectusError};
use crate::events::{AttemptHint, Event};
use crate::learning::{CompletionRule, EngineError};
use crate::metrics::Metrics;
pub use attempt::AttemptReport;
pub use write_path::{WritePath, WritePathSetting};

/// How the worker decides, beyond the course's own thresholds.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The A/B experiment students are assigned in.
    pub experiment: String,
    /// Strategy names and weights; a student is assigned one deterministically.
    pub strategies: Vec<(String, u32)>,
    pub completion_rule: CompletionRule,
    /// The sweep grades attempts left `submitted` longer than this.
    pub sweep_grace: Duration,
    /// How long a course's structure is reused between attempts (zero: never).
    pub course_cache_ttl: Duration,
    /// Through the Pathwise extension, Directus' public APIs, or whichever is there.
    pub write_path: WritePathSetting,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            experiment: "strategy-2026".to_owned(),
            strategies: vec![("threshold-rules".to_owned(), 1)],
            completion_rule: CompletionRule::default(),
            sweep_grace: Duration::from_secs(30),
            course_cache_ttl: Duration::from_secs(60),
            write_path: WritePathSetting::Auto,
        }
    }
}

/// Everything the worker needs to act; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Worker {
    pub directus: DirectusClient,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
    /// Course structures between attempts, evicted by content events.
    pub courses: Arc<course_cache::CourseCache>,
    /// Attempts being graded by this process: a duplicate delivery waits its turn instead
    /// of racing (replicas are kept safe by the idempotence keys in Directus).
    in_flight: Arc<Mutex<HashSet<i64>>>,
    /// Students whose state is being updated: two attempts of one student are graded one
    /// after the other, so the second reads what the first wrote (no lost update of XP
    /// or mastery).
    students_in_flight: Arc<Mutex<HashSet<String>>>,
    /// The write path found on first use when the setting is `auto`.
    detected_write_path: Arc<tokio::sync::OnceCell<WritePath>>,
    /// One reconciliation of `content_issues` at a time, in the order courses were loaded
    /// (see [`content_issues`]).
    issues_turn: Arc<tokio::sync::Mutex<()>>,
    /// Courses whose paths are being recomputed, each with whether another content event
    /// arrived meanwhile (see [`content::recompute`]).
    recomputing: Arc<Mutex<HashMap<i64, bool>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Directus failed even after retries: the event may succeed later (the sweep will
    /// try again for attempts).
    #[error(transparent)]
    Directus(#[from] DirectusError),
    /// The course cannot be used at all (it is gone, or Directus answered a shape the
    /// worker cannot read): retrying cannot help. Broken content in a usable course is no
    /// error: attempts on sound lessons are graded, the others rejected with a reason,
    /// and the problems recorded in `content_issues` (see [`content_issues`]).
    #[error("the content cannot be used: {0}")]
    Content(String),
    /// The item the event names does not exist (any more).
    #[error("{0}")]
    NotFound(String),
    /// The student's state kept changing under the grading (other replicas grading their
    /// attempts): the sweep grades the attempt later.
    #[error("{0}")]
    Conflict(String),
}

impl From<EngineError> for ProcessError {
    fn from(error: EngineError) -> Self {
        ProcessError::Content(error.to_string())
    }
}

impl From<crate::learning::PathError> for ProcessError {
    fn from(error: crate::learning::PathError) -> Self {
        ProcessError::Content(error.to_string())
    }
}

impl From<course::ContentError> for ProcessError {
    fn from(error: course::ContentError) -> Self {
        ProcessError::Content(error.to_string())
    }
}

impl ProcessError {
    /// A short label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            ProcessError::Directus(_) => "directus",
            ProcessError::Content(_) => "content",
            ProcessError::NotFound(_) => "not_found",
            ProcessError::Conflict(_) => "conflict",
        }
    }
}

/// What handling an event did, as the worker answers it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Handled {
    Attempt(AttemptReport),
    Student {
        user: String,
        profile_created: bool,
        paths: usize,
    },
    Content {
        courses: Vec<i64>,
        paths_updated: usize,
    },
}

impl Worker {
    pub fn new(directus: DirectusClient, metrics: Arc<Metrics>, settings: Settings) -> Self {
        Self {
            directus: directus.with_metrics(metrics.clone()),
            metrics,
            courses: Arc::new(course_cache::CourseCache::new(settings.course_cache_ttl)),
            settings: Arc::new(settings),
            in_flight: Arc::new(Mutex::new(HashSet::new())),
            students_in_flight: Arc::new(Mutex::new(HashSet::new())),
            detected_write_path: Arc::new(tokio::sync::OnceCell::new()),
            issues_turn: Arc::new(tokio::sync::Mutex::new(())),
            recomputing: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Where this worker reads and writes attempts' outcomes: as configured, or (auto)
    /// the extension when Directus has it, found once and kept.
    pub async fn write_path(&self) -> Result<WritePath, ProcessError> {
        match self.settings.write_path {
            WritePathSetting::Extension => Ok(WritePath::Extension),
            WritePathSetting::Public => Ok(WritePath::Public),
            WritePathSetting::Auto => Ok(*self
                .detected_write_path
                .get_or_try_init(|| write_path::detect(&self.directus))
                .await?),
        }
    }

    pub async fn handle(&self, event: &Event) -> Result<Handled, ProcessError> {
        match event {
            Event::AttemptSubmitted { attempt, hint } => {
                Ok(Handled::Attempt(self.grade_hinted(*attempt, hint).await?))
            }
            Event::UserCreated { user } => student::welcome(self, user).await,
            Event::ContentChanged { collection, keys } => {
                content::recompute(self, collection, keys).await
            }
        }
    }

    /// Grades one attempt, once: concurrent calls for the same attempt in this process
    /// run one after the other, and the second finds it graded.
    pub async fn grade(&self, attempt: i64) -> Result<AttemptReport, ProcessError> {
        self.grade_hinted(attempt, &AttemptHint::default()).await
    }

    /// [`Worker::grade`], told the attempt's student and lesson by its event or its caller:
    /// one round trip less when they are right (they are checked).
    pub async fn grade_hinted(
        &self,
        attempt: i64,
        hint: &AttemptHint,
    ) -> Result<AttemptReport, ProcessError> {
        let _turn = self.take_turn(attempt).await;
        attempt::grade(self, attempt, hint).await
    }

    async fn take_turn(&self, attempt: i64) -> InFlight<i64> {
        take_turn(&self.in_flight, attempt).await
    }

    /// Waits until no other grading of this process updates `student`'s state.
    pub(crate) async fn student_turn(&self, student: &str) -> InFlight<String> {
        take_turn(&self.students_in_flight, student.to_owned()).await
    }

    /// Records an event the worker could not process, with the reason. Never fails: if
    /// even that write fails, the error is logged (the sweep still covers attempts).
    /// One dead letter per problem: an attempt that already has an unresolved one (the
    /// sweep failing on it run after run, a retried delivery) gets no second.
    pub async fn dead_letter(
        &self,
        source: &str,
        event: &Value,
        reason: &str,
        attempt: Option<i64>,
    ) {
        if let Some(attempt) = attempt {
            let open = self
                .directus
                .get_data(&format!(
                    "/items/dead_letters?filter[attempt_id][_eq]={attempt}&filter[resolved][_eq]=false&fields=id&limit=1"
                ))
                .await;
            if open
                .as_ref()
                .is_ok_and(|rows| rows.as_array().is_some_and(|rows| !rows.is_empty()))
            {
                tracing::info!(
                    source,
                    attempt_id = attempt,
                    reason,
                    "the attempt already has an open dead letter"
                );
                return;
            }
        }
        let body =
            json!({ "source": source, "event": event, "reason": reason, "attempt_id": attempt });
        match self.directus.post("/items/dead_letters", body).await {
            Ok(_) => {
                self.metrics.dead_letters.inc();
                tracing::warn!(
                    source,
                    attempt_id = attempt,
                    reason,
                    "event recorded as a dead letter"
                );
            }
            Err(error) => {
                tracing::error!(source, attempt_id = attempt, reason, %error, "could not record a dead letter")
            }
        }
    }
}

async fn take_turn<K: std::hash::Hash + Eq + Clone>(
    set: &Arc<Mutex<HashSet<K>>>,
    key: K,
) -> InFlight<K> {
    loop {
        if set.lock().expect("in-flight set").insert(key.clone()) {
            return InFlight {
                key,
                set: set.clone(),
            };
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A turn held until dropped.
pub(crate) struct InFlight<K: std::hash::Hash + Eq> {
    key: K,
    set: Arc<Mutex<HashSet<K>>>,
}

impl<K: std::hash::Hash + Eq> InFlight<K> {
    pub(crate) fn key(&self) -> &K {
        &self.key
    }
}

impl<K: std::hash::Hash + Eq> Drop for InFlight<K> {
    fn drop(&mut self) {
        self.set.lock().expect("in-flight set").remove(&self.key);
    }
}

//! Grading one attempt: one read (two when the event did not say who and which course), the
//! pure engine, two writes.
//!
//! 1. read the attempt together with its student's state in its course: mastery, graded
//!    attempts, profile, path, active recommendations (one GraphQL query, `AttemptAndState`).
//!    The student and course come from the signed event (the student and lesson of the
//!    attempt's create payload, the lesson's course from the course cache) and are checked
//!    against the attempt read. When the event does not say, or the course is not cached,
//!    a small `AttemptOnly` query finds them first, and the course structure is read and
//!    cached;
//! 2. decide with [`crate::learning::process_attempt`];
//! 3. write the outcome by the worker's [`WritePath`]:
//!    - extension: one call applies everything in one transaction, refused (409) when the
//!      student's profile `version` moved since the read; the worker then reads again and
//!      recomputes (no lost update across replicas). With the read, 2 round trips;
//!    - public: the learner records in one GraphQL mutation that names only the lists with
//!      something to write, then the attempt marked graded (REST), only once every write
//!      succeeded.
//!
//! On the extension path the extension reads the attempt with its student's state by the
//! attempt's id (it knows the student and course): no hint is needed.
//!
//! Idempotence: an attempt that is not `submitted` is left alone. Writes are absolute
//! values computed from the state read, and each carries a guard against a second
//! application: mastery rows and the profile list the attempts already applied
//! (`applied_attempts`), recommendations have unique keys `"<attempt>:<n>"` and the
//! attempt's own keys are read whatever their status. A retry after a partial write of
//! the public path, a duplicate delivery or a racing sweep therefore counts nothing
//! twice; the extension's transaction leaves no partial write to begin with.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use directus_schema::graphql::{
    AttemptAndState, AttemptOnly, CourseStructure, attempt_and_state, attempt_only,
    course_structure as course_query, record_outcome, record_outcome_request,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::course::course_from_directus;
use super::write_path::ExtensionState;
use super::{InFlight, ProcessError, Worker, WritePath};
use crate::directus::{DirectusClient, take_data};
use crate::events::AttemptHint;
use crate::learning::issues::describe;
use crate::learning::{
    AttemptInput, AttemptOutcome, Course, Engagement, MasteryState, Recommendation,
    assign_strategy, process_attempt, student_reason, usable_course,
};

/// How many attempt ids a guard list keeps (older ones cannot be retried any more).
const APPLIED_KEEP: usize = 200;
/// Questions answered correctly within this window are not offered as practice.
const RECENTLY_CORRECT_DAYS: i64 = 7;

/// What grading an attempt did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AttemptReport {
    Graded {
        attempt: i64,
        student: String,
        score: f64,
        graded: Box<crate::learning::GradedAttempt>,
        recommendations: Vec<Recommendation>,
        path: crate::learning::LearningPath,
        strategy: String,
        /// Directus round trips this grading took.
        round_trips: u32,
    },
    /// Already graded or rejected: nothing was written.
    Unchanged { attempt: i64, status: String },
    /// The attempt cannot be graded: it is marked rejected with this reason, in the
    /// student's words (it never shows an answer key).
    Rejected { attempt: i64, reason: String },
}

pub(super) async fn grade(
    worker: &Worker,
    attempt_id: i64,
    hint: &AttemptHint,
) -> Result<AttemptReport, ProcessError> {
    grade_once(worker, attempt_id, hint).await
}

/// An attempt still `submitted`, read with its student's state under the student's turn.
struct Reading {
    student: String,
    course: Arc<Course>,
    data: attempt_and_state::ResponseData,
    /// Another attempt of this student may be updating the same mastery rows and profile:
    /// this grading waited for it, so it starts from what it wrote.
    _student_turn: InFlight<String>,
}

impl Reading {
    fn attempt(&self) -> &attempt_and_state::AttemptAndStateAttemptsById {
        self.data
            .attempts_by_id
            .as_ref()
            .expect("a reading holds an attempt")
    }

    /// Whether the attempt belongs to the student and course the state was read for.
    fn fits(&self) -> bool {
        let attempt = self.attempt();
        let course = attempt
            .lesson
            .as_ref()
            .and_then(|l| l.module.as_ref())
            .and_then(|m| m.course.as_ref())
            .and_then(|c| c.id.parse::<i64>().ok());
        attempt.student.as_ref().map(|s| s.id.as_str()) == Some(self.student.as_str())
            && course == Some(self.course.id)
    }
}

enum Read {
    Ready(Box<Reading>),
    /// Nothing to grade (already graded, or rejected for broken content).
    Done(AttemptReport),
}

fn no_such_attempt(attempt_id: i64) -> ProcessError {
    ProcessError::NotFound(format!("attempt {attempt_id} does not exist"))
}

/// Nothing to do for an attempt that is no longer `submitted` (graded or rejected).
fn unless_submitted(attempt_id: i64, status: &Option<String>) -> Option<Read> {
    let status = status.clone().unwrap_or_default();
    (status != "submitted").then_some(Read::Done(AttemptReport::Unchanged {
        attempt: attempt_id,
        status,
    }))
}

/// Reads the attempt with `student`'s state in `course`, once it is this student's turn.
/// `None` when the attempt does not belong to that student and course.
async fn read_with_state(
    worker: &Worker,
    directus: &DirectusClient,
    attempt_id: i64,
    student: &str,
    course: Arc<Course>,
) -> Result<Option<Read>, ProcessError> {
    let turn = worker.student_turn(student).await;
    let data = directus
        .query::<AttemptAndState>(attempt_and_state::Variables {
            attempt: attempt_id.to_string(),
            attempt_key: json!(attempt_id),
            student: student.to_owned(),
            course: json!(course.id),
            path_key: format!("{student}:{}", course.id),
            recent_since: recently_correct_since(Utc::now()),
        })
        .await?;
    let attempt = data
        .attempts_by_id
        .as_ref()
        .ok_or_else(|| no_such_attempt(attempt_id))?;
    if let Some(done) = unless_submitted(attempt_id, &attempt.status) {
        return Ok(Some(done));
    }
    let reading = Reading {
        student: student.to_owned(),
        course,
        data,
        _student_turn: turn,
    };
    Ok(reading.fits().then(|| Read::Ready(Box::new(reading))))
}

/// The attempt and its student's state: in one round trip when the hint is right and the
/// course is cached, else after finding the student and course with `AttemptOnly`.
async fn read_attempt(
    worker: &Worker,
    directus: &DirectusClient,
    attempt_id: i64,
    hint: &AttemptHint,
) -> Result<Read, ProcessError> {
    if let (Some(student), Some(lesson)) = (&hint.student, hint.lesson)
        && let Some(course) = worker.courses.course_of_lesson(lesson)
    {
        match read_with_state(worker, directus, attempt_id, student, course).await? {
            Some(read) => return Ok(read),
            None => tracing::debug!(
                attempt_id,
                "the event's student or lesson does not fit the attempt"
            ),
        }
    }
    let data = directus
        .query::<AttemptOnly>(attempt_only::Variables {
            attempt: attempt_id.to_string(),
        })
        .await?;
    let attempt = data
        .attempts_by_id
        .ok_or_else(|| no_such_attempt(attempt_id))?;
    if let Some(done) = unless_submitted(attempt_id, &attempt.status) {
        return Ok(done);
    }
    let student = attempt
        .student
        .as_ref()
        .map(|s| s.id.clone())
        .ok_or_else(|| {
            ProcessError::NotFound(format!("attempt {attempt_id} has no student (deleted?)"))
        })?;
    let Some(lesson) = attempt.lesson.as_ref() else {
        return reject(
            worker,
            directus,
            WritePath::Public,
            attempt_id,
            Rejection::Orphan("the lesson of this attempt no longer exists.".to_owned()),
        )
        .await
        .map(Read::Done);
    };
    let Some(course_id) = lesson
        .module
        .as_ref()
        .and_then(|m| m.course.as_ref())
        .and_then(|c| c.id.parse::<i64>().ok())
    else {
        return reject(
            worker,
            directus,
            WritePath::Public,
            attempt_id,
            Rejection::Orphan("the lesson of this attempt is not part of a course.".to_owned()),
        )
        .await
        .map(Read::Done);
    };
    let course =
        match course_or_reject(worker, directus, WritePath::Public, attempt_id, course_id).await? {
            Ok(course) => course,
            Err(rejected) => return Ok(Read::Done(*rejected)),
        };
    read_with_state(worker, directus, attempt_id, &student, course)
        .await?
        .ok_or_else(|| {
            ProcessError::NotFound(format!(
                "attempt {attempt_id} changed student or lesson while it was read; the sweep will grade it"
            ))
        })
}

/// The attempt and its student's state in one call to the extension.
async fn read_via_extension(
    worker: &Worker,
    directus: &DirectusClient,
    attempt_id: i64,
    hint: &AttemptHint,
) -> Result<Read, ProcessError> {
    // Waiting for this process's other gradings of the student before reading saves a
    // conflict; the version check covers other replicas.
    let turn = match &hint.student {
        Some(student) => Some(worker.student_turn(student).await),
        None => None,
    };
    let answer = directus
        .get_data(&format!(
            "/pathwise/attempts/{attempt_id}/state?recent_since={}",
            recently_correct_since(Utc::now())
        ))
        .await
        .map_err(|e| {
            if e.is_status(404) {
                no_such_attempt(attempt_id)
            } else {
                e.into()
            }
        })?;
    let state: ExtensionState = serde_json::from_value(answer).map_err(|e| {
        ProcessError::Directus(crate::directus::DirectusError {
            operation: "GET /pathwise/attempts/:id/state".to_owned(),
            status: None,
            code: None,
            message: format!("the extension answered an unexpected body: {e}"),
        })
    })?;
    reading_from_extension(worker, directus, state, turn).await
}

/// A reading from the extension's answer (a state read or a submission): rejects the
/// attempt when its lesson is gone or its course broken.
async fn reading_from_extension(
    worker: &Worker,
    directus: &DirectusClient,
    state: ExtensionState,
    turn: Option<InFlight<String>>,
) -> Result<Read, ProcessError> {
    let attempt_id = state.attempt;
    let attempt = state
        .state
        .attempts_by_id
        .as_ref()
        .ok_or_else(|| no_such_attempt(attempt_id))?;
    if let Some(done) = unless_submitted(attempt_id, &attempt.status) {
        return Ok(done);
    }
    let student = state.student.clone().ok_or_else(|| {
        ProcessError::NotFound(format!("attempt {attempt_id} has no student (deleted?)"))
    })?;
    let Some(course_id) = state.course else {
        return reject(
            worker,
            directus,
            WritePath::Extension,
            attempt_id,
            Rejection::Orphan(
                "the lesson of this attempt no longer exists or is not part of a course."
                    .to_owned(),
            ),
        )
        .await
        .map(Read::Done);
    };
    let course = match course_or_reject(
        worker,
        directus,
        WritePath::Extension,
        attempt_id,
        course_id,
    )
    .await?
    {
        Ok(course) => course,
        Err(rejected) => return Ok(Read::Done(*rejected)),
    };
    let turn = match turn {
        Some(turn) if turn.key() == &student => turn,
        other => {
            drop(other); // a wrong hint's turn: never hold two students' turns at once
            worker.student_turn(&student).await
        }
    };
    Ok(Read::Ready(Box::new(Reading {
        student,
        course,
        data: state.state,
        _student_turn: turn,
    })))
}

/// How many times an outcome is recomputed when the student's state changed under it
/// (another replica graded one of their attempts in between) before giving up; the sweep
/// tries again later.
const MAX_CONFLICTS: u32 = 5;

async fn grade_once(
    worker: &Worker,
    attempt_id: i64,
    hint: &AttemptHint,
) -> Result<AttemptReport, ProcessError> {
    let directus = worker.directus.counting();
    let path = worker.write_path().await?;
    let mut conflicts = 0;
    loop {
        let read = match path {
            WritePath::Public => read_attempt(worker, &directus, attempt_id, hint).await?,
            WritePath::Extension => read_via_extension(worker, &directus, attempt_id, hint).await?,
        };
        let reading = match read {
            Read::Ready(reading) => reading,
            Read::Done(report) => return Ok(report),
        };
        match decide_and_write(worker, &directus, path, *reading).await? {
            Written::Done(report) => return Ok(report),
            Written::Conflict(reason) if conflicts < MAX_CONFLICTS => {
                conflicts += 1;
                worker.metrics.write_conflicts.inc();
                tracing::info!(
                    attempt_id,
                    conflicts,
                    reason,
                    "the student's state changed while grading; reading it again"
                );
                // Let the other grading finish; jitter keeps two replicas from colliding again.
                let wait = 20 * u64::from(conflicts) + rand::random_range(0..50);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            Written::Conflict(reason) => {
                return Err(ProcessError::Conflict(format!(
                    "the student's state kept changing while attempt {attempt_id} was graded ({reason}); the sweep will grade it"
                )));
            }
        }
    }
}

/// The synchronous path through the extension: one call creates the attempt as the
/// student (Directus' permissions decide) and reads their state; then grade and apply.
/// Answers the new attempt's id, and how grading it went. The attempt is created without
/// action events, so no flow delivers it a second time; if this grading fails, the sweep
/// grades it.
pub async fn submit_and_grade(
    worker: &Worker,
    student_token: &crate::secret::Secret,
    attempt: Value,
) -> Result<(i64, Result<AttemptReport, ProcessError>), crate::directus::DirectusError> {
    let directus = worker.directus.counting();
    let as_student = directus.on_behalf_of(student_token.clone());
    let answer = as_student.post("/pathwise/submissions", attempt).await?;
    let state: ExtensionState = match serde_json::from_value(take_data(answer)) {
        Ok(state) => state,
        Err(error) => {
            return Err(crate::directus::DirectusError {
                operation: "POST /pathwise/submissions".to_owned(),
                status: None,
                code: None,
                message: format!("the extension answered an unexpected body: {error}"),
            });
        }
    };
    let attempt_id = state.attempt;
    let _turn = worker.take_turn(attempt_id).await;
    let graded = async {
        match reading_from_extension(worker, &directus, state, None).await? {
            Read::Done(report) => Ok(report),
            Read::Ready(reading) => {
                match decide_and_write(worker, &directus, WritePath::Extension, *reading).await? {
                    Written::Done(report) => Ok(report),
                    // Another grading of this student came first: grade it the usual way.
                    Written::Conflict(_) => {
                        grade_once(worker, attempt_id, &AttemptHint::default()).await
                    }
                }
            }
        }
    }
    .await;
    Ok((attempt_id, graded))
}

/// What writing an outcome came to.
enum Written {
    Done(AttemptReport),
    /// The student's state changed since it was read: read again and recompute.
    Conflict(String),
}

/// The pure engine on what was read, then the writes of `path`.
async fn decide_and_write(
    worker: &Worker,
    directus: &DirectusClient,
    path: WritePath,
    reading: Reading,
) -> Result<Written, ProcessError> {
    let attempt = reading.attempt();
    let attempt_id: i64 = attempt.id.parse().unwrap_or_default();
    let student = reading.student.clone();
    let lesson_id: i64 = attempt
        .lesson
        .as_ref()
        .and_then(|l| l.id.parse().ok())
        .unwrap_or_default();

    let now = Utc::now();
    let prior = Prior::from_state(&reading.data, attempt_id);
    let strategy = prior.strategy.clone().or_else(|| {
        let weights: Vec<(&str, u32)> = worker
            .settings
            .strategies
            .iter()
            .map(|(n, w)| (n.as_str(), *w))
            .collect();
        assign_strategy(&student, &worker.settings.experiment, &weights).map(str::to_owned)
    });
    let input = AttemptInput {
        student: student.clone(),
        course: (*reading.course).clone(),
        lesson: lesson_id,
        answers: attempt.answers.clone(),
        started_at: parse_time(attempt.started_at.as_deref()),
        submitted_at: parse_time(attempt.submitted_at.as_deref())
            .or(parse_time(attempt.date_created.as_deref())),
        now,
        mastery: prior
            .mastery
            .iter()
            .map(|(skill, row)| (*skill, row.state.clone()))
            .collect(),
        latest_scores: prior.latest_scores.clone(),
        recently_correct: prior.recently_correct.clone(),
        engagement: prior.engagement.clone(),
        time_zone: prior.time_zone.clone(),
        strategy,
        completion_rule: worker.settings.completion_rule,
        active_recommendations: prior.supersedable.clone(),
    };
    let started = Instant::now();
    let outcome = match process_attempt(&input) {
        Ok(outcome) => outcome,
        Err(error) => {
            let rejection = Rejection::of(&reading.course, &error);
            return reject(worker, directus, path, attempt_id, rejection)
                .await
                .map(Written::Done);
        }
    };
    worker
        .metrics
        .grading_latency
        .observe(started.elapsed().as_secs_f64());

    let variables = outcome_writes(attempt_id, &student, input.course.id, &outcome, &prior);
    let graded = graded_fields(&outcome, now);
    match path {
        WritePath::Extension => {
            let mut writes = serde_json::to_value(&variables).unwrap_or_default();
            clear_finished_current_lesson(&mut writes, &outcome.path);
            let body = json!({
                "version": prior.profile.as_ref().map(|p| p.version),
                "attempt": graded,
                "writes": writes,
            });
            match directus
                .post(&format!("/pathwise/attempts/{attempt_id}/outcome"), body)
                .await
            {
                Ok(_) => {}
                Err(e) if e.is_status(409) => return Ok(Written::Conflict(e.message)),
                Err(e) => return Err(e.into()),
            }
        }
        WritePath::Public => {
            if let Some(mut request) = record_outcome_request(&variables) {
                clear_finished_current_lesson(&mut request["variables"], &outcome.path);
                match directus.graphql_request("/graphql", request).await {
                    Ok(_) => {}
                    // Another replica is writing this very outcome (same keys): let it
                    // finish, then look again; the guards make the second look change
                    // nothing.
                    Err(e) if e.code.as_deref() == Some("RECORD_NOT_UNIQUE") => {
                        return Ok(Written::Conflict(e.message));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // Last, once every learner record is written: a retry finds it `submitted`
            // and finishes the job.
            directus
                .patch(&format!("/items/attempts/{attempt_id}"), graded)
                .await?;
        }
    }
    drop(reading);
    let round_trips = directus.round_trips();
    worker
        .metrics
        .round_trips_per_attempt
        .observe(f64::from(round_trips));
    tracing::info!(attempt_id, student = %student, score = outcome.graded.score, round_trips, write_path = path.name(), "attempt graded");
    Ok(Written::Done(AttemptReport::Graded {
        attempt: attempt_id,
        student,
        score: outcome.graded.score,
        graded: Box::new(outcome.graded),
        recommendations: outcome.recommendations,
        path: outcome.path,
        strategy: outcome.strategy,
        round_trips,
    }))
}

/// The attempt's course structure, or the attempt rejected when the course is broken.
async fn course_or_reject(
    worker: &Worker,
    directus: &DirectusClient,
    path: WritePath,
    attempt_id: i64,
    course_id: i64,
) -> Result<Result<Arc<Course>, Box<AttemptReport>>, ProcessError> {
    match course_structure(worker, directus, course_id).await {
        Ok(course) => Ok(Ok(course)),
        Err(ProcessError::Content(reason)) => reject(
            worker,
            directus,
            path,
            attempt_id,
            Rejection::Orphan(reason),
        )
        .await
        .map(|report| Err(Box::new(report))),
        Err(error) => Err(error),
    }
}

/// A course's structure: from the cache, or read from Directus (one more round trip) and
/// cached.
pub(super) async fn course_structure(
    worker: &Worker,
    directus: &DirectusClient,
    course_id: i64,
) -> Result<std::sync::Arc<crate::learning::Course>, ProcessError> {
    if let Some(course) = worker.courses.get(course_id) {
        return Ok(course);
    }
    let data = directus
        .query::<CourseStructure>(course_query::Variables {
            course: course_id.to_string(),
            course_id: json!(course_id),
        })
        .await?;
    let parts = data
        .courses_by_id
        .ok_or_else(|| ProcessError::Content(format!("course {course_id} does not exist")))?;
    let mut course = course_from_directus(&serde_json::to_value(parts).unwrap_or_default())?;
    // The nightly fit, when there is one and it is usable (else the defaults).
    course.review_parameters = data
        .course_insights
        .first()
        .and_then(|row| row.review_fit.as_ref())
        .and_then(|fit| serde_json::from_value::<Vec<f32>>(fit["parameters"].clone()).ok())
        .filter(|parameters| {
            crate::learning::ReviewScheduler::with_parameters(
                parameters,
                crate::learning::reviews::DEFAULT_RETENTION,
            )
            .is_ok()
        });
    let loaded = Arc::new(course);
    // Broken prerequisites (a cycle) are left out once per load, so that grading does not
    // copy the course per attempt to leave them out (see `learning::paths`).
    let course = usable_course(&loaded).map_or_else(|| loaded.clone(), Arc::new);
    worker.courses.insert(course.clone());
    // Every load validates the whole course, as the editor wrote it, beside the grading.
    super::content_issues::record_in_background(worker, loaded);
    Ok(course)
}

/// Why an attempt is rejected.
enum Rejection {
    /// The attempted lesson cannot be graded (a broken key in one of its questions, bad
    /// parameters of a skill it assesses). The editors find the problem in
    /// `content_issues`, recorded once when the course was loaded: no dead letter.
    Content {
        /// For the student: which question or skill, never what a key holds.
        student: String,
        /// For the log: the problem in the editors' words.
        problem: String,
    },
    /// Nothing gradable: the lesson is gone or outside any course, or the input names
    /// something unknown. Recorded as a dead letter.
    Orphan(String),
}

impl Rejection {
    fn of(course: &Course, error: &crate::learning::EngineError) -> Self {
        match describe(course, error) {
            Some(issue) => Rejection::Content {
                student: student_reason(course, error),
                problem: issue.problem,
            },
            None => Rejection::Orphan(error.to_string()),
        }
    }
}

/// Marks the attempt rejected with a reason a student can read. A content problem is
/// already recorded for the editors (see [`Rejection::Content`]); anything else is
/// recorded as a dead letter.
async fn reject(
    worker: &Worker,
    directus: &DirectusClient,
    path: WritePath,
    attempt: i64,
    rejection: Rejection,
) -> Result<AttemptReport, ProcessError> {
    let for_student = match &rejection {
        Rejection::Content { student, .. } => student.clone(),
        Rejection::Orphan(reason) => format!("This attempt could not be graded: {reason}"),
    };
    let rejected = json!({ "status": "rejected", "rejection_reason": for_student, "graded_at": Utc::now().to_rfc3339() });
    match path {
        WritePath::Public => {
            directus
                .patch(&format!("/items/attempts/{attempt}"), rejected)
                .await?;
        }
        WritePath::Extension => {
            directus
                .post(
                    &format!("/pathwise/attempts/{attempt}/outcome"),
                    json!({ "attempt": rejected }),
                )
                .await?;
        }
    }
    match &rejection {
        Rejection::Content { problem, .. } => {
            worker.metrics.attempt_rejected("content");
            // Info, not warn: the problem itself was logged once, when it was recorded.
            tracing::info!(attempt_id = attempt, problem = %problem, "attempt rejected: its lesson cannot be graded");
        }
        Rejection::Orphan(reason) => {
            worker.metrics.attempt_rejected("orphan");
            worker
                .dead_letter(
                    "worker",
                    &json!({ "attempt": attempt }),
                    reason,
                    Some(attempt),
                )
                .await;
            tracing::warn!(attempt_id = attempt, reason = %reason, "attempt rejected");
        }
    }
    Ok(AttemptReport::Rejected {
        attempt,
        reason: for_student,
    })
}

fn parse_time(value: Option<&str>) -> Option<DateTime<Utc>> {
    let value = value?;
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn format_time(value: Option<DateTime<Utc>>) -> Option<String> {
    value.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A mastery row as stored.
#[derive(Debug, Clone)]
struct MasteryRow {
    id: String,
    state: MasteryState,
    applied: Vec<i64>,
}

/// A path with every step done has no current lesson: the update must say so with an
/// explicit null, which the typed variables leave out (they skip every `None`, because
/// Directus takes a null as a value, e.g. a null `id`).
fn clear_finished_current_lesson(variables: &mut Value, path: &crate::learning::LearningPath) {
    if path.current_lesson.is_some() {
        return;
    }
    if let Some(updates) = variables
        .pointer_mut("/pathUpdates")
        .and_then(Value::as_array_mut)
    {
        for update in updates {
            update["current_lesson"] = Value::Null;
        }
    }
}

/// The student's path in the course as stored.
#[derive(Debug, Clone)]
struct StoredPath {
    id: String,
    steps: Value,
    current_lesson: Option<i64>,
    progress: f64,
}

impl StoredPath {
    /// Whether writing `path` would change nothing: most attempts leave the path as it
    /// is, and a write Directus can skip is a few milliseconds of its CPU.
    fn same_as(&self, path: &crate::learning::LearningPath, steps: &Value) -> bool {
        &self.steps == steps
            && self.current_lesson == path.current_lesson
            && (self.progress - path.progress).abs() < 1e-6
    }
}

/// The student's profile as stored.
#[derive(Debug, Clone)]
struct StoredProfile {
    id: String,
    applied: Vec<i64>,
    /// Bumped by every outcome written: the extension refuses an outcome computed from an
    /// older one.
    version: i64,
}

/// The student's state before this attempt, as read from Directus.
#[derive(Debug, Clone, Default)]
struct Prior {
    mastery: HashMap<i64, MasteryRow>,
    latest_scores: HashMap<i64, f64>,
    recently_correct: HashSet<i64>,
    engagement: Engagement,
    time_zone: Option<String>,
    strategy: Option<String>,
    profile: Option<StoredProfile>,
    path: Option<StoredPath>,
    /// Active recommendations of this course from earlier attempts.
    supersedable: Vec<i64>,
    /// Keys of this attempt's recommendations already written (a partial earlier run).
    written_keys: HashSet<String>,
}

fn applied_ids(value: &Option<Value>) -> Vec<i64> {
    value
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

impl Prior {
    fn from_state(state: &attempt_and_state::ResponseData, attempt: i64) -> Self {
        let mut prior = Prior::default();
        for row in &state.mastery {
            let Some(skill) = row.skill.as_ref().and_then(|s| s.id.parse::<i64>().ok()) else {
                continue;
            };
            let state = MasteryState {
                p_known: row.p_known.unwrap_or(0.0),
                mastered: row.mastered,
                observations: row.observations.max(0) as u32,
                correct: row.correct.max(0) as u32,
                stability: row.stability,
                difficulty: row.difficulty,
                due: parse_time(row.due_at.as_deref()),
                last_review: parse_time(row.last_review_at.as_deref()),
            };
            prior.mastery.insert(
                skill,
                MasteryRow {
                    id: row.id.clone(),
                    state,
                    applied: applied_ids(&row.applied_attempts),
                },
            );
        }
        // Attempts come newest first: the first score seen per lesson is the latest.
        for graded in &state.attempts {
            let Some(lesson) = graded
                .lesson
                .as_ref()
                .and_then(|l| l.id.parse::<i64>().ok())
            else {
                continue;
            };
            if let Some(score) = graded.score {
                prior.latest_scores.entry(lesson).or_insert(score);
            }
        }
        // Attempts graded before `correct_questions` existed have none: at worst, for a
        // week after the upgrade, a practice question answered correctly comes up again.
        for recent in &state.recent_results {
            prior
                .recently_correct
                .extend(correct_questions(recent.correct_questions.as_ref()));
        }
        if let Some(profile) = state.student_profiles.first() {
            prior.engagement = Engagement {
                xp: profile.xp.max(0) as u64,
                streak_days: profile.streak_days.max(0) as u32,
                longest_streak: profile.longest_streak.max(0) as u32,
                last_active_at: parse_time(profile.last_active_at.as_deref()),
            };
            prior.time_zone = profile.time_zone.clone().filter(|tz| !tz.is_empty());
            prior.strategy = profile.strategy.clone().filter(|s| !s.is_empty());
            prior.profile = Some(StoredProfile {
                id: profile.id.clone(),
                applied: applied_ids(&profile.applied_attempts),
                version: profile.version,
            });
        }
        prior.path = state.learning_paths.first().map(|p| StoredPath {
            id: p.id.clone(),
            steps: p.steps.clone().unwrap_or(Value::Null),
            current_lesson: p.current_lesson.as_ref().and_then(|l| l.id.parse().ok()),
            progress: p.progress,
        });
        let own_prefix = format!("{attempt}:");
        for recommendation in &state.recommendations {
            let own = recommendation
                .key
                .as_deref()
                .is_some_and(|key| key.starts_with(&own_prefix));
            if !own && let Ok(id) = recommendation.id.parse() {
                prior.supersedable.push(id);
            }
        }
        // Whatever their status: a later attempt may have superseded them since.
        prior.written_keys.extend(
            state
                .own_recommendations
                .iter()
                .filter_map(|r| r.key.clone()),
        );
        prior
    }
}

/// Attempts graded since then count for [`Prior::recently_correct`].
fn recently_correct_since(now: DateTime<Utc>) -> String {
    (now - ChronoDuration::days(RECENTLY_CORRECT_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A graded attempt's stored `correct_questions` (a list of question ids).
fn correct_questions(stored: Option<&Value>) -> Vec<i64> {
    stored
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect()
}

/// The attempt's stored `results`: per-question results with feedback, unknown
/// questions, and the speed judgement.
/// The attempt's `results`: per question, plus what the nightly analyses read back (see
/// docs/analytics.md): per skill, P(known) before and after (`mastery`: mastery gained,
/// time to mastery) and BKT's P(correct) before each answer (`predictions`: the accuracy
/// monitor).
pub fn stored_results(
    graded: &crate::learning::GradedAttempt,
    mastery: &[crate::learning::SkillUpdate],
) -> Value {
    let skills: Vec<Value> = mastery
        .iter()
        .map(|update| {
            json!({
                "skill": update.skill,
                "before": update.p_known_before,
                "after": update.state.p_known,
                "mastered": update.state.mastered,
                // The FSRS review this attempt gave the skill: a course's review history,
                // for fitting its FSRS parameters.
                "rating": update.rating,
            })
        })
        .collect();
    let predictions: Vec<Value> = mastery
        .iter()
        .flat_map(|update| {
            update.predictions.iter().map(|p| {
                json!({ "skill": update.skill, "question": p.question, "p_correct": p.p_correct, "correct": p.correct })
            })
        })
        .collect();
    json!({
        "questions": graded.results,
        "unknown_questions": graded.unknown_questions,
        "speed": graded.speed,
        "empty": graded.empty,
        "answers_malformed": graded.answers_malformed,
        "mastery": skills,
        "predictions": predictions,
    })
}

/// The attempt's graded fields, written last.
fn graded_fields(outcome: &AttemptOutcome, now: DateTime<Utc>) -> Value {
    let graded = &outcome.graded;
    json!({
        "status": "graded",
        "score": graded.score,
        "points_earned": graded.points_earned,
        "points_possible": graded.points_possible,
        "duration_seconds": graded.speed.duration_seconds,
        "speed_flag": graded.speed.flag,
        "results": stored_results(graded, &outcome.mastery),
        "correct_questions": graded.correct_questions(),
        "graded_at": format_time(Some(now)),
    })
}

fn with_applied(mut applied: Vec<i64>, attempt: i64) -> Value {
    applied.push(attempt);
    let skip = applied.len().saturating_sub(APPLIED_KEEP);
    json!(applied[skip..])
}

/// Every write of the outcome, as the variables of [`RecordOutcome`].
fn outcome_writes(
    attempt: i64,
    student: &str,
    course: i64,
    outcome: &AttemptOutcome,
    prior: &Prior,
) -> record_outcome::Variables {
    use record_outcome::*;
    let mut vars = Variables {
        superseded: outcome
            .superseded
            .iter()
            .map(|id| Some(id.to_string()))
            .collect(),
        // Lists left unset or empty are left out of the request (`record_outcome_request`).
        ..Default::default()
    };

    let mut new_mastery = Vec::new();
    let mut mastery_updates = Vec::new();
    for update in &outcome.mastery {
        let state = &update.state;
        match prior.mastery.get(&update.skill) {
            Some(row) if row.applied.contains(&attempt) => {} // written by an earlier, partial run
            Some(row) => mastery_updates.push(update_mastery_input {
                id: Some(row.id.clone()),
                p_known: Some(state.p_known),
                mastered: Some(state.mastered),
                observations: Some(i64::from(state.observations)),
                correct: Some(i64::from(state.correct)),
                stability: state.stability,
                difficulty: state.difficulty,
                due_at: format_time(state.due),
                last_review_at: format_time(state.last_review),
                applied_attempts: Some(with_applied(row.applied.clone(), attempt)),
                ..Default::default()
            }),
            None => new_mastery.push(create_mastery_input {
                key: format!("{student}:{}", update.skill),
                student: student.to_owned(),
                skill: update.skill,
                p_known: Some(state.p_known),
                mastered: state.mastered,
                observations: i64::from(state.observations),
                correct: i64::from(state.correct),
                stability: state.stability,
                difficulty: state.difficulty,
                due_at: format_time(state.due),
                last_review_at: format_time(state.last_review),
                applied_attempts: Some(json!([attempt])),
                ..Default::default()
            }),
        }
    }
    vars.new_mastery = Some(new_mastery);
    vars.mastery_updates = Some(mastery_updates);

    let recommendations: Vec<create_recommendations_input> = outcome
        .recommendations
        .iter()
        .enumerate()
        .map(|(n, r)| (format!("{attempt}:{n}"), r))
        .filter(|(key, _)| !prior.written_keys.contains(key))
        .map(|(key, r)| create_recommendations_input {
            key: Some(key),
            student: student.to_owned(),
            course,
            attempt: Some(attempt),
            kind: serde_json::to_value(r.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            lesson: r.lesson,
            skill: r.skill,
            questions: Some(json!(r.questions)),
            reason: Some(r.reason.clone()),
            priority: i64::from(r.priority),
            strategy: Some(r.strategy.clone()),
            status: Some("active".to_owned()),
            ..Default::default()
        })
        .collect();
    vars.new_recommendations = Some(recommendations);

    let engagement = &outcome.engagement;
    match &prior.profile {
        Some(profile) if profile.applied.contains(&attempt) => {}
        Some(profile) => {
            vars.profile_updates = Some(vec![update_student_profiles_input {
                id: Some(profile.id.clone()),
                xp: Some(engagement.xp as i64),
                streak_days: Some(i64::from(engagement.streak_days)),
                longest_streak: Some(i64::from(engagement.longest_streak)),
                last_active_at: format_time(engagement.last_active_at),
                strategy: Some(outcome.strategy.clone()),
                applied_attempts: Some(with_applied(profile.applied.clone(), attempt)),
                // The same value the extension's version check leaves; on the public path
                // it tells a concurrent extension-path grading that the state moved.
                version: Some(profile.version + 1),
                ..Default::default()
            }])
        }
        None => {
            vars.new_profiles = Some(vec![create_student_profiles_input {
                student: student.to_owned(),
                xp: engagement.xp as i64,
                streak_days: i64::from(engagement.streak_days),
                longest_streak: i64::from(engagement.longest_streak),
                last_active_at: format_time(engagement.last_active_at),
                strategy: Some(outcome.strategy.clone()),
                applied_attempts: Some(json!([attempt])),
                version: 1,
                ..Default::default()
            }])
        }
    }

    let steps = serde_json::to_value(&outcome.path.steps).unwrap_or_default();
    match &prior.path {
        Some(stored) if stored.same_as(&outcome.path, &steps) => {}
        Some(stored) => {
            vars.path_updates = Some(vec![update_learning_paths_input {
                id: Some(stored.id.clone()),
                steps: Some(steps),
                current_lesson: outcome.path.current_lesson,
                progress: Some(outcome.path.progress),
                ..Default::default()
            }])
        }
        None => {
            vars.new_paths = Some(vec![create_learning_paths_input {
                key: format!("{student}:{course}"),
                student: student.to_owned(),
                course,
                steps: Some(steps),
                current_lesson: outcome.path.current_lesson,
                progress: outcome.path.progress,
                ..Default::default()
            }])
        }
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::LearningPath;
    use crate::learning::paths::{PathStep, StepState};

    fn path(current: Option<i64>, progress: f64) -> LearningPath {
        LearningPath {
            steps: vec![
                PathStep {
                    lesson: 1,
                    state: StepState::Done,
                },
                PathStep {
                    lesson: 2,
                    state: if current.is_some() {
                        StepState::Available
                    } else {
                        StepState::Done
                    },
                },
            ],
            current_lesson: current,
            progress,
        }
    }

    fn stored(path: &LearningPath) -> StoredPath {
        StoredPath {
            id: "7".into(),
            steps: serde_json::to_value(&path.steps).unwrap(),
            current_lesson: path.current_lesson,
            progress: path.progress,
        }
    }

    #[test]
    fn an_unchanged_path_is_not_written_again_and_any_change_is() {
        let before = path(Some(2), 0.5);
        let steps = |p: &LearningPath| serde_json::to_value(&p.steps).unwrap();
        assert!(stored(&before).same_as(&before, &steps(&before)));
        let finished = path(None, 1.0);
        assert!(!stored(&before).same_as(&finished, &steps(&finished)));
        let mut moved = before.clone();
        moved.current_lesson = Some(1);
        assert!(!stored(&before).same_as(&moved, &steps(&moved)));
        let mut progressed = before.clone();
        progressed.progress = 0.75;
        assert!(!stored(&before).same_as(&progressed, &steps(&progressed)));
    }

    #[test]
    fn a_finished_path_clears_its_current_lesson_explicitly() {
        let request = || json!({ "pathUpdates": [{ "id": "7", "progress": 1.0 }] });
        let mut finished = request();
        clear_finished_current_lesson(&mut finished, &path(None, 1.0));
        assert_eq!(finished["pathUpdates"][0]["current_lesson"], Value::Null);
        assert!(
            finished["pathUpdates"][0]
                .as_object()
                .unwrap()
                .contains_key("current_lesson")
        );
        let mut ongoing = request();
        clear_finished_current_lesson(&mut ongoing, &path(Some(2), 0.5));
        assert_eq!(
            ongoing,
            request(),
            "a current lesson is set by the typed variables"
        );
        let mut no_update = json!({ "newPaths": [{}] });
        clear_finished_current_lesson(&mut no_update, &path(None, 1.0));
        assert!(no_update.get("pathUpdates").is_none());
    }
}

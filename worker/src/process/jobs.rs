//! Scheduled jobs: a Directus schedule flow ticks, the worker runs the job once per
//! period, whatever the number of ticks or workers.
//!
//! A run is claimed by creating its `job_runs` row, whose `key` (`<job>:<period>`) is
//! unique: the second claim of a period (a tick delivered twice, another worker replica)
//! is refused by Directus with `RECORD_NOT_UNIQUE` and does nothing. "Now" is the tick's
//! (the signed event's `now`, else its token's issue time), so tests run a week of ticks in
//! seconds.
//!
//! The engagement job (`engagement`, hourly): inactivity nudges, review digests and
//! badges, decided by [`crate::learning::messages`]. Every message is recorded in
//! `messages` under its unique key before it is delivered, so it is delivered once even if
//! the run stops halfway and a later tick covers the same period; delivery is a Directus
//! notification, which Directus emails to users whose `email_notifications` is on (a
//! student who turned in-app messages off gets the notification archived: the email
//! still goes, the inbox stays empty).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use directus_schema::collections::{BADGES, JOB_RUNS, MESSAGES};
use directus_schema::flows::{ENGAGEMENT_JOB, NIGHTLY_JOB};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ProcessError, Worker};
use crate::directus::DirectusError;
use crate::learning::messages::{
    Achievements, Badge, DEFAULT_INACTIVE_DAYS, DueReview, Message, PathSituation, Preferences,
    StudentSituation, Suppressed, Window, badge_message, decide_digest, decide_nudge,
    qualifying_badges,
};

/// The jobs the worker knows, by the name their flow sends.
pub const JOBS: [&str; 2] = [ENGAGEMENT_JOB, NIGHTLY_JOB];

/// What a tick did, as `POST /v1/jobs` answers it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobReport {
    pub job: String,
    pub period: String,
    /// False when another tick of the same period ran it already.
    pub ran: bool,
    /// Messages delivered, by kind.
    pub sent: HashMap<String, u32>,
    /// Messages not sent, by `kind:reason`.
    pub suppressed: HashMap<String, u32>,
    pub badges_awarded: u32,
    /// The nightly analysis's counts (`nightly` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nightly: Option<super::nightly::NightlyReport>,
}

/// The hourly period of `now`, in UTC: `2026-12-05T09`.
pub fn hourly_period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H").to_string()
}

fn not_unique(error: &DirectusError) -> bool {
    error.code.as_deref() == Some("RECORD_NOT_UNIQUE")
}

impl Worker {
    /// Runs `job` for the period of `now` (the UTC hour; the UTC day for `nightly`), once.
    pub async fn run_job(&self, job: &str, now: DateTime<Utc>) -> Result<JobReport, ProcessError> {
        let period = if job == NIGHTLY_JOB {
            super::nightly::daily_period(now)
        } else {
            hourly_period(now)
        };
        let mut report = JobReport {
            job: job.to_owned(),
            period: period.clone(),
            ..JobReport::default()
        };
        let Some(run_id) = self.claim_run(job, &period).await? else {
            self.metrics.job_ran(job, "already_ran");
            tracing::info!(job.name = job, job.period = %period, "job already ran this period");
            return Ok(report);
        };
        report.ran = true;
        let outcome = if job == NIGHTLY_JOB {
            let mut nightly = super::nightly::NightlyReport::default();
            let outcome = super::nightly::nightly(self, now, &mut nightly).await;
            report.nightly = Some(nightly);
            outcome
        } else {
            engagement(self, now, &mut report).await
        };
        let (status, label) = match &outcome {
            Ok(()) => ("done", "ran"),
            Err(_) => ("failed", "failed"),
        };
        self.metrics.job_ran(job, label);
        let summary = json!({
            "nightly": report.nightly,
            "sent": report.sent,
            "suppressed": report.suppressed,
            "badges_awarded": report.badges_awarded,
            "error": outcome.as_ref().err().map(ToString::to_string),
        });
        self.finish_run(&run_id, status, summary).await?;
        outcome.map(|()| report)
    }

    /// Claims the run of `job` for `period` by creating its `job_runs` row; answers the
    /// row's id, or `None` when another tick or replica claimed that period first.
    pub(crate) async fn claim_run(
        &self,
        job: &str,
        period: &str,
    ) -> Result<Option<Value>, ProcessError> {
        let claimed = self
            .directus
            .post(
                &format!("/items/{JOB_RUNS}?fields=id"),
                json!({ "key": format!("{job}:{period}"), "job": job, "period": period, "status": "running" }),
            )
            .await;
        match claimed {
            Ok(created) => Ok(Some(created["data"]["id"].clone())),
            Err(error) if not_unique(&error) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Closes a claimed run with its status (`done` or `failed`) and summary.
    pub(crate) async fn finish_run(
        &self,
        run_id: &Value,
        status: &str,
        summary: Value,
    ) -> Result<(), ProcessError> {
        self.directus
            .patch(
                &format!("/items/{JOB_RUNS}/{run_id}?fields=id"),
                json!({ "status": status, "summary": summary }),
            )
            .await?;
        Ok(())
    }
}

/// One student's rows, gathered from the collections the job reads.
#[derive(Default)]
struct Gathered {
    situation: Option<StudentSituation>,
    achievements: Achievements,
}

async fn engagement(
    worker: &Worker,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> Result<(), ProcessError> {
    let directus = &worker.directus;
    let window = Window::default();
    let profiles = directus
        .get_data("/items/student_profiles?limit=-1&fields=student,time_zone,last_active_at,date_created,longest_streak,nudges,digests,in_app_messages")
        .await?;
    let users: HashMap<String, Value> = directus
        .get_data("/users?limit=-1&fields=id,first_name,email_notifications")
        .await?
        .as_array()
        .into_iter()
        .flatten()
        .map(|user| (text(&user["id"]), user.clone()))
        .collect();
    let courses: HashMap<i64, (String, u32)> = directus
        .get_data("/items/courses?limit=-1&fields=id,title,nudge_after_days")
        .await?
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|course| {
            let days = course["nudge_after_days"]
                .as_u64()
                .map_or(DEFAULT_INACTIVE_DAYS, |d| d.clamp(1, 365) as u32);
            Some((course["id"].as_i64()?, (text(&course["title"]), days)))
        })
        .collect();
    let paths = directus
        .get_data("/items/learning_paths?limit=-1&fields=student,course,current_lesson.title,progress,steps")
        .await?;
    let mastery = directus
        .get_data("/items/mastery?limit=-1&fields=student,skill.id,skill.name,mastered,due_at")
        .await?;
    let week_ago = (now - Duration::days(8)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let recent_nudges = directus
        .get_data(&format!(
            "/items/{MESSAGES}?limit=-1&fields=student,sent_at&filter[kind][_eq]=nudge&filter[sent_at][_gte]={week_ago}"
        ))
        .await?;
    let awarded: HashSet<String> = directus
        .get_data(&format!("/items/{BADGES}?limit=-1&fields=key"))
        .await?
        .as_array()
        .into_iter()
        .flatten()
        .map(|badge| text(&badge["key"]))
        .collect();

    let mut students: HashMap<String, Gathered> = HashMap::new();
    for profile in profiles.as_array().into_iter().flatten() {
        let student = text(&profile["student"]);
        let user = users.get(&student);
        let email = user.is_some_and(|u| u["email_notifications"] == json!(true));
        let situation = StudentSituation {
            student: student.clone(),
            first_name: user
                .and_then(|u| u["first_name"].as_str())
                .map(str::to_owned),
            time_zone: profile["time_zone"].as_str().map(str::to_owned),
            last_active_at: time(&profile["last_active_at"]),
            joined_at: time(&profile["date_created"]),
            paths: Vec::new(),
            due_reviews: Vec::new(),
            last_nudge_at: None,
            preferences: Preferences {
                nudges: profile["nudges"] != json!(false),
                digests: profile["digests"] != json!(false),
                in_app: profile["in_app_messages"] != json!(false),
                email,
            },
        };
        let entry = students.entry(student).or_default();
        entry.achievements.longest_streak = profile["longest_streak"].as_u64().unwrap_or(0) as u32;
        entry.situation = Some(situation);
    }
    for path in paths.as_array().into_iter().flatten() {
        let Some(entry) = students.get_mut(&text(&path["student"])) else {
            continue;
        };
        let Some(course) = path["course"].as_i64() else {
            continue;
        };
        let (title, days) = courses
            .get(&course)
            .cloned()
            .unwrap_or_else(|| (format!("course {course}"), DEFAULT_INACTIVE_DAYS));
        let steps = path["steps"].as_array().cloned().unwrap_or_default();
        let done = steps.iter().filter(|step| step["state"] == "done").count();
        entry
            .achievements
            .paths
            .push((course, title.clone(), done, steps.len()));
        if let Some(situation) = entry.situation.as_mut() {
            situation.paths.push(PathSituation {
                course,
                course_title: title,
                inactive_days: days,
                current_lesson: path["current_lesson"]["title"].as_str().map(str::to_owned),
                progress: path["progress"].as_f64().unwrap_or(0.0),
            });
        }
    }
    for row in mastery.as_array().into_iter().flatten() {
        let Some(entry) = students.get_mut(&text(&row["student"])) else {
            continue;
        };
        let skill = text(&row["skill"]["name"]);
        if row["mastered"] == json!(true)
            && let Some(id) = row["skill"]["id"].as_i64()
        {
            entry.achievements.mastered.push((id, skill.clone()));
        }
        if let (Some(due_at), Some(situation)) = (time(&row["due_at"]), entry.situation.as_mut())
            && due_at <= now
        {
            situation.due_reviews.push(DueReview { skill, due_at });
        }
    }
    for nudge in recent_nudges.as_array().into_iter().flatten() {
        if let (Some(entry), Some(at)) = (
            students.get_mut(&text(&nudge["student"])),
            time(&nudge["sent_at"]),
        ) && let Some(situation) = entry.situation.as_mut()
            && situation.last_nudge_at.is_none_or(|last| at > last)
        {
            situation.last_nudge_at = Some(at);
        }
    }

    let mut ids: Vec<&String> = students.keys().collect();
    ids.sort();
    for id in ids {
        let gathered = &students[id];
        let Some(situation) = gathered.situation.as_ref() else {
            continue;
        };
        for (kind, decision) in [
            ("nudge", decide_nudge(situation, now, window)),
            ("digest", decide_digest(situation, now, window)),
        ] {
            deliver_or_count(worker, decision, kind, now, report).await?;
        }
        for badge in qualifying_badges(&gathered.achievements) {
            let key = format!("{id}:{}", badge.key());
            if awarded.contains(&key) {
                continue;
            }
            if award(worker, id, &badge, &key).await? {
                report.badges_awarded += 1;
                let message = badge_message(id, &badge, situation.preferences);
                let decision = if message.in_app || message.email {
                    Ok(message)
                } else {
                    Err(Suppressed::NoChannel)
                };
                deliver_or_count(worker, decision, "badge", now, report).await?;
            }
        }
    }
    Ok(())
}

/// Awards `badge` once: false when it was awarded already (by another run).
async fn award(
    worker: &Worker,
    student: &str,
    badge: &Badge,
    key: &str,
) -> Result<bool, ProcessError> {
    let created = worker
        .directus
        .post(
            &format!("/items/{BADGES}?fields=id"),
            json!({
                "key": key,
                "student": student,
                "badge": badge.key(),
                "title": badge.title(),
                "description": badge.description(),
            }),
        )
        .await;
    match created {
        Ok(_) => Ok(true),
        Err(error) if not_unique(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Delivers a decided message, or counts why there is none (`kind`: the decision's kind).
async fn deliver_or_count(
    worker: &Worker,
    decision: Result<Message, Suppressed>,
    kind: &str,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> Result<(), ProcessError> {
    match decision {
        Ok(message) => {
            if deliver(worker, &message, now).await? {
                *report.sent.entry(kind.to_owned()).or_default() += 1;
            } else {
                worker.metrics.message_suppressed(kind, "already_sent");
                *report
                    .suppressed
                    .entry(format!("{kind}:already_sent"))
                    .or_default() += 1;
            }
        }
        Err(reason) => {
            worker.metrics.message_suppressed(kind, reason.as_str());
            *report
                .suppressed
                .entry(format!("{kind}:{}", reason.as_str()))
                .or_default() += 1;
        }
    }
    Ok(())
}

/// Records `message` under its key, then delivers it as a Directus notification; false
/// when its key was taken (sent already).
async fn deliver(
    worker: &Worker,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<bool, ProcessError> {
    let recorded = worker
        .directus
        .post(
            &format!("/items/{MESSAGES}?fields=id"),
            json!({
                "key": message.key,
                "student": message.student,
                "kind": message.kind.as_str(),
                "subject": message.subject,
                "body": message.body,
                "reason": message.reason,
                "in_app": message.in_app,
                "email": message.email,
                "sent_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
        )
        .await;
    let id = match recorded {
        Ok(created) => created["data"]["id"].clone(),
        Err(error) if not_unique(&error) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    worker
        .directus
        .post(
            "/notifications?fields=id",
            json!({
                "recipient": message.student,
                "subject": message.subject,
                "message": message.body,
                "collection": MESSAGES,
                "item": text(&id),
                // Email follows the user's own setting; archived, the notification stays
                // out of the inbox of a student who turned in-app messages off.
                "status": if message.in_app { "inbox" } else { "archived" },
            }),
        )
        .await?;
    let kind = message.kind.as_str();
    if message.in_app {
        worker.metrics.message_sent(kind, "in_app");
    }
    if message.email {
        worker.metrics.message_sent(kind, "email");
    }
    tracing::info!(message.key = %message.key, student.id = %message.student, "message sent");
    Ok(true)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(super) fn time(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            // SQLite's Directus may answer "2026-12-05T09:00:00" without an offset (UTC).
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_the_utc_hour() {
        let now = DateTime::parse_from_rfc3339("2026-12-05T09:59:59+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(hourly_period(now), "2026-12-05T08");
    }

    #[test]
    fn directus_times_with_or_without_an_offset_are_utc() {
        let with = time(&json!("2026-12-05T09:00:00.000Z")).unwrap();
        let without = time(&json!("2026-12-05T09:00:00")).unwrap();
        assert_eq!(with, without);
        assert_eq!(time(&json!(null)), None);
    }
}

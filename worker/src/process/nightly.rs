//! The nightly analysis (job `nightly`, once per UTC day; docs/analytics.md): reads every
//! published course's records, runs [`crate::learning::analytics::nightly::analyse`] on a
//! blocking thread (grading goes on meanwhile on the async ones), then writes one
//! `course_insights` row per course and one `experiment_reports` row per experiment,
//! each under its `<course>:<day>` / `<experiment>:<day>` key, and tells:
//! - the teachers of a cohort that struggles (a Directus notification, which Directus
//!   emails to those who want email);
//! - the editors, when BKT started predicting a course's answers worse than each
//!   question's running mean (the day before it did not).
//!
//! A rerun on the same day changes nothing: the job's claim (`nightly:<day>`) stops it,
//! and if a run stopped halfway and the claim was lost, the row keys do: a notification is
//! sent only by the run that created its course's row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use directus_schema::access::CONTENT_EDITOR;
use directus_schema::collections::{COURSE_INSIGHTS, EXPERIMENT_REPORTS};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ProcessError, Worker};
use crate::learning::analytics::nightly::{
    CohortRecord, CourseAnalysis, GradedRecord, NightlyData, StoredPrediction, StoredSkill,
    StudentRecord, analyse,
};

/// What a nightly run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NightlyReport {
    pub courses: u32,
    pub experiments: u32,
    /// Rows already there for this day (a rerun): left as they were.
    pub already_written: u32,
    pub cohorts_flagged: u32,
    pub teachers_notified: u32,
    pub model_warnings: u32,
    pub editors_notified: u32,
}

/// The UTC day of `now`: `2026-12-05`.
pub fn daily_period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// Rows per page when reading whole collections.
const PAGE: usize = 2000;

/// Every item of `path` (which holds `fields` and filters, no `limit`), page by page in
/// id order: one request per page, never everything at once.
async fn read_all(worker: &Worker, path: &str) -> Result<Vec<Value>, ProcessError> {
    let mut all = Vec::new();
    let mut last: Option<i64> = None;
    loop {
        let after = last.map_or(String::new(), |id| format!("&filter[id][_gt]={id}"));
        let page = worker
            .directus
            .get_data(&format!("{path}&sort=id&limit={PAGE}{after}"))
            .await?;
        let items = page.as_array().cloned().unwrap_or_default();
        let count = items.len();
        last = items.last().and_then(|item| as_id(&item["id"]));
        all.extend(items);
        if count < PAGE || last.is_none() {
            return Ok(all);
        }
    }
}

/// The A/B report of every experiment, computed now from the records (what
/// `GET /v1/reports/ab` and `pathwise report ab` answer).
pub async fn ab_report_now(
    worker: &Worker,
    now: DateTime<Utc>,
) -> Result<crate::learning::analytics::AbReport, ProcessError> {
    let (data, _) = gather(worker).await?;
    let experiment = worker.settings.experiment.clone();
    tokio::task::spawn_blocking(move || analyse(&data, now, &experiment).ab)
        .await
        .map_err(|e| ProcessError::Content(format!("the A/B report failed: {e}")))
}

pub(super) async fn nightly(
    worker: &Worker,
    now: DateTime<Utc>,
    report: &mut NightlyReport,
) -> Result<(), ProcessError> {
    let day = daily_period(now);
    let (data, titles) = gather(worker).await?;
    let experiment = worker.settings.experiment.clone();
    let analysis = tokio::task::spawn_blocking(move || {
        let analysis = analyse(&data, now, &experiment);
        (data, analysis)
    })
    .await
    .map_err(|e| ProcessError::Content(format!("the nightly analysis failed: {e}")))?;
    let (_data, analysis) = analysis;
    let editors = editors(worker).await?;
    for course in &analysis.courses {
        let id = course.insights.course;
        let title = titles
            .get(&id)
            .map_or_else(|| format!("course {id}"), |t| format!("“{t}”"));
        write_course(worker, course, &day, &title, &editors, report).await?;
    }
    for experiment in &analysis.ab.experiments {
        let summary: Vec<String> = experiment
            .comparisons
            .iter()
            .flat_map(|c| {
                c.metrics
                    .iter()
                    .map(move |m| format!("{} vs {}: {}", c.strategy, experiment.control, m.text))
            })
            .collect();
        let students: usize = experiment.strategies.iter().map(|s| s.students).sum();
        let created = worker
            .directus
            .post(
                &format!("/items/{EXPERIMENT_REPORTS}?fields=id"),
                json!({
                    "key": format!("{}:{day}", experiment.experiment),
                    "experiment": experiment.experiment,
                    "day": day,
                    "students": students,
                    "summary": if summary.is_empty() { "Only one strategy: nothing to compare.".to_owned() } else { summary.join("\n") },
                    "report": experiment,
                }),
            )
            .await;
        match created {
            Ok(_) => report.experiments += 1,
            Err(e) if e.code.as_deref() == Some("RECORD_NOT_UNIQUE") => report.already_written += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// One course's row, then its notifications (only when this run created the row).
async fn write_course(
    worker: &Worker,
    course: &CourseAnalysis,
    day: &str,
    title: &str,
    editors: &[String],
    report: &mut NightlyReport,
) -> Result<(), ProcessError> {
    let insights = &course.insights;
    let id = insights.course;
    let overall = course.accuracy.overall.as_ref();
    let warning = overall.is_some_and(|o| o.bkt_worse_than_item_baseline);
    // The latest earlier row (Directus refuses `_lt` on a string field: "string field
    // type does not contain the _lt filter operator"; sorting works).
    let previous = worker
        .directus
        .get_data(&format!(
            "/items/{COURSE_INSIGHTS}?filter[course][_eq]={id}&filter[day][_neq]={day}&sort=-day&limit=1&fields=model_warning"
        ))
        .await?;
    let warned_before = previous[0]["model_warning"] == json!(true);
    let lessons_attempts: usize = insights.lessons.iter().map(|l| l.attempts).sum();
    let lessons_passed: usize = insights.lessons.iter().map(|l| l.passed_attempts).sum();
    let known: Vec<f64> = insights
        .skills
        .iter()
        .filter_map(|s| s.mean_p_known)
        .collect();
    let struggling_students = insights
        .skills
        .iter()
        .map(|s| s.struggling)
        .max()
        .unwrap_or(0);
    let created = worker
        .directus
        .post(
            &format!("/items/{COURSE_INSIGHTS}?fields=id"),
            json!({
                "key": format!("{id}:{day}"),
                "course": id,
                "day": day,
                "students": insights.students,
                "pass_rate": (lessons_attempts > 0).then(|| lessons_passed as f64 / lessons_attempts as f64),
                "mean_mastery": (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64),
                "struggling_students": struggling_students,
                "inactive_students": insights.inactive.count,
                "struggling_cohorts": course.cohort_alerts.len(),
                "bkt_log_loss": overall.map(|o| o.bkt.log_loss),
                "item_baseline_log_loss": overall.map(|o| o.item_mean.log_loss),
                "model_warning": warning,
                "insights": insights,
                "model_accuracy": course.accuracy,
                "review_fit": match &course.review_fit {
                    Ok(fitted) => json!(fitted),
                    Err(why) => json!({ "not_fitted": why.to_string() }),
                },
            }),
        )
        .await;
    match created {
        Ok(_) => report.courses += 1,
        Err(e) if e.code.as_deref() == Some("RECORD_NOT_UNIQUE") => {
            report.already_written += 1;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    for (cohort, teachers, words) in &course.cohort_alerts {
        report.cohorts_flagged += 1;
        for teacher in teachers {
            notify(
                worker,
                teacher,
                "A cohort of yours is struggling",
                &format!(
                    "{words}\n\nSee the cohort heat map in the Pathwise module (cohort {cohort})."
                ),
            )
            .await?;
            report.teachers_notified += 1;
        }
    }
    if warning {
        report.model_warnings += 1;
        if !warned_before {
            let words: Vec<&str> = course
                .accuracy
                .skills
                .iter()
                .chain(overall)
                .filter_map(|s| s.warning.as_deref())
                .collect();
            for editor in editors {
                notify(
                    worker,
                    editor,
                    &format!("The mastery model predicts {title} poorly"),
                    &format!(
                        "{}\n\nTune the skills' BKT parameters (guess, slip, learn) or look at the questions: \
                         the course's row in Course insights has the details.",
                        words.join("\n")
                    ),
                )
                .await?;
                report.editors_notified += 1;
            }
        }
    }
    Ok(())
}

async fn notify(
    worker: &Worker,
    user: &str,
    subject: &str,
    message: &str,
) -> Result<(), ProcessError> {
    worker
        .directus
        .post(
            "/notifications?fields=id",
            json!({ "recipient": user, "subject": subject, "message": message, "collection": COURSE_INSIGHTS }),
        )
        .await?;
    Ok(())
}

/// The users with the Content Editor role.
async fn editors(worker: &Worker) -> Result<Vec<String>, ProcessError> {
    let users = worker
        .directus
        .get_data(&format!(
            "/users?limit=-1&fields=id&filter[role][name][_eq]={}&filter[status][_eq]=active",
            CONTENT_EDITOR.replace(' ', "%20")
        ))
        .await?;
    Ok(users
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["id"].as_str().map(str::to_owned))
        .collect())
}

/// Everything the analysis reads, page by page.
async fn gather(worker: &Worker) -> Result<(NightlyData, HashMap<i64, String>), ProcessError> {
    let directus = &worker.directus;
    let courses = directus
        .get_data("/items/courses?filter[status][_eq]=published&fields=id,title&limit=-1")
        .await?;
    let titles: HashMap<i64, String> = courses
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((as_id(&c["id"])?, c["title"].as_str()?.to_owned())))
        .collect();
    let mut structures = Vec::new();
    for id in courses
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| as_id(&c["id"]))
    {
        match super::attempt::course_structure(worker, directus, id).await {
            Ok(course) => structures.push((*course).clone()),
            // A broken course is reported by content_issues; the others are analysed.
            Err(ProcessError::Content(problem)) => {
                tracing::warn!(
                    course = id,
                    problem,
                    "course left out of the nightly analysis"
                );
            }
            Err(error) => return Err(error),
        }
    }
    let attempts = read_all(
        worker,
        "/items/attempts?filter[status][_eq]=graded&fields=id,student,lesson,score,submitted_at,date_created,graded_at,results",
    )
    .await?
    .iter()
    .filter_map(graded_record)
    .collect();
    let mastery = read_all(
        worker,
        "/items/mastery?fields=id,student,skill,p_known,mastered",
    )
    .await?
    .iter()
    .filter_map(|m| {
        Some((
            m["student"].as_str()?.to_owned(),
            as_id(&m["skill"])?,
            m["p_known"].as_f64()?,
            m["mastered"] == json!(true),
        ))
    })
    .collect();
    let students = read_all(
        worker,
        "/items/student_profiles?fields=id,student,last_active_at,strategy",
    )
    .await?
    .iter()
    .filter_map(|p| {
        Some(StudentRecord {
            student: p["student"].as_str()?.to_owned(),
            last_active_at: super::jobs::time(&p["last_active_at"]),
            strategy: p["strategy"].as_str().map(str::to_owned),
        })
    })
    .collect();
    let cohorts = read_all(
        worker,
        "/items/cohorts?fields=id,name,course,students.student,teachers.teacher",
    )
    .await?
    .iter()
    .filter_map(|c| {
        let users = |list: &str, field: &str| -> Vec<String> {
            c[list]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|link| link[field].as_str().map(str::to_owned))
                .collect()
        };
        Some(CohortRecord {
            id: as_id(&c["id"])?,
            name: c["name"].as_str().unwrap_or_default().to_owned(),
            course: as_id(&c["course"]),
            students: users("students", "student"),
            teachers: users("teachers", "teacher"),
        })
    })
    .collect();
    let data = NightlyData {
        courses: structures,
        attempts,
        mastery,
        students,
        cohorts,
    };
    Ok((data, titles))
}

fn graded_record(a: &Value) -> Option<GradedRecord> {
    let results = &a["results"];
    let skills: Vec<StoredSkill> =
        serde_json::from_value(results["mastery"].clone()).unwrap_or_default();
    let predictions: Vec<StoredPrediction> =
        serde_json::from_value(results["predictions"].clone()).unwrap_or_default();
    let submitted_at =
        super::jobs::time(&a["submitted_at"]).or_else(|| super::jobs::time(&a["date_created"]))?;
    Some(GradedRecord {
        id: as_id(&a["id"])?,
        student: a["student"].as_str()?.to_owned(),
        lesson: as_id(&a["lesson"])?,
        score: a["score"].as_f64().unwrap_or(0.0),
        submitted_at,
        graded_at: super::jobs::time(&a["graded_at"]).unwrap_or(submitted_at),
        skills,
        predictions,
    })
}

fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

//! The reconciliation sweep: grade every attempt left `submitted` longer than the grace
//! period (a webhook that never arrived, a worker that was down). Runs at start, every
//! N seconds in `serve`, and once as `pathwise sweep`.
//!
//! With several worker replicas, the periodic sweep runs once per interval across all of
//! them ([`sweep_once_per_interval`]): each interval is claimed like a scheduled job's
//! period (a unique `job_runs` key, `sweep:<interval start>`), and the replica that claims
//! it sweeps. Two sweeps at once would be safe (grading is idempotent and version-checked)
//! but would read every waiting attempt twice.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{AttemptReport, ProcessError, Worker};
use crate::directus::Body;
use crate::events::AttemptHint;

#[derive(Debug, Default, Clone, Serialize)]
pub struct SweepReport {
    pub found: usize,
    pub graded: usize,
    pub rejected: usize,
    pub failed: usize,
}

/// Attempts graded per page; the sweep loops until none is left.
const PAGE: usize = 100;

pub async fn sweep(worker: &Worker) -> Result<SweepReport, ProcessError> {
    worker.metrics.sweep_runs.inc();
    let cutoff =
        Utc::now() - chrono::Duration::from_std(worker.settings.sweep_grace).unwrap_or_default();
    let mut report = SweepReport::default();
    let mut failed_ids = Vec::new();
    loop {
        let exclude = if failed_ids.is_empty() {
            String::new()
        } else {
            format!(
                "&filter[id][_nin]={}",
                failed_ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        let page = worker
            .directus
            .get_data(&format!(
                "/items/attempts?fields=id,student,lesson&sort=id&limit={PAGE}&filter[status][_eq]=submitted&filter[date_created][_lte]={}{exclude}",
                cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ))
            .await?;
        let attempts: Vec<(i64, AttemptHint)> = page
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| Some((a["id"].as_i64()?, AttemptHint::from_payload(a))))
            .collect();
        if attempts.is_empty() {
            break;
        }
        report.found += attempts.len();
        for (id, hint) in attempts {
            match worker.grade_hinted(id, &hint).await {
                Ok(AttemptReport::Graded { .. }) => {
                    report.graded += 1;
                    worker.metrics.sweep_graded.inc();
                }
                Ok(AttemptReport::Rejected { .. }) => report.rejected += 1,
                Ok(AttemptReport::Unchanged { .. }) => {}
                Err(error) => {
                    report.failed += 1;
                    failed_ids.push(id);
                    // Logged at info: the dead letter below is the one warning per problem,
                    // where this repeats on every sweep while the problem lasts.
                    tracing::info!(attempt_id = id, %error, "sweep could not grade an attempt");
                    worker
                        .dead_letter(
                            "sweep",
                            &json!({ "attempt": id }),
                            &error.to_string(),
                            Some(id),
                        )
                        .await;
                }
            }
        }
    }
    if report.found > 0 {
        tracing::info!(
            found = report.found,
            graded = report.graded,
            rejected = report.rejected,
            failed = report.failed,
            "sweep done"
        );
    }
    Ok(report)
}

/// The name of the sweep's claims in `job_runs`.
pub const SWEEP_JOB: &str = "sweep";

/// The sweep's period for `now`: the start of its interval, e.g. `2026-12-05T09:41:30Z`
/// for 30-second intervals.
pub fn sweep_period(now: DateTime<Utc>, interval: std::time::Duration) -> String {
    let seconds = i64::try_from(interval.as_secs().max(1)).unwrap_or(i64::MAX);
    let start = now.timestamp().div_euclid(seconds) * seconds;
    DateTime::<Utc>::from_timestamp(start, 0)
        .unwrap_or(now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The sweep, unless another replica swept in this interval already (`None` then).
/// Claims of earlier intervals are deleted once this one is claimed: only the last is
/// worth keeping.
pub async fn sweep_once_per_interval(
    worker: &Worker,
    interval: std::time::Duration,
) -> Result<Option<SweepReport>, ProcessError> {
    let period = sweep_period(Utc::now(), interval);
    let Some(run_id) = worker.claim_run(SWEEP_JOB, &period).await? else {
        worker.metrics.job_ran(SWEEP_JOB, "already_ran");
        return Ok(None);
    };
    let outcome = sweep(worker).await;
    let (status, summary) = match &outcome {
        Ok(report) => ("done", serde_json::to_value(report).unwrap_or_default()),
        Err(error) => ("failed", json!({ "error": error.to_string() })),
    };
    worker
        .metrics
        .job_ran(SWEEP_JOB, if outcome.is_ok() { "ran" } else { "failed" });
    worker.finish_run(&run_id, status, summary).await?;
    let forget = worker
        .directus
        .send(
            reqwest::Method::DELETE,
            &format!("/items/{}", directus_schema::collections::JOB_RUNS),
            Some(Body::Json(json!({ "query": {
                "filter": { "job": { "_eq": SWEEP_JOB }, "id": { "_lt": run_id } }
            } }))),
        )
        .await;
    if let Err(error) = forget {
        tracing::warn!(%error, "could not delete the sweep's old claims");
    }
    outcome.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_period_is_the_start_of_its_interval() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let thirty = std::time::Duration::from_secs(30);
        assert_eq!(
            sweep_period(at("2026-12-05T09:41:29Z"), thirty),
            "2026-12-05T09:41:00Z"
        );
        assert_eq!(
            sweep_period(at("2026-12-05T09:41:30Z"), thirty),
            "2026-12-05T09:41:30Z"
        );
        assert_eq!(
            sweep_period(at("2026-12-05T09:41:59Z"), thirty),
            "2026-12-05T09:41:30Z"
        );
        // A zero interval (only the sweep at start) still names a period.
        assert_eq!(
            sweep_period(at("2026-12-05T09:41:59Z"), std::time::Duration::ZERO),
            "2026-12-05T09:41:59Z"
        );
    }
}

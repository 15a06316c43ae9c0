//! The reconciliation sweep: grade every attempt left `submitted` longer than the grace
//! period (a webhook that never arrived, a worker that was down). Runs at start, every
//! N seconds in `serve`, and once as `pathwise sweep`.

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{AttemptReport, ProcessError, Worker};
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

//! Content problems recorded once for editors, in `content_issues`.
//!
//! Each time the worker loads a course (a course cache miss: the first attempt after a
//! start, after a content event, or after the cache's time to live), it validates the
//! whole course and brings the course's `content_issues` rows in line with what it found
//! ([`reconcile_issues`] decides): a new problem is opened, a resolved one that is back
//! is reopened, an open one that is gone is resolved, and rows that already say the right
//! thing are not written. One read, then at most one create and one update.
//!
//! This runs beside grading, not in its way: it is spawned when the course is loaded,
//! uses the worker's own client (it is not one of the attempt's round trips), and one
//! process runs one reconciliation at a time, in the order courses were loaded, so an
//! older load cannot undo what a newer one found. A failure is logged and retried at the
//! course's next load; grading never waits for it. Replicas loading the same course at
//! once may both try to open one problem: the unique `key` lets one row in, and the other
//! replica reads again and finds it.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Worker;
use crate::directus::{DirectusClient, DirectusError};
use crate::learning::{
    ContentIssue, Course, IssueChange, StoredIssue, course_issues, reconcile_issues,
};

/// The collection the worker records content problems in.
pub const CONTENT_ISSUES: &str = "content_issues";

/// What one reconciliation wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub opened: usize,
    pub reopened: usize,
    pub reworded: usize,
    pub resolved: usize,
}

/// Validates `course` and reconciles its issues in the background (see the module).
pub(super) fn record_in_background(worker: &Worker, course: Arc<Course>) {
    let worker = worker.clone();
    tokio::spawn(async move {
        // In load order: tokio's mutex is fair.
        let _one_at_a_time = worker.issues_turn.lock().await;
        if let Err(error) = record(&worker, &course).await {
            tracing::warn!(course.id = course.id, %error, "could not record the course's content problems; trying again at its next load");
        }
    });
}

/// Validates `course` and reconciles its rows of `content_issues` with what it found.
pub async fn record(worker: &Worker, course: &Course) -> Result<Recorded, DirectusError> {
    let found = course_issues(course);
    worker.metrics.course_checked(found.is_empty());
    let directus = &worker.directus;
    let mut tries = 0;
    loop {
        tries += 1;
        let stored = read_stored(directus, course.id, &found).await?;
        let changes = reconcile_issues(course.id, &found, &stored);
        match write(directus, &changes).await {
            Ok(()) => {
                let recorded = report(worker, course.id, &changes);
                return Ok(recorded);
            }
            // Another replica opened one of these problems first: read again.
            Err(error) if tries < 3 && error.code.as_deref() == Some("RECORD_NOT_UNIQUE") => {
                tracing::debug!(
                    course.id = course.id,
                    "a content issue was opened by another worker; reading again"
                );
            }
            Err(error) => return Err(error),
        }
    }
}

/// The rows of this course, and the rows of the problems found wherever they are (a
/// problem keeps its key when its item moves to another course).
async fn read_stored(
    directus: &DirectusClient,
    course: i64,
    found: &[ContentIssue],
) -> Result<Vec<StoredIssue>, DirectusError> {
    let of_course = json!({ "course": { "_eq": course } });
    let filter = if found.is_empty() {
        of_course
    } else {
        let keys: Vec<&str> = found.iter().map(|issue| issue.key.as_str()).collect();
        json!({ "_or": [of_course, { "key": { "_in": keys } }] })
    };
    let rows = directus
        .get_data(&format!(
            "/items/{CONTENT_ISSUES}?limit=-1&fields=id,key,course,collection,item,field,status,problem&filter={}",
            percent_encode(&filter.to_string())
        ))
        .await?;
    Ok(rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(stored_issue)
        .collect())
}

fn stored_issue(row: &Value) -> Option<StoredIssue> {
    let text = |field: &str| row[field].as_str().map(str::to_owned);
    Some(StoredIssue {
        id: as_id(&row["id"])?,
        key: text("key")?,
        course: as_id(&row["course"]),
        collection: text("collection").unwrap_or_default(),
        item: match &row["item"] {
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or_default().to_owned(),
        },
        field: text("field"),
        open: row["status"] == "open",
        problem: text("problem").unwrap_or_default(),
    })
}

fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The row of an issue, open.
fn open_row(issue: &ContentIssue) -> Value {
    json!({
        "key": issue.key,
        "course": issue.course,
        "collection": issue.collection,
        "item": issue.item,
        "field": issue.field,
        "problem": issue.problem,
        "status": "open",
    })
}

/// The changes in at most two requests: the new rows in one create, every update in
/// one batch update.
async fn write(directus: &DirectusClient, changes: &[IssueChange]) -> Result<(), DirectusError> {
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for change in changes {
        match change {
            IssueChange::Open(issue) => creates.push(open_row(issue)),
            IssueChange::Reopen { id, issue } | IssueChange::Reword { id, issue } => {
                let mut row = open_row(issue);
                row["id"] = json!(id);
                updates.push(row);
            }
            IssueChange::Resolve { id, .. } => {
                updates.push(json!({ "id": id, "status": "resolved" }));
            }
        }
    }
    if !creates.is_empty() {
        directus
            .post(
                &format!("/items/{CONTENT_ISSUES}?fields=id"),
                Value::Array(creates),
            )
            .await?;
    }
    if !updates.is_empty() {
        directus
            .patch(
                &format!("/items/{CONTENT_ISSUES}?fields=id"),
                Value::Array(updates),
            )
            .await?;
    }
    Ok(())
}

/// Logs each change once (a new or returning problem at warn: it needs an editor) and
/// counts them.
fn report(worker: &Worker, course: i64, changes: &[IssueChange]) -> Recorded {
    let mut recorded = Recorded::default();
    for change in changes {
        let kind = match change {
            IssueChange::Open(issue) => {
                recorded.opened += 1;
                tracing::warn!(course.id = course, issue.key = %issue.key, problem = %issue.problem, "content problem found; recorded for the editors");
                "opened"
            }
            IssueChange::Reopen { issue, .. } => {
                recorded.reopened += 1;
                tracing::warn!(course.id = course, issue.key = %issue.key, problem = %issue.problem, "content problem is back; reopened for the editors");
                "reopened"
            }
            IssueChange::Reword { issue, .. } => {
                recorded.reworded += 1;
                tracing::info!(course.id = course, issue.key = %issue.key, "content problem reworded");
                "reworded"
            }
            IssueChange::Resolve { key, .. } => {
                recorded.resolved += 1;
                tracing::info!(course.id = course, issue.key = %key, "content problem fixed; resolved");
                "resolved"
            }
        };
        worker.metrics.content_issue_changed(kind);
    }
    recorded
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a query value.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_survives_the_query_string() {
        assert_eq!(
            percent_encode(r#"{"key":{"_in":["cycle:3,4","skills:1:p_guess+p_slip"]}}"#),
            "%7B%22key%22%3A%7B%22_in%22%3A%5B%22cycle%3A3%2C4%22%2C%22skills%3A1%3Ap_guess%2Bp_slip%22%5D%7D%7D"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn stored_rows_are_read_whatever_the_id_types() {
        let row = json!({"id": "7", "key": "cycle:1,2", "course": 3, "collection": "lessons",
            "item": 1, "field": null, "status": "resolved", "problem": "p"});
        assert_eq!(
            stored_issue(&row),
            Some(StoredIssue {
                id: 7,
                key: "cycle:1,2".into(),
                course: Some(3),
                collection: "lessons".into(),
                item: "1".into(),
                field: None,
                open: false,
                problem: "p".into(),
            })
        );
        assert_eq!(stored_issue(&json!({"id": 1})), None, "a row without a key");
    }
}

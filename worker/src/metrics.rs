//! Prometheus metrics, served at `/metrics`.
//!
//! Events received, processed and failed (by kind and reason); Directus requests by
//! operation with a latency histogram; round trips per graded attempt; grading (pure
//! engine) latency; sweep counts; engagement messages sent and suppressed; job runs.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    pub kind: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabel {
    pub operation: String,
}

pub struct Metrics {
    registry: Registry,
    pub events_received: Family<KindLabel, Counter>,
    pub events_processed: Family<KindLabel, Counter>,
    pub events_failed: Family<FailureLabels, Counter>,
    pub directus_requests: Family<OperationLabel, Counter>,
    pub directus_latency: Family<OperationLabel, Histogram>,
    pub round_trips_per_attempt: Histogram,
    pub grading_latency: Histogram,
    pub sweep_runs: Counter,
    pub sweep_graded: Counter,
    pub dead_letters: Counter,
    pub write_conflicts: Counter,
    /// Courses validated when loaded, by result (`sound` or `broken`).
    pub content_checks: Family<ResultLabel, Counter>,
    /// Rows of `content_issues` written, by change (`opened`, `reopened`, `reworded`,
    /// `resolved`).
    pub content_issue_changes: Family<ChangeLabel, Counter>,
    /// Attempts rejected, by reason (`content`: their lesson cannot be graded; `orphan`:
    /// no gradable lesson or course).
    pub attempts_rejected: Family<FailureReasonLabel, Counter>,
    /// Engagement messages delivered, by kind (nudge, digest, badge) and channel (in_app,
    /// email).
    pub messages_sent: Family<MessageLabels, Counter>,
    /// Engagement messages not sent, by kind and reason (opted_out, outside_window, ...).
    pub messages_suppressed: Family<MessageSuppressedLabels, Counter>,
    /// Scheduled job ticks, by job and outcome (ran, already_ran, failed).
    pub job_runs: Family<JobLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MessageLabels {
    pub kind: String,
    pub channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MessageSuppressedLabels {
    pub kind: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChangeLabel {
    pub change: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureReasonLabel {
    pub reason: String,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("pathwise");
        let events_received = Family::<KindLabel, Counter>::default();
        let events_processed = Family::<KindLabel, Counter>::default();
        let events_failed = Family::<FailureLabels, Counter>::default();
        let directus_requests = Family::<OperationLabel, Counter>::default();
        let directus_latency = Family::<OperationLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 14))
        });
        let round_trips_per_attempt =
            Histogram::new([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0]);
        let grading_latency = Histogram::new(exponential_buckets(0.000_01, 2.0, 16));
        let sweep_runs = Counter::default();
        let sweep_graded = Counter::default();
        let dead_letters = Counter::default();
        let write_conflicts = Counter::default();
        registry.register(
            "events_received",
            "Flow events received, by kind",
            events_received.clone(),
        );
        registry.register(
            "events_processed",
            "Events processed successfully, by kind",
            events_processed.clone(),
        );
        registry.register(
            "events_failed",
            "Events that failed, by kind and reason",
            events_failed.clone(),
        );
        registry.register(
            "directus_requests",
            "Requests to Directus, by operation",
            directus_requests.clone(),
        );
        registry.register(
            "directus_request_duration_seconds",
            "Latency of requests to Directus, by operation",
            directus_latency.clone(),
        );
        registry.register(
            "directus_round_trips_per_attempt",
            "Directus round trips needed to grade one attempt",
            round_trips_per_attempt.clone(),
        );
        registry.register(
            "grading_duration_seconds",
            "CPU time of the pure learning engine per attempt",
            grading_latency.clone(),
        );
        registry.register(
            "sweep_runs",
            "Reconciliation sweeps run",
            sweep_runs.clone(),
        );
        registry.register(
            "sweep_graded",
            "Attempts graded by the sweep",
            sweep_graded.clone(),
        );
        registry.register(
            "dead_letters",
            "Events recorded in the dead-letter collection",
            dead_letters.clone(),
        );
        registry.register(
            "write_conflicts",
            "Outcomes refused because the student's state changed since it was read (then recomputed)",
            write_conflicts.clone(),
        );
        let content_checks = Family::<ResultLabel, Counter>::default();
        let content_issue_changes = Family::<ChangeLabel, Counter>::default();
        let attempts_rejected = Family::<FailureReasonLabel, Counter>::default();
        registry.register(
            "content_checks",
            "Courses validated when the worker loaded them, by result (sound or broken)",
            content_checks.clone(),
        );
        registry.register(
            "content_issue_changes",
            "Content problems recorded for editors, by change (opened, reopened, reworded, resolved)",
            content_issue_changes.clone(),
        );
        registry.register(
            "attempts_rejected",
            "Attempts rejected, by reason (content: their lesson cannot be graded; orphan: no gradable lesson)",
            attempts_rejected.clone(),
        );
        let messages_sent = Family::<MessageLabels, Counter>::default();
        let messages_suppressed = Family::<MessageSuppressedLabels, Counter>::default();
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register(
            "messages_sent",
            "Engagement messages delivered, by kind (nudge, digest, badge) and channel (in_app, email)",
            messages_sent.clone(),
        );
        registry.register(
            "messages_suppressed",
            "Engagement messages not sent, by kind and reason",
            messages_suppressed.clone(),
        );
        registry.register(
            "job_runs",
            "Scheduled job ticks, by job and outcome (ran, already_ran, failed)",
            job_runs.clone(),
        );
        Arc::new(Self {
            registry,
            messages_sent,
            messages_suppressed,
            job_runs,
            events_received,
            events_processed,
            events_failed,
            directus_requests,
            directus_latency,
            round_trips_per_attempt,
            grading_latency,
            sweep_runs,
            sweep_graded,
            dead_letters,
            write_conflicts,
            content_checks,
            content_issue_changes,
            attempts_rejected,
        })
    }

    /// Counts a course validated at load.
    pub fn course_checked(&self, sound: bool) {
        let result = if sound { "sound" } else { "broken" };
        self.content_checks
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    /// Counts one write to `content_issues`.
    pub fn content_issue_changed(&self, change: &str) {
        self.content_issue_changes
            .get_or_create(&ChangeLabel {
                change: change.to_owned(),
            })
            .inc();
    }

    /// Counts a message delivered on `channel`.
    pub fn message_sent(&self, kind: &str, channel: &str) {
        self.messages_sent
            .get_or_create(&MessageLabels {
                kind: kind.to_owned(),
                channel: channel.to_owned(),
            })
            .inc();
    }

    /// Counts a message not sent, and why.
    pub fn message_suppressed(&self, kind: &str, reason: &str) {
        self.messages_suppressed
            .get_or_create(&MessageSuppressedLabels {
                kind: kind.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts a scheduled job tick.
    pub fn job_ran(&self, job: &str, outcome: &str) {
        self.job_runs
            .get_or_create(&JobLabels {
                job: job.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a rejected attempt.
    pub fn attempt_rejected(&self, reason: &str) {
        self.attempts_rejected
            .get_or_create(&FailureReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts a Directus call under its route: ids in the path become `:id`, so that
    /// labels never multiply with items.
    pub fn observe_directus(&self, operation: &str, elapsed: Duration) {
        let label = OperationLabel {
            operation: route_of(operation),
        };
        self.directus_requests.get_or_create(&label).inc();
        self.directus_latency
            .get_or_create(&label)
            .observe(elapsed.as_secs_f64());
    }

    pub fn event_received(&self, kind: &str) {
        self.events_received
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc();
    }

    pub fn event_processed(&self, kind: &str) {
        self.events_processed
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc();
    }

    pub fn event_failed(&self, kind: &str, reason: &str) {
        self.events_failed
            .get_or_create(&FailureLabels {
                kind: kind.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String never fails");
        out
    }
}

/// `PATCH /items/attempts/42` -> `PATCH /items/attempts/:id` (numeric ids and UUIDs).
fn route_of(operation: &str) -> String {
    operation
        .split('/')
        .map(|segment| {
            let is_id = !segment.is_empty()
                && (segment.bytes().all(|b| b.is_ascii_digit())
                    || uuid::Uuid::parse_str(segment).is_ok());
            if is_id { ":id" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_never_carry_item_ids() {
        assert_eq!(
            route_of("PATCH /items/attempts/42"),
            "PATCH /items/attempts/:id"
        );
        assert_eq!(
            route_of("GET /pathwise/attempts/7/state"),
            "GET /pathwise/attempts/:id/state"
        );
        assert_eq!(
            route_of("GET /users/8c0e6a3e-1f3b-4e59-9d6f-3b1f0e0c9a11"),
            "GET /users/:id"
        );
        assert_eq!(route_of("POST /graphql"), "POST /graphql");
    }

    #[test]
    fn renders_what_was_counted() {
        let metrics = Metrics::new();
        metrics.event_received("attempts.items.create");
        metrics.observe_directus("POST /graphql", Duration::from_millis(5));
        let text = metrics.render();
        assert!(
            text.contains("pathwise_events_received_total{kind=\"attempts.items.create\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("pathwise_directus_requests_total{operation=\"POST /graphql\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("pathwise_directus_request_duration_seconds_bucket"),
            "{text}"
        );
    }
}

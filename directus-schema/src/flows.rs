//! The flows that deliver record events to the worker.
//!
//! Each flow is `event trigger -> json-web-token (sign) -> request (POST to the worker)`.
//! The token is HS256, lives 60 s, and carries the event itself in its `event` claim, so
//! a captured token cannot vouch for another body. The signing secret and the worker's
//! address reach the flow as `{{$env.NAME}}` (Directus must list them in
//! `FLOWS_ENV_ALLOW_LIST`): neither is stored in the database.
//!
//! Only `items.create` on attempts and changes to content trigger flows; the worker
//! writes attempts only by update and never writes content, so its own writes never
//! re-trigger it. One flow ticks hourly (a schedule trigger) and asks the worker to run
//! the engagement job.

use serde_json::{Value, json};

use crate::collections::*;

/// Environment variable (in Directus' env) holding the HS256 secret flows sign with.
pub const WEBHOOK_SECRET_ENV: &str = "PATHWISE_WEBHOOK_SECRET";
/// Environment variable (in Directus' env) holding the worker's base URL.
pub const WORKER_URL_ENV: &str = "PATHWISE_WORKER_URL";
/// The worker's endpoint for flow events, under its base URL.
pub const EVENTS_PATH: &str = "/v1/events";
/// The worker's endpoint for scheduled jobs, under its base URL.
pub const JOBS_PATH: &str = "/v1/jobs";
/// The scheduled job that sends nudges, review digests and badges.
pub const ENGAGEMENT_JOB: &str = "engagement";
/// When the scheduled flows tick: at the start of every hour (Directus' cron syntax).
pub const HOURLY: &str = "0 * * * *";
/// The nightly analysis: course insights, model accuracy, A/B reports, review fits.
pub const NIGHTLY_JOB: &str = "nightly";
/// When it runs: 02:30 UTC, when few students learn.
pub const NIGHTLY: &str = "30 2 * * *";
/// `iss` of the tokens flows sign.
pub const TOKEN_ISSUER: &str = "directus-flow";
/// `aud` of the tokens flows sign.
pub const TOKEN_AUDIENCE: &str = "pathwise-worker";
/// Lifetime of a flow's token.
pub const TOKEN_LIFETIME: &str = "60s";

#[derive(Debug, Clone)]
pub struct FlowSpec {
    pub name: &'static str,
    pub icon: &'static str,
    pub color: &'static str,
    pub description: &'static str,
    /// `event` (a record changed) or `schedule` (a cron tick).
    pub trigger: &'static str,
    /// `options` of the trigger.
    pub trigger_options: Value,
    /// The operations, each resolving to the next.
    pub operations: Vec<OperationSpec>,
}

/// Content collections whose changes can move a student's path.
pub const PATH_CONTENT: [&str; 8] = [
    COURSES,
    MODULES,
    LESSONS,
    SKILLS,
    LESSON_SKILLS,
    LESSON_PREREQUISITES,
    QUESTIONS,
    QUESTION_SKILLS,
];

pub fn flows() -> Vec<FlowSpec> {
    vec![
        FlowSpec {
            name: "Pathwise: attempt submitted",
            icon: "assignment_turned_in",
            color: "#2ECDA7",
            description: "Sends each new attempt to the Pathwise worker, signed, to be graded.",
            trigger: "event",
            trigger_options: json!({ "type": "action", "scope": ["items.create"], "collections": [ATTEMPTS] }),
            operations: delivery_operations(),
        },
        FlowSpec {
            name: "Pathwise: student joined",
            icon: "person_add",
            color: "#3399FF",
            description: "Tells the Pathwise worker about a new user, so a student gets a profile and a path.",
            trigger: "event",
            trigger_options: json!({ "type": "action", "scope": ["items.create"], "collections": ["directus_users"] }),
            operations: delivery_operations(),
        },
        FlowSpec {
            name: "Pathwise: content changed",
            icon: "account_tree",
            color: "#FFA439",
            description: "Tells the Pathwise worker when lessons, prerequisites, skills or questions change, so learning paths are recomputed.",
            trigger: "event",
            trigger_options: json!({
                "type": "action",
                "scope": ["items.create", "items.update", "items.delete"],
                "collections": PATH_CONTENT,
            }),
            operations: delivery_operations(),
        },
        FlowSpec {
            name: "Pathwise: hourly engagement",
            icon: "notifications_active",
            color: "#6644FF",
            description: "Every hour, asks the Pathwise worker to send due reminders, review lists and badge news (each once per period).",
            trigger: "schedule",
            trigger_options: json!({ "cron": HOURLY }),
            operations: job_operations(ENGAGEMENT_JOB),
        },
        FlowSpec {
            name: "Pathwise: nightly analysis",
            icon: "query_stats",
            color: "#6644FF",
            description: "Every night, asks the Pathwise worker for each course's insights, the model accuracy, the A/B reports and the review parameters (once per day).",
            trigger: "schedule",
            trigger_options: json!({ "cron": NIGHTLY }),
            operations: job_operations(NIGHTLY_JOB),
        },
    ]
}

/// Sign `{"job": job}` into a short-lived token, then POST it to the worker's jobs
/// endpoint. The worker takes "now" from the token's `iat`: a schedule trigger has no data.
pub fn job_operations(job: &str) -> Vec<OperationSpec> {
    let event = json!({ "job": job });
    signed_delivery(event.clone(), JOBS_PATH, event.to_string())
}

/// One operation of a flow, chained through `resolve`.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationSpec {
    pub key: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub options: Value,
}

/// Sign the trigger's event into a short-lived token, then POST the event with it.
pub fn delivery_operations() -> Vec<OperationSpec> {
    signed_delivery(
        json!("{{$trigger}}"),
        EVENTS_PATH,
        "{{$trigger}}".to_owned(),
    )
}

/// Sign `event` (the token's `event` claim) and POST `body` (the same event, as the flow
/// renders it) to `path` under the worker's URL.
fn signed_delivery(event: Value, path: &str, body: String) -> Vec<OperationSpec> {
    vec![
        OperationSpec {
            key: "sign",
            name: "Sign the event",
            kind: "json-web-token",
            options: json!({
                "operation": "sign",
                "payload": { "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "event": event },
                "secret": format!("{{{{$env.{WEBHOOK_SECRET_ENV}}}}}"),
                "options": { "expiresIn": TOKEN_LIFETIME, "algorithm": "HS256" },
            }),
        },
        OperationSpec {
            key: "deliver",
            name: "Deliver to the worker",
            kind: "request",
            options: json!({
                "method": "POST",
                "url": format!("{{{{$env.{WORKER_URL_ENV}}}}}{path}"),
                "headers": [
                    { "header": "Authorization", "value": "Bearer {{sign}}" },
                    { "header": "Content-Type", "value": "application/json" },
                ],
                "body": body,
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_the_environment_not_the_database() {
        let ops = delivery_operations();
        assert_eq!(ops[0].options["secret"], "{{$env.PATHWISE_WEBHOOK_SECRET}}");
        assert_eq!(
            ops[1].options["url"],
            "{{$env.PATHWISE_WORKER_URL}}/v1/events"
        );
        let job = job_operations(ENGAGEMENT_JOB);
        assert_eq!(
            job[0].options["payload"]["event"],
            json!({ "job": "engagement" })
        );
        assert_eq!(
            job[1].options["url"],
            "{{$env.PATHWISE_WORKER_URL}}/v1/jobs"
        );
        assert_eq!(job[1].options["body"], r#"{"job":"engagement"}"#);
    }
}

//! Driving attempts into Directus as students and timing until their recommendations
//! are readable.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::proc::Snapshot;
use super::{StepResult, percentile};
use crate::{TestDirectus, secrets};

#[derive(Clone)]
pub struct Plan {
    pub http: reqwest::Client,
    pub directus_url: String,
    pub worker_url: String,
    /// (user id, static token, access token)
    pub students: Vec<(String, String, String)>,
    pub mix: Vec<(Value, Map<String, Value>)>,
    /// Submit through the worker's synchronous endpoint instead of Directus.
    pub sync: bool,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub latencies_ms: Vec<f64>,
    pub attempts: Vec<i64>,
    pub errors: usize,
    /// Not readable within 30 s (graded later, or counted in the totals after the drain).
    pub timed_out: usize,
    pub elapsed: Duration,
}

enum One {
    Done {
        attempt: i64,
        latency_ms: f64,
    },
    Lost {
        attempt: i64,
    },
    Error,
    /// Everything one closed-loop student did.
    Batch(Vec<One>),
}

async fn one(plan: Arc<Plan>, n: usize) -> One {
    let (_, token, access) = &plan.students[n % plan.students.len()];
    let (lesson, answers) = &plan.mix[(n * 7919) % plan.mix.len()];
    if plan.sync {
        return one_synchronous(&plan, access, lesson, answers).await;
    }
    // The student's wait starts when they submit: the create is part of it, as the
    // synchronous path's whole request is.
    let submitted = Instant::now();
    let created = plan
        .http
        .post(format!("{}/items/attempts?fields=id", plan.directus_url))
        .bearer_auth(token)
        .json(&json!({ "lesson": lesson, "answers": answers }))
        .send()
        .await;
    let Ok(created) = created else {
        return One::Error;
    };
    if !created.status().is_success() {
        return One::Error;
    }
    let Ok(body) = created.json::<Value>().await else {
        return One::Error;
    };
    let Some(attempt) = body["data"]["id"].as_i64() else {
        return One::Error;
    };
    let created_at = Instant::now();
    let mut wait = Duration::from_millis(5);
    let url = format!(
        "{}/items/recommendations?filter[attempt][_eq]={attempt}&fields=id&limit=1",
        plan.directus_url
    );
    while created_at.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = plan.http.get(&url).bearer_auth(token).send().await
            && let Ok(v) = r.json::<Value>().await
            && v["data"].as_array().is_some_and(|a| !a.is_empty())
        {
            return One::Done {
                attempt,
                latency_ms: submitted.elapsed().as_secs_f64() * 1000.0,
            };
        }
        tokio::time::sleep(wait).await;
        wait = (wait.mul_f64(1.5)).min(Duration::from_millis(50));
    }
    One::Lost { attempt }
}

/// One attempt through `POST /v1/attempts`: the answer holds the graded attempt and the
/// recommendations, so the latency is the whole request.
async fn one_synchronous(
    plan: &Plan,
    access: &str,
    lesson: &Value,
    answers: &Map<String, Value>,
) -> One {
    let start = Instant::now();
    let response = plan
        .http
        .post(format!("{}/v1/attempts", plan.worker_url))
        .bearer_auth(access)
        .json(&json!({ "lesson": lesson, "answers": answers }))
        .send()
        .await;
    let Ok(response) = response else {
        return One::Error;
    };
    let status = response.status();
    let Ok(body) = response.json::<Value>().await else {
        return One::Error;
    };
    match body["attempt"].as_i64() {
        Some(attempt) if status.is_success() && body["recommendations"].is_array() => One::Done {
            attempt,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
        },
        _ => One::Error,
    }
}

/// A Directus access token for `user`, as login would give a frontend (HS256 with the
/// instance's secret, valid for a day).
pub fn access_token(user: &str, role: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    encode(
        &Header::new(Algorithm::HS256),
        &json!({ "id": user, "role": role, "app_access": false, "admin_access": false,
                 "iat": now, "exp": now + 86_400, "iss": "directus" }),
        &EncodingKey::from_secret(crate::secrets().directus_secret.as_bytes())
            .expect("an HMAC key"),
    )
    .expect("an access token")
}

/// Open loop at `offered` attempts per second for `step`; closed loop with `concurrency`
/// students submitting back to back when `offered` is None.
pub async fn drive(
    plan: &Plan,
    offered: Option<f64>,
    step: Duration,
    concurrency: usize,
) -> Outcome {
    let plan = Arc::new(plan.clone());
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    let counter = Arc::new(AtomicUsize::new(0));
    match offered {
        Some(rate) => {
            let interval = Duration::from_secs_f64(1.0 / rate);
            let mut n = 0;
            while started.elapsed() < step {
                let due = started + interval.mul_f64(n as f64);
                tokio::time::sleep_until(due.into()).await;
                tasks.spawn(one(plan.clone(), n));
                n += 1;
            }
        }
        None => {
            for _ in 0..concurrency.max(1) {
                let plan = plan.clone();
                let counter = counter.clone();
                tasks.spawn(async move {
                    let mut results = Vec::new();
                    while started.elapsed() < step {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        results.push(one(plan.clone(), n).await);
                    }
                    One::Batch(results)
                });
            }
        }
    }
    let mut outcome = Outcome::default();
    while let Some(result) = tasks.join_next().await {
        let Ok(result) = result else {
            outcome.errors += 1;
            continue;
        };
        record(&mut outcome, result);
    }
    outcome.elapsed = started.elapsed();
    outcome
}

fn record(outcome: &mut Outcome, result: One) {
    match result {
        One::Done {
            attempt,
            latency_ms,
        } => {
            outcome.attempts.push(attempt);
            outcome.latencies_ms.push(latency_ms);
        }
        One::Lost { attempt } => {
            outcome.attempts.push(attempt);
            outcome.timed_out += 1;
        }
        One::Error => outcome.errors += 1,
        One::Batch(results) => results.into_iter().for_each(|r| record(outcome, r)),
    }
}

pub async fn summarize(
    system: &str,
    offered: Option<f64>,
    outcome: &Outcome,
    before: &Snapshot,
    after: &Snapshot,
    directus: &TestDirectus,
) -> StepResult {
    let mut sorted = outcome.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let seconds = after.at.duration_since(before.at).as_secs_f64().max(1e-9);
    let done = outcome.attempts.len();
    let gradings = before
        .round_trips
        .zip(after.round_trips)
        .map(|((s0, c0), (s1, c1))| (s1 - s0, c1 - c0));
    // The baseline has no guard: an attempt graded twice leaves two recommendation rows.
    // Pathwise's invariant (XP = 10 x points of graded attempts) is checked over the whole
    // run after the drain, since a step's gradings include the previous step's backlog.
    let is_pathwise = system.starts_with("pathwise");
    let graded_twice = if is_pathwise {
        None
    } else {
        Some(extra_baseline_recommendations(directus, &outcome.attempts).await)
    };
    let worker_cpu = is_pathwise
        .then(|| before.worker_cpu.zip(after.worker_cpu).map(|(a, b)| b - a))
        .flatten();
    StepResult {
        system: system.to_owned(),
        offered_rate: offered,
        attempts: done,
        achieved_rate: done as f64 / outcome.elapsed.as_secs_f64().max(1e-9),
        p50_ms: percentile(&sorted, 50.0),
        p90_ms: percentile(&sorted, 90.0),
        p99_ms: percentile(&sorted, 99.0),
        max_ms: sorted.last().copied().unwrap_or(0.0),
        errors: outcome.errors,
        timed_out: outcome.timed_out,
        graded_twice,
        worker_cpu_ms_per_attempt: worker_cpu
            .filter(|_| done > 0)
            .map(|cpu| cpu * 1000.0 / done as f64),
        worker_cpu_share: worker_cpu.map(|cpu| cpu / seconds),
        worker_rss_kib: is_pathwise.then_some(after.worker_rss).flatten(),
        directus_cpu_share: (after.directus_cpu - before.directus_cpu) / seconds,
        round_trips_per_attempt: gradings.filter(|(_, c)| *c > 0.0).map(|(s, c)| s / c),
        cpu_shares: after
            .by_process
            .iter()
            .map(|(name, cpu)| {
                let earlier = before
                    .by_process
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(0.0, |(_, c)| *c);
                // A process restarted during the step counts from zero.
                let used = if *cpu >= earlier { cpu - earlier } else { *cpu };
                (name.clone(), used / seconds)
            })
            .collect::<std::collections::BTreeMap<_, _>>(),
        drain_seconds: 0.0,
    }
}

/// Baseline attempts with more than one recommendation row (graded more than once).
async fn extra_baseline_recommendations(directus: &TestDirectus, attempts: &[i64]) -> usize {
    let mut extra = 0;
    for chunk in attempts.chunks(200) {
        let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let groups = directus
            .admin()
            .get_data(&format!("/items/recommendations?groupBy[]=attempt&aggregate[count]=id&filter[attempt][_in]={}&limit=-1", ids.join(",")))
            .await
            .unwrap_or_default();
        extra += groups
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| {
                g["count"]["id"]
                    .as_u64()
                    .or_else(|| g["count"]["id"].as_str().and_then(|s| s.parse().ok()))
            })
            .map(|n| n.saturating_sub(1) as usize)
            .sum::<usize>();
    }
    extra
}

/// A flow-style token for `event`, signed with the webhook secret.
pub fn sign_event(event: &Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "iss": "directus-flow", "aud": "pathwise-worker", "event": event, "iat": now, "exp": now + 60 });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secrets().webhook_secret.expose().as_bytes()).unwrap(),
    )
    .unwrap()
}

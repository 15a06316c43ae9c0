//! CPU time and resident memory of a process, from /proc; the worker's counters from its
//! /metrics.

use std::time::Instant;

/// Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) a process has used.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// Resident memory in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at: Instant,
    pub worker_cpu: Option<f64>,
    pub worker_rss: Option<u64>,
    pub directus_cpu: f64,
    /// (sum, count) of `pathwise_directus_round_trips_per_attempt`.
    pub round_trips: Option<(f64, f64)>,
}

impl Snapshot {
    pub async fn take(
        worker: u32,
        directus: u32,
        http: &reqwest::Client,
        worker_url: &str,
    ) -> Self {
        let metrics = match http.get(format!("{worker_url}/metrics")).send().await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let value = |name: &str| {
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        let round_trips = value("pathwise_directus_round_trips_per_attempt_sum ")
            .zip(value("pathwise_directus_round_trips_per_attempt_count "));
        Self {
            at: Instant::now(),
            worker_cpu: cpu_seconds(worker),
            worker_rss: rss_kib(worker),
            directus_cpu: cpu_seconds(directus).unwrap_or(0.0),
            round_trips,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(cpu_seconds(pid).is_some());
        assert!(rss_kib(pid).is_some_and(|kib| kib > 0));
    }
}

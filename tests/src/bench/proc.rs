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

/// CPU seconds of a process and all its descendants alive now (PostgreSQL's backends,
/// nginx' workers).
pub fn tree_cpu_seconds(root: u32) -> Option<f64> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid) in &parents {
            if tree.contains(ppid) && !tree.contains(pid) {
                tree.push(*pid);
                grew = true;
            }
        }
    }
    let own = cpu_seconds(root)?;
    Some(
        own + tree[1..]
            .iter()
            .filter_map(|pid| cpu_seconds(*pid))
            .sum::<f64>(),
    )
}

/// The processes a step measures: the workers (with their /metrics), the Directus
/// instances, and the other servers of a cluster (PostgreSQL, Redis, nginx) by name.
#[derive(Debug, Clone, Default)]
pub struct Processes {
    pub workers: Vec<(u32, String)>,
    pub directus: Vec<u32>,
    /// (name, root pid): measured with their descendants.
    pub others: Vec<(String, u32)>,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at: Instant,
    /// All workers together.
    pub worker_cpu: Option<f64>,
    pub worker_rss: Option<u64>,
    /// All Directus instances together.
    pub directus_cpu: f64,
    /// (sum, count) of `pathwise_directus_round_trips_per_attempt`, all workers together.
    pub round_trips: Option<(f64, f64)>,
    /// CPU seconds by process name: `directus-<n>`, `worker-<n>` and the others.
    pub by_process: Vec<(String, f64)>,
}

impl Snapshot {
    pub async fn take(processes: &Processes, http: &reqwest::Client) -> Self {
        let mut round_trips: Option<(f64, f64)> = None;
        let mut by_process = Vec::new();
        let (mut worker_cpu, mut worker_rss) = (None::<f64>, None::<u64>);
        for (n, (pid, url)) in processes.workers.iter().enumerate() {
            let metrics = match http.get(format!("{url}/metrics")).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let value = |name: &str| {
                metrics
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            if let Some((sum, count)) = value("pathwise_directus_round_trips_per_attempt_sum ")
                .zip(value("pathwise_directus_round_trips_per_attempt_count "))
            {
                let (s, c) = round_trips.unwrap_or((0.0, 0.0));
                round_trips = Some((s + sum, c + count));
            }
            if let Some(cpu) = cpu_seconds(*pid) {
                worker_cpu = Some(worker_cpu.unwrap_or(0.0) + cpu);
                by_process.push((format!("worker-{n}"), cpu));
            }
            if let Some(rss) = rss_kib(*pid) {
                worker_rss = Some(worker_rss.unwrap_or(0) + rss);
            }
        }
        let mut directus_cpu = 0.0;
        for (n, pid) in processes.directus.iter().enumerate() {
            let cpu = cpu_seconds(*pid).unwrap_or(0.0);
            directus_cpu += cpu;
            by_process.push((format!("directus-{n}"), cpu));
        }
        for (name, pid) in &processes.others {
            by_process.push((name.clone(), tree_cpu_seconds(*pid).unwrap_or(0.0)));
        }
        Self {
            at: Instant::now(),
            worker_cpu,
            worker_rss,
            directus_cpu,
            round_trips,
            by_process,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_counts_the_children() {
        let pid = std::process::id();
        let own = cpu_seconds(pid).unwrap();
        assert!(tree_cpu_seconds(pid).unwrap() >= own);
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(cpu_seconds(pid).is_some());
        assert!(rss_kib(pid).is_some_and(|kib| kib > 0));
    }
}

//! Command line and environment: every setting has a flag and an environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::secret::Secret;

#[derive(Debug, Parser)]
#[command(
    name = "pathwise",
    version,
    about = "Pathwise: the adaptive learning engine for Directus."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the worker: receive flow events, grade attempts, write recommendations.
    Serve(ServeArgs),
    /// Grade every attempt left `submitted` longer than the grace period, then exit.
    Sweep(SweepArgs),
    /// Converge Directus onto Pathwise's schema, roles, permissions, worker user and flows.
    Provision(AdminArgs),
    /// Load the demo course and the demo accounts (idempotent).
    Seed(SeedArgs),
    /// Write the GraphQL SDL Directus serves to the worker's service user (commit it in
    /// directus-schema/graphql/ after a schema or permission change).
    ExportSdl(ExportSdlArgs),
    /// Exit 0 when a URL answers 2xx (for container health checks, which lack curl).
    Healthcheck(HealthcheckArgs),
    /// Print a report computed now from the records: `pathwise report ab` compares the
    /// recommendation strategies of the A/B experiment (docs/analytics.md).
    Report(ReportArgs),
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    /// The A/B report: each strategy against the control, with 95% intervals.
    Ab,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    pub kind: ReportKind,
    /// Print the report as JSON (as GET /v1/reports/ab answers it) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub worker: WorkerArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ExportSdlArgs {
    #[command(flatten)]
    pub directus: DirectusArgs,
    /// Static token of the worker's Directus service user.
    #[arg(long, env = "PATHWISE_WORKER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub worker_token: Secret,
    /// Where to write the SDL.
    #[arg(long, default_value = "directus-schema/graphql/schema.graphql")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// The URL to probe.
    #[arg(long, default_value = "http://127.0.0.1:8056/readyz")]
    pub url: String,
}

#[derive(Debug, Clone, Args)]
pub struct DirectusArgs {
    /// Base URL of the Directus API.
    #[arg(long, env = "DIRECTUS_URL", default_value = "http://127.0.0.1:8055")]
    pub directus_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Address to listen on.
    #[arg(long, env = "PATHWISE_LISTEN", default_value = "127.0.0.1:8056")]
    pub listen: SocketAddr,
    /// Shared HS256 secret the flows sign events with.
    #[arg(long, env = "PATHWISE_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub webhook_secret: Secret,
    /// Directus' own SECRET, to verify students' access tokens locally on /v1/attempts
    /// (without it, the worker asks Directus who they are).
    #[arg(long, env = "DIRECTUS_SECRET", hide_env_values = true, value_parser = secret)]
    pub directus_secret: Option<Secret>,
    /// Seconds between reconciliation sweeps (0: only the one at start).
    #[arg(long, env = "PATHWISE_SWEEP_INTERVAL", default_value_t = 60)]
    pub sweep_interval: u64,
    /// Seconds to wait for graceful shutdown before giving up on in-flight requests.
    #[arg(long, env = "PATHWISE_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

/// What the worker needs to grade: Directus, its token, and how to decide.
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub directus: DirectusArgs,
    /// Static token of the worker's Directus service user.
    #[arg(long, env = "PATHWISE_WORKER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub worker_token: Secret,
    /// Name of the A/B experiment students are assigned in.
    #[arg(long, env = "PATHWISE_EXPERIMENT", default_value = "strategy-2026")]
    pub experiment: String,
    /// Recommendation strategies and their weights, e.g. `threshold-rules=1,mastery-first=1`.
    #[arg(long, env = "PATHWISE_STRATEGIES", default_value = "threshold-rules=1", value_parser = strategies)]
    pub strategies: Strategies,
    /// When a lesson counts as done: `latest_score`, `skills_mastered` or `score_or_mastery`.
    #[arg(long, env = "PATHWISE_COMPLETION_RULE", default_value = "score_or_mastery", value_parser = completion_rule)]
    pub completion_rule: crate::learning::CompletionRule,
    /// Seconds an attempt may stay `submitted` before the sweep grades it.
    #[arg(long, env = "PATHWISE_SWEEP_GRACE", default_value_t = 30)]
    pub sweep_grace: u64,
    /// Seconds a course's structure is reused between attempts (0: read it every time).
    /// Content events evict it at once on the replica that receives them.
    #[arg(long, env = "PATHWISE_COURSE_CACHE_TTL", default_value_t = 60)]
    pub course_cache_ttl: u64,
    /// How attempts' outcomes reach Directus: `extension` (the Pathwise extension's
    /// endpoints: one read, one transaction), `public` (REST and GraphQL, for a Directus
    /// without the extension) or `auto` (the extension when Directus has it).
    #[arg(long, env = "PATHWISE_WRITE_PATH", default_value = "auto")]
    pub write_path: crate::process::WritePathSetting,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Strategies(pub Vec<(String, u32)>);

fn strategies(value: &str) -> Result<Strategies, String> {
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part.split_once('=').unwrap_or((part, "1"));
        if crate::learning::strategy_by_name(name.trim()).is_none() {
            return Err(format!(
                "unknown strategy {name:?} (known: threshold-rules, mastery-first)"
            ));
        }
        let weight: u32 = weight
            .trim()
            .parse()
            .map_err(|_| format!("weight of {name} must be a whole number"))?;
        out.push((name.trim().to_owned(), weight));
    }
    if out.iter().all(|(_, w)| *w == 0) {
        return Err("at least one strategy needs a weight above 0".to_owned());
    }
    Ok(Strategies(out))
}

fn completion_rule(value: &str) -> Result<crate::learning::CompletionRule, String> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| "expected latest_score, skills_mastered or score_or_mastery".to_owned())
}

impl WorkerArgs {
    pub fn settings(&self) -> crate::process::Settings {
        crate::process::Settings {
            experiment: self.experiment.clone(),
            strategies: self.strategies.0.clone(),
            completion_rule: self.completion_rule,
            sweep_grace: std::time::Duration::from_secs(self.sweep_grace),
            course_cache_ttl: std::time::Duration::from_secs(self.course_cache_ttl),
            write_path: self.write_path,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub worker: WorkerArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub directus: DirectusArgs,
    /// A Directus admin's static token.
    #[arg(long, env = "DIRECTUS_ADMIN_TOKEN", hide_env_values = true, value_parser = secret)]
    pub admin_token: Secret,
    /// The static token to give the worker's service user.
    #[arg(long, env = "PATHWISE_WORKER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub worker_token: Secret,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub directus: DirectusArgs,
    /// A Directus admin's static token.
    #[arg(long, env = "DIRECTUS_ADMIN_TOKEN", hide_env_values = true, value_parser = secret)]
    pub admin_token: Secret,
    /// Password of the demo accounts, set when they are created.
    #[arg(long, env = "PATHWISE_DEMO_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub demo_password: Secret,
}

fn secret(value: &str) -> Result<Secret, String> {
    if value.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strategy_weights_and_rejects_unknown_ones() {
        let parsed = strategies("threshold-rules=3, mastery-first=1").unwrap();
        assert_eq!(
            parsed.0,
            vec![
                ("threshold-rules".to_owned(), 3),
                ("mastery-first".to_owned(), 1)
            ]
        );
        assert!(
            strategies("random=1")
                .unwrap_err()
                .contains("unknown strategy")
        );
        assert!(strategies("threshold-rules=0").is_err());
        assert!(strategies("threshold-rules=x").is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

//! Command line and environment: every setting has a flag and an environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::secret::Secret;

#[derive(Debug, Parser)]
#[command(name = "pathwise", version, about = "Pathwise: the adaptive learning engine for Directus.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the worker: receive flow events, grade attempts, write recommendations.
    Serve(ServeArgs),
    /// Converge Directus onto Pathwise's schema, roles, permissions, worker user and flows.
    Provision(AdminArgs),
    /// Load the demo course and the demo accounts (idempotent).
    Seed(SeedArgs),
    /// Write the GraphQL SDL Directus serves to the worker's service user (commit it in
    /// directus-schema/graphql/ after a schema or permission change).
    ExportSdl(ExportSdlArgs),
    /// Exit 0 when a URL answers 2xx (for container health checks, which lack curl).
    Healthcheck(HealthcheckArgs),
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
    pub directus: DirectusArgs,
    /// Address to listen on.
    #[arg(long, env = "PATHWISE_LISTEN", default_value = "127.0.0.1:8056")]
    pub listen: SocketAddr,
    /// Static token of the worker's Directus service user.
    #[arg(long, env = "PATHWISE_WORKER_TOKEN", hide_env_values = true, value_parser = secret)]
    pub worker_token: Secret,
    /// Shared HS256 secret the flows sign events with.
    #[arg(long, env = "PATHWISE_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub webhook_secret: Secret,
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

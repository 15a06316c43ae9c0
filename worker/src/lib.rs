//! Pathwise worker library: everything `pathwise` does, usable from tests.
//!
//! - [`learning`]: the pure learning engine (grading, mastery, reviews, paths,
//!   recommendations). No I/O, no async, no Directus types.
//! - [`directus`]: the thin client for Directus' REST and GraphQL APIs.
//! - [`provision`] and [`seed`]: declarative set-up of a Directus instance.
//! - [`http`]: the worker's endpoints; [`run`] serves them until shutdown.

pub mod config;
pub mod directus;
pub mod events;
pub mod http;
pub mod learning;
pub mod provision;
pub mod secret;
pub mod seed;

use std::future::Future;

use tokio::net::TcpListener;

/// Serves the worker on `listener` until `shutdown` completes, then finishes in-flight
/// requests.
pub async fn run(
    state: http::AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, http::router(state)).with_graceful_shutdown(shutdown).await
}

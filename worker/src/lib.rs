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
pub mod metrics;
pub mod process;
pub mod provision;
pub mod secret;
pub mod seed;

use std::future::{Future, IntoFuture};
use std::time::Duration;

use tokio::net::TcpListener;

/// Serves the worker on `listener` until `shutdown` completes, then lets in-flight
/// requests finish, for at most `grace`.
pub async fn run(
    state: http::AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    let server = axum::serve(listener, http::router(state)).with_graceful_shutdown(signal);
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = &mut server => result,
        () = async { let _ = stopping_rx.await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_seconds = grace.as_secs(), "in-flight requests did not finish in time; stopping");
            Ok(())
        }
    }
}

/// Sweeps at once, then every `interval` (never again when it is zero).
pub async fn sweep_periodically(worker: process::Worker, interval: Duration) {
    // At start: whatever waits since this replica was down, whatever the others do.
    if let Err(error) = process::sweep::sweep(&worker).await {
        tracing::warn!(%error, "sweep failed; will try again");
    }
    if interval.is_zero() {
        return;
    }
    loop {
        tokio::time::sleep(interval).await;
        // Then once per interval across the replicas.
        if let Err(error) = process::sweep::sweep_once_per_interval(&worker, interval).await {
            tracing::warn!(%error, "sweep failed; will try again");
        }
    }
}

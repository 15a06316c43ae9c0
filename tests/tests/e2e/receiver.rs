//! A stand-in for the worker that records what flows deliver to it, on loopback.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use tokio::sync::mpsc;

pub struct Delivery {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct Receiver {
    pub url: String,
    deliveries: mpsc::UnboundedReceiver<Delivery>,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let (tx, deliveries) = mpsc::unbounded_channel();
        let app = Router::new().route(
            "/{*path}",
            post(
                move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                    let tx = tx.clone();
                    async move {
                        let _ = tx.send(Delivery {
                            path: uri.path().to_owned(),
                            headers,
                            body,
                        });
                        axum::http::StatusCode::ACCEPTED
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            deliveries,
            _server: server,
        }
    }

    /// The next delivery, or None after `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Delivery> {
        tokio::time::timeout(within, self.deliveries.recv())
            .await
            .ok()
            .flatten()
    }

    /// Deliveries until one matches, or None after `within`.
    pub async fn next_matching(
        &mut self,
        within: Duration,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<Delivery> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let delivery = self.next(left).await?;
            let body: serde_json::Value =
                serde_json::from_slice(&delivery.body).unwrap_or_default();
            if matches(&body) {
                return Some(delivery);
            }
        }
    }
}

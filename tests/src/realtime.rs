//! A student's WebSocket to Directus realtime, as a frontend opens it: authenticated with
//! their access token, subscribed to their collections.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// A student's WebSocket to Directus realtime, authenticated and subscribed.
pub struct Realtime {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Realtime {
    pub async fn subscribe(directus_url: &str, token: &str, collections: &[&str]) -> Self {
        let url = format!("{}/websocket", directus_url.replace("http://", "ws://"));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut realtime = Self { socket };
        realtime
            .send(json!({ "type": "auth", "access_token": token }))
            .await;
        let auth = realtime.next_message().await;
        assert_eq!(auth["status"], "ok", "{auth}");
        for collection in collections {
            let fields = match *collection {
                "recommendations" => json!(["id", "status", "attempt", "kind"]),
                _ => json!(["id", "status"]),
            };
            realtime
                .send(
                    json!({ "type": "subscribe", "collection": collection, "uid": collection,
                              "query": { "fields": fields } }),
                )
                .await;
            let init = realtime.next_message().await;
            assert_eq!(init["event"], "init", "{init}");
        }
        realtime
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    /// The next message that is not a heartbeat.
    pub async fn next_message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .expect("a realtime message within 30 s")
                .expect("the socket stays open")
                .unwrap();
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "ping" {
                self.send(json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }

    /// Waits until both the attempt's graded update and one of its recommendations have
    /// been pushed; answers everything received.
    pub async fn until_graded_and_recommended(&mut self, attempt: i64) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        let (mut graded, mut recommended) = (false, false);
        while !(graded && recommended) {
            assert!(
                Instant::now() < deadline,
                "not pushed within 30 s (graded: {graded}, recommended: {recommended}): {seen:?}"
            );
            let message = self.next_message().await;
            for item in message["data"].as_array().into_iter().flatten() {
                graded |= message["uid"] == "attempts"
                    && item["id"] == attempt
                    && item["status"] == "graded";
                recommended |= message["uid"] == "recommendations"
                    && message["event"] == "create"
                    && item["attempt"] == attempt;
            }
            seen.push(message);
        }
        seen
    }
}

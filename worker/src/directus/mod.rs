//! Talking to Directus: the REST and GraphQL client and its retry rules.

pub mod client;
pub mod retry;

pub use client::{Body, DirectusClient, DirectusError, RetryPolicy, take_data};

/// The GraphQL SDL of the items API as `client`'s user sees it (permissions shape it).
pub async fn graphql_sdl(client: &DirectusClient) -> Result<String, DirectusError> {
    match client.get("/server/specs/graphql").await? {
        serde_json::Value::String(sdl) => Ok(sdl),
        other => Ok(other.to_string()),
    }
}

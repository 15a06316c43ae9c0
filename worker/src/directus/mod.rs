//! Talking to Directus: the REST and GraphQL client and its retry rules.

pub mod client;
pub mod retry;

pub use client::{Body, DirectusClient, DirectusError, RetryPolicy, take_data};

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

impl DirectusClient {
    /// Runs a typed GraphQL document (see `directus_schema::graphql`) against `/graphql`.
    pub async fn query<Q: graphql_client::GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, DirectusError> {
        let body = Q::build_query(variables);
        let request = serde_json::to_value(&body).unwrap_or_default();
        let data = self.graphql_request("/graphql", request).await?;
        serde_json::from_value(data).map_err(|e| DirectusError {
            operation: format!("POST /graphql {}", body.operation_name),
            status: Some(200),
            code: Some("UNEXPECTED_SHAPE".to_owned()),
            message: format!("the answer does not fit the committed SDL (re-export it?): {e}"),
        })
    }
}

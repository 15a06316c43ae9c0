//! Where an attempt's outcome is read and written: through the Pathwise extension for
//! Directus (one read, one version-checked transaction; see docs/extension.md), or through
//! Directus' public REST and GraphQL APIs when the extension cannot be installed.

use serde::Deserialize;

use crate::directus::{DirectusClient, DirectusError};

/// The configured choice (`PATHWISE_WRITE_PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WritePathSetting {
    /// The extension when Directus has it (asked once, at the first attempt), else the
    /// public APIs.
    #[default]
    Auto,
    Extension,
    Public,
}

impl std::str::FromStr for WritePathSetting {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value {
            "auto" => Ok(Self::Auto),
            "extension" => Ok(Self::Extension),
            "public" => Ok(Self::Public),
            _ => Err("expected auto, extension or public".to_owned()),
        }
    }
}

/// The path in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePath {
    /// `/pathwise/...`: the attempt and state in one call, the whole outcome in one
    /// transaction, refused (409) when the student's state changed since it was read.
    Extension,
    /// Typed GraphQL reads, one GraphQL mutation, then a REST PATCH of the attempt. Each
    /// write is guarded (applied-attempt lists, unique keys) so a retry finishes the job.
    Public,
}

impl WritePath {
    pub fn name(self) -> &'static str {
        match self {
            WritePath::Extension => "extension",
            WritePath::Public => "public",
        }
    }
}

/// Asks Directus whether the extension is there and answers the worker.
pub(super) async fn detect(directus: &DirectusClient) -> Result<WritePath, DirectusError> {
    let path = match directus.get("/pathwise").await {
        Ok(_) => WritePath::Extension,
        // Directus answers an unknown route with 404 ROUTE_NOT_FOUND.
        Err(error) if error.is_status(404) => WritePath::Public,
        Err(error) if error.is_status(403) => {
            tracing::error!(
                "the Pathwise extension is installed but does not take the worker's token as the worker's (is its role named \"Pathwise Worker\"?); using the public APIs"
            );
            WritePath::Public
        }
        Err(error) => return Err(error),
    };
    tracing::info!(
        write_path = path.name(),
        "attempts are read and written through the {}",
        match path {
            WritePath::Extension => "Pathwise extension",
            WritePath::Public => "public REST and GraphQL APIs (no Pathwise extension)",
        }
    );
    Ok(path)
}

/// The extension's answer to a state read or a submission (docs/extension.md).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ExtensionState {
    pub attempt: i64,
    pub student: Option<String>,
    pub course: Option<i64>,
    /// The same shape as the public path's AttemptAndState query.
    pub state: directus_schema::graphql::attempt_and_state::ResponseData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_setting() {
        assert_eq!("auto".parse(), Ok(WritePathSetting::Auto));
        assert_eq!("extension".parse(), Ok(WritePathSetting::Extension));
        assert_eq!("public".parse(), Ok(WritePathSetting::Public));
        assert!("graphql".parse::<WritePathSetting>().is_err());
    }
}

//! Typed GraphQL documents, checked at compile time against the SDL Directus serves the
//! worker (`graphql/schema.graphql`, exported by `pathwise export-sdl`; a test fails when
//! it is stale).

#![allow(clippy::upper_case_acronyms, non_camel_case_types)]

use graphql_client::GraphQLQuery;

/// Directus' `JSON` scalar.
pub type JSON = serde_json::Value;
/// Directus' `Date` scalar: an ISO 8601 string.
pub type Date = String;
/// Directus' `GraphQLStringOrFloat` scalar (numeric ids in filters).
pub type GraphQLStringOrFloat = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/course.graphql",
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone"
)]
pub struct AttemptOnly;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/course.graphql",
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone"
)]
pub struct CourseStructure;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/student.graphql",
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone"
)]
pub struct StudentState;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/record_outcome.graphql",
    response_derives = "Debug, Clone",
    variables_derives = "Debug, Clone, Default",
    // Directus treats an explicit null as a value (and refuses a null `id`): leave unset
    // fields out instead.
    skip_serializing_none
)]
pub struct RecordOutcome;

// The derives above read these files at compile time, but do not tell cargo: including
// them makes a change of the SDL or of a document rebuild this crate.
const _SCHEMA: &str = include_str!("../graphql/schema.graphql");
const _COURSE: &str = include_str!("../graphql/course.graphql");
const _STUDENT: &str = include_str!("../graphql/student.graphql");
const _RECORD_OUTCOME: &str = include_str!("../graphql/record_outcome.graphql");

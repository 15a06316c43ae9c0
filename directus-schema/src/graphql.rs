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
    query_path = "graphql/attempt.graphql",
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
    query_path = "graphql/attempt_and_state.graphql",
    response_derives = "Debug, Clone, PartialEq, Serialize",
    variables_derives = "Debug, Clone"
)]
pub struct AttemptAndState;

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
const _ATTEMPT: &str = include_str!("../graphql/attempt.graphql");
const _ATTEMPT_AND_STATE: &str = include_str!("../graphql/attempt_and_state.graphql");
const _RECORD_OUTCOME: &str = include_str!("../graphql/record_outcome.graphql");

/// RecordOutcome's root fields, in the committed document's order: the variable, its
/// GraphQL type and the mutation field that takes it.
const RECORD_OUTCOME_FIELDS: [(&str, &str, &str); 8] = [
    (
        "newMastery",
        "[create_mastery_input!]",
        "create_mastery_items(data: $newMastery)",
    ),
    (
        "masteryUpdates",
        "[update_mastery_input!]",
        "update_mastery_batch(data: $masteryUpdates)",
    ),
    // One UPDATE for all of them, where a batch is a service call per recommendation.
    (
        "superseded",
        "[ID]!",
        r#"update_recommendations_items(ids: $superseded, data: { status: "superseded" })"#,
    ),
    (
        "newRecommendations",
        "[create_recommendations_input!]",
        "create_recommendations_items(data: $newRecommendations)",
    ),
    (
        "newProfiles",
        "[create_student_profiles_input!]",
        "create_student_profiles_items(data: $newProfiles)",
    ),
    (
        "profileUpdates",
        "[update_student_profiles_input!]",
        "update_student_profiles_batch(data: $profileUpdates)",
    ),
    (
        "newPaths",
        "[create_learning_paths_input!]",
        "create_learning_paths_items(data: $newPaths)",
    ),
    (
        "pathUpdates",
        "[update_learning_paths_input!]",
        "update_learning_paths_batch(data: $pathUpdates)",
    ),
];

/// The request body of a [`RecordOutcome`] that asks only for the writes it has data for,
/// or `None` when there is nothing to write.
///
/// Directus runs every root field of a mutation as a service call, empty list or not, and
/// a grading usually fills three to five of the eight lists: leaving out the empty ones
/// saves Directus a few milliseconds of CPU per attempt (BENCHMARKS.md). The variables stay
/// typed by the committed document, which is checked against the SDL at compile time, and a
/// test checks that this builder gives that very document when every list is present. The
/// answer only echoes ids, so callers check it for errors and otherwise ignore it.
pub fn record_outcome_request(variables: &record_outcome::Variables) -> Option<serde_json::Value> {
    let all = serde_json::to_value(variables).ok()?;
    let present: Vec<_> = RECORD_OUTCOME_FIELDS
        .iter()
        .filter(|(name, _, _)| all[name].as_array().is_some_and(|list| !list.is_empty()))
        .collect();
    if present.is_empty() {
        return None;
    }
    let declarations: Vec<String> = present
        .iter()
        .map(|(name, kind, _)| format!("${name}: {kind}"))
        .collect();
    let fields: String = present
        .iter()
        .map(|(_, _, call)| format!("  {call} {{\n    id\n  }}\n"))
        .collect();
    let query = format!(
        "mutation RecordOutcome({}) {{\n{fields}}}\n",
        declarations.join(", ")
    );
    let variables: serde_json::Map<String, serde_json::Value> = present
        .iter()
        .map(|(name, _, _)| ((*name).to_owned(), all[name].clone()))
        .collect();
    Some(serde_json::json!({
        "query": query,
        "operationName": "RecordOutcome",
        "variables": variables,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document without comments, with runs of whitespace made one space.
    fn normalized(document: &str) -> String {
        let code: Vec<&str> = document
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .collect();
        let mut spaced = String::new();
        for c in code.join(" ").chars() {
            match c {
                ',' => spaced.push(' '),
                '(' | ')' | '{' | '}' | ':' => spaced.extend([' ', c, ' ']),
                _ => spaced.push(c),
            }
        }
        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn every_list_filled() -> record_outcome::Variables {
        use record_outcome::*;
        Variables {
            new_mastery: Some(vec![create_mastery_input {
                key: "s:1".into(),
                student: "s".into(),
                skill: 1,
                ..Default::default()
            }]),
            mastery_updates: Some(vec![update_mastery_input::default()]),
            superseded: vec![Some("7".into())],
            new_recommendations: Some(vec![create_recommendations_input::default()]),
            new_profiles: Some(vec![create_student_profiles_input::default()]),
            profile_updates: Some(vec![update_student_profiles_input::default()]),
            new_paths: Some(vec![create_learning_paths_input::default()]),
            path_updates: Some(vec![update_learning_paths_input::default()]),
        }
    }

    #[test]
    fn with_every_list_filled_the_request_is_the_committed_document() {
        let request = record_outcome_request(&every_list_filled()).unwrap();
        assert_eq!(
            normalized(request["query"].as_str().unwrap()),
            normalized(_RECORD_OUTCOME)
        );
        assert_eq!(request["variables"].as_object().unwrap().len(), 8);
    }

    #[test]
    fn empty_lists_are_left_out_of_the_document_and_the_variables() {
        let variables = record_outcome::Variables {
            superseded: vec![],
            new_recommendations: Some(
                vec![record_outcome::create_recommendations_input::default()],
            ),
            path_updates: Some(vec![record_outcome::update_learning_paths_input::default()]),
            ..Default::default()
        };
        let request = record_outcome_request(&variables).unwrap();
        let query = request["query"].as_str().unwrap();
        assert!(query.contains("create_recommendations_items(data: $newRecommendations)"));
        assert!(query.contains("update_learning_paths_batch(data: $pathUpdates)"));
        assert!(
            !query.contains("superseded") && !query.contains("mastery"),
            "{query}"
        );
        let names: Vec<&String> = request["variables"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["newRecommendations", "pathUpdates"]);
        assert!(record_outcome_request(&record_outcome::Variables::default()).is_none());
    }
}

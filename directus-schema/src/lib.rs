//! The typed view of Pathwise's Directus schema and the declarative provisioning data.
//!
//! - [`SNAPSHOT_YAML`]: the schema snapshot (collections, fields, relations), applied by
//!   `pathwise provision` through `/schema/diff` and `/schema/apply`.
//! - [`access`]: roles, policies and their permissions.
//! - [`flows`]: the flows that deliver record events to the worker, signed.
//! - [`collections`]: the names of Pathwise's collections.
//! - [`dashboards`]: the Insights dashboard and its panels.

pub mod access;
pub mod collections;
pub mod dashboards;
pub mod flows;
pub mod graphql;

/// The Directus schema snapshot, committed at the top of the repository.
pub const SNAPSHOT_YAML: &str = include_str!("../../directus-snapshot.yaml");

/// The demo course (fractions), loaded by `pathwise seed`.
pub const DEMO_COURSE_JSON: &str = include_str!("../demo/fractions.json");

//! Pathwise worker library: everything `pathwise` does, usable from tests.
//!
//! - [`learning`]: the pure learning engine (grading, mastery, reviews, paths,
//!   recommendations). No I/O, no async, no Directus types.
//! - [`directus`]: the thin client for Directus' REST and GraphQL APIs.
//! - [`provision`] and [`seed`]: declarative set-up of a Directus instance.

pub mod learning;

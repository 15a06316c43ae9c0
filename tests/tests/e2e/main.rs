//! End-to-end tests: one binary (so the Directus templates are built once), one module per
//! area. Every test starts its own Directus on a free port.

mod admin_ui;
mod analytics;
mod bench;
mod broken_content;
mod cluster;
mod cohorts;
mod compose;
mod engagement;
mod erasure;
mod extension;
mod flows;
mod permissions;
mod postgres;
mod provisioning;
mod receiver;
mod rejections;
mod soak;
mod student_app;
mod validation;
mod worker;
mod write_paths;

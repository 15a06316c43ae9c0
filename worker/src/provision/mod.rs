//! `pathwise provision`: converge a Directus instance onto the declared set-up.
//!
//! In order: the schema snapshot (`/schema/diff` then `/schema/apply`), the policies with
//! their permissions, the roles and their links to policies, the worker's service user
//! and its static token, the flows with their operations, the dashboards with their panels,
//! and the project settings (name, colour, and the Pathwise module in the module bar).
//! Every step compares what is there with what is declared and changes only the
//! difference, so a second run changes nothing and says so, and a half-provisioned or
//! older instance converges.

mod access;
mod dashboards;
mod flows;
pub mod schema_diff;

pub use flows::create_flow;

use std::fmt;

use directus_schema::access::{WORKER, WORKER_EMAIL};
use serde_json::{Value, json};

use crate::directus::{Body, DirectusClient, DirectusError};
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct ProvisionOptions {
    /// The schema snapshot YAML to converge onto.
    pub snapshot_yaml: String,
    /// The static token the worker's service user authenticates with.
    pub worker_token: Secret,
    /// The Directus project name shown in the admin UI.
    pub project_name: String,
}

impl ProvisionOptions {
    pub fn new(worker_token: Secret) -> Self {
        Self {
            snapshot_yaml: directus_schema::SNAPSHOT_YAML.to_owned(),
            worker_token,
            project_name: "Pathwise".to_owned(),
        }
    }
}

/// What provisioning changed, one line per change.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub changes: Vec<String>,
}

impl Report {
    pub fn is_unchanged(&self) -> bool {
        self.changes.is_empty()
    }

    pub(crate) fn note(&mut self, change: impl Into<String>) {
        let change = change.into();
        tracing::info!(change = %change, "provisioned");
        self.changes.push(change);
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return f.write_str("Directus is already provisioned: nothing changed.");
        }
        writeln!(f, "{} change(s):", self.changes.len())?;
        for change in &self.changes {
            writeln!(f, "  - {change}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Directus(#[from] DirectusError),
    #[error("provisioning found something it cannot fix by itself: {0}")]
    Conflict(String),
}

/// Converges Directus onto the declared set-up; `admin` must carry an admin token.
pub async fn provision(
    admin: &DirectusClient,
    options: &ProvisionOptions,
) -> Result<Report, ProvisionError> {
    let mut report = Report::default();
    apply_schema(admin, &options.snapshot_yaml, &mut report).await?;
    let policy_ids = access::converge_policies(admin, &mut report).await?;
    let role_ids = access::converge_roles(admin, &policy_ids, &mut report).await?;
    converge_worker_user(admin, &role_ids, &options.worker_token, &mut report).await?;
    flows::converge_flows(admin, &mut report).await?;
    dashboards::converge_dashboards(admin, &mut report).await?;
    converge_settings(admin, &options.project_name, &mut report).await?;
    Ok(report)
}

/// How many times the schema step diffs and applies before it gives up.
const SCHEMA_ROUNDS: u32 = 4;

async fn apply_schema(
    admin: &DirectusClient,
    snapshot_yaml: &str,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let target_vendor = admin.get_data("/schema/snapshot").await?["vendor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let snapshot_vendor = snapshot_vendor(snapshot_yaml).unwrap_or_default();
    let same_vendor = target_vendor == snapshot_vendor;
    let apply_path = if same_vendor {
        "/schema/apply"
    } else {
        "/schema/apply?force=true"
    };
    // An apply is never retried as such: one that timed out (or whose answer was lost) may
    // have been carried out after all, and the same diff sent again is refused ("trying to
    // create collection ... but it already exists"; seen on a loaded machine). Instead,
    // diff again and apply what is still missing.
    let once = admin
        .clone()
        .with_retry(crate::directus::RetryPolicy::none());
    let mut round = 0;
    loop {
        round += 1;
        let Some((hash, diff)) = schema_diff_of(admin, snapshot_yaml, same_vendor).await? else {
            return Ok(());
        };
        let summary = summarize_diff(&diff);
        match once
            .post(apply_path, json!({ "hash": hash, "diff": diff }))
            .await
        {
            Ok(_) => {
                report.note(format!("schema: applied {summary}"));
                return Ok(());
            }
            Err(error) if round < SCHEMA_ROUNDS => {
                tracing::warn!(%error, round, "applying the schema failed; diffing again");
                tokio::time::sleep(std::time::Duration::from_secs(2 * u64::from(round))).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// What `/schema/diff` says is left to apply (its hash and the diff to send), or `None`
/// when nothing is. On another vendor than the snapshot's, only the portable part.
async fn schema_diff_of(
    admin: &DirectusClient,
    snapshot_yaml: &str,
    same_vendor: bool,
) -> Result<Option<(Value, Value)>, ProvisionError> {
    let path = if same_vendor {
        "/schema/diff"
    } else {
        "/schema/diff?force"
    };
    let file = Body::File {
        name: "directus-snapshot.yaml".to_owned(),
        mime: "application/x-yaml".to_owned(),
        bytes: snapshot_yaml.as_bytes().to_vec(),
    };
    let answer = admin.send(reqwest::Method::POST, path, Some(file)).await?;
    let Some(data) = answer.get("data").filter(|d| !d.is_null()) else {
        return Ok(None);
    };
    let mut diff = data["diff"].clone();
    if !same_vendor {
        diff = schema_diff::portable_part(&diff);
    }
    if schema_diff::is_empty(&diff) {
        return Ok(None);
    }
    Ok(Some((data["hash"].clone(), diff)))
}

/// The `vendor:` line of a snapshot YAML (`sqlite`, `postgres`, ...).
fn snapshot_vendor(yaml: &str) -> Option<String> {
    yaml.lines()
        .find_map(|line| line.strip_prefix("vendor:"))
        .map(|v| v.trim().to_owned())
}

fn summarize_diff(diff: &Value) -> String {
    let count = |section: &str| diff[section].as_array().map_or(0, Vec::len);
    format!(
        "{} collection, {} field and {} relation change(s)",
        count("collections"),
        count("fields"),
        count("relations")
    )
}

async fn converge_worker_user(
    admin: &DirectusClient,
    role_ids: &std::collections::HashMap<String, String>,
    token: &Secret,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let role = role_ids.get(WORKER).ok_or_else(|| {
        ProvisionError::Conflict(format!("the role {WORKER} was not provisioned"))
    })?;
    let found = admin
        .get_data(&format!(
            "/users?filter[email][_eq]={WORKER_EMAIL}&fields=id,role,status&limit=1"
        ))
        .await?;
    let Some(user) = found.as_array().and_then(|users| users.first()).cloned() else {
        admin
            .post(
                "/users",
                json!({
                    "email": WORKER_EMAIL,
                    "first_name": "Pathwise",
                    "last_name": "Worker",
                    "role": role,
                    "status": "active",
                    "token": token.expose(),
                    "description": "Service account of the Pathwise worker. Authenticates with its static token only.",
                }),
            )
            .await?;
        report.note(format!(
            "user {WORKER_EMAIL}: created with its static token"
        ));
        return Ok(());
    };
    let id = user["id"].as_str().unwrap_or_default().to_owned();
    if user["role"].as_str() != Some(role) || user["status"] != "active" {
        admin
            .patch(
                &format!("/users/{id}"),
                json!({ "role": role, "status": "active" }),
            )
            .await?;
        report.note(format!("user {WORKER_EMAIL}: role and status restored"));
    }
    // The token reads back masked, so ask Directus whom the declared token belongs to.
    let as_worker = admin
        .with_token(Some(token.clone()))
        .with_retry(crate::directus::RetryPolicy::none());
    let token_works = match as_worker.get_data("/users/me?fields=id").await {
        Ok(me) => me["id"].as_str() == Some(id.as_str()),
        Err(e) if e.is_status(401) || e.is_status(403) => false,
        Err(e) => return Err(e.into()),
    };
    if !token_works {
        admin
            .patch(&format!("/users/{id}"), json!({ "token": token.expose() }))
            .await?;
        report.note(format!("user {WORKER_EMAIL}: static token set"));
    }
    Ok(())
}

async fn converge_settings(
    admin: &DirectusClient,
    project_name: &str,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let desired = json!({
        "project_name": project_name,
        "project_descriptor": "Adaptive learning",
        "project_color": "#6644FF",
    });
    let current = admin
        .get_data("/settings?fields=project_name,project_descriptor,project_color")
        .await?;
    let differs = desired
        .as_object()
        .into_iter()
        .flatten()
        .any(|(k, v)| current.get(k) != Some(v));
    if differs {
        admin.patch("/settings", desired).await?;
        report.note("settings: project name and colour");
    }
    let module_bar = admin.get_data("/settings?fields=module_bar").await?["module_bar"].clone();
    if let Some(module_bar) = module_bar_with_pathwise(&module_bar) {
        admin
            .patch("/settings", json!({ "module_bar": module_bar }))
            .await?;
        report.note("settings: the Pathwise module in the module bar");
    }
    Ok(())
}

/// The Pathwise module's entry in `directus_settings.module_bar`.
const PATHWISE_MODULE_ID: &str = "pathwise";

/// The admin app's module bar while `module_bar` is null (`MODULE_BAR_DEFAULT`, read in
/// @directus/app 11.17.4's bundle). The app shows an installed module only when the bar
/// lists it, so a null bar hides Pathwise's module from everyone.
fn default_module_bar() -> Value {
    json!([
        { "type": "module", "id": "content", "enabled": true },
        { "type": "module", "id": "visual", "enabled": false },
        { "type": "module", "id": "users", "enabled": true },
        { "type": "module", "id": "files", "enabled": true },
        { "type": "module", "id": "insights", "enabled": true },
        { "type": "module", "id": "deployments", "enabled": false },
        { "type": "link", "id": "docs", "enabled": true, "name": "$t:documentation",
          "icon": "help", "url": "https://docs.directus.io" },
        { "type": "module", "id": "settings", "enabled": true, "locked": true },
    ])
}

/// The module bar with the Pathwise module added after Insights, or `None` when it is
/// listed already: an admin who disabled or moved it keeps their choice.
fn module_bar_with_pathwise(current: &Value) -> Option<Value> {
    let mut bar = match current {
        Value::Array(entries) => entries.clone(),
        _ => default_module_bar().as_array().cloned().unwrap_or_default(),
    };
    if bar
        .iter()
        .any(|entry| entry["type"] == "module" && entry["id"] == PATHWISE_MODULE_ID)
    {
        return None;
    }
    let after_insights = bar
        .iter()
        .position(|entry| entry["id"] == "insights")
        .map_or(bar.len(), |at| at + 1);
    bar.insert(
        after_insights,
        json!({ "type": "module", "id": PATHWISE_MODULE_ID, "enabled": true }),
    );
    Some(Value::Array(bar))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_bar_gains_pathwise_after_insights_once() {
        let bar = module_bar_with_pathwise(&Value::Null).expect("a null bar gains the module");
        let ids: Vec<&str> = bar
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["id"].as_str().unwrap())
            .collect();
        let insights = ids.iter().position(|id| *id == "insights").unwrap();
        assert_eq!(ids[insights + 1], PATHWISE_MODULE_ID);
        assert_eq!(
            ids.len(),
            default_module_bar().as_array().unwrap().len() + 1
        );
        assert_eq!(
            module_bar_with_pathwise(&bar),
            None,
            "listed once, then left alone"
        );

        // An admin's own bar keeps its order and their choice to hide the module.
        let custom = json!([{ "type": "module", "id": "content", "enabled": true }]);
        let with = module_bar_with_pathwise(&custom).unwrap();
        assert_eq!(with[0]["id"], "content");
        assert_eq!(with[1]["id"], PATHWISE_MODULE_ID);
        let hidden = json!([{ "type": "module", "id": PATHWISE_MODULE_ID, "enabled": false }]);
        assert_eq!(module_bar_with_pathwise(&hidden), None);
    }

    #[test]
    fn reads_the_snapshot_vendor() {
        assert_eq!(
            snapshot_vendor("version: 1\ndirectus: 11.17.4\nvendor: sqlite\n").as_deref(),
            Some("sqlite")
        );
        assert_eq!(snapshot_vendor("version: 1\n"), None);
    }

    #[test]
    fn the_committed_snapshot_is_sqlite_and_pins_directus() {
        let yaml = directus_schema::SNAPSHOT_YAML;
        assert_eq!(snapshot_vendor(yaml).as_deref(), Some("sqlite"));
        assert!(yaml.lines().any(|l| l.trim() == "directus: 11.17.4"));
    }
}

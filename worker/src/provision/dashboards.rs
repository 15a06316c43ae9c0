//! Dashboards (Directus Insights) with their panels.
//!
//! A dashboard is found by name and its panels by name within it: what differs is patched,
//! what is missing is created, an undeclared panel or a second dashboard of the same name
//! is removed. Panels are patched in place rather than recreated, so their ids (and links
//! to them) survive an upgrade.

use directus_schema::dashboards::{DashboardSpec, dashboards};
use serde_json::{Value, json};

use super::access::differs;
use super::{ProvisionError, Report};
use crate::directus::{Body, DirectusClient};

const PANEL_FIELDS: &str =
    "id,name,icon,color,note,type,show_header,position_x,position_y,width,height,options";

pub(super) async fn converge_dashboards(
    admin: &DirectusClient,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let existing = admin
        .get_data("/dashboards?limit=-1&sort=date_created&fields=id,name,icon,color,note")
        .await?;
    for spec in dashboards() {
        let same_name: Vec<&Value> = existing
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["name"] == spec.name)
            .collect();
        let desired = desired_dashboard(&spec);
        let id = match same_name.split_first() {
            None => {
                let created = admin.post("/dashboards", desired).await?;
                report.note(format!("dashboard {}: created", spec.name));
                text_id(&created["data"]["id"])
            }
            Some((current, duplicates)) => {
                let id = text_id(&current["id"]);
                if differs(&desired, current) {
                    admin.patch(&format!("/dashboards/{id}"), desired).await?;
                    report.note(format!("dashboard {}: updated", spec.name));
                }
                // Two dashboards of one name would show editors two Insights; the first
                // (the one links point to) stays.
                for duplicate in duplicates {
                    admin
                        .delete(&format!("/dashboards/{}", text_id(&duplicate["id"])))
                        .await?;
                    report.note(format!("dashboard {}: duplicate removed", spec.name));
                }
                id
            }
        };
        converge_panels(admin, &spec, &id, report).await?;
    }
    Ok(())
}

fn desired_dashboard(spec: &DashboardSpec) -> Value {
    json!({ "name": spec.name, "icon": spec.icon, "color": spec.color, "note": spec.note })
}

async fn converge_panels(
    admin: &DirectusClient,
    spec: &DashboardSpec,
    dashboard: &str,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let existing = admin
        .get_data(&format!(
            "/panels?limit=-1&filter[dashboard][_eq]={dashboard}&fields={PANEL_FIELDS}"
        ))
        .await?;
    let existing: Vec<Value> = existing.as_array().cloned().unwrap_or_default();
    let mut kept = Vec::new();
    let mut to_create = Vec::new();
    for panel in &spec.panels {
        let desired = panel.to_directus(dashboard);
        let found = existing
            .iter()
            .find(|p| p["name"] == panel.name && !kept.contains(&p["id"]));
        match found {
            None => to_create.push(desired),
            Some(current) => {
                kept.push(current["id"].clone());
                let mut comparable = desired.clone();
                // The listing is filtered by dashboard; its rows do not repeat it.
                if let Some(fields) = comparable.as_object_mut() {
                    fields.remove("dashboard");
                }
                if differs(&comparable, current) {
                    admin
                        .patch(&format!("/panels/{}", text_id(&current["id"])), desired)
                        .await?;
                    report.note(format!("panel {} / {}: updated", spec.name, panel.name));
                }
            }
        }
    }
    if !to_create.is_empty() {
        let count = to_create.len();
        admin.post("/panels", Value::Array(to_create)).await?;
        report.note(format!("dashboard {}: {count} panel(s) created", spec.name));
    }
    let extraneous: Vec<Value> = existing
        .iter()
        .map(|p| p["id"].clone())
        .filter(|id| !kept.contains(id))
        .collect();
    if !extraneous.is_empty() {
        let count = extraneous.len();
        admin
            .send(
                reqwest::Method::DELETE,
                "/panels",
                Some(Body::Json(Value::Array(extraneous))),
            )
            .await?;
        report.note(format!(
            "dashboard {}: {count} undeclared panel(s) removed",
            spec.name
        ));
    }
    Ok(())
}

fn text_id(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

//! Policies, their permissions, roles and the role-policy links.

use std::collections::HashMap;

use directus_schema::access::{PermissionSpec, PolicySpec, policies, roles};
use serde_json::{Value, json};

use super::{ProvisionError, Report};
use crate::directus::DirectusClient;

/// Name -> id of every declared policy, created or updated as needed.
pub(super) async fn converge_policies(
    admin: &DirectusClient,
    report: &mut Report,
) -> Result<HashMap<String, String>, ProvisionError> {
    let existing = admin
        .get_data("/policies?limit=-1&fields=id,name,icon,description,app_access,admin_access,enforce_tfa")
        .await?;
    let mut ids = HashMap::new();
    for spec in policies() {
        let desired = json!({
            "name": spec.name,
            "icon": spec.icon,
            "description": spec.description,
            "app_access": spec.app_access,
            "admin_access": false,
        });
        let found = existing
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == spec.name);
        let id = match found {
            None => {
                let created = admin.post("/policies", desired).await?;
                report.note(format!("policy {}: created", spec.name));
                id_of(&created["data"])
            }
            Some(current) => {
                let id = id_of(current);
                if differs(&desired, current) {
                    admin.patch(&format!("/policies/{id}"), desired).await?;
                    report.note(format!("policy {}: updated", spec.name));
                }
                id
            }
        };
        converge_permissions(admin, &spec, &id, report).await?;
        ids.insert(spec.name.to_owned(), id);
    }
    Ok(ids)
}

async fn converge_permissions(
    admin: &DirectusClient,
    spec: &PolicySpec,
    policy_id: &str,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let existing = admin
        .get_data(&format!(
            "/permissions?limit=-1&filter[policy][_eq]={policy_id}&fields=id,collection,action,fields,permissions,validation,presets"
        ))
        .await?;
    let existing: Vec<Value> = existing.as_array().cloned().unwrap_or_default();
    let mut to_create = Vec::new();
    let mut matched = Vec::new();
    for permission in &spec.permissions {
        let found = existing.iter().find(|p| {
            p["collection"] == permission.collection && p["action"] == permission.action.as_str()
        });
        match found {
            None => to_create.push(permission.to_directus(policy_id)),
            Some(current) => {
                matched.push(current["id"].clone());
                if !permission_matches(permission, current) {
                    admin
                        .patch(
                            &format!("/permissions/{}", current["id"]),
                            permission.to_directus(policy_id),
                        )
                        .await?;
                    report.note(format!(
                        "permission {} {} {}: updated",
                        spec.name,
                        permission.action.as_str(),
                        permission.collection
                    ));
                }
            }
        }
    }
    if !to_create.is_empty() {
        let count = to_create.len();
        admin.post("/permissions", Value::Array(to_create)).await?;
        report.note(format!(
            "policy {}: {count} permission(s) created",
            spec.name
        ));
    }
    let extraneous: Vec<Value> = existing
        .iter()
        .map(|p| p["id"].clone())
        .filter(|id| !matched.contains(id))
        .collect();
    if !extraneous.is_empty() {
        let count = extraneous.len();
        admin
            .send(
                reqwest::Method::DELETE,
                "/permissions",
                Some(crate::directus::Body::Json(Value::Array(extraneous))),
            )
            .await?;
        report.note(format!(
            "policy {}: {count} undeclared permission(s) removed",
            spec.name
        ));
    }
    Ok(())
}

fn permission_matches(spec: &PermissionSpec, current: &Value) -> bool {
    let mut want_fields: Vec<&str> = spec.fields.clone();
    want_fields.sort_unstable();
    let mut have_fields: Vec<&str> = current["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    have_fields.sort_unstable();
    let same_json = |want: &Option<Value>, have: &Value| match want {
        None => have.is_null() || have == &json!({}),
        Some(v) => v == have,
    };
    want_fields == have_fields
        && same_json(&spec.permissions, &current["permissions"])
        && same_json(&spec.validation, &current["validation"])
        && same_json(&spec.presets, &current["presets"])
}

/// Name -> id of every declared role, each linked to its one policy.
pub(super) async fn converge_roles(
    admin: &DirectusClient,
    policy_ids: &HashMap<String, String>,
    report: &mut Report,
) -> Result<HashMap<String, String>, ProvisionError> {
    let existing = admin
        .get_data("/roles?limit=-1&fields=id,name,icon,description")
        .await?;
    let links = admin
        .get_data("/access?limit=-1&fields=id,role,policy,user")
        .await?;
    let mut ids = HashMap::new();
    for spec in roles() {
        let desired =
            json!({ "name": spec.name, "icon": spec.icon, "description": spec.description });
        let found = existing
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == spec.name);
        let id = match found {
            None => {
                let created = admin.post("/roles", desired).await?;
                report.note(format!("role {}: created", spec.name));
                id_of(&created["data"])
            }
            Some(current) => {
                let id = id_of(current);
                if differs(&desired, current) {
                    admin.patch(&format!("/roles/{id}"), desired).await?;
                    report.note(format!("role {}: updated", spec.name));
                }
                id
            }
        };
        let policy = policy_ids.get(spec.policy).ok_or_else(|| {
            ProvisionError::Conflict(format!(
                "role {} names an unknown policy {}",
                spec.name, spec.policy
            ))
        })?;
        let linked = links.as_array().into_iter().flatten().any(|l| {
            l["role"].as_str() == Some(id.as_str()) && l["policy"].as_str() == Some(policy.as_str())
        });
        if !linked {
            admin
                .post("/access", json!({ "role": id, "policy": policy }))
                .await?;
            report.note(format!(
                "role {}: linked to policy {}",
                spec.name, spec.policy
            ));
        }
        ids.insert(spec.name.to_owned(), id);
    }
    Ok(ids)
}

fn id_of(item: &Value) -> String {
    match &item["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `true` when any key of `desired` has another value in `current`.
pub(super) fn differs(desired: &Value, current: &Value) -> bool {
    desired
        .as_object()
        .into_iter()
        .flatten()
        .any(|(key, value)| current.get(key) != Some(value))
}

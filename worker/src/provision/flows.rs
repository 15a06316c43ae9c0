//! The flows that deliver events to the worker, with their operation chains.

use directus_schema::flows::{FlowSpec, OperationSpec, flows};
use serde_json::{Value, json};

use super::{ProvisionError, Report};
use crate::directus::DirectusClient;

pub(super) async fn converge_flows(
    admin: &DirectusClient,
    report: &mut Report,
) -> Result<(), ProvisionError> {
    let existing = admin
        .get_data("/flows?limit=-1&fields=id,name,icon,color,description,status,trigger,accountability,options,operation,operations.id,operations.key,operations.type,operations.options,operations.resolve,operations.reject")
        .await?;
    for spec in flows() {
        let operations = &spec.operations;
        let same_name: Vec<&Value> = existing
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["name"] == spec.name)
            .collect();
        if let [current] = same_name.as_slice()
            && flow_matches(&spec, operations, current)
        {
            continue;
        }
        for stale in &same_name {
            admin
                .delete(&format!(
                    "/flows/{}",
                    stale["id"].as_str().unwrap_or_default()
                ))
                .await?;
        }
        create_flow(admin, &spec, operations).await?;
        let verb = if same_name.is_empty() {
            "created"
        } else {
            "recreated"
        };
        report.note(format!("flow {}: {verb}", spec.name));
    }
    Ok(())
}

fn desired_flow(spec: &FlowSpec) -> Value {
    json!({
        "name": spec.name,
        "icon": spec.icon,
        "color": spec.color,
        "description": spec.description,
        "status": "active",
        "trigger": spec.trigger,
        // A run is logged in the activity, without its steps' data: that data holds the
        // signed token and the whole record (answers included), and storing it costs
        // Directus a revision row per event.
        "accountability": "activity",
        "options": spec.trigger_options,
    })
}

fn flow_matches(spec: &FlowSpec, operations: &[OperationSpec], current: &Value) -> bool {
    if super::access::differs(&desired_flow(spec), current) {
        return false;
    }
    // Walk the chain from the flow's first operation through `resolve`.
    let present: Vec<&Value> = current["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    if present.len() != operations.len() {
        return false;
    }
    let mut next = current["operation"].clone();
    for want in operations {
        let Some(op) = present.iter().find(|op| op["id"] == next) else {
            return false;
        };
        if op["key"] != want.key
            || op["type"] != want.kind
            || op["options"] != want.options
            || !op["reject"].is_null()
        {
            return false;
        }
        next = op["resolve"].clone();
    }
    next.is_null()
}

/// Creates an active flow with its operation chain (each resolving to the next).
pub async fn create_flow(
    admin: &DirectusClient,
    spec: &FlowSpec,
    operations: &[OperationSpec],
) -> Result<(), ProvisionError> {
    let flow = admin.post("/flows", desired_flow(spec)).await?;
    let flow_id = flow["data"]["id"].as_str().unwrap_or_default().to_owned();
    // Create the chain from its end, so each operation can name the next as `resolve`.
    let mut next: Value = Value::Null;
    for (index, op) in operations.iter().enumerate().rev() {
        let created = admin
            .post(
                "/operations",
                json!({
                    "flow": flow_id,
                    "key": op.key,
                    "name": op.name,
                    "type": op.kind,
                    "options": op.options,
                    "resolve": next,
                    "position_x": 19 + 18 * index,
                    "position_y": 1,
                }),
            )
            .await?;
        next = created["data"]["id"].clone();
    }
    admin
        .patch(&format!("/flows/{flow_id}"), json!({ "operation": next }))
        .await?;
    Ok(())
}

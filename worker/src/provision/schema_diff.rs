//! Which parts of a `/schema/diff` answer to apply.
//!
//! The committed snapshot is exported from SQLite. Applied to another vendor (PostgreSQL
//! in production) the first time, it creates everything. Re-diffed later against that
//! instance, Directus proposes vendor-only "changes" that would damage the schema:
//! deleting the primary key field, turning `uuid` into `string`, `timestamp with time
//! zone` into `datetime`, dropping foreign-key constraint names (directus#13383, #10358,
//! #20439; verified on 11.17.4). So on another vendor we keep only what is really new
//! (a collection, field or relation that does not exist yet), edits of `meta` (the
//! admin UI's settings) and new indexes (`schema.is_indexed` turned on: an index means
//! the same on every vendor), and drop every other difference.

use serde_json::Value;

/// The parts of a diff (`{"collections": [...], "fields": [...], "relations": [...]}`)
/// that are safe to apply onto a database of another vendor than the snapshot's.
pub fn portable_part(diff: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for section in ["collections", "fields", "relations"] {
        let entries = diff
            .get(section)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let kept: Vec<Value> = entries.into_iter().filter_map(portable_entry).collect();
        out.insert(section.to_owned(), Value::Array(kept));
    }
    if let Some(systemfields) = diff.get("systemFields") {
        out.insert("systemFields".to_owned(), systemfields.clone());
    }
    Value::Object(out)
}

/// `true` when a diff has nothing to apply.
pub fn is_empty(diff: &Value) -> bool {
    ["collections", "fields", "relations"]
        .iter()
        .all(|section| {
            diff.get(*section)
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        })
}

fn portable_entry(mut entry: Value) -> Option<Value> {
    let changes = entry.get("diff")?.as_array()?.clone();
    let whole_new =
        changes.len() == 1 && changes[0]["kind"] == "N" && path_of(&changes[0]).is_empty();
    if whole_new {
        return Some(entry);
    }
    let meta_only: Vec<Value> = changes
        .into_iter()
        .filter(|change| {
            let path = path_of(change);
            path.first().is_some_and(|p| p == "meta")
                || (path == ["schema", "is_indexed"] && change["rhs"] == true)
        })
        .collect();
    if meta_only.is_empty() {
        return None;
    }
    entry["diff"] = Value::Array(meta_only);
    Some(entry)
}

fn path_of(change: &Value) -> Vec<String> {
    change
        .get("path")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| s.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_new_things_and_ui_edits_drops_vendor_differences() {
        let diff = json!({
            "collections": [
                { "collection": "badges", "diff": [{ "kind": "N", "rhs": { "collection": "badges" } }] },
                { "collection": "attempts", "diff": [{ "kind": "E", "path": ["meta", "icon"], "lhs": "a", "rhs": "b" }] },
            ],
            "fields": [
                { "collection": "attempts", "field": "id", "diff": [{ "kind": "D", "lhs": {} }] },
                { "collection": "mastery", "field": "due_at", "diff": [
                    { "kind": "E", "path": ["schema", "data_type"], "lhs": "timestamp with time zone", "rhs": "datetime" },
                    { "kind": "E", "path": ["meta", "note"], "lhs": "x", "rhs": "y" },
                ]},
                { "collection": "attempts", "field": "student", "diff": [{ "kind": "E", "path": ["type"], "lhs": "uuid", "rhs": "string" }] },
                { "collection": "mastery", "field": "student", "diff": [{ "kind": "E", "path": ["schema", "is_indexed"], "lhs": false, "rhs": true }] },
                { "collection": "mastery", "field": "key", "diff": [{ "kind": "E", "path": ["schema", "is_indexed"], "lhs": true, "rhs": false }] },
            ],
            "relations": [
                { "collection": "attempts", "field": "student", "diff": [{ "kind": "E", "path": ["schema", "constraint_name"], "lhs": "a", "rhs": "b" }] },
            ],
        });
        let portable = portable_part(&diff);
        assert_eq!(portable["collections"].as_array().unwrap().len(), 2);
        let fields = portable["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 2, "{fields:?}");
        assert_eq!(fields[0]["field"], "due_at");
        assert_eq!(fields[0]["diff"].as_array().unwrap().len(), 1);
        assert_eq!(fields[0]["diff"][0]["path"][0], "meta");
        // A new index is kept; dropping one (a unique column's, as another vendor reports
        // it) is not.
        assert_eq!(fields[1]["field"], "student");
        assert_eq!(fields[1]["diff"][0]["rhs"], true);
        assert!(portable["relations"].as_array().unwrap().is_empty());
    }

    #[test]
    fn an_empty_diff_is_empty() {
        assert!(is_empty(
            &json!({ "collections": [], "fields": [], "relations": [] })
        ));
        assert!(is_empty(&portable_part(&json!({
            "fields": [{ "collection": "a", "field": "id", "diff": [{ "kind": "D" }] }]
        }))));
        assert!(!is_empty(
            &json!({ "collections": [{ "collection": "x", "diff": [{ "kind": "N" }] }] })
        ));
    }
}

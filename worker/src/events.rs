//! Flow events, parsed from the verified body into what the worker acts on.
//!
//! Directus sends `{"event": "attempts.items.create", "key": 3, "payload": {...},
//! "collection": "attempts"}`; an update or delete names `keys` (strings) instead of
//! `key`. The payload holds only the fields that were written, so the worker treats an
//! event as a notification and reads the authoritative record from Directus.

use serde_json::Value;

use directus_schema::flows::PATH_CONTENT;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A student submitted an attempt: grade it and update everything that follows.
    AttemptSubmitted { attempt: i64 },
    /// A user was created: a student gets a profile and initial paths.
    UserCreated { user: String },
    /// Content that shapes paths changed: recompute the paths of the affected courses.
    ContentChanged {
        collection: String,
        keys: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("`{field}` is missing or not {expected}")]
    Malformed {
        field: &'static str,
        expected: &'static str,
    },
    #[error(
        "unknown event kind {0:?}: the worker handles attempts.items.create, users.create and content changes"
    )]
    UnknownKind(String),
}

impl EventError {
    /// Where in the body the problem is, as a JSON pointer.
    pub fn pointer(&self) -> String {
        match self {
            EventError::Malformed { field, .. } => format!("/{field}"),
            EventError::UnknownKind(_) => "/event".to_owned(),
        }
    }
}

impl TryFrom<&Value> for Event {
    type Error = EventError;

    fn try_from(body: &Value) -> Result<Self, Self::Error> {
        let kind = body
            .get("event")
            .and_then(Value::as_str)
            .ok_or(EventError::Malformed {
                field: "event",
                expected: "a string",
            })?;
        let keys = keys_of(body);
        match kind {
            "attempts.items.create" => {
                let attempt = keys.first().and_then(|k| k.parse::<i64>().ok()).ok_or(
                    EventError::Malformed {
                        field: "key",
                        expected: "an attempt id",
                    },
                )?;
                Ok(Event::AttemptSubmitted { attempt })
            }
            "users.create" => {
                let user = keys.into_iter().next().ok_or(EventError::Malformed {
                    field: "key",
                    expected: "a user id",
                })?;
                Ok(Event::UserCreated { user })
            }
            other => {
                let collection = other.split('.').next().unwrap_or_default();
                let action = other.rsplit('.').next().unwrap_or_default();
                let is_content = PATH_CONTENT.contains(&collection)
                    && other.starts_with(&format!("{collection}.items."))
                    && matches!(action, "create" | "update" | "delete");
                if !is_content {
                    return Err(EventError::UnknownKind(other.to_owned()));
                }
                if keys.is_empty() {
                    return Err(EventError::Malformed {
                        field: "keys",
                        expected: "the changed items' keys",
                    });
                }
                Ok(Event::ContentChanged {
                    collection: collection.to_owned(),
                    keys,
                })
            }
        }
    }
}

/// `key` (a number or string) or `keys` (an array), as strings.
fn keys_of(body: &Value) -> Vec<String> {
    let as_string = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(key) = body.get("key").and_then(as_string) {
        return vec![key];
    }
    body.get("keys")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(as_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_events_flows_send() {
        let attempt = json!({ "event": "attempts.items.create", "key": 3, "payload": {}, "collection": "attempts" });
        assert_eq!(
            Event::try_from(&attempt),
            Ok(Event::AttemptSubmitted { attempt: 3 })
        );
        let user = json!({ "event": "users.create", "key": "9f1f", "payload": {}, "collection": "directus_users" });
        assert_eq!(
            Event::try_from(&user),
            Ok(Event::UserCreated {
                user: "9f1f".into()
            })
        );
        let update = json!({ "event": "lesson_prerequisites.items.update", "keys": ["1", "2"], "payload": {} });
        assert_eq!(
            Event::try_from(&update),
            Ok(Event::ContentChanged {
                collection: "lesson_prerequisites".into(),
                keys: vec!["1".into(), "2".into()]
            })
        );
        let delete = json!({ "event": "lessons.items.delete", "keys": [7] });
        assert!(matches!(
            Event::try_from(&delete),
            Ok(Event::ContentChanged { .. })
        ));
    }

    #[test]
    fn rejects_unknown_and_malformed_events_saying_where() {
        let unknown = json!({ "event": "attempts.items.delete", "keys": ["1"] });
        let error = Event::try_from(&unknown).unwrap_err();
        assert!(matches!(error, EventError::UnknownKind(_)));
        assert_eq!(error.pointer(), "/event");
        let no_kind = json!({ "key": 1 });
        assert_eq!(Event::try_from(&no_kind).unwrap_err().pointer(), "/event");
        let bad_key = json!({ "event": "attempts.items.create", "key": "abc" });
        assert_eq!(Event::try_from(&bad_key).unwrap_err().pointer(), "/key");
        let no_keys = json!({ "event": "lessons.items.update" });
        assert_eq!(Event::try_from(&no_keys).unwrap_err().pointer(), "/keys");
        let not_content = json!({ "event": "attempts.items.update", "keys": ["1"] });
        assert!(matches!(
            Event::try_from(&not_content),
            Err(EventError::UnknownKind(_))
        ));
    }
}

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
    AttemptSubmitted { attempt: i64, hint: AttemptHint },
    /// A user was created: a student gets a profile and initial paths.
    UserCreated { user: String },
    /// Content that shapes paths changed: recompute the paths of the affected courses.
    ContentChanged {
        collection: String,
        keys: Vec<String>,
    },
}

/// What an attempt's create event says about it: its student (Directus puts the preset
/// `$CURRENT_USER` in the payload) and its lesson. It lets the worker read the attempt and
/// the student's state in one round trip; the worker checks both against the attempt it
/// reads, so a missing or wrong hint costs one more round trip, never a wrong grading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptHint {
    pub student: Option<String>,
    pub lesson: Option<i64>,
}

impl AttemptHint {
    /// From an item payload: `student` and `lesson` as keys or as `{"id": ...}` objects.
    pub fn from_payload(payload: &Value) -> Self {
        let key = |field: &str| {
            let value = &payload[field];
            value.get("id").unwrap_or(value).clone()
        };
        AttemptHint {
            student: key("student").as_str().map(str::to_owned),
            lesson: match key("lesson") {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            },
        }
    }
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
                Ok(Event::AttemptSubmitted {
                    attempt,
                    hint: AttemptHint::from_payload(&body["payload"]),
                })
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
            Ok(Event::AttemptSubmitted {
                attempt: 3,
                hint: AttemptHint::default()
            })
        );
        let with_payload = json!({ "event": "attempts.items.create", "key": 4,
            "payload": { "student": "9f1f", "lesson": 12, "answers": {} } });
        assert_eq!(
            Event::try_from(&with_payload),
            Ok(Event::AttemptSubmitted {
                attempt: 4,
                hint: AttemptHint {
                    student: Some("9f1f".into()),
                    lesson: Some(12)
                }
            })
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
    fn an_attempt_hint_takes_keys_or_objects_and_ignores_anything_else() {
        let objects = json!({ "student": { "id": "9f1f" }, "lesson": { "id": "12" } });
        assert_eq!(
            AttemptHint::from_payload(&objects),
            AttemptHint {
                student: Some("9f1f".into()),
                lesson: Some(12)
            }
        );
        for odd in [
            json!({ "student": 5, "lesson": "twelve" }),
            json!({ "student": null, "lesson": [12] }),
            json!("not an object"),
            Value::Null,
        ] {
            assert_eq!(
                AttemptHint::from_payload(&odd),
                AttemptHint::default(),
                "{odd}"
            );
        }
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

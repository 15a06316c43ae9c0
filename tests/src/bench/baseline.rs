//! The baseline: the same job done the way a Directus user would without Pathwise: a flow
//! on attempt creation whose Run Script operation grades the answers and applies the
//! threshold rules, with item read / update / create operations around it. It does no
//! BKT, no FSRS, no paths and no profile: Pathwise does more per attempt.

use directus_schema::flows::{FlowSpec, OperationSpec};
use pathwise::directus::DirectusClient;
use pathwise::provision::ProvisionError;
use serde_json::{Value, json};

pub const FLOW_NAME: &str = "Baseline: grade in a Run Script";

/// The script a Directus user would write: grade each question against its key, score,
/// and pick a recommendation kind by the course's default thresholds.
const GRADE_SCRIPT: &str = r#"
module.exports = async function (data) {
  const questions = data.read_questions || [];
  const answers = (data.$trigger.payload && data.$trigger.payload.answers) || {};
  const norm = (v) => String(v).trim().toLowerCase().replace(/\s+/g, ' ');
  const frac = (v) => {
    const s = String(v).trim();
    if (s.includes('/')) { const [a, b] = s.split('/').map(Number); return a / b; }
    return Number(s);
  };
  let earned = 0, possible = 0;
  const results = [];
  for (const q of questions) {
    const key = q.answer_key || {};
    const given = answers[String(q.id)];
    const points = Number(q.points || 1);
    possible += points;
    let correct = false;
    if (given !== undefined && given !== null) {
      switch (q.type) {
        case 'single_choice': case 'true_false': correct = String(given) === String(key.correct); break;
        case 'multiple_choice': correct = JSON.stringify([...given].sort()) === JSON.stringify([...key.correct].sort()); break;
        case 'numeric': correct = Math.abs(Number(given) - key.value) <= (key.tolerance || 0) * (key.tolerance_kind === 'relative' ? Math.abs(key.value) : 1); break;
        case 'fraction': correct = Math.abs(frac(given) - frac(key.value)) < 1e-9; break;
        case 'short_text': correct = (key.accepted || []).some((a) => norm(a) === norm(given)); break;
        case 'ordering': correct = JSON.stringify(given) === JSON.stringify(key.order); break;
      }
    }
    if (correct) earned += points;
    results.push({ question: q.id, correct });
  }
  const score = possible > 0 ? earned / possible : 0;
  const kind = score >= 0.9 ? 'advance' : score < 0.7 ? 'remediate' : 'practice';
  return { score, earned, possible, results, kind };
};
"#;

/// Creates the baseline flow; [`activate`] decides whether it or Pathwise's runs.
pub async fn create(admin: &DirectusClient) -> Result<(), ProvisionError> {
    let operation = |key: &'static str, kind: &'static str, options: Value| OperationSpec {
        key,
        name: key,
        kind,
        options,
    };
    let operations = vec![
        operation(
            "read_questions",
            "item-read",
            json!({
                "collection": "questions", "permissions": "$full",
                "query": { "filter": { "lesson": { "_eq": "{{$trigger.payload.lesson}}" } }, "fields": ["id", "type", "answer_key", "points"], "limit": -1 },
            }),
        ),
        operation("grade", "exec", json!({ "code": GRADE_SCRIPT })),
        operation(
            "save",
            "item-update",
            json!({
                "collection": "attempts", "permissions": "$full", "key": ["{{$trigger.key}}"],
                "payload": { "status": "graded", "score": "{{grade.score}}", "points_earned": "{{grade.earned}}", "points_possible": "{{grade.possible}}", "results": { "questions": "{{grade.results}}" } },
            }),
        ),
        operation(
            "recommend",
            "item-create",
            json!({
                "collection": "recommendations", "permissions": "$full",
                "payload": { "student": "{{$accountability.user}}", "course": 1, "attempt": "{{$trigger.key}}", "kind": "{{grade.kind}}", "reason": "Baseline flow", "strategy": "baseline", "status": "active" },
            }),
        ),
    ];
    let spec = FlowSpec {
        name: FLOW_NAME,
        icon: "code",
        color: "#E35169",
        description: "The benchmark's baseline: grading in a Run Script operation.",
        trigger: "event",
        trigger_options: json!({ "type": "action", "scope": ["items.create"], "collections": ["attempts"] }),
        operations,
    };
    pathwise::provision::create_flow(admin, &spec, &spec.operations).await
}

/// Makes exactly one of the two paths grade new attempts.
pub async fn activate(
    admin: &DirectusClient,
    baseline: bool,
) -> Result<(), pathwise::directus::DirectusError> {
    let flows = admin.get_data("/flows?fields=id,name&limit=-1").await?;
    for flow in flows.as_array().into_iter().flatten() {
        let name = flow["name"].as_str().unwrap_or_default();
        let status = match name {
            FLOW_NAME => {
                if baseline {
                    "active"
                } else {
                    "inactive"
                }
            }
            "Pathwise: attempt submitted" => {
                if baseline {
                    "inactive"
                } else {
                    "active"
                }
            }
            _ => continue,
        };
        admin
            .patch(
                &format!("/flows/{}", flow["id"].as_str().unwrap_or_default()),
                json!({ "status": status }),
            )
            .await?;
    }
    // Every flow save reloads all flows; give Directus a moment.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    Ok(())
}

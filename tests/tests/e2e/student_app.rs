//! The student app (student-app/) in real Chromium: students sign in, read their path, do
//! lessons with all seven question types right and wrong, get feedback and next steps at
//! once, see an attempt graded elsewhere arrive live, see nobody else's records, and do it
//! all with the keyboard only, axe-checked on every page. One seeded stack (Directus with
//! the extension, the real worker) and the app's own server (student-app/server.mjs, which
//! serves the build and proxies Directus and the worker on its origin) serve every browser
//! test; the tests are `node --test` files in student-app/tests/browser/, driving Debian's
//! `chromium` with playwright-core.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use pathwise_tests::browser::{installed, run_browser_tests};
use pathwise_tests::stack::TestStack;
use pathwise_tests::{free_port, install};
use serde_json::{Value, json};

/// The built student app: `PATHWISE_STUDENT_APP_DIR` (exported by `scripts/test`), else
/// built by `ensure_student_app` as scripts/test would.
fn student_app() -> PathBuf {
    installed("PATHWISE_STUDENT_APP_DIR", "ensure_student_app")
}

/// The app's server on a free port, in front of this stack's Directus and worker.
struct AppServer {
    url: String,
    child: Child,
}

impl AppServer {
    async fn start(dir: &std::path::Path, stack: &TestStack) -> Self {
        let port = free_port();
        let log = std::fs::File::create(stack.directus.dir.join("student-app.log")).expect("log");
        let child = Command::new(install().node_bin.join("node"))
            .arg(dir.join("server.mjs"))
            .env("STUDENT_APP_PORT", port.to_string())
            .env("DIRECTUS_URL", &stack.directus.url)
            .env("PATHWISE_WORKER_URL", &stack.worker_url)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("node runs the app's server");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{url}/config.json")).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the student app's server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { url, child }
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A question of the lesson with every type: how it is stored, what a student picks or
/// types to answer it right and wrong, and the right answer as an attempt holds it.
struct Kind {
    question: Value,
    right: Value,
    wrong: Value,
    api_right: Value,
}

fn every_kind_of_question() -> Vec<Kind> {
    let choices = |pairs: &[(&str, &str)]| -> Value {
        pairs
            .iter()
            .map(|(id, text)| json!({ "id": id, "text": text }))
            .collect()
    };
    vec![
        Kind {
            question: json!({ "type": "single_choice", "prompt": "A pizza has 8 equal slices and Sam eats 3. What fraction did Sam eat?",
                "choices": choices(&[("a", "8/3"), ("b", "3/8"), ("c", "3/5")]), "answer_key": { "correct": "b" } }),
            right: json!("3/8"),
            wrong: json!("8/3"),
            api_right: json!("b"),
        },
        Kind {
            question: json!({ "type": "multiple_choice", "prompt": "Which fractions are equal to one half?",
                "choices": choices(&[("a", "1/2"), ("b", "2/4"), ("c", "1/3"), ("d", "3/6")]),
                "answer_key": { "correct": ["a", "b", "d"] } }),
            right: json!(["1/2", "2/4", "3/6"]),
            wrong: json!(["1/3"]),
            api_right: json!(["a", "b", "d"]),
        },
        Kind {
            question: json!({ "type": "true_false", "prompt": "3/4 is greater than 1/2.", "answer_key": { "correct": true } }),
            right: json!(true),
            wrong: json!(false),
            api_right: json!(true),
        },
        Kind {
            question: json!({ "type": "numeric", "prompt": "Write 3/4 as a decimal number.",
                "answer_key": { "value": 0.75, "tolerance": 0.001 } }),
            right: json!("0.75"),
            wrong: json!("0.34"),
            api_right: json!(0.75),
        },
        Kind {
            question: json!({ "type": "fraction", "prompt": "A cup is split into 4 equal parts and 3 are full. What fraction is full?",
                "answer_key": { "value": "3/4" } }),
            right: json!("6/8"),
            wrong: json!("4/3"),
            api_right: json!("3/4"),
        },
        Kind {
            question: json!({ "type": "short_text", "prompt": "What is the bottom number of a fraction called?",
                "answer_key": { "accepted": ["denominator", "the denominator"] } }),
            right: json!("  The Denominator "),
            wrong: json!("numerator"),
            api_right: json!("denominator"),
        },
        Kind {
            question: json!({ "type": "ordering", "prompt": "Put these fractions in order from smallest to largest.",
                "choices": choices(&[("a", "3/4"), ("b", "1/8"), ("c", "1/2")]),
                "answer_key": { "order": ["b", "c", "a"] } }),
            right: json!(["1/8", "1/2", "3/4"]),
            wrong: json!(["3/4", "1/2", "1/8"]),
            api_right: json!(["b", "c", "a"]),
        },
    ]
}

/// What a student picks or types to get a stored question wrong.
fn wrong_input(question: &Value) -> Value {
    let key = &question["answer_key"];
    let choices: Vec<(String, String)> = question["choices"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let id = c["id"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| c["id"].to_string());
                    let text = c["text"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| id.clone());
                    (id, text)
                })
                .collect()
        })
        .unwrap_or_default();
    let text_of = |id: &Value| -> Value {
        let id = id
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| id.to_string());
        json!(
            choices
                .iter()
                .find(|(c, _)| *c == id)
                .map(|(_, t)| t.clone())
                .unwrap_or(id)
        )
    };
    match question["type"].as_str().unwrap_or_default() {
        "single_choice" => {
            let right = key["correct"].as_str().unwrap_or_default();
            json!(
                choices
                    .iter()
                    .find(|(id, _)| id != right)
                    .expect("a wrong choice")
                    .1
            )
        }
        "multiple_choice" => {
            let right: Vec<&str> = key["correct"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            json!([choices
                .iter()
                .find(|(id, _)| !right.contains(&id.as_str()))
                .expect("a wrong choice")
                .1])
        }
        "true_false" => json!(!key["correct"].as_bool().unwrap()),
        "numeric" => json!("12345"),
        "fraction" => json!("97/98"),
        "short_text" => json!("no idea"),
        "ordering" => Value::Array(
            key["order"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .map(text_of)
                .collect(),
        ),
        other => panic!("question type {other}"),
    }
}

/// The lesson with all seven question types (the demo course spreads them over lessons),
/// created through the admin API in the first module of Fractions, open to everyone.
/// Its body tries what an editor must not get onto a student's page.
async fn lesson_with_every_question_type(stack: &TestStack) -> Value {
    let admin = stack.admin();
    let first = &stack.lessons().await[0];
    let module = stack
        .directus
        .items(
            "lessons",
            &format!("filter[id][_eq]={}&fields=module,skills.skill", first["id"]),
        )
        .await[0]
        .clone();
    let skill = module["skills"][0]["skill"].clone();
    let title = "Seven kinds of question";
    let lesson = admin
        .post(
            "/items/lessons",
            json!({
                "status": "published", "module": module["module"], "sort": 99, "kind": "lesson",
                "title": title, "estimated_minutes": 5,
                "video_url": "https://videos.example.org/pathwise/fractions/seven-kinds",
                "body": "## Seven ways to answer\n\nEach question below asks for its answer in another way: \
                         pick one, pick several, **true or false**, a number, a fraction, a word, and an order.\n\n\
                         <img src=\"x\" onerror=\"window.__pathwiseXss = 1\">\n\n<script>window.__pathwiseXss = 2</script>\n\n\
                         [A link that must not run](javascript:window.__pathwiseXss=3)\n",
                "skills": [{ "skill": skill }],
            }),
        )
        .await
        .unwrap();
    let lesson_id = lesson["data"]["id"].clone();
    let mut questions = Vec::new();
    let mut api_right = serde_json::Map::new();
    for (sort, kind) in every_kind_of_question().into_iter().enumerate() {
        let mut body = kind.question.clone();
        body["lesson"] = lesson_id.clone();
        body["sort"] = json!(sort + 1);
        body["status"] = json!("published");
        body["points"] = json!(1);
        body["skills"] = json!([{ "skill": skill }]);
        let created = admin.post("/items/questions", body).await.unwrap();
        let id = created["data"]["id"].clone();
        api_right.insert(id.to_string(), kind.api_right);
        questions.push(json!({ "id": id, "type": kind.question["type"], "right": kind.right, "wrong": kind.wrong }));
    }
    json!({ "id": lesson_id, "title": title, "questions": questions, "api_right": api_right })
}

#[tokio::test]
async fn students_use_the_student_app_in_real_chromium() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let app_dir = student_app();
    let stack = TestStack::seeded().await;
    let lesson = lesson_with_every_question_type(&stack).await;

    // "What is a fraction?", to be answered wrong.
    let first = &stack.lessons().await[0];
    let stored = stack
        .directus
        .items(
            "questions",
            &format!("filter[lesson][_eq]={}&filter[status][_eq]=published&fields=id,type,choices,answer_key&sort=sort", first["id"]),
        )
        .await;
    let wrong_questions: Vec<Value> = stored
        .iter()
        .map(|q| json!({ "id": q["id"], "type": q["type"], "wrong": wrong_input(q) }))
        .collect();

    // An attempt of Ada's that no other student may see.
    let ada = stack.directus.student("ada").await;
    let answers = lesson["api_right"].as_object().unwrap().clone();
    let graded = stack.submit(&ada, &lesson["id"], &answers).await;
    assert_eq!(graded["status"], "graded", "{graded}");
    // The hourly engagement job, ticked now: Ada's badges and their news reach her home.
    let (status, ran) = stack.send_tick(&json!({ "job": "engagement" }), true).await;
    assert_eq!(status, 200, "{ran}");
    let ada_id = stack.directus.user_id("ada@example.com").await;

    let fixture = json!({
        "lesson": lesson,
        "wrong_lesson": { "id": first["id"], "title": first["title"], "questions": wrong_questions },
        "ada": { "id": ada_id, "attempt": graded["id"] },
    });

    let app = AppServer::start(&app_dir, &stack).await;
    // PATHWISE_STUDENT_APP_TESTS picks some files (a glob under student-app/), e.g. to run
    // only tests/browser/keyboard.browser.mjs while working on it.
    let files = std::env::var("PATHWISE_STUDENT_APP_TESTS")
        .unwrap_or_else(|_| "tests/browser/*.browser.mjs".to_owned());
    run_browser_tests(
        &app_dir,
        &files,
        &stack.directus.dir.join("screenshots"),
        vec![
            ("PATHWISE_APP_URL", app.url.clone()),
            ("PATHWISE_URL", stack.directus.url.clone()),
            ("PATHWISE_STUDENT_FIXTURE", fixture.to_string()),
        ],
    )
    .await;
    drop(app);
}

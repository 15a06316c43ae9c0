//! Save-time validation: the Pathwise extension's filter hooks refuse an editor's broken
//! content with the worker's rules (`POST /v1/validate`), with the error the admin UI
//! shows at the field (`FAILED_VALIDATION`, `extensions.field`, the message in an editor's
//! words). Every test saves as the demo editor (a Content Editor) through REST (and
//! GraphQL), against a seeded Directus with the built extension and the real worker.

use std::time::{Duration, Instant};

use pathwise_tests::stack::TestStack;
use pathwise_tests::{TestDirectus, secrets};
use reqwest::Method;
use serde_json::{Value, json};

/// The demo editor, calling Directus as the admin UI does.
struct Editor {
    http: reqwest::Client,
    url: String,
    token: String,
}

/// What Directus answered: the status and the JSON body.
type Answer = (u16, Value);

impl Editor {
    async fn login(directus: &TestDirectus) -> Self {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{}/auth/login", directus.url))
            .json(&json!({
                "email": "editor@example.com",
                "password": secrets().demo_password.expose(),
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["data"]["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("the editor logs in: {answer}"))
            .to_owned();
        Self {
            http,
            url: directus.url.clone(),
            token,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Value) -> Answer {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, body).await
    }

    async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, body).await
    }

    async fn graphql(&self, query: &str, variables: Value) -> Answer {
        self.post(
            "/graphql",
            json!({ "query": query, "variables": variables }),
        )
        .await
    }
}

/// The errors of a refused save as (code, field, message); asserts it was refused.
fn refused(answer: &Answer) -> Vec<(String, String, String)> {
    assert_eq!(answer.0, 400, "the save is refused: {}", answer.1);
    answer.1["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors: {}", answer.1))
        .iter()
        .map(|error| {
            let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
            (
                text(&error["extensions"]["code"]),
                text(&error["extensions"]["field"]),
                text(&error["message"]),
            )
        })
        .collect()
}

/// The one error of a refused save.
fn refusal(answer: &Answer) -> (String, String, String) {
    let errors = refused(answer);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

fn saved(answer: &Answer) {
    assert_eq!(answer.0, 200, "the save goes through: {}", answer.1);
}

fn owned(code: &str, field: &str, message: &str) -> (String, String, String) {
    (code.to_owned(), field.to_owned(), message.to_owned())
}

async fn lesson_id(directus: &TestDirectus, title: &str) -> i64 {
    directus
        .items("lessons", "fields=id,title")
        .await
        .iter()
        .find(|lesson| lesson["title"] == title)
        .and_then(|lesson| lesson["id"].as_i64())
        .unwrap_or_else(|| panic!("no lesson {title}"))
}

/// The first single-choice question of a lesson, with its prompt, choices and key.
async fn single_choice(directus: &TestDirectus, lesson: i64) -> Value {
    directus
        .items(
            "questions",
            &format!(
                "filter[lesson][_eq]={lesson}&filter[type][_eq]=single_choice&fields=id,prompt,choices,answer_key,points&sort=sort&limit=1"
            ),
        )
        .await
        .into_iter()
        .next()
        .expect("a single-choice question")
}

async fn skill_id(directus: &TestDirectus, name: &str) -> i64 {
    directus
        .items("skills", "fields=id,name")
        .await
        .iter()
        .find(|skill| skill["name"] == name)
        .and_then(|skill| skill["id"].as_i64())
        .unwrap_or_else(|| panic!("no skill {name}"))
}

fn choice_ids(question: &Value) -> Vec<String> {
    question["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["id"].as_str().unwrap().to_owned())
        .collect()
}

const CYCLE: &str = "'Comparing fractions' requires 'Ordering fractions', which requires 'Comparing fractions'. A lesson cannot require itself, even through other lessons: remove one of these prerequisites.";

#[tokio::test]
async fn a_prerequisite_cycle_is_refused_at_the_field_however_it_is_saved() {
    let stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let editor = Editor::login(directus).await;
    let comparing = lesson_id(directus, "Comparing fractions").await;
    let ordering = lesson_id(directus, "Ordering fractions").await;
    let what_is = lesson_id(directus, "What is a fraction?").await;
    let links = || {
        directus.items(
            "lesson_prerequisites",
            "fields=id,lesson,prerequisite&sort=id",
        )
    };
    let before = links().await;

    // A new link (Ordering fractions already requires Comparing fractions).
    let answer = editor
        .post(
            "/items/lesson_prerequisites",
            json!({ "lesson": comparing, "prerequisite": ordering }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "prerequisite", CYCLE)
    );

    // An existing link of Comparing fractions changed to point at Ordering fractions.
    let link = before
        .iter()
        .find(|row| row["lesson"] == comparing)
        .expect("Comparing fractions has a prerequisite")["id"]
        .clone();
    let answer = editor
        .patch(
            &format!("/items/lesson_prerequisites/{link}"),
            json!({ "prerequisite": ordering }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "prerequisite", CYCLE)
    );

    // The lesson's own form: its `prerequisites` alias, which Directus writes through
    // nested saves of the junction. The error is at the alias, where the editor added it.
    let answer = editor
        .patch(
            &format!("/items/lessons/{comparing}"),
            json!({ "prerequisites": {
                "create": [{ "prerequisite": { "id": ordering } }],
                "update": [],
                "delete": []
            }}),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "prerequisites", CYCLE)
    );
    // The same with the alias as a list (the other form Directus accepts).
    let mut kept: Vec<Value> = before
        .iter()
        .filter(|row| row["lesson"] == comparing)
        .map(|row| row["id"].clone())
        .collect();
    kept.push(json!({ "prerequisite": ordering }));
    let answer = editor
        .patch(
            &format!("/items/lessons/{comparing}"),
            json!({ "prerequisites": kept }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "prerequisites", CYCLE)
    );

    // A batch create with a sound link and one that closes a cycle is refused as a whole.
    let answer = editor
        .post(
            "/items/lesson_prerequisites",
            json!([
                { "lesson": ordering, "prerequisite": what_is },
                { "lesson": what_is, "prerequisite": comparing },
            ]),
        )
        .await;
    let (code, field, message) = refusal(&answer);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("FAILED_VALIDATION", "prerequisite")
    );
    assert!(
        message.starts_with("'What is a fraction?' requires 'Comparing fractions', which requires"),
        "{message}"
    );

    assert_eq!(links().await, before, "nothing of it was written");

    // A sound prerequisite saves.
    saved(
        &editor
            .post(
                "/items/lesson_prerequisites",
                json!({ "lesson": ordering, "prerequisite": what_is }),
            )
            .await,
    );
}

#[tokio::test]
async fn answer_keys_that_do_not_fit_are_refused_on_create_update_and_batch() {
    let stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let editor = Editor::login(directus).await;
    let simplifying = lesson_id(directus, "Simplifying fractions").await;
    // New questions come with a skill, as the question form saves them.
    let skills =
        json!({ "create": [{ "skill": skill_id(directus, "Equivalent fractions").await }] });
    let comparing = lesson_id(directus, "Comparing fractions").await;
    let question = single_choice(directus, simplifying).await;
    let other = single_choice(directus, comparing).await;
    let id = &question["id"];
    let choices = choice_ids(&question);
    let names_no_choice = |value: &str, choices: &[String]| {
        format!(
            ": the answer key names choice \"{value}\", which is not one of the question's choices ({}).",
            choices.join(", ")
        )
    };

    // Update: a key naming a choice that does not exist.
    let answer = editor
        .patch(
            &format!("/items/questions/{id}"),
            json!({ "answer_key": { "correct": "zz" } }),
        )
        .await;
    let (code, field, message) = refusal(&answer);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("FAILED_VALIDATION", "answer_key")
    );
    assert!(message.starts_with("Question '"), "{message}");
    assert!(
        message.ends_with(&names_no_choice("zz", &choices)),
        "{message}"
    );

    // Update: choices that leave out the key's choice; shown where the editor changed it.
    let correct = question["answer_key"]["correct"].as_str().unwrap();
    let fewer: Vec<Value> = question["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|choice| choice["id"] != correct)
        .cloned()
        .collect();
    let left: Vec<String> = choices
        .iter()
        .filter(|c| c.as_str() != correct)
        .cloned()
        .collect();
    let answer = editor
        .patch(
            &format!("/items/questions/{id}"),
            json!({ "choices": fewer }),
        )
        .await;
    let (_, field, message) = refusal(&answer);
    assert_eq!(field, "choices");
    assert!(
        message.ends_with(&names_no_choice(correct, &left)),
        "{message}"
    );

    // Create: the key names a choice the question does not have; an unknown type.
    let answer = editor
        .post(
            "/items/questions",
            json!({
                "lesson": simplifying,
                "type": "multiple_choice",
                "prompt": "Which are equal to 1/2?",
                "choices": [{ "id": "a", "text": "2/4" }, { "id": "b", "text": "3/6" }],
                "answer_key": { "correct": ["a", "c"] },
                "skills": skills
            }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "answer_key",
            "Question 'Which are equal to 1/2?': the answer key names choice \"c\", which is not one of the question's choices (a, b)."
        )
    );
    let answer = editor
        .post(
            "/items/questions",
            json!({ "lesson": simplifying, "type": "essay", "prompt": "Explain halves.",
                    "answer_key": { "accepted": ["half"] }, "skills": skills }),
        )
        .await;
    let (_, field, message) = refusal(&answer);
    assert_eq!(field, "type");
    assert!(
        message.starts_with("Question 'Explain halves.': \"essay\" is not a question type; use one of single_choice,"),
        "{message}"
    );

    // A batch edit (one payload for several keys): every question it breaks is named.
    let answer = editor
        .patch(
            "/items/questions",
            json!({ "keys": [id, other["id"]], "data": { "points": -1 } }),
        )
        .await;
    let errors = refused(&answer);
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (code, field, message) in &errors {
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("FAILED_VALIDATION", "points")
        );
        assert!(
            message.ends_with(": points must be a number of at least 0 (it is -1)."),
            "{message}"
        );
    }

    // GraphQL: the same error, code and field in `extensions`.
    let answer = editor
        .graphql(
            "mutation ($id: ID!, $key: JSON) { update_questions_item(id: $id, data: { answer_key: $key }) { id } }",
            json!({ "id": id.to_string(), "key": { "correct": "zz" } }),
        )
        .await;
    let error = &answer.1["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "FAILED_VALIDATION",
        "{}",
        answer.1
    );
    assert_eq!(error["extensions"]["field"], "answer_key", "{}", answer.1);
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&names_no_choice("zz", &choices)),
        "{}",
        answer.1
    );

    // Nothing of it was written.
    let stored = directus
        .items(
            "questions",
            &format!(
                "filter[id][_in]={id},{}&fields=id,answer_key,choices,points&sort=id",
                other["id"]
            ),
        )
        .await;
    for row in &stored {
        let original = if row["id"] == *id { &question } else { &other };
        assert_eq!(row["answer_key"], original["answer_key"], "{row}");
        assert_eq!(row["choices"], original["choices"], "{row}");
        assert_eq!(row["points"], original["points"], "{row}");
    }
    assert!(
        directus
            .items("questions", "filter[prompt][_eq]=Explain halves.&fields=id")
            .await
            .is_empty()
    );

    // Sound saves go through: a reworded prompt, a new question with a fitting key.
    saved(
        &editor
            .patch(
                &format!("/items/questions/{id}"),
                json!({ "prompt": "Which fraction is in lowest terms?" }),
            )
            .await,
    );
    saved(
        &editor
            .post(
                "/items/questions",
                json!({
                    "lesson": simplifying,
                    "type": "multiple_choice",
                    "prompt": "Which are equal to 1/2?",
                    "choices": [{ "id": "a", "text": "2/4" }, { "id": "b", "text": "3/6" }],
                    "answer_key": { "correct": ["a", "b"] },
                    "skills": skills
                }),
            )
            .await,
    );
}

#[tokio::test]
async fn skill_parameters_and_course_thresholds_out_of_range_are_refused() {
    let stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let editor = Editor::login(directus).await;
    let skill = directus
        .items("skills", "fields=id,name,course,p_guess,p_slip,p_init")
        .await
        .into_iter()
        .find(|skill| skill["name"] == "Equivalent fractions")
        .expect("the demo skill");
    let id = &skill["id"];
    let course = &skill["course"];

    // Guess + slip at 1 or more: Directus' own field rules (each in 0..1) accept it.
    let answer = editor
        .patch(
            &format!("/items/skills/{id}"),
            json!({ "p_guess": 0.6, "p_slip": 0.5 }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "p_guess",
            "'Equivalent fractions': p_guess + p_slip is 1.1; it must be below 1, otherwise a right answer would lower the estimate that a student knows the skill."
        )
    );
    // Shown at the parameter the editor changed.
    let answer = editor
        .patch(&format!("/items/skills/{id}"), json!({ "p_slip": 0.95 }))
        .await;
    assert_eq!(refusal(&answer).1, "p_slip");

    // A new skill with a parameter out of range.
    let answer = editor
        .post(
            "/items/skills",
            json!({ "course": course, "name": "Mixed numbers", "p_init": 0 }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "p_init",
            "'Mixed numbers': the chance that a student already knows it (p_init) must be strictly between 0 and 1 (it is 0)."
        )
    );

    // Thresholds: remediation above advance (each alone is in 0..1).
    let answer = editor
        .patch(
            &format!("/items/courses/{course}"),
            json!({ "remediate_threshold": 0.95 }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "remediate_threshold",
            "'Fractions': scores below 0.95 get remediation, but scores of 0.9 and above move on; the remediation threshold must not be above the advance threshold."
        )
    );
    let answer = editor
        .patch(
            &format!("/items/courses/{course}"),
            json!({ "mastery_threshold": 1.5 }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "mastery_threshold",
            "'Fractions': the mastery threshold (mastery_threshold) must be between 0 and 1 (it is 1.5)."
        )
    );
    // A new course.
    let answer = editor
        .post(
            "/items/courses",
            json!({ "title": "Decimals", "slug": "decimals", "advance_threshold": 0.5 }),
        )
        .await;
    let (_, field, message) = refusal(&answer);
    assert_eq!(field, "advance_threshold");
    assert!(
        message.starts_with("'Decimals': scores below 0.7 get remediation, but scores of 0.5"),
        "{message}"
    );

    // Nothing of it was written; sound values save.
    let stored = directus
        .items(
            "skills",
            &format!("filter[id][_eq]={id}&fields=p_guess,p_slip"),
        )
        .await;
    assert_eq!(
        (&stored[0]["p_guess"], &stored[0]["p_slip"]),
        (&skill["p_guess"], &skill["p_slip"])
    );
    assert!(
        directus
            .items("skills", "filter[name][_eq]=Mixed numbers&fields=id")
            .await
            .is_empty()
    );
    assert!(
        directus
            .items("courses", "filter[slug][_eq]=decimals&fields=id")
            .await
            .is_empty()
    );
    saved(
        &editor
            .patch(&format!("/items/skills/{id}"), json!({ "p_guess": 0.25 }))
            .await,
    );
    saved(
        &editor
            .patch(
                &format!("/items/courses/{course}"),
                json!({ "remediate_threshold": 0.6 }),
            )
            .await,
    );
}

#[tokio::test]
async fn links_to_another_course_and_questions_without_a_skill_are_refused() {
    let stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let admin = stack.admin();
    let editor = Editor::login(directus).await;
    let decimals = admin
        .post(
            "/items/courses",
            json!({ "title": "Decimals", "slug": "decimals" }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    let place_value = admin
        .post(
            "/items/skills",
            json!({ "course": decimals, "name": "Place value" }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    let simplifying = lesson_id(directus, "Simplifying fractions").await;
    let question = single_choice(directus, simplifying).await;
    let id = &question["id"];
    let expected_end = format!(
        ": it assesses skill {place_value}, which is not a skill of 'Fractions'; link skills of this course only."
    );

    // A link saved on its own...
    let answer = editor
        .post(
            "/items/question_skills",
            json!({ "question": id, "skill": place_value }),
        )
        .await;
    let (code, field, message) = refusal(&answer);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("FAILED_VALIDATION", "skill")
    );
    assert!(message.starts_with("Question '"), "{message}");
    assert!(message.ends_with(&expected_end), "{message}");

    // ...and through the question's `skills` alias, at the alias.
    let answer = editor
        .patch(
            &format!("/items/questions/{id}"),
            json!({ "skills": { "create": [{ "skill": place_value }], "update": [], "delete": [] } }),
        )
        .await;
    let (_, field, message) = refusal(&answer);
    assert_eq!(field, "skills");
    assert!(message.ends_with(&expected_end), "{message}");

    assert!(
        directus
            .items(
                "question_skills",
                &format!("filter[skill][_eq]={place_value}&fields=id")
            )
            .await
            .is_empty()
    );
    // A prerequisite must be a lesson of the same course.
    let module = admin
        .post(
            "/items/modules",
            json!({ "course": decimals, "title": "Tenths" }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    let tenths = admin
        .post(
            "/items/lessons",
            json!({ "module": module, "title": "What is a tenth?" }),
        )
        .await
        .unwrap()["data"]["id"]
        .clone();
    let answer = editor
        .post(
            "/items/lesson_prerequisites",
            json!({ "lesson": simplifying, "prerequisite": tenths }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned(
            "FAILED_VALIDATION",
            "prerequisite",
            &format!(
                "'Simplifying fractions' requires lesson {tenths}, which is not a lesson of 'Fractions'; a prerequisite must be in the same course."
            )
        )
    );

    // A skill of the course links fine.
    let own = skill_id(directus, "Adding and subtracting fractions").await;
    saved(
        &editor
            .post(
                "/items/question_skills",
                json!({ "question": id, "skill": own }),
            )
            .await,
    );

    // A question must assess a skill of its course: created without one, it is refused
    // at its skills...
    let new_question = |skills: Value| {
        json!({ "lesson": simplifying, "type": "true_false", "prompt": "Is 2/4 equal to 1/2?",
                "answer_key": { "correct": true }, "skills": skills })
    };
    let no_skill = "Question 'Is 2/4 equal to 1/2?': it assesses no skill; link at least one skill of 'Fractions', or answering it will never change what a student has mastered.";
    let answer = editor
        .post("/items/questions", new_question(json!([])))
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "skills", no_skill)
    );
    // ...and saved with its skill in the same save, as the question form sends it.
    let created = editor
        .post(
            "/items/questions",
            new_question(
                json!({ "create": [{ "skill": { "id": own } }], "update": [], "delete": [] }),
            ),
        )
        .await;
    saved(&created);
    let created_id = created.1["data"]["id"].clone();
    let links = directus
        .items(
            "question_skills",
            &format!("filter[question][_eq]={created_id}&fields=id"),
        )
        .await;
    assert_eq!(links.len(), 1);
    // Taking its last skill away is refused too; swapping it for another is not.
    let answer = editor
        .patch(
            &format!("/items/questions/{created_id}"),
            json!({ "skills": { "create": [], "update": [], "delete": [links[0]["id"]] } }),
        )
        .await;
    assert_eq!(
        refusal(&answer),
        owned("FAILED_VALIDATION", "skills", no_skill)
    );
    let equivalent = skill_id(directus, "Equivalent fractions").await;
    saved(
        &editor
            .patch(
                &format!("/items/questions/{created_id}"),
                json!({ "skills": [{ "skill": equivalent }] }),
            )
            .await,
    );
    let skills: Vec<Value> = directus
        .items(
            "question_skills",
            &format!("filter[question][_eq]={created_id}&fields=skill"),
        )
        .await
        .into_iter()
        .map(|row| row["skill"].clone())
        .collect();
    assert_eq!(skills, vec![json!(equivalent)]);
}

#[tokio::test]
async fn problems_elsewhere_never_block_a_save_and_admins_are_trusted() {
    let stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let editor = Editor::login(directus).await;
    let simplifying = lesson_id(directus, "Simplifying fractions").await;
    let comparing = lesson_id(directus, "Comparing fractions").await;
    let broken = single_choice(directus, simplifying).await;
    let sound = single_choice(directus, comparing).await;

    // An administrator's save is not checked (imports, repairs; content_issues reports it).
    stack
        .admin()
        .patch(
            &format!("/items/questions/{}", broken["id"]),
            json!({ "answer_key": { "correct": "zz" } }),
        )
        .await
        .expect("an admin's save is not checked");

    // Other items of the course save.
    saved(
        &editor
            .patch(
                &format!("/items/questions/{}", sound["id"]),
                json!({ "answer_key": sound["answer_key"], "points": 2 }),
            )
            .await,
    );
    // The broken question itself saves when the save leaves its key alone...
    saved(
        &editor
            .patch(
                &format!("/items/questions/{}", broken["id"]),
                json!({ "prompt": "Which fraction is in lowest terms?", "points": 2 }),
            )
            .await,
    );
    // ...is refused when it writes another broken key...
    let answer = editor
        .patch(
            &format!("/items/questions/{}", broken["id"]),
            json!({ "answer_key": { "correct": "yy" } }),
        )
        .await;
    assert_eq!(refusal(&answer).1, "answer_key");
    // ...and saves the fix.
    saved(
        &editor
            .patch(
                &format!("/items/questions/{}", broken["id"]),
                json!({ "answer_key": broken["answer_key"] }),
            )
            .await,
    );

    // What a check costs a save: a field the rules read (checked) against one they do
    // not (`explanation`: the hook skips the save). Printed, not asserted (shared CPU).
    let path = format!("/items/questions/{}?fields=id", sound["id"]);
    let mean = |field: &'static str| {
        let editor = &editor;
        let path = path.clone();
        async move {
            let rounds = 20;
            let started = Instant::now();
            for round in 0..rounds {
                saved(
                    &editor
                        .patch(&path, json!({ field: format!("Version {round}") }))
                        .await,
                );
            }
            started.elapsed() / rounds
        }
    };
    let checked = mean("prompt").await;
    let unchecked = mean("explanation").await;
    eprintln!("save of a question as the editor: {checked:?} checked, {unchecked:?} unchecked");
}

fn directus_log(directus: &TestDirectus) -> String {
    std::fs::read_to_string(directus.dir.join("directus.log")).unwrap_or_default()
}

#[tokio::test]
async fn when_the_worker_is_down_a_save_goes_through_and_directus_warns() {
    let mut stack = TestStack::seeded().await;
    let directus = &stack.directus;
    let editor = Editor::login(directus).await;
    let simplifying = lesson_id(directus, "Simplifying fractions").await;
    let question = single_choice(directus, simplifying).await;
    stack.stop_worker().await;
    let directus = &stack.directus;

    let started = Instant::now();
    saved(
        &editor
            .patch(
                &format!("/items/questions/{}", question["id"]),
                json!({ "answer_key": { "correct": "zz" } }),
            )
            .await,
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a refused connection does not wait for the timeout: {:?}",
        started.elapsed()
    );
    let stored = directus
        .items(
            "questions",
            &format!("filter[id][_eq]={}&fields=answer_key", question["id"]),
        )
        .await;
    assert_eq!(
        stored[0]["answer_key"],
        json!({ "correct": "zz" }),
        "the editor's work is kept"
    );
    let log = directus_log(directus);
    let warning = format!("Pathwise: questions item {} of course", question["id"]);
    assert!(
        log.lines().any(|line| line.contains(&warning)
            && line.contains("saved without validation")
            && line.contains("unreachable")),
        "Directus logs a warning naming the item:\n{log}"
    );
}

#[tokio::test]
async fn a_worker_that_does_not_answer_holds_a_save_two_seconds_at_most() {
    // A worker that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let directus = TestDirectus::seeded(&format!("http://{address}")).await;
    let editor = Editor::login(&directus).await;
    let simplifying = lesson_id(&directus, "Simplifying fractions").await;
    let question = single_choice(&directus, simplifying).await;

    let started = Instant::now();
    saved(
        &editor
            .patch(
                &format!("/items/questions/{}", question["id"]),
                json!({ "answer_key": { "correct": "zz" } }),
            )
            .await,
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(5),
        "the save waited for the worker's 2 s timeout, then went through: {waited:?}"
    );
    let log = directus_log(&directus);
    assert!(
        log.contains("no answer within 2000 ms"),
        "Directus logs why the save was not checked:\n{log}"
    );
    held.abort();
}

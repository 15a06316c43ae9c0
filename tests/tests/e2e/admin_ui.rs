//! The admin UI in real Chromium: editors, teachers and a student use the Pathwise module
//! (and the editors' save-time errors) the way a person does. One seeded stack (Directus
//! with the extension, provisioned, demo content, the real worker) serves every browser
//! test; the tests themselves are `node --test` files in directus-extension/tests/browser/,
//! driving Debian's `chromium` with playwright-core.


use pathwise_tests::browser::run_browser_tests;
use pathwise_tests::repo_root;
use pathwise_tests::stack::{TestStack, answers_scoring};
use serde_json::Value;

/// The attempts the browser tests read back (their numbers are asserted there):
/// on "What is a fraction?" Ada passes once, Ben fails three times, Chloé passes once;
/// then Ada fails "Fractions on the number line" once (a remediation for her).
async fn graded_attempts_for_the_admin_ui(stack: &TestStack) {
    let lessons = stack.lessons().await;
    let first = &lessons[0]["id"];
    let number_line = &lessons[1]["id"];
    let plan: [(&str, &Value, f64); 6] = [
        ("ada", first, 1.0),
        ("ben", first, 0.3),
        ("ben", first, 0.3),
        ("ben", first, 0.3),
        ("chloe", first, 1.0),
        ("ada", number_line, 0.5),
    ];
    for (student, lesson, target) in plan {
        let questions = stack.questions(lesson).await;
        let (answers, _) = answers_scoring(&questions, target);
        let client = stack.directus.student(student).await;
        let graded = stack.submit(&client, lesson, &answers).await;
        assert_eq!(graded["status"], "graded", "{student}: {graded}");
    }
}

#[tokio::test]
async fn editors_teachers_and_students_use_the_admin_ui_in_real_chromium() {
    let _turn = pathwise_tests::heavy_test_turn().await;
    let stack = TestStack::seeded().await;
    graded_attempts_for_the_admin_ui(&stack).await;

    let extension = repo_root().join("directus-extension");
    run_browser_tests(
        &extension,
        "tests/browser/*.browser.mjs",
        &stack.directus.dir.join("screenshots"),
        vec![("PATHWISE_URL", stack.directus.url.clone())],
    )
    .await;
}

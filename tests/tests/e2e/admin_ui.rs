//! The admin UI in real Chromium: editors, teachers and a student use the Pathwise module
//! (and the editors' save-time errors) the way a person does. One seeded stack (Directus
//! with the extension, provisioned, demo content, the real worker) serves every browser
//! test; the tests themselves are `node --test` files in directus-extension/tests/browser/,
//! driving Debian's `chromium` with playwright-core.

use std::path::PathBuf;
use std::process::Command;

use pathwise_tests::stack::{TestStack, answers_scoring};
use pathwise_tests::{install, repo_root, secrets};
use serde_json::Value;

/// Debian's Chromium: `PATHWISE_CHROMIUM` (exported by `scripts/test`), else `chromium` on
/// PATH, else installed by `ensure_chromium` (scripts/lib/common.sh) as scripts/test would.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("PATHWISE_CHROMIUM") {
        return path.into();
    }
    let script = repo_root().join("scripts/lib/common.sh");
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && ensure_chromium", script.display()))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "installing chromium failed");
    String::from_utf8_lossy(&output.stdout).trim().into()
}

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
    let chromium = chromium();
    let stack = TestStack::seeded().await;
    graded_attempts_for_the_admin_ui(&stack).await;

    let install = install();
    let extension = repo_root().join("directus-extension");
    // Screenshots go where PATHWISE_SCREENSHOTS_DIR says (docs/screenshots to refresh the
    // README's), else into a folder of this run, so that every run takes them.
    let screenshots = std::env::var_os("PATHWISE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| stack.directus.dir.join("screenshots"));
    let node = install.node_bin.join("node");
    let path = format!(
        "{}:{}",
        install.node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = tokio::task::spawn_blocking({
        let url = stack.directus.url.clone();
        move || {
            Command::new(node)
                // One file at a time: one Chromium at a time on a small machine.
                .args([
                    "--test",
                    "--test-concurrency=1",
                    "--test-reporter=spec",
                    "tests/browser/*.browser.mjs",
                ])
                .current_dir(extension)
                .env("PATH", path)
                .env("PATHWISE_URL", url)
                .env("PATHWISE_CHROMIUM", chromium)
                .env("PATHWISE_DEMO_PASSWORD", secrets().demo_password.expose())
                .env("PATHWISE_SCREENSHOTS_DIR", &screenshots)
                .output()
                .expect("node runs")
        }
    })
    .await
    .expect("the browser tests' thread");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        run.status.success(),
        "the browser tests failed (output above)"
    );
    // A run that found no test file, or skipped everything, is no evidence.
    assert!(
        stdout.contains("ℹ pass ") && !stdout.contains("ℹ pass 0"),
        "no browser test passed:\n{stdout}"
    );
}

//! Browser tests driven from Rust: the `node --test` files of a package (the extension's
//! admin UI tests, the student app's) run against a stack the Rust test started, in Debian's
//! Chromium with playwright-core.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{install, repo_root, secrets};

/// `bash -c "source scripts/lib/common.sh && <function>"`: what an install step of
/// scripts/test prints (its last line), for a test run without scripts/test.
pub fn from_common_sh(function: &str) -> String {
    let script = repo_root().join("scripts/lib/common.sh");
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && {function}", script.display()))
        .stderr(Stdio::inherit())
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{function} failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// `PATHWISE_<variable>` when scripts/test exported it, else what `function` installs.
pub fn installed(variable: &str, function: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(path) => path.into(),
        None => from_common_sh(function).into(),
    }
}

/// Debian's Chromium (`PATHWISE_CHROMIUM`, else installed by `ensure_chromium`).
pub fn chromium() -> PathBuf {
    installed("PATHWISE_CHROMIUM", "ensure_chromium")
}

/// Runs the browser test `files` (a glob) of the package in `dir` with Node 22, one file
/// at a time (one Chromium at a time on a small machine), with `env` added to what every
/// browser test reads (`PATHWISE_CHROMIUM`, `PATHWISE_DEMO_PASSWORD`,
/// `PATHWISE_SCREENSHOTS_DIR`); prints their output and fails unless they all passed and
/// at least one ran. Screenshots go where `PATHWISE_SCREENSHOTS_DIR` says (docs/screenshots
/// to refresh the README's), else into `screenshots`, so that every run takes them.
pub async fn run_browser_tests(
    dir: &Path,
    files: &str,
    screenshots: &Path,
    env: Vec<(&'static str, String)>,
) {
    let screenshots = std::env::var_os("PATHWISE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| screenshots.to_path_buf());
    let node = install().node_bin.join("node");
    let path = format!(
        "{}:{}",
        install().node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(node);
    command
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            files,
        ])
        .current_dir(dir)
        .env("PATH", path)
        .env("PATHWISE_CHROMIUM", chromium())
        .env("PATHWISE_DEMO_PASSWORD", secrets().demo_password.expose())
        .env("PATHWISE_SCREENSHOTS_DIR", screenshots)
        .envs(env);
    let run = tokio::task::spawn_blocking(move || command.output().expect("node runs"))
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
        stdout.contains("ℹ pass ") && !stdout.contains("ℹ pass 0") && stdout.contains("ℹ fail 0"),
        "no browser test passed:\n{stdout}"
    );
}

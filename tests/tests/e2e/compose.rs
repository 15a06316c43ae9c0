//! docker-compose.yml is valid (checked with Debian's docker-compose; no engine runs here).

use std::process::Command;

#[test]
fn docker_compose_file_is_valid_and_holds_no_secret_literals() {
    let root = pathwise_tests::repo_root();
    let output = Command::new("docker-compose")
        .args(["--env-file", ".env.example", "-f", "docker-compose.yml", "config"])
        .current_dir(&root)
        .output()
        .expect("docker-compose is installed by scripts/test");
    assert!(output.status.success(), "docker-compose config failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let config = String::from_utf8_lossy(&output.stdout);
    for service in ["postgres:", "redis:", "directus:", "worker:", "provision:"] {
        assert!(config.contains(service), "service {service} missing");
    }
    assert!(config.contains("directus/directus:11.17.4"), "Directus image pinned to 11.17.4");

    let compose = std::fs::read_to_string(root.join("docker-compose.yml")).unwrap();
    for line in compose.lines().filter(|l| l.contains("SECRET") || l.contains("TOKEN") || l.contains("PASSWORD")) {
        let value = line.split_once(':').map(|(_, v)| v.trim()).unwrap_or_default();
        assert!(value.is_empty() || value.contains("${"), "a literal secret in docker-compose.yml: {line}");
    }
}

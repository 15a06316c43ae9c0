//! docker-compose.yml is valid (checked with Debian's docker-compose; no engine runs here).

use std::process::Command;

#[test]
fn docker_compose_file_is_valid_and_holds_no_secret_literals() {
    let root = pathwise_tests::repo_root();
    let output = Command::new("docker-compose")
        .args([
            "--env-file",
            ".env.example",
            "-f",
            "docker-compose.yml",
            "config",
        ])
        .current_dir(&root)
        .output()
        .expect("docker-compose is installed by scripts/test");
    assert!(
        output.status.success(),
        "docker-compose config failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config = String::from_utf8_lossy(&output.stdout);
    for service in [
        "postgres:",
        "redis:",
        "bootstrap:",
        "directus:",
        "balancer:",
        "worker:",
        "provision:",
    ] {
        assert!(config.contains(service), "service {service} missing");
    }
    // The scaled-out topology: replicas of Directus and of the worker, behind the balancer,
    // which the flows, the workers and the provisioning job all go through.
    assert_eq!(
        config.matches("replicas: 2").count(),
        2,
        "two Directus replicas and two worker replicas by default:\n{config}"
    );
    assert!(config.contains("PATHWISE_WORKER_URL: http://balancer:8056"));
    assert_eq!(
        config.matches("DIRECTUS_URL: http://balancer:8055").count(),
        2,
        "the worker and the provisioning job reach Directus through the balancer"
    );
    for shared in [
        "SYNCHRONIZATION_STORE: redis",
        "CACHE_STORE: redis",
        "REDIS: redis://redis:6379",
    ] {
        assert!(config.contains(shared), "{shared} missing");
    }
    let nginx = std::fs::read_to_string(root.join("scripts/compose/nginx.conf")).unwrap();
    for upstream in ["server directus:8055 resolve", "server worker:8056 resolve"] {
        assert!(
            nginx.contains(upstream),
            "{upstream} missing from the balancer's configuration"
        );
    }
    assert!(
        config.contains("directus/directus:11.17.4"),
        "Directus image pinned to 11.17.4"
    );

    let compose = std::fs::read_to_string(root.join("docker-compose.yml")).unwrap();
    let mut secrets_seen = 0;
    for line in compose.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if ["SECRET", "TOKEN", "PASSWORD"]
            .iter()
            .any(|word| key.ends_with(word))
        {
            secrets_seen += 1;
            assert!(
                value.trim().starts_with("${"),
                "a literal secret in docker-compose.yml: {line}"
            );
        }
    }
    assert!(
        secrets_seen >= 5,
        "the secrets are passed in from the environment"
    );
}

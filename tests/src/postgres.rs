//! A throwaway PostgreSQL 15 server on a free port, from the machine's binaries
//! (`PATHWISE_PG_BIN`, exported by scripts/test). `initdb` refuses to run as root, so as
//! root the server runs as the `postgres` user on a folder it owns. Trust auth on
//! loopback only; stopped and removed on drop.

use std::path::PathBuf;
use std::process::Command;

use crate::{free_port, random};

pub struct TestPostgres {
    pub port: u16,
    pub dir: PathBuf,
    pub user: String,
    bin: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn run_as_owner(script: &str) -> std::process::Output {
    let mut command = if is_root() {
        let mut c = Command::new("su");
        c.args(["postgres", "-s", "/bin/bash", "-c", script]);
        c
    } else {
        let mut c = Command::new("bash");
        c.args(["-c", script]);
        c
    };
    command.output().expect("a shell runs")
}

impl TestPostgres {
    pub fn start() -> Self {
        let bin: PathBuf = std::env::var("PATHWISE_PG_BIN")
            .unwrap_or_else(|_| "/usr/local/bin".to_owned())
            .into();
        let dir = std::env::temp_dir().join(format!("pathwise-pg-{}", random()));
        std::fs::create_dir_all(&dir).expect("pg dir");
        let user = if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "chown of {} to postgres failed",
                dir.display()
            );
            "postgres".to_owned()
        } else {
            std::env::var("USER").unwrap_or_else(|_| "postgres".to_owned())
        };
        let port = free_port();
        let data = dir.join("data");
        let script = format!(
            "set -e; '{bin}/initdb' -D '{data}' -U '{user}' --auth=trust -E UTF8 >'{dir}/initdb.log' 2>&1; \
             '{bin}/pg_ctl' -D '{data}' -l '{dir}/server.log' -o \"-p {port} -k '{dir}' -c listen_addresses=127.0.0.1\" -w start >/dev/null",
            bin = bin.display(),
            data = data.display(),
            dir = dir.display(),
        );
        let output = run_as_owner(&script);
        assert!(
            output.status.success(),
            "PostgreSQL did not start: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(dir.join("initdb.log")).unwrap_or_default()
        );
        Self {
            port,
            dir,
            user,
            bin,
        }
    }

    /// The postmaster's process id (its backends are its children).
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// The database Directus uses: the cluster's default one, fresh from initdb.
    pub fn database(&self) -> String {
        "postgres".to_owned()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let script = format!(
            "'{}/pg_ctl' -D '{}/data' -m immediate stop >/dev/null 2>&1",
            self.bin.display(),
            self.dir.display()
        );
        let _ = run_as_owner(&script);
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

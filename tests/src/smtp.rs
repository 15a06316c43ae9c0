//! A real SMTP sink for the tests: aiosmtpd (installed by `ensure_smtp_sink` in
//! scripts/lib/common.sh) on a free port, keeping every email in a Maildir that the test
//! reads back. Killed on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, random};

pub struct SmtpSink {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
}

/// One email as it arrived.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    /// The HTML and text parts, decoded.
    pub body: String,
}

/// The Python that runs aiosmtpd: `PATHWISE_SMTP_SINK_PYTHON` (exported by scripts/test),
/// else installed as scripts/test would.
fn python() -> PathBuf {
    crate::browser::installed("PATHWISE_SMTP_SINK_PYTHON", "ensure_smtp_sink")
}

impl SmtpSink {
    pub async fn start() -> Self {
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!("pathwise-mail-{}", random()));
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            port,
            maildir,
            child,
        }
    }

    /// Every email received so far.
    pub fn emails(&self) -> Vec<Email> {
        let mut emails = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(raw) = std::fs::read(entry.path()) {
                    emails.push(parse(&raw));
                }
            }
        }
        emails
    }

    /// Waits until `count` emails arrived (Directus sends them after answering).
    pub async fn wait_for(&self, count: usize) -> Vec<Email> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let emails = self.emails();
            if emails.len() >= count || Instant::now() > deadline {
                return emails;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn parse(raw: &[u8]) -> Email {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("an email Directus sent parses");
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .unwrap_or_default()
        .to_owned();
    let body = (0..message.html_body_count())
        .filter_map(|n| message.body_html(n))
        .chain((0..message.text_body_count()).filter_map(|n| message.body_text(n)))
        .collect::<Vec<_>>()
        .join("\n");
    Email {
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        body,
    }
}

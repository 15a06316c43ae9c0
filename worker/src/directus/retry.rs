//! Whether to retry a Directus call (a pure classifier) is separate from how (backoff).
//!
//! Retry on 429 (honouring `Retry-After`), 5xx (Directus' pressure limiter answers 503
//! under load) and connection errors or timeouts; never on other 4xx, which would fail
//! the same way again.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again, no sooner than `after` when the server said so.
    Retry { after: Option<Duration> },
    /// The same request would fail the same way.
    GiveUp,
}

/// What went wrong with one attempt at a call, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this status; `retry_after` is its `Retry-After` header.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: refused, reset or timed out.
    Transport,
}

pub fn classify(failure: Failure) -> RetryDecision {
    match failure {
        Failure::Transport => RetryDecision::Retry { after: None },
        Failure::Status {
            status: 429,
            retry_after,
        } => RetryDecision::Retry { after: retry_after },
        Failure::Status {
            status,
            retry_after,
        } if (500..=599).contains(&status) => RetryDecision::Retry { after: retry_after },
        Failure::Status { .. } => RetryDecision::GiveUp,
    }
}

/// Parses a `Retry-After` header given in seconds (the HTTP-date form is not used by Directus).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_throttling_server_errors_and_transport_failures() {
        assert_eq!(
            classify(Failure::Transport),
            RetryDecision::Retry { after: None }
        );
        let after = Some(Duration::from_secs(2));
        assert_eq!(
            classify(Failure::Status {
                status: 429,
                retry_after: after
            }),
            RetryDecision::Retry { after }
        );
        for status in [500, 502, 503, 504, 599] {
            assert!(matches!(
                classify(Failure::Status {
                    status,
                    retry_after: None
                }),
                RetryDecision::Retry { .. }
            ));
        }
    }

    #[test]
    fn never_retries_client_errors() {
        for status in [400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(
                classify(Failure::Status {
                    status,
                    retry_after: None
                }),
                RetryDecision::GiveUp,
                "{status}"
            );
        }
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}

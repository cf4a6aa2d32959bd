//! Retry policy for model calls: exponential backoff with jitter, and the server's Retry-After
//! wins when it gives one, so a rate-limited run slows down instead of failing.

use std::time::Duration;

use rand::Rng;

use super::LlmError;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based) after `error`.
    pub fn delay_for(&self, attempt: u32, error: &LlmError) -> Duration {
        if let LlmError::Http {
            retry_after: Some(wait),
            ..
        } = error
        {
            return (*wait).min(self.max_delay);
        }
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let capped = exp.min(self.max_delay);
        // Full jitter on the upper half keeps concurrent clients from retrying in lockstep.
        let half = capped / 2;
        let jitter_ms = rand::thread_rng().gen_range(0..=half.as_millis().max(1) as u64);
        half + Duration::from_millis(jitter_ms)
    }

    /// Runs `op` until it succeeds, fails with a non-retryable error, or retries run out.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, LlmError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, LlmError>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(value) => return Ok(value),
                Err(err) if err.is_retryable() && attempt < self.max_retries => {
                    let wait = self.delay_for(attempt, &err);
                    tracing::warn!(attempt = attempt + 1, wait_ms = wait.as_millis() as u64, error = %err, "model call failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(err) if err.is_retryable() => {
                    return Err(LlmError::RetriesExhausted {
                        attempts: attempt + 1,
                        last: Box::new(err),
                    })
                }
                Err(err) => return Err(err),
            }
        }
    }
}

/// Parses a Retry-After header: delta-seconds (possibly fractional, as some servers send) or an
/// HTTP date (RFC 9110). A wait too long for a `Duration` (`1e20`) becomes `Duration::MAX`, which
/// [`RetryPolicy::delay_for`] caps like any other long wait; a date in the past means "now".
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn http(status: u16, retry_after: Option<Duration>) -> LlmError {
        LlmError::Http {
            status,
            body: String::new(),
            retry_after,
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_for(0, &http(429, Some(Duration::from_secs(3)))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay_for(0, &http(429, Some(Duration::from_secs(3600)))),
            p.max_delay
        );
    }

    #[test]
    fn backoff_grows_and_stays_within_cap() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for attempt in 0..10 {
            let d = p.delay_for(attempt, &http(500, None));
            let full = (p.base_delay * 2u32.pow(attempt)).min(p.max_delay);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn an_absurd_retry_after_is_capped_not_a_panic() {
        // `Duration::from_secs_f64(1e20)` panicked (rc 101) on a 429 with this header
        let p = RetryPolicy::default();
        for v in ["1e20", "1e308", "18446744073709551616"] {
            let wait = parse_retry_after(v).expect("a number");
            assert_eq!(p.delay_for(0, &http(429, Some(wait))), p.max_delay, "{v}");
        }
        let in_a_minute =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(90));
        let wait = parse_retry_after(&in_a_minute).expect("a date");
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
    }

    #[tokio::test]
    async fn stops_at_non_retryable_errors() {
        let calls = AtomicU32::new(0);
        let p = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let result: Result<(), _> = p
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(http(401, None))
            })
            .await;
        assert!(matches!(result, Err(LlmError::Http { status: 401, .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn gives_up_after_max_retries() {
        let calls = AtomicU32::new(0);
        let p = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let result: Result<(), _> = p
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(http(503, None))
            })
            .await;
        assert!(matches!(
            result,
            Err(LlmError::RetriesExhausted { attempts: 3, .. })
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}

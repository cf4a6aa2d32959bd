//! Keeping the API key (and any credential in a URL or an `Authorization` header) out of what
//! l2mac writes: transcripts, logs, run.json, error messages and `status`.
//!
//! A provider can echo the key in an error body, and a key can sit in a `--base-url` as userinfo;
//! everything that reaches a file or the terminal passes through [`redact`], which replaces every
//! registered secret and, without registration, URL userinfo and `Bearer` tokens.

use std::sync::RwLock;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are not registered: replacing every "ab" would garble the text and
/// protect nothing.
const MIN_SECRET_LEN: usize = 6;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Adds `secret` to what [`redact`] removes.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut list = match SECRETS.write() {
        Ok(l) => l,
        Err(poisoned) => poisoned.into_inner(),
    };
    if !list.iter().any(|s| s == secret) {
        list.push(secret.to_string());
        // Longest first, so a secret that contains another is removed whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Registers the key in `OPENAI_API_KEY` and the userinfo of `OPENAI_BASE_URL`, for commands
/// that print saved state without building a client (`status`).
pub fn register_from_env() {
    if let Ok(key) = std::env::var("OPENAI_API_KEY") {
        register(&key);
    }
    if let Ok(url) = std::env::var("OPENAI_BASE_URL") {
        register_url(&url);
    }
}

/// Registers the user and password of a URL such as `https://user:pass@host/v1`.
pub fn register_url(url: &str) {
    if let Some((start, end)) = userinfo_span(url, 0) {
        let info = &url[start..end];
        register(info);
        for part in info.split(':') {
            register(part);
        }
    }
}

/// `text` with every registered secret, URL userinfo and bearer token replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    let list = match SECRETS.read() {
        Ok(l) => l,
        Err(poisoned) => poisoned.into_inner(),
    };
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    drop(list);
    redact_bearer(&redact_userinfo(&out))
}

/// Start and end of the userinfo of the first URL at or after `from` (`scheme://USERINFO@host`).
fn userinfo_span(text: &str, from: usize) -> Option<(usize, usize)> {
    let rel = text.get(from..)?.find("://")?;
    let start = from + rel + 3;
    let rest = &text[start..];
    let authority_end = rest
        .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
        .unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some((start, start + at))
}

fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(rel) = text[pos..].find("://") {
        let scheme_end = pos + rel + 3;
        match userinfo_span(text, pos) {
            Some((start, end)) if start == scheme_end && &text[start..end] != REDACTED => {
                out.push_str(&text[pos..start]);
                out.push_str(REDACTED);
                pos = end;
            }
            _ => {
                out.push_str(&text[pos..scheme_end]);
                pos = scheme_end;
            }
        }
    }
    out.push_str(&text[pos..]);
    out
}

/// `Bearer <token>` (as in an `Authorization` header quoted in an error) loses its token.
fn redact_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("Bearer ") {
        let after = i + "Bearer ".len();
        out.push_str(&rest[..after]);
        let token_len = rest[after..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
            .unwrap_or(rest.len() - after);
        if token_len > 0 {
            out.push_str(REDACTED);
        }
        rest = &rest[after + token_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_urls_and_bearer_tokens_are_replaced() {
        register("sk-unit-test-key-123");
        assert_eq!(
            redact("401: invalid key sk-unit-test-key-123 given"),
            "401: invalid key [REDACTED] given"
        );
        assert_eq!(
            redact("posting to https://bob:hunter22@api.example.com/v1 failed"),
            "posting to https://[REDACTED]@api.example.com/v1 failed"
        );
        assert_eq!(
            redact("{\"Authorization\": \"Bearer abc.def\"}"),
            "{\"Authorization\": \"Bearer [REDACTED]\"}"
        );
        assert_eq!(
            redact("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(redact("mail a@b.c"), "mail a@b.c");
        register("x");
        assert_eq!(redact("x marks"), "x marks");
    }

    #[test]
    fn url_userinfo_is_registered_in_parts() {
        register_url("https://carol:s3cret-pass@h.example/v1");
        assert_eq!(redact("pw s3cret-pass"), "pw [REDACTED]");
    }
}

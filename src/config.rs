//! Settings from `l2mac.toml` (the working directory's, then the user config dir's); flags and
//! environment variables are layered on top by the CLI, so flags beat env beat file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::llm::ToolMode;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid l2mac.toml: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: `{key} = {value}`: {why}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        value: String,
        why: String,
    },
}

/// An http(s) URL with a host (`--base-url "not a url"` used to be accepted and failed at the
/// first model call); the flag and `base_url` in l2mac.toml both go through it.
pub fn http_url(s: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(s.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("expected an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1".into());
    }
    Ok(s.trim().to_string())
}

/// The smallest context window a step's prompt (system prompt, task, plan, tools) fits in.
pub const MIN_CONTEXT_WINDOW: usize = 1024;

/// The keys `l2mac.toml` may set. API keys are deliberately not among them: they come from
/// `OPENAI_API_KEY` only, so they never sit in a file next to the code.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub tool_mode: Option<ToolMode>,
    /// The model profile: "small" or "standard".
    pub profile: Option<crate::profile::Family>,
    /// "standard" or "llama-cpp".
    pub compat: Option<String>,
    /// How code steps write files: "tools" or "blocks" (plain text).
    pub edit_format: Option<crate::profile::EditFormat>,
    pub context_window: Option<usize>,
    pub max_steps: Option<usize>,
    pub max_turns_per_step: Option<u32>,
    pub temperature: Option<f32>,
    pub request_timeout_secs: Option<u64>,
    pub check_timeout_secs: Option<u64>,
    #[serde(default)]
    pub checks: Vec<String>,
    /// How checks are confined: "required" (default), "auto" or "off".
    pub sandbox: Option<crate::exec::SandboxMode>,
}

impl FileConfig {
    /// Reads the first `l2mac.toml` found: `dir` (the working directory), then the user config
    /// dir (`~/.config/l2mac/l2mac.toml` on Linux). No file is not an error.
    pub fn discover(dir: &Path) -> Result<(Self, Option<PathBuf>), ConfigError> {
        let mut candidates = vec![dir.join("l2mac.toml")];
        if let Some(cfg) = dirs::config_dir() {
            candidates.push(cfg.join("l2mac").join("l2mac.toml"));
        }
        for path in candidates {
            if path.is_file() {
                return Ok((Self::load(&path)?, Some(path)));
            }
        }
        Ok((Self::default(), None))
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        let cfg: Self = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        cfg.validate(path)?;
        Ok(cfg)
    }

    /// The same ranges the command-line flags have: a value no run can use is refused here,
    /// naming the file and key, instead of a run that cannot start a step (window 0) or kills
    /// every check at once (timeout 0).
    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &'static str, value: String, why: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            value,
            why: why.to_string(),
        };
        if let Some(url) = &self.base_url {
            http_url(url).map_err(|why| bad("base_url", format!("{url:?}"), &why))?;
        }
        if let Some(n) = self.context_window.filter(|&n| n < MIN_CONTEXT_WINDOW) {
            return Err(bad(
                "context_window",
                n.to_string(),
                &format!("must be at least {MIN_CONTEXT_WINDOW}"),
            ));
        }
        let positive = [
            ("max_steps", self.max_steps.map(|n| n as u64)),
            ("max_turns_per_step", self.max_turns_per_step.map(u64::from)),
            ("request_timeout_secs", self.request_timeout_secs),
            ("check_timeout_secs", self.check_timeout_secs),
        ];
        for (key, value) in positive {
            if value == Some(0) {
                return Err(bad(key, "0".into(), "must be at least 1"));
            }
        }
        if let Some(t) = self.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
            return Err(bad(
                "temperature",
                t.to_string(),
                "must be between 0 and 2 (the OpenAI API's range)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_names_the_bad_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("l2mac.toml");
        std::fs::write(
            &path,
            "model = \"qwen\"\ntool_mode = \"text\"\nchecks = [\"pytest -q\"]\n",
        )
        .expect("write");
        let (cfg, found) = FileConfig::discover(dir.path()).expect("load");
        assert_eq!(found.as_deref(), Some(path.as_path()));
        assert_eq!(
            cfg,
            FileConfig {
                model: Some("qwen".into()),
                tool_mode: Some(ToolMode::Text),
                checks: vec!["pytest -q".into()],
                ..FileConfig::default()
            }
        );
        std::fs::write(&path, "api_key = \"sk\"\n").expect("write");
        let err = FileConfig::load(&path).expect_err("unknown key");
        let msg = err.to_string();
        assert!(
            msg.contains("l2mac.toml") && msg.contains("api_key"),
            "{msg}"
        );
    }

    #[test]
    fn values_no_run_can_use_are_refused_with_file_key_and_value() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("l2mac.toml");
        let shown = path.display();
        for (text, says) in [
            (
                "base_url = \"not a url\"\n",
                format!("{shown}: `base_url = \"not a url\"`: not a URL"),
            ),
            (
                "base_url = \"ftp://x\"\n",
                format!("{shown}: `base_url = \"ftp://x\"`: expected an http:// or https:// URL"),
            ),
            (
                "context_window = 0\n",
                format!("{shown}: `context_window = 0`: must be at least 1024"),
            ),
            (
                "check_timeout_secs = 0\n",
                format!("{shown}: `check_timeout_secs = 0`: must be at least 1"),
            ),
            (
                "request_timeout_secs = 0\n",
                format!("{shown}: `request_timeout_secs = 0`: must be at least 1"),
            ),
            (
                "max_steps = 0\n",
                format!("{shown}: `max_steps = 0`: must be at least 1"),
            ),
            (
                "max_turns_per_step = 0\n",
                format!("{shown}: `max_turns_per_step = 0`: must be at least 1"),
            ),
            (
                "temperature = 7.5\n",
                format!("{shown}: `temperature = 7.5`: must be between 0 and 2"),
            ),
        ] {
            std::fs::write(&path, text).expect("write");
            let msg = FileConfig::load(&path).expect_err(text).to_string();
            assert!(msg.starts_with(&says), "{text}: {msg}");
        }
        std::fs::write(
            &path,
            "base_url = \"http://127.0.0.1:8080/v1\"\ncontext_window = 4096\ncheck_timeout_secs = 5\ntemperature = 0.2\n",
        )
        .expect("write");
        FileConfig::load(&path).expect("in range");
    }
}

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
}

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
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
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
}

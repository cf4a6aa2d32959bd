//! Environments: pure functions from a point of a parameter space to named metrics, and the registry
//! that builds them by name with options (such as the DRAM trace).

pub mod abc;
pub mod analytic;
pub mod dram;
pub mod maestro;
pub mod proxy;
pub mod qas;
pub mod timeloop;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::DseError;
pub use super::objective::{MetricInfo, Metrics};
use super::space::{ParamSpace, Point};

/// A design space with a pure evaluation function. Implementations must be deterministic: the same
/// point always gives the same metrics, which is what makes caching and resuming sound.
pub trait Environment: Send + Sync {
    fn name(&self) -> &str;
    fn space(&self) -> &ParamSpace;
    fn metrics(&self) -> &[MetricInfo];
    fn evaluate(&self, point: &Point) -> Result<Metrics, DseError>;
    /// The two metrics a report's Pareto front shows when the study names none.
    fn default_pareto(&self) -> Vec<String> {
        self.metrics()
            .iter()
            .take(2)
            .map(|m| m.name.clone())
            .collect()
    }
}

/// An option an environment accepts in a study's `[env]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvOption {
    pub name: String,
    pub default: String,
    pub description: String,
}

/// A registry entry, as listed by `l2mac dse envs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvInfo {
    pub name: String,
    pub description: String,
    pub options: Vec<EnvOption>,
}

/// Everything an agent (or a person) needs to know to search an environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvDescription {
    pub name: String,
    pub description: String,
    pub options: Vec<EnvOption>,
    pub space: ParamSpace,
    pub metrics: Vec<MetricInfo>,
}

/// Every environment the registry can build (`proxy:FILE` is listed once as a pattern).
pub fn list_envs() -> Vec<EnvInfo> {
    let mut v = analytic::infos();
    v.extend(extra_envs());
    v.push(proxy::info());
    v
}

/// Environments over the native simulators.
fn extra_envs() -> Vec<EnvInfo> {
    vec![
        dram::info(),
        timeloop::info(),
        maestro::info(),
        abc::info(),
        qas::info(),
    ]
}

/// Builds an environment by name; `options` are the remaining keys of the study's `[env]` table.
pub fn make_env(name: &str, options: &toml::Table) -> Result<Arc<dyn Environment>, DseError> {
    if let Some(file) = name.strip_prefix("proxy:") {
        check_options(name, options, &[])?;
        return Ok(Arc::new(proxy::ProxyEnv::load(std::path::Path::new(file))?));
    }
    if let Some(env) = analytic::make(name, options)? {
        return Ok(env);
    }
    if let Some(env) = dram::make(name, options)? {
        return Ok(env);
    }
    if let Some(env) = timeloop::make(name, options)? {
        return Ok(env);
    }
    if let Some(env) = maestro::make(name, options)? {
        return Ok(env);
    }
    if let Some(env) = abc::make(name, options)? {
        return Ok(env);
    }
    if let Some(env) = qas::make(name, options)? {
        return Ok(env);
    }
    Err(DseError::UnknownEnv {
        name: name.into(),
        known: list_envs()
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Rejects option keys an environment does not know, so a typo never silently uses a default.
pub fn check_options(env: &str, options: &toml::Table, known: &[&str]) -> Result<(), DseError> {
    for k in options.keys() {
        if !known.contains(&k.as_str()) {
            return Err(DseError::BadEnvOption {
                env: env.into(),
                message: format!(
                    "unknown option `{k}` (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
    }
    Ok(())
}

/// Makes the relative file names of a study's `[env]` table (`proxy:FILE`, the dram files) point
/// into `base`, the study file's directory, when the file is there; other names (a built-in trace
/// such as `stream.stl`) are left as they are.
pub fn resolve_paths(env: &mut toml::Table, base: &Path) {
    let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
    let near = |v: &str| -> Option<String> {
        let p = Path::new(v);
        let q = base.join(p);
        (p.is_relative() && q.exists()).then(|| q.display().to_string())
    };
    let name = match env.get("name") {
        Some(toml::Value::String(n)) => n.clone(),
        _ => return,
    };
    if let Some(file) = name.strip_prefix("proxy:") {
        if let Some(q) = near(file) {
            env.insert("name".into(), toml::Value::String(format!("proxy:{q}")));
        }
        return;
    }
    if name == "abc" {
        if let Some(toml::Value::String(v)) = env.get("circuit") {
            if let Some(q) = near(v) {
                env.insert("circuit".into(), toml::Value::String(q));
            }
        }
        return;
    }
    if name == "qas" {
        for key in ["problem", "noise"] {
            if let Some(toml::Value::String(v)) = env.get(key) {
                if let Some(q) = near(v) {
                    env.insert(key.to_string(), toml::Value::String(q));
                }
            }
        }
        return;
    }
    if name != "dram" {
        return;
    }
    // with a `dir`, the other files are relative to it
    let keys: &[&str] = if env.contains_key("dir") {
        &["dir"]
    } else {
        &dram::PATH_OPTIONS
    };
    for key in keys {
        if let Some(toml::Value::String(v)) = env.get(*key) {
            if let Some(q) = near(v) {
                env.insert(key.to_string(), toml::Value::String(q));
            }
        }
    }
}

/// The options of the environments that name files.
const FILE_OPTIONS: &[&str] = &[
    "trace", "memspec", "mapping", "mcconfig", "dir", "circuit", "problem", "noise",
];

/// Makes an environment reference that came from a model safe to build: every file it names
/// (`proxy:FILE`, the dram `trace`, `memspec`, `mapping`, `mcconfig` and `dir` options, the abc
/// `circuit`, the qas `problem` and `noise`) must be a file shipped with the crate (a bare name
/// such as `cloud-1.stl`) or a relative path to a file
/// inside `root` (the run folder) reached without `..` or symlinks; the latter are rewritten to
/// absolute paths. Anything else is refused, so a model cannot have a simulator read (and quote)
/// a file outside its run.
pub fn confine(
    name: &str,
    options: &toml::Table,
    root: &Path,
) -> Result<(String, toml::Table), DseError> {
    let name = match name.strip_prefix("proxy:") {
        Some(file) => format!("proxy:{}", inside(root, "proxy", "FILE", file)?.display()),
        None => name.to_string(),
    };
    let has_dir = options.contains_key("dir");
    let mut out = options.clone();
    for key in FILE_OPTIONS {
        let Some(value) = options.get(*key) else {
            continue;
        };
        let Some(text) = value.as_str() else {
            continue; // the environment itself reports the wrong type
        };
        // A bare name with the default folder is one of the shipped files.
        let shipped =
            !has_dir && *key != "dir" && !text.contains(['/', '\\']) && !text.starts_with('.');
        if !shipped {
            let abs = inside(root, &name, key, text)?;
            out.insert(
                key.to_string(),
                toml::Value::String(abs.display().to_string()),
            );
        }
    }
    Ok((name, out))
}

/// `rel` as an existing path inside `root`, with no `..`, no absolute path and no symlink.
fn inside(root: &Path, env: &str, key: &str, rel: &str) -> Result<std::path::PathBuf, DseError> {
    let refuse = |why: &str| {
        DseError::BadEnvOption {
        env: env.into(),
        message: format!(
            "`{key}` = `{rel}` {why}; name a file inside the run folder by a relative path, or a shipped file by its bare name"
        ),
    }
    };
    let store = crate::store::FileStore::open(root).map_err(|e| refuse(&e.to_string()))?;
    let abs = store
        .resolve(rel)
        .map_err(|e| refuse(&format!("is refused: {e}")))?;
    if std::fs::symlink_metadata(&abs).is_err() {
        return Err(refuse("does not exist in the run folder"));
    }
    Ok(abs)
}

/// Parses `name` or `name?key=value&key=value` into a name and an options table (used by the
/// plain-Rust facade, where an environment is named by one string).
pub fn parse_env_ref(text: &str) -> (String, toml::Table) {
    let (name, query) = match text.split_once('?') {
        Some((n, q)) if !text.starts_with("proxy:") => (n, Some(q)),
        _ => (text, None),
    };
    let mut table = toml::Table::new();
    for pair in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = if let Ok(i) = v.parse::<i64>() {
            toml::Value::Integer(i)
        } else if let Ok(f) = v.parse::<f64>() {
            toml::Value::Float(f)
        } else if let Ok(b) = v.parse::<bool>() {
            toml::Value::Boolean(b)
        } else {
            toml::Value::String(v.to_string())
        };
        table.insert(k.to_string(), value);
    }
    (name.to_string(), table)
}

/// Describes an environment built with its default options.
pub fn describe(name_ref: &str) -> Result<EnvDescription, DseError> {
    let (name, options) = parse_env_ref(name_ref);
    describe_with(&name, &options)
}

/// Describes an environment a model named; its files must lie inside `root` (see [`confine`]).
pub fn describe_confined(name_ref: &str, root: &Path) -> Result<EnvDescription, DseError> {
    let (name, options) = parse_env_ref(name_ref);
    let (name, options) = confine(&name, &options, root)?;
    describe_with(&name, &options)
}

fn describe_with(name: &str, options: &toml::Table) -> Result<EnvDescription, DseError> {
    let env = make_env(name, options)?;
    let info = list_envs()
        .into_iter()
        .find(|i| i.name == name)
        .unwrap_or_else(proxy::info);
    Ok(EnvDescription {
        name: env.name().to_string(),
        description: info.description,
        options: info.options,
        space: env.space().clone(),
        metrics: env.metrics().to_vec(),
    })
}

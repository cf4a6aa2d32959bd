//! Running `yosys-abc` on one circuit and recipe: a scratch directory holding the circuit, the cell
//! library and the script, a process group killed when the timeout expires, and the script's
//! `print_stats` lines read back into a [`SynthStats`]. ABC always exits 0, so how far its output
//! got is what tells a bad circuit from a failed pass.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::AbcError;
use super::parse::{parse_stats_line, strip_ansi, AigStats, MappedStats, StatsLine};
use super::recipe::Recipe;

/// The shipped cell library (see its header for where the numbers come from).
pub const CELLS_GENLIB: &str = include_str!("cells.genlib");

/// How a circuit's text is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    Blif,
    /// Binary or ASCII AIGER (`read_aiger` takes both).
    Aiger,
}

/// A combinational or sequential circuit to synthesise.
#[derive(Clone, Debug)]
pub struct Circuit {
    pub name: String,
    pub format: Format,
    pub data: Vec<u8>,
}

impl Circuit {
    pub fn blif(name: &str, text: String) -> Circuit {
        Circuit {
            name: name.into(),
            format: Format::Blif,
            data: text.into_bytes(),
        }
    }

    /// Reads `.blif`, `.aig` or `.aag` by extension.
    pub fn from_file(path: &Path) -> Result<Circuit, AbcError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let format = match ext.as_str() {
            "blif" => Format::Blif,
            "aig" | "aag" => Format::Aiger,
            _ => {
                return Err(AbcError::BadInput {
                    circuit: path.display().to_string(),
                    detail: format!(
                        "extension `.{ext}` is not one ABC reads here (use .blif, .aig or .aag)"
                    ),
                })
            }
        };
        let data = std::fs::read(path).map_err(|e| AbcError::Io {
            path: path.into(),
            detail: format!("cannot read: {e}"),
        })?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("circuit")
            .to_string();
        Ok(Circuit { name, format, data })
    }

    /// SHA-256 of the format and bytes: the cache key of the circuit.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(format!("{:?}\0", self.format));
        h.update(&self.data);
        h.finalize().into()
    }

    fn file_name(&self) -> &'static str {
        match self.format {
            Format::Blif => "circuit.blif",
            Format::Aiger => "circuit.aig",
        }
    }

    fn read_command(&self) -> &'static str {
        match self.format {
            Format::Blif => "read_blif",
            Format::Aiger => "read_aiger",
        }
    }
}

/// Where ABC is and how long one run may take.
#[derive(Clone, Debug)]
pub struct AbcConfig {
    /// `yosys-abc` on PATH by default.
    pub binary: PathBuf,
    pub timeout: Duration,
    /// A genlib file to map to instead of the shipped one.
    pub genlib: Option<PathBuf>,
}

impl Default for AbcConfig {
    fn default() -> Self {
        AbcConfig {
            binary: PathBuf::from("yosys-abc"),
            timeout: Duration::from_secs(60),
            genlib: None,
        }
    }
}

/// What one synthesis run reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SynthStats {
    pub circuit: String,
    pub recipe: String,
    /// After `strash`, before the recipe.
    pub initial: AigStats,
    /// After each pass of the recipe, in order.
    pub steps: Vec<AigStats>,
    /// After the recipe and a final `strash`: what `map` starts from.
    pub aig: AigStats,
    pub mapped: MappedStats,
}

impl SynthStats {
    /// Area-delay product of the mapped netlist.
    pub fn adp(&self) -> f64 {
        self.mapped.area * self.mapped.delay
    }
}

/// The ABC script for `circuit` and `recipe`, one command a line; every command that changes the
/// network is followed by `print_stats` so a failure can be placed.
fn script(circuit: &Circuit, recipe: &Recipe) -> Vec<String> {
    let mut s = vec![
        format!("{} {}", circuit.read_command(), circuit.file_name()),
        "strash".into(),
        "print_stats".into(),
    ];
    for p in &recipe.0 {
        s.push(p.command().into());
        s.push("print_stats".into());
    }
    s.extend([
        "strash".into(),
        "print_stats".into(),
        "read_genlib cells.genlib".into(),
        "map".into(),
        "print_stats".into(),
    ]);
    s
}

/// One run of ABC, uncached.
pub fn synthesize(
    cfg: &AbcConfig,
    circuit: &Circuit,
    recipe: &Recipe,
) -> Result<SynthStats, AbcError> {
    let dir = tempfile::Builder::new()
        .prefix("l2mac-abc")
        .tempdir()
        .map_err(|e| AbcError::Io {
            path: std::env::temp_dir(),
            detail: format!("cannot make a scratch directory: {e}"),
        })?;
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).map_err(|e| AbcError::Io {
            path: p,
            detail: format!("cannot write: {e}"),
        })
    };
    write(circuit.file_name(), &circuit.data)?;
    let lib = match &cfg.genlib {
        None => CELLS_GENLIB.as_bytes().to_vec(),
        Some(p) => std::fs::read(p).map_err(|e| AbcError::Io {
            path: p.clone(),
            detail: format!("cannot read the genlib: {e}"),
        })?,
    };
    write("cells.genlib", &lib)?;
    let commands = script(circuit, recipe);
    write("run.abc", (commands.join("\n") + "\n").as_bytes())?;
    let (status, out) = run_with_timeout(cfg, dir.path(), &circuit.name)?;
    if let Some(sig) = status.signal() {
        return Err(AbcError::Crashed {
            circuit: circuit.name.clone(),
            binary: cfg.binary.clone(),
            status: format!("killed by signal {sig}"),
            output: tail(&out),
        });
    }
    if !status.success() {
        return Err(AbcError::Crashed {
            circuit: circuit.name.clone(),
            binary: cfg.binary.clone(),
            status: format!("exit status {}", status.code().unwrap_or(-1)),
            output: tail(&out),
        });
    }
    read_output(circuit, recipe, &commands, &out)
}

/// The last lines of ABC's output, for a crash message.
fn tail(out: &str) -> String {
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(4);
    lines[from..].join(" | ")
}

/// Runs the script in `dir` with stdout and stderr in files (a pipe would keep a reader waiting
/// on any child the binary left behind), killing the whole process group on timeout.
fn run_with_timeout(
    cfg: &AbcConfig,
    dir: &Path,
    circuit: &str,
) -> Result<(std::process::ExitStatus, String), AbcError> {
    let io = |name: &str| {
        let p = dir.join(name);
        std::fs::File::create(&p).map_err(|e| AbcError::Io {
            path: p,
            detail: format!("cannot create: {e}"),
        })
    };
    let mut child = Command::new(&cfg.binary)
        .args(["-s", "-f", "run.abc"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(io("stdout.txt")?)
        .stderr(io("stderr.txt")?)
        .process_group(0)
        .spawn()
        .map_err(|e| AbcError::BinaryMissing {
            binary: cfg.binary.clone(),
            detail: e.to_string(),
        })?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                return Err(AbcError::Io {
                    path: cfg.binary.clone(),
                    detail: format!("cannot wait for ABC: {e}"),
                })
            }
        }
        if start.elapsed() >= cfg.timeout {
            kill_group(child.id());
            let _ = child.wait();
            return Err(AbcError::Timeout {
                circuit: circuit.into(),
                binary: cfg.binary.clone(),
                timeout: cfg.timeout,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // a child that outlived ABC in its group must not linger
    kill_group(child.id());
    let mut text = String::new();
    for name in ["stdout.txt", "stderr.txt"] {
        let mut buf = Vec::new();
        if let Ok(mut f) = std::fs::File::open(dir.join(name)) {
            let _ = f.read_to_end(&mut buf);
        }
        text.push_str(&String::from_utf8_lossy(&buf));
        text.push('\n');
    }
    Ok((status, text))
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// ABC's own lines other than statistics and the command echo: its error messages.
fn messages(out: &str) -> String {
    let keep: Vec<String> = out
        .lines()
        .map(strip_ansi)
        .map(|l| l.trim().to_string())
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("ABC command line")
                && !l.contains("i/o =")
                && !l.starts_with("Entered genlib library")
        })
        .collect();
    if keep.is_empty() {
        "(no message)".into()
    } else {
        keep.join(" | ")
    }
}

fn read_output(
    circuit: &Circuit,
    recipe: &Recipe,
    commands: &[String],
    out: &str,
) -> Result<SynthStats, AbcError> {
    let mut lines = Vec::new();
    for raw in out.lines() {
        if let Some(parsed) = parse_stats_line(raw) {
            let s = parsed.map_err(|detail| AbcError::Unparsable {
                circuit: circuit.name.clone(),
                line: strip_ansi(raw).trim().to_string(),
                detail,
            })?;
            lines.push(s);
        }
    }
    let want = recipe.len() + 3;
    if lines.is_empty() {
        return Err(AbcError::BadCircuit {
            circuit: circuit.name.clone(),
            message: messages(out),
        });
    }
    if lines.len() < want {
        // the command after the last `print_stats` that ran is the one that stopped ABC
        let failed = commands
            .iter()
            .enumerate()
            .filter(|(_, c)| *c == "print_stats")
            .nth(lines.len() - 1)
            .and_then(|(i, _)| commands.get(i + 1))
            .cloned()
            .unwrap_or_default();
        return Err(AbcError::CommandFailed {
            circuit: circuit.name.clone(),
            command: failed,
            message: messages(out),
        });
    }
    let aig = |i: usize| match &lines[i] {
        StatsLine::Aig(a) => Ok(*a),
        StatsLine::Mapped(..) => Err(AbcError::Unparsable {
            circuit: circuit.name.clone(),
            line: format!("statistics line {}", i + 1),
            detail: "a mapped netlist where an AIG was expected".into(),
        }),
    };
    let steps = (1..=recipe.len()).map(aig).collect::<Result<Vec<_>, _>>()?;
    let mapped = match &lines[want - 1] {
        StatsLine::Mapped(_, m) => *m,
        StatsLine::Aig(_) => {
            return Err(AbcError::Unparsable {
                circuit: circuit.name.clone(),
                line: format!("statistics line {want}"),
                detail: "an AIG where the mapped netlist was expected".into(),
            })
        }
    };
    Ok(SynthStats {
        circuit: circuit.name.clone(),
        recipe: recipe.to_string(),
        initial: aig(0)?,
        steps,
        aig: aig(want - 2)?,
        mapped,
    })
}

/// ABC with a cache of results by (circuit hash, recipe); ABC is deterministic, so a repeated
/// recipe (common in a search) costs nothing.
pub struct Abc {
    cfg: AbcConfig,
    cache: Mutex<HashMap<([u8; 32], Recipe), SynthStats>>,
    calls: AtomicU64,
}

impl Abc {
    pub fn new(cfg: AbcConfig) -> Abc {
        Abc {
            cfg,
            cache: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &AbcConfig {
        &self.cfg
    }

    /// Runs of the binary so far (cache hits excluded): the evaluation budget spent.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn synthesize(&self, circuit: &Circuit, recipe: &Recipe) -> Result<SynthStats, AbcError> {
        let key = (circuit.hash(), recipe.clone());
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            let mut hit = hit;
            hit.circuit = circuit.name.clone();
            return Ok(hit);
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let stats = synthesize(&self.cfg, circuit, recipe)?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, stats.clone());
        }
        Ok(stats)
    }
}

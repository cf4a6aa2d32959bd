//! A Timeloop mapping: per storage level, temporal and spatial loop factors in loop order and which
//! data spaces the level keeps (bypass). Read from a mapping YAML (`mapping:` directives) or from a
//! `timeloop-*.map.txt` loop-nest printout, and turned into the flat loop nest the analysis walks.

use std::path::Path;

use serde_yaml_ng::Value;

use super::error::AccelError;
use super::spec::{get, read_yaml, scalar, strip_range, Arch, Problem};

/// One loop: a problem dimension, its trip count, and whether it is spread over space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loop {
    pub dim: usize,
    pub end: i64,
    pub spatial: bool,
    /// For a spatial loop: along the X axis of the mesh (else Y).
    pub x: bool,
}

/// What one storage level does: its loops from outer to inner (temporal, then spatial) and the
/// data spaces it keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelMapping {
    pub temporal: Vec<Loop>,
    pub spatial: Vec<Loop>,
    pub keep: Vec<bool>,
}

/// A whole mapping, storage levels innermost first (the same order as [`Arch::storage`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    pub levels: Vec<LevelMapping>,
}

/// The flat loop nest the analysis walks: innermost loop first, with the index of the outermost
/// loop of every storage level (a storage "boundary").
#[derive(Clone, Debug, PartialEq)]
pub struct Nest {
    pub loops: Vec<Loop>,
    pub boundaries: Vec<usize>,
}

impl Mapping {
    pub fn empty(arch: &Arch, prob: &Problem) -> Mapping {
        Mapping {
            levels: arch
                .storage
                .iter()
                .map(|_| LevelMapping {
                    temporal: Vec::new(),
                    spatial: Vec::new(),
                    keep: vec![true; prob.data_spaces.len()],
                })
                .collect(),
        }
    }

    /// Checks that the factors of every dimension multiply to its bound and that spatial
    /// factors fit the fan-out.
    pub fn validate(&self, path: &str, arch: &Arch, prob: &Problem) -> Result<(), AccelError> {
        for (d, name) in prob.dims.iter().enumerate() {
            let product: i64 = self
                .levels
                .iter()
                .flat_map(|l| l.temporal.iter().chain(l.spatial.iter()))
                .filter(|l| l.dim == d)
                .map(|l| l.end)
                .product();
            if product != prob.bounds[d] {
                return Err(AccelError::mapping(
                    path,
                    format!(
                        "the factors of {name} multiply to {product}, but the problem has {name}={}",
                        prob.bounds[d]
                    ),
                ));
            }
        }
        for (i, l) in self.levels.iter().enumerate() {
            let (fx, fy) = arch.fanout_xy(i);
            let sx: i64 = l.spatial.iter().filter(|s| s.x).map(|s| s.end).product();
            let sy: i64 = l.spatial.iter().filter(|s| !s.x).map(|s| s.end).product();
            let over = sx as u64 > fx || sy as u64 > fy;
            if over && ((sx * sy) as u64 > fx * fy || fx * fy == 1) {
                {
                    return Err(AccelError::mapping(
                        path,
                        format!(
                            "spatial factors at {} ({sx} in X, {sy} in Y) exceed its fan-out ({fx} x {fy})",
                            arch.storage[i].name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The loop nest (innermost first). A level without temporal loops gets one of trip count 1,
    /// as Timeloop prints it, so every level has a boundary loop.
    pub fn nest(&self) -> Nest {
        let mut outer_first: Vec<Loop> = Vec::new();
        let mut outer_boundaries = Vec::new();
        for l in self.levels.iter().rev() {
            outer_boundaries.push(outer_first.len());
            let temporal: Vec<Loop> = l.temporal.iter().filter(|x| x.end > 1).copied().collect();
            if temporal.is_empty() {
                let dim = l.temporal.last().map(|x| x.dim).unwrap_or(0);
                outer_first.push(Loop {
                    dim,
                    end: 1,
                    spatial: false,
                    x: false,
                });
            } else {
                outer_first.extend(temporal);
            }
            outer_first.extend(l.spatial.iter().filter(|x| x.end > 1).copied());
        }
        let n = outer_first.len();
        let mut boundaries: Vec<usize> = outer_boundaries.iter().map(|&b| n - 1 - b).collect();
        boundaries.reverse();
        outer_first.reverse();
        Nest {
            loops: outer_first,
            boundaries,
        }
    }
}

fn dims_of(prob: &Problem, text: &str, path: &str, key: &str) -> Result<Vec<usize>, AccelError> {
    let single = prob.dims.iter().all(|d| d.chars().count() == 1);
    let names: Vec<String> = if single && !text.contains(' ') {
        text.chars().map(|c| c.to_string()).collect()
    } else {
        text.split_whitespace().map(str::to_string).collect()
    };
    names
        .iter()
        .map(|n| {
            prob.dim_index(n).ok_or_else(|| {
                AccelError::invalid(
                    path,
                    key,
                    n,
                    &format!("a problem dimension ({})", prob.dims.join(", ")),
                )
            })
        })
        .collect()
}

fn ds_names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Reads a mapping YAML (`mapping:` as a list of target/type/factors/permutation directives).
pub fn load_mapping(path: &Path, arch: &Arch, prob: &Problem) -> Result<Mapping, AccelError> {
    let v = read_yaml(path)?;
    mapping_from_yaml(&path.display().to_string(), &v, arch, prob)
}

pub fn mapping_from_yaml(
    path: &str,
    root: &Value,
    arch: &Arch,
    prob: &Problem,
) -> Result<Mapping, AccelError> {
    let list = get(root, "mapping").ok_or_else(|| AccelError::missing(path, "mapping"))?;
    let list = list
        .as_sequence()
        .ok_or_else(|| AccelError::invalid(path, "mapping", "", "a list of directives"))?;
    let mut m = Mapping::empty(arch, prob);
    for d in list {
        let target = get(d, "target")
            .and_then(scalar)
            .ok_or_else(|| AccelError::missing(path, "mapping[].target"))?;
        let level = arch.storage_index(&strip_range(&target).0).ok_or_else(|| {
            AccelError::invalid(
                path,
                "mapping[].target",
                &target,
                &format!(
                    "a storage level ({})",
                    arch.storage
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let kind = get(d, "type").and_then(scalar).unwrap_or_default();
        match kind.as_str() {
            "temporal" | "spatial" => {
                let key = format!("mapping.{target}.{kind}.factors");
                let ftext = get(d, "factors").and_then(scalar).unwrap_or_default();
                let mut factors = vec![1i64; prob.dims.len()];
                for f in ftext.split_whitespace() {
                    let (dn, val) = f
                        .split_once('=')
                        .ok_or_else(|| AccelError::invalid(path, &key, f, "DIM=FACTOR"))?;
                    let di = prob.dim_index(dn).ok_or_else(|| {
                        AccelError::invalid(
                            path,
                            &key,
                            dn,
                            &format!("a problem dimension ({})", prob.dims.join(", ")),
                        )
                    })?;
                    let v: i64 =
                        val.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
                            AccelError::invalid(path, &key, f, "a positive factor")
                        })?;
                    factors[di] = v;
                }
                let pkey = format!("mapping.{target}.{kind}.permutation");
                let ptext = get(d, "permutation").and_then(scalar).unwrap_or_default();
                let mut perm = dims_of(prob, &ptext, path, &pkey)?;
                for i in 0..prob.dims.len() {
                    if !perm.contains(&i) {
                        perm.push(i);
                    }
                }
                let split = get(d, "split")
                    .and_then(scalar)
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(perm.len());
                // The permutation lists the innermost loop first.
                let loops: Vec<Loop> = perm
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, &dim)| Loop {
                        dim,
                        end: factors[dim],
                        spatial: kind == "spatial",
                        x: i < split,
                    })
                    .collect();
                if kind == "spatial" {
                    m.levels[level].spatial = loops;
                } else {
                    m.levels[level].temporal = loops;
                }
            }
            "bypass" | "datatype" => {
                for (name, keep) in ds_names(get(d, "keep"))
                    .into_iter()
                    .map(|n| (n, true))
                    .chain(ds_names(get(d, "bypass")).into_iter().map(|n| (n, false)))
                {
                    let i = prob
                        .data_spaces
                        .iter()
                        .position(|ds| ds.name == name)
                        .ok_or_else(|| {
                            AccelError::invalid(
                                path,
                                &format!("mapping.{target}.keep/bypass"),
                                &name,
                                "a data space of the problem",
                            )
                        })?;
                    m.levels[level].keep[i] = keep;
                }
            }
            other => {
                return Err(AccelError::invalid(
                    path,
                    &format!("mapping.{target}.type"),
                    other,
                    "temporal, spatial, bypass or datatype",
                ))
            }
        }
    }
    Ok(m)
}

/// Reads the loop nest Timeloop prints (`timeloop-model.map.txt`, `timeloop-mapper.map.txt`):
/// `LEVEL [ Weights:N ... ]` headers with the kept data spaces, then `for D in [0:N)` loops,
/// outermost first, `(Spatial-X)`/`(Spatial-Y)` for spatial ones.
pub fn mapping_from_map_txt(
    path: &str,
    text: &str,
    arch: &Arch,
    prob: &Problem,
) -> Result<Mapping, AccelError> {
    let mut m = Mapping::empty(arch, prob);
    let mut cur: Option<usize> = None;
    for (ln, line) in text.lines().enumerate() {
        let t = line.trim_start_matches(|c: char| c == '|' || c.is_whitespace());
        let t = t.trim_end();
        if t.is_empty() || t.starts_with('-') {
            continue;
        }
        let err = |detail: String| AccelError::Syntax {
            path: path.to_string(),
            line: ln + 1,
            detail,
        };
        if let Some(rest) = t.strip_prefix("for ") {
            let level = cur.ok_or_else(|| err("a loop before any level header".into()))?;
            let (dn, rest) = rest
                .split_once(" in [")
                .ok_or_else(|| err(format!("cannot read loop `{t}`")))?;
            let (range, tail) = rest
                .split_once(')')
                .ok_or_else(|| err(format!("cannot read loop `{t}`")))?;
            let (lo, hi) = range
                .split_once(':')
                .ok_or_else(|| err(format!("cannot read loop range `{range}`")))?;
            let lo: i64 = lo
                .trim()
                .parse()
                .map_err(|_| err(format!("bad bound `{lo}`")))?;
            let hi: i64 = hi
                .trim()
                .parse()
                .map_err(|_| err(format!("bad bound `{hi}`")))?;
            let dim = prob
                .dim_index(dn.trim())
                .ok_or_else(|| err(format!("unknown dimension `{dn}`")))?;
            let spatial = tail.contains("Spatial");
            let l = Loop {
                dim,
                end: hi - lo,
                spatial,
                x: tail.contains("Spatial-X"),
            };
            if spatial {
                m.levels[level].spatial.push(l);
            } else {
                m.levels[level].temporal.push(l);
            }
        } else if let Some((name, rest)) = t.split_once(" [") {
            let level = arch
                .storage_index(name.trim())
                .ok_or_else(|| err(format!("unknown storage level `{}`", name.trim())))?;
            let inside = rest.trim_end_matches(']').trim();
            let kept: Vec<&str> = inside
                .split_whitespace()
                .filter_map(|kv| kv.split_once(':').map(|(k, _)| k))
                .collect();
            for (i, ds) in prob.data_spaces.iter().enumerate() {
                m.levels[level].keep[i] = kept.contains(&ds.name.as_str());
            }
            cur = Some(level);
        } else {
            return Err(err(format!("cannot read `{t}`")));
        }
    }
    Ok(m)
}

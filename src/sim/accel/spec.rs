//! Timeloop v3 inputs: the problem (dimensions, data-space projections), the architecture tree
//! (v0.2/v0.3 `subtree`/`local` YAML flattened to storage levels and the arithmetic level) and the
//! Accelergy ERT/ART tables Timeloop reads for energy and area. Parsing is separate from the model
//! so a design-space environment can build these structs directly without any YAML.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml_ng::Value;

use super::error::AccelError;

/// A tensor of the problem and how the iteration space projects onto it.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpace {
    pub name: String,
    /// One entry per tensor dimension: a sum of `coefficient * problem-dimension` terms.
    pub projection: Vec<Vec<(i64, usize)>>,
    /// Outputs: written by the arithmetic (partial sums), not only read.
    pub read_write: bool,
}

/// A problem: named dimensions with bounds, and the data spaces over them.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub name: String,
    pub dims: Vec<String>,
    pub bounds: Vec<i64>,
    pub data_spaces: Vec<DataSpace>,
}

impl Problem {
    pub fn dim_index(&self, name: &str) -> Option<usize> {
        self.dims.iter().position(|d| d == name)
    }

    /// Number of multiply-accumulates (the volume of the iteration space).
    pub fn macs(&self) -> u64 {
        self.bounds.iter().map(|&b| b as u64).product()
    }

    /// Number of elements of data space `ds` (its bounding box, as Timeloop counts it).
    pub fn data_space_size(&self, ds: usize) -> u64 {
        self.data_spaces[ds]
            .projection
            .iter()
            .map(|terms| {
                let hi: i64 = terms.iter().map(|&(c, d)| c * (self.bounds[d] - 1)).sum();
                (hi + 1) as u64
            })
            .product()
    }
}

/// One storage level (innermost first in [`Arch::storage`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StorageLevel {
    pub name: String,
    pub class: String,
    pub instances: u64,
    pub mesh_x: u64,
    /// Capacity in words; `None` for unbounded (DRAM).
    pub size: Option<u64>,
    pub word_bits: u64,
    pub block_size: u64,
    pub cluster_size: u64,
    pub read_bandwidth: Option<f64>,
    pub write_bandwidth: Option<f64>,
    pub shared_bandwidth: Option<f64>,
    pub multiple_buffering: f64,
    /// Energy of one vector (block) access in pJ, from the ERT.
    pub vector_access_energy: f64,
    /// Area of one instance in um^2, from the ART.
    pub area: f64,
}

/// The arithmetic level (MACs).
#[derive(Clone, Debug, PartialEq)]
pub struct ArithLevel {
    pub name: String,
    pub instances: u64,
    pub mesh_x: u64,
    pub word_bits: u64,
    /// Energy of one MAC in pJ (ERT `mac_random`, or the first of Timeloop's fallbacks).
    pub energy_per_op: f64,
    pub area: f64,
}

/// The architecture: storage levels from the innermost (next to the MACs) to the outermost.
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    pub storage: Vec<StorageLevel>,
    pub arith: ArithLevel,
}

impl Arch {
    pub fn storage_index(&self, name: &str) -> Option<usize> {
        self.storage.iter().position(|s| s.name == name)
    }

    /// Physical fan-out from storage level `i` to its children, as (X, Y).
    pub fn fanout_xy(&self, i: usize) -> (u64, u64) {
        let (ci, cx) = if i == 0 {
            (self.arith.instances, self.arith.mesh_x)
        } else {
            (self.storage[i - 1].instances, self.storage[i - 1].mesh_x)
        };
        let (pi, px) = (self.storage[i].instances, self.storage[i].mesh_x);
        let cy = ci / cx.max(1);
        let py = pi / px.max(1);
        ((cx / px.max(1)).max(1), (cy / py.max(1)).max(1))
    }

    pub fn fanout(&self, i: usize) -> u64 {
        let (x, y) = self.fanout_xy(i);
        x * y
    }
}

pub(crate) fn read_yaml(path: &Path) -> Result<Value, AccelError> {
    let text = std::fs::read_to_string(path).map_err(|source| AccelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_yaml(&path.display().to_string(), &text)
}

pub(crate) fn parse_yaml(name: &str, text: &str) -> Result<Value, AccelError> {
    serde_yaml_ng::from_str(text).map_err(|e| AccelError::Yaml {
        path: name.to_string(),
        detail: e.to_string(),
    })
}

pub(crate) fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

/// A scalar as text (YAML numbers and strings alike), for names and messages.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn seq<'a>(path: &str, v: &'a Value, key: &str) -> Result<&'a Vec<Value>, AccelError> {
    v.as_sequence()
        .ok_or_else(|| AccelError::invalid(path, key, short(v), "expected a list"))
}

fn short(v: &Value) -> String {
    let s = serde_yaml_ng::to_string(v).unwrap_or_default();
    let s = s.trim().replace('\n', " ");
    if s.len() > 60 {
        format!("{}...", &s[..60])
    } else {
        s
    }
}

/// Reads `problem:` (its `shape` and `instance`) from a Timeloop problem file.
pub fn load_problem(path: &Path) -> Result<Problem, AccelError> {
    let v = read_yaml(path)?;
    problem_from_yaml(&path.display().to_string(), &v)
}

pub fn problem_from_yaml(path: &str, root: &Value) -> Result<Problem, AccelError> {
    let p = get(root, "problem").ok_or_else(|| AccelError::missing(path, "problem"))?;
    let shape = get(p, "shape").ok_or_else(|| AccelError::missing(path, "problem.shape"))?;
    let instance =
        get(p, "instance").ok_or_else(|| AccelError::missing(path, "problem.instance"))?;
    let name = get(shape, "name").and_then(scalar).unwrap_or_default();
    let dims_v = get(shape, "dimensions")
        .ok_or_else(|| AccelError::missing(path, "problem.shape.dimensions"))?;
    let mut dims = Vec::new();
    for d in seq(path, dims_v, "problem.shape.dimensions")? {
        let d = scalar(d).ok_or_else(|| {
            AccelError::invalid(
                path,
                "problem.shape.dimensions",
                short(d),
                "a dimension name",
            )
        })?;
        dims.push(d);
    }
    let mut coefficients: BTreeMap<String, i64> = BTreeMap::new();
    if let Some(cs) = get(shape, "coefficients") {
        for c in seq(path, cs, "problem.shape.coefficients")? {
            let cname = get(c, "name")
                .and_then(scalar)
                .ok_or_else(|| AccelError::missing(path, "problem.shape.coefficients[].name"))?;
            let default = get(c, "default").and_then(as_i64).unwrap_or(1);
            coefficients.insert(cname, default);
        }
    }
    let inst = instance.as_mapping().ok_or_else(|| {
        AccelError::invalid(path, "problem.instance", short(instance), "a mapping")
    })?;
    let mut bounds = vec![1i64; dims.len()];
    for (k, v) in inst {
        let key = scalar(k).unwrap_or_default();
        let val = as_i64(v).ok_or_else(|| {
            AccelError::invalid(
                path,
                &format!("problem.instance.{key}"),
                short(v),
                "an integer",
            )
        })?;
        if let Some(i) = dims.iter().position(|d| *d == key) {
            if val < 1 {
                return Err(AccelError::invalid(
                    path,
                    &format!("problem.instance.{key}"),
                    val,
                    "a bound of at least 1",
                ));
            }
            bounds[i] = val;
        } else if let Some(c) = coefficients.get_mut(&key) {
            *c = val;
        } else {
            return Err(AccelError::invalid(
                path,
                "problem.instance",
                key,
                &format!("a dimension ({}) or coefficient", dims.join(", ")),
            ));
        }
    }
    let dss = get(shape, "data-spaces")
        .or_else(|| get(shape, "data_spaces"))
        .ok_or_else(|| AccelError::missing(path, "problem.shape.data-spaces"))?;
    let mut data_spaces = Vec::new();
    for ds in seq(path, dss, "problem.shape.data-spaces")? {
        let dname = get(ds, "name")
            .and_then(scalar)
            .ok_or_else(|| AccelError::missing(path, "problem.shape.data-spaces[].name"))?;
        let key = format!("problem.shape.data-spaces.{dname}.projection");
        let proj = get(ds, "projection").ok_or_else(|| AccelError::missing(path, &key))?;
        let mut projection = Vec::new();
        for tensor_dim in seq(path, proj, &key)? {
            let mut terms = Vec::new();
            for term in seq(path, tensor_dim, &key)? {
                let parts: Vec<String> = match term {
                    Value::Sequence(s) => s.iter().filter_map(scalar).collect(),
                    other => scalar(other).into_iter().collect(),
                };
                let (dim, coef) = match parts.as_slice() {
                    [d] => (d.clone(), 1),
                    [d, c] | [c, d] if dims.contains(d) => {
                        let cv = *coefficients.get(c).ok_or_else(|| {
                            AccelError::invalid(path, &key, c, "a declared coefficient")
                        })?;
                        (d.clone(), cv)
                    }
                    _ => {
                        return Err(AccelError::invalid(
                            path,
                            &key,
                            short(term),
                            "[DIM] or [DIM, COEFFICIENT]",
                        ))
                    }
                };
                let di = dims.iter().position(|d| *d == dim).ok_or_else(|| {
                    AccelError::invalid(
                        path,
                        &key,
                        &dim,
                        &format!("a problem dimension ({})", dims.join(", ")),
                    )
                })?;
                terms.push((coef, di));
            }
            projection.push(terms);
        }
        let read_write = get(ds, "read-write")
            .or_else(|| get(ds, "read_write"))
            .map(|v| matches!(v, Value::Bool(true)) || scalar(v).as_deref() == Some("true"))
            .unwrap_or(false);
        data_spaces.push(DataSpace {
            name: dname,
            projection,
            read_write,
        });
    }
    Ok(Problem {
        name,
        dims,
        bounds,
        data_spaces,
    })
}

/// Energy and area tables: per component (the last name of its path), per action the largest
/// energy over the action's argument variants, as Timeloop reads an ERT.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables {
    pub energy: BTreeMap<String, BTreeMap<String, f64>>,
    pub area: BTreeMap<String, f64>,
}

fn component_key(full: &str) -> String {
    let last = full.rsplit('.').next().unwrap_or(full);
    // "PE[0..167].ifmap_spad" splits on the range's dots too; take the name after the last
    // real separator.
    let name = if full.contains("..") && last.ends_with(']') {
        full.rsplit_once('[').map(|(a, _)| a).unwrap_or(full)
    } else {
        last
    };
    let name = name.rsplit('.').next().unwrap_or(name);
    strip_range(name).0
}

/// `Name[0..15]` -> ("Name", 16).
pub(crate) fn strip_range(name: &str) -> (String, u64) {
    if let Some((base, rest)) = name.split_once('[') {
        if let Some(range) = rest.strip_suffix(']') {
            if let Some((lo, hi)) = range.split_once("..") {
                if let (Ok(lo), Ok(hi)) = (lo.trim().parse::<u64>(), hi.trim().parse::<u64>()) {
                    if hi >= lo {
                        return (base.to_string(), hi - lo + 1);
                    }
                }
            }
        }
    }
    (name.to_string(), 1)
}

impl Tables {
    pub fn load(ert: Option<&Path>, art: Option<&Path>) -> Result<Tables, AccelError> {
        let mut t = Tables::default();
        if let Some(p) = ert {
            t.read_ert(&p.display().to_string(), &read_yaml(p)?)?;
        }
        if let Some(p) = art {
            t.read_art(&p.display().to_string(), &read_yaml(p)?)?;
        }
        Ok(t)
    }

    pub fn read_ert(&mut self, path: &str, root: &Value) -> Result<(), AccelError> {
        let ert = get(root, "ERT").ok_or_else(|| AccelError::missing(path, "ERT"))?;
        let tables = get(ert, "tables").ok_or_else(|| AccelError::missing(path, "ERT.tables"))?;
        for t in seq(path, tables, "ERT.tables")? {
            let name = get(t, "name")
                .and_then(scalar)
                .ok_or_else(|| AccelError::missing(path, "ERT.tables[].name"))?;
            let actions = get(t, "actions")
                .ok_or_else(|| AccelError::missing(path, &format!("ERT.tables.{name}.actions")))?;
            let entry = self.energy.entry(component_key(&name)).or_default();
            for a in seq(path, actions, "ERT.tables[].actions")? {
                let an = get(a, "name").and_then(scalar).unwrap_or_default();
                let e = get(a, "energy").and_then(as_f64).ok_or_else(|| {
                    AccelError::missing(path, &format!("ERT.tables.{name}.actions.{an}.energy"))
                })?;
                let slot = entry.entry(an).or_insert(0.0);
                *slot = slot.max(e);
            }
        }
        Ok(())
    }

    pub fn read_art(&mut self, path: &str, root: &Value) -> Result<(), AccelError> {
        let art = get(root, "ART").ok_or_else(|| AccelError::missing(path, "ART"))?;
        let tables = get(art, "tables").ok_or_else(|| AccelError::missing(path, "ART.tables"))?;
        for t in seq(path, tables, "ART.tables")? {
            let name = get(t, "name")
                .and_then(scalar)
                .ok_or_else(|| AccelError::missing(path, "ART.tables[].name"))?;
            let a = get(t, "area")
                .and_then(as_f64)
                .ok_or_else(|| AccelError::missing(path, &format!("ART.tables.{name}.area")))?;
            self.area.insert(component_key(&name), a);
        }
        Ok(())
    }

    fn max_energy(&self, comp: &str) -> f64 {
        self.energy
            .get(comp)
            .map(|m| m.values().cloned().fold(0.0, f64::max))
            .unwrap_or(0.0)
    }

    fn mac_energy(&self, comp: &str) -> f64 {
        let Some(m) = self.energy.get(comp) else {
            return 0.0;
        };
        ["mac_random", "mult_random", "mac", "mult", "compute"]
            .iter()
            .find_map(|a| m.get(*a).copied())
            .unwrap_or(0.0)
    }
}

fn attr_f64(attrs: &BTreeMap<String, Value>, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| attrs.get(*k).and_then(as_f64))
}

/// Reads `architecture:` (v0.2 or v0.3 tree) and fills energies and areas from `tables`.
pub fn load_arch(path: &Path, tables: &Tables) -> Result<Arch, AccelError> {
    let v = read_yaml(path)?;
    arch_from_yaml(&path.display().to_string(), &v, tables)
}

pub fn arch_from_yaml(path: &str, root: &Value, tables: &Tables) -> Result<Arch, AccelError> {
    let a = get(root, "architecture").ok_or_else(|| AccelError::missing(path, "architecture"))?;
    let mut comps: Vec<(String, String, u64, BTreeMap<String, Value>)> = Vec::new();
    walk(path, a, 1, &BTreeMap::new(), &mut comps)?;
    let mut storage = Vec::new();
    let mut arith = None;
    for (name, class, instances, attrs) in comps {
        let is_compute = ["mac", "compute"]
            .iter()
            .any(|c| class.to_lowercase().contains(c));
        let mesh_x = attr_f64(&attrs, &["meshX", "mesh_x"])
            .map(|x| x as u64)
            .unwrap_or(instances)
            .max(1);
        let word_bits = attr_f64(&attrs, &["word-bits", "word_bits", "datawidth"])
            .map(|x| x as u64)
            .unwrap_or(16);
        if is_compute {
            if arith.is_some() {
                return Err(AccelError::invalid(
                    path,
                    "architecture",
                    &name,
                    "one arithmetic level (a second was found)",
                ));
            }
            arith = Some(ArithLevel {
                energy_per_op: tables.mac_energy(&name),
                area: tables.area.get(&name).copied().unwrap_or(0.0),
                name,
                instances,
                mesh_x,
                word_bits,
            });
            continue;
        }
        let width = attr_f64(&attrs, &["width", "memory_width"]).map(|x| x as u64);
        let depth = attr_f64(&attrs, &["depth", "memory_depth"]).map(|x| x as u64);
        let block_size = attr_f64(&attrs, &["block-size", "block_size"])
            .map(|x| x as u64)
            .or_else(|| width.map(|w| (w / word_bits).max(1)))
            .unwrap_or(1)
            .max(1);
        let cluster_size = attr_f64(&attrs, &["cluster-size", "cluster_size"])
            .map(|x| x as u64)
            .or_else(|| width.map(|w| (w / (block_size * word_bits)).max(1)))
            .unwrap_or(1)
            .max(1);
        let size = depth.map(|d| d * block_size * cluster_size);
        storage.push(StorageLevel {
            vector_access_energy: tables.max_energy(&name) / cluster_size as f64,
            area: tables.area.get(&name).copied().unwrap_or(0.0),
            name,
            class,
            instances,
            mesh_x,
            size,
            word_bits,
            block_size,
            cluster_size,
            read_bandwidth: attr_f64(&attrs, &["read_bandwidth", "read-bandwidth"]),
            write_bandwidth: attr_f64(&attrs, &["write_bandwidth", "write-bandwidth"]),
            shared_bandwidth: attr_f64(&attrs, &["shared_bandwidth", "shared-bandwidth"]),
            multiple_buffering: attr_f64(&attrs, &["multiple-buffering", "multiple_buffering"])
                .unwrap_or(1.0),
        });
    }
    let arith = arith.ok_or_else(|| AccelError::missing(path, "architecture (a MAC level)"))?;
    if storage.is_empty() {
        return Err(AccelError::missing(path, "architecture (a storage level)"));
    }
    storage.reverse();
    Ok(Arch { storage, arith })
}

type Comp = (String, String, u64, BTreeMap<String, Value>);

fn walk(
    path: &str,
    node: &Value,
    mult: u64,
    inherited: &BTreeMap<String, Value>,
    out: &mut Vec<Comp>,
) -> Result<(), AccelError> {
    let mut attrs = inherited.clone();
    if let Some(m) = get(node, "attributes").and_then(|a| a.as_mapping()) {
        for (k, v) in m {
            if let Some(k) = scalar(k) {
                attrs.insert(k, v.clone());
            }
        }
    }
    if let Some(local) = get(node, "local") {
        for c in seq(path, local, "local")? {
            let raw = get(c, "name")
                .and_then(scalar)
                .ok_or_else(|| AccelError::missing(path, "local[].name"))?;
            let (name, n) = strip_range(&raw);
            let class = get(c, "class").and_then(scalar).unwrap_or_default();
            let mut cattrs = BTreeMap::new();
            if let Some(m) = get(c, "attributes").and_then(|a| a.as_mapping()) {
                for (k, v) in m {
                    if let Some(k) = scalar(k) {
                        cattrs.insert(k, v.clone());
                    }
                }
            }
            let instances = cattrs
                .get("instances")
                .and_then(as_f64)
                .map(|x| x as u64 * mult)
                .unwrap_or(n * mult);
            out.push((name, class, instances, cattrs));
        }
    }
    if let Some(sub) = get(node, "subtree") {
        for s in seq(path, sub, "subtree")? {
            let raw = get(s, "name").and_then(scalar).unwrap_or_default();
            let (_, n) = strip_range(&raw);
            walk(path, s, mult * n, &attrs, out)?;
        }
    }
    Ok(())
}

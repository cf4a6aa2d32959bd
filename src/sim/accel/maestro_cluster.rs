//! MAESTRO's split of a layer's dataflow into cluster levels (its `ClusterAnalysis` and
//! `ClusterUnit`): directives completed per level (inherited, unrolled, input-centric, outer
//! stride applied), each level's tile dimensions and its mapping sizes, so the cost engine in
//! `maestro_model` can walk the levels as MAESTRO does. Its quirks are kept on purpose: the
//! goal is MAESTRO's numbers, not a corrected model.

use super::error::AccelError;
use super::maestro::{Directive, Extent, Layer};

/// Dimension slots. The first seven are in MAESTRO's sorted order of input-tensor variables
/// (it sorts names with `std::list::sort`), which decides where unrolled directives go.
pub(crate) const C: usize = 0;
pub(crate) const K: usize = 1;
pub(crate) const N: usize = 2;
pub(crate) const R: usize = 3;
pub(crate) const S: usize = 4;
pub(crate) const X: usize = 5;
pub(crate) const Y: usize = 6;
pub(crate) const XP: usize = 7;
pub(crate) const YP: usize = 8;
pub(crate) const NDIMS: usize = 9;
const NAMES: [&str; NDIMS] = ["C", "K", "N", "R", "S", "X", "Y", "X'", "Y'"];

pub(crate) fn dim_name(d: usize) -> &'static str {
    NAMES[d]
}

/// X slides over S and Y over R (MAESTRO's `ConfigConvOverlapDimensions`, the same at every
/// level); `None` for a dimension outside a pair.
pub(crate) fn counterpart(d: usize) -> Option<usize> {
    match d {
        X => Some(S),
        S => Some(X),
        Y => Some(R),
        R => Some(Y),
        _ => None,
    }
}

pub(crate) fn is_reference(d: usize) -> bool {
    d == X || d == Y
}

/// A dimension table: size and outer stride per slot, `None` when the level has no such
/// dimension (MAESTRO terminates on a lookup of a missing one; we return an error).
#[derive(Clone, Debug, Default)]
pub(crate) struct Dims {
    pub size: [Option<i64>; NDIMS],
    pub stride: [i64; NDIMS],
}

impl Dims {
    pub fn get(&self, d: usize) -> Result<i64, AccelError> {
        self.size[d].ok_or_else(|| model_err(format!("dimension {} is missing", NAMES[d])))
    }

    /// MAESTRO's `AddDimension` is a map insert: an existing entry is kept.
    pub fn add(&mut self, d: usize, size: i64, stride: i64) {
        if self.size[d].is_none() {
            self.size[d] = Some(size);
            self.stride[d] = stride;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dir {
    pub spatial: bool,
    pub size: i64,
    pub ofs: i64,
    pub var: usize,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Noc {
    pub bw: i64,
    pub latency: i64,
}

impl Noc {
    /// `NetworkOnChipModel::GetOutStandingDelay`: head latency plus one cycle per further send.
    pub fn delay(&self, amount: i64) -> i64 {
        let sends = if amount % self.bw != 0 {
            amount / self.bw + 1
        } else {
            amount / self.bw
        };
        self.latency + sends - 1
    }
}

/// Per-dimension mapping sizes of one level (`ReuseAnalysis`'s maps); a dimension the level
/// does not map reads as 0, as `std::map::operator[]` does.
#[derive(Clone, Debug, Default)]
pub(crate) struct Maps {
    pub mapped: [i64; NDIMS],
    pub mapped_edge: [i64; NDIMS],
    pub unique: [i64; NDIMS],
    pub unique_edge: [i64; NDIMS],
    pub has: [bool; NDIMS],
}

#[derive(Clone, Debug)]
pub(crate) struct ClusterUnit {
    /// Number of sub-clusters (PEs at the innermost level).
    pub size: i64,
    pub edge_clusters: i64,
    pub df: Vec<Dir>,
    pub dims: Dims,
    pub noc: Noc,
    pub maps: Maps,
    /// Index of the first SpatialMap in `df`.
    pub first_spatial: usize,
}

impl ClusterUnit {
    pub fn find(&self, var: usize) -> Option<&Dir> {
        self.df.iter().find(|d| d.var == var)
    }
}

pub(crate) fn model_err(detail: String) -> AccelError {
    AccelError::Mapping {
        path: "MAESTRO model".into(),
        detail,
    }
}

pub(crate) fn dim_index(path: &str, layer: &str, name: &str) -> Result<usize, AccelError> {
    NAMES.iter().position(|n| *n == name).ok_or_else(|| {
        AccelError::invalid(
            path,
            &format!("{layer}.Dimensions"),
            name,
            "a CONV/DSCONV dimension (N, K, C, R, S, Y, X, Y', X')",
        )
    })
}

/// The layer's full dimension table, with the output (or input) rows/columns MAESTRO derives
/// (`ConstructConvDimensionTable`: `Y' = Y - R + 1`, strides not applied here).
pub(crate) fn full_dims(path: &str, layer: &Layer) -> Result<Dims, AccelError> {
    let mut dims = Dims::default();
    for (name, size) in &layer.dims {
        let d = dim_index(path, &layer.name, name)?;
        let stride = match d {
            X | XP => layer.stride.0 as i64,
            Y | YP => layer.stride.1 as i64,
            _ => 1,
        };
        dims.add(d, *size as i64, stride);
    }
    let need = |dims: &Dims, d: usize| {
        dims.size[d].ok_or_else(|| {
            AccelError::missing(path, &format!("{}.Dimensions.{}", layer.name, NAMES[d]))
        })
    };
    for (i, o, f) in [(X, XP, S), (Y, YP, R)] {
        match (dims.size[i], dims.size[o]) {
            (Some(v), None) => {
                let fs = need(&dims, f)?;
                let st = dims.stride[i];
                dims.add(o, v - fs + 1, st);
            }
            (None, Some(v)) => {
                let fs = need(&dims, f)?;
                let st = dims.stride[o];
                dims.add(i, v + fs - 1, st);
            }
            _ => {}
        }
    }
    Ok(dims)
}

fn resolve(path: &str, layer: &Layer, e: &Extent) -> Result<i64, AccelError> {
    match e {
        Extent::Num(v) => Ok(*v as i64),
        Extent::SizeOf(d) => layer.dim(d).map(|v| v as i64).ok_or_else(|| {
            AccelError::invalid(
                path,
                &format!("{}.Dataflow", layer.name),
                format!("Sz({d})"),
                "a dimension of the layer",
            )
        }),
    }
}

/// The layer's directives with `Sz(..)` resolved, clusters as `None` markers carrying a size.
pub(crate) enum Item {
    Map(Dir),
    Cluster(i64),
}

pub(crate) fn resolve_dataflow(
    path: &str,
    layer: &Layer,
    dataflow: &[Directive],
) -> Result<Vec<Item>, AccelError> {
    let mut out = Vec::with_capacity(dataflow.len() + 1);
    for d in dataflow {
        out.push(match d {
            Directive::SpatialMap { size, offset, dim }
            | Directive::TemporalMap { size, offset, dim } => {
                let var = dim_index(path, &layer.name, dim)?;
                let (size, ofs) = (resolve(path, layer, size)?, resolve(path, layer, offset)?);
                if size <= 0 || ofs <= 0 {
                    return Err(AccelError::invalid(
                        path,
                        &format!("{}.Dataflow.{dim}", layer.name),
                        format!("({size},{ofs})"),
                        "positive map size and offset",
                    ));
                }
                Item::Map(Dir {
                    spatial: matches!(d, Directive::SpatialMap { .. }),
                    size,
                    ofs,
                    var,
                })
            }
            Directive::Cluster { size, .. } => {
                let s = resolve(path, layer, size)?;
                if s <= 0 {
                    return Err(AccelError::invalid(
                        path,
                        &format!("{}.Dataflow.Cluster", layer.name),
                        s,
                        "a positive cluster size",
                    ));
                }
                Item::Cluster(s)
            }
        });
    }
    Ok(out)
}

/// `ClusterAnalysis::ConvertToInputCentric`: an output-row/column map becomes an input one when
/// the level has no input map for it (R/S sizes from this level's maps).
fn to_input_centric(df: &mut [Dir]) -> Result<(), AccelError> {
    let size_of = |df: &[Dir], v: usize| df.iter().rev().find(|d| d.var == v).map(|d| d.size);
    for (i, o, f) in [(X, XP, S), (Y, YP, R)] {
        if size_of(df, i).is_none() {
            if let Some(pos) = df.iter().position(|d| d.var == o) {
                let fs = size_of(df, f).ok_or_else(|| {
                    model_err(format!("{} is mapped without a map of {} in the same cluster level (MAESTRO reads an uninitialised size here)", NAMES[o], NAMES[f]))
                })?;
                df[pos].var = i;
                df[pos].size += fs - 1;
            }
        }
    }
    Ok(())
}

/// `DirectiveTable::ConvertToInputCentric` (run again by every `ClusterUnit`): converts any
/// output map left, even beside an input map of the same axis.
fn to_input_centric_table(df: &mut [Dir]) {
    let mut fs = [0i64; 2];
    for d in df.iter() {
        if d.var == S {
            fs[0] = d.size;
        } else if d.var == R {
            fs[1] = d.size;
        }
    }
    for d in df.iter_mut() {
        if d.var == XP {
            d.var = X;
            d.size += fs[0] - 1;
        } else if d.var == YP {
            d.var = Y;
            d.size += fs[1] - 1;
        }
    }
}

fn apply_outer_stride(
    is_top: bool,
    df: &mut [Dir],
    dims: &Dims,
    full: &Dims,
) -> Result<(), AccelError> {
    for i in 0..df.len() {
        let var = df[i].var;
        let stride = dims.size[var]
            .map(|_| dims.stride[var])
            .ok_or_else(|| model_err(format!("dimension {} is missing", NAMES[var])))?;
        if is_reference(var) && stride != 1 {
            let sliding = counterpart(var).unwrap_or(var);
            let sl = full.get(sliding)?;
            let (map, _) = (df[i].size, df[i].ofs);
            if map >= sl {
                let out_map = (map + stride - sl) / stride;
                let adj_map = out_map * stride.min(sl) + (sl - stride).max(0);
                let mut adj_ofs = out_map * stride;
                if !is_top && sl < stride {
                    adj_ofs = out_map * sl;
                }
                // MAESTRO edits the first directive of this variable (GetDirectiveIdx).
                let j = df.iter().position(|d| d.var == var).unwrap_or(i);
                df[j].size = adj_map;
                df[j].ofs = adj_ofs;
            }
        }
    }
    Ok(())
}

/// Mapping sizes of a level (`ReuseAnalysis::AnalyzeInputMappingSizes` and
/// `AnalyzeOutputMappingSizes`).
fn mapping_sizes(df: &[Dir], dims: &Dims) -> Result<Maps, AccelError> {
    let mut m = Maps::default();
    for d in df {
        let v = d.var;
        let (map, ofs, dim) = (d.size, d.ofs, dims.get(v)?);
        let steady = ((dim - map) / ofs).max(0);
        let has_edge = steady * ofs + map < dim || map > dim;
        m.has[v] = true;
        m.mapped[v] = map;
        m.unique[v] = map.min(ofs);
        if !d.spatial && dim <= map {
            m.unique[v] = 0;
        }
        let mut edge_map = dim - (steady + 1) * ofs;
        if edge_map < 0 {
            edge_map = dim;
        }
        let oob = map - edge_map;
        m.mapped_edge[v] = if has_edge { edge_map } else { map };
        m.unique_edge[v] = (ofs - oob).max(0);
    }
    for d in df {
        if is_reference(d.var) {
            let (sl, out) = if d.var == Y { (R, YP) } else { (S, XP) };
            m.has[out] = true;
            m.mapped[out] = m.mapped[d.var] - m.mapped[sl] + 1;
            m.unique[out] = d.ofs.min(d.size);
            m.mapped_edge[out] = m.mapped_edge[d.var] - m.mapped_edge[sl] + 1;
            m.unique_edge[out] = d.ofs.min(m.mapped_edge[out]);
        }
    }
    Ok(m)
}

/// `ClusterUnit::AnalyzeSpatialEdgeCase`: sub-clusters active in the spatial edge iteration.
fn spatial_edge_clusters(
    df: &[Dir],
    first_sp: usize,
    size: i64,
    dims: &Dims,
) -> Result<i64, AccelError> {
    let sp = df[first_sp];
    let dim = dims.get(sp.var)?;
    let (map, ofs) = (sp.size, sp.ofs);
    let full = ofs * (size - 1) + map;
    let mut ec;
    if dim > full {
        let steady = ((dim - map) / ofs + 1) / size - 1;
        let remaining = dim - (steady + 1) * ofs * size;
        ec = if remaining < map {
            1
        } else {
            (remaining - map) / ofs + 1
        };
    } else if dim > map {
        ec = (dim - map) / ofs + 1;
        if ofs * (ec - 1) + map < dim {
            ec += 1;
        }
    } else {
        ec = 1;
    }
    if dim <= map {
        ec = 1;
    }
    Ok(ec)
}

/// The levels of a layer, outermost first (MAESTRO's cluster table order).
pub(crate) fn build_clusters(
    items: Vec<Item>,
    full: &Dims,
    input_vars: &[usize],
    num_pes: i64,
    noc: Noc,
) -> Result<Vec<ClusterUnit>, AccelError> {
    let explicit: Vec<i64> = items
        .iter()
        .filter_map(|i| {
            if let Item::Cluster(s) = i {
                Some(*s)
            } else {
                None
            }
        })
        .collect();
    if explicit.len() > 3 {
        return Err(model_err(format!(
            "{} Cluster levels; MAESTRO has NoCs for at most 3",
            explicit.len()
        )));
    }
    let uppermost: i64 = explicit.iter().product();
    let last = explicit.last().copied().unwrap_or(num_pes);
    let num_unit = uppermost * (num_pes / uppermost);
    if num_unit == 0 {
        return Err(model_err(format!(
            "{num_pes} PEs cannot hold one cluster of {uppermost}"
        )));
    }
    let mut levels = Vec::with_capacity(explicit.len() + 1);
    let mut cur: Vec<Dir> = Vec::new();
    let mut prev: Option<Vec<Dir>> = None;
    let mut dims = full.clone();
    let mut last_size = num_unit;
    let n_lv = explicit.len();
    let mut level = n_lv as i64;
    let tail = std::iter::once(Item::Cluster(last));
    for item in items.into_iter().chain(tail) {
        let csize = match item {
            Item::Map(d) => {
                cur.push(d);
                continue;
            }
            Item::Cluster(s) => s,
        };
        to_input_centric(&mut cur)?;
        if let Some(p) = &prev {
            for up in p {
                if !cur.iter().any(|d| d.var == up.var) {
                    cur.insert(
                        0,
                        Dir {
                            spatial: false,
                            ..*up
                        },
                    );
                }
            }
        }
        for &v in input_vars {
            if !cur.iter().any(|d| d.var == v) {
                if let Some(sz) = dims.size[v] {
                    cur.push(Dir {
                        spatial: false,
                        size: sz,
                        ofs: sz,
                        var: v,
                    });
                }
            }
        }
        let is_top = level == n_lv as i64;
        apply_outer_stride(is_top, &mut cur, &dims, full)?;
        let size = if is_top {
            num_unit / uppermost
        } else {
            last_size
        };
        to_input_centric_table(&mut cur);
        let sps: Vec<usize> = cur
            .iter()
            .enumerate()
            .filter(|(_, d)| d.spatial)
            .map(|(i, _)| i)
            .collect();
        let first_spatial = *sps
            .first()
            .ok_or_else(|| model_err(format!("cluster level {level} has no SpatialMap")))?;
        if sps.len() > 2 {
            return Err(model_err(format!(
                "cluster level {level} has more than two SpatialMaps"
            )));
        }
        let maps = mapping_sizes(&cur, &dims)?;
        let edge_clusters = spatial_edge_clusters(&cur, first_spatial, size, &dims)?;
        levels.push(ClusterUnit {
            size,
            edge_clusters,
            df: cur.clone(),
            dims: dims.clone(),
            noc,
            maps,
            first_spatial,
        });
        last_size = csize;
        let mut lower = Dims::default();
        for &v in input_vars {
            let d = cur
                .iter()
                .find(|d| d.var == v)
                .ok_or_else(|| model_err(format!("no map of {}", NAMES[v])))?;
            let sz = d.size.min(dims.get(v)?);
            lower.add(v, sz, dims.stride[v]);
        }
        dims = lower;
        prev = Some(std::mem::take(&mut cur));
        level -= 1;
    }
    Ok(levels)
}

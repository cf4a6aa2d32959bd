//! MAESTRO's reuse analysis (`CA::ReuseAnalysis`): for one cluster level and one iteration
//! case, the data volumes a tensor moves into (ingress) or out of (egress) the sub-clusters,
//! the partial sums on the critical path, and the tile each sub-cluster sees next. Each
//! function mirrors the MAESTRO function of the same role, quirks included, because the
//! model's purpose is to give MAESTRO's numbers.

use super::error::AccelError;
use super::maestro_cluster::{model_err, ClusterUnit, Dims, NDIMS, R, S, X, XP, Y, YP};

#[derive(Clone, Debug)]
pub(crate) struct Tensor {
    /// 0 input, 1 filter (weight), 2 output: MAESTRO's `DataClass` order.
    pub class: usize,
    pub vars: Vec<usize>,
}

impl Tensor {
    fn coupled(&self, v: usize) -> bool {
        self.vars.contains(&v)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pos {
    Init,
    Steady,
    Edge,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct State {
    pub var: usize,
    pub pos: Pos,
    pub n: i64,
    pub unrolled: bool,
    pub init_edge: bool,
    pub sp_edge_edge: bool,
}

impl State {
    pub fn is_edge(&self) -> bool {
        self.pos == Pos::Edge || self.init_edge
    }
}

/// One iteration case: a state per dimension (a map keyed by the variable, as MAESTRO's, so a
/// variable mapped twice keeps its last directive's state) and how often the case occurs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Case {
    pub states: [Option<State>; NDIMS],
    pub occ: i64,
}

impl Case {
    pub fn get(&self, v: usize) -> Result<State, AccelError> {
        self.states[v].ok_or_else(|| {
            model_err(format!(
                "no iteration state for {}",
                super::maestro_cluster::dim_name(v)
            ))
        })
    }

    pub fn all_init(&self) -> bool {
        self.states.iter().flatten().all(|s| s.pos == Pos::Init)
    }
}

pub(crate) fn mapped_volume(cl: &ClusterUnit, t: &Tensor) -> i64 {
    t.vars
        .iter()
        .filter(|&&v| cl.maps.has[v])
        .map(|&v| cl.maps.mapped[v])
        .product()
}

fn pe_mapped_volume(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
    first: bool,
    ee: bool,
) -> Result<i64, AccelError> {
    let m = &cl.maps;
    let mut ret = 1;
    for d in &cl.df {
        let v = d.var;
        if !t.coupled(v) {
            continue;
        }
        let st = case.get(v)?;
        if !d.spatial {
            ret *= if st.is_edge() {
                m.mapped_edge[v]
            } else {
                m.mapped[v]
            };
        } else if st.is_edge() {
            let nac = cl.edge_clusters;
            if nac == 1 && (first || ee) {
                ret *= m.mapped_edge[v];
            } else if nac > 1 {
                ret *= if ee { m.mapped_edge[v] } else { m.mapped[v] };
            }
        } else {
            ret *= m.mapped[v];
        }
    }
    Ok(ret)
}

fn pe_ingress_volume(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
    first: bool,
    ee: bool,
) -> Result<i64, AccelError> {
    let m = &cl.maps;
    let mut changing: i64 = -1;
    for (i, d) in cl.df.iter().enumerate() {
        if case.get(d.var)?.pos != Pos::Init {
            changing = i as i64;
        }
    }
    if changing == -1 {
        return pe_mapped_volume(cl, t, case, first, ee);
    }
    let mut inited = false;
    for (i, d) in cl.df.iter().enumerate() {
        let st = case.get(d.var)?;
        if st.pos == Pos::Init && t.coupled(d.var) && i as i64 > changing && !st.unrolled {
            inited = true;
            break;
        }
    }
    let pick = |e: bool, a: &[i64; NDIMS], b: &[i64; NDIMS], v: usize| if e { a[v] } else { b[v] };
    let mut ret = 1;
    let mut tensor_changes = false;
    for (i, d) in cl.df.iter().enumerate() {
        let v = d.var;
        if !t.coupled(v) {
            continue;
        }
        let st = case.get(v)?;
        let is_changing = i as i64 == changing;
        let is_reset = i as i64 > changing;
        if is_changing {
            tensor_changes = true;
        }
        if !d.spatial {
            match st.pos {
                Pos::Init => ret *= pick(st.is_edge(), &m.mapped_edge, &m.mapped, v),
                Pos::Steady | Pos::Edge => {
                    if is_changing && !inited {
                        if m.unique[v] == 0 {
                            return Err(model_err(format!(
                                "no unique elements along {} (MAESTRO terminates here)",
                                super::maestro_cluster::dim_name(v)
                            )));
                        }
                        ret *= m.unique[v].max(1);
                    } else {
                        ret *= m.mapped[v];
                    }
                }
            }
        } else {
            let mapped = pick(ee, &m.mapped_edge, &m.mapped, v);
            let unique = pick(ee, &m.unique_edge, &m.unique, v);
            ret *= match st.pos {
                Pos::Init => {
                    if first || !is_reset {
                        mapped
                    } else {
                        unique
                    }
                }
                Pos::Steady | Pos::Edge => {
                    if !first && !inited && is_changing {
                        unique
                    } else {
                        mapped
                    }
                }
            };
        }
    }
    Ok(if tensor_changes { ret } else { 0 })
}

/// Whether a tensor is spatially mapped in this case, whether at the spatial edge, and the
/// spatial state MAESTRO keeps (the last one seen).
fn spatial_info(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
    all_spatial: bool,
) -> Result<(bool, bool, Option<State>), AccelError> {
    let (mut sp, mut edge, mut state) = (false, false, None);
    for &v in &t.vars {
        let d = cl.find(v).ok_or_else(|| {
            model_err(format!("no map of {}", super::maestro_cluster::dim_name(v)))
        })?;
        if d.spatial {
            sp = true;
            let st = case.get(v)?;
            state = Some(st);
            edge |= st.is_edge();
        }
    }
    if all_spatial {
        for d in cl.df.iter().filter(|d| d.spatial) {
            let st = case.get(d.var)?;
            sp = true;
            state = Some(st);
            edge |= st.is_edge();
        }
    }
    Ok((sp, edge, state))
}

/// Spreads a per-PE volume over the sub-clusters of a spatially mapped tensor as MAESTRO's
/// `GetSpatialIngressTraffic`/`GetSpatialEgressTraffic` do; `f(first_pe, edge_edge_pe)`.
fn over_subclusters(
    cl: &ClusterUnit,
    edge: bool,
    state: Option<State>,
    f: &mut dyn FnMut(bool, bool) -> Result<i64, AccelError>,
) -> Result<i64, AccelError> {
    let (nc, ne) = (cl.size, cl.edge_clusters);
    if !edge {
        return Ok(f(true, false)? + (nc - 1) * f(false, false)?);
    }
    let hee = state.map(|s| s.sp_edge_edge).unwrap_or(false);
    let mut ret = if ne == 1 && hee {
        f(true, true)?
    } else {
        f(true, false)?
    };
    if ne > 1 {
        let nee = i64::from(hee);
        let full = (ne - nee - 1).max(0);
        ret += full * f(false, false)?;
        ret += nee * f(false, true)?;
    }
    Ok(ret)
}

pub(crate) fn spatial_ingress(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
) -> Result<i64, AccelError> {
    let (sp, edge, state) = spatial_info(cl, t, case, false)?;
    if !sp {
        return pe_ingress_volume(cl, t, case, true, false);
    }
    over_subclusters(cl, edge, state, &mut |f, e| {
        pe_ingress_volume(cl, t, case, f, e)
    })
}

#[allow(clippy::too_many_arguments)]
fn pe_egress_volume(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
    psum: bool,
    first: bool,
    ee: bool,
    reuse_edge: bool,
) -> Result<i64, AccelError> {
    let m = &cl.maps;
    let nac = cl.edge_clusters;
    let mut ret = 1;
    let uniq = |ret: &mut i64, a: usize| {
        if m.unique[a] != 0 {
            *ret *= m.unique[a];
        }
    };
    if psum {
        for d in &cl.df {
            let v = d.var;
            if t.coupled(v) {
                continue;
            }
            let st = case.get(v)?;
            if !d.spatial {
                ret *= if st.is_edge() {
                    m.mapped_edge[v]
                } else {
                    m.mapped[v]
                };
                continue;
            }
            match st.pos {
                // MAESTRO's two branches here (one sub-cluster active or more) agree.
                Pos::Init if st.is_edge() && ee => {
                    ret *= m.mapped_edge[v];
                }
                Pos::Init | Pos::Steady => {
                    if first {
                        ret *= m.mapped[v];
                    } else {
                        uniq(&mut ret, v);
                    }
                }
                Pos::Edge => {
                    if nac == 1 && (first || ee) {
                        ret *= m.mapped_edge[v];
                    } else if nac > 1 {
                        if ee {
                            ret *= m.unique_edge[v];
                        } else if first {
                            ret *= m.mapped[v];
                        } else {
                            uniq(&mut ret, v);
                        }
                    }
                }
            }
        }
    }
    for &v in &t.vars {
        let d = cl.find(v).ok_or_else(|| {
            model_err(format!("no map of {}", super::maestro_cluster::dim_name(v)))
        })?;
        let st = case.get(v)?;
        let a = match v {
            Y => YP,
            X => XP,
            other => other,
        };
        if !d.spatial {
            ret *= match st.pos {
                Pos::Init if st.is_edge() => m.mapped_edge[a],
                Pos::Init | Pos::Steady => m.mapped[a],
                Pos::Edge => m.mapped_edge[a],
            };
            continue;
        }
        match st.pos {
            Pos::Init if st.is_edge() && ee => {
                if nac == 1 {
                    ret *= m.mapped_edge[a];
                } else if nac > 1 {
                    ret *= if reuse_edge {
                        m.unique_edge[a]
                    } else {
                        m.mapped_edge[a]
                    };
                }
            }
            Pos::Init | Pos::Steady => {
                if first {
                    ret *= m.mapped[a];
                } else {
                    uniq(&mut ret, a);
                }
            }
            Pos::Edge => {
                if nac == 1 && (first || ee) {
                    // MAESTRO indexes by the input-centric variable here, not the output one.
                    ret *= m.mapped_edge[v];
                } else if nac > 1 {
                    if ee {
                        ret *= m.unique_edge[a];
                    } else if first {
                        ret *= m.mapped[a];
                    } else {
                        uniq(&mut ret, a);
                    }
                }
            }
        }
    }
    Ok(ret)
}

pub(crate) fn spatial_egress(cl: &ClusterUnit, t: &Tensor, case: &Case) -> Result<i64, AccelError> {
    let (sp, edge, state) = spatial_info(cl, t, case, false)?;
    if !sp {
        return pe_egress_volume(cl, t, case, false, true, false, true);
    }
    over_subclusters(cl, edge, state, &mut |f, e| {
        pe_egress_volume(cl, t, case, false, f, e, true)
    })
}

pub(crate) fn critical_path_psums(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
) -> Result<i64, AccelError> {
    let (sp, edge, state) = spatial_info(cl, t, case, false)?;
    let hee = state.map(|s| s.sp_edge_edge).unwrap_or(false);
    let ee = sp && edge && cl.edge_clusters == 1 && hee;
    pe_egress_volume(cl, t, case, true, true, ee, true)
}

/// `GetOutputTensorSpatialMappingSize(.., for_partial_sum = true)`: the MACs of one step over
/// all sub-clusters.
pub(crate) fn output_mapping_size_psum(
    cl: &ClusterUnit,
    t: &Tensor,
    case: &Case,
) -> Result<i64, AccelError> {
    let (sp, edge, state) = spatial_info(cl, t, case, true)?;
    let nc = cl.size;
    if !sp || !edge {
        return Ok(nc * pe_egress_volume(cl, t, case, true, true, false, true)?);
    }
    let ne = cl.edge_clusters;
    let hee = state.map(|s| s.sp_edge_edge).unwrap_or(false);
    let mut ret = pe_egress_volume(cl, t, case, true, true, ne == 1 && hee, true)?;
    if ne > 1 {
        let nee = i64::from(hee);
        let full = (ne - nee - 1).max(0);
        ret += full * pe_egress_volume(cl, t, case, true, true, false, true)?;
        ret += nee * pe_egress_volume(cl, t, case, true, false, true, false)?;
    }
    Ok(ret)
}

/// `ConstructSubClusterDimension`: the tile a sub-cluster works on in this case.
pub(crate) fn subcluster_dims(cl: &ClusterUnit, case: &Case, ee: bool) -> Result<Dims, AccelError> {
    let m = &cl.maps;
    let mut ret = Dims::default();
    for d in &cl.df {
        let v = d.var;
        let st = case.get(v)?;
        let edge_sz = if cl.edge_clusters == 1 || ee {
            m.mapped_edge[v]
        } else {
            m.mapped[v]
        };
        let sz = if !d.spatial {
            if st.is_edge() {
                m.mapped_edge[v]
            } else {
                m.mapped[v]
            }
        } else {
            match st.pos {
                Pos::Init if st.is_edge() => edge_sz,
                Pos::Init | Pos::Steady => m.mapped[v],
                Pos::Edge => edge_sz,
            }
        };
        cl.dims.get(v)?;
        ret.add(v, sz, cl.dims.stride[v]);
    }
    for d in &cl.df {
        if d.var == Y {
            let o = ret.get(Y)? - ret.get(R)? + 1;
            ret.add(YP, o, 1);
        } else if d.var == X {
            let o = ret.get(X)? - ret.get(S)? + 1;
            ret.add(XP, o, 1);
        }
    }
    Ok(ret)
}

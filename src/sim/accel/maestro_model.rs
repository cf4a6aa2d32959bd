//! MAESTRO's data-centric cost model (its `CostAnalysisEngine::AnalyzeClusterLevel_V2`, the
//! iteration cases of `IterationAnalysis` and the volumes of `ReuseAnalysis`), per layer:
//! runtime in cycles, L1/L2 buffer requirements, buffer access counts, NoC and off-chip
//! bandwidth requirements and activity-count energy, with MAESTRO's meaning of its options.
//! Checked layer by layer against MAESTRO's own outputs in `tests/accel_maestro_model.rs`.

use super::error::AccelError;
use super::maestro::{Layer, Network};
use super::maestro_cluster::{self as mc, ClusterUnit, Dims, Noc, C, K, N, R, S, X, Y};
pub use super::maestro_config::MaestroConfig;
use super::maestro_reuse::{self as reuse, Case, Pos, State, Tensor};

/// MAESTRO's `l1_energy_multiplier`, `l2_energy_multiplier` (per access, in MAC energies) and
/// `DSE::cost::mac_energy` (nJ per MAC).
const L1_ENERGY: f64 = 1.68;
const L2_ENERGY: f64 = 18.61;
const MAC_ENERGY_NJ: f64 = 0.00023;

/// Per tensor class (input, filter, output), what one level's analysis accumulates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LevelResult {
    pub runtime: i64,
    pub computations: i64,
    /// [upstream (L2), downstream (L1)] size requirement per class.
    pub size_req: [[i64; 3]; 2],
    pub l2_read: [i64; 3],
    pub l2_write: [i64; 3],
    pub l1_read: [i64; 3],
    pub l1_write: [i64; 3],
    pub peak_bw: i64,
    pub avg_bw: f64,
    pub offchip_bw: i64,
}

/// One layer as MAESTRO reports it (its printed summary and CSV row).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerStats {
    pub name: String,
    pub cycles: i64,
    pub macs: i64,
    /// L2 = the top level's upstream requirement, L1 = the first-analysed innermost level's
    /// downstream requirement, summed over the three tensors (elements).
    pub l1_size_req: i64,
    pub l2_size_req: i64,
    /// Peak NoC bandwidth requirement (elements/cycle), MAESTRO's "NoC BW Req".
    pub noc_bw_req: i64,
    pub avg_bw_req: f64,
    pub offchip_bw_req: i64,
    /// MAESTRO's printed "Total energy consumption" (in MAC energies).
    pub energy_mac: f64,
    /// MAESTRO's CSV "Activity count-based Energy (nJ)". MAESTRO adds the L1 term of the
    /// *previous* layer there when a layer has more than one cluster level (its variables
    /// outlive the loop iteration); this keeps that, so the number equals MAESTRO's.
    pub energy_nj: f64,
    pub top: LevelResult,
    pub l1_req: [i64; 3],
    pub l2_req: [i64; 3],
}

/// The tensors of a layer type (`ConfigConvTensors`): input, filter, output.
fn tensors(kind: &str, batch: bool) -> Result<[Tensor; 3], AccelError> {
    let with_n = |mut v: Vec<usize>| {
        if batch {
            v.insert(0, N);
        }
        v
    };
    let (i, w, o) = match kind {
        "CONV" => (
            with_n(vec![C, Y, X]),
            vec![K, C, R, S],
            with_n(vec![K, Y, X]),
        ),
        "DSCONV" => (with_n(vec![C, Y, X]), vec![C, R, S], with_n(vec![C, Y, X])),
        other => {
            return Err(mc::model_err(format!(
                "layer type {other} is not modelled (CONV and DSCONV are)"
            )))
        }
    };
    Ok([
        Tensor { class: 0, vars: i },
        Tensor { class: 1, vars: w },
        Tensor { class: 2, vars: o },
    ])
}

struct Engine<'a> {
    levels: &'a [ClusterUnit],
    tensors: &'a [Tensor; 3],
    cfg: &'a MaestroConfig,
    /// The first result MAESTRO pushes (its `layer_res->at(0)`).
    first: Option<LevelResult>,
}

/// `IterationAnalysis`: the iteration states of each directive over the level's current
/// dimensions, and MAESTRO's enumeration of their combinations (which advances every counter
/// whose period divides the case number; reproduced as is).
fn iteration_cases(cl: &ClusterUnit, dims: &Dims) -> Result<Vec<Case>, AccelError> {
    let mut lists: Vec<Vec<State>> = Vec::with_capacity(cl.df.len());
    for d in &cl.df {
        let dim = dims.get(d.var)?;
        let (map, ofs) = (d.size, d.ofs);
        let mut l = Vec::with_capacity(3);
        let st = |pos, n, unrolled, init_edge, ee| State {
            var: d.var,
            pos,
            n,
            unrolled,
            init_edge,
            sp_edge_edge: ee,
        };
        if !d.spatial {
            let (unroll, init_edge) = (dim <= map, dim < map);
            l.push(st(Pos::Init, 1, unroll, init_edge, false));
            let steady = (dim - map) / ofs;
            if map < dim && steady > 0 {
                l.push(st(Pos::Steady, steady, false, false, false));
            }
            if !init_edge && steady * ofs + map < dim {
                l.push(st(Pos::Edge, 1, false, false, false));
            }
        } else {
            let nsc = cl.size;
            let cov = map + ofs * (nsc - 1);
            let (unroll, init_edge) = (dim <= cov, dim < cov);
            l.push(st(Pos::Init, 1, unroll, init_edge, init_edge));
            let steady = ((dim - map) / ofs + 1) / nsc - 1;
            let has_edge = !unroll
                && (steady + 1) * (ofs * nsc) + cov > dim
                && steady * (ofs * nsc) + cov != dim;
            if cov < dim && steady > 0 {
                l.push(st(Pos::Steady, steady, false, false, false));
            }
            let remaining = dim - (steady + 1) * ofs * nsc;
            let active = if remaining < map {
                1
            } else {
                (remaining - map) / ofs + 1
            };
            let ee = (active - 1) * ofs + map < remaining;
            if !init_edge && has_edge {
                l.push(st(Pos::Edge, 1, false, false, ee));
            }
        }
        lists.push(l);
    }
    let total: usize = lists.iter().map(|l| l.len()).product();
    let mut period = vec![1usize; lists.len()];
    let mut acc = 1usize;
    for i in (0..lists.len()).rev() {
        period[i] = acc;
        acc *= lists[i].len();
    }
    let mut counter = vec![0usize; lists.len()];
    let mut out = Vec::with_capacity(total);
    for case_id in 0..total {
        let mut case = Case::default();
        let mut occ: i64 = 1;
        for (i, l) in lists.iter().enumerate() {
            let s = l[counter[i]];
            case.states[s.var] = Some(s);
            occ *= s.n;
            if case_id % period[i] == 0 {
                counter[i] = (counter[i] + 1) % l.len();
            }
        }
        case.occ = occ;
        out.push(case);
    }
    Ok(out)
}

impl Engine<'_> {
    fn buffer_reqs(
        &self,
        res: &mut LevelResult,
        cl: &ClusterUnit,
        dims: &Dims,
        case: &Case,
    ) -> Result<(), AccelError> {
        for t in &self.tensors[..2] {
            let mut size = 1;
            for &v in &t.vars {
                size *= dims.get(v)?;
            }
            let c = t.class;
            res.size_req[0][c] += reuse::spatial_ingress(cl, t, case)? * 2;
            res.l2_write[c] = size;
            res.size_req[1][c] += 2 * reuse::mapped_volume(cl, t);
        }
        let t = &self.tensors[2];
        let mut size = 1;
        for &v in &t.vars {
            size *= match mc::counterpart(v) {
                Some(sl) => dims.get(v)? - dims.get(sl)? + 1,
                None => dims.get(v)?,
            };
        }
        res.size_req[0][2] = 2 * reuse::spatial_egress(cl, t, case)?;
        res.l2_read[2] = size;
        res.size_req[1][2] = 2 * reuse::mapped_volume(cl, t);
        Ok(())
    }

    fn analyze(&mut self, idx: usize, dims: &Dims) -> Result<LevelResult, AccelError> {
        let levels = self.levels;
        let cl = &levels[idx];
        let mut res = LevelResult::default();
        let (mut peak, mut avg, mut offchip, mut total_cases) = (0i64, 0f64, 0i64, 0i64);
        let cases = iteration_cases(cl, dims)?;
        let mut case_id = 0;
        let out_t = &self.tensors[2];
        for case in &cases {
            if case_id == 0 {
                self.buffer_reqs(&mut res, cl, dims, case)?;
            }
            let occ = case.occ;
            let egress = reuse::spatial_egress(cl, out_t, case)?;
            let psum_size = reuse::output_mapping_size_psum(cl, out_t, case)?;
            res.l2_write[2] += occ * egress;
            res.l1_write[2] += occ * psum_size;
            res.l1_read[2] += occ * psum_size;
            let psums = reuse::critical_path_psums(cl, out_t, case)?;
            if psums <= 0 {
                continue;
            }
            let mut ingress = 0;
            for t in &self.tensors[..2] {
                let tr = reuse::spatial_ingress(cl, t, case)?;
                let c = t.class;
                // MAESTRO writes L1 = the new upstream read count (prev read + this read).
                res.l1_write[c] = res.l2_read[c] + occ * tr;
                res.l2_read[c] += occ * tr;
                res.l1_read[c] += occ * psum_size;
                ingress += tr;
            }
            let sp = cl.df[cl.first_spatial];
            let sp_state = case.get(sp.var)?;
            let mut comp = if idx + 1 < self.levels.len() {
                let mut subs = Vec::with_capacity(2);
                let run = |this: &mut Self, ee: bool| -> Result<i64, AccelError> {
                    let d = reuse::subcluster_dims(cl, case, ee)?;
                    let r = this.analyze(idx + 1, &d)?;
                    Ok(r.runtime)
                };
                if sp_state.is_edge() {
                    if sp_state.sp_edge_edge {
                        subs.push(run(self, true)?);
                        if cl.edge_clusters - 1 > 0 {
                            subs.push(run(self, false)?);
                        }
                    } else {
                        subs.push(run(self, false)?);
                    }
                } else {
                    subs.push(run(self, false)?);
                }
                subs.into_iter().max().unwrap_or(0).max(0)
            } else {
                (psums + self.cfg.simd - 1) / self.cfg.simd
            };
            let noc = cl.noc;
            let (din, dout) = (noc.delay(ingress), noc.delay(egress));
            let mut outstanding = if case.all_init() {
                comp + din
            } else {
                dout.max(comp.max(din))
            };
            if idx == 0 {
                if comp == 0 {
                    return Err(mc::model_err(
                        "the top level has a zero computation delay; MAESTRO divides by it (SIGFPE)".into(),
                    ));
                }
                let ob = self.cfg.offchip_bw;
                let out_delay = res.size_req[0][2] / ob;
                let in_delay = (res.size_req[0][0] + res.size_req[0][1]) / ob;
                outstanding = (in_delay / 2).max(outstanding.max(out_delay / 2));
                offchip = offchip.max(res.size_req[0][2] / comp);
                offchip = offchip.max((res.size_req[0][0] + res.size_req[0][1]) / comp);
                offchip /= 2;
                res.offchip_bw = offchip;
            }
            res.runtime += occ * outstanding;
            res.computations += occ * psum_size;
            if comp == 0 {
                comp = 1;
            }
            peak = peak.max(ingress.max(egress) / comp);
            avg += ((occ * ingress.max(egress)) / comp) as f64;
            total_cases += occ;
            case_id += 1;
        }
        res.peak_bw = peak;
        res.avg_bw = avg / total_cases as f64;
        if self.first.is_none() {
            self.first = Some(res.clone());
        }
        Ok(res)
    }
}

/// State MAESTRO carries from one layer to the next in a network run: the tensor layout of
/// each layer type (set by the first layer of that type) and the L1 access counts its CSV
/// energy reuses.
#[derive(Default)]
pub struct NetworkState {
    batch_of_type: Vec<(String, bool)>,
    l1_counts: [i64; 6],
}

/// Evaluates one layer (`dataflow` is the layer's own, or the previous layer's when it has
/// none, as MAESTRO's parser does).
pub fn evaluate_layer(
    layer: &Layer,
    cfg: &MaestroConfig,
    state: &mut NetworkState,
    prev_dataflow: Option<&[super::maestro::Directive]>,
) -> Result<LayerStats, AccelError> {
    let path = "MAESTRO layer";
    let wrap = |e: AccelError| match e {
        AccelError::Mapping { detail, .. } => AccelError::Mapping {
            path: format!("layer {}", layer.name),
            detail,
        },
        other => other,
    };
    let dataflow = if layer.dataflow.is_empty() {
        prev_dataflow.unwrap_or(&[])
    } else {
        &layer.dataflow
    };
    let has_batch = layer.dims.iter().any(|(n, _)| n == "N");
    let batch = match state.batch_of_type.iter().find(|(k, _)| *k == layer.kind) {
        Some((_, b)) => *b,
        None => {
            state.batch_of_type.push((layer.kind.clone(), has_batch));
            has_batch
        }
    };
    let ts = tensors(&layer.kind, batch).map_err(wrap)?;
    let full = mc::full_dims(path, layer)?;
    let mut input_vars: Vec<usize> = ts[..2]
        .iter()
        .flat_map(|t| t.vars.iter().copied())
        .collect();
    input_vars.sort_unstable();
    input_vars.dedup();
    let items = mc::resolve_dataflow(path, layer, dataflow)?;
    let noc = Noc {
        bw: cfg.noc_bw,
        latency: cfg.noc_latency,
    };
    let levels = mc::build_clusters(items, &full, &input_vars, cfg.num_pes, noc).map_err(wrap)?;
    let mut eng = Engine {
        levels: &levels,
        tensors: &ts,
        cfg,
        first: None,
    };
    let top = eng.analyze(0, &levels[0].dims).map_err(wrap)?;
    let inner = eng.first.clone().unwrap_or_else(|| top.clone());
    let l2_req = top.size_req[0];
    let l1_req = inner.size_req[1];
    let sum = |a: [i64; 3]| a.iter().sum::<i64>();
    let energy_mac = (sum(top.l2_write) as f64 + sum(top.l2_read) as f64) * L2_ENERGY
        + (sum(top.l1_write) as f64 + sum(top.l1_read) as f64) * L1_ENERGY
        + top.computations as f64;
    // MAESTRO's OutputResults: L2 reads of input/filter and writes of all three, then the L1
    // term from its loop-carried counters (see `LayerStats::energy_nj`).
    let mut e = 0f64;
    for v in [
        top.l2_read[0],
        top.l2_write[0],
        top.l2_read[1],
        top.l2_write[1],
        top.l2_write[2],
    ] {
        e += v as f64 * L2_ENERGY;
    }
    let here = [
        top.l1_read[0],
        top.l1_write[0],
        top.l1_read[1],
        top.l1_write[1],
        top.l1_read[2],
        top.l1_write[2],
    ];
    let nlv = levels.len();
    if nlv == 1 {
        state.l1_counts = here;
    }
    for v in state.l1_counts {
        e += v as f64 * L1_ENERGY;
    }
    state.l1_counts = here;
    Ok(LayerStats {
        name: layer.name.clone(),
        cycles: top.runtime,
        macs: top.computations,
        l1_size_req: sum(l1_req),
        l2_size_req: sum(l2_req),
        noc_bw_req: top.peak_bw,
        avg_bw_req: top.avg_bw,
        offchip_bw_req: top.offchip_bw,
        energy_mac,
        energy_nj: e * MAC_ENERGY_NJ,
        l1_req,
        l2_req,
        top,
    })
}

/// Every layer of a network in file order, with MAESTRO's layer-to-layer state.
pub fn evaluate_network(net: &Network, cfg: &MaestroConfig) -> Result<Vec<LayerStats>, AccelError> {
    let mut state = NetworkState::default();
    let mut out = Vec::with_capacity(net.layers.len());
    let mut prev: Option<&[super::maestro::Directive]> = None;
    for l in &net.layers {
        out.push(evaluate_layer(l, cfg, &mut state, prev)?);
        if !l.dataflow.is_empty() {
            prev = Some(&l.dataflow);
        }
    }
    Ok(out)
}

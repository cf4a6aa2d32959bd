//! The nest analysis: walks a mapping's loop nest the way Timeloop v3's legacy analysis does
//! (temporal loops run iteration 0 and 1 and extrapolate the rest; spatial loops run the first
//! element and translate it to the others), keeping per level and data space the working-set
//! deltas, so fills, multicast and link transfers come out as Timeloop counts them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::mapping::Nest;
use super::pointset::{PointSet, MAX_RANK};
use super::spec::Problem;

/// Accesses of one kind, keyed in [`AccessStats`] by (multicast factor, scatter factor).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AccessStat {
    pub accesses: f64,
}

pub type AccessStats = BTreeMap<(u64, u64), AccessStat>;

pub fn total_accesses(s: &AccessStats) -> f64 {
    s.values().map(|a| a.accesses).sum()
}

pub fn weighted_accesses(s: &AccessStats) -> f64 {
    s.iter().map(|(k, a)| a.accesses * k.0 as f64).sum()
}

/// What the analysis reports for one loop that maps to a physical tile (a temporal loop or the
/// outermost spatial loop of a level), per data space.
#[derive(Clone, Debug, Default)]
pub struct LoopTile {
    pub size: Vec<u64>,
    pub access_stats: Vec<AccessStats>,
    pub link_transfers: Vec<u64>,
    pub replication_factor: u64,
    pub fanout: u64,
    pub is_on_storage_boundary: bool,
    pub is_master_spatial: bool,
}

/// The analysis result: tiles (innermost first) and the compute body.
#[derive(Clone, Debug, Default)]
pub struct NestResult {
    pub tiles: Vec<LoopTile>,
    /// MACs per utilized arithmetic instance.
    pub compute_accesses: f64,
    /// Utilized arithmetic instances.
    pub compute_replication: u64,
}

type OpSpace = Vec<PointSet>;

#[derive(Clone, Default)]
struct ElementState {
    last_point_set: Option<OpSpace>,
    /// Per data space, the translation between the last two tiles (`None`: not known yet).
    last_translation: Vec<Option<[i64; MAX_RANK]>>,
    access_stats: Vec<AccessStats>,
    max_size: Vec<u64>,
    link_transfers: Vec<u64>,
    prev_spatial_deltas: BTreeMap<u64, OpSpace>,
}

struct Analysis<'a> {
    prob: &'a Problem,
    loops: &'a [super::mapping::Loop],
    nds: usize,
    ranks: Vec<usize>,
    storage_boundary: Vec<bool>,
    arch_storage_level: Vec<usize>,
    num_spatial_elems: Vec<u64>,
    master_spatial: Vec<bool>,
    logical_fanout: Vec<u64>,
    logical_fanout_x: Vec<u64>,
    logical_fanout_y: Vec<u64>,
    physical_fanout: Vec<(u64, u64)>,
    vector_strides: Vec<Vec<i64>>,
    mold_high: Vec<Vec<i64>>,
    indices: Vec<i64>,
    cur_transform: Vec<i64>,
    num_epochs: u64,
    space_stamp: Vec<u64>,
    live_state: Vec<HashMap<Vec<u64>, ElementState>>,
    compute_info: HashMap<Vec<u64>, u64>,
}

/// Runs the analysis. `physical_fanout[i]` is storage level i's mesh fan-out (X, Y).
pub fn analyse(prob: &Problem, nest: &Nest, physical_fanout: &[(u64, u64)]) -> NestResult {
    let n = nest.loops.len();
    let ndims = prob.dims.len();
    let nds = prob.data_spaces.len();
    let mut a = Analysis {
        prob,
        loops: &nest.loops,
        nds,
        ranks: prob
            .data_spaces
            .iter()
            .map(|d| d.projection.len().min(MAX_RANK))
            .collect(),
        storage_boundary: vec![false; n],
        arch_storage_level: vec![0; n],
        num_spatial_elems: vec![1; n],
        master_spatial: vec![false; n],
        logical_fanout: vec![1; n],
        logical_fanout_x: vec![1; n],
        logical_fanout_y: vec![1; n],
        physical_fanout: physical_fanout.to_vec(),
        vector_strides: vec![vec![1; ndims]; n],
        mold_high: vec![vec![0; ndims]; n],
        indices: vec![0; n],
        cur_transform: vec![0; ndims],
        num_epochs: 1,
        space_stamp: Vec::new(),
        live_state: vec![HashMap::new(); n],
        compute_info: HashMap::new(),
    };
    a.init(&nest.boundaries);
    a.num_epochs = 1;
    if n > 0 {
        a.compute_deltas(n - 1);
    }
    a.collect()
}

impl<'a> Analysis<'a> {
    fn init(&mut self, boundaries: &[usize]) {
        let n = self.loops.len();
        // Spatial element counts and master spatial loops, from the outermost loop in.
        let mut product = 1u64;
        let mut prev_spatial = false;
        for l in (0..n).rev() {
            self.num_spatial_elems[l] = product;
            if self.loops[l].spatial {
                self.master_spatial[l] = !prev_spatial;
                product *= self.loops[l].end as u64;
                prev_spatial = true;
            } else {
                prev_spatial = false;
            }
        }
        let mut loop_level = 0usize;
        for (storage_level, &b) in boundaries.iter().enumerate() {
            self.storage_boundary[b] = true;
            while loop_level <= b {
                self.arch_storage_level[loop_level] = storage_level;
                loop_level += 1;
            }
        }
        for l in (0..n).rev() {
            if !self.loops[l].spatial {
                self.logical_fanout[l] = 1;
            } else if !self.master_spatial[l] {
                self.logical_fanout[l] = 0;
            } else {
                let mut next_temporal = l;
                let mut scale = 1u64;
                loop {
                    if !self.loops[next_temporal].spatial {
                        break;
                    }
                    if self.loops[next_temporal].x {
                        self.logical_fanout_x[l] *= self.loops[next_temporal].end as u64;
                    } else {
                        self.logical_fanout_y[l] *= self.loops[next_temporal].end as u64;
                    }
                    if next_temporal > 0 {
                        next_temporal -= 1;
                    } else {
                        scale = self.loops[0].end as u64;
                        break;
                    }
                }
                self.logical_fanout[l] =
                    self.num_spatial_elems[next_temporal] / self.num_spatial_elems[l] * scale;
            }
        }
        let ndims = self.prob.dims.len();
        let mut cur_scale = vec![1i64; ndims];
        for l in 0..n {
            self.vector_strides[l] = cur_scale.clone();
            cur_scale[self.loops[l].dim] *= self.loops[l].end;
            for (slot, s) in self.mold_high[l].iter_mut().zip(&cur_scale) {
                *slot = s - 1;
            }
        }
    }

    fn key(&self) -> Vec<u64> {
        self.space_stamp[..self.space_stamp.len().saturating_sub(1)].to_vec()
    }

    fn new_state(&self) -> ElementState {
        ElementState {
            last_point_set: None,
            last_translation: vec![None; self.nds],
            access_stats: vec![AccessStats::new(); self.nds],
            max_size: vec![0; self.nds],
            link_transfers: vec![0; self.nds],
            prev_spatial_deltas: BTreeMap::new(),
        }
    }

    /// The data touched by the iteration box `lo..=hi` (problem coordinates), per data space.
    fn project(&self, lo: &[i64], hi: &[i64]) -> OpSpace {
        self.prob
            .data_spaces
            .iter()
            .zip(&self.ranks)
            .map(|(ds, &rank)| {
                let mut min = [0i64; MAX_RANK];
                let mut max = [0i64; MAX_RANK];
                for (r, terms) in ds.projection.iter().take(rank).enumerate() {
                    for &(coef, d) in terms {
                        let (a, b) = if coef < 0 {
                            (hi[d], lo[d])
                        } else {
                            (lo[d], hi[d])
                        };
                        min[r] += a * coef;
                        max[r] += b * coef;
                    }
                    max[r] += 1;
                }
                PointSet::from_box(min, max)
            })
            .collect()
    }

    fn working_set(&self, level: usize, transform: &[i64]) -> OpSpace {
        let hi: Vec<i64> = transform
            .iter()
            .zip(&self.mold_high[level])
            .map(|(t, m)| t + m)
            .collect();
        self.project(transform, &hi)
    }

    fn point_space(&self) -> OpSpace {
        let mut p = vec![0i64; self.prob.dims.len()];
        for (l, lp) in self.loops.iter().enumerate() {
            p[lp.dim] += self.vector_strides[l][lp.dim] * self.indices[l];
        }
        self.project(&p, &p)
    }

    fn compute_deltas(&mut self, level: usize) -> OpSpace {
        if self.storage_boundary[level] {
            self.space_stamp.push(0);
        }
        let key = self.key();
        if !self.live_state[level].contains_key(&key) {
            let s = self.new_state();
            self.live_state[level].insert(key.clone(), s);
        }
        if self.loops[level].spatial {
            self.compute_spatial_working_set(level);
        } else {
            self.compute_temporal_working_set(level, &key);
        }
        let mut point_set = self.working_set(level, &self.cur_transform.clone());
        let ranks = self.ranks.clone();
        let track = self.storage_boundary[level] || self.master_spatial[level];
        let state = self.live_state[level]
            .get_mut(&key)
            .expect("state inserted above");
        if track {
            for pv in 0..point_set.len() {
                let s = point_set[pv].size(ranks[pv]);
                state.max_size[pv] = state.max_size[pv].max(s);
            }
        }
        // Timeloop's reset on stride change: when the tile moves by a different vector than
        // last time (a loop wrapped around), the level keeps nothing from before, because
        // address generators cannot follow such a pattern; the whole tile is the delta.
        let mut prev = state
            .last_point_set
            .take()
            .unwrap_or_else(|| vec![PointSet::default(); point_set.len()]);
        for pv in 0..point_set.len() {
            let rank = ranks[pv];
            let translation = if prev[pv].is_empty(rank) {
                None
            } else {
                Some(prev[pv].translation(&point_set[pv], rank))
            };
            let zero = |t: &[i64; MAX_RANK]| t.iter().all(|&x| x == 0);
            let keep = match (&translation, &state.last_translation[pv]) {
                (None, _) => true,
                (Some(t), _) if zero(t) => true,
                (Some(t), None) => {
                    state.last_translation[pv] = Some(*t);
                    true
                }
                (Some(t), Some(p)) => t == p,
            };
            if keep {
                let saved = point_set[pv].clone();
                point_set[pv].subtract(&prev[pv], rank);
                prev[pv] = saved;
            } else {
                prev[pv] = point_set[pv].clone();
                state.last_translation[pv] = None;
            }
        }
        state.last_point_set = Some(prev);
        if self.storage_boundary[level] {
            self.space_stamp.pop();
        }
        point_set
    }

    fn compute_temporal_working_set(&mut self, level: usize, key: &[u64]) {
        let end = self.loops[level].end;
        let num_iterations = end as u64;
        if level == 0 {
            let body = num_iterations * self.num_epochs;
            *self.compute_info.entry(key.to_vec()).or_insert(0) += body;
            let state = self.live_state[0].get_mut(key).expect("state");
            for pv in 0..self.nds {
                state.access_stats[pv].entry((1, 1)).or_default().accesses += body as f64;
            }
            return;
        }
        let dim = self.loops[level].dim;
        let scale = self.vector_strides[level][dim];
        let saved_transform = self.cur_transform[dim];
        let mut deltas: Vec<(Vec<u64>, u64)> = Vec::new();
        self.indices[level] = 0;
        if num_iterations >= 1 {
            let d = self.compute_deltas(level - 1);
            deltas.push((self.sizes(&d), 1));
            self.cur_transform[dim] += scale;
            self.indices[level] += 1;
        }
        // Iterations 1..n-1 are extrapolated from iteration 1 (perfect factorization: Timeloop
        // runs the last iteration only for imperfect factors or flattened problems).
        if num_iterations >= 2 {
            let virtual_iterations = num_iterations - 1;
            let saved_epochs = self.num_epochs;
            self.num_epochs *= virtual_iterations;
            let d = self.compute_deltas(level - 1);
            self.num_epochs = saved_epochs;
            deltas.push((self.sizes(&d), virtual_iterations));
            self.cur_transform[dim] += scale * virtual_iterations as i64;
            self.indices[level] += virtual_iterations as i64;
        }
        self.cur_transform[dim] = saved_transform;
        if self.storage_boundary[level - 1] {
            let epochs = self.num_epochs;
            let state = self.live_state[level].get_mut(key).expect("state");
            for pv in 0..self.nds {
                let fin: u64 = deltas.iter().map(|(s, k)| s[pv] * k).sum();
                state.access_stats[pv].entry((1, 1)).or_default().accesses += (fin * epochs) as f64;
            }
        }
    }

    fn sizes(&self, d: &OpSpace) -> Vec<u64> {
        d.iter().zip(&self.ranks).map(|(p, &r)| p.size(r)).collect()
    }

    fn mesh(&self, level: usize) -> (u64, u64) {
        let phys = self
            .physical_fanout
            .get(self.arch_storage_level[level])
            .copied()
            .unwrap_or((1, 1));
        (
            phys.0.max(self.logical_fanout_x[level]),
            phys.1.max(self.logical_fanout_y[level]),
        )
    }

    fn compute_spatial_working_set(&mut self, level: usize) {
        let mut spatial_deltas: BTreeMap<u64, OpSpace> = BTreeMap::new();
        let mut skew_table: HashMap<u64, u64> = HashMap::new();
        self.fill_spatial_deltas(level, &mut spatial_deltas, &mut skew_table, 0, 0, level);
        let key = self.key();
        if !self.live_state[level].contains_key(&key) {
            let s = self.new_state();
            self.live_state[level].insert(key.clone(), s);
        }
        let all: BTreeSet<u64> = spatial_deltas.keys().copied().collect();
        let mut unaccounted: Vec<BTreeSet<u64>> = vec![all.clone(); self.nds];
        let without = self.multicast_accesses(&spatial_deltas, &mut unaccounted);
        let mut chosen = without.clone();
        // Every master spatial level may use link transfers (Timeloop's default).
        let mut unaccounted: Vec<BTreeSet<u64>> = vec![all; self.nds];
        let lt = self.link_transfers(level, &key, &spatial_deltas, &mut unaccounted);
        let with = self.multicast_accesses(&spatial_deltas, &mut unaccounted);
        let state = self.live_state[level].get_mut(&key).expect("state");
        for pv in 0..self.nds {
            let tw = total_accesses(&with[pv]) as u64;
            let two = total_accesses(&without[pv]) as u64;
            if tw < two {
                state.link_transfers[pv] += lt[pv];
                chosen[pv] = with[pv].clone();
            }
        }
        for (pv, c) in chosen.iter().enumerate() {
            for (k, v) in c {
                state.access_stats[pv].entry(*k).or_default().accesses += v.accesses;
            }
        }
    }

    fn fill_spatial_deltas(
        &mut self,
        level: usize,
        spatial_deltas: &mut BTreeMap<u64, OpSpace>,
        skew_table: &mut HashMap<u64, u64>,
        base_index: u64,
        mut extrapolation_stride: u64,
        mut extrapolation_level: usize,
    ) {
        let end = self.loops[level].end;
        let base_index = base_index * end as u64;
        if level == 0 {
            for i in 0..end {
                self.indices[0] = i;
                let idx = base_index + i as u64;
                let p = self.point_space();
                spatial_deltas.insert(idx, p);
                if let Some(last) = self.space_stamp.last_mut() {
                    *last = idx;
                }
                let stamp = self.space_stamp.clone();
                *self.compute_info.entry(stamp).or_insert(0) += self.num_epochs;
            }
            return;
        }
        let dim = self.loops[level].dim;
        let scale = self.vector_strides[level][dim];
        let saved_transform = self.cur_transform[dim];
        let iterations_to_run = 1i64;
        let mut iterations_run = 0i64;
        if self.loops[level - 1].spatial {
            for i in 0..end {
                self.indices[level] = i;
                let mut next_stride = extrapolation_stride * end as u64;
                let mut next_level = extrapolation_level;
                if iterations_run >= iterations_to_run {
                    next_stride = 1;
                    next_level = level;
                }
                self.fill_spatial_deltas(
                    level - 1,
                    spatial_deltas,
                    skew_table,
                    base_index + i as u64,
                    next_stride,
                    next_level,
                );
                self.cur_transform[dim] += scale;
                iterations_run += 1;
            }
        } else {
            let mut i = 0i64;
            if extrapolation_stride == 0 {
                while i < end && iterations_run < iterations_to_run {
                    self.indices[level] = i;
                    let idx = base_index + i as u64;
                    skew_table.insert(idx, idx);
                    if let Some(last) = self.space_stamp.last_mut() {
                        *last = idx;
                    }
                    let d = self.compute_deltas(level - 1);
                    spatial_deltas.insert(idx, d);
                    self.cur_transform[dim] += scale;
                    i += 1;
                    iterations_run += 1;
                }
                extrapolation_stride = 1;
                extrapolation_level = level;
            } else {
                extrapolation_stride *= end as u64;
                i = 0;
            }
            let mut translation = vec![[0i64; MAX_RANK]; self.nds];
            if i < end {
                let el = extrapolation_level;
                let edim = self.loops[el].dim;
                let first = self.working_set(el, &self.cur_transform.clone());
                let mut t2 = self.cur_transform.clone();
                t2[edim] += self.vector_strides[el][edim];
                let second = self.working_set(el, &t2);
                for pv in 0..self.nds {
                    translation[pv] = first[pv].translation(&second[pv], self.ranks[pv]);
                }
            }
            while i < end {
                self.indices[level] = i;
                let dst = base_index + i as u64;
                let src_key = base_index + i as u64 - extrapolation_stride;
                let src = skew_table.get(&src_key).copied().unwrap_or(src_key);
                skew_table.insert(dst, dst);
                if let Some(s) = spatial_deltas.get(&src) {
                    let mut d = s.clone();
                    for pv in 0..self.nds {
                        d[pv].translate(&translation[pv], self.ranks[pv]);
                    }
                    spatial_deltas.insert(dst, d);
                }
                i += 1;
            }
        }
        self.cur_transform[dim] = saved_transform;
    }

    fn multicast_accesses(
        &self,
        deltas: &BTreeMap<u64, OpSpace>,
        unaccounted: &mut [BTreeSet<u64>],
    ) -> Vec<AccessStats> {
        // (multicast) -> (accesses, scatter)
        let mut temp: Vec<BTreeMap<u64, (f64, u64)>> = vec![BTreeMap::new(); self.nds];
        let entries: Vec<(&u64, &OpSpace)> = deltas.iter().collect();
        for (i, (idx, delta)) in entries.iter().enumerate() {
            for pv in 0..self.nds {
                if !unaccounted[pv].remove(idx) {
                    continue;
                }
                let rank = self.ranks[pv];
                let mut matches = 1u64;
                for (oidx, other) in entries.iter().skip(i + 1) {
                    if unaccounted[pv].contains(oidx) && delta[pv].same(&other[pv], rank) {
                        unaccounted[pv].remove(oidx);
                        matches += 1;
                    }
                }
                let size = delta[pv].size(rank);
                if size > 0 {
                    let t = temp[pv].entry(matches).or_insert((0.0, 0));
                    t.0 += (size * self.num_epochs) as f64;
                    t.1 += 1;
                }
            }
        }
        temp.into_iter()
            .map(|m| {
                m.into_iter()
                    .map(|(mc, (acc, scatter))| ((mc, scatter), AccessStat { accesses: acc }))
                    .collect()
            })
            .collect()
    }

    fn link_transfers(
        &mut self,
        level: usize,
        key: &[u64],
        cur: &BTreeMap<u64, OpSpace>,
        unaccounted: &mut [BTreeSet<u64>],
    ) -> Vec<u64> {
        let (h, v) = self.mesh(level);
        let lin = |hh: u64, vv: u64| vv * h + hh;
        let n = (h * v) as usize;
        let mut reuse = vec![vec![false; self.nds]; n];
        let prev = self.live_state[level]
            .get(key)
            .map(|s| s.prev_spatial_deltas.clone())
            .unwrap_or_default();
        let ranks = self.ranks.clone();
        let compare = |c: u64, p: u64, reuse: &mut Vec<Vec<bool>>| {
            let (Some(cd), Some(pd)) = (cur.get(&c), prev.get(&p)) else {
                return;
            };
            for pv in 0..cd.len() {
                if !cd[pv].is_empty(ranks[pv]) && cd[pv].same(&pd[pv], ranks[pv]) {
                    if let Some(r) = reuse.get_mut(c as usize) {
                        r[pv] = true;
                    }
                }
            }
        };
        if v > 1 {
            for hh in 0..h {
                for vv in 1..v {
                    compare(lin(hh, vv), lin(hh, vv - 1), &mut reuse);
                }
            }
            for hh in 0..h {
                for vv in 0..v - 1 {
                    compare(lin(hh, vv), lin(hh, vv + 1), &mut reuse);
                }
            }
        }
        if h > 1 {
            for vv in 0..v {
                for hh in 1..h {
                    compare(lin(hh, vv), lin(hh - 1, vv), &mut reuse);
                }
            }
            for vv in 0..v {
                for hh in 0..h - 1 {
                    compare(lin(hh, vv), lin(hh + 1, vv), &mut reuse);
                }
            }
        }
        let mut lt = vec![0u64; self.nds];
        for (idx, d) in cur {
            for pv in 0..self.nds {
                if reuse.get(*idx as usize).map(|r| r[pv]).unwrap_or(false) {
                    lt[pv] += d[pv].size(self.ranks[pv]) * self.num_epochs;
                    unaccounted[pv].remove(idx);
                }
            }
        }
        if let Some(s) = self.live_state[level].get_mut(key) {
            s.prev_spatial_deltas = cur.clone();
        }
        lt
    }

    fn collect(self) -> NestResult {
        let mut tiles = Vec::new();
        let mut compute_accesses = 0.0;
        let mut compute_replication = 0;
        let mut first = true;
        for l in 0..self.loops.len() {
            let valid = !self.loops[l].spatial || self.master_spatial[l];
            if !valid {
                continue;
            }
            let states = &self.live_state[l];
            let count = states.len().max(1) as u64;
            let mut tile = LoopTile {
                size: vec![0; self.nds],
                access_stats: vec![AccessStats::new(); self.nds],
                link_transfers: vec![0; self.nds],
                replication_factor: self.num_spatial_elems[l],
                fanout: self.logical_fanout[l],
                is_on_storage_boundary: self.storage_boundary[l],
                is_master_spatial: self.master_spatial[l],
            };
            for pv in 0..self.nds {
                let mut size = 0u64;
                let mut lt = 0u64;
                for s in states.values() {
                    for (k, a) in &s.access_stats[pv] {
                        tile.access_stats[pv].entry(*k).or_default().accesses += a.accesses;
                    }
                    size += s.max_size[pv];
                    lt += s.link_transfers[pv];
                }
                for a in tile.access_stats[pv].values_mut() {
                    a.accesses /= count as f64;
                }
                tile.size[pv] = size / count;
                tile.link_transfers[pv] = lt / count;
            }
            if first {
                compute_replication = self.num_spatial_elems[l] * self.logical_fanout[l];
                let n = self.compute_info.len().max(1) as f64;
                compute_accesses = self.compute_info.values().map(|&x| x as f64).sum::<f64>() / n;
                first = false;
            }
            tiles.push(tile);
        }
        NestResult {
            tiles,
            compute_accesses,
            compute_replication,
        }
    }
}

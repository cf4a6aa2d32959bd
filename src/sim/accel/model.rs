//! The Timeloop model on top of the nest analysis: collapses loop tiles into storage-level tiles,
//! applies bypass, turns deltas into reads, fills and updates (first-read elision for partial
//! sums), then energy from the ERT's vector-access energies, area from the ART, and cycles from
//! the compute count throttled by any level whose bandwidth is too small.

use serde::Serialize;

use super::error::AccelError;
use super::mapping::Mapping;
use super::nest::{analyse, total_accesses, weighted_accesses, AccessStats};
use super::spec::{Arch, Problem};

/// Per storage level and data space, per instance, as `timeloop-model.stats.txt` reports them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DataSpaceStats {
    pub name: String,
    pub kept: bool,
    pub partition_size: u64,
    pub utilized_capacity: u64,
    pub utilized_instances: u64,
    pub reads: u64,
    pub updates: u64,
    pub fills: u64,
    pub temporal_reductions: u64,
    pub energy_per_scalar_access_pj: f64,
    pub energy_per_instance_pj: f64,
    pub energy_pj: f64,
    pub read_bandwidth: f64,
    pub write_bandwidth: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LevelStats {
    pub name: String,
    pub instances: u64,
    pub size: Option<u64>,
    pub word_bits: u64,
    pub block_size: u64,
    pub cluster_size: u64,
    pub vector_access_energy_pj: f64,
    pub area_um2: f64,
    pub cycles: u64,
    pub slowdown: f64,
    pub data_spaces: Vec<DataSpaceStats>,
    pub energy_pj: f64,
    /// The level's loops, outermost first, as text (`for P in [0:16)`).
    pub loops: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ArithStats {
    pub name: String,
    pub instances: u64,
    pub utilized_instances: u64,
    pub word_bits: u64,
    pub energy_per_op_pj: f64,
    pub cycles: u64,
    pub energy_pj: f64,
    pub area_um2: f64,
}

/// The result of evaluating one mapping of one problem on one architecture.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub problem: String,
    pub macs: u64,
    pub cycles: u64,
    pub utilization: f64,
    pub energy_pj: f64,
    pub area_um2: f64,
    pub arith: ArithStats,
    /// Storage levels innermost first.
    pub levels: Vec<LevelStats>,
}

impl Stats {
    pub fn energy_uj(&self) -> f64 {
        self.energy_pj / 1e6
    }

    pub fn area_mm2(&self) -> f64 {
        self.area_um2 / 1e6
    }

    pub fn edp(&self) -> f64 {
        self.energy_pj * self.cycles as f64
    }
}

#[derive(Clone, Debug, Default)]
struct Tile {
    size: u64,
    access_stats: AccessStats,
    content_accesses: f64,
    link_transfers: u64,
    replication_factor: u64,
    fanout: u64,
    partition_size: u64,
    partition_denominator: u64,
    parent_access_share: f64,
    peer_accesses: f64,
    peer_fills: f64,
    reads: u64,
    updates: u64,
    fills: u64,
    temporal_reductions: u64,
}

/// Evaluates a mapping. `path` names the mapping in errors.
pub fn evaluate(
    path: &str,
    arch: &Arch,
    prob: &Problem,
    mapping: &Mapping,
) -> Result<Stats, AccelError> {
    if mapping.levels.len() != arch.storage.len() {
        return Err(AccelError::mapping(
            path,
            format!(
                "{} levels mapped, the architecture has {}",
                mapping.levels.len(),
                arch.storage.len()
            ),
        ));
    }
    mapping.validate(path, arch, prob)?;
    let nest = mapping.nest();
    let phys: Vec<(u64, u64)> = (0..arch.storage.len()).map(|i| arch.fanout_xy(i)).collect();
    let result = analyse(prob, &nest, &phys);
    let nlev = arch.storage.len();
    let nds = prob.data_spaces.len();

    // Collapse the loop tiles into one tile per storage level and data space.
    let mut per_ds: Vec<Vec<Tile>> = Vec::with_capacity(nds);
    for pv in 0..nds {
        let mut tiles: Vec<Tile> = Vec::with_capacity(nlev);
        let mut i = 0;
        let t = &result.tiles;
        while i < t.len() && tiles.len() < nlev {
            let mut b = i;
            while !t[b].is_on_storage_boundary && b < t.len() - 1 {
                b += 1;
            }
            let inner = &t[i];
            let outer = &t[b];
            if let Some(prev) = tiles.last_mut() {
                prev.partition_denominator = if inner.is_master_spatial {
                    inner.size[pv]
                } else {
                    prev.size
                };
            }
            tiles.push(Tile {
                size: outer.size[pv],
                access_stats: inner.access_stats[pv].clone(),
                content_accesses: total_accesses(&inner.access_stats[pv]),
                link_transfers: inner.link_transfers[pv],
                replication_factor: outer.replication_factor,
                fanout: inner.fanout,
                ..Tile::default()
            });
            i = b + 1;
        }
        // Partition sizes.
        if let Some(last) = tiles.last_mut() {
            last.partition_size = last.size;
        }
        let mut partition = tiles.last().map(|t| t.size).unwrap_or(0);
        for cur in (0..tiles.len().saturating_sub(1)).rev() {
            if let Some(p) =
                (partition * tiles[cur].size).checked_div(tiles[cur].partition_denominator)
            {
                partition = p;
            }
            tiles[cur].partition_size = partition;
        }
        // Parent access shares (before masking, from the next non-empty level).
        for cur in 0..tiles.len() {
            if tiles[cur].size == 0 {
                continue;
            }
            tiles[cur].parent_access_share = 0.0;
            let Some(outer) = (cur + 1..tiles.len()).find(|&o| tiles[o].size != 0) else {
                continue;
            };
            let fanout = tiles[outer].fanout.max(1) as f64;
            tiles[cur].parent_access_share = tiles[outer]
                .access_stats
                .iter()
                .map(|(k, a)| a.accesses * k.0 as f64 / fanout)
                .sum();
        }
        // Bypass: a level that does not keep the data space passes its children's accesses up.
        let keep: Vec<bool> = mapping.levels.iter().map(|l| l.keep[pv]).collect();
        for cur in 0..tiles.len() {
            if tiles[cur].size == 0 || keep[cur] {
                continue;
            }
            let outer = (cur + 1..tiles.len()).find(|&o| tiles[o].size != 0);
            if let Some(outer) = outer {
                let weighted = weighted_accesses(&tiles[outer].access_stats);
                let factor = if weighted > 0.0 {
                    tiles[cur].content_accesses * tiles[outer].fanout as f64 / weighted
                } else {
                    0.0
                };
                for a in tiles[outer].access_stats.values_mut() {
                    if a.accesses != 0.0 {
                        a.accesses *= factor;
                    }
                }
                tiles[outer].link_transfers = 0;
                tiles[outer].content_accesses = total_accesses(&tiles[outer].access_stats);
            }
            let t = &mut tiles[cur];
            t.size = 0;
            t.partition_size = 0;
            t.content_accesses = 0.0;
            t.parent_access_share = 0.0;
        }
        // Outermost bypassed levels lose everything; the first kept one has no parent.
        for cur in (0..tiles.len()).rev() {
            if !keep[cur] {
                let rf = tiles[cur].replication_factor;
                tiles[cur] = Tile {
                    replication_factor: rf,
                    ..Tile::default()
                };
            } else {
                tiles[cur].parent_access_share = 0.0;
                break;
            }
        }
        // Link transfers charge the child level's buffers.
        for cur in (1..tiles.len()).rev() {
            if tiles[cur].link_transfers != 0 {
                let spatial = tiles[cur - 1].replication_factor.max(1) as f64;
                let per = tiles[cur].link_transfers as f64 / spatial;
                tiles[cur - 1].peer_accesses += per;
                tiles[cur - 1].peer_fills += per;
            }
        }
        // Reads, updates, fills.
        let rw = prob.data_spaces[pv].read_write;
        for t in tiles.iter_mut() {
            if t.size == 0 {
                continue;
            }
            if rw {
                t.updates = t.content_accesses.round() as u64;
                let r = (t.content_accesses + t.peer_accesses - t.partition_size as f64).round();
                t.reads = r.max(0.0) as u64;
                t.temporal_reductions = t.reads;
                // Timeloop 3.0.3's outputs count every delta the parent sends as a fill (its
                // first-read elision saves the parent's read, not the child's fill).
                t.fills = (t.parent_access_share + t.peer_fills).round() as u64;
            } else {
                t.reads = (t.content_accesses + t.peer_accesses).round() as u64;
                t.fills = (t.parent_access_share + t.peer_fills).round() as u64;
            }
        }
        per_ds.push(tiles);
    }

    let compute_cycles = result.compute_accesses.round() as u64;
    let utilized_macs = result.compute_replication;
    let macs = prob.macs();
    let mut levels = Vec::with_capacity(nlev);
    let mut energy = 0.0;
    let mut area = arch.arith.area * arch.arith.instances as f64;
    let mut cycles = compute_cycles;
    let level_loops = loop_texts(mapping, prob);
    for (li, spec) in arch.storage.iter().enumerate() {
        let mut dss = Vec::with_capacity(nds);
        let mut used_capacity = 0u64;
        let (mut rd, mut wr) = (0.0, 0.0);
        for (pv, tiles) in per_ds.iter().enumerate() {
            let t = &tiles[li];
            let kept = mapping.levels[li].keep[pv] && t.size > 0;
            let vec = |x: u64| x.div_ceil(spec.block_size);
            let per_instance = if kept {
                (vec(t.reads) + vec(t.fills) + vec(t.updates)) as f64 * spec.vector_access_energy
            } else {
                0.0
            };
            let scalar = t.reads + t.fills + t.updates;
            let inst = if kept { t.replication_factor } else { 0 };
            if kept {
                used_capacity += t.size;
            }
            let (r_bw, w_bw) = if compute_cycles > 0 && kept {
                (
                    t.reads as f64 / compute_cycles as f64,
                    (t.fills + t.updates) as f64 / compute_cycles as f64,
                )
            } else {
                (0.0, 0.0)
            };
            rd += r_bw;
            wr += w_bw;
            dss.push(DataSpaceStats {
                name: prob.data_spaces[pv].name.clone(),
                kept,
                partition_size: if kept { t.partition_size } else { 0 },
                utilized_capacity: if kept { t.size } else { 0 },
                utilized_instances: inst,
                reads: if kept { t.reads } else { 0 },
                updates: if kept { t.updates } else { 0 },
                fills: if kept { t.fills } else { 0 },
                temporal_reductions: if kept { t.temporal_reductions } else { 0 },
                energy_per_scalar_access_pj: if scalar > 0 {
                    per_instance / scalar as f64
                } else {
                    0.0
                },
                energy_per_instance_pj: per_instance,
                energy_pj: per_instance * inst as f64,
                read_bandwidth: r_bw,
                write_bandwidth: w_bw,
            });
        }
        if let Some(size) = spec.size {
            let effective = (size as f64 / spec.multiple_buffering).floor() as u64;
            if used_capacity > effective {
                return Err(AccelError::mapping(
                    path,
                    format!(
                        "the tiles kept at {} need {used_capacity} words, it holds {effective}",
                        spec.name
                    ),
                ));
            }
        }
        let mut slowdown: f64 = 1.0;
        if let Some(b) = spec.read_bandwidth {
            if b < rd {
                slowdown = slowdown.min(b / rd);
            }
        }
        if let Some(b) = spec.write_bandwidth {
            if b < wr {
                slowdown = slowdown.min(b / wr);
            }
        }
        if let Some(b) = spec.shared_bandwidth {
            if b < rd + wr {
                slowdown = slowdown.min(b / (rd + wr));
            }
        }
        for d in dss.iter_mut() {
            d.read_bandwidth *= slowdown;
            d.write_bandwidth *= slowdown;
        }
        let lcycles = (compute_cycles as f64 / slowdown).ceil() as u64;
        cycles = cycles.max(lcycles);
        let lenergy: f64 = dss.iter().map(|d| d.energy_pj).sum();
        energy += lenergy;
        area += spec.area * spec.instances as f64;
        levels.push(LevelStats {
            name: spec.name.clone(),
            instances: spec.instances,
            size: spec.size,
            word_bits: spec.word_bits,
            block_size: spec.block_size,
            cluster_size: spec.cluster_size,
            vector_access_energy_pj: spec.vector_access_energy,
            area_um2: spec.area,
            cycles: lcycles,
            slowdown,
            data_spaces: dss,
            energy_pj: lenergy,
            loops: level_loops[li].clone(),
        });
    }
    let arith_energy = macs as f64 * arch.arith.energy_per_op;
    energy += arith_energy;
    Ok(Stats {
        problem: prob.name.clone(),
        macs,
        cycles,
        utilization: if cycles > 0 {
            macs as f64 / (cycles as f64 * arch.arith.instances as f64)
        } else {
            0.0
        },
        energy_pj: energy,
        area_um2: area,
        arith: ArithStats {
            name: arch.arith.name.clone(),
            instances: arch.arith.instances,
            utilized_instances: utilized_macs,
            word_bits: arch.arith.word_bits,
            energy_per_op_pj: arch.arith.energy_per_op,
            cycles: compute_cycles,
            energy_pj: arith_energy,
            area_um2: arch.arith.area * arch.arith.instances as f64,
        },
        levels,
    })
}

/// Each level's loops as Timeloop prints them, outermost first.
fn loop_texts(mapping: &Mapping, prob: &Problem) -> Vec<Vec<String>> {
    let nest = mapping.nest();
    let mut out = vec![Vec::new(); mapping.levels.len()];
    let mut level = 0;
    for (i, l) in nest.loops.iter().enumerate() {
        while level + 1 < nest.boundaries.len() && i > nest.boundaries[level] {
            level += 1;
        }
        let tag = if l.spatial {
            if l.x {
                " (Spatial-X)"
            } else {
                " (Spatial-Y)"
            }
        } else {
            ""
        };
        out[level].push(format!("for {} in [0:{}){tag}", prob.dims[l.dim], l.end));
    }
    for v in out.iter_mut() {
        v.reverse();
    }
    out
}

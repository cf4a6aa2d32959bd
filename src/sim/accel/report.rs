//! The text report in the layout of `timeloop-model.stats.txt` (level sections with SPECS,
//! MAPPING and per-data-space STATS, then the summary), so a Timeloop user can diff the two.

use std::fmt::Write;

use super::model::Stats;

fn opt(v: Option<u64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

pub fn text(s: &Stats) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Buffer and Arithmetic Levels\n----------------------------"
    );
    let _ = writeln!(o, "Level 0\n-------\n=== {} ===\n", s.arith.name);
    let _ = writeln!(o, "    SPECS\n    -----");
    let _ = writeln!(o, "    Word bits            : {}", s.arith.word_bits);
    let _ = writeln!(o, "    Instances            : {}", s.arith.instances);
    let _ = writeln!(
        o,
        "    Energy-per-op        : {:.2} pJ\n",
        s.arith.energy_per_op_pj
    );
    let _ = writeln!(o, "    STATS\n    -----");
    let _ = writeln!(
        o,
        "    Utilized instances   : {}",
        s.arith.utilized_instances
    );
    let _ = writeln!(o, "    Cycles               : {}", s.arith.cycles);
    let _ = writeln!(o, "    Energy (total)       : {:.2} pJ", s.arith.energy_pj);
    let _ = writeln!(
        o,
        "    Area (total)         : {:.2} um^2\n",
        s.arith.area_um2
    );
    for (i, l) in s.levels.iter().enumerate() {
        let _ = writeln!(o, "Level {}\n-------\n=== {} ===\n", i + 1, l.name);
        let _ = writeln!(o, "    SPECS\n    -----");
        let _ = writeln!(o, "        Size                 : {}", opt(l.size));
        let _ = writeln!(o, "        Word bits            : {}", l.word_bits);
        let _ = writeln!(o, "        Block size           : {}", l.block_size);
        let _ = writeln!(o, "        Cluster size         : {}", l.cluster_size);
        let _ = writeln!(o, "        Instances            : {}", l.instances);
        let _ = writeln!(
            o,
            "        Vector access energy : {:.2} pJ",
            l.vector_access_energy_pj
        );
        let _ = writeln!(o, "        Area                 : {:.2} um^2\n", l.area_um2);
        let _ = writeln!(o, "    MAPPING\n    -------\n    Loop nest:");
        for lp in &l.loops {
            let _ = writeln!(o, "      {lp}");
        }
        let _ = writeln!(o, "\n    STATS\n    -----");
        let _ = writeln!(o, "    Cycles               : {}", l.cycles);
        let _ = writeln!(o, "    Bandwidth throttling : {:.2}", l.slowdown);
        for d in l.data_spaces.iter().filter(|d| d.kept) {
            let _ = writeln!(o, "    {}:", d.name);
            let rows: [(&str, String); 12] = [
                ("Partition size", d.partition_size.to_string()),
                ("Utilized capacity", d.utilized_capacity.to_string()),
                ("Utilized instances (max)", d.utilized_instances.to_string()),
                ("Scalar reads (per-instance)", d.reads.to_string()),
                ("Scalar updates (per-instance)", d.updates.to_string()),
                ("Scalar fills (per-instance)", d.fills.to_string()),
                (
                    "Temporal reductions (per-instance)",
                    d.temporal_reductions.to_string(),
                ),
                (
                    "Energy (per-scalar-access)",
                    format!("{:.2} pJ", d.energy_per_scalar_access_pj),
                ),
                (
                    "Energy (per-instance)",
                    format!("{:.2} pJ", d.energy_per_instance_pj),
                ),
                ("Energy (total)", format!("{:.2} pJ", d.energy_pj)),
                (
                    "Read Bandwidth (per-instance)",
                    format!("{:.2} words/cycle", d.read_bandwidth),
                ),
                (
                    "Write Bandwidth (per-instance)",
                    format!("{:.2} words/cycle", d.write_bandwidth),
                ),
            ];
            for (k, v) in rows {
                let _ = writeln!(o, "        {k:<41}: {v}");
            }
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "Summary Stats\n-------------");
    let _ = writeln!(o, "Utilization: {:.2}", s.utilization);
    let _ = writeln!(o, "Cycles: {}", s.cycles);
    let _ = writeln!(o, "Energy: {:.2} uJ", s.energy_uj());
    let _ = writeln!(o, "Area: {:.2} mm^2\n", s.area_mm2());
    let _ = writeln!(o, "MACCs = {}", s.macs);
    let _ = writeln!(o, "pJ/MACC");
    let w = s
        .levels
        .iter()
        .map(|l| l.name.len())
        .chain([s.arith.name.len(), 5])
        .max()
        .unwrap_or(5);
    let per = |e: f64| if s.macs > 0 { e / s.macs as f64 } else { 0.0 };
    let _ = writeln!(
        o,
        "    {:<w$} = {:.2}",
        s.arith.name,
        per(s.arith.energy_pj)
    );
    for l in &s.levels {
        let _ = writeln!(o, "    {:<w$} = {:.2}", l.name, per(l.energy_pj));
    }
    let _ = writeln!(o, "    {:<w$} = {:.2}", "Total", per(s.energy_pj));
    o
}

/// The JSON form: the whole stats struct plus the headline numbers under stable names.
pub fn json(s: &Stats) -> serde_json::Value {
    let mut per_level = serde_json::Map::new();
    for l in &s.levels {
        let mut ds = serde_json::Map::new();
        for d in l.data_spaces.iter().filter(|d| d.kept) {
            ds.insert(d.name.clone(), serde_json::json!(d.energy_pj));
        }
        per_level.insert(
            l.name.clone(),
            serde_json::json!({"energy_pj": l.energy_pj, "data_spaces": ds}),
        );
    }
    per_level.insert(
        s.arith.name.clone(),
        serde_json::json!({"energy_pj": s.arith.energy_pj}),
    );
    serde_json::json!({
        "cycles": s.cycles,
        "energy_pj": s.energy_pj,
        "area_um2": s.area_um2,
        "utilization": s.utilization,
        "macs": s.macs,
        "energy_per_level": per_level,
        "stats": s,
    })
}

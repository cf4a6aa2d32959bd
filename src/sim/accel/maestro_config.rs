//! MAESTRO's hardware settings with its own meaning of the command line and of a hardware
//! file: a hardware file replaces the PE count, buffer sizes, NoC and off-chip bandwidth as a
//! whole (keys it lacks take the file defaults, not the command line's), and its NoC latency is
//! `NoC_NumHops` (default 1) where the command line's is `noc_hop_latency * noc_hops`
//! (default 0).

use super::error::AccelError;

/// MAESTRO's `INT_MAX` defaults (unbounded bandwidth or buffer).
pub const UNBOUNDED: i64 = i32::MAX as i64;

#[derive(Clone, Debug, PartialEq)]
pub struct MaestroConfig {
    pub num_pes: i64,
    pub noc_bw: i64,
    /// Head latency of a NoC transfer in cycles.
    pub noc_latency: i64,
    pub simd: i64,
    /// Buffer sizes given to MAESTRO; it only compares requirements with them (warnings).
    pub l1_size: i64,
    pub l2_size: i64,
    pub offchip_bw: i64,
}

/// The command-line options of `maestro` that change results; `None` = MAESTRO's default.
#[derive(Clone, Debug, Default)]
pub struct MaestroOptions {
    pub num_pes: Option<i64>,
    pub noc_bw: Option<i64>,
    pub noc_hops: Option<i64>,
    pub noc_hop_latency: Option<i64>,
    pub l1_size: Option<i64>,
    pub l2_size: Option<i64>,
    pub offchip_bw: Option<i64>,
    pub simd: Option<i64>,
}

impl MaestroConfig {
    /// MAESTRO's Eyeriss validation run (`validation/eyeriss/run_eval_alexnet_rs.sh`): 168 PEs,
    /// NoC bandwidth 14, hop latency 1, L1 5120, L2 1024000.
    pub fn eyeriss_validation() -> Self {
        Self::from_options(
            &MaestroOptions {
                num_pes: Some(168),
                noc_bw: Some(14),
                noc_hop_latency: Some(1),
                l1_size: Some(5120),
                l2_size: Some(1024000),
                ..Default::default()
            },
            None,
        )
        .unwrap_or_else(|_| unreachable!("constant options are valid"))
    }

    /// `hw` is a hardware file (path, text), read as MAESTRO's `--HW_file`.
    pub fn from_options(o: &MaestroOptions, hw: Option<(&str, &str)>) -> Result<Self, AccelError> {
        let mut c = MaestroConfig {
            num_pes: o.num_pes.unwrap_or(7),
            noc_bw: o.noc_bw.unwrap_or(UNBOUNDED),
            noc_latency: o.noc_hop_latency.unwrap_or(0) * o.noc_hops.unwrap_or(1),
            simd: o.simd.unwrap_or(1),
            l1_size: o.l1_size.unwrap_or(UNBOUNDED),
            l2_size: o.l2_size.unwrap_or(UNBOUNDED),
            offchip_bw: o.offchip_bw.unwrap_or(70000),
        };
        let mut origin = "command line".to_string();
        if let Some((path, text)) = hw {
            let (mut pes, mut l1, mut l2, mut bw, mut hops, mut off) =
                (1, UNBOUNDED, UNBOUNDED, UNBOUNDED, 1, UNBOUNDED);
            for (ln, line) in text.lines().enumerate() {
                let line = line.split("//").next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let syntax = |detail: String| AccelError::Syntax {
                    path: path.into(),
                    line: ln + 1,
                    detail,
                };
                let (k, v) = line
                    .split_once(':')
                    .ok_or_else(|| syntax(format!("expected `key: value`, found `{line}`")))?;
                let (k, v) = (k.trim(), v.trim().trim_end_matches(';').trim());
                let n: i64 = v
                    .parse()
                    .map_err(|_| syntax(format!("key `{k}`: value `{v}` is not an integer")))?;
                match k {
                    "num_pes" => pes = n,
                    "l1_size_cstr" => l1 = n,
                    "l2_size_cstr" => l2 = n,
                    "noc_bw_cstr" => bw = n,
                    "NoC_NumHops" => hops = n,
                    "offchip_bw_cstr" => off = n,
                    other => {
                        return Err(syntax(format!(
                            "unknown key `{other}` (MAESTRO reads num_pes, l1_size_cstr, l2_size_cstr, noc_bw_cstr, NoC_NumHops, offchip_bw_cstr)"
                        )))
                    }
                }
            }
            c.num_pes = pes;
            c.l1_size = l1;
            c.l2_size = l2;
            c.noc_bw = bw;
            c.noc_latency = hops;
            c.offchip_bw = off;
            origin = path.to_string();
        }
        for (key, v) in [
            ("num_pes", c.num_pes),
            ("noc_bw", c.noc_bw),
            ("offchip_bw", c.offchip_bw),
            ("num_simd_lanes", c.simd),
        ] {
            if v < 1 {
                return Err(AccelError::invalid(&origin, key, v, "a positive integer"));
            }
        }
        if c.noc_latency < 0 {
            return Err(AccelError::invalid(
                &origin,
                "noc_hop_latency",
                c.noc_latency,
                "zero or more cycles",
            ));
        }
        Ok(c)
    }
}

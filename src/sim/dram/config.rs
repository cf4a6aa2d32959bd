//! DRAMSys 4.0 configuration inputs (memspec, address mapping, memory-controller config) parsed
//! into plain structs, so existing DRAMSys JSON files work unchanged and a search can also build a
//! configuration from code or from ArchGym CSV columns.

use std::path::Path;

use serde_json::Value;

use super::error::DramError;
use super::kernel::Ps;
use super::mcconfig::{McConfig, RefreshPolicy};

/// The DRAM standards simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MemoryType {
    Ddr3,
    Ddr4,
    Lpddr4,
}

impl MemoryType {
    /// The memspec's own spelling (`memoryType`).
    pub fn name(self) -> &'static str {
        match self {
            MemoryType::Ddr3 => "DDR3",
            MemoryType::Ddr4 => "DDR4",
            MemoryType::Lpddr4 => "LPDDR4",
        }
    }
}

/// A DDR3, DDR4 or LPDDR4 device description (DRAMSys `memspec` JSON); timings are in clock
/// cycles.
#[derive(Clone, Debug, PartialEq)]
pub struct MemSpec {
    pub memory_id: String,
    pub memory_type: MemoryType,
    /// Bank groups per rank (1 for DDR3); `banks` counts all banks of a rank.
    pub bank_groups: u32,
    pub burst_length: u32,
    pub data_rate: u32,
    pub banks: u32,
    pub columns: u32,
    pub rows: u32,
    pub ranks: u32,
    pub width: u32,
    pub devices_on_dimm: u32,
    pub channels: u32,
    pub timing: Timing,
    /// DRAMPower's currents; `None` for LPDDR4, which DRAMSys 4.0 has no power model for.
    pub power: Option<PowerSpec>,
    pub clk_mhz: f64,
}

/// Timing parameters in clock cycles (names as in the memspec `memtimingspec`). For DDR4 `ccd`,
/// `rrd` and `wtr` are the other-bank-group values (`_S`) and the `_l` fields the same-group
/// ones; for DDR3 both are the one DDR3 value. `rpre`/`wpre` are DDR4 preambles (0 for DDR3).
/// LPDDR4 names some differently: `rp`/`rc` hold its per-bank RPPB/RCPB, `rfc` RFCAB, `xs` XSR
/// and `ckesr` SR; the fields after `rtrs` are LPDDR4-only (0 for DDR3/DDR4), and DDR-only
/// fields it lacks (AL, XPDLL, XSDLL, *PDEN) are 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    pub al: u64,
    pub ccd: u64,
    pub ccd_l: u64,
    pub rrd_l: u64,
    pub wtr_l: u64,
    pub rpre: u64,
    pub wpre: u64,
    pub cke: u64,
    pub ckesr: u64,
    pub dqsck: u64,
    pub faw: u64,
    pub ras: u64,
    pub rc: u64,
    pub rcd: u64,
    pub refi: u64,
    pub rfc: u64,
    pub rl: u64,
    pub rp: u64,
    pub rrd: u64,
    pub rtp: u64,
    pub wl: u64,
    pub wr: u64,
    pub wtr: u64,
    pub xp: u64,
    pub xpdll: u64,
    pub xs: u64,
    pub xsdll: u64,
    pub actpden: u64,
    pub prpden: u64,
    pub refpden: u64,
    pub rtrs: u64,
    pub rp_ab: u64,
    pub rc_ab: u64,
    pub refi_pb: u64,
    pub rfc_pb: u64,
    pub ppd: u64,
    pub rpst: u64,
    pub dqss: u64,
    pub dqs2dq: u64,
    pub cmdcke: u64,
}

/// IDD currents (mA) and supply voltage (V) used by the DRAMPower energy model.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerSpec {
    pub idd0: f64,
    pub idd2n: f64,
    pub idd2p0: f64,
    pub idd2p1: f64,
    pub idd3n: f64,
    pub idd3p0: f64,
    pub idd3p1: f64,
    pub idd4r: f64,
    pub idd4w: f64,
    pub idd5: f64,
    pub idd6: f64,
    pub vdd: f64,
    /// DDR4's second supply (VPP) and its activate and self-refresh currents (0 for DDR3).
    pub idd02: f64,
    pub idd62: f64,
    pub vdd2: f64,
}

impl MemSpec {
    /// The clock period in picoseconds, rounded as SystemC rounds `sc_time(1/f, SC_US)`.
    pub fn tck_ps(&self) -> Ps {
        (1.0e6 / self.clk_mhz).round() as Ps
    }

    /// Bytes moved by one read or write burst across the whole DIMM.
    pub fn bytes_per_burst(&self) -> u64 {
        u64::from(self.burst_length) * u64::from(self.width) * u64::from(self.devices_on_dimm) / 8
    }

    pub fn from_json_str(text: &str, path: &str) -> Result<Self, DramError> {
        let doc: Value = serde_json::from_str(text).map_err(|source| DramError::Json {
            path: path.to_string(),
            source,
        })?;
        let spec = obj(&doc, "memspec", path)?;
        let memory_type = match string(spec, "memoryType", path)?.as_str() {
            "DDR3" => MemoryType::Ddr3,
            "DDR4" => MemoryType::Ddr4,
            "LPDDR4" => MemoryType::Lpddr4,
            other => {
                return Err(DramError::UnsupportedMemory {
                    path: path.to_string(),
                    memory_type: other.to_string(),
                })
            }
        };
        let ddr4 = memory_type == MemoryType::Ddr4;
        let arch = obj(spec, "memarchitecturespec", path)?;
        let t = obj(spec, "memtimingspec", path)?;
        let u = |o: &Value, f: &str| uint(o, f, path);
        if memory_type == MemoryType::Lpddr4 {
            let timing = lpddr4_timing(t, path)?;
            return MemSpec::finish(spec, arch, t, memory_type, 1, timing, None, path);
        }
        let p = obj(spec, "mempowerspec", path)?;
        let d = |f: &str| positive(p, f, path);
        // DDR4 names its bank-group pairs _S/_L; DDR3 has one value for both
        let pair = |name: &str| -> Result<(u64, u64), DramError> {
            if ddr4 {
                Ok((u(t, &format!("{name}_S"))?, u(t, &format!("{name}_L"))?))
            } else {
                let v = u(t, name)?;
                Ok((v, v))
            }
        };
        let (ccd, ccd_l) = pair("CCD")?;
        let (rrd, rrd_l) = pair("RRD")?;
        let (wtr, wtr_l) = pair("WTR")?;
        let (rpre, wpre) = if ddr4 {
            (u(t, "RPRE")?, u(t, "WPRE")?)
        } else {
            (0, 0)
        };
        if ddr4 {
            let refm = u(t, "REFM")?;
            if refm != 1 {
                return Err(DramError::invalid(
                    path,
                    "REFM",
                    refm,
                    "only the normal refresh mode 1 is simulated",
                ));
            }
        }
        let timing = Timing {
            al: u(t, "AL")?,
            ccd,
            ccd_l,
            rrd_l,
            wtr_l,
            rpre,
            wpre,
            cke: u(t, "CKE")?,
            ckesr: u(t, "CKESR")?,
            dqsck: u(t, "DQSCK")?,
            faw: u(t, "FAW")?,
            ras: u(t, "RAS")?,
            rc: u(t, "RC")?,
            rcd: u(t, "RCD")?,
            refi: u(t, "REFI")?,
            rfc: u(t, "RFC")?,
            rl: u(t, "RL")?,
            rp: u(t, "RP")?,
            rrd,
            rtp: u(t, "RTP")?,
            wl: u(t, "WL")?,
            wr: u(t, "WR")?,
            wtr,
            xp: u(t, "XP")?,
            xpdll: u(t, "XPDLL")?,
            xs: u(t, "XS")?,
            xsdll: u(t, "XSDLL")?,
            actpden: u(t, "ACTPDEN")?,
            prpden: u(t, "PRPDEN")?,
            refpden: u(t, "REFPDEN")?,
            rtrs: u(t, "RTRS")?,
            rp_ab: 0,
            rc_ab: 0,
            refi_pb: 0,
            rfc_pb: 0,
            ppd: 0,
            rpst: 0,
            dqss: 0,
            dqs2dq: 0,
            cmdcke: 0,
        };
        let power = PowerSpec {
            idd0: d("idd0")?,
            idd2n: d("idd2n")?,
            idd2p0: d("idd2p0")?,
            idd2p1: d("idd2p1")?,
            idd3n: d("idd3n")?,
            idd3p0: d("idd3p0")?,
            idd3p1: d("idd3p1")?,
            idd4r: d("idd4r")?,
            idd4w: d("idd4w")?,
            idd5: d("idd5")?,
            idd6: d("idd6")?,
            vdd: d("vdd")?,
            idd02: if ddr4 { d("idd02")? } else { 0.0 },
            idd62: if ddr4 { d("idd62")? } else { 0.0 },
            vdd2: if ddr4 { d("vdd2")? } else { 0.0 },
        };
        let bank_groups = if ddr4 {
            small(arch, "nbrOfBankGroups", path)?
        } else {
            1
        };
        MemSpec::finish(
            spec,
            arch,
            t,
            memory_type,
            bank_groups,
            timing,
            Some(power),
            path,
        )
    }

    /// The architecture fields every standard shares, and the checks on the whole spec.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        spec: &Value,
        arch: &Value,
        t: &Value,
        memory_type: MemoryType,
        bank_groups: u32,
        timing: Timing,
        power: Option<PowerSpec>,
        path: &str,
    ) -> Result<Self, DramError> {
        let spec = MemSpec {
            memory_id: string(spec, "memoryId", path)?,
            memory_type,
            bank_groups,
            burst_length: small(arch, "burstLength", path)?,
            data_rate: small(arch, "dataRate", path)?,
            banks: small(arch, "nbrOfBanks", path)?,
            columns: small(arch, "nbrOfColumns", path)?,
            rows: small(arch, "nbrOfRows", path)?,
            ranks: small(arch, "nbrOfRanks", path)?,
            width: small(arch, "width", path)?,
            // DRAMSys's LPDDR4 memspec has no DIMM: one device per channel, whatever the file says
            devices_on_dimm: if memory_type == MemoryType::Lpddr4 {
                1
            } else {
                small(arch, "nbrOfDevicesOnDIMM", path)?
            },
            channels: small(arch, "nbrOfChannels", path)?,
            timing,
            power,
            clk_mhz: positive(t, "clkMhz", path)?,
        };
        if spec.channels != 1 {
            return Err(DramError::invalid(
                path,
                "nbrOfChannels",
                spec.channels,
                "only single-channel memories are simulated",
            ));
        }
        if !spec.banks.is_multiple_of(spec.bank_groups) {
            return Err(DramError::invalid(
                path,
                "nbrOfBankGroups",
                spec.bank_groups,
                "must divide nbrOfBanks",
            ));
        }
        if !spec.burst_length.is_multiple_of(spec.data_rate) {
            return Err(DramError::invalid(
                path,
                "burstLength",
                spec.burst_length,
                "must be a multiple of dataRate",
            ));
        }
        super::limits::check_memspec(&spec, path)?;
        Ok(spec)
    }
}

/// CONGEN address mapping: which address bit feeds which bit of each coordinate.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AddressMapping {
    pub xor: Vec<(u32, u32)>,
    pub channel_bits: Vec<u32>,
    pub rank_bits: Vec<u32>,
    pub bankgroup_bits: Vec<u32>,
    pub bank_bits: Vec<u32>,
    pub row_bits: Vec<u32>,
    pub column_bits: Vec<u32>,
    pub byte_bits: Vec<u32>,
}

/// A decoded request address (bank is the global bank index across ranks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub rank: u32,
    pub bank: u32,
    pub row: u32,
    pub column: u32,
}

impl AddressMapping {
    pub fn from_json_str(text: &str, path: &str) -> Result<Self, DramError> {
        let doc: Value = serde_json::from_str(text).map_err(|source| DramError::Json {
            path: path.to_string(),
            source,
        })?;
        let congen = obj(&doc, "CONGEN", path)?;
        let mapping = match congen.get("SOLUTION") {
            Some(Value::Array(solutions)) => solutions
                .iter()
                .find(|s| s.get("ID").and_then(Value::as_u64) == Some(0))
                .ok_or_else(|| DramError::missing(path, "CONGEN.SOLUTION[ID=0]"))?,
            _ => congen,
        };
        let bits = |f: &str| -> Result<Vec<u32>, DramError> {
            match mapping.get(f) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| match v.as_u64() {
                        Some(b) if b < 64 => Ok(b as u32),
                        _ => Err(DramError::invalid(
                            path,
                            f,
                            v,
                            "expected bit positions 0..63",
                        )),
                    })
                    .collect(),
                Some(other) => Err(DramError::invalid(
                    path,
                    f,
                    other,
                    "expected a list of bit positions",
                )),
            }
        };
        let mut xor = Vec::new();
        if let Some(Value::Array(items)) = mapping.get("XOR") {
            for item in items {
                let first = item.get("FIRST").and_then(Value::as_u64);
                let second = item.get("SECOND").and_then(Value::as_u64);
                match (first, second) {
                    (Some(a), Some(b)) if a < 64 && b < 64 => xor.push((a as u32, b as u32)),
                    _ => {
                        return Err(DramError::invalid(
                            path,
                            "XOR",
                            item,
                            "expected {FIRST, SECOND} bit positions",
                        ))
                    }
                }
            }
        }
        let am = AddressMapping {
            xor,
            channel_bits: bits("CHANNEL_BIT")?,
            rank_bits: bits("RANK_BIT")?,
            bankgroup_bits: bits("BANKGROUP_BIT")?,
            bank_bits: bits("BANK_BIT")?,
            row_bits: bits("ROW_BIT")?,
            column_bits: bits("COLUMN_BIT")?,
            byte_bits: bits("BYTE_BIT")?,
        };
        if am.bank_bits.is_empty() && am.row_bits.is_empty() && am.column_bits.is_empty() {
            return Err(DramError::missing(
                path,
                "CONGEN.BANK_BIT/ROW_BIT/COLUMN_BIT",
            ));
        }
        am.check_distinct(path)?;
        Ok(am)
    }

    /// Each address bit feeds one coordinate bit at most (a bit listed twice would make two
    /// addresses decode to one cell, or one coordinate bit silently win).
    pub fn check_distinct(&self, path: &str) -> Result<(), DramError> {
        let mut owner: [Option<&str>; 64] = [None; 64];
        for (field, bits) in [
            ("CHANNEL_BIT", &self.channel_bits),
            ("RANK_BIT", &self.rank_bits),
            ("BANKGROUP_BIT", &self.bankgroup_bits),
            ("BANK_BIT", &self.bank_bits),
            ("ROW_BIT", &self.row_bits),
            ("COLUMN_BIT", &self.column_bits),
            ("BYTE_BIT", &self.byte_bits),
        ] {
            for &b in bits {
                let Some(slot) = owner.get_mut(b as usize) else {
                    return Err(DramError::invalid(
                        path,
                        field,
                        b,
                        "expected bit positions 0..63",
                    ));
                };
                if let Some(first) = slot {
                    return Err(DramError::invalid(
                        path,
                        field,
                        b,
                        &format!("address bit {b} is already used by {first}"),
                    ));
                }
                *slot = Some(field);
            }
        }
        Ok(())
    }

    fn total_bits(&self) -> usize {
        self.channel_bits.len()
            + self.rank_bits.len()
            + self.bankgroup_bits.len()
            + self.bank_bits.len()
            + self.row_bits.len()
            + self.column_bits.len()
            + self.byte_bits.len()
    }

    /// The highest address the mapping can decode (DRAMSys `maximumAddress`).
    pub fn max_address(&self) -> u64 {
        let bits = self.total_bits();
        if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    /// Checks that the mapping describes the memspec's geometry, as DRAMSys's AddressDecoder does.
    pub fn check_against(&self, spec: &MemSpec, path: &str) -> Result<(), DramError> {
        let pow = |v: &Vec<u32>| 1u64 << v.len().min(63);
        let checks = [
            (
                "channels",
                pow(&self.channel_bits),
                u64::from(spec.channels),
            ),
            ("ranks", pow(&self.rank_bits), u64::from(spec.ranks)),
            (
                "bank groups",
                pow(&self.bankgroup_bits),
                u64::from(spec.bank_groups),
            ),
            (
                "banks per bank group",
                pow(&self.bank_bits),
                u64::from(spec.banks / spec.bank_groups.max(1)),
            ),
            ("rows", pow(&self.row_bits), u64::from(spec.rows)),
            ("columns", pow(&self.column_bits), u64::from(spec.columns)),
            (
                "bytes per column",
                pow(&self.byte_bits),
                u64::from(spec.devices_on_dimm) * u64::from(spec.width) / 8,
            ),
        ];
        for (what, mapped, expected) in checks {
            if mapped != expected {
                return Err(DramError::MappingMismatch {
                    path: path.to_string(),
                    detail: format!("{what}: the mapping gives {mapped}, the memspec {expected}"),
                });
            }
        }
        Ok(())
    }

    pub fn decode(&self, addr: u64, banks_per_rank: u32) -> Decoded {
        let mut a = addr;
        for &(first, second) in &self.xor {
            let bit = ((a >> first) ^ (a >> second)) & 1;
            a = (a & !(1u64 << first)) | (bit << first);
        }
        let gather = |bits: &[u32]| -> u32 {
            bits.iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | ((((a >> b) & 1) as u32) << i))
        };
        let rank = gather(&self.rank_bits);
        // DRAMSys numbers banks across groups: bank + group * banks per group
        let per_group = 1u32 << self.bank_bits.len().min(31);
        Decoded {
            rank,
            bank: gather(&self.bank_bits)
                + gather(&self.bankgroup_bits) * per_group
                + rank * banks_per_rank,
            row: gather(&self.row_bits),
            column: gather(&self.column_bits),
        }
    }
}

/// Everything the simulator needs besides the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct DramConfig {
    pub memspec: MemSpec,
    pub mapping: AddressMapping,
    pub mc: McConfig,
    /// Clock of the trace player in MHz (the `clkMhz` of the simulation's trace setup).
    pub trace_clk_mhz: f64,
}

impl DramConfig {
    /// Combines the parts after checking that the mapping fits the memspec.
    pub fn new(
        memspec: MemSpec,
        mapping: AddressMapping,
        mc: McConfig,
        trace_clk_mhz: f64,
    ) -> Result<Self, DramError> {
        let cfg = DramConfig {
            memspec,
            mapping,
            mc,
            trace_clk_mhz,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Checks every part against the ranges of [`super::limits`] (parsed parts were checked when
    /// read; this catches parts built or changed in code, and runs before every simulation).
    pub fn check(&self) -> Result<(), DramError> {
        super::limits::check_memspec(&self.memspec, &self.memspec.memory_id)?;
        self.mapping.check_distinct("address mapping")?;
        self.mapping
            .check_against(&self.memspec, "address mapping")?;
        super::limits::check_mc(&self.mc, "mcconfig")?;
        self.check_refresh("mcconfig")?;
        super::limits::check_clock("trace setup", "clkMhz", self.trace_clk_mhz)
    }

    /// The refresh policies DRAMSys 4.0 can simulate for the memspec's standard: per-bank refresh
    /// for LPDDR4 only (its other memspecs abort with "Per bank refresh not supported"), same-bank
    /// refresh for none of DDR3, DDR4 and LPDDR4.
    pub fn check_refresh(&self, path: &str) -> Result<(), DramError> {
        let kind = self.memspec.memory_type;
        let why = match (self.mc.refresh_policy, kind) {
            (RefreshPolicy::SameBank, _) => {
                "DRAMSys 4.0 simulates same-bank refresh for none of DDR3, DDR4 and LPDDR4"
            }
            (RefreshPolicy::PerBank, MemoryType::Ddr3 | MemoryType::Ddr4) => {
                "DRAMSys 4.0 simulates per-bank refresh for LPDDR4 only"
            }
            _ => return Ok(()),
        };
        Err(DramError::invalid(
            path,
            "RefreshPolicy",
            format!("{:?}", self.mc.refresh_policy),
            &format!(
                "{why} (memspec {} is {}); use NoRefresh or AllBank",
                self.memspec.memory_id,
                kind.name()
            ),
        ))
    }

    /// Reads the three DRAMSys JSON files.
    pub fn from_files(
        memspec: &Path,
        mapping: &Path,
        mcconfig: &Path,
        trace_clk_mhz: f64,
    ) -> Result<Self, DramError> {
        let spec = MemSpec::from_json_str(&read(memspec)?, &memspec.display().to_string())?;
        let am_path = mapping.display().to_string();
        let am = AddressMapping::from_json_str(&read(mapping)?, &am_path)?;
        am.check_against(&spec, &am_path)?;
        let mc_path = mcconfig.display().to_string();
        let mc = McConfig::from_json_str(&read(mcconfig)?, &mc_path)?;
        let cfg = DramConfig {
            memspec: spec,
            mapping: am,
            mc,
            trace_clk_mhz,
        };
        // the file's own name in the message, before `check` names it generically
        cfg.check_refresh(&mc_path)?;
        cfg.check()?;
        Ok(cfg)
    }

    /// The same memory and mapping with another controller configuration (for searches).
    /// (Checked when simulated, as every public field is.)
    pub fn with_mc(&self, mc: McConfig) -> Self {
        DramConfig { mc, ..self.clone() }
    }
}

pub(crate) fn read(path: &Path) -> Result<String, DramError> {
    std::fs::read_to_string(path).map_err(|source| DramError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// LPDDR4's `memtimingspec` (DRAMSys `MemSpecLPDDR4`), into the shared field names.
fn lpddr4_timing(t: &Value, path: &str) -> Result<Timing, DramError> {
    let u = |f: &str| uint(t, f, path);
    // DRAMSys reads ESCKE too, so a memspec without it is refused as DRAMSys refuses it
    u("ESCKE")?;
    let (ccd, rrd, wtr) = (u("CCD")?, u("RRD")?, u("WTR")?);
    Ok(Timing {
        al: 0,
        ccd,
        ccd_l: ccd,
        rrd_l: rrd,
        wtr_l: wtr,
        rpre: 0,
        wpre: u("WPRE")?,
        cke: u("CKE")?,
        ckesr: u("SR")?,
        dqsck: u("DQSCK")?,
        faw: u("FAW")?,
        ras: u("RAS")?,
        rc: u("RCPB")?,
        rcd: u("RCD")?,
        refi: u("REFI")?,
        rfc: u("RFCAB")?,
        rl: u("RL")?,
        rp: u("RPPB")?,
        rrd,
        rtp: u("RTP")?,
        wl: u("WL")?,
        wr: u("WR")?,
        wtr,
        xp: u("XP")?,
        xpdll: 0,
        xs: u("XSR")?,
        xsdll: 0,
        actpden: 0,
        prpden: 0,
        refpden: 0,
        rtrs: u("RTRS")?,
        rp_ab: u("RPAB")?,
        rc_ab: u("RCAB")?,
        refi_pb: u("REFIPB")?,
        rfc_pb: u("RFCPB")?,
        ppd: u("PPD")?,
        rpst: u("RPST")?,
        dqss: u("DQSS")?,
        dqs2dq: u("DQS2DQ")?,
        cmdcke: u("CMDCKE")?,
    })
}

/// A positive 32-bit architecture count.
fn small(o: &Value, f: &str, path: &str) -> Result<u32, DramError> {
    let v = uint(o, f, path)?;
    if v == 0 || v > u64::from(u32::MAX) {
        return Err(DramError::invalid(
            path,
            f,
            v,
            "expected a positive 32-bit integer",
        ));
    }
    Ok(v as u32)
}

fn obj<'a>(v: &'a Value, field: &str, path: &str) -> Result<&'a Value, DramError> {
    match v.get(field) {
        Some(x) if x.is_object() => Ok(x),
        Some(x) => Err(DramError::invalid(path, field, x, "expected an object")),
        None => Err(DramError::missing(path, field)),
    }
}

fn string(v: &Value, field: &str, path: &str) -> Result<String, DramError> {
    match v.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(x) => Err(DramError::invalid(path, field, x, "expected a string")),
        None => Err(DramError::missing(path, field)),
    }
}

fn uint(v: &Value, field: &str, path: &str) -> Result<u64, DramError> {
    match v.get(field) {
        Some(x) => x
            .as_u64()
            .ok_or_else(|| DramError::invalid(path, field, x, "expected an unsigned integer")),
        None => Err(DramError::missing(path, field)),
    }
}

fn positive(v: &Value, field: &str, path: &str) -> Result<f64, DramError> {
    match v.get(field) {
        Some(x) => x
            .as_f64()
            .filter(|f| *f > 0.0 && f.is_finite())
            .ok_or_else(|| DramError::invalid(path, field, x, "expected a positive number")),
        None => Err(DramError::missing(path, field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn congen_mapping_decodes_row_bank_column() {
        let am = AddressMapping {
            bank_bits: vec![13, 14, 15],
            row_bits: (16..30).collect(),
            column_bits: (3..13).collect(),
            byte_bits: vec![0, 1, 2],
            ..AddressMapping::default()
        };
        assert_eq!(am.max_address(), (1 << 30) - 1);
        let addr = (5u64 << 16) | (3 << 13) | (8 << 3);
        assert_eq!(
            am.decode(addr, 8),
            Decoded {
                rank: 0,
                bank: 3,
                row: 5,
                column: 8
            }
        );
    }
}

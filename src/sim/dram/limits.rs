//! The ranges a real DDR3 part, controller and trace can have, checked once when a configuration is
//! built. Inside them every time in picoseconds fits a `u64` with room to spare, so the engine's
//! arithmetic cannot wrap into a faster-than-possible answer, and every loop of the engine ends.
//! Values outside them are typos or a careless search (a tRCD of 2^63 cycles, a 10 THz clock), and
//! get an error naming the file, field and value instead of a panic or a silent wrong result.

use super::config::{MemSpec, MemoryType, PowerSpec, Timing};
use super::error::DramError;
use super::mcconfig::McConfig;

/// DRAM and trace-player clocks in MHz (DDR3 runs at 400-1066 MHz; a CPU-side trace clock at a
/// few GHz): outside this the clock period rounds to 0 ps or overflows.
pub const CLK_MHZ: (f64, f64) = (1.0, 10_000.0);
/// Any timing parameter, in clock cycles (DDR3's longest, tXSDLL, is 512; tREFI is ~6,000-12,000).
pub const MAX_TIMING_CYCLES: u64 = 1_000_000;
/// The shortest refresh interval accepted (DDR3 refreshes every 7.8 µs, or 3.9 µs when hot).
pub const MIN_REFI_PS: u64 = 1_000_000;
/// IDD currents in mA (a DDR3 device draws at most a few hundred) and the supply in volts.
pub const MAX_IDD_MA: f64 = 10_000.0;
pub const MAX_VDD: f64 = 5.0;
/// The latest time a trace may issue a request, in ps (2^45 ps, about 35 s of simulated time;
/// DRAMSys traces cover milliseconds).
pub const MAX_TRACE_TIME_PS: u64 = 1 << 45;
/// Longest STL line read (real lines are under 40 bytes); a longer one, or a file without line
/// breaks such as /dev/zero, is an error instead of an ever-growing buffer.
pub const MAX_LINE_BYTES: usize = 4096;
/// Requests of a trace held in memory (32 bytes each, so at most 320 MB); longer traces can still
/// be streamed from a file.
pub const MAX_TRACE_REQUESTS: usize = 10_000_000;
/// Engine steps (process activations) allowed without a response while requests are outstanding,
/// or without simulated time moving; a healthy run needs a few thousand per response.
pub const STALL_STEPS: u64 = 20_000_000;

/// Checks an architecture count against `1..=max`.
fn count(path: &str, field: &str, v: u32, max: u32, why: &str) -> Result<(), DramError> {
    if v == 0 || v > max {
        return Err(DramError::invalid(
            path,
            field,
            v,
            &format!("expected 1..={max} ({why})"),
        ));
    }
    Ok(())
}

/// The trace player's (or the DRAM's) clock.
pub fn check_clock(path: &str, field: &str, mhz: f64) -> Result<(), DramError> {
    if !(mhz.is_finite() && (CLK_MHZ.0..=CLK_MHZ.1).contains(&mhz)) {
        return Err(DramError::invalid(
            path,
            field,
            mhz,
            &format!(
                "expected a clock of {} to {} MHz (DDR3 runs at 400-1066 MHz)",
                CLK_MHZ.0, CLK_MHZ.1
            ),
        ));
    }
    Ok(())
}

fn timing_fields(t: &Timing, kind: MemoryType) -> [(&'static str, u64, bool); 35] {
    // (memspec name, cycles, whether a real part can have 0); LPDDR4 spells five differently
    let lp = kind == MemoryType::Lpddr4;
    let name = |ddr: &'static str, lpddr4: &'static str| if lp { lpddr4 } else { ddr };
    [
        ("AL", t.al, true),
        ("CCD", t.ccd, false),
        ("CKE", t.cke, true),
        (name("CKESR", "SR"), t.ckesr, true),
        ("DQSCK", t.dqsck, true),
        ("FAW", t.faw, true),
        ("RAS", t.ras, false),
        (name("RC", "RCPB"), t.rc, false),
        ("RCD", t.rcd, false),
        ("REFI", t.refi, false),
        (name("RFC", "RFCAB"), t.rfc, false),
        ("RL", t.rl, false),
        (name("RP", "RPPB"), t.rp, false),
        ("RRD", t.rrd, true),
        ("RTP", t.rtp, true),
        ("WL", t.wl, false),
        ("WR", t.wr, true),
        ("WTR", t.wtr, true),
        ("XP", t.xp, true),
        ("XPDLL", t.xpdll, true),
        (name("XS", "XSR"), t.xs, true),
        ("XSDLL", t.xsdll, true),
        ("ACTPDEN", t.actpden, true),
        ("PRPDEN", t.prpden, true),
        ("REFPDEN", t.refpden, true),
        ("RTRS", t.rtrs, true),
        ("RPAB", t.rp_ab, true),
        ("RCAB", t.rc_ab, true),
        ("REFIPB", t.refi_pb, true),
        ("RFCPB", t.rfc_pb, true),
        ("PPD", t.ppd, true),
        ("RPST", t.rpst, true),
        ("DQSS", t.dqss, true),
        ("DQS2DQ", t.dqs2dq, true),
        ("CMDCKE", t.cmdcke, true),
    ]
}

/// Everything of a memspec the engine relies on: geometry, clock, timings, currents.
pub fn check_memspec(s: &MemSpec, path: &str) -> Result<(), DramError> {
    count(path, "burstLength", s.burst_length, 32, "DDR3 bursts are 8")?;
    count(
        path,
        "dataRate",
        s.data_rate,
        8,
        "DDR3 transfers 2 per clock",
    )?;
    count(path, "nbrOfBanks", s.banks, 64, "DDR3 has 8 banks")?;
    count(path, "nbrOfRanks", s.ranks, 16, "a DIMM has 1-4 ranks")?;
    count(
        path,
        "nbrOfRows",
        s.rows,
        1 << 20,
        "DDR3 has up to 65,536 rows",
    )?;
    count(
        path,
        "nbrOfColumns",
        s.columns,
        1 << 16,
        "DDR3 has 1,024-2,048 columns",
    )?;
    count(path, "width", s.width, 64, "DDR3 devices are x4, x8 or x16")?;
    count(
        path,
        "nbrOfDevicesOnDIMM",
        s.devices_on_dimm,
        72,
        "a DIMM has up to 18 devices",
    )?;
    check_clock(path, "clkMhz", s.clk_mhz)?;
    for (field, v, zero_ok) in timing_fields(&s.timing, s.memory_type) {
        if v > MAX_TIMING_CYCLES || (v == 0 && !zero_ok) {
            let lo = if zero_ok { 0 } else { 1 };
            return Err(DramError::invalid(
                path,
                field,
                v,
                &format!("expected {lo}..={MAX_TIMING_CYCLES} clock cycles"),
            ));
        }
    }
    let t = &s.timing;
    // Column commands of one rank are spaced by CCD only, so a burst longer than CCD overlapped
    // the next one on the data bus: 106% of peak bandwidth with burstLength 13 and dataRate 1
    // (found by tests/parsers_prop.rs). A real part has CCD >= BL/dataRate (DDR3: 4 = 8/2).
    let burst_cycles = u64::from(s.burst_length / s.data_rate.max(1));
    if t.ccd < burst_cycles {
        return Err(DramError::invalid(
            path,
            "CCD",
            t.ccd,
            &format!(
                "a burst occupies the data bus for burstLength/dataRate = {}/{} = {burst_cycles} clock cycles, so CCD must be at least that",
                s.burst_length, s.data_rate
            ),
        ));
    }
    if t.refi <= t.rfc {
        return Err(DramError::invalid(
            path,
            "REFI",
            t.refi,
            &format!("the refresh interval must be longer than RFC ({})", t.rfc),
        ));
    }
    let refi_ps = t.refi * s.tck_ps();
    if refi_ps < MIN_REFI_PS {
        return Err(DramError::invalid(
            path,
            "REFI",
            t.refi,
            &format!(
                "{refi_ps} ps is shorter than {} µs (DDR3 refreshes every 7.8 µs)",
                MIN_REFI_PS / 1_000_000
            ),
        ));
    }
    if t.rc < t.ras {
        return Err(DramError::invalid(
            path,
            "RC",
            t.rc,
            &format!("tRC is tRAS + tRP, so at least RAS ({})", t.ras),
        ));
    }
    if s.memory_type == MemoryType::Lpddr4 && t.refi_pb <= t.rfc_pb {
        return Err(DramError::invalid(
            path,
            "REFIPB",
            t.refi_pb,
            &format!(
                "the per-bank refresh interval must be longer than RFCPB ({})",
                t.rfc_pb
            ),
        ));
    }
    match &s.power {
        Some(p) => check_power(p, path),
        None => Ok(()),
    }
}

/// DRAMPower's currents and supply.
fn check_power(p: &PowerSpec, path: &str) -> Result<(), DramError> {
    for (field, v) in [
        ("idd0", p.idd0),
        ("idd2n", p.idd2n),
        ("idd2p0", p.idd2p0),
        ("idd2p1", p.idd2p1),
        ("idd3n", p.idd3n),
        ("idd3p0", p.idd3p0),
        ("idd3p1", p.idd3p1),
        ("idd4r", p.idd4r),
        ("idd4w", p.idd4w),
        ("idd5", p.idd5),
        ("idd6", p.idd6),
    ] {
        if !(v.is_finite() && v > 0.0 && v <= MAX_IDD_MA) {
            return Err(DramError::invalid(
                path,
                field,
                v,
                &format!("expected a current of (0, {MAX_IDD_MA}] mA"),
            ));
        }
    }
    // DRAMPower charges each command the current above the background one: a part drawing less
    // while active than idle would get negative energy (found by tests/parsers_prop.rs)
    for (field, v, base, base_name) in [
        ("idd0", p.idd0, p.idd3n, "idd3n"),
        ("idd0", p.idd0, p.idd2n, "idd2n"),
        ("idd4r", p.idd4r, p.idd3n, "idd3n"),
        ("idd4w", p.idd4w, p.idd3n, "idd3n"),
        ("idd5", p.idd5, p.idd3n, "idd3n"),
    ] {
        if v < base {
            return Err(DramError::invalid(
                path,
                field,
                v,
                &format!("a real part draws at least {base_name} ({base} mA) here"),
            ));
        }
    }
    if !(p.vdd.is_finite() && p.vdd > 0.0 && p.vdd <= MAX_VDD) {
        return Err(DramError::invalid(
            path,
            "vdd",
            p.vdd,
            &format!("expected a supply of (0, {MAX_VDD}] V (DDR3: 1.5 V)"),
        ));
    }
    Ok(())
}

/// Buffer sizes, transaction counts and delays of a controller configuration.
pub fn check_mc(mc: &McConfig, path: &str) -> Result<(), DramError> {
    count(
        path,
        "RequestBufferSize",
        mc.request_buffer_size,
        4096,
        "DRAMSys uses 8",
    )?;
    count(
        path,
        "MaxActiveTransactions",
        mc.max_active_transactions,
        65_536,
        "DRAMSys uses 64",
    )?;
    for (field, v) in [
        ("RefreshMaxPostponed", mc.refresh_max_postponed),
        ("RefreshMaxPulledin", mc.refresh_max_pulledin),
    ] {
        if v > 64 {
            return Err(DramError::invalid(
                path,
                field,
                v,
                "expected 0..=64 (JEDEC allows 8)",
            ));
        }
    }
    for (field, v) in [
        ("ArbitrationDelayFw", mc.arbitration_delay_fw_ns),
        ("ArbitrationDelayBw", mc.arbitration_delay_bw_ns),
        ("ThinkDelayFw", mc.think_delay_fw_ns),
        ("ThinkDelayBw", mc.think_delay_bw_ns),
        ("PhyDelayFw", mc.phy_delay_fw_ns),
        ("PhyDelayBw", mc.phy_delay_bw_ns),
    ] {
        if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
            return Err(DramError::invalid(
                path,
                field,
                v,
                "expected 0 to 1,000,000 ns",
            ));
        }
    }
    Ok(())
}

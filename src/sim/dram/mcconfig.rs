//! The memory-controller configuration (DRAMSys `mcconfig`): page policy, scheduler, buffers,
//! refresh, arbiter. Parsed from DRAMSys JSON or from ArchGym CSV columns, or built in code by a
//! design-space search.

use serde_json::Value;

use super::error::DramError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PagePolicy {
    Open,
    OpenAdaptive,
    Closed,
    ClosedAdaptive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Scheduler {
    Fifo,
    FrFcfs,
    FrFcfsGrp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SchedulerBuffer {
    Bankwise,
    ReadWrite,
    Shared,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RespQueue {
    Fifo,
    Reorder,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RefreshPolicy {
    NoRefresh,
    AllBank,
    /// One bank at a time (REFB); DRAMSys 4.0 has it for LPDDR4 only.
    PerBank,
    /// Same bank of every bank group; DRAMSys 4.0 parses it but simulates it for none of DDR3,
    /// DDR4 and LPDDR4, so a simulation refuses it.
    SameBank,
}

/// DRAMSys's power-down managers: none, or Staggered (each rank powers down on its own when it
/// has no requests, and enters self-refresh from a precharged power-down the controller left idle).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum PowerDownPolicy {
    #[default]
    NoPowerDown,
    Staggered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Arbiter {
    Simple,
    Fifo,
    Reorder,
}

/// The memory-controller configuration (DRAMSys `mcconfig`). `CmdMux` is always `Oldest`; other
/// values are rejected when parsing.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct McConfig {
    pub page_policy: PagePolicy,
    pub scheduler: Scheduler,
    pub scheduler_buffer: SchedulerBuffer,
    pub request_buffer_size: u32,
    pub resp_queue: RespQueue,
    pub refresh_policy: RefreshPolicy,
    pub refresh_max_postponed: u32,
    pub refresh_max_pulledin: u32,
    pub arbiter: Arbiter,
    pub max_active_transactions: u32,
    /// Absent in configs saved before power-down was simulated; they meant `NoPowerDown`.
    #[serde(default)]
    pub power_down: PowerDownPolicy,
    /// Extra pipeline delays in nanoseconds (DRAMSys rounds them to whole clock cycles).
    pub arbitration_delay_fw_ns: f64,
    pub arbitration_delay_bw_ns: f64,
    pub think_delay_fw_ns: f64,
    pub think_delay_bw_ns: f64,
    pub phy_delay_fw_ns: f64,
    pub phy_delay_bw_ns: f64,
}

impl Default for McConfig {
    /// DRAMSys's built-in defaults for keys an mcconfig file leaves out.
    fn default() -> Self {
        McConfig {
            page_policy: PagePolicy::Open,
            scheduler: Scheduler::Fifo,
            scheduler_buffer: SchedulerBuffer::Bankwise,
            request_buffer_size: 8,
            resp_queue: RespQueue::Fifo,
            refresh_policy: RefreshPolicy::NoRefresh,
            refresh_max_postponed: 0,
            refresh_max_pulledin: 0,
            arbiter: Arbiter::Simple,
            max_active_transactions: 64,
            power_down: PowerDownPolicy::NoPowerDown,
            arbitration_delay_fw_ns: 0.0,
            arbitration_delay_bw_ns: 0.0,
            think_delay_fw_ns: 0.0,
            think_delay_bw_ns: 0.0,
            phy_delay_fw_ns: 0.0,
            phy_delay_bw_ns: 0.0,
        }
    }
}

/// The ten knobs ArchGym's DRAMGym searches over, with their CSV column names.
pub const ARCHGYM_COLUMNS: [&str; 10] = [
    "PagePolicy",
    "Scheduler",
    "SchedulerBuffer",
    "RequestBufferSize",
    "RespQueue",
    "RefreshPolicy",
    "RefreshMaxPostponed",
    "RefreshMaxPulledin",
    "Arbiter",
    "MaxActiveTransactions",
];

impl McConfig {
    /// Parses a DRAMSys mcconfig document (`{"mcconfig": {...}}`).
    pub fn from_json_str(text: &str, path: &str) -> Result<Self, DramError> {
        let doc: Value = serde_json::from_str(text).map_err(|source| DramError::Json {
            path: path.to_string(),
            source,
        })?;
        let mc = obj(&doc, "mcconfig", path)?;
        let map = mc
            .as_object()
            .ok_or_else(|| DramError::invalid(path, "mcconfig", mc, "expected an object"))?;
        let mut cfg = McConfig::default();
        for (key, value) in map {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(DramError::invalid(
                        path,
                        key,
                        other,
                        "expected a string or number",
                    ))
                }
            };
            cfg.set(key, &text, path)?;
        }
        super::limits::check_mc(&cfg, path)?;
        Ok(cfg)
    }

    /// Builds a config from ArchGym CSV columns (name, value); unknown columns are ignored so
    /// that metric columns can stay in the row. Missing knobs keep DRAMSys defaults.
    pub fn from_columns<'a, I>(columns: I, source: &str) -> Result<Self, DramError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut cfg = McConfig::default();
        for (key, value) in columns {
            let key = key.trim();
            if ARCHGYM_COLUMNS.contains(&key) || key == "CmdMux" || key == "PowerDownPolicy" {
                cfg.set(key, value.trim(), source)?;
            }
        }
        super::limits::check_mc(&cfg, source)?;
        Ok(cfg)
    }

    /// Sets one mcconfig parameter by its DRAMSys name.
    pub fn set(&mut self, key: &str, value: &str, path: &str) -> Result<(), DramError> {
        let bad = |expected: &str| DramError::invalid(path, key, format!("{value:?}"), expected);
        let uint = || -> Result<u32, DramError> {
            value
                .parse::<u32>()
                .map_err(|_| bad("expected a non-negative integer"))
        };
        let ns = || -> Result<f64, DramError> {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad("expected a non-negative number of nanoseconds"))
        };
        match key {
            "PagePolicy" => {
                self.page_policy = match value {
                    "Open" => PagePolicy::Open,
                    "OpenAdaptive" => PagePolicy::OpenAdaptive,
                    "Closed" => PagePolicy::Closed,
                    "ClosedAdaptive" => PagePolicy::ClosedAdaptive,
                    _ => return Err(bad("expected Open, OpenAdaptive, Closed or ClosedAdaptive")),
                }
            }
            "Scheduler" => {
                self.scheduler = match value {
                    "Fifo" => Scheduler::Fifo,
                    "FrFcfs" => Scheduler::FrFcfs,
                    "FrFcfsGrp" => Scheduler::FrFcfsGrp,
                    _ => return Err(bad("expected Fifo, FrFcfs or FrFcfsGrp")),
                }
            }
            "SchedulerBuffer" => {
                self.scheduler_buffer = match value {
                    "Bankwise" => SchedulerBuffer::Bankwise,
                    "ReadWrite" => SchedulerBuffer::ReadWrite,
                    "Shared" => SchedulerBuffer::Shared,
                    _ => return Err(bad("expected Bankwise, ReadWrite or Shared")),
                }
            }
            "RequestBufferSize" => {
                let v = uint()?;
                if v == 0 {
                    return Err(bad("the minimum request buffer size is 1"));
                }
                self.request_buffer_size = v;
            }
            "RespQueue" => {
                self.resp_queue = match value {
                    "Fifo" => RespQueue::Fifo,
                    "Reorder" => RespQueue::Reorder,
                    _ => return Err(bad("expected Fifo or Reorder")),
                }
            }
            "RefreshPolicy" => {
                self.refresh_policy = match value {
                    "NoRefresh" => RefreshPolicy::NoRefresh,
                    "AllBank" | "Rankwise" => RefreshPolicy::AllBank,
                    "PerBank" | "Bankwise" => RefreshPolicy::PerBank,
                    "SameBank" | "Groupwise" => RefreshPolicy::SameBank,
                    _ => return Err(bad("expected NoRefresh, AllBank, PerBank or SameBank")),
                }
            }
            "RefreshMaxPostponed" => self.refresh_max_postponed = uint()?,
            "RefreshMaxPulledin" => self.refresh_max_pulledin = uint()?,
            "Arbiter" => {
                self.arbiter = match value {
                    "Simple" => Arbiter::Simple,
                    "Fifo" => Arbiter::Fifo,
                    "Reorder" => Arbiter::Reorder,
                    _ => return Err(bad("expected Simple, Fifo or Reorder")),
                }
            }
            "MaxActiveTransactions" => {
                let v = uint()?;
                if v == 0 {
                    return Err(bad("at least one active transaction is needed"));
                }
                self.max_active_transactions = v;
            }
            "CmdMux" => {
                if value != "Oldest" {
                    return Err(bad("only Oldest is simulated"));
                }
            }
            "PowerDownPolicy" => {
                self.power_down = match value {
                    "NoPowerDown" => PowerDownPolicy::NoPowerDown,
                    "Staggered" => PowerDownPolicy::Staggered,
                    _ => return Err(bad("expected NoPowerDown or Staggered")),
                }
            }
            "PowerDownTimeout" => {
                uint()?;
            }
            "ArbitrationDelayFw" => self.arbitration_delay_fw_ns = ns()?,
            "ArbitrationDelayBw" => self.arbitration_delay_bw_ns = ns()?,
            "ThinkDelayFw" => self.think_delay_fw_ns = ns()?,
            "ThinkDelayBw" => self.think_delay_bw_ns = ns()?,
            "PhyDelayFw" => self.phy_delay_fw_ns = ns()?,
            "PhyDelayBw" => self.phy_delay_bw_ns = ns()?,
            _ => {
                return Err(DramError::invalid(
                    path,
                    key,
                    format!("{value:?}"),
                    "unknown mcconfig parameter",
                ))
            }
        }
        Ok(())
    }

    /// The values of the ten ArchGym knobs, in [`ARCHGYM_COLUMNS`] order.
    pub fn archgym_values(&self) -> [String; 10] {
        [
            format!("{:?}", self.page_policy),
            format!("{:?}", self.scheduler),
            format!("{:?}", self.scheduler_buffer),
            self.request_buffer_size.to_string(),
            format!("{:?}", self.resp_queue),
            format!("{:?}", self.refresh_policy),
            self.refresh_max_postponed.to_string(),
            self.refresh_max_pulledin.to_string(),
            format!("{:?}", self.arbiter),
            self.max_active_transactions.to_string(),
        ]
    }
}

fn obj<'a>(v: &'a Value, field: &str, path: &str) -> Result<&'a Value, DramError> {
    match v.get(field) {
        Some(x) if x.is_object() => Ok(x),
        Some(x) => Err(DramError::invalid(path, field, x, "expected an object")),
        None => Err(DramError::missing(path, field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archgym_columns_become_a_controller_config() {
        let header = [
            "Arbiter",
            "MaxActiveTransactions",
            "PagePolicy",
            "RefreshMaxPostponed",
            "RefreshMaxPulledin",
            "RefreshPolicy",
            "RequestBufferSize",
            "RespQueue",
            "Scheduler",
            "SchedulerBuffer",
            "Energy",
            "Algorithm",
        ];
        let row = [
            "Reorder",
            "21",
            "Open",
            "4",
            "3",
            "AllBank",
            "6",
            "Reorder",
            "FrFcfs",
            "ReadWrite",
            "0.08562",
            "bo",
        ];
        let mc = McConfig::from_columns(header.into_iter().zip(row), "row 2").unwrap();
        let expected = McConfig {
            page_policy: PagePolicy::Open,
            scheduler: Scheduler::FrFcfs,
            scheduler_buffer: SchedulerBuffer::ReadWrite,
            request_buffer_size: 6,
            resp_queue: RespQueue::Reorder,
            refresh_policy: RefreshPolicy::AllBank,
            refresh_max_postponed: 4,
            refresh_max_pulledin: 3,
            arbiter: Arbiter::Reorder,
            max_active_transactions: 21,
            ..McConfig::default()
        };
        assert_eq!(mc, expected);
        assert_eq!(
            mc.archgym_values(),
            [
                "Open",
                "FrFcfs",
                "ReadWrite",
                "6",
                "Reorder",
                "AllBank",
                "4",
                "3",
                "Reorder",
                "21"
            ]
            .map(String::from)
        );
    }

    #[test]
    fn bad_knob_values_are_rejected_with_the_source_and_field() {
        let err =
            McConfig::from_columns([("Scheduler", "Random")], "configs.csv row 7").unwrap_err();
        assert_eq!(
            err.to_string(),
            "configs.csv row 7: field `Scheduler` has invalid value \"Random\": expected Fifo, FrFcfs or FrFcfsGrp"
        );
        let err = McConfig::from_json_str(r#"{"mcconfig": {"RequestBufferSize": 0}}"#, "mc.json")
            .unwrap_err();
        assert!(err.to_string().contains("minimum request buffer size is 1"));
        let err = McConfig::from_json_str(r#"{"mcconfig": {"Bogus": 1}}"#, "mc.json").unwrap_err();
        assert!(err.to_string().contains("unknown mcconfig parameter"));
    }
}

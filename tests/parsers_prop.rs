//! Property tests over every parser that reads user or model input (memspec, address mapping,
//! mcconfig, STL trace, study TOML, outline, tool-call JSON, Retry-After): no panic, no hang,
//! bounded memory; and any DRAM config a parser accepts simulates to the end with finite results.
//!
//! CI runs 200 cases per property. A long run, outside CI, is `scripts/fuzz-parsers.sh`: each
//! property again and again with fresh seeds in a release build for MINUTES (default 10) of wall
//! clock, memory capped, each round under a timeout; the last run's durations and case counts are
//! in BENCHMARKS.md ("Parser property tests").

use std::path::Path;

use proptest::prelude::*;
use serde_json::{json, Value};

use l2mac::sim::dram::{
    simulate_trace, AddressMapping, DramConfig, McConfig, MemSpec, StlReader, Trace,
};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn data(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/dram")
            .join(name),
    )
    .expect("example file")
}

/// JSON values a careless generator writes: edge integers, huge and tiny reals, wrong types.
fn wild_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u64..20).prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        prop::sample::select(vec![
            0u64,
            1,
            2,
            8,
            64,
            1 << 20,
            1 << 31,
            1 << 32,
            1 << 63,
            u64::MAX
        ])
        .prop_map(|v| json!(v)),
        any::<i64>().prop_map(|v| json!(v)),
        prop::sample::select(vec![0.0, -1.0, 1e-300, 1e-3, 0.5, 1e7, 1e12, 1e308])
            .prop_map(|v| json!(v)),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| json!(v)),
        "[a-zA-Z0-9]{0,8}".prop_map(|s| json!(s)),
        Just(Value::Null),
        Just(json!([1, 2])),
    ]
}

fn example_config() -> DramConfig {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dram");
    DramConfig::from_files(
        &dir.join("MICRON_1Gb_DDR3-1600_8bit_G.json"),
        &dir.join("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"),
        &dir.join("policy.json"),
        800.0,
    )
    .expect("example config")
}

fn small_trace() -> Trace {
    let text: String = (0..24)
        .map(|i| {
            format!(
                "{}:\t{}\t{:#x}\n",
                i * 2,
                if i % 3 == 0 { "write" } else { "read" },
                (i * 0x1_2340) & 0x3fff_ffc0
            )
        })
        .collect();
    Trace::from_reader(text.as_bytes(), "p.stl").expect("trace")
}

/// An accepted config must simulate to the end, with finite figures.
fn simulates(cfg: &DramConfig) -> Result<(), TestCaseError> {
    match simulate_trace(cfg, &small_trace()) {
        Ok(s) => {
            let (energy, power) = (
                s.total_energy_pj.expect("energy"),
                s.average_power_mw.expect("power"),
            );
            prop_assert!(energy.is_finite() && energy >= 0.0);
            prop_assert!(power.is_finite());
            prop_assert!(
                s.bandwidth_utilization <= 1.0 + 1e-9,
                "{}",
                s.bandwidth_utilization
            );
            Ok(())
        }
        // an address beyond a smaller device is a fine answer; a panic or a hang is not
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(!msg.is_empty());
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn memspec_mutations_never_panic_and_accepted_ones_simulate(
        edits in prop::collection::vec(
            (prop::sample::select(vec!["memarchitecturespec", "memtimingspec", "mempowerspec"]),
             prop::sample::select(vec![
                 "burstLength", "dataRate", "nbrOfBanks", "nbrOfColumns", "nbrOfRanks", "nbrOfRows",
                 "width", "nbrOfDevicesOnDIMM", "nbrOfChannels", "AL", "CCD", "FAW", "RAS", "RC",
                 "RCD", "REFI", "RFC", "RL", "RP", "RRD", "RTP", "WL", "WR", "WTR", "XS", "clkMhz",
                 "idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5", "vdd",
             ]),
             wild_value()),
            0..4),
        refresh in any::<bool>(),
    ) {
        let mut doc: Value = serde_json::from_str(&data("MICRON_1Gb_DDR3-1600_8bit_G.json")).expect("json");
        for (section, field, v) in edits {
            doc["memspec"][section][field] = v;
        }
        if let Ok(spec) = MemSpec::from_json_str(&doc.to_string(), "m.json") {
            let am = AddressMapping::from_json_str(&data("am_ddr3_8x1Gbx8_dimm_p1KB_rbc.json"), "am.json")
                .expect("mapping");
            let mut mc = McConfig::default();
            if refresh {
                mc.set("RefreshPolicy", "AllBank", "p").expect("valid");
            }
            if let Ok(cfg) = DramConfig::new(spec, am, mc, 800.0) {
                simulates(&cfg)?;
            }
        }
    }

    #[test]
    fn address_mappings_never_panic(
        lists in prop::collection::vec(prop::collection::vec(prop_oneof![0u64..40, any::<u64>()], 0..16), 7),
        xor in prop::collection::vec((0u64..70, 0u64..70), 0..3),
        addrs in prop::collection::vec(any::<u64>(), 1..8),
    ) {
        let names = ["CHANNEL_BIT", "RANK_BIT", "BANKGROUP_BIT", "BANK_BIT", "ROW_BIT", "COLUMN_BIT", "BYTE_BIT"];
        let mut congen = serde_json::Map::new();
        for (n, l) in names.iter().zip(&lists) {
            congen.insert(n.to_string(), json!(l));
        }
        congen.insert("XOR".into(), json!(xor.iter().map(|(a, b)| json!({"FIRST": a, "SECOND": b})).collect::<Vec<_>>()));
        let text = json!({"CONGEN": congen}).to_string();
        if let Ok(am) = AddressMapping::from_json_str(&text, "am.json") {
            let _ = am.max_address();
            for a in addrs {
                let _ = am.decode(a, 8);
            }
        }
    }

    #[test]
    fn mcconfig_values_never_panic_and_accepted_ones_simulate(
        edits in prop::collection::vec(
            (prop::sample::select(vec![
                "PagePolicy", "Scheduler", "SchedulerBuffer", "RequestBufferSize", "RespQueue",
                "RefreshPolicy", "RefreshMaxPostponed", "RefreshMaxPulledin", "Arbiter",
                "MaxActiveTransactions", "ArbitrationDelayFw", "ThinkDelayBw", "PhyDelayFw",
                "CmdMux", "PowerDownPolicy", "Bogus",
            ]),
            prop_oneof![
                wild_value(),
                prop::sample::select(vec![
                    "Open", "Closed", "OpenAdaptive", "FrFcfs", "FrFcfsGrp", "Fifo", "Reorder",
                    "Shared", "ReadWrite", "AllBank", "NoRefresh", "Simple", "Oldest",
                ]).prop_map(|s| json!(s)),
            ]),
            0..6),
    ) {
        let mut mc = serde_json::Map::new();
        for (k, v) in edits {
            mc.insert(k.to_string(), v);
        }
        let text = json!({"mcconfig": mc}).to_string();
        if let Ok(mc) = McConfig::from_json_str(&text, "mc.json") {
            let base = example_config();
            simulates(&base.with_mc(mc))?;
        }
    }

    #[test]
    fn stl_streams_of_any_bytes_end_with_bounded_lines(
        bytes in prop::collection::vec(any::<u8>(), 0..20_000),
        lines in prop::collection::vec("[0-9]{0,22}:?[ \t]{0,2}(read|write|rd|)[ \t]{0,2}(0x)?[0-9a-fA-FxZ]{0,18}", 0..20),
    ) {
        for n in StlReader::new(&bytes[..], "b.stl").take(100_000) {
            if let Err(e) = n {
                prop_assert!(!e.to_string().is_empty());
            }
        }
        let text = lines.join("\n");
        if let Ok(t) = Trace::from_reader(text.as_bytes(), "t.stl") {
            if !t.is_empty() {
                let cfg = example_config();
                let _ = simulate_trace(&cfg, &t);
            }
        }
    }

    #[test]
    fn study_files_never_panic(
        budget in prop_oneof![Just(0i64), 1i64..50, any::<i64>()],
        batch in prop_oneof![Just(0i64), 1i64..8, any::<i64>()],
        threads in prop_oneof![Just(None), (0i64..4).prop_map(Some), any::<i64>().prop_map(Some)],
        env in prop::sample::select(vec!["mixed", "branin", "nope", "proxy:/nonexistent.json", "dram?x"]),
        agent in prop::sample::select(vec!["random", "ga", "aco", "bo", "rl", "marl", "tpe", "x"]),
        param in prop::option::of(("[a-z]{1,3}", prop::sample::select(vec!["int", "real", "pow2", "categorical", "bogus"]), any::<i64>(), any::<i64>())),
        junk in "[ -~\n]{0,200}",
    ) {
        let mut text = format!(
            "budget = {budget}\nbatch = {batch}\n{}[env]\nname = \"{env}\"\n[objective]\nminimize = \"f\"\n[agent]\nname = \"{agent}\"\n",
            threads.map(|t| format!("threads = {t}\n")).unwrap_or_default()
        );
        if let Some((name, kind, lo, hi)) = param {
            text += &format!("[[space.param]]\nname = \"{name}\"\nkind = \"{kind}\"\nlow = {lo}\nhigh = {hi}\n");
        }
        for t in [text.clone(), format!("{text}{junk}"), junk.clone()] {
            if let Ok(spec) = l2mac::dse::StudySpec::from_toml_str(&t, "s.toml") {
                let _ = l2mac::dse::study::Prepared::new(spec);
            }
        }
    }

    #[test]
    fn outlines_never_panic(
        text in "(#{0,4} ?[A-Za-z0-9 .,:`*\\-\\[\\]()]{0,40}\n){0,30}",
    ) {
        let _ = l2mac::text::outline::parse(&text);
    }

    #[test]
    fn tool_calls_never_panic(
        call in "[ -~\n{}\":,\\[\\]]{0,300}",
    ) {
        let _ = l2mac::llm::lenient::parse(&call);
        let known = vec!["write_files".to_string(), "read_files".to_string()];
        let _ = l2mac::llm::textmode::parse_tool_calls(&call, &known, "c");
        let _ = l2mac::llm::textmode::parse_tool_calls(&format!("<tool_call>{call}</tool_call>"), &known, "c");
    }

    #[test]
    fn retry_after_headers_never_panic(
        header in "[ -~]{0,40}",
    ) {
        if let Some(d) = l2mac::llm::retry::parse_retry_after(&header) {
            let p = l2mac::llm::RetryPolicy::default();
            let _ = p.delay_for(0, &l2mac::llm::LlmError::Http { status: 429, body: String::new(), retry_after: Some(d) });
        }
    }
}

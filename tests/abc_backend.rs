//! `sim::abc` against the real yosys-abc: the backend's recipe of passes gives the numbers ABC's
//! own `resyn2` script (its abc.rc alias) gives; the generated circuits are equivalent where they
//! should be (ABC's `cec`); bad circuits, a crash, a hang and a missing binary are clear errors.
//! Without yosys-abc these tests skip, unless `L2MAC_REQUIRE_ABC=1` (scripts/test.sh), where they
//! fail.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use l2mac::sim::abc::parse::{parse_stats_line, StatsLine};
use l2mac::sim::abc::{circuits, Abc, AbcConfig, AbcError, Circuit, Recipe, CELLS_GENLIB};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/abc")
        .join(name)
}

fn abc_present() -> bool {
    let ok = Command::new("yosys-abc")
        .args(["-s", "-c", "quit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let required = std::env::var("L2MAC_REQUIRE_ABC").as_deref() == Ok("1");
        assert!(
            !required,
            "yosys-abc is missing (apt-get install -y yosys), and L2MAC_REQUIRE_ABC=1"
        );
        eprintln!("yosys-abc not found, skipping");
    }
    ok
}

/// ABC run directly on `script` in `dir` (which may hold an abc.rc); its statistics lines.
fn abc_direct(dir: &Path, script: &str) -> Vec<StatsLine> {
    let out = Command::new("yosys-abc")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .expect("yosys-abc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(parse_stats_line)
        .map(|r| r.expect("ABC stats line parses"))
        .collect()
}

#[test]
fn backend_recipes_equal_abcs_own_scripts() {
    if !abc_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(data("ks8.blif"), tmp.path().join("ks8.blif")).unwrap();
    std::fs::copy(data("abc.rc"), tmp.path().join("abc.rc")).unwrap();
    std::fs::write(tmp.path().join("cells.genlib"), CELLS_GENLIB).unwrap();
    let shipped = Circuit::from_file(&data("ks8.blif")).unwrap();
    let generated = circuits::circuit("ks8").expect("ks8 is a generated circuit");
    assert!(
        shipped.data == generated.data,
        "tests/data/abc/ks8.blif no longer equals the generator's ks8"
    );
    let abc = Abc::new(AbcConfig::default());
    // ABC's resyn2 alias, and a recipe using every one of the seven moves, each through abc.rc
    for (script, recipe) in [
        ("resyn2", "resyn2"),
        ("rs; rsz; rfz; b; rwz; rf; rw", "rs;rsz;rfz;b;rwz;rf;rw"),
    ] {
        let direct = abc_direct(
            tmp.path(),
            &format!(
                "read_blif ks8.blif; strash; {script}; print_stats; read_genlib cells.genlib; map; print_stats"
            ),
        );
        assert_eq!(direct.len(), 2, "ABC printed {direct:?}");
        let ours = abc
            .synthesize(&shipped, &Recipe::parse(recipe, "ks8").unwrap())
            .unwrap();
        let StatsLine::Aig(aig) = &direct[0] else {
            panic!("{direct:?}")
        };
        let StatsLine::Mapped(_, mapped) = &direct[1] else {
            panic!("{direct:?}")
        };
        assert_eq!(&ours.aig, aig, "{script}: AIG after the recipe");
        assert_eq!(&ours.mapped, mapped, "{script}: mapped area/delay");
        assert_eq!(ours.steps.len(), Recipe::parse(recipe, "").unwrap().len());
        assert_eq!(ours.steps.last(), Some(aig));
    }
    // the numbers recorded when the test was written (yosys-abc 0.23): a change of ABC shows here
    let r = abc.synthesize(&shipped, &Recipe::resyn2()).unwrap();
    assert_eq!((r.initial.ands, r.initial.levels), (97, 9));
    assert!(r.aig.ands < r.initial.ands, "{r:?}");
    // cached: the same recipe again runs no ABC
    let calls = abc.calls();
    let again = abc.synthesize(&shipped, &Recipe::resyn2()).unwrap();
    assert_eq!((again, abc.calls()), (r, calls));
}

#[test]
fn generated_circuits_are_equivalent_by_abcs_cec() {
    if !abc_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for group in [
        ["rca12", "cla12", "ks12"].as_slice(),
        &["arrmul5", "wallace5"],
    ] {
        for name in group {
            let c = circuits::circuit(name).unwrap();
            std::fs::write(tmp.path().join(format!("{name}.blif")), &c.data).unwrap();
        }
        for other in &group[1..] {
            let out = Command::new("yosys-abc")
                .args(["-s", "-c", &format!("cec {}.blif {other}.blif", group[0])])
                .current_dir(tmp.path())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("Networks are equivalent"),
                "{} vs {other}: {text}",
                group[0]
            );
        }
    }
}

#[test]
fn bad_circuits_are_errors_quoting_abc() {
    if !abc_present() {
        return;
    }
    let abc = Abc::new(AbcConfig::default());
    let bad = Circuit::blif(
        "broken",
        ".model x\n.inputs a\n.outputs y\n.names a q y\n1 1\n.end\n".into(),
    );
    let e = abc.synthesize(&bad, &Recipe::resyn2()).unwrap_err();
    assert!(matches!(e, AbcError::BadCircuit { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("broken") && msg.contains("has size different from the fanin count"),
        "{msg}"
    );
    let garbage = Circuit::from_file(&data("README.md")).unwrap_err();
    assert!(garbage.to_string().contains(".md"), "{garbage}");
}

fn fake_binary(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("fake-abc");
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn hang_crash_and_missing_binary_are_clear_errors() {
    // these use stand-ins for ABC, so they run with or without yosys-abc
    let tmp = tempfile::tempdir().unwrap();
    let c = circuits::circuit("rca4").unwrap();
    let hang = AbcConfig {
        binary: fake_binary(tmp.path(), "sleep 30"),
        timeout: Duration::from_millis(300),
        genlib: None,
    };
    let t0 = Instant::now();
    let e = l2mac::sim::abc::synthesize(&hang, &c, &Recipe::resyn2()).unwrap_err();
    assert!(matches!(e, AbcError::Timeout { .. }), "{e:?}");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert!(e.to_string().contains("did not finish within 300ms"), "{e}");

    let tmp2 = tempfile::tempdir().unwrap();
    let crash = AbcConfig {
        binary: fake_binary(tmp2.path(), "echo 'rewriting...'\nkill -SEGV $$"),
        ..AbcConfig::default()
    };
    let e = l2mac::sim::abc::synthesize(&crash, &c, &Recipe::resyn2()).unwrap_err();
    assert!(matches!(e, AbcError::Crashed { .. }), "{e:?}");
    assert!(
        e.to_string().contains("signal 11") && e.to_string().contains("rewriting"),
        "{e}"
    );

    let missing = AbcConfig {
        binary: tmp.path().join("no-such-abc"),
        ..AbcConfig::default()
    };
    let e = l2mac::sim::abc::synthesize(&missing, &c, &Recipe::resyn2()).unwrap_err();
    assert!(e.to_string().contains("apt-get install -y yosys"), "{e}");
}

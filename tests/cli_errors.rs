//! What a user sees when a command fails on bad input: one clear line, each cause said once,
//! and exit code 2.

use std::process::Command;

#[test]
fn a_missing_simulation_file_is_named_once_with_its_os_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_l2mac"))
        .args(["sim", "dram", "/nonexistent/l2mac-sim.json"])
        .output()
        .expect("l2mac runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot read /nonexistent/l2mac-sim.json: No such file or directory (os error 2)\n"
    );
}

//! Runs `l2mac sim dram` without the main binary: `cargo run --release --example dram -- ARGS`,
//! e.g. `cargo run --release --example dram -- examples/dram/ddr3-example.json --format json`.

use clap::Parser;
use l2mac::sim::dram::cli::{run, SimDramArgs};

#[derive(Parser, Debug)]
#[command(
    name = "dram",
    about = "DRAMSys 4.0 compatible DDR3 memory-controller simulator"
)]
struct Cli {
    #[command(flatten)]
    args: SimDramArgs,
}

fn main() {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = run(&cli.args, &mut out) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

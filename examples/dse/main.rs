//! Stand-alone front end for `l2mac dse ...` (same subcommands), so studies can be run before the main
//! binary wires them in: `cargo run --release --example dse -- run examples/dse/mixed_ga.toml`.

use clap::Parser;
use l2mac::dse::cli::{run, DseCommand};

#[derive(Parser)]
#[command(name = "dse", about = "design-space exploration studies")]
struct Args {
    #[command(subcommand)]
    cmd: DseCommand,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut out = std::io::stdout();
    match run(&args.cmd, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

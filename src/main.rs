//! The `l2mac` binary: parses the command line and hands off to the library; exit codes 0 (done),
//! 1 (ended without finishing), 2 (bad input or configuration).

mod cli;

use clap::{Parser, Subcommand};

use cli::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "l2mac",
    version,
    about = "An LLM automatic computer: plans a task, runs each step with a fresh agent, file store and checks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Plan a task and build it step by step in a run directory.
    Run(cli::run::RunArgs),
    /// Continue a stopped or killed run.
    Resume(cli::run::ResumeArgs),
    /// Show a run's plan, progress and totals.
    Status(cli::run::StatusArgs),
    /// Check a text run's folder and assemble its book: book.md, book.html, EPUB/PDF via pandoc.
    Book(l2mac::text::cli::BookArgs),
    /// Quality benchmark: l2mac vs a single-call baseline on tasks with hidden acceptance tests.
    Bench(cli::bench::BenchArgs),
    /// Design-space exploration: studies, search agents, environments, proxy models.
    #[command(subcommand)]
    Dse(l2mac::dse::cli::DseCommand),
    /// Native simulators.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Install the local model and its llama.cpp server (the installer is inside this binary;
    /// the same as scripts/setup-local-model.sh in a checkout).
    SetupLocalModel(cli::setup::SetupArgs),
}

#[derive(Subcommand, Debug)]
enum SimCommand {
    /// DRAMSys 4.0 compatible DDR3 memory-controller simulation (one run, or --batch CONFIGS.csv).
    Dram(l2mac::sim::dram::cli::SimDramArgs),
    /// Timeloop v3 model semantics: ARCH.yaml PROB.yaml MAP.yaml with Accelergy ERT/ART tables.
    Timeloop(l2mac::sim::accel::cli::SimTimeloopArgs),
    /// MAESTRO cost model: every layer of a MAPPING.m (network DSL), MAESTRO's options.
    Maestro(l2mac::sim::accel::maestro_cli::SimMaestroArgs),
    /// Logic synthesis in the real ABC (yosys-abc): CIRCUIT --recipe "b;rw;rf", mapped area and delay.
    Abc(l2mac::sim::abc::cli::SimAbcArgs),
    /// Noisy density-matrix simulator: a CIRCUIT.json's energy for a Pauli-sum Hamiltonian.
    Quantum(l2mac::sim::quantum::cli::SimQuantumArgs),
}

/// The error and its causes, each cause once: many of our errors already quote their source
/// in their own message, and anyhow's `{:#}` would print it a second time.
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn main() -> std::process::ExitCode {
    // Not dumpable: processes of the same user (code run as a check without a sandbox) cannot
    // read /proc/<pid>/environ (the API key) or attach to l2mac.
    // SAFETY: prctl with integer arguments has no memory effects.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    l2mac::secrets::register_from_env();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // colour codes only for a terminal, not for a log file or a pipe
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("L2MAC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(ExitCode::Unfinished as u8);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => cli::run::run(args).await,
            Command::Resume(args) => cli::run::resume(args).await,
            Command::Status(args) => cli::run::status(args),
            Command::SetupLocalModel(args) => {
                tokio::task::spawn_blocking(move || cli::setup::setup(args))
                    .await
                    .map_err(anyhow::Error::from)
                    .and_then(|r| r)
            }
            Command::Bench(args) => cli::bench::bench(args).await,
            Command::Book(args) => l2mac::text::cli::book(args)
                .await
                .map(|complete| {
                    if complete {
                        ExitCode::Success
                    } else {
                        ExitCode::Unfinished
                    }
                })
                .map_err(anyhow::Error::from),
            Command::Sim(SimCommand::Dram(args)) => tokio::task::spawn_blocking(move || {
                let mut out = std::io::stdout().lock();
                l2mac::sim::dram::cli::run(&args, &mut out).map(|()| ExitCode::Success)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from)),
            Command::Sim(SimCommand::Timeloop(args)) => tokio::task::spawn_blocking(move || {
                let mut out = std::io::stdout().lock();
                l2mac::sim::accel::cli::run(&args, &mut out).map(|()| ExitCode::Success)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from)),
            Command::Sim(SimCommand::Maestro(args)) => tokio::task::spawn_blocking(move || {
                let mut out = std::io::stdout().lock();
                l2mac::sim::accel::maestro_cli::run(&args, &mut out).map(|()| ExitCode::Success)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from)),
            Command::Sim(SimCommand::Abc(args)) => tokio::task::spawn_blocking(move || {
                let mut out = std::io::stdout().lock();
                l2mac::sim::abc::cli::run(&args, &mut out).map(|()| ExitCode::Success)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from)),
            Command::Sim(SimCommand::Quantum(args)) => tokio::task::spawn_blocking(move || {
                let mut out = std::io::stdout().lock();
                l2mac::sim::quantum::cli::run(&args, &mut out).map(|()| ExitCode::Success)
            })
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from)),
            Command::Dse(cmd) => {
                // Studies are CPU-bound and use rayon; keep them off the async workers.
                tokio::task::spawn_blocking(move || {
                    let mut out = std::io::stdout().lock();
                    l2mac::dse::cli::run(&cmd, &mut out).map(|()| ExitCode::Success)
                })
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r.map_err(anyhow::Error::from))
            }
        }
    });
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", l2mac::secrets::redact(&describe(&e)));
            ExitCode::BadInput
        }
    };
    std::process::ExitCode::from(code as u8)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every subcommand says in `--help` what it is (issue 15 found a dozen
    /// bare `<RUN_DIR>`s and `--json`s); a new argument without a doc comment fails here.
    #[test]
    fn every_argument_of_every_command_has_a_help_text() {
        fn walk(cmd: &clap::Command, path: &str, bare: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let text = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                if text.trim().is_empty() {
                    bare.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    bare.push(format!("{path} {} (the command itself)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), bare);
            }
        }
        let mut bare = Vec::new();
        walk(&super::Cli::command(), "l2mac", &mut bare);
        assert!(bare.is_empty(), "without a help text: {bare:?}");
    }
}

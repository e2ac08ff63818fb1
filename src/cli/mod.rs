//! Command-line front end: one file per subcommand, human and JSON output from the same structs.

pub mod axes;
pub mod check;
pub mod diff;
pub mod findings;
pub mod info;
pub mod run;
pub mod shapes;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use findings::Format;

/// Exit codes shared by every subcommand, as linters use them.
pub const EXIT_OK: i32 = 0;
pub const EXIT_PROBLEMS: i32 = 1;
pub const EXIT_UNREADABLE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "onnx-lens",
    version,
    about = "Validate, view, shape-check and run ONNX models"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A model to open in the desktop viewer.
    pub file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a test inference with tract: inputs, symbol values, outputs with stats, latency, expected outputs.
    Run(Box<run::RunArgs>),
    /// Compare two models: signature, nodes (matched, changed, added, removed, fused), weights,
    /// and with --run the numbers (outputs and the first intermediate value that parts).
    Diff(diff::DiffArgs),
    /// Dynamic-axes report: which symbolic input dims stay dynamic, and where one is lost (exit 1 if any is).
    Axes {
        /// One or more models (several: each is reported; the exit code is the worst).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (stable contract, see README); the same as `--format json`.
        #[arg(long)]
        json: bool,
        /// Output format: text, json, sarif (SARIF 2.1.0) or github (workflow annotations).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Skip the confirmation runs at two values of each symbol.
        #[arg(long)]
        no_run: bool,
    },
    /// Type and shape of every value, inferred symbolically (tract), with its origin.
    Shapes {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Validate a model: everything onnx.checker full_check checks, plus cycles, dangling edges and dead code.
    Check {
        /// One or more models (several: each is checked; the exit code is the worst).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (stable contract, see README); the same as `--format json`.
        #[arg(long)]
        json: bool,
        /// Output format: text, json, sarif (SARIF 2.1.0) or github (workflow annotations).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Summarise a model: IR, opsets, inputs/outputs, op counts, parameters, external data,
    /// and its cost (MACs/FLOPs: 1 multiply-add = 1 MAC = 2 FLOPs; peak activation memory).
    Info {
        file: PathBuf,
        /// Print JSON (stable contract, see README).
        #[arg(long)]
        json: bool,
        /// A symbolic dim's value for the cost figures, e.g. `--dim batch=8` (repeatable;
        /// others count as 1).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Every node's cost (text: the 20 heaviest; JSON: `cost.per_node`).
        #[arg(long)]
        per_node: bool,
    },
}

/// Runs a CLI subcommand and returns the process exit code.
pub fn run(command: Command) -> i32 {
    match command {
        Command::Info {
            file,
            json,
            dims,
            per_node,
        } => info::run(&file, json, &dims, per_node),
        Command::Check {
            files,
            json,
            format,
        } => check::run(&files, Format::chosen(format, json)),
        Command::Shapes { file, json } => shapes::run(&file, json),
        Command::Run(args) => run::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Axes {
            files,
            json,
            format,
            no_run,
        } => axes::run(&files, Format::chosen(format, json), no_run),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cli = Cli::command();
            clap_complete::generate(shell, &mut cli, "onnx-lens", &mut std::io::stdout());
            EXIT_OK
        }
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) {
    use std::io::Write;
    // Streamed through a buffer: `shapes --json` on a 100k-node graph is 18 MB of text, which a
    // String would hold twice over while growing.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            writeln!(out)
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        eprintln!("onnx-lens: cannot write output: {e}");
    }
}

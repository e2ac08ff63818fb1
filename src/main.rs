use clap::Parser;
use onnx_lens::cli::{self, Cli};

fn main() {
    let args = Cli::parse();
    let code = match args.command {
        Some(command) => cli::run(command),
        None => {
            eprintln!(
                "onnx-lens: the desktop viewer is not built yet; use a subcommand (see --help)"
            );
            cli::EXIT_UNREADABLE
        }
    };
    std::process::exit(code);
}

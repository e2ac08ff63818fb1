use clap::Parser;
use onnx_lens::cli::{self, Cli};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "gui")]
fn open_window(file: Option<std::path::PathBuf>) -> i32 {
    match onnx_lens::ui::run(file) {
        Ok(()) => cli::EXIT_OK,
        Err(e) => {
            eprintln!("onnx-lens: cannot open the window: {e}");
            cli::EXIT_UNREADABLE
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_window(_file: Option<std::path::PathBuf>) -> i32 {
    eprintln!(
        "onnx-lens: this build has no desktop viewer (built without the `gui` feature); \
         use a subcommand: check, info, shapes, axes or run (see --help)"
    );
    cli::EXIT_UNREADABLE
}

fn main() {
    let args = Cli::parse();
    let code = match args.command {
        Some(command) => cli::run(command),
        None => open_window(args.file),
    };
    // For the hostile-model tests and benchmarks: the process's peak resident memory.
    if std::env::var_os("ONNX_LENS_REPORT_PEAK_RSS").is_some() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("peak RSS: {}", line.trim_start_matches("VmHWM:").trim());
        }
    }
    std::process::exit(code);
}

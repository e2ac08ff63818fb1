use clap::Parser;
use onnx_lens::cli::{self, Cli};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = Cli::parse();
    let code = match args.command {
        Some(command) => cli::run(command),
        None => match onnx_lens::ui::run(args.file) {
            Ok(()) => cli::EXIT_OK,
            Err(e) => {
                eprintln!("onnx-lens: cannot open the window: {e}");
                cli::EXIT_UNREADABLE
            }
        },
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

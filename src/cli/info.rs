//! `onnx-lens info FILE [--json]`

use std::path::Path;

use crate::model::info::ModelInfo;
use crate::model::{load_path, LoadError, Model};

use super::{print_json, EXIT_OK, EXIT_UNREADABLE};

/// Loads a model for a subcommand that needs every byte reachable (external files present).
pub fn open_verified(file: &Path) -> Result<Model, LoadError> {
    let model = load_path(file)?;
    model.verify_external_data()?;
    Ok(model)
}

/// `open_verified`, reporting failure the way every subcommand does (JSON `{"error"}` too);
/// `Err` holds the exit code.
pub fn open_or_report(file: &Path, json: bool) -> Result<Model, i32> {
    open_verified(file).map_err(|e| {
        if json {
            print_json(&serde_json::json!({ "error": e.to_string() }));
        }
        eprintln!("error: {e}");
        EXIT_UNREADABLE
    })
}

pub fn run(file: &Path, json: bool) -> i32 {
    let model = match open_or_report(file, json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let info = ModelInfo::of(&model);
    if json {
        print_json(&info);
    } else {
        print!("{}", render(&info));
    }
    EXIT_OK
}

/// Human-readable summary.
pub fn render(i: &ModelInfo) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}  ({})", i.file, human_bytes(i.file_size));
    let producer = format!("{} {}", i.producer_name, i.producer_version);
    let _ = writeln!(s, "  IR version     {}", i.ir_version);
    let _ = writeln!(s, "  producer       {}", producer.trim());
    let _ = writeln!(s, "  opsets         {}", i.opsets_text());
    if !i.graph_name.is_empty() {
        let _ = writeln!(s, "  graph          {}", i.graph_name);
    }
    for m in &i.metadata_props {
        let _ = writeln!(s, "  metadata       {} = {}", m.key, m.value);
    }
    let _ = writeln!(s, "inputs");
    for v in &i.inputs {
        let _ = writeln!(s, "  {:<30} {}", v.name, v.type_text);
    }
    let _ = writeln!(s, "outputs");
    for v in &i.outputs {
        let _ = writeln!(s, "  {:<30} {}", v.name, v.type_text);
    }
    let _ = writeln!(
        s,
        "nodes            {} in the main graph, {} in all ({} subgraphs, {} functions)",
        i.node_count, i.total_node_count, i.subgraph_count, i.function_count
    );
    let _ = writeln!(
        s,
        "parameters       {} in {} initializers, {}",
        i.parameter_count,
        i.initializer_count,
        human_bytes(i.parameter_bytes)
    );
    if !i.external_data_files.is_empty() {
        let _ = writeln!(
            s,
            "external data    {} in {}",
            human_bytes(i.external_bytes),
            i.external_data_files.join(", ")
        );
    }
    let mut ops: Vec<(&String, &usize)> = i.op_counts.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(s, "ops");
    for (op, n) in ops {
        let _ = writeln!(s, "  {n:>6}  {op}");
    }
    s
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

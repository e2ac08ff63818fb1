//! `onnx-lens shapes FILE [--json]`: every value with its type, shape and origin: the main graph
//! (tract, and onnx-lens's engine where tract cannot say), then subgraphs and local functions.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::shapes::infer::type_text;
use crate::shapes::{analyse_shapes, InputSymbol, ScopedShape, ValueShape};

use super::info::open_or_report;
use super::{print_json, EXIT_OK};

#[derive(Serialize)]
struct ShapesOutput<'a> {
    values: &'a [ValueShape],
    symbols: &'a [InputSymbol],
    known_rate: f64,
    analysis_error: Option<&'a str>,
    unsupported_nodes: &'a [String],
    /// Values of If/Loop/Scan bodies and local functions, each with its `graph` path.
    subgraph_values: &'a [ScopedShape],
}

pub fn run(file: &Path, json: bool) -> i32 {
    let model = match open_or_report(file, json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let a = analyse_shapes(&model);
    if json {
        print_json(&ShapesOutput {
            values: &a.values,
            symbols: &a.symbols,
            known_rate: a.known_rate(),
            analysis_error: a.error.as_ref().map(|e| e.raw.as_str()),
            unsupported_nodes: &a.unsupported_nodes,
            subgraph_values: &a.scoped,
        });
        return EXIT_OK;
    }
    // One buffered write per line would otherwise be a syscall per value.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = write_text(&a, &mut out).and_then(|()| out.flush());
    EXIT_OK
}

fn write_text(a: &crate::shapes::ShapeAnalysis, out: &mut impl Write) -> std::io::Result<()> {
    let width = a
        .values
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0)
        .min(48);
    for v in &a.values {
        let origin = format!("{:?}", v.origin).to_lowercase();
        writeln!(out, "{:<width$}  {:<40} {origin}", v.name, type_text(v))?;
    }
    for s in &a.scoped {
        let origin = format!("{:?}", s.value.origin).to_lowercase();
        writeln!(
            out,
            "{}  {:<40} {origin}",
            format_args!("{} :: {}", s.graph, s.value.name),
            type_text(&s.value)
        )?;
    }
    writeln!(
        out,
        "{:.0}% of {} values have a fully known shape",
        a.known_rate() * 100.0,
        a.values.len()
    )?;
    if let Some(e) = &a.error {
        writeln!(out, "analysis stopped: {}", e.headline)?;
    }
    if !a.unsupported_nodes.is_empty() {
        writeln!(
            out,
            "tract does not know: {}",
            a.unsupported_nodes.join(", ")
        )?;
    }
    Ok(())
}

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

pub fn run(file: &Path, json: bool, dims: &[String], per_node: bool) -> i32 {
    let mut values = std::collections::BTreeMap::new();
    for d in dims {
        match d.split_once('=').map(|(k, v)| (k, v.parse::<f64>())) {
            Some((k, Ok(v))) => {
                values.insert(k.to_string(), v);
            }
            _ => {
                eprintln!("error: --dim {d}: expected NAME=NUMBER");
                return EXIT_UNREADABLE;
            }
        }
    }
    let model = match open_or_report(file, json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let info = ModelInfo::of(&model);
    let cost = crate::cost::cost(&model, &crate::shapes::analyse_shapes(&model), &values);
    if json {
        let mut v = serde_json::to_value(&info).unwrap_or_default();
        let mut c = serde_json::to_value(&cost).unwrap_or_default();
        if per_node {
            c["per_node"] = serde_json::to_value(&cost.nodes).unwrap_or_default();
            c["groups"] = serde_json::to_value(&cost.groups).unwrap_or_default();
        }
        v["cost"] = c;
        print_json(&v);
    } else {
        print!("{}", render(&info));
        print!("{}", render_cost(&cost, if per_node { 20 } else { 5 }));
    }
    EXIT_OK
}

/// The cost block of `info`: totals (symbolic, and at the chosen values), peak, heaviest nodes.
pub fn render_cost(c: &crate::cost::ModelCost, heaviest: usize) -> String {
    use crate::cost::si;
    use std::fmt::Write;
    let mut s = String::new();
    let at = |fixed: bool, v: f64| {
        if fixed {
            String::new()
        } else {
            let vals: Vec<String> = c.symbols.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("  (= {} at {})", si(v), vals.join(" "))
        }
    };
    let _ = writeln!(s, "cost             1 MAC = 1 multiply-add = 2 FLOPs");
    let _ = writeln!(
        s,
        "  MACs           {}{}",
        c.macs,
        at(c.macs.fixed().is_some(), c.macs_at)
    );
    if !c.integer_macs.is_zero() {
        let _ = writeln!(s, "    integer      {}", c.integer_macs);
    }
    let _ = writeln!(
        s,
        "  FLOPs          {}{}",
        c.flops,
        at(c.flops.fixed().is_some(), c.flops_at)
    );
    let _ = writeln!(
        s,
        "  parameters     {} ({})",
        si(c.params as f64),
        human_bytes(c.param_bytes)
    );
    if let Some(p) = &c.activation_peak {
        let _ = writeln!(
            s,
            "  peak activations {} after {}",
            human_bytes(p.bytes as u64),
            p.after_node
        );
    }
    if !c.not_counted.is_empty() {
        let _ = writeln!(s, "  not counted    {} node(s):", c.not_counted.len());
        for n in c.not_counted.iter().take(10) {
            let _ = writeln!(s, "    {n}");
        }
        if c.not_counted.len() > 10 {
            let _ = writeln!(s, "    … {} more (see --json)", c.not_counted.len() - 10);
        }
    }
    let _ = writeln!(s, "  heaviest nodes");
    for n in c.heaviest(heaviest) {
        let share = if c.macs_at > 0.0 {
            format!("{:>5.1} %", 100.0 * n.macs.eval(&c.symbols) / c.macs_at)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "    {share}  {:<12} {:<16} MACs {}",
            n.op,
            n.node,
            si(n.macs.eval(&c.symbols))
        );
    }
    s
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

//! `onnx-lens diff A.onnx B.onnx [--run] [--input NAME=SRC]… [--dim SYM=N]… [--rtol --atol]
//! [--weights] [--json]`: exit 0 when equivalent (structure, signature, weights and, with
//! --run, numbers within tolerance), 1 when they differ, 2 when a file is unreadable.

use std::path::PathBuf;

use serde::Serialize;

use crate::compare::{compare_runs, diff, DiffOptions, ModelDiff, NumericDiff};
use crate::jobs::Progress;
use crate::run::{InputSource, RunError, RunRequest, Tolerance};

use super::info::open_or_report;
use super::run::{fail, split_pair};
use super::{print_json, EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
    /// Run both on the same inputs and compare outputs and matched intermediate values.
    #[arg(long)]
    pub run: bool,
    /// NAME=SOURCE for A's input NAME (random, random:SEED, normal, zeros, ones, .npy, .pb); B
    /// gets the same tensor, cast to its declared type (repeatable).
    #[arg(long = "input", value_name = "NAME=SOURCE")]
    pub inputs: Vec<String>,
    /// SYMBOL=VALUE for a symbolic input dim (repeatable).
    #[arg(long = "dim", value_name = "SYMBOL=VALUE")]
    pub dims: Vec<String>,
    #[arg(long, default_value_t = 1e-3)]
    pub rtol: f64,
    #[arg(long, default_value_t = 1e-5)]
    pub atol: f64,
    /// Also read and compare weights stored in external data files.
    #[arg(long)]
    pub weights: bool,
    /// Print JSON (stable contract, see README).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct DiffReport<'a> {
    a: String,
    b: String,
    equivalent: bool,
    #[serde(flatten)]
    diff: &'a ModelDiff,
    numeric: Option<NumericDiff>,
}

pub fn run(args: &DiffArgs) -> i32 {
    let a = match open_or_report(&args.a, args.json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let b = match open_or_report(&args.b, args.json) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let d = diff(
        &a,
        &b,
        DiffOptions {
            external_weights: args.weights,
        },
    );
    let numeric = if args.run {
        let mut req = RunRequest {
            cross_check: false,
            ..RunRequest::default()
        };
        for text in &args.inputs {
            match split_pair(text, "input") {
                Ok((name, src)) => {
                    req.inputs.insert(name.to_string(), InputSource::parse(src));
                }
                Err(e) => return fail(args.json, &e, None, EXIT_UNREADABLE),
            }
        }
        for text in &args.dims {
            match split_pair(text, "dim").map(|(k, v)| (k, v.parse::<i64>())) {
                Ok((name, Ok(v))) => {
                    req.dims.insert(name.to_string(), v);
                }
                _ => {
                    return fail(
                        args.json,
                        &format!("--dim {text}: expected SYMBOL=INTEGER"),
                        None,
                        EXIT_UNREADABLE,
                    )
                }
            }
        }
        let tol = Tolerance {
            rtol: args.rtol,
            atol: args.atol,
        };
        match compare_runs(&a, &b, &d, &req, tol, &Progress::detached()) {
            Ok(n) => Some(n),
            Err((side, e @ RunError::Input(_))) => {
                return fail(args.json, &format!("{side}: {e}"), None, EXIT_UNREADABLE)
            }
            Err((side, e)) => {
                return fail(args.json, &format!("{side}: {e}"), e.node(), EXIT_PROBLEMS)
            }
        }
    } else {
        None
    };
    let equivalent = d.is_same() && numeric.as_ref().is_none_or(|n| n.passed);
    let report = DiffReport {
        a: args.a.display().to_string(),
        b: args.b.display().to_string(),
        equivalent,
        diff: &d,
        numeric,
    };
    if args.json {
        print_json(&report);
    } else {
        print!("{}", render(&report));
    }
    if equivalent {
        EXIT_OK
    } else {
        EXIT_PROBLEMS
    }
}

/// Lines shown per list before "… N more".
const SHOWN: usize = 25;

fn render(r: &DiffReport<'_>) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let d = r.diff;
    let _ = writeln!(s, "A  {}\nB  {}", r.a, r.b);
    let sig = &d.signature;
    let _ = writeln!(s, "signature");
    for (what, ports) in [("input", &sig.inputs), ("output", &sig.outputs)] {
        for p in ports.iter() {
            if p.change == "same" {
                continue;
            }
            let side = |n: &Option<String>, t: &Option<String>| match (n, t) {
                (Some(n), Some(t)) => format!("{n} {t}"),
                _ => "-".into(),
            };
            let _ = writeln!(
                s,
                "  {what:<6} {:<8} {} → {}",
                p.change,
                side(&p.a, &p.a_type),
                side(&p.b, &p.b_type)
            );
            for l in &p.axes_lost {
                let _ = writeln!(s, "           dynamic axis lost: dim {l}");
            }
            for g in &p.axes_gained {
                let _ = writeln!(s, "           dynamic axis gained: dim {g}");
            }
        }
    }
    for o in &sig.opsets {
        let _ = writeln!(s, "  opset  {o}");
    }
    if let Some(v) = &sig.ir_version {
        let _ = writeln!(s, "  IR     {} → {}", v.a, v.b);
    }
    if let Some(v) = &sig.producer {
        let _ = writeln!(s, "  producer {} → {}", v.a, v.b);
    }
    if sig.is_same() {
        let _ = writeln!(s, "  same inputs, outputs and opsets");
    }
    let n = &d.nodes;
    let fused = n.groups.iter().filter(|g| g.kind == "fused").count();
    let dequantized = n.groups.iter().filter(|g| g.kind == "dequantized").count();
    let _ = writeln!(
        s,
        "nodes  {} same, {} changed, {} added, {} removed, {fused} fused, {dequantized} dequantized, {} pass-through inserted/removed",
        n.matched,
        n.changed.len(),
        n.added.len(),
        n.removed.len(),
        n.groups.len() - fused - dequantized
    );
    let more = |s: &mut String, total: usize| {
        if total > SHOWN {
            let _ = writeln!(s, "  … {} more (see --json)", total - SHOWN);
        }
    };
    for c in n.changed.iter().take(SHOWN) {
        let op = if c.a_op == c.b_op {
            c.a_op.clone()
        } else {
            format!("{} → {}", c.a_op, c.b_op)
        };
        let name = if c.a == c.b {
            c.a.clone()
        } else {
            format!("{} ↔ {}", c.a, c.b)
        };
        let _ = writeln!(s, "  changed  {name} ({op}): {}", c.what.join(", "));
    }
    more(&mut s, n.changed.len());
    for g in n.groups.iter().take(SHOWN) {
        let _ = match g.kind {
            "fused" => writeln!(s, "  fused    {} → {}", g.a.join(" + "), g.b.join(" + ")),
            "inserted" => writeln!(s, "  inserted {} (pass-through in B)", g.b.join(", ")),
            "dequantized" => writeln!(
                s,
                "  dequantized {} (B's integer product made float)",
                g.b.join(" → ")
            ),
            _ => writeln!(s, "  removed  {} (pass-through in A)", g.a.join(", ")),
        };
    }
    more(&mut s, n.groups.len());
    for x in n.added.iter().take(SHOWN) {
        let _ = writeln!(s, "  added    {} ({})", x.node, x.op);
    }
    more(&mut s, n.added.len());
    for x in n.removed.iter().take(SHOWN) {
        let _ = writeln!(s, "  removed  {} ({})", x.node, x.op);
    }
    more(&mut s, n.removed.len());
    let _ = writeln!(
        s,
        "weights  {} compared, {} differ",
        d.weights_compared,
        d.weights.len()
    );
    for w in d.weights.iter().take(SHOWN) {
        let values = match (w.max_abs, w.max_rel) {
            (Some(a), Some(r)) => format!("max abs {a:.3e}, max rel {r:.3e}"),
            _ => "values not compared".into(),
        };
        let _ = writeln!(
            s,
            "  {} {}{:?} → {} {}{:?}  {values}",
            w.a, w.a_dtype, w.a_shape, w.b, w.b_dtype, w.b_shape
        );
    }
    more(&mut s, d.weights.len());
    if let Some(num) = &r.numeric {
        let _ = writeln!(
            s,
            "numbers  {} (rtol {}, atol {}) on {}",
            if num.passed { "PASSED" } else { "FAILED" },
            num.rtol,
            num.atol,
            num.inputs.join(", ")
        );
        for o in &num.outputs {
            let c = &o.comparison;
            let _ = writeln!(
                s,
                "  {:<24} max abs {:.3e}, max rel {:.3e}, {} outside{}",
                o.a,
                c.max_abs_error,
                c.max_rel_error,
                c.mismatches,
                c.problem
                    .as_ref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default()
            );
        }
        match &num.first_divergence {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "  first divergence at {} ({}): max abs {:.3e}, {} elements outside, of {} values compared",
                    f.a_node, f.a_value, f.max_abs_error, f.mismatches, num.values_compared
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  all {} matched intermediate values within tolerance",
                    num.values_compared
                );
            }
        }
        if num.truncated {
            let _ = writeln!(s, "  (intermediate values stopped at the memory cap)");
        }
    }
    let _ = writeln!(
        s,
        "{}",
        if r.equivalent {
            "equivalent"
        } else {
            "they differ"
        }
    );
    s
}

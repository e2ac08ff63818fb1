//! Empirical check of the dynamic-axes report: run the model at two values of each symbol and
//! see whether it accepts both and whether the outputs follow.

use std::collections::BTreeMap;

use super::engine::{run, RunError, RunRequest};
use super::inputs::default_symbol_value;
use crate::jobs::Progress;
use crate::model::Model;
use crate::shapes::{AxesReport, AxisEvidence, AxisStatus};

/// Two distinct values to try for a symbol: the default and a clearly different one.
pub fn trial_values(rank: usize, dim_index: usize) -> (i64, i64) {
    let a = default_symbol_value(rank, dim_index);
    (a, if a == 1 { 3 } else { a * 2 })
}

fn shapes_of(r: &super::engine::RunOutcome) -> Vec<Vec<u64>> {
    r.outputs.iter().map(|o| o.dims.clone()).collect()
}

/// Fills `confirmed_by_run` and `run_detail` for every symbolic entry.
pub fn confirm(model: &Model, report: &mut AxesReport, progress: &Progress) {
    let specs = super::inputs::input_specs(model);
    // One pair of runs per symbol, even when several inputs share it.
    let mut seen = std::collections::HashSet::new();
    let symbols: Vec<String> = report
        .axes
        .iter()
        .filter(|e| !e.tract_symbol.is_empty() && seen.insert(e.tract_symbol.as_str()))
        .map(|e| e.tract_symbol.clone())
        .collect();
    for (k, sym) in symbols.iter().enumerate() {
        if progress.cancelled() {
            return;
        }
        progress.set(
            k as f32 / symbols.len() as f32,
            "confirming axes by running",
        );
        let Some(first) = report.axes.iter().find(|e| &e.tract_symbol == sym) else {
            continue;
        };
        let rank = specs
            .iter()
            .find(|s| s.name == first.input)
            .and_then(|s| s.dims.as_ref())
            .map_or(1, |d| d.len());
        let (a, b) = trial_values(rank, first.dim_index);
        let attempt = |v: i64| {
            let req = RunRequest {
                dims: BTreeMap::from([(sym.clone(), v)]),
                runs: 0,
                profile: false,
                // Only the output shapes matter here.
                cross_check: false,
                ..RunRequest::default()
            };
            run(model, &req, &Progress::detached())
        };
        let shown = first.shown().to_string();
        let (ra, rb) = (attempt(a), attempt(b));
        let (confirmed, detail) = match (&ra, &rb) {
            (Err(e @ (RunError::Unsupported { .. } | RunError::Input(_))), _)
            | (_, Err(e @ (RunError::Unsupported { .. } | RunError::Input(_)))) => {
                (None, format!("not run: {e}"))
            }
            (Err(ea), Err(_)) => (
                None,
                format!(
                    "runs fail at both {shown}={a} and {shown}={b}: {}",
                    ea.summary()
                ),
            ),
            (Ok(oa), Ok(ob)) => {
                let (sa, sb) = (shapes_of(oa), shapes_of(ob));
                let status = report
                    .axes
                    .iter()
                    .find(|e| &e.tract_symbol == sym)
                    .map(|e| e.status);
                // A symbol no output carries is not expected to change the outputs' shapes.
                let follows = sa != sb
                    || !report.axes.iter().any(|e| {
                        &e.tract_symbol == sym
                            && matches!(e.evidence, AxisEvidence::ReachesOutputs { .. })
                    });
                (
                    Some((status == Some(AxisStatus::Dynamic)) == follows),
                    format!("ran at {shown}={a} (outputs {sa:?}) and {shown}={b} (outputs {sb:?})"),
                )
            }
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => {
                let (ok, bad) = if ra.is_ok() { (a, b) } else { (b, a) };
                let status = report
                    .axes
                    .iter()
                    .find(|e| &e.tract_symbol == sym)
                    .map(|e| e.status);
                (
                    Some(status != Some(AxisStatus::Dynamic)),
                    format!("runs at {shown}={ok}, at {shown}={bad} it {}", e.summary()),
                )
            }
        };
        for e in report.axes.iter_mut().filter(|e| &e.tract_symbol == sym) {
            e.confirmed_by_run = confirmed;
            e.run_detail = Some(detail.clone());
        }
    }
    progress.set(1.0, "done");
}

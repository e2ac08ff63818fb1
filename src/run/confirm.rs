//! Empirical check of the dynamic-axes report: run the model at two values of each symbol and
//! see whether it accepts both and whether the outputs follow.

use super::engine::{run, RunError, RunRequest};
use crate::jobs::Progress;
use crate::model::Model;
use crate::shapes::{run_dims, AxesReport, AxisStatus, Basis, Trial};

fn shapes_of(r: &super::engine::RunOutcome) -> Vec<Vec<u64>> {
    r.outputs.iter().map(|o| o.dims.clone()).collect()
}

/// Runs every symbol at two values, the others held where the model works (`held_symbols`),
/// and lets the runs decide: both run, `dynamic`; the held value runs and the other fails,
/// `lost`. A run that fails at the held values is no evidence either way (the static verdict
/// stays, and the report says so). Fills `confirmed_by_run` (did the static verdict agree) and
/// `run_detail`.
pub fn confirm(model: &Model, report: &mut AxesReport, progress: &Progress) {
    let mut seen = std::collections::HashSet::new();
    let trials: Vec<Trial> = report
        .axes
        .iter()
        .filter_map(|e| e.trial.clone())
        .filter(|t| seen.insert(t.symbols.clone()))
        .collect();
    let mut covered: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (k, trial) in trials.iter().enumerate() {
        if progress.cancelled() {
            return;
        }
        if trial.symbols.iter().all(|s| covered.contains(s)) {
            continue;
        }
        progress.set(k as f32 / trials.len() as f32, "confirming axes by running");
        let Some(first) = report.axes.iter().find(|e| e.trial.as_ref() == Some(trial)) else {
            continue;
        };
        let (before, shown) = (first.status, first.shown().to_string());
        let [a, b, _] = trial.values;
        let attempt = |t: &Trial, v: i64| {
            let req = RunRequest {
                dims: run_dims(report, t, v),
                runs: 0,
                profile: false,
                // Only whether it runs, and the output shapes, matter here.
                cross_check: false,
                ..RunRequest::default()
            };
            run(model, &req, &Progress::detached())
        };
        let (ra, mut rb) = (attempt(trial, a), attempt(trial, b));
        // Unnamed dims the graph forces equal (two inputs' `?` batch meeting in a Concat): when
        // one alone fails, try it with the other unnamed dims of its axis.
        let mut trial = trial.clone();
        if ra.is_ok() && rb.is_err() {
            let unnamed_axis = |t: &Trial| {
                report
                    .axes
                    .iter()
                    .find(|e| e.trial.as_ref() == Some(t))
                    .filter(|e| crate::tract::is_placeholder_dim(&e.written))
                    .map(|e| e.dim_index)
            };
            if let Some(axis) = unnamed_axis(&trial) {
                let mates: Vec<&Trial> = trials
                    .iter()
                    .filter(|t| t.symbols != trial.symbols && unnamed_axis(t) == Some(axis))
                    .collect();
                if !mates.is_empty() {
                    let mut together = trial.clone();
                    for m in &mates {
                        together.symbols.extend(m.symbols.iter().cloned());
                    }
                    let r = attempt(&together, b);
                    if r.is_ok() {
                        rb = r;
                        trial = together;
                    }
                }
            }
        }
        // Several unnamed dims moved together read as `age_dim0 = income_dim0`.
        let shown = if trial.symbols.len() > 1 {
            let mut names: Vec<&str> = Vec::new();
            for s in &trial.symbols {
                if let Some(e) = report.axes.iter().find(|e| &e.tract_symbol == s) {
                    if !names.contains(&e.shown()) {
                        names.push(e.shown());
                    }
                }
            }
            names.join(" = ")
        } else {
            shown
        };
        let (decided, detail) = match (&ra, &rb) {
            (Err(e @ (RunError::Unsupported { .. } | RunError::Input(_))), _)
            | (_, Err(e @ (RunError::Unsupported { .. } | RunError::Input(_)))) => {
                (None, format!("not run: {e}"))
            }
            (Err(e), _) => (
                None,
                format!(
                    "no evidence: the run at the held value {shown} = {a} fails: {}",
                    e.summary()
                ),
            ),
            (Ok(oa), Ok(ob)) => (
                Some((AxisStatus::Dynamic, None)),
                format!(
                    "ran at {shown} = {a} (outputs {:?}) and {shown} = {b} (outputs {:?})",
                    shapes_of(oa),
                    shapes_of(ob)
                ),
            ),
            (Ok(_), Err(e)) => (
                Some((AxisStatus::Lost, e.node().map(str::to_string))),
                format!("runs at {shown} = {a}, at {shown} = {b} it {}", e.summary()),
            ),
        };
        for e in report.axes.iter_mut().filter(|e| {
            e.trial
                .as_ref()
                .is_some_and(|t| trial.symbols.contains(&t.symbols[0]))
        }) {
            e.run_detail = Some(detail.clone());
            let Some((status, failed_at)) = &decided else {
                e.confirmed_by_run = None;
                continue;
            };
            e.confirmed_by_run = Some(before == *status);
            if before != *status {
                // The runs win; the static reason stays as what the analysis thought.
                e.reason = format!(
                    "{}; static analysis said {}: {}",
                    match status {
                        AxisStatus::Dynamic => "runs at both values",
                        _ => "the run at the second value fails",
                    },
                    status_word(before),
                    e.reason
                );
                e.status = *status;
                if *status == AxisStatus::Lost {
                    e.lost_at_node = failed_at.clone();
                }
                if *status == AxisStatus::Dynamic {
                    e.lost_at_node = None;
                }
            }
            e.basis = Basis::Run;
        }
        covered.extend(trial.symbols.iter().cloned());
    }
    progress.set(1.0, "done");
}

fn status_word(s: AxisStatus) -> &'static str {
    match s {
        AxisStatus::Dynamic => "dynamic",
        AxisStatus::Fixed => "fixed",
        AxisStatus::Lost => "lost",
        AxisStatus::Unknown => "unknown",
    }
}

//! One file per family of checks; `run_all` runs them in pipeline order.

mod functions;
mod graph;
mod model;
mod node;
mod shapes;
mod tensors;
mod types;
mod usage;

use super::Ctx;

/// The families are independent readers of the model: type and shape inference (the costliest)
/// run on a second thread beside the others. Findings are concatenated in pipeline order, so the report
/// is the same as a sequential run's.
pub(crate) fn run_all(ctx: &mut Ctx<'_>) {
    let mut typed = Ctx::new(ctx.model);
    let mut rest = Ctx::new(ctx.model);
    std::thread::scope(|s| {
        let types = s.spawn(|| {
            types::check(&mut typed);
            shapes::check(&mut typed);
        });
        model::check(ctx);
        functions::check(ctx);
        for g in 0..ctx.model.index.graphs.len() {
            graph::check(ctx, g);
            node::check(ctx, g);
        }
        tensors::check(&mut rest);
        usage::check(&mut rest);
        if let Err(panic) = types.join() {
            std::panic::resume_unwind(panic);
        }
    });
    ctx.out.extend(typed.out);
    ctx.out.extend(rest.out);
}

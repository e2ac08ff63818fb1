//! One file per family of checks; `run_all` runs them in pipeline order.

mod functions;
mod graph;
mod model;
mod node;
mod tensors;
mod types;
mod usage;

use super::Ctx;

pub(crate) fn run_all(ctx: &mut Ctx<'_>) {
    model::check(ctx);
    functions::check(ctx);
    for g in 0..ctx.model.index.graphs.len() {
        graph::check(ctx, g);
        node::check(ctx, g);
    }
    types::check(ctx);
    tensors::check(ctx);
    usage::check(ctx);
}

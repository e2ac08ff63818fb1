//! criterion benches of the hot library paths: parse (+ index), index alone, full check, layout
//! (view graph + Sugiyama), on the sample and on a plain 10k-node graph.
//! `cargo bench --bench core`; the 10k graph needs the test venv (see README).

#[path = "models.rs"]
mod models;

use criterion::{criterion_group, criterion_main, Criterion};
use onnx_lens::check::check_model;
use onnx_lens::layout::{compute, lay_out, LayoutRequest, ViewGraph};
use onnx_lens::model::{load_bytes, ModelIndex, MAIN_GRAPH};

fn pipeline(c: &mut Criterion) {
    for (name, path) in [
        ("sample", models::sample()),
        ("plain_10k", models::large(10_000)),
    ] {
        let bytes = std::fs::read(&path).unwrap();
        let model = load_bytes(name, &bytes, None).unwrap();
        let request = LayoutRequest::of(MAIN_GRAPH);
        let view = ViewGraph::build(&model, MAIN_GRAPH, &Default::default());
        let mut g = c.benchmark_group(name);
        g.sample_size(20);
        g.bench_function("parse+index", |b| {
            b.iter(|| load_bytes(name, &bytes, None).unwrap())
        });
        g.bench_function("index", |b| b.iter(|| ModelIndex::build(&model.proto)));
        g.bench_function("check", |b| b.iter(|| check_model(&model)));
        g.bench_function("view graph", |b| {
            b.iter(|| ViewGraph::build(&model, MAIN_GRAPH, &Default::default()))
        });
        g.bench_function("sugiyama", |b| b.iter(|| compute(&view)));
        g.bench_function("lay_out", |b| b.iter(|| lay_out(&model, request.clone())));
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);

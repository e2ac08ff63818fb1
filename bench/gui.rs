//! GUI benchmark: for generated graphs of 1k, 10k and 100k nodes, the time from opening the file
//! to the first frame that draws the graph, and frame times while panning, at a readable zoom and
//! with the whole graph in view.
//!
//! The window is driven the way eframe drives it — `Context::run_ui` then `tessellate` every
//! frame — without a GPU: what is timed is everything the app costs on the CPU per frame (UI,
//! culling, shapes, tessellation), not the rasteriser's fill.
//!
//! `cargo bench --bench gui [-- SIZES…]`; needs the test venv (.venv) to generate the models.
//! Results: stdout and bench/gui_results.md.

#[path = "models.rs"]
mod models;

use std::time::{Duration, Instant};

use egui::{Event, Modifiers, PointerButton, Pos2, RawInput, Rect, Vec2};
use onnx_lens::run::RunRequest;
use onnx_lens::ui::commands::{Command, LeftTab};
use onnx_lens::ui::dialog::ScriptedDialog;
use onnx_lens::ui::LensApp;

// The allocator the app runs with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SCREEN: Vec2 = Vec2::new(1400.0, 900.0);
const PAN_FRAMES: usize = 120;

/// Drives a LensApp frame by frame like eframe does.
struct Driver {
    ctx: egui::Context,
    app: LensApp,
    time: f64,
}

impl Driver {
    fn new() -> Driver {
        Driver {
            ctx: egui::Context::default(),
            app: LensApp::new(Box::new(ScriptedDialog::default()), vec![]),
            time: 0.0,
        }
    }

    /// One frame with these events; returns its CPU time (UI + tessellation).
    fn frame(&mut self, events: Vec<Event>) -> Duration {
        self.time += 1.0 / 60.0;
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SCREEN)),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            events,
            ..Default::default()
        };
        let start = Instant::now();
        let app = &mut self.app;
        let output = self.ctx.run_ui(input, |ui| app.show(ui));
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        start.elapsed()
    }

    fn graph_on_screen(&self) -> bool {
        self.app.last_frame.items_drawn > 0
    }
}

struct PanStats {
    median_ms: f64,
    max_ms: f64,
    items: usize,
    edges: usize,
}

/// Drags the canvas down-left in 10-px steps; frame times of the drag.
fn pan(d: &mut Driver) -> PanStats {
    let start = Pos2::new(700.0, 450.0);
    d.frame(vec![
        Event::PointerMoved(start),
        Event::PointerButton {
            pos: start,
            button: PointerButton::Primary,
            pressed: true,
            modifiers: Modifiers::NONE,
        },
    ]);
    let mut times = Vec::with_capacity(PAN_FRAMES);
    let (mut items, mut edges) = (0, 0);
    for k in 1..=PAN_FRAMES {
        let at = start + Vec2::new(-(k as f32) * 2.0, -(k as f32) * 10.0);
        times.push(d.frame(vec![Event::PointerMoved(at)]).as_secs_f64() * 1e3);
        items = items.max(d.app.last_frame.items_drawn);
        edges = edges.max(d.app.last_frame.edges_drawn);
    }
    let end = start + Vec2::new(-(PAN_FRAMES as f32) * 2.0, -(PAN_FRAMES as f32) * 10.0);
    d.frame(vec![Event::PointerButton {
        pos: end,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    }]);
    times.sort_by(f64::total_cmp);
    PanStats {
        median_ms: times[times.len() / 2],
        max_ms: *times.last().unwrap(),
        items,
        edges,
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        sizes
    };
    let mut rows = Vec::new();
    let mut marked_rows = Vec::new();
    for &n in &sizes {
        let path = models::large(n);
        let mut d = Driver::new();
        d.frame(vec![]);
        let opened = Instant::now();
        d.app.open_path(path);
        let mut first_frame = None;
        while !(d.app.settled() && d.graph_on_screen()) {
            d.frame(vec![]);
            if first_frame.is_none() && d.graph_on_screen() {
                first_frame = Some(opened.elapsed().as_secs_f64());
            }
            // The UI thread never waits on jobs; this loop plays eframe's repaint timer.
            std::thread::sleep(Duration::from_millis(1));
            assert!(
                opened.elapsed() < Duration::from_secs(600),
                "no first frame"
            );
        }
        // Shape inference (tract) goes on after the graph is drawn; edges then get its shapes.
        let settled = opened.elapsed().as_secs_f64();
        let first_frame = first_frame.unwrap_or(settled);
        let nodes = d.app.doc().map_or(0, |doc| doc.info.node_count);
        let readable = pan(&mut d);
        d.app.fit_view();
        d.frame(vec![]);
        let whole = pan(&mut d);
        // The same with marks on: a search that hits a quarter of the nodes, and the heat of a
        // profiled run (plain plan, one run).
        d.app.apply(Command::ShowTab(LeftTab::Search));
        d.app.apply(Command::Search("Relu".into()));
        d.app.apply(Command::StartRun {
            request: RunRequest {
                runs: 0,
                optimize: false,
                ..RunRequest::default()
            },
            expected: Default::default(),
        });
        let run_started = Instant::now();
        while !d.app.settled() {
            d.frame(vec![]);
            std::thread::sleep(Duration::from_millis(5));
        }
        let run_s = run_started.elapsed().as_secs_f64();
        let doc = d.app.doc().unwrap();
        let hits = doc.search.total;
        let heat = doc.run.result.as_ref().map_or(0, |r| r.heat.len());
        if let Some(e) = &doc.run.error {
            println!("  run failed ({e}): heat not shown");
        }
        d.app.zoom_top(0.9);
        d.frame(vec![]);
        let marked_readable = pan(&mut d);
        d.app.fit_view();
        d.frame(vec![]);
        let marked_whole = pan(&mut d);
        println!(
            "{nodes:>7} nodes with {hits} search hits and heat on {heat} nodes (run took {run_s:.1} s): \
             readable median {:.2} ms, max {:.2} ms; fitted median {:.2} ms, max {:.2} ms",
            marked_readable.median_ms,
            marked_readable.max_ms,
            marked_whole.median_ms,
            marked_whole.max_ms,
        );
        marked_rows.push(format!(
            "| {nodes} | {hits} | {heat} | {:.2} / {:.2} ms | {:.2} / {:.2} ms |",
            marked_readable.median_ms,
            marked_readable.max_ms,
            marked_whole.median_ms,
            marked_whole.max_ms
        ));
        println!(
            "{nodes:>7} nodes: first frame {first_frame:.2} s, all jobs done {settled:.2} s; \
             pan at readable zoom: median {:.2} ms, max {:.2} ms ({} boxes, {} edges drawn); \
             whole graph fitted: median {:.2} ms, max {:.2} ms ({} boxes, {} edges)",
            readable.median_ms,
            readable.max_ms,
            readable.items,
            readable.edges,
            whole.median_ms,
            whole.max_ms,
            whole.items,
            whole.edges,
        );
        rows.push(format!(
            "| {nodes} | {first_frame:.2} s | {settled:.2} s | {:.2} / {:.2} ms | {:.2} / {:.2} ms ({} boxes) |",
            readable.median_ms, readable.max_ms, whole.median_ms, whole.max_ms, whole.items
        ));
    }
    let out = models::root().join("bench/gui_results.md");
    let text = format!(
        "GUI, {}×{} window, CPU time per frame (UI + culling + tessellation; no GPU raster), \
         {PAN_FRAMES} frames of dragging per row.\n\n\
         | nodes | open → first frame with the graph | → shapes inferred, all jobs done | pan, readable zoom: median / max | pan, whole graph fitted (F): median / max |\n\
         |---|---|---|---|---|\n{}\n\n\
         With a search active and a run's heat shown (marks built once by the document, borrowed \
         per frame):\n\n\
         | nodes | search hits | nodes with heat | pan, readable zoom: median / max | pan, whole graph fitted: median / max |\n\
         |---|---|---|---|---|\n{}\n",
        SCREEN.x,
        SCREEN.y,
        rows.join("\n"),
        marked_rows.join("\n")
    );
    std::fs::write(&out, text).unwrap();
    println!("written {}", out.display());
}

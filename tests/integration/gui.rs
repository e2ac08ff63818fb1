//! The window, driven headless by egui_kittest: drops, clicks and AccessKit queries.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use onnx_lens::document::Selection;
use onnx_lens::model::NodeId;
use onnx_lens::ui::dialog::ScriptedDialog;
use onnx_lens::ui::LensApp;

use crate::common::*;

#[derive(Debug)]
struct PathDrop(PathBuf);

impl egui::DroppedFile for PathDrop {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub fn sample_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.onnx")
}

pub fn harness(app: LensApp) -> Harness<'static, LensApp> {
    harness_in(app, egui::Theme::Light)
}

/// The window with the system theme `theme` (the app follows the system's by default).
pub fn harness_in(app: LensApp, theme: egui::Theme) -> Harness<'static, LensApp> {
    Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .with_theme(theme)
        .build_ui_state(|ui, app: &mut LensApp| app.show(ui), app)
}

pub fn new_app() -> LensApp {
    LensApp::new(Box::new(ScriptedDialog::default()), vec![])
}

/// Steps frames until every job is done and the current graph is laid out.
pub fn settle(h: &mut Harness<'_, LensApp>) {
    let start = Instant::now();
    loop {
        h.step();
        if h.state().settled() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the app did not settle"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(4);
}

/// Clicks "▶ Run" and waits for the run to finish.
pub fn press_run(h: &mut Harness<'_, LensApp>) {
    h.get_by_label("▶ Run").click();
    h.run_steps(1);
    settle(h);
}

pub fn drop_file(h: &mut Harness<'_, LensApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(Arc::new(PathDrop(path.to_path_buf())));
    h.step();
    settle(h);
}

#[test]
fn dropping_a_model_opens_it_and_its_ops_are_accessible() {
    let mut h = harness(new_app());
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Drop an .onnx file").is_some(),
        "empty window invites a drop"
    );
    drop_file(&mut h, &sample_model());
    assert!(h.state().doc().is_some());
    // Op types appear as accessible graph nodes (buttons) and in the model panel.
    assert!(!h
        .query_all_by_role_and_label(Role::Button, "Conv")
        .collect::<Vec<_>>()
        .is_empty());
    assert!(
        h.query_by_role_and_label(Role::Button, "input input")
            .is_some(),
        "the input pill"
    );
    assert!(h.query_by_label("GlobalAveragePool").is_some());
    assert!(
        h.query_by_label_contains("valid").is_some(),
        "validation status shown"
    );
}

#[test]
fn clicking_a_node_shows_its_attributes() {
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    h.get_all_by_role_and_label(Role::Button, "Conv")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    let Some(Selection::Node(0, n)) = h.state().doc().map(|d| d.selection.clone()) else {
        panic!("a node is selected");
    };
    let op = h
        .state()
        .doc()
        .unwrap()
        .model
        .node(0, n)
        .unwrap()
        .op_type
        .clone();
    assert_eq!(op, "Conv");
    for attr in ["kernel_shape", "strides", "pads", "group"] {
        assert!(h.query_by_label(attr).is_some(), "attribute {attr} shown");
    }
}

#[test]
fn clicking_a_diagnostic_selects_its_node() {
    let manifest = invalid_models();
    let path = PathBuf::from(manifest["three_problems"]["path"].as_str().unwrap());
    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    h.get_by_label_contains("Diagnostics (").click();
    h.run_steps(2);
    h.get_by_label_contains("p3_dangling").click();
    settle(&mut h);
    let doc = h.state().doc().unwrap();
    let n = doc
        .model
        .body(0)
        .unwrap()
        .nodes()
        .iter()
        .position(|n| n.name == "p3_dangling")
        .map(NodeId)
        .unwrap();
    assert_eq!(doc.selection, Selection::Node(0, n));
    assert_eq!(
        doc.selected_item(),
        doc.laid_out(0).unwrap().view.item_of_node(n)
    );
}

#[test]
fn a_bad_file_shows_an_error_and_keeps_the_open_model() {
    let dir = scratch("gui_bad_file");
    let bad = dir.join("broken.onnx");
    std::fs::write(&bad, b"definitely not a model").unwrap();
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    drop_file(&mut h, &bad);
    assert!(
        h.query_by_label_contains("not an ONNX model").is_some(),
        "error banner"
    );
    let doc = h.state().doc().expect("previous model still open");
    assert_eq!(doc.model.origin.name, "sample.onnx");
    assert!(h.query_by_label("GlobalAveragePool").is_some());
}

#[test]
fn hostile_models_show_their_errors_and_the_app_stays_usable() {
    let dir = scratch("gui_hostile");
    let models = run_py_json("make_hostile_models.py", &[dir.to_str().unwrap()]);
    let mut h = harness(new_app());
    // External data escaping the folder: opened, the refusal is a diagnostic tied to the tensor,
    // and neither shape inference nor a run touches the file (they would block on the FIFO).
    drop_file(&mut h, Path::new(models["escape_dotdot"].as_str().unwrap()));
    h.get_by_label_contains("Diagnostics (").click();
    h.run_steps(2);
    assert!(h
        .query_by_label_contains("leaves the model's folder")
        .is_some());
    h.get_by_label("Run").click();
    h.run_steps(2);
    press_run(&mut h);
    let err = h
        .state()
        .doc()
        .unwrap()
        .run
        .error
        .as_ref()
        .map(|e| e.to_string())
        .expect("the run is refused");
    assert!(err.contains("leaves the model's folder"), "{err}");
    // A tensor whose dims overflow: a diagnostic, no allocation, no crash.
    drop_file(&mut h, Path::new(models["dims_overflow"].as_str().unwrap()));
    h.get_by_label_contains("Diagnostics (").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("overflows").is_some());
    // And the window still opens a good model.
    drop_file(&mut h, &sample_model());
    assert!(h.query_by_label("GlobalAveragePool").is_some());
}

#[test]
fn run_panel_runs_the_model_and_shows_its_outputs() {
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    h.get_by_label("Run").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("batch_size").is_some(),
        "symbol values are editable"
    );
    // One thread, typed into the form.
    let threads = h.get_by_role_and_label(Role::SpinButton, "threads");
    threads.click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::SpinButton, "threads")
        .type_text("1");
    h.key_press(egui::Key::Enter);
    h.run_steps(1);
    press_run(&mut h);
    let outcome = &h
        .state()
        .doc()
        .unwrap()
        .run
        .result
        .as_ref()
        .expect("the run finished")
        .outcome;
    assert_eq!(outcome.threads, 1);
    assert!(h
        .query_by_label_contains("ran with tract (optimised plan, 1 thread)")
        .is_some());
    let probs = &outcome.outputs[0];
    assert_eq!(probs.dims, vec![1, 10]);
    // The output row, its statistics and its first values are on screen.
    assert!(h
        .query_by_label_contains("probabilities  float[1, 10]")
        .is_some());
    let first = probs.values.format(0);
    assert!(
        h.query_by_label_contains(&format!("[{first}, ")).is_some(),
        "first output value {first} shown"
    );
    assert!(h.query_by_label_contains("top-5").is_some());
    assert!(h.query_by_label_contains("latency").is_some());
    // The slowest node links to the graph.
    let slowest = outcome.node_times[0].node.clone();
    h.get_by_label(&slowest).click();
    h.run_steps(2);
    let doc = h.state().doc().unwrap();
    let Selection::Node(0, n) = doc.selection else {
        panic!("a node is selected")
    };
    assert_eq!(doc.model.node(0, n).unwrap().name, slowest);
}

#[test]
fn axes_panel_names_the_node_that_pins_the_batch() {
    let f = crate::shapes::axes_fixtures();
    let mut h = harness(new_app());
    drop_file(&mut h, Path::new(&f["mlp_view"]));
    h.get_by_label("Axes").click();
    h.run_steps(2);
    assert!(h.query_by_label("LOST").is_some());
    h.get_by_label("/Reshape").click();
    h.run_steps(2);
    let doc = h.state().doc().unwrap();
    let Selection::Node(0, n) = doc.selection else {
        panic!("a node is selected")
    };
    assert_eq!(doc.model.node(0, n).unwrap().op_type, "Reshape");
    // Edges carry tract's symbolic shapes.
    let labels = &doc.shapes.as_ref().unwrap().labels;
    assert_eq!(
        labels.get("/Reshape_output_0").map(String::as_str),
        Some("1×784*batch_size")
    );
    h.get_by_label_contains("Confirm by running").click();
    h.run_steps(1);
    settle(&mut h);
    assert!(h.query_by_label_contains("run agrees").is_some());
}

/// A file under tests/models/exports/ (written by torch and friends: tests/py/export_real_models.py).
pub fn real_export(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/models/exports/{name}.onnx"))
}

/// On torch's export of an attention block that traced the sequence length: batch dynamic, seq
/// lost at the first head-split Reshape; "pinned by" selects the Constant holding the traced 16,
/// and both are tinted on the graph.
#[test]
fn axes_panel_links_the_constant_that_pins_a_traced_sequence() {
    let mut h = harness(new_app());
    drop_file(&mut h, &real_export("traced_seq_block"));
    h.get_by_label("Axes").click();
    settle(&mut h);
    assert!(h.query_by_label("LOST").is_some());
    assert!(h.query_by_label("dynamic").is_some());
    h.get_by_label("/Constant_8").click();
    settle(&mut h);
    let doc = h.state().doc().unwrap();
    let Selection::Node(0, n) = doc.selection else {
        panic!("a node is selected")
    };
    assert_eq!(doc.model.node(0, n).unwrap().name, "/Constant_8");
    // The lost axis's node and its Constant carry the lost-axis tint on the canvas.
    let body = doc.model.body(0).unwrap();
    let tint = doc
        .rewritten(0)
        .expect("the document tint is built while painting");
    let tinted: Vec<String> = doc
        .scope(0)
        .unwrap()
        .laid
        .view
        .items
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            tint.get(onnx_lens::layout::ItemId(*i)) == Some(&onnx_lens::document::tint::LOST_AXIS)
        })
        .filter_map(|(_, it)| match it.kind {
            onnx_lens::layout::ItemKind::Node(n) => Some(body.nodes()[n.0].name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        tinted,
        vec!["/Reshape".to_string()],
        "the Constant is folded into its box"
    );
}

#[test]
fn export_view_as_png_writes_the_canvas_as_drawn() {
    let out = scratch("gui_png").join("view.png");
    let _ = std::fs::remove_file(&out);
    let dialog = ScriptedDialog {
        saves: vec![out.clone()],
        ..Default::default()
    };
    let mut h = harness(LensApp::new(Box::new(dialog), vec![]));
    drop_file(&mut h, &sample_model());
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Export view as PNG…").click();
    h.run_steps(4);
    let canvas = h
        .state()
        .canvas_rect()
        .expect("the graph canvas is on screen");
    let png = image::open(&out).expect("the PNG was written").to_rgba8();
    // The canvas only, at the window's scale: no menu, no side panels.
    assert_eq!(
        (png.width(), png.height()),
        (
            canvas.width().round() as u32,
            canvas.height().round() as u32
        )
    );
    // What the canvas shows is in it: the white background and the blue of the Conv headers.
    let [r, g, b] = onnx_lens::layout::category_rgb(onnx_lens::layout::Category::Layer);
    let near =
        |p: &image::Rgba<u8>, c: [u8; 3]| (0..3).all(|k| (p.0[k] as i32 - c[k] as i32).abs() <= 3);
    let conv_pixels = png.pixels().filter(|p| near(p, [r, g, b])).count();
    let white = png.pixels().filter(|p| near(p, [255, 255, 255])).count();
    assert!(
        conv_pixels > 500,
        "Conv headers drawn: {conv_pixels} pixels"
    );
    assert!(
        white as u32 > png.width() * png.height() / 2,
        "mostly canvas"
    );
    assert!(
        h.query_by_label_contains("saved").is_some(),
        "the app says where"
    );
}

#[test]
fn the_minimap_shows_where_the_view_is_and_moves_it() {
    let dir = scratch("gui_minimap");
    let large = dir.join("large_2k.onnx");
    run_py("make_large.py", &[large.to_str().unwrap(), "2000"]);
    let mut h = harness(new_app());
    drop_file(&mut h, &large);
    // The initial view is the readable top of a tall graph, so the minimap is up.
    let minimap = h.get_by_label("minimap").rect();
    let before = h.state().view().expect("a view").offset;
    // Clicking near its bottom jumps the view towards the end of the graph.
    let target = egui::Pos2::new(minimap.center().x, minimap.bottom() - 3.0);
    h.hover_at(target);
    h.drag_at(target);
    h.drop_at(target);
    h.run_steps(3);
    let after = h.state().view().unwrap().offset;
    let bounds = h.state().doc().unwrap().laid_out(0).unwrap().layout.bounds;
    assert!(
        after.y - before.y > bounds.h * 0.8,
        "view moved from y={} to y={} in a graph {} tall",
        before.y,
        after.y,
        bounds.h
    );
    // Fitting the whole graph in view hides it.
    h.key_press(egui::Key::F);
    h.run_steps(3);
    assert!(h.query_by_label("minimap").is_none());
}

#[test]
fn an_empty_graph_opens_and_renders() {
    use onnx_protobuf::Message;
    let mut m = onnx_protobuf::ModelProto::new();
    m.ir_version = 8;
    let mut opset = onnx_protobuf::OperatorSetIdProto::new();
    opset.version = 17;
    m.opset_import.push(opset);
    let mut g = onnx_protobuf::GraphProto::new();
    g.name = "empty".into();
    m.graph = protobuf::MessageField::some(g);
    let path = scratch("gui_empty").join("empty.onnx");
    std::fs::write(&path, m.write_to_bytes().unwrap()).unwrap();
    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    assert_eq!(h.state().doc().unwrap().model.origin.name, "empty.onnx");
    h.render().expect("the window renders");
}

/// Renders the window to a PNG (wgpu, software Vulkan under CI).
pub fn save_png(h: &mut Harness<'_, LensApp>, path: &Path) {
    let image = h.render().expect("render the window");
    image.save(path).expect("write png");
}

#[test]
fn graph_view_snapshot_of_the_sample_model() {
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    // Compared with tests/snapshots/sample_graph.png (UPDATE_SNAPSHOTS=1 rewrites it).
    h.snapshot_options(
        "sample_graph",
        &egui_kittest::SnapshotOptions::new()
            .threshold(2.0)
            .max_failed_pixels(400),
    );
}

/// Regenerates the README's screenshots (run by screenshots/regenerate.sh).
#[test]
#[ignore]
fn regenerate_screenshots() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&out).unwrap();

    // 1. A MobileNetV2-class model.
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    save_png(&mut h, &out.join("main.png"));

    // 2. The node panel of a depthwise convolution.
    h.get_all_by_role_and_label(Role::Button, "Conv")
        .nth(2)
        .unwrap()
        .click();
    h.run_steps(3);
    save_png(&mut h, &out.join("node_panel.png"));

    // 3. A weight tensor: statistics and histogram.
    h.get_all_by_label("tensor").next().unwrap().click();
    settle(&mut h);
    save_png(&mut h, &out.join("tensor.png"));

    // 4. Diagnostics of a broken model.
    let dir = scratch("screenshot_models");
    let manifest = invalid_models();
    let mut h = harness(new_app());
    drop_file(
        &mut h,
        Path::new(manifest["three_problems"]["path"].as_str().unwrap()),
    );
    h.get_by_label_contains("Diagnostics (").click();
    h.run_steps(2);
    h.get_by_label_contains("p3_dangling").click();
    settle(&mut h);
    save_png(&mut h, &out.join("diagnostics.png"));

    // 5. Large plain graphs from the top, zoomed out: 10k nodes, then 100k far out (merged
    // blocks, the minimap showing where in the whole graph).
    for (name, nodes, zoom) in [("large_10k", "10000", 0.12), ("large_100k", "100000", 0.04)] {
        let model = dir.join(format!("{name}.onnx"));
        run_py("make_large.py", &[model.to_str().unwrap(), nodes]);
        let mut h = harness(new_app());
        drop_file(&mut h, &model);
        h.state_mut().zoom_top(zoom);
        h.run_steps(3);
        save_png(&mut h, &out.join(format!("{name}.png")));
    }

    // 6. A test run of the sample: outputs, latency, per-node heat on the graph.
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    h.get_by_label("Run").click();
    h.run_steps(2);
    press_run(&mut h);
    save_png(&mut h, &out.join("run.png"));

    // 7. The dynamic-axes report of torch's export of an attention block whose head split
    // traced the sequence length.
    let mut h = harness(new_app());
    drop_file(&mut h, &real_export("traced_seq_block"));
    h.get_by_label("Axes").click();
    h.run_steps(2);
    h.get_by_label_contains("Confirm by running").click();
    h.run_steps(1);
    settle(&mut h);
    h.get_by_label("/Reshape").click();
    settle(&mut h);
    save_png(&mut h, &out.join("axes.png"));

    // 8. The sample beside onnxruntime's optimised version: the Conv + BatchNormalization
    // fusions coloured on both sides, one selected, after running both.
    let pairs = run_py_json("make_diff_pairs.py", &[dir.join("pairs").to_str().unwrap()]);
    let dialog = ScriptedDialog {
        picks: vec![PathBuf::from(pairs["pairs"]["ort_basic"].as_str().unwrap())],
        ..Default::default()
    };
    let mut h = harness(LensApp::new(Box::new(dialog), vec![]));
    drop_file(&mut h, &sample_model());
    h.state_mut()
        .apply(onnx_lens::ui::commands::Command::CompareDialog);
    settle(&mut h);
    h.get_by_label("▶ Run both").click();
    h.run_steps(1);
    settle(&mut h);
    h.get_by_label_contains("fused Conv_20 + BatchNormalization_26")
        .click();
    settle(&mut h);
    save_png(&mut h, &out.join("compare.png"));
}

/// A YOLO-like export with 2 KB of metadata and a 300-character output dim keeps the canvas at
/// least half the window, and so does a saved panel width far wider than the window.
#[test]
fn long_metadata_and_saved_widths_never_take_the_canvas() {
    use onnx_protobuf::Message;
    let mut proto =
        onnx_protobuf::ModelProto::parse_from_bytes(&std::fs::read(sample_model()).unwrap())
            .unwrap();
    let mut entry = onnx_protobuf::StringStringEntryProto::new();
    entry.key = "names".into();
    entry.value = (0..200)
        .map(|i| format!("{i}: 'class_{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    assert!(entry.value.len() > 2000);
    proto.metadata_props.push(entry);
    let long_dim = format!("({})", vec!["batch_size*anchors+1"; 15].join("+"));
    assert!(long_dim.len() >= 300);
    let out = &mut proto.graph.as_mut().unwrap().output[0];
    if let Some(onnx_protobuf::type_proto::Value::TensorType(t)) =
        out.type_.as_mut().unwrap().value.as_mut()
    {
        t.shape.as_mut().unwrap().dim[0].value =
            Some(onnx_protobuf::tensor_shape_proto::dimension::Value::DimParam(long_dim.clone()));
    }
    let path = scratch("gui_long_metadata").join("yolo_like.onnx");
    std::fs::write(&path, proto.write_to_bytes().unwrap()).unwrap();

    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    let canvas = h.state().canvas_rect().expect("the canvas is drawn");
    assert!(
        canvas.width() >= 700.0,
        "canvas {canvas:?} of a 1400-wide window"
    );

    // A saved width of 5000 points, as a settings file could hold: clamped on load.
    let mut h = harness(new_app());
    h.ctx.data_mut(|d| {
        d.insert_persisted(
            egui::Id::new("left"),
            egui::containers::panel::PanelState {
                outer_rect: egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(5000.0, 900.0)),
            },
        )
    });
    drop_file(&mut h, &path);
    let canvas = h.state().canvas_rect().expect("the canvas is drawn");
    assert!(
        canvas.width() >= 700.0,
        "canvas {canvas:?} after a 5000-wide saved panel"
    );
}

/// A run whose output is NaN names the first non-finite node in the Run tab, and its link
/// selects that node on the graph.
#[test]
fn the_run_tab_names_the_first_nonfinite_node() {
    let dir = scratch("gui_nan");
    let made = run_py_json("make_nan_model.py", &[dir.to_str().unwrap()]);
    let mut h = harness(new_app());
    drop_file(&mut h, Path::new(made["model"].as_str().unwrap()));
    h.get_by_label("Run").click();
    h.run_steps(2);
    press_run(&mut h);
    assert!(h
        .query_by_label_contains("the first non-finite value appears at node /ratio/Div")
        .is_some());
    assert!(h.query_by_label_contains("Div: 0/0 at [0, 0]").is_some());
    // The node is marked on the graph, in the non-finite tint, and no other.
    {
        let doc = h.state().doc().unwrap();
        let marked = doc.rewritten(0).expect("the run's marks");
        let laid = &doc.scope(0).unwrap().laid;
        let items: Vec<(String, [u8; 4])> = laid
            .view
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let t = marked.get(onnx_lens::layout::ItemId(i))?;
                Some((it.title.clone(), *t))
            })
            .collect();
        assert_eq!(
            items,
            vec![("Div".to_string(), onnx_lens::document::tint::NONFINITE)]
        );
    }
    h.get_by_label("show node /ratio/Div").click();
    h.run_steps(3);
    let doc = h.state().doc().unwrap();
    let Selection::Node(0, n) = doc.selection else {
        panic!("a node is selected: {:?}", doc.selection)
    };
    assert_eq!(doc.model.node(0, n).unwrap().name, "/ratio/Div");
}

/// The Model tab shows the cost: toggling "colour graph by MACs" tints the nodes by their share
/// of the heaviest node's MACs (the heaviest at full share), the heaviest-nodes list starts with
/// the node the cost library names, and clicking it selects that node.
#[test]
fn the_model_tab_colours_by_macs_and_lists_the_heaviest_node() {
    // Tall enough that the whole Model tab is on screen (egui only describes visible widgets).
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 1800.0))
        .build_ui_state(|ui, app: &mut LensApp| app.show(ui), new_app());
    drop_file(&mut h, &sample_model());
    let (model, expected) = {
        let doc = h.state().doc().unwrap();
        let cost = &doc.shapes.as_ref().unwrap().cost;
        let top = cost.heaviest(1)[0].clone();
        (doc.model.clone(), (top, cost.symbols.clone()))
    };
    let (expected, symbols) = expected;
    assert!(h
        .query_by_label_contains("1 MAC = 1 multiply-add = 2 FLOPs")
        .is_some());
    h.get_by_label("colour graph by MACs").click();
    h.run_steps(3);
    let doc = h.state().doc().unwrap();
    assert!(doc.macs_heat_shown);
    let heat = doc.heat(0).expect("MACs heat built");
    let laid = &doc.scope(0).unwrap().laid;
    let top_item = laid
        .view
        .items
        .iter()
        .position(|it| it.kind == onnx_lens::layout::ItemKind::Node(NodeId(expected.index)))
        .unwrap();
    assert_eq!(
        heat.get(onnx_lens::layout::ItemId(top_item)),
        Some(&1.0),
        "the heaviest node is tinted at full share"
    );
    // The list's first entry, and only it, is that node.
    let prefix = format!("{}  {}  ", expected.op, expected.node);
    assert_eq!(h.query_all_by_label_contains(&prefix).count(), 1);
    h.get_by_label_contains(&prefix).click();
    h.run_steps(3);
    let doc = h.state().doc().unwrap();
    assert_eq!(doc.selection, Selection::Node(0, NodeId(expected.index)));
    assert_eq!(
        model.node(0, NodeId(expected.index)).unwrap().name,
        expected.node
    );
    // The node panel shows the selected node's MACs (the list shows them inside longer text).
    let macs = onnx_lens::cost::si(expected.macs.eval(&symbols));
    assert_eq!(h.query_all_by_label(&macs).count(), 1, "{macs}");
}

/// File ▸ Compare with… opens the second model beside the first: the Compare tab lists the
/// differences (here the one changed node of a re-export), clicking one selects it on both
/// sides, and selecting a node of A selects its match in B.
#[test]
fn compare_view_selects_a_difference_on_both_sides() {
    let dir = scratch("gui_compare");
    let made = run_py_json("make_diff_pairs.py", &[dir.to_str().unwrap()]);
    let b = PathBuf::from(made["pairs"]["one_layer_changed"].as_str().unwrap());
    let changed = made["changed_node"].as_str().unwrap();
    let dialog = ScriptedDialog {
        picks: vec![b],
        ..Default::default()
    };
    let mut h = harness(LensApp::new(Box::new(dialog), vec![]));
    drop_file(&mut h, &sample_model());
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Compare with…").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(h.state().comparison().is_some_and(|c| c.diff.is_some()));
    let row = format!("changed {changed} (Gemm): attribute alpha");
    h.get_by_label(&row).click();
    h.run_steps(3);
    let app = h.state();
    let node_a = app
        .doc()
        .unwrap()
        .model
        .node_by_tract_name(0, changed)
        .unwrap();
    let c = app.comparison().unwrap();
    let node_b = c.b.doc.model.node_by_tract_name(0, changed).unwrap();
    assert_eq!(app.doc().unwrap().selection, Selection::Node(0, node_a));
    assert_eq!(c.b.doc.selection, Selection::Node(0, node_b));
    // Synchronised navigation: another node of A selects its match in B.
    let first = NodeId(0);
    h.state_mut()
        .apply(onnx_lens::ui::commands::Command::FocusNode(0, first));
    h.run_steps(2);
    let c = h.state().comparison().unwrap();
    assert_eq!(
        c.b.doc.selection,
        Selection::Node(0, c.match_of_a(first).unwrap())
    );
    // Run both: the changed Gemm is where the numbers part; its link selects it on both sides.
    h.get_by_label("▶ Run both").click();
    h.run_steps(1);
    settle(&mut h);
    h.get_by_label_contains(&format!("first divergence: {changed}"))
        .click();
    h.run_steps(3);
    let app = h.state();
    assert_eq!(app.doc().unwrap().selection, Selection::Node(0, node_a));
    assert_eq!(
        app.comparison().unwrap().b.doc.selection,
        Selection::Node(0, node_b)
    );
}

/// A run of a model onnx-lens rewrote for tract (skl2onnx's binary decision tree) lists the
/// rewrite in the Run tab, and "mark the rewritten nodes on the graph" tints exactly that node.
#[test]
fn the_run_tab_marks_the_rewritten_nodes() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/models/sklearn/decision_tree_binary.onnx");
    let mut h = harness(new_app());
    drop_file(&mut h, &model);
    h.get_by_label("Run").click();
    h.run_steps(2);
    press_run(&mut h);
    assert!(h
        .query_by_label_contains("node(s) rewritten for tract")
        .is_some());
    h.get_by_label("mark the rewritten nodes on the graph")
        .click();
    h.run_steps(3);
    let doc = h.state().doc().unwrap();
    let marked = doc.rewritten(0).expect("rewritten nodes marked");
    let laid = &doc.scope(0).unwrap().laid;
    let items: Vec<String> = laid
        .view
        .items
        .iter()
        .enumerate()
        .filter(|(i, _)| marked.get(onnx_lens::layout::ItemId(*i)).is_some())
        .map(|(_, it)| it.title.clone())
        .collect();
    assert_eq!(items, vec!["TreeEnsembleClassifier".to_string()]);
}

fn pick_imagenet_names(h: &mut Harness<'_, LensApp>) {
    h.get_by_label("class names").click();
    h.run_steps(2);
    h.get_by_label("ImageNet-1k (bundled)").click();
    h.run_steps(2);
}

pub fn click_at(h: &mut Harness<'_, LensApp>, pos: egui::Pos2) {
    let press = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    h.step();
    h.input_mut().events.push(press(true));
    h.step();
    h.input_mut().events.push(press(false));
    h.run_steps(3);
}

/// The tutorial flow in the window: a photo dropped on an open MobileNetV2 feeds its image
/// input (ImageNet preset), the run shows the image as fed, and with the bundled ImageNet-1k
/// list the top class's name is on screen.
#[test]
fn a_dropped_photo_runs_and_the_top_class_is_named() {
    let models = crate::tutorial::tutorial_models();
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 1600.0))
        .build_ui_state(|ui, app: &mut LensApp| app.show(ui), new_app());
    drop_file(&mut h, Path::new(models["mobilenet"].as_str().unwrap()));
    drop_file(&mut h, Path::new(&crate::tutorial::photo("photo.jpg")));
    assert!(
        h.query_by_label_contains("imagenet preset, resize shorter side to 256")
            .is_some(),
        "the photo feeds the image input with the guessed preset"
    );
    pick_imagenet_names(&mut h);
    press_run(&mut h);
    let outcome = &h
        .state()
        .doc()
        .unwrap()
        .run
        .result
        .as_ref()
        .unwrap()
        .outcome;
    assert_eq!(outcome.inputs[0].dims, vec![1, 3, 224, 224]);
    let top = onnx_lens::run::top_k(&outcome.outputs[0], 1).unwrap()[0].0;
    let name = onnx_lens::run::labels::imagenet().names[top].clone();
    assert!(
        h.query_by_label_contains(&format!("{top} {name}"))
            .is_some(),
        "top class {top} {name} shown"
    );
    assert!(h.query_by_label("Images as fed").is_some());
}

/// After a run, clicking an intermediate edge on the canvas shows the value it carried: its
/// statistics as the run computed them, and its values in the tensor panel.
#[test]
fn clicking_an_edge_after_a_run_shows_its_values() {
    let mut h = harness(new_app());
    drop_file(&mut h, &sample_model());
    h.get_by_label("Run").click();
    h.run_steps(2);
    press_run(&mut h);
    // The first Conv's output, an intermediate value.
    let (value, kept) = {
        let doc = h.state().doc().unwrap();
        let body = doc.model.body(0).unwrap();
        let conv = body.nodes().iter().find(|n| n.op_type == "Conv").unwrap();
        let v = conv.output[0].clone();
        let r = doc.run.result.as_ref().unwrap();
        (v.clone(), r.values.get(&v).expect("kept").stats.unwrap())
    };
    let at = h.state().edge_screen_point(&value).expect("edge on screen");
    click_at(&mut h, at);
    let doc = h.state().doc().unwrap();
    assert_eq!(doc.selection, Selection::Value(0, value.clone()));
    assert!(h.query_by_label("After the run").is_some());
    let line = format!(
        "min {}  max {}  mean {}  std {}",
        onnx_lens::ui::widgets::number(kept.min),
        onnx_lens::ui::widgets::number(kept.max),
        onnx_lens::ui::widgets::number(kept.mean),
        onnx_lens::ui::widgets::number(kept.std)
    );
    assert!(h.query_by_label(&line).is_some(), "{line}");
    let before = h.query_all_by_label_contains(&value).count();
    h.get_by_label("show values").click();
    h.run_steps(3);
    assert!(
        h.query_all_by_label_contains(&value).count() > before,
        "the tensor panel opens on {value}"
    );
}

/// screenshots/run_photo.png: the tutorial flow (a photo dropped on a MobileNetV2, ImageNet
/// names, the image as fed). Run by screenshots/regenerate.sh with the others.
#[test]
#[ignore]
fn regenerate_screenshots_of_the_tutorial_flow() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let models = crate::tutorial::tutorial_models();
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut LensApp| app.show(ui), new_app());
    drop_file(&mut h, Path::new(models["mobilenet"].as_str().unwrap()));
    drop_file(&mut h, Path::new(&crate::tutorial::photo("photo.jpg")));
    pick_imagenet_names(&mut h);
    press_run(&mut h);
    h.get_by_label("Images as fed").scroll_to_me();
    h.run_steps(3);
    save_png(&mut h, &out.join("run_photo.png"));
}

/// Dropping `input.npy` and `probabilities.npy` (onnxruntime's output on that input, as one
/// saves PyTorch's) on the sample: the first feeds the input, the second becomes the output's
/// reference, and the run shows a PASSED badge; another input's reference FAILS.
#[test]
fn dropped_reference_outputs_are_compared_after_the_run() {
    let verdict = |batch: &str, reference_batch: &str| {
        let feed = run_py_json(
            "ort_reference.py",
            &[
                sample_model().to_str().unwrap(),
                scratch(&format!("gui_expect_in_{batch}")).to_str().unwrap(),
                batch,
            ],
        );
        let reference = run_py_json(
            "ort_reference.py",
            &[
                sample_model().to_str().unwrap(),
                scratch(&format!("gui_expect_ref_{reference_batch}"))
                    .to_str()
                    .unwrap(),
                reference_batch,
            ],
        );
        // Named as the model's input and output, as a user saves them.
        let dir = scratch(&format!("gui_expect_{batch}_{reference_batch}"));
        let input = dir.join("input.npy");
        let probs = dir.join("probabilities.npy");
        std::fs::copy(feed["input_path"].as_str().unwrap(), &input).unwrap();
        std::fs::copy(
            reference["outputs"]["probabilities"].as_str().unwrap(),
            &probs,
        )
        .unwrap();
        let mut h = harness(new_app());
        drop_file(&mut h, &sample_model());
        h.input_mut().dropped_files.push(Arc::new(PathDrop(input)));
        h.input_mut().dropped_files.push(Arc::new(PathDrop(probs)));
        h.run_steps(3);
        press_run(&mut h);
        let c = h.state().doc().unwrap().run.result.as_ref().unwrap();
        let passed = c.comparison.as_ref().expect("compared").passed;
        let badge = format!(
            "the reference outputs: {}",
            if passed { "PASSED" } else { "FAILED" }
        );
        assert!(h.query_by_label_contains(&badge).is_some(), "{badge}");
        passed
    };
    assert!(verdict("2", "2"));
    assert!(!verdict("2", "3"));
}

/// A model whose dims are all fixed has no batch field in the Run tab, and the tab says why.
#[test]
fn a_fixed_batch_is_explained_in_the_run_tab() {
    let models = crate::tutorial::tutorial_models();
    let mut h = harness(new_app());
    drop_file(&mut h, Path::new(models["fixed_b1"].as_str().unwrap()));
    h.get_by_label("Run").click();
    h.run_steps(2);
    assert!(h
        .query_by_label_contains("every input dim is fixed (batch 1)")
        .is_some());
    assert!(h.query_by_label("Symbolic dims").is_none());
}

//! The viewer on a torch-style export (make_torch_style.py): folded constants, edge labels,
//! the neighbourhood view, an If's branch choice, the path field where no dialog exists.

use std::path::PathBuf;
use std::sync::OnceLock;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use onnx_lens::document::Selection;
use onnx_lens::layout::ItemKind;
use onnx_lens::model::NodeId;
use onnx_lens::ui::commands::Command;
use onnx_lens::ui::dialog::ScriptedDialog;
use onnx_lens::ui::LensApp;

use crate::common::*;
use crate::gui::{click_at, drop_file, harness, new_app, settle};

fn torch_style() -> &'static serde_json::Value {
    static MADE: OnceLock<serde_json::Value> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = scratch("torch_style");
        run_py_json("make_torch_style.py", &[dir.to_str().unwrap()])
    })
}

fn mobilenet() -> PathBuf {
    PathBuf::from(torch_style()["path"].as_str().unwrap())
}

/// (title, rows as "name detail") of every op and shape-computation box of the current scope.
fn boxes(h: &Harness<'_, LensApp>) -> Vec<(String, Vec<String>)> {
    let doc = h.state().doc().unwrap();
    let laid = doc.laid_out(doc.current).unwrap();
    laid.view
        .items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Node(_) | ItemKind::ShapeComputation(_)))
        .map(|i| {
            let rows = i
                .rows
                .iter()
                .map(|r| format!("{}{}", r.name, r.detail))
                .collect();
            (i.title.clone(), rows)
        })
        .collect()
}

#[test]
fn constants_fold_into_the_node_they_feed_and_come_back_with_the_toggle() {
    let made = torch_style();
    let constants = made["constants"].as_u64().unwrap() as usize;
    let foldable = made["foldable"].as_u64().unwrap() as usize;
    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    let folded = boxes(&h);
    let count = |b: &[(String, Vec<String>)], op: &str| b.iter().filter(|(o, _)| o == op).count();
    assert_eq!(count(&folded, "Constant"), constants - foldable);
    // Each Clip shows its bounds as Netron does: `min = 0`, `max = 6`.
    let clips: Vec<&Vec<String>> = folded
        .iter()
        .filter(|(o, _)| o == "Clip")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(clips.len(), made["clips"].as_array().unwrap().len());
    for rows in clips {
        assert_eq!(rows, &vec!["min = 0".to_string(), "max = 6".to_string()]);
    }
    // The shape computation's Gather shows its index, Unsqueeze its axes.
    let rows_of = |op: &str| folded.iter().find(|(o, _)| o == op).unwrap().1.clone();
    assert_eq!(rows_of("Gather"), vec!["indices = 0"]);
    assert_eq!(rows_of("Unsqueeze"), vec!["axes = [0]"]);
    assert_eq!(rows_of("Concat"), vec!["inputs = [-1]"]);

    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Fold constants into their node").click();
    h.run_steps(2);
    settle(&mut h);
    let unfolded = boxes(&h);
    assert_eq!(count(&unfolded, "Constant"), constants);
    assert_eq!(unfolded.len(), folded.len() + foldable);
    assert!(!h.state().settings.fold_constants);
}

#[test]
fn clicking_an_edge_label_selects_its_value() {
    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    let (value, route) = {
        let doc = h.state().doc().unwrap();
        let laid = doc.laid_out(0).unwrap();
        let conv = &doc.model.body(0).unwrap().nodes()[0];
        let value = conv.output[0].clone();
        let e = laid
            .view
            .edges
            .iter()
            .position(|e| e.value == value)
            .unwrap();
        (value, laid.layout.edges[e].clone())
    };
    let label = h.state().edge_label_rect(&value).expect("label drawn");
    // Its far end: well clear of the edge's line, so only the label can take the click.
    let at = egui::pos2(label.max.x - 2.0, label.center().y);
    let view = h.state().view().unwrap();
    let origin = h.state().canvas_rect().unwrap().min;
    let line_distance = route
        .iter()
        .map(|&p| view.to_screen(origin, p).x)
        .map(|x| (x - at.x).abs())
        .fold(f32::INFINITY, f32::min);
    assert!(
        line_distance > 10.0,
        "the click is {line_distance} px from the line"
    );
    click_at(&mut h, at);
    let doc = h.state().doc().unwrap();
    assert_eq!(doc.selection, Selection::Value(0, value.clone()));
    assert!(
        h.query_by_label(&value).is_some(),
        "the value panel is open"
    );
}

#[test]
fn the_neighbourhood_view_opens_from_the_node_panel_and_selects_in_the_main_view() {
    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    let (centre, expected) = {
        let model = &h.state().doc().unwrap().model;
        let nodes = model.body(0).unwrap().nodes();
        let centre = nodes.iter().position(|n| n.op_type == "Add").unwrap();
        let hood = onnx_lens::layout::neighbourhood::Neighbourhood::of(model, 0, NodeId(centre), 2);
        (NodeId(centre), hood.nodes.len())
    };
    h.state_mut().apply(Command::FocusNode(0, centre));
    h.run_steps(3);
    h.get_by_label("neighbourhood view").click();
    h.run_steps(6);
    let view = h.state().neighbourhood.as_ref().expect("the view is open");
    assert_eq!(view.hood.centre, centre);
    assert_eq!(view.node_count(), expected);
    let drawn = view.drawn.clone();
    assert_eq!(drawn.len(), expected);
    let (target, rect) = *drawn.iter().find(|(n, _)| *n != centre).unwrap();
    click_at(&mut h, rect.center());
    h.run_steps(3);
    assert_eq!(
        h.state().doc().unwrap().selection,
        Selection::Node(0, target),
        "a click in the neighbourhood selects in the main view"
    );
}

#[test]
fn double_clicking_an_if_asks_which_branch_and_opens_it_fitted() {
    let path = PathBuf::from(torch_style()["if_path"].as_str().unwrap());
    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    let (g, item) = {
        let doc = h.state().doc().unwrap();
        let laid = doc.laid_out(0).unwrap();
        let n = doc
            .model
            .body(0)
            .unwrap()
            .nodes()
            .iter()
            .position(|n| n.op_type == "If");
        (0, laid.view.item_of_node(NodeId(n.unwrap())).unwrap())
    };
    h.state_mut().apply(Command::OpenItem(g, item));
    h.run_steps(3);
    assert_eq!(
        h.state().doc().unwrap().current,
        0,
        "nothing opens before the choice"
    );
    assert!(h.query_by_label("then_branch  (1 node)").is_some());
    h.get_by_label("else_branch  (3 nodes)").click();
    h.run_steps(2);
    settle(&mut h);
    let doc = h.state().doc().unwrap();
    assert_ne!(doc.current, 0);
    assert_eq!(doc.model.index.graphs[doc.current].node_count, 3);
    // Every box of the branch is inside the canvas.
    let canvas = h.state().canvas_rect().unwrap();
    let view = h.state().view().unwrap();
    let laid = doc.laid_out(doc.current).unwrap();
    for k in 0..laid.view.items.len() {
        let r = view.rect_to_screen(canvas.min, &laid.layout.rect(onnx_lens::layout::ItemId(k)));
        assert!(
            canvas.contains_rect(r),
            "box {k} at {r:?} outside {canvas:?}"
        );
    }
}

#[test]
fn without_a_system_dialog_file_open_asks_for_a_path_and_says_why() {
    let dialog = ScriptedDialog {
        missing: Some("No system file dialog here (test)".into()),
        ..Default::default()
    };
    let mut h = harness(LensApp::new(Box::new(dialog), vec![]));
    h.run_steps(2);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Open…  (Ctrl+O)").click();
    h.run_steps(3);
    assert!(h
        .query_by_label("No system file dialog here (test)")
        .is_some());
    let model = mobilenet();
    h.state_mut().path_prompt.as_mut().unwrap().text = model.display().to_string();
    h.run_steps(2);
    h.get_by_label("Open").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(h.state().path_prompt.is_none());
    let name = h.state().doc().map(|d| d.model.origin.name.clone());
    assert_eq!(name.as_deref(), Some("mobilenet_v2_torch.onnx"));
}

/// Top-level namespaces of node names (`/a/b/Op` → `/a`) holding two nodes or more, counted here
/// apart from the viewer's own code.
fn top_namespaces(names: &[String]) -> Vec<String> {
    let mut count = std::collections::BTreeMap::<String, usize>::new();
    for n in names {
        let parts: Vec<&str> = n.split('/').collect();
        if parts.len() > 2 && parts[0].is_empty() {
            *count.entry(format!("/{}", parts[1])).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, c)| *c >= 2)
        .map(|(p, _)| p)
        .collect()
}

fn groups(h: &Harness<'_, LensApp>) -> Vec<String> {
    let doc = h.state().doc().unwrap();
    let laid = doc.laid_out(doc.current).unwrap();
    let mut g: Vec<String> = laid
        .view
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Group(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    g.sort();
    g
}

#[test]
fn a_big_transformer_opens_collapsed_to_its_top_level_blocks_and_a_block_expands_on_click() {
    let path = PathBuf::from(torch_style()["transformer_path"].as_str().unwrap());
    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    let names: Vec<String> = {
        let doc = h.state().doc().unwrap();
        let nodes = doc.model.body(0).unwrap().nodes();
        assert!(nodes.len() > onnx_lens::layout::namespace::COLLAPSE_ABOVE_NODES);
        nodes.iter().map(|n| n.name.clone()).collect()
    };
    let top = top_namespaces(&names);
    assert_eq!(groups(&h), top);
    let layers: Vec<String> = {
        let mut l: Vec<String> = names
            .iter()
            .filter_map(|n| n.strip_prefix("/encoder/"))
            .filter_map(|n| n.split('/').next())
            .map(|l| format!("/encoder/{l}"))
            .collect();
        l.sort();
        l.dedup();
        l
    };
    // The encoder box shows its node count; a click opens it into its layers, still collapsed.
    let in_encoder = names.iter().filter(|n| n.starts_with("/encoder/")).count();
    {
        let doc = h.state().doc().unwrap();
        let laid = doc.laid_out(0).unwrap();
        let encoder = laid
            .view
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Group("/encoder".into()))
            .unwrap();
        assert_eq!(encoder.rows[0].name, format!("{in_encoder} nodes"));
    }
    h.state_mut().apply(Command::FitView);
    h.run_steps(2);
    h.get_by_label("namespace /encoder").click();
    h.run_steps(2);
    settle(&mut h);
    let mut expected: Vec<String> = top.iter().filter(|p| *p != "/encoder").cloned().collect();
    expected.extend(layers.iter().cloned());
    expected.sort();
    assert_eq!(groups(&h), expected);
    // Collapse all from the View menu brings the top level back; Expand all shows every node.
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Collapse all namespaces").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(groups(&h), top);
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Expand all namespaces").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(groups(&h), Vec::<String>::new());
    let folded = torch_style_foldable(&path);
    assert_eq!(boxes(&h).len(), names.len() - folded);
}

/// How many Constants of a model Netron folds (the rule counted by hand).
fn torch_style_foldable(path: &std::path::Path) -> usize {
    let model = onnx_lens::model::load_path(path).unwrap();
    let nodes = model.body(0).unwrap().nodes();
    let mut reads = std::collections::HashMap::<&str, usize>::new();
    for n in nodes {
        for i in &n.input {
            *reads.entry(i.as_str()).or_default() += 1;
        }
    }
    nodes
        .iter()
        .filter(|n| n.op_type == "Constant" && n.input.is_empty() && n.attribute.len() == 1)
        .filter(|n| reads.get(n.output[0].as_str()) == Some(&1))
        .count()
}

#[test]
fn the_window_follows_a_dark_system_theme_and_the_view_menu_switches_it() {
    let mut h = crate::gui::harness_in(new_app(), egui::Theme::Dark);
    drop_file(&mut h, &crate::gui::sample_model());
    let canvas = h.state().canvas_rect().unwrap();
    // A point of the canvas no box covers: just inside its bottom-left corner.
    let blank = canvas.left_bottom() + egui::vec2(4.0, -4.0);
    let pixel = |h: &mut Harness<'_, LensApp>| {
        let image = h.render().expect("render");
        let ppp = h.ctx.pixels_per_point();
        let p = image
            .get_pixel((blank.x * ppp) as u32, (blank.y * ppp) as u32)
            .0;
        egui::Color32::from_rgb(p[0], p[1], p[2])
    };
    assert_eq!(pixel(&mut h), onnx_lens::ui::style::DARK.canvas);
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("light").click();
    h.run_steps(3);
    assert_eq!(h.state().settings.theme, egui::ThemePreference::Light);
    assert_eq!(pixel(&mut h), onnx_lens::ui::style::LIGHT.canvas);
}

/// screenshots/torch_*.png, neighbourhood.png, dark.png: a torch export with its Constants
/// folded, a 36-layer transformer collapsed to its blocks and one layer open, the neighbourhood
/// view, the dark theme. Run by screenshots/regenerate.sh with the others.
#[test]
#[ignore]
fn regenerate_screenshots_of_the_viewer() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let save = |h: &mut Harness<'_, LensApp>, name: &str| crate::gui::save_png(h, &out.join(name));

    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    h.state_mut().settings.legend = true;
    let clip = torch_style()["clips"][1].as_str().unwrap().to_string();
    let n = {
        let body = h.state().doc().unwrap().model.body(0).unwrap();
        NodeId(body.nodes().iter().position(|n| n.name == clip).unwrap())
    };
    h.state_mut().apply(Command::FocusNode(0, n));
    h.run_steps(4);
    save(&mut h, "torch_mobilenet.png");
    h.get_by_label("neighbourhood view").click();
    h.run_steps(8);
    save(&mut h, "neighbourhood.png");
    h.state_mut().neighbourhood = None;
    h.state_mut().apply(Command::FoldShapeChains(true));
    settle(&mut h);
    let reshape = {
        let body = h.state().doc().unwrap().model.body(0).unwrap();
        NodeId(
            body.nodes()
                .iter()
                .position(|n| n.op_type == "Reshape")
                .unwrap(),
        )
    };
    h.state_mut().apply(Command::FocusNode(0, reshape));
    h.run_steps(4);
    save(&mut h, "torch_shape_computation.png");

    let path = PathBuf::from(torch_style()["transformer_path"].as_str().unwrap());
    let mut h = harness(new_app());
    drop_file(&mut h, &path);
    h.state_mut().apply(Command::FitView);
    h.run_steps(3);
    save(&mut h, "torch_transformer_collapsed.png");
    h.get_by_label("namespace /encoder").click();
    settle(&mut h);
    h.state_mut()
        .apply(Command::ExpandNamespace(0, "/encoder/layer.0".into()));
    settle(&mut h);
    save(&mut h, "torch_transformer_layer_open.png");

    let mut h = crate::gui::harness_in(new_app(), egui::Theme::Dark);
    drop_file(&mut h, &mobilenet());
    save(&mut h, "dark.png");
}

#[test]
fn a_shape_computation_becomes_one_box_with_the_view_toggle() {
    let made = torch_style();
    let chain: Vec<String> = made["shape_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    let before = boxes(&h);
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("One box per shape computation").click();
    h.run_steps(2);
    settle(&mut h);
    let after = boxes(&h);
    let chains: Vec<&(String, Vec<String>)> = after
        .iter()
        .filter(|(t, _)| t == "shape computation")
        .collect();
    assert_eq!(chains.len(), 1);
    assert_eq!(
        chains[0].1,
        vec![format!("{} nodes", chain.len()), chain.join(" → ")]
    );
    for op in &chain {
        assert!(
            !after.iter().any(|(t, _)| t == op),
            "{op} is inside the box"
        );
    }
    assert_eq!(after.len(), before.len() - chain.len() + 1);
    assert!(
        after.iter().any(|(t, _)| t == "Reshape"),
        "the Reshape it feeds stays"
    );
}

#[test]
fn boxes_show_attributes_names_and_initializers_as_the_view_menu_says() {
    let mut h = harness(new_app());
    drop_file(&mut h, &mobilenet());
    // A checkbox keeps its menu open: Escape closes it after each toggle.
    let toggle = |h: &mut Harness<'_, LensApp>, label: &str| {
        h.get_by_label("View").click();
        h.run_steps(2);
        h.get_by_label(label).click();
        h.run_steps(2);
        h.key_press(egui::Key::Escape);
        h.run_steps(2);
        settle(h);
    };
    let first_conv = |h: &Harness<'_, LensApp>| boxes(h).into_iter().find(|(_, r)| !r.is_empty());
    let (title, rows) = first_conv(&h).unwrap();
    assert_eq!(title, "Conv");
    assert_eq!(rows, vec!["W<8×3×3×3>", "B<8>"]);

    toggle(&mut h, "Attributes in boxes");
    let (_, rows) = first_conv(&h).unwrap();
    let conv = h.state().doc().unwrap().model.body(0).unwrap().nodes()[0].clone();
    let mut want = vec!["W<8×3×3×3>".to_string(), "B<8>".to_string()];
    for a in &conv.attribute {
        want.push(format!(
            "{} = {}",
            a.name,
            onnx_lens::model::attr::attribute_text(a)
        ));
    }
    want.truncate(6);
    assert_eq!(rows[..want.len()].to_vec(), want);

    toggle(&mut h, "Attributes in boxes");
    toggle(&mut h, "Initializers in boxes");
    assert!(
        boxes(&h).iter().all(|(_, r)| r.is_empty()),
        "no rows without initializers"
    );

    toggle(&mut h, "Names instead of op types");
    let titles: Vec<String> = boxes(&h).into_iter().map(|(t, _)| t).collect();
    let names: Vec<String> = {
        let doc = h.state().doc().unwrap();
        let nodes = doc.model.body(0).unwrap().nodes();
        nodes
            .iter()
            .filter(|n| n.op_type != "Constant")
            .map(|n| {
                let c: Vec<char> = n.name.chars().collect();
                if c.len() <= 21 {
                    n.name.clone()
                } else {
                    let head: String = c[..10].iter().collect();
                    let tail: String = c[c.len() - 10..].iter().collect();
                    format!("{head}…{tail}")
                }
            })
            .collect()
    };
    assert_eq!(titles, names);
}

//! The export tutorials' last step without a script: a photo in (torchvision's preprocessing,
//! checked against Pillow), class names out (checked against onnxruntime's top-5 on the same
//! tensor), inputs chosen by their role, every intermediate value written out.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use onnx_lens::model::{npy, Tensor};

use crate::common::*;

/// make_tutorial_models.py's models, written once per test run.
pub fn tutorial_models() -> &'static serde_json::Value {
    static MADE: OnceLock<serde_json::Value> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = scratch("tutorial_models");
        run_py_json("make_tutorial_models.py", &[dir.to_str().unwrap()])
    })
}

pub fn photo(name: &str) -> String {
    format!("{}/tests/images/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read_npy(path: &Path) -> Tensor {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    npy::from_npy("t", &bytes).unwrap()
}

fn f64s(t: &Tensor) -> Vec<f64> {
    (0..t.values.len())
        .map(|i| t.values.get_f64(i).unwrap())
        .collect()
}

/// Largest and mean absolute difference of two NCHW images, in 8-bit levels once the
/// normalisation's std is undone.
fn level_error(a: &[f64], b: &[f64], plane: usize) -> (f64, f64) {
    assert_eq!(a.len(), b.len());
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| (x - y).abs() * IMAGENET_STD[(i / plane) % 3] * 255.0)
        .collect();
    (
        d.iter().cloned().fold(0.0, f64::max),
        d.iter().sum::<f64>() / d.len() as f64,
    )
}

fn dump_run(model: &str, input: &str, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "run",
        model,
        "--input",
        input,
        "--runs",
        "0",
        "--dump-values",
        dir.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let (code, r) = cli_json(&args);
    assert_eq!(code, 0, "{r}");
    r
}

const IMAGENET_STD: [f64; 3] = [0.229, 0.224, 0.225];

/// The ImageNet preset on a PNG and a JPEG (one batch of two for a MobileNetV2 whose batch is
/// dynamic) gives torchvision's tensor: Resize(256) → CenterCrop(224) → ToTensor → Normalize as
/// Pillow computes them, within one 8-bit level. JPEG decoders may differ (the JPEG standard
/// lets IDCTs round differently): the decoders are compared apart, and the resize on our
/// decoded pixels is held to the same one level.
#[test]
fn photos_are_preprocessed_as_torchvision_does() {
    let m = tutorial_models();
    let model = m["mobilenet"].as_str().unwrap();
    let dir = scratch("tutorial_batch");
    let (png, jpg) = (photo("photo.png"), photo("photo.jpg"));
    let r = dump_run(model, &format!("input={png},{jpg}"), &dir, &[]);
    assert_eq!(r["inputs"][0]["shape"], serde_json::json!([2, 3, 224, 224]));
    assert_eq!(
        r["inputs"][0]["source"],
        format!(
            "{png}, {jpg} (imagenet preset, resize shorter side to 256, center crop 224×224, \
             RGB NCHW, 0–1, mean [0.485, 0.456, 0.406] std [0.229, 0.224, 0.225])"
        )
    );
    let ours = f64s(&read_npy(&dir.join("input.npy")));
    let (plane, one) = (224 * 224, 3 * 224 * 224);

    // The PNG through Pillow's whole pipeline.
    let reference = dir.join("pillow_png.npy");
    run_py(
        "torchvision_preprocess.py",
        &[reference.to_str().unwrap(), "256", "224", &png],
    );
    let (max, mean) = level_error(&ours[..one], &f64s(&read_npy(&reference)), plane);
    report(&format!(
        "PNG vs Pillow+torchvision: max {max:.3} levels, mean {mean:.4}"
    ));
    assert!(max <= 1.0 + 1e-3, "max {max} levels");

    // The JPEG: our decoded pixels through Pillow's resize and crop.
    let raw = scratch("tutorial_raw_jpeg");
    let identity = m["identity_nhwc"].as_str().unwrap();
    dump_run(
        identity,
        &format!("x={jpg}"),
        &raw,
        &["--range", "0-255", "--resize", "none"],
    );
    let decoded = raw.join("x.npy");
    let reference = dir.join("pillow_jpg.npy");
    run_py(
        "torchvision_preprocess.py",
        &[
            reference.to_str().unwrap(),
            "256",
            "224",
            decoded.to_str().unwrap(),
        ],
    );
    let (max, mean) = level_error(&ours[one..], &f64s(&read_npy(&reference)), plane);
    report(&format!(
        "JPEG resize+crop vs Pillow: max {max:.3} levels, mean {mean:.4}"
    ));
    assert!(max <= 1.0 + 1e-3, "max {max} levels");

    // The decoders themselves: ours against Pillow's libjpeg on the same file.
    let pillow_decoded = dir.join("pillow_decoded.npy");
    run_py(
        "torchvision_preprocess.py",
        &[pillow_decoded.to_str().unwrap(), "0", "0", &jpg],
    );
    let (a, b) = (read_npy(&decoded), read_npy(&pillow_decoded));
    let (a, b) = (f64s(&a), f64s(&b));
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    let mean = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64;
    report(&format!(
        "JPEG decoders (image crate vs libjpeg): max {worst} levels, mean {mean:.3}"
    ));
    assert!(worst <= 8.0 && mean <= 0.5, "max {worst}, mean {mean}");
}

/// One photo in, top-5 class names out: the indices are onnxruntime's top-5 on the tensor we
/// fed, and each is printed with its name from the labels file, in the JSON and the text.
#[test]
fn top5_of_a_photo_carries_class_names() {
    let m = tutorial_models();
    let model = m["mobilenet"].as_str().unwrap();
    let labels = m["labels"].as_str().unwrap();
    let dir = scratch("tutorial_top5");
    let input = format!("input={}", photo("photo.jpg"));
    let r = dump_run(model, &input, &dir, &["--labels", labels]);
    let out = &r["outputs"][0];
    let ort = run_py_json(
        "ort_dumped.py",
        &[
            model,
            dir.to_str().unwrap(),
            dir.join("ort").to_str().unwrap(),
        ],
    );
    let name = out["name"].as_str().unwrap();
    let ours: Vec<u64> = out["top5"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_u64().unwrap())
        .collect();
    let theirs: Vec<u64> = ort["top5"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(ours, theirs);
    let names = std::fs::read_to_string(labels).unwrap();
    let names: Vec<&str> = names.lines().collect();
    let want: Vec<&str> = ours.iter().map(|&i| names[i as usize]).collect();
    assert_eq!(out["top5_labels"], serde_json::json!(want));
    assert_eq!(r["labels"], labels);
    let text = cli(&[
        "run", model, "--input", &input, "--runs", "0", "--labels", labels,
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("top-5 {} {}: ", ours[0], want[0])),
        "{text}"
    );
}

/// A BERT-like model over a 7-row vocabulary runs on default inputs: ids within the table,
/// mask ones, token types zeros (each choice shown), and onnxruntime gives the same output on
/// the inputs we fed.
#[test]
fn default_inputs_follow_their_roles() {
    let m = tutorial_models();
    let model = m["bert_like"].as_str().unwrap();
    let dir = scratch("tutorial_roles");
    let (code, r) = cli_json(&[
        "run",
        model,
        "--runs",
        "0",
        "--dim",
        "sequence=64",
        "--dump-values",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{r}");
    let sources: Vec<(String, String)> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let vocab = m["vocab"].as_u64().unwrap();
    assert_eq!(
        sources,
        vec![
            (
                "input_ids".into(),
                format!("random integers 0..{vocab} (seed 0)")
            ),
            ("attention_mask".into(), "ones".into()),
            ("token_type_ids".into(), "zeros".into()),
        ]
    );
    let ids = f64s(&read_npy(&dir.join("input_ids.npy")));
    let mut seen: Vec<i64> = ids.iter().map(|&v| v as i64).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        (0..vocab as i64).collect::<Vec<_>>(),
        "every row, none beyond"
    );
    let ort = run_py_json(
        "ort_dumped.py",
        &[
            model,
            dir.to_str().unwrap(),
            dir.join("ort").to_str().unwrap(),
        ],
    );
    let theirs = read_npy(Path::new(
        ort["outputs"]["last_hidden_state"].as_str().unwrap(),
    ));
    let ours = read_npy(&dir.join("last_hidden_state.npy"));
    let worst = f64s(&ours)
        .iter()
        .zip(f64s(&theirs))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-5, "{worst}");
}

/// `--dump-values` writes exactly the inputs and one .npy per value a node computes, the
/// graph output among them equal to the one reported.
#[test]
fn dumped_values_are_every_value_of_the_graph() {
    let m = tutorial_models();
    let model = m["bert_like"].as_str().unwrap();
    let dir = scratch("tutorial_dump");
    let (_, r) = cli_json(&[
        "run",
        model,
        "--runs",
        "0",
        "--dump-values",
        dir.to_str().unwrap(),
        "--json",
    ]);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let want: Vec<PathBuf> = [
        "attention_mask",
        "dense",
        "emb",
        "input_ids",
        "last_hidden_state",
        "mask3",
        "mask_f",
        "masked",
        "token_type_ids",
        "types",
        "words",
    ]
    .iter()
    .map(|n| PathBuf::from(format!("{n}.npy")))
    .collect();
    let files: Vec<PathBuf> = files.into_iter().map(PathBuf::from).collect();
    assert_eq!(files, want);
    let out = &r["outputs"][0];
    let dumped = read_npy(&dir.join("last_hidden_state.npy"));
    let stats = dumped.stats().unwrap();
    assert_eq!(out["min"].as_f64(), Some(stats.min));
    assert_eq!(out["max"].as_f64(), Some(stats.max));
}

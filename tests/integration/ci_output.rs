//! CI-facing output: SARIF validated against the SARIF 2.1.0 schema (with the `jsonschema`
//! package), GitHub annotations line by line against the JSON report, completions, --version.

use crate::common::*;
use crate::shapes::axes_fixtures;

/// Each SARIF result is one JSON diagnostic (rule = code, level = severity, the node as a
/// logical location), and the log is valid SARIF 2.1.0.
#[test]
fn check_sarif_is_valid_and_holds_every_diagnostic() {
    let dir = scratch("sarif");
    let manifest = invalid_models();
    let mut models: Vec<String> = vec![manifest["three_problems"]["path"]
        .as_str()
        .unwrap()
        .to_string()];
    models.extend(
        manifest["cases"]
            .as_array()
            .unwrap()
            .iter()
            .take(12)
            .map(|c| c["path"].as_str().unwrap().to_string()),
    );
    models.push(format!("{}/assets/sample.onnx", env!("CARGO_MANIFEST_DIR")));
    let mut logs = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let (code_sarif, log) = cli_json(&["check", "--format", "sarif", m]);
        let (code_json, report) = cli_json(&["check", "--json", m]);
        assert_eq!(code_sarif, code_json, "{m}: same exit code");
        let results = log["runs"][0]["results"].as_array().unwrap();
        let diags = report["diagnostics"].as_array().unwrap();
        let got: Vec<(String, String, Option<String>)> = results
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["level"].as_str().unwrap().to_string(),
                    r["locations"][0]["logicalLocations"][0]["name"]
                        .as_str()
                        .map(str::to_string),
                )
            })
            .collect();
        let want: Vec<(String, String, Option<String>)> = diags
            .iter()
            .map(|d| {
                let place = d["node"]
                    .as_str()
                    .or_else(|| d["graph"].as_str().filter(|g| !g.is_empty()));
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["severity"].as_str().unwrap().to_string(),
                    place.map(str::to_string),
                )
            })
            .collect();
        assert_eq!(got, want, "{m}");
        let path = dir.join(format!("log{i}.sarif.json"));
        std::fs::write(&path, serde_json::to_string(&log).unwrap()).unwrap();
        logs.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = logs.iter().map(String::as_str).collect();
    let verdicts = run_py_json("validate_sarif.py", &args);
    for v in verdicts["logs"].as_array().unwrap() {
        assert!(v["valid"].as_bool().unwrap(), "{v}");
    }
    println!("{} SARIF logs valid against SARIF 2.1.0", logs.len());
}

/// `--format github` prints one workflow command per diagnostic, in report order.
#[test]
fn check_github_annotations_follow_the_report_line_by_line() {
    let manifest = invalid_models();
    let m = manifest["three_problems"]["path"].as_str().unwrap();
    let out = cli(&["check", "--format", "github", m]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let (_, report) = cli_json(&["check", "--json", m]);
    let want: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "::{} file={m},title=onnx-lens {}::node {} ({}): {}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["node"].as_str().unwrap(),
                d["op_type"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(lines, want);
}

/// A lost axis is a SARIF error at the node that pins it, and a GitHub annotation.
#[test]
fn axes_findings_in_sarif_and_github() {
    let f = axes_fixtures();
    let m = f["mlp_view"].as_str();
    let (code, log) = cli_json(&["axes", "--no-run", "--format", "sarif", m]);
    assert_eq!(code, 1);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let got: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["locations"][0]["logicalLocations"][0]["name"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("lost-axis", "/Reshape")]);
    let dir = scratch("axes_sarif");
    let path = dir.join("axes.sarif.json");
    std::fs::write(&path, serde_json::to_string(&log).unwrap()).unwrap();
    let v = run_py_json("validate_sarif.py", &[path.to_str().unwrap()]);
    assert!(v["logs"][0]["valid"].as_bool().unwrap(), "{v}");
    let out = cli(&["axes", "--no-run", "--format", "github", m]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].starts_with(&format!(
            "::error file={m},title=onnx-lens lost-axis::node /Reshape: input input dim 0 (batch_size) is declared dynamic but is lost: "
        )),
        "{}",
        lines[0]
    );
}

#[test]
fn version_and_completions() {
    let out = cli(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("onnx-lens {}", env!("CARGO_PKG_VERSION"))
    );
    for shell in ["bash", "zsh", "fish"] {
        let out = cli(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for sub in ["check", "axes", "shapes", "run", "info"] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
}

//! Findings for CI dashboards and logs: SARIF 2.1.0 (code-scanning) and GitHub workflow
//! annotations, from the same findings as the text and JSON reports.

use std::path::Path;

use serde_json::{json, Value};

use crate::check::{Code, Diagnostic, Severity};
use crate::shapes::{AxesReport, AxisStatus};

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, compiler style.
    Text,
    /// The stable JSON contract (README).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::message`), for CI logs.
    Github,
}

impl Format {
    /// `--json` is `--format json`.
    pub fn chosen(format: Option<Format>, json: bool) -> Format {
        format.unwrap_or(if json { Format::Json } else { Format::Text })
    }
}

/// A rule a finding can come from.
pub struct Rule {
    pub id: &'static str,
    pub description: &'static str,
    pub severity: Severity,
}

/// One finding: what, how bad, where in the model.
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Node name, when the finding is at a node.
    pub node: Option<String>,
    pub op_type: Option<String>,
    /// Subgraph path, "" for the main graph.
    pub graph: String,
}

impl Finding {
    pub fn of(d: &Diagnostic) -> Finding {
        Finding {
            rule: d.code.as_str(),
            severity: d.severity,
            message: d.message.clone(),
            node: d.node.clone(),
            op_type: d.op_type.clone(),
            graph: d.graph.clone(),
        }
    }
}

/// Every validator code as a rule.
pub fn check_rules() -> Vec<Rule> {
    Code::ALL
        .iter()
        .map(|c| Rule {
            id: c.as_str(),
            description: c.description(),
            severity: c.severity(),
        })
        .collect()
}

/// The one rule of the axes report: a declared dynamic dim that the graph pins.
pub const LOST_AXIS: Rule = Rule {
    id: "lost-axis",
    description:
        "a dim the model declares dynamic is pinned by a node (the model only runs at one value)",
    severity: Severity::Error,
};

/// A lost axis is a finding at the node that pins it.
pub fn axes_findings(report: &AxesReport) -> Vec<Finding> {
    report
        .axes
        .iter()
        .filter(|e| e.status == AxisStatus::Lost)
        .map(|e| Finding {
            rule: LOST_AXIS.id,
            severity: LOST_AXIS.severity,
            message: format!(
                "input {} dim {} ({}) is declared dynamic but is lost: {}",
                e.input, e.dim_index, e.written, e.reason
            ),
            node: e.lost_at_node.clone(),
            op_type: None,
            graph: String::new(),
        })
        .collect()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A file path as a URI reference (SARIF's artifactLocation.uri): percent-encoded.
fn uri_of(file: &Path) -> String {
    let text = file.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SARIF 2.1.0 log of one run over model files, each with its findings.
pub fn sarif(rules: &[Rule], per_file: &[(&Path, Vec<Finding>)]) -> Value {
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id);
    let results: Vec<Value> = per_file
        .iter()
        .flat_map(|(file, findings)| findings.iter().map(move |f| (*file, f)))
        .map(|(file, f)| {
            let mut location = json!({
                "physicalLocation": {"artifactLocation": {"uri": uri_of(file)}}
            });
            if let Some(node) = &f.node {
                let qualified = if f.graph.is_empty() {
                    node.clone()
                } else {
                    format!("{}/{node}", f.graph)
                };
                location["logicalLocations"] = json!([{
                    "name": node,
                    "fullyQualifiedName": qualified,
                    "kind": "member",
                }]);
            } else if !f.graph.is_empty() {
                location["logicalLocations"] = json!([{
                    "name": f.graph,
                    "fullyQualifiedName": f.graph,
                    "kind": "namespace",
                }]);
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [location],
            });
            if let Some(i) = rule_index(f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(op) = &f.op_type {
                result["properties"] = json!({"opType": op});
            }
            result
        })
        .collect();
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.description},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "onnx-lens",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://pypi.org/project/onnx-lens/",
                "rules": rules,
            }},
            "artifacts": per_file
                .iter()
                .map(|(file, _)| json!({"location": {"uri": uri_of(file)}}))
                .collect::<Vec<_>>(),
            "results": results,
        }],
    })
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=…,title=…::message` line per finding.
pub fn github(file: &Path, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let place = match (&f.node, f.graph.is_empty()) {
                (Some(n), true) => format!("node {n}"),
                (Some(n), false) => format!("node {} :: {n}", f.graph),
                (None, false) => format!("graph {}", f.graph),
                (None, true) => "model".to_string(),
            };
            let op = f
                .op_type
                .as_ref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            format!(
                "::{} file={},title={}::{}",
                level(f.severity),
                escape_property(&file.to_string_lossy()),
                escape_property(&format!("onnx-lens {}", f.rule)),
                escape_data(&format!("{place}{op}: {}", f.message))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_lines_escape_what_github_parses() {
        let f = Finding {
            rule: "dangling-input",
            severity: Severity::Error,
            message: "50% of inputs:\nmissing".into(),
            node: Some("a,b".into()),
            op_type: Some("Add".into()),
            graph: String::new(),
        };
        assert_eq!(
            github(Path::new("dir/m,1.onnx"), &[f]),
            vec![
                "::error file=dir/m%2C1.onnx,title=onnx-lens dangling-input::node a,b (Add): 50%25 of inputs:%0Amissing"
            ]
        );
        assert_eq!(uri_of(Path::new("my models/a.onnx")), "my%20models/a.onnx");
    }
}

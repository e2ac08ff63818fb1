//! Class names for top-k: a labels file (one per line, a JSON list, or a JSON object from index
//! to name), the model's metadata (`labels`, `classes`, `names` — Ultralytics writes a Python
//! dict literal there), or the bundled ImageNet-1k list (torchvision's category names).

use std::path::Path;

use crate::model::Model;

/// torchvision's ImageNet-1k category names, in class-index order.
pub const IMAGENET_CLASSES: &str = include_str!("../../assets/imagenet_classes.txt");

pub fn imagenet() -> Labels {
    Labels {
        names: IMAGENET_CLASSES.lines().map(str::to_string).collect(),
        source: "the bundled ImageNet-1k list".into(),
    }
}

/// Names by class index, and where they came from (shown beside the top-k).
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    pub names: Vec<String>,
    pub source: String,
}

impl Labels {
    /// One name per class of `output` (its last axis): only then do they name its top-k.
    pub fn fits(&self, output: &crate::model::Tensor) -> bool {
        output.dims.last() == Some(&(self.names.len() as u64))
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        self.names
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Metadata keys that carry class names, in the order they are tried.
const METADATA_KEYS: [&str; 5] = ["labels", "classes", "names", "class_names", "classlabels"];

/// `FILE`, or `imagenet` for the bundled list.
pub fn load(spec: &str) -> Result<Labels, String> {
    if spec == "imagenet" {
        return Ok(imagenet());
    }
    let path = Path::new(spec);
    let text = std::fs::read_to_string(path).map_err(|e| format!("--labels {spec}: {e}"))?;
    let names = parse(&text).ok_or_else(|| format!("--labels {spec}: no class names in it"))?;
    Ok(Labels {
        names,
        source: path.display().to_string(),
    })
}

/// Class names in the model's metadata, if any key carries a list of them.
pub fn from_metadata(model: &Model) -> Option<Labels> {
    METADATA_KEYS.iter().find_map(|key| {
        let entry = model.proto.metadata_props.iter().find(|p| p.key == *key)?;
        Some(Labels {
            names: parse(&entry.value)?,
            source: format!("the model's metadata '{key}'"),
        })
    })
}

/// A JSON list or object, a Python dict/list literal, or one name per line.
pub fn parse(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
        if let Some(v) = from_json(&v) {
            return Some(v);
        }
    }
    if t.starts_with('{') || t.starts_with('[') {
        return python_literal(t);
    }
    let lines: Vec<String> = t.lines().map(|l| l.trim().to_string()).collect();
    // A single line of commas is a comma-separated list (some converters write that).
    if lines.len() == 1 && t.contains(',') {
        return Some(t.split(',').map(|s| s.trim().to_string()).collect());
    }
    Some(lines)
}

fn from_json(v: &serde_json::Value) -> Option<Vec<String>> {
    let name = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        serde_json::Value::Array(a) => Some(a.iter().map(name).collect()),
        serde_json::Value::Object(o) => {
            let pairs = o
                .iter()
                .map(|(k, v)| Some((k.trim().parse::<usize>().ok()?, name(v))))
                .collect::<Option<Vec<_>>>()?;
            by_index(pairs)
        }
        _ => None,
    }
}

fn by_index(pairs: Vec<(usize, String)>) -> Option<Vec<String>> {
    let len = pairs.iter().map(|p| p.0 + 1).max()?;
    if len > pairs.len() * 4 + 16 {
        return None; // sparse keys: not an index → name table
    }
    let mut names = vec![String::new(); len];
    for (i, n) in pairs {
        names[i] = n;
    }
    Some(names)
}

/// `{0: 'person', 1: "bicycle"}` or `['a', 'b']`: quoted strings, optionally keyed by integers.
fn python_literal(t: &str) -> Option<Vec<String>> {
    let body = &t[1..t.len().checked_sub(1)?];
    let mut items = Vec::new();
    let mut chars = body.chars().peekable();
    let mut key = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut s = String::new();
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        s.push(d);
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    } else {
                        s.push(d);
                    }
                }
                let k = key.trim().trim_end_matches(':').trim().to_string();
                items.push((k, s));
                key.clear();
            }
            ',' => key.clear(),
            _ => key.push(c),
        }
    }
    if items.is_empty() {
        return None;
    }
    if items.iter().all(|(k, _)| k.is_empty()) {
        return Some(items.into_iter().map(|(_, s)| s).collect());
    }
    let pairs = items
        .into_iter()
        .map(|(k, s)| Some((k.parse().ok()?, s)))
        .collect::<Option<Vec<_>>>()?;
    by_index(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_format_reads_to_the_same_names() {
        let want = Some(vec!["cat".to_string(), "dog".to_string()]);
        for text in [
            "cat\ndog\n",
            r#"["cat", "dog"]"#,
            r#"{"0": "cat", "1": "dog"}"#,
            "{0: 'cat', 1: 'dog'}",
            "['cat', \"dog\"]",
            "cat, dog",
        ] {
            assert_eq!(parse(text), want, "{text}");
        }
    }

    #[test]
    fn bundled_imagenet_has_a_name_per_class() {
        let l = imagenet();
        assert_eq!(l.names.len(), 1000);
        assert_eq!(l.get(281), Some("tabby"));
    }
}

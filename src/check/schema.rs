//! The operator table generated from the onnx package (`assets/gen_schemas.py`) and lookup of
//! the schema in force for a node: the highest `since_version` not above the imported opset.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::OnceLock;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

const TABLE_JSON: &str = include_str!("../../assets/onnx_schemas.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamOption {
    Single,
    Optional,
    Variadic,
}

#[derive(Debug, Clone)]
pub struct FormalParam {
    pub name: String,
    /// A type parameter (`T`) or a concrete type string (`tensor(int64)`).
    pub type_str: String,
    pub option: ParamOption,
    pub homogeneous: bool,
    pub min_arity: usize,
}

/// Attribute type codes, re-exported from `model::attr`.
pub use crate::model::attr::attr_type;

#[derive(Debug, Clone)]
pub struct AttrSpec {
    pub name: String,
    pub kind: i32,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub domain: String,
    pub name: String,
    pub since_version: i64,
    pub deprecated: bool,
    pub experimental: bool,
    pub min_inputs: usize,
    pub max_inputs: usize,
    pub min_outputs: usize,
    pub max_outputs: usize,
    pub inputs: Vec<FormalParam>,
    pub outputs: Vec<FormalParam>,
    pub attributes: Vec<AttrSpec>,
    pub type_constraints: HashMap<String, Vec<String>>,
    pub doc: String,
}

impl Schema {
    pub fn attribute(&self, name: &str) -> Option<&AttrSpec> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The formal parameter that actual input `i` binds to (the last one repeats when variadic).
    pub fn input_param(&self, i: usize) -> Option<&FormalParam> {
        formal_at(&self.inputs, i)
    }

    pub fn output_param(&self, i: usize) -> Option<&FormalParam> {
        formal_at(&self.outputs, i)
    }
}

fn formal_at(params: &[FormalParam], i: usize) -> Option<&FormalParam> {
    params
        .get(i)
        .or_else(|| params.last().filter(|p| p.option == ParamOption::Variadic))
}

/// What the table knows about an op at an imported opset version.
pub enum Lookup<'a> {
    Found(&'a Schema),
    /// The op exists in this domain, but only from `first_since` on.
    NotYetDefined {
        first_since: i64,
    },
    /// A domain the table covers has no op of this name.
    UnknownOp,
    /// onnxruntime's contrib domains: the op name is known, its schema is not checked.
    KnownUnchecked,
    /// A domain the table does not cover (custom ops).
    UnknownDomain,
}

pub struct SchemaTable {
    pub onnx_version: String,
    pub max_ir_version: i64,
    /// domain → op → versions (nested so a lookup borrows the node's strings).
    by_op: HashMap<String, HashMap<String, OpVersions>>,
    /// `by_op[""]`, the domain of nearly every node.
    default_ops: Option<HashMap<String, OpVersions>>,
    domains: HashSet<String>,
    max_opset: HashMap<String, i64>,
    /// Lowest IR version able to carry each default-domain / ai.onnx.ml opset version.
    opset_ir: HashMap<i64, i64>,
    ml_opset_ir: HashMap<i64, i64>,
    contrib: HashMap<String, HashSet<String>>,
}

/// One operator's schemas, decoded the first time a node asks for them: a model uses a few dozen
/// of the table's ~660 entries, and decoding them all was most of a small model's `check`.
struct OpVersions {
    raw: Vec<&'static RawValue>,
    decoded: OnceLock<Vec<Schema>>,
}

impl OpVersions {
    /// Oldest first.
    fn get(&self) -> &[Schema] {
        self.decoded.get_or_init(|| {
            let mut v: Vec<Schema> = self
                .raw
                .iter()
                .map(|r| {
                    let s: RawSchema = serde_json::from_str(r.get())
                        .expect("assets/onnx_schemas.json is generated and valid");
                    schema(s)
                })
                .collect();
            v.sort_by_key(|s| s.since_version);
            v
        })
    }
}

#[derive(Deserialize)]
struct RawTable {
    onnx_version: String,
    ir_version: i64,
    opset_ir: HashMap<String, i64>,
    ml_opset_ir: HashMap<String, i64>,
    #[serde(borrow)]
    schemas: Vec<&'static RawValue>,
    contrib: HashMap<String, Vec<String>>,
}

/// The first three fields of a schema entry: domain, op name, since_version.
#[derive(Deserialize)]
struct RawKey(
    String,
    String,
    i64,
    IgnoredAny,
    IgnoredAny,
    IgnoredAny,
    IgnoredAny,
    IgnoredAny,
    IgnoredAny,
    IgnoredAny,
);

type RawParam = (String, String, u8, bool, usize);

#[derive(Deserialize)]
struct RawSchema(
    String,
    String,
    i64,
    u8,
    [usize; 4],
    Vec<RawParam>,
    Vec<RawParam>,
    Vec<(String, i32, bool)>,
    HashMap<String, Vec<String>>,
    String,
);

fn schema(s: RawSchema) -> Schema {
    Schema {
        domain: s.0,
        name: s.1,
        since_version: s.2,
        deprecated: s.3 & 1 != 0,
        experimental: s.3 & 2 != 0,
        min_inputs: s.4[0],
        max_inputs: s.4[1],
        min_outputs: s.4[2],
        max_outputs: s.4[3],
        inputs: s.5.into_iter().map(param).collect(),
        outputs: s.6.into_iter().map(param).collect(),
        attributes: s
            .7
            .into_iter()
            .map(|(name, kind, required)| AttrSpec {
                name,
                kind,
                required,
            })
            .collect(),
        // Sorted, so checking a type against its constraint is a binary search.
        type_constraints: s
            .8
            .into_iter()
            .map(|(param, allowed)| {
                let mut allowed: Vec<String> = allowed.iter().map(|t| canonical_type(t)).collect();
                allowed.sort_unstable();
                (param, allowed)
            })
            .collect(),
        doc: s.9,
    }
}

/// A schema's type string in the form `ValueType::schema_string` gives: onnx's tables write
/// `map(string, int64)` where the model's TypeProto reads `map(string,tensor(int64))`.
pub fn canonical_type(t: &str) -> String {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    canonical(&t)
}

fn canonical(t: &str) -> String {
    // Inside a container, a bare element type stands for a tensor of it.
    let element = |v: &str| {
        if v.contains('(') {
            canonical(v)
        } else {
            format!("tensor({v})")
        }
    };
    for container in ["seq(", "optional("] {
        if let Some(inner) = t.strip_prefix(container).and_then(|r| r.strip_suffix(')')) {
            return format!("{container}{})", element(inner));
        }
    }
    if let Some(inner) = t.strip_prefix("map(").and_then(|r| r.strip_suffix(')')) {
        if let Some((key, value)) = inner.split_once(',') {
            return format!("map({key},{})", element(value));
        }
    }
    t.to_string()
}

fn param(p: RawParam) -> FormalParam {
    FormalParam {
        name: p.0,
        type_str: canonical_type(&p.1),
        option: match p.2 {
            1 => ParamOption::Optional,
            2 => ParamOption::Variadic,
            _ => ParamOption::Single,
        },
        homogeneous: p.3,
        min_arity: p.4,
    }
}

/// "" and "ai.onnx" name the same domain.
pub fn normalize_domain(d: &str) -> &str {
    if d == "ai.onnx" {
        ""
    } else {
        d
    }
}

impl SchemaTable {
    pub fn global() -> &'static SchemaTable {
        static TABLE: OnceLock<SchemaTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            SchemaTable::parse(TABLE_JSON).expect("assets/onnx_schemas.json is generated and valid")
        })
    }

    fn parse(json: &'static str) -> Result<SchemaTable, serde_json::Error> {
        let raw: RawTable = serde_json::from_str(json)?;
        let mut by_op: HashMap<String, HashMap<String, OpVersions>> = HashMap::new();
        let mut domains = HashSet::new();
        let mut max_opset: HashMap<String, i64> = HashMap::new();
        for entry in raw.schemas {
            let RawKey(domain, name, since, ..) = serde_json::from_str(entry.get())?;
            let m = max_opset.entry(domain.clone()).or_insert(0);
            *m = (*m).max(since);
            domains.insert(domain.clone());
            by_op
                .entry(domain)
                .or_default()
                .entry(name)
                .or_insert_with(|| OpVersions {
                    raw: Vec::new(),
                    decoded: OnceLock::new(),
                })
                .raw
                .push(entry);
        }
        let num = |m: HashMap<String, i64>| {
            m.into_iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                .collect()
        };
        // The latest opset is as new as the newest operator version in each domain, at least.
        let default_ops = by_op.remove("");
        Ok(SchemaTable {
            onnx_version: raw.onnx_version,
            max_ir_version: raw.ir_version,
            by_op,
            default_ops,
            domains,
            max_opset,
            opset_ir: num(raw.opset_ir),
            ml_opset_ir: num(raw.ml_opset_ir),
            contrib: raw
                .contrib
                .into_iter()
                .map(|(d, names)| (d, names.into_iter().collect()))
                .collect(),
        })
    }

    /// Every (domain, op) the table knows: checked schemas and onnxruntime's contrib names.
    pub fn ops(&self) -> impl Iterator<Item = (&str, &String)> {
        let default = self
            .default_ops
            .iter()
            .flat_map(|m| m.keys().map(|o| ("", o)));
        let others = self
            .by_op
            .iter()
            .flat_map(|(d, m)| m.keys().map(move |o| (d.as_str(), o)));
        let contrib = self
            .contrib
            .iter()
            .flat_map(|(d, names)| names.iter().map(move |o| (d.as_str(), o)));
        default.chain(others).chain(contrib)
    }

    pub fn knows_domain(&self, domain: &str) -> bool {
        self.domains.contains(normalize_domain(domain))
    }

    /// The newest opset version the table knows for `domain` (from the release table where it has one).
    pub fn max_opset(&self, domain: &str) -> Option<i64> {
        let d = normalize_domain(domain);
        let from_release = match d {
            "" => self.opset_ir.keys().max().copied(),
            "ai.onnx.ml" => self.ml_opset_ir.keys().max().copied(),
            _ => None,
        };
        let from_ops = self.max_opset.get(d).copied();
        from_release.max(from_ops)
    }

    /// Lowest IR version that can carry `version` of `domain`, where the release table says.
    pub fn min_ir_for_opset(&self, domain: &str, version: i64) -> Option<i64> {
        let table = match normalize_domain(domain) {
            "" => &self.opset_ir,
            "ai.onnx.ml" => &self.ml_opset_ir,
            _ => return None,
        };
        // Versions between two releases inherit the earlier release's requirement.
        table
            .iter()
            .filter(|(v, _)| **v <= version)
            .max_by_key(|(v, _)| **v)
            .map(|(_, ir)| *ir)
    }

    /// The ops of a normalised domain; the default domain's without hashing its name.
    fn ops_of(&self, domain: &str) -> Option<&HashMap<String, OpVersions>> {
        if domain.is_empty() {
            self.default_ops.as_ref()
        } else {
            self.by_op.get(domain)
        }
    }

    pub fn lookup(&self, domain: &str, op: &str, opset: i64) -> Lookup<'_> {
        let d = normalize_domain(domain);
        if let Some(versions) = self
            .ops_of(d)
            .and_then(|ops| ops.get(op))
            .map(OpVersions::get)
        {
            return match versions.iter().rev().find(|s| s.since_version <= opset) {
                Some(s) => Lookup::Found(s),
                None => Lookup::NotYetDefined {
                    first_since: versions[0].since_version,
                },
            };
        }
        if self.domains.contains(d) {
            return Lookup::UnknownOp;
        }
        if self.contrib.get(d).is_some_and(|ops| ops.contains(op)) {
            return Lookup::KnownUnchecked;
        }
        Lookup::UnknownDomain
    }

    /// Every version of an op, oldest first.
    pub fn versions(&self, domain: &str, op: &str) -> &[Schema] {
        self.ops_of(normalize_domain(domain))
            .and_then(|ops| ops.get(op))
            .map(OpVersions::get)
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_of_the_table_decodes() {
        // Entries are decoded on first use; decode them all here so a generator change that
        // breaks one fails a test, not a user's check.
        let t = SchemaTable::global();
        let ops = t.by_op.values().chain(t.default_ops.as_ref());
        let (mut entries, mut versions) = (0, 0);
        for op in ops.flat_map(|ops| ops.values()) {
            let decoded = op.get();
            assert_eq!(decoded.len(), op.raw.len());
            assert!(decoded
                .windows(2)
                .all(|w| w[0].since_version <= w[1].since_version));
            entries += 1;
            versions += decoded.len();
        }
        assert!(
            entries > 200 && versions > 600,
            "{entries} ops, {versions} versions"
        );
    }

    #[test]
    fn picks_the_newest_schema_not_above_the_opset() {
        let t = SchemaTable::global();
        let Lookup::Found(s) = t.lookup("", "Relu", 13) else {
            panic!()
        };
        assert_eq!(s.since_version, 13);
        assert!(!s.type_constraints["T"].contains(&"tensor(int64)".to_string()));
        assert_eq!(
            canonical_type("map(string, int64)"),
            "map(string,tensor(int64))"
        );
        assert_eq!(
            canonical_type("seq(map(int64, float))"),
            "seq(map(int64,tensor(float)))"
        );
        assert_eq!(canonical_type("seq(tensor(uint8))"), "seq(tensor(uint8))");
        assert_eq!(canonical_type("tensor(float)"), "tensor(float)");
        let Lookup::Found(s) = t.lookup("ai.onnx", "Relu", 20) else {
            panic!()
        };
        assert_eq!(s.since_version, 14);
        assert!(matches!(
            t.lookup("", "Gelu", 13),
            Lookup::NotYetDefined { first_since: 20 }
        ));
        assert!(matches!(t.lookup("", "NoSuchOp", 13), Lookup::UnknownOp));
        assert!(matches!(
            t.lookup("my.custom", "Thing", 1),
            Lookup::UnknownDomain
        ));
        assert_eq!(t.min_ir_for_opset("", 13), Some(7));
    }
}

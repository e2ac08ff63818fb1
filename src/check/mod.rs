//! Model → every problem at once. Covers what `onnx.checker.check_model(full_check=True)`
//! checks, plus cycles with their path, dangling edges with every consumer, and dead code.
//! Codes are stable and listed in `CODES` (and the README).

pub mod diagnostic;
mod rules;
pub mod schema;

use foldhash::{HashMap, HashMapExt};

pub use diagnostic::{At, Diagnostic, Report, Severity};
pub use schema::{Lookup, Schema, SchemaTable};

use crate::model::{GraphId, GraphOwner, Model};

/// Every diagnostic code with its severity and a one-line description.
pub const CODES: &[(&str, Severity, &str)] = &[
    // model
    (
        "missing-graph",
        Severity::Error,
        "the model has no main graph",
    ),
    (
        "ir-version-missing",
        Severity::Error,
        "ir_version is unset or not positive",
    ),
    (
        "ir-version-too-new",
        Severity::Error,
        "ir_version is newer than the onnx release the table came from",
    ),
    (
        "missing-default-opset",
        Severity::Error,
        "IR >= 3 and no opset import for the default domain",
    ),
    (
        "duplicate-metadata-key",
        Severity::Error,
        "a metadata_props key appears twice",
    ),
    (
        "duplicate-opset-import",
        Severity::Warning,
        "a domain is imported more than once",
    ),
    (
        "opset-too-new",
        Severity::Warning,
        "an opset newer than any this table knows (nodes checked against the newest schemas)",
    ),
    (
        "ir-too-old-for-opset",
        Severity::Warning,
        "the IR version predates the imported opset's release",
    ),
    (
        "unused-opset-import",
        Severity::Warning,
        "a domain is imported but no node uses it",
    ),
    // graph structure
    ("empty-graph-name", Severity::Error, "a graph has no name"),
    (
        "empty-value-name",
        Severity::Error,
        "a graph input, output or value_info has no name",
    ),
    (
        "value-missing-type",
        Severity::Error,
        "a graph input/output or value_info has no type",
    ),
    (
        "value-missing-elem-type",
        Severity::Error,
        "a tensor type has no element type",
    ),
    (
        "duplicate-initializer",
        Severity::Error,
        "two initializers share a name",
    ),
    (
        "initializer-type-mismatch",
        Severity::Error,
        "an initializer contradicts the type of the graph input of the same name",
    ),
    (
        "initializer-not-in-inputs",
        Severity::Error,
        "IR < 4: an initializer is not listed as a graph input",
    ),
    (
        "ssa-violation",
        Severity::Error,
        "a value is produced twice (or overwrites an input or initializer)",
    ),
    (
        "dangling-input",
        Severity::Error,
        "a node input is produced by nothing in scope",
    ),
    (
        "unsorted-nodes",
        Severity::Error,
        "a node uses a value produced by a later node",
    ),
    (
        "cycle",
        Severity::Error,
        "nodes depend on each other in a cycle",
    ),
    (
        "graph-output-not-produced",
        Severity::Error,
        "a graph output is produced by nothing",
    ),
    // nodes
    (
        "no-opset-for-domain",
        Severity::Error,
        "a node's domain is not imported",
    ),
    (
        "unknown-op",
        Severity::Error,
        "no operator of this name in a known domain",
    ),
    (
        "op-not-in-opset",
        Severity::Error,
        "the operator exists only in later opset versions",
    ),
    (
        "deprecated-op",
        Severity::Error,
        "the operator is deprecated at the imported opset",
    ),
    (
        "experimental-op",
        Severity::Warning,
        "the operator is experimental",
    ),
    (
        "unchecked-op",
        Severity::Warning,
        "an operator of a custom domain: not checked",
    ),
    (
        "input-arity",
        Severity::Error,
        "number of inputs outside the schema's range",
    ),
    (
        "output-arity",
        Severity::Error,
        "number of outputs outside the schema's range",
    ),
    (
        "empty-required-input",
        Severity::Error,
        "a required (single) input is empty",
    ),
    (
        "empty-required-output",
        Severity::Error,
        "a required (single) output is empty",
    ),
    (
        "unknown-attribute",
        Severity::Error,
        "an attribute the schema does not define",
    ),
    (
        "missing-required-attribute",
        Severity::Error,
        "a required attribute is absent",
    ),
    (
        "duplicate-attribute",
        Severity::Error,
        "an attribute appears twice",
    ),
    (
        "attribute-type",
        Severity::Error,
        "an attribute has the wrong type",
    ),
    (
        "attribute-value-fields",
        Severity::Error,
        "an attribute's value fields disagree with its type",
    ),
    (
        "ref-attr-outside-function",
        Severity::Warning,
        "ref_attr_name outside a function body",
    ),
    (
        "type-constraint",
        Severity::Error,
        "an input's element type is not allowed by the schema",
    ),
    (
        "type-mismatch",
        Severity::Error,
        "values bound to one type parameter (or declared vs inferred) differ",
    ),
    // tensors
    (
        "tensor-undefined-dtype",
        Severity::Error,
        "a tensor's data_type is UNDEFINED or unknown",
    ),
    (
        "tensor-negative-dim",
        Severity::Error,
        "a tensor has a negative dimension",
    ),
    (
        "tensor-dims-overflow",
        Severity::Error,
        "the product of a tensor's dims overflows 64 bits",
    ),
    (
        "tensor-data-length",
        Severity::Error,
        "data length does not match dims × element size",
    ),
    (
        "tensor-multiple-data-fields",
        Severity::Error,
        "more than one data field is set",
    ),
    (
        "tensor-missing-data",
        Severity::Error,
        "a non-empty tensor has no data",
    ),
    (
        "tensor-data-field-mismatch",
        Severity::Error,
        "data is stored in a field of another type",
    ),
    (
        "string-in-raw-data",
        Severity::Error,
        "string data stored in raw_data",
    ),
    (
        "external-data-invalid",
        Severity::Error,
        "malformed external_data entries",
    ),
    (
        "external-data-outside-model-dir",
        Severity::Error,
        "external data location is absolute or escapes the model folder",
    ),
    (
        "external-data-missing",
        Severity::Error,
        "external data file cannot be opened",
    ),
    (
        "external-data-out-of-range",
        Severity::Error,
        "external data offset/length runs past the file end",
    ),
    (
        "external-tensor-has-data",
        Severity::Error,
        "an external tensor also stores data inline",
    ),
    (
        "sparse-invalid",
        Severity::Error,
        "sparse tensor values/indices malformed",
    ),
    (
        "sparse-indices-out-of-range",
        Severity::Error,
        "a sparse index is outside the dense shape",
    ),
    (
        "sparse-indices-unsorted",
        Severity::Error,
        "sparse indices are not strictly increasing",
    ),
    // functions
    (
        "function-empty-name",
        Severity::Error,
        "a local function has no name",
    ),
    (
        "function-missing-domain",
        Severity::Error,
        "a local function has no domain",
    ),
    (
        "function-duplicate-input",
        Severity::Error,
        "a function input name repeats",
    ),
    (
        "function-duplicate-output",
        Severity::Error,
        "a function output name repeats",
    ),
    (
        "function-duplicate-attribute",
        Severity::Error,
        "a function attribute name repeats",
    ),
    (
        "function-opset-mismatch",
        Severity::Error,
        "a function imports another version of a domain than the model",
    ),
    // beyond onnx.checker
    (
        "unused-initializer",
        Severity::Warning,
        "an initializer nothing consumes",
    ),
    (
        "unused-input",
        Severity::Warning,
        "a graph input nothing consumes",
    ),
    (
        "dead-node",
        Severity::Warning,
        "a node whose outputs reach no graph output",
    ),
    (
        "unused-function",
        Severity::Warning,
        "a local function nothing calls",
    ),
];

pub fn severity_of(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, s, _)| *s)
        .unwrap_or(Severity::Error)
}

/// The opset version imported for each (normalised) domain of a scope. Nearly every node is in
/// the default domain, which is looked up without hashing.
pub(crate) struct Opsets {
    default: Option<i64>,
    by_domain: HashMap<String, i64>,
}

impl Opsets {
    /// The version for a normalised domain (`""` for ai.onnx).
    pub fn get(&self, domain: &str) -> Option<i64> {
        if domain.is_empty() {
            self.default
        } else {
            self.by_domain.get(domain).copied()
        }
    }
}

/// Shared state of one validation run.
pub(crate) struct Ctx<'a> {
    pub model: &'a Model,
    pub table: &'static SchemaTable,
    pub out: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    /// A run over `model` with no findings yet.
    pub fn new(model: &'a Model) -> Ctx<'a> {
        Ctx {
            model,
            table: SchemaTable::global(),
            out: Vec::new(),
        }
    }

    pub fn report(&mut self, code: &'static str, at: At, message: String) {
        let d = Diagnostic::new(self.model, code, severity_of(code), at, message);
        self.out.push(d);
    }

    /// Opset imports in force in graph `g`: a function's own imports over the model's.
    pub fn opsets(&self, g: GraphId) -> Opsets {
        let norm = |d: &str| schema::normalize_domain(d).to_string();
        let mut m: HashMap<String, i64> = HashMap::new();
        for o in &self.model.proto.opset_import {
            m.entry(norm(&o.domain)).or_insert(o.version);
        }
        let root = std::iter::once(g)
            .chain(self.model.index.ancestors(g))
            .last()
            .unwrap_or(g);
        if let Some(GraphOwner::Function(f)) = self.model.graph(root).and_then(|x| x.owner.clone())
        {
            for o in &self.model.proto.functions[f].opset_import {
                m.insert(norm(&o.domain), o.version);
            }
        }
        Opsets {
            default: m.get("").copied(),
            by_domain: m,
        }
    }

    /// Is graph `g` a function body (or nested inside one)?
    pub fn in_function(&self, g: GraphId) -> bool {
        let root = std::iter::once(g)
            .chain(self.model.index.ancestors(g))
            .last()
            .unwrap_or(g);
        matches!(
            self.model.graph(root).and_then(|x| x.owner.as_ref()),
            Some(GraphOwner::Function(_))
        )
    }
}

/// Validates `model` and returns every finding.
pub fn check_model(model: &Model) -> Report {
    let mut ctx = Ctx::new(model);
    rules::run_all(&mut ctx);
    Report::from_diagnostics(ctx.out)
}

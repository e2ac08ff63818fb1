//! Model → every problem at once. Covers what `onnx.checker.check_model(full_check=True)`
//! checks, plus cycles with their path, dangling edges with every consumer, and dead code.
//! Codes are stable and listed in `Code` (and the README, checked against it).

pub mod code;
pub mod diagnostic;
mod rules;
pub mod schema;

use foldhash::{HashMap, HashMapExt};

pub use code::Code;
pub use diagnostic::{At, Diagnostic, Report, Severity};
pub use schema::{Lookup, Schema, SchemaTable};

use crate::model::{GraphId, Model};

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

    pub fn report(&mut self, code: Code, at: At, message: String) {
        let d = Diagnostic::new(self.model, code, at, message);
        self.out.push(d);
    }

    /// Opset imports in force in graph `g`: a function's own imports over the model's.
    pub fn opsets(&self, g: GraphId) -> Opsets {
        let norm = |d: &str| schema::normalize_domain(d).to_string();
        let mut m: HashMap<String, i64> = HashMap::new();
        for o in &self.model.proto.opset_import {
            m.entry(norm(&o.domain)).or_insert(o.version);
        }
        if let Some(f) = self.model.index.function_of(g) {
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
        self.model.index.function_of(g).is_some()
    }
}

/// Validates `model` and returns every finding.
pub fn check_model(model: &Model) -> Report {
    let mut ctx = Ctx::new(model);
    rules::run_all(&mut ctx);
    Report::from_diagnostics(ctx.out)
}

//! tract's shape analysis, read back as plain values: the facts of every node (for the
//! dynamic-axes report) and of every ONNX value tract labelled, captured while tract's symbol
//! table is alive (its symbols print as `<Sym0>` once the model is dropped).

use std::collections::HashMap;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{Factoid, GenericFactoid, InferenceModelExt};

use super::failure::TractFailure;
use super::proto::{analysis_proto, tract_proto};
use super::symbols::{bind_input_symbols, InputSymbol};
use crate::model::Model;

/// A dim as tract inferred it.
#[derive(Debug, Clone, PartialEq)]
pub struct SymDim {
    /// `64`, `batch_size`, `784*batch_size`.
    pub text: String,
    /// Symbols the expression depends on.
    pub symbols: Vec<String>,
    /// The concrete value, when there is one.
    pub value: Option<i64>,
}

impl SymDim {
    fn of(d: &TDim) -> SymDim {
        SymDim {
            text: d.to_string(),
            symbols: d.symbols().iter().map(|s| s.to_string()).collect(),
            value: d.to_i64().ok(),
        }
    }

    pub fn mentions(&self, sym: &str) -> bool {
        self.symbols.iter().any(|s| s == sym)
    }

    /// The dim is exactly the symbol (not an expression of it).
    pub fn is(&self, sym: &str) -> bool {
        self.text == sym
    }
}

/// Dims of a value; `None` when the rank is unknown, `None` per dim when that dim is.
pub type Dims = Option<Vec<Option<SymDim>>>;

/// Facts about one node after analysis, for the dynamic-axes report.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    /// tract's name for the node (`model::tract_name`).
    pub name: String,
    /// tract's op name.
    pub op: String,
    pub inputs: Vec<Dims>,
    pub outputs: Vec<Dims>,
    /// Input values known as constants (a Reshape's shape, say).
    pub const_inputs: Vec<Option<ConstInput>>,
}

/// A constant input of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstInput {
    /// Its values, when it is a small integer tensor (a shape, axes).
    pub ints: Option<Vec<i64>>,
    /// `[1, 16, 4, 16]`, `3`, or `I64 tensor of shape [1000]`.
    pub text: String,
}

/// What tract knows of one ONNX value.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFact {
    /// ONNX element type name, when known.
    pub dtype: Option<String>,
    pub dims: Dims,
}

/// How shape analysis hands big weights to tract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// As graph inputs of their type and shape (what `analyse` does).
    AsInputs,
    /// Every weight read and given to tract, as `run` does; `analyse` must agree with it.
    Read,
}

/// Everything one run of tract's analyser found.
#[derive(Debug, Clone, Default)]
pub struct TractAnalysis {
    pub symbols: Vec<InputSymbol>,
    /// Per node, in evaluation order.
    pub nodes: Vec<NodeFacts>,
    /// By ONNX value name.
    pub values: HashMap<String, ValueFact>,
    /// Where the analysis stopped, if it did.
    pub failure: Option<TractFailure>,
    /// Nodes tract has no implementation for (tract names).
    pub unsupported_nodes: Vec<String>,
}

/// Runs tract's analyser on the main graph. A panic inside tract on a hostile model becomes
/// the analysis' failure, never a crash.
pub fn analyse(model: &Model, weights: Weights) -> TractAnalysis {
    let mut out = TractAnalysis::default();
    let attempt = super::catch_quietly(|| collect(model, weights, &mut out));
    match attempt {
        Ok(Ok(())) => {}
        Ok(Err(f)) => {
            out.failure = Some(f);
            out.values.clear();
        }
        Err(p) => {
            out.failure = Some(TractFailure::from_panic(&p));
            out.nodes.clear();
            out.values.clear();
        }
    }
    out
}

fn collect(model: &Model, weights: Weights, out: &mut TractAnalysis) -> Result<(), TractFailure> {
    let (mut proto, dir) = match weights {
        Weights::AsInputs => analysis_proto(model)?,
        Weights::Read => tract_proto(model)?,
    };
    // What a run would run; a refused node stays as written (shapes do not depend on labels).
    super::lower(&mut proto);
    out.symbols = bind_input_symbols(&mut proto);
    let onnx = super::ml_ops::framework()
        .with_ignore_value_info(true)
        .with_ignore_output_shapes(true);
    let failure = |e: TractError| TractFailure::from_error(&e);
    let mut tm = onnx.parse(&proto, dir.as_deref()).map_err(failure)?.model;
    if let Err(e) = tm.analyse(true) {
        out.failure = Some(failure(e));
    }
    let order = tm
        .eval_order()
        .unwrap_or_else(|_| (0..tm.nodes().len()).collect());
    for &id in &order {
        let node = tm.node(id);
        let op = node.op.name().to_string();
        if op.contains("Unimplemented") {
            out.unsupported_nodes.push(node.name.clone());
        }
        let mut nf = NodeFacts {
            name: node.name.clone(),
            op,
            inputs: vec![],
            outputs: vec![],
            const_inputs: vec![],
        };
        for inlet in &node.inputs {
            let f = tm.outlet_fact(*inlet).map_err(failure)?;
            nf.inputs.push(dims_of(f));
            nf.const_inputs
                .push(f.value.concretize().map(|v| const_input(&v)));
        }
        for (ix, o) in node.outputs.iter().enumerate() {
            let dims = dims_of(&o.fact);
            nf.outputs.push(dims.clone());
            if let Some(label) = tm.outlet_label(OutletId::new(id, ix)) {
                let dtype = o.fact.datum_type.concretize().map(onnx_type_name);
                out.values
                    .insert(label.to_string(), ValueFact { dtype, dims });
            }
        }
        out.nodes.push(nf);
    }
    Ok(())
}

/// Constants up to this many elements keep their values.
const CONST_VALUES_MAX: usize = 16;

/// A constant input: small integer tensors (shapes, axes) with their values.
fn const_input(v: &Tensor) -> ConstInput {
    let ints = (v.len() <= CONST_VALUES_MAX)
        .then(|| v.cast_to::<i64>().ok())
        .flatten()
        .and_then(|t| Some(t.try_as_plain_ram().ok()?.as_slice::<i64>().ok()?.to_vec()));
    let text = match &ints {
        Some(values) => {
            let items: Vec<String> = values.iter().map(|x| x.to_string()).collect();
            if v.rank() == 0 {
                items.join("")
            } else {
                format!("[{}]", items.join(", "))
            }
        }
        None => format!("{:?} tensor of shape {:?}", v.datum_type(), v.shape()),
    };
    ConstInput { ints, text }
}

/// tract's datum type as the ONNX element type name.
pub fn onnx_type_name(dt: DatumType) -> String {
    use DatumType::*;
    match dt {
        F32 => "float",
        F64 => "double",
        F16 => "float16",
        I8 => "int8",
        I16 => "int16",
        I32 => "int32",
        I64 | TDim => "int64",
        U8 => "uint8",
        U16 => "uint16",
        U32 => "uint32",
        U64 => "uint64",
        Bool => "bool",
        String => "string",
        other => return format!("{other:?}").to_lowercase(),
    }
    .to_string()
}

fn dims_of(fact: &InferenceFact) -> Dims {
    if fact.shape.is_open() {
        return None;
    }
    Some(
        fact.shape
            .dims()
            .map(|d| match d {
                GenericFactoid::Only(t) => Some(SymDim::of(t)),
                GenericFactoid::Any => None,
            })
            .collect(),
    )
}

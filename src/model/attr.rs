//! An attribute's value as one line of text (the node panel, tooltips).

use onnx_protobuf::AttributeProto;

use crate::model::tensor::element_count;
use crate::model::DataType;

/// AttributeProto.AttributeType numbers.
pub mod attr_type {
    pub const FLOAT: i32 = 1;
    pub const INT: i32 = 2;
    pub const STRING: i32 = 3;
    pub const TENSOR: i32 = 4;
    pub const GRAPH: i32 = 5;
    pub const FLOATS: i32 = 6;
    pub const INTS: i32 = 7;
    pub const STRINGS: i32 = 8;
    pub const TENSORS: i32 = 9;
    pub const GRAPHS: i32 = 10;
    pub const SPARSE_TENSOR: i32 = 11;
    pub const SPARSE_TENSORS: i32 = 12;
    pub const TYPE_PROTO: i32 = 13;
    pub const TYPE_PROTOS: i32 = 14;

    pub fn name(t: i32) -> &'static str {
        match t {
            FLOAT => "FLOAT",
            INT => "INT",
            STRING => "STRING",
            TENSOR => "TENSOR",
            GRAPH => "GRAPH",
            FLOATS => "FLOATS",
            INTS => "INTS",
            STRINGS => "STRINGS",
            TENSORS => "TENSORS",
            GRAPHS => "GRAPHS",
            SPARSE_TENSOR => "SPARSE_TENSOR",
            SPARSE_TENSORS => "SPARSE_TENSORS",
            TYPE_PROTO => "TYPE_PROTO",
            TYPE_PROTOS => "TYPE_PROTOS",
            _ => "UNDEFINED",
        }
    }
}

/// TENSOR attributes up to this many elements show their values.
const INLINE_TENSOR_MAX: u64 = 8;

pub fn attribute_text(a: &AttributeProto) -> String {
    use attr_type::*;
    let list = |v: Vec<String>| {
        let more = v.len().saturating_sub(16);
        let mut s = v.into_iter().take(16).collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(", … {more} more"));
        }
        format!("[{s}]")
    };
    if !a.ref_attr_name.is_empty() {
        return format!("→ @{}", a.ref_attr_name);
    }
    match a.type_.value() {
        FLOAT => a.f.to_string(),
        INT => a.i.to_string(),
        STRING => String::from_utf8_lossy(&a.s).into_owned(),
        FLOATS => list(a.floats.iter().map(|x| x.to_string()).collect()),
        INTS => list(a.ints.iter().map(|x| x.to_string()).collect()),
        STRINGS => list(
            a.strings
                .iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect(),
        ),
        TENSOR => {
            a.t.as_ref()
                .map(|t| {
                    // Only a small tensor is decoded: its element count comes from its dims.
                    let small = element_count(&t.dims).is_ok_and(|n| n <= INLINE_TENSOR_MAX);
                    let d = if small {
                        crate::model::tensor::decode(t, None).ok()
                    } else {
                        None
                    };
                    match d {
                        Some(d) => {
                            format!(
                                "{} {}",
                                d.dtype,
                                list((0..d.values.len()).map(|i| d.values.format(i)).collect())
                            )
                        }
                        _ => format!("tensor {}{:?}", DataType::from_i32(t.data_type), t.dims),
                    }
                })
                .unwrap_or_default()
        }
        GRAPH => format!(
            "graph `{}` ({})",
            a.g.as_ref().map(|g| g.name.as_str()).unwrap_or(""),
            crate::check::diagnostic::count(
                a.g.as_ref().map_or(0, |g| g.node.len()),
                "node",
                "nodes"
            )
        ),
        GRAPHS => crate::check::diagnostic::count(a.graphs.len(), "graph", "graphs"),
        other => attr_type::name(other).to_string(),
    }
}

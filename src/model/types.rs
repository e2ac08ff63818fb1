//! TypeProto → a plain description of a value's type and shape.

use onnx_protobuf::tensor_shape_proto::dimension;
use onnx_protobuf::type_proto;
use onnx_protobuf::{TensorShapeProto, TypeProto};
use serde::Serialize;

use super::DataType;

/// One dimension as written in the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dim {
    Value(i64),
    Param(String),
    /// Neither a value nor a name (Netron and onnx show `?`).
    Unknown,
}

impl std::fmt::Display for Dim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dim::Value(v) => write!(f, "{v}"),
            Dim::Param(p) => f.write_str(p),
            Dim::Unknown => f.write_str("?"),
        }
    }
}

impl Serialize for Dim {
    /// JSON contract: an integer for a fixed dim, a string (`"batch_size"`, `"?"`) otherwise.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dim::Value(v) => s.serialize_i64(*v),
            Dim::Param(p) => s.serialize_str(p),
            Dim::Unknown => s.serialize_str("?"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueType {
    /// `shape` None means rank unknown.
    Tensor {
        elem: DataType,
        shape: Option<Vec<Dim>>,
    },
    SparseTensor {
        elem: DataType,
        shape: Option<Vec<Dim>>,
    },
    Sequence(Option<Box<ValueType>>),
    Map {
        key: DataType,
        value: Option<Box<ValueType>>,
    },
    Optional(Option<Box<ValueType>>),
    /// A type only its domain knows (`opaque(domain,name)`).
    Opaque {
        domain: String,
        name: String,
    },
    /// The TypeProto has no value set.
    Missing,
}

/// Initializers that are also graph inputs (as IR < 4 requires) but whose element type or
/// shape contradicts the input's declared type: `(name, what disagrees)`. onnx's full check
/// rejects these through shape inference, and tract would read such a tensor past its data.
pub fn initializer_input_conflicts(graph: &onnx_protobuf::GraphProto) -> Vec<(String, String)> {
    // By name, first declaration wins: IR < 4 models list every weight as an input, and a
    // scan per initializer was quadratic in them.
    let mut inputs: foldhash::HashMap<&str, &onnx_protobuf::ValueInfoProto> =
        foldhash::HashMap::default();
    for i in &graph.input {
        inputs.entry(i.name.as_str()).or_insert(i);
    }
    let mut out = Vec::new();
    for t in &graph.initializer {
        let Some(input) = inputs.get(t.name.as_str()) else {
            continue;
        };
        let Some(ty) = input.type_.as_ref() else {
            continue;
        };
        let ValueType::Tensor { elem, shape } = ValueType::from_proto(ty) else {
            continue;
        };
        let init_elem = DataType::from_i32(t.data_type);
        if elem.is_defined() && elem != init_elem {
            out.push((
                t.name.clone(),
                format!("its element type is {init_elem}, the graph input declares {elem}"),
            ));
            continue;
        }
        let Some(shape) = shape else { continue };
        let fits = shape.len() == t.dims.len()
            && shape
                .iter()
                .zip(&t.dims)
                .all(|(d, &v)| !matches!(d, Dim::Value(w) if *w != v));
        if !fits {
            out.push((
                t.name.clone(),
                format!(
                    "its dims are {:?}, the graph input declares {}",
                    t.dims,
                    format_dims(Some(&shape))
                ),
            ));
        }
    }
    out
}

pub fn dims_of(shape: &TensorShapeProto) -> Vec<Dim> {
    shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(dimension::Value::DimValue(v)) => Dim::Value(*v),
            Some(dimension::Value::DimParam(p)) if !p.is_empty() => Dim::Param(p.clone()),
            _ => Dim::Unknown,
        })
        .collect()
}

/// `TypeProto.opaque_type` (field 7) is in onnx-ml.proto only, which the generated code lacks:
/// it arrives as an unknown field, read here (`OpaqueType { domain = 1; name = 2; }`).
fn opaque_of(t: &TypeProto) -> Option<ValueType> {
    let protobuf::UnknownValueRef::LengthDelimited(bytes) =
        t.special_fields.unknown_fields().get(7)?
    else {
        return None;
    };
    let mut input = protobuf::CodedInputStream::from_bytes(bytes);
    let (mut domain, mut name) = (String::new(), String::new());
    while let Ok(Some(tag)) = input.read_raw_tag_or_eof() {
        let read = match tag >> 3 {
            1 => input.read_string().map(|v| domain = v),
            2 => input.read_string().map(|v| name = v),
            _ => protobuf::rt::WireType::new(tag & 7)
                .ok_or(protobuf::Error::from(std::io::Error::other(
                    "bad wire type",
                )))
                .and_then(|w| input.skip_field(w)),
        };
        read.ok()?;
    }
    Some(ValueType::Opaque { domain, name })
}

impl ValueType {
    pub fn from_proto(t: &TypeProto) -> ValueType {
        let inner = |t: &protobuf::MessageField<TypeProto>| {
            t.as_ref().map(|t| Box::new(ValueType::from_proto(t)))
        };
        match &t.value {
            Some(type_proto::Value::TensorType(tt)) => ValueType::Tensor {
                elem: DataType::from_i32(tt.elem_type),
                shape: tt.shape.as_ref().map(dims_of),
            },
            Some(type_proto::Value::SparseTensorType(tt)) => ValueType::SparseTensor {
                elem: DataType::from_i32(tt.elem_type),
                shape: tt.shape.as_ref().map(dims_of),
            },
            Some(type_proto::Value::SequenceType(s)) => ValueType::Sequence(inner(&s.elem_type)),
            Some(type_proto::Value::MapType(m)) => ValueType::Map {
                key: DataType::from_i32(m.key_type),
                value: inner(&m.value_type),
            },
            Some(type_proto::Value::OptionalType(o)) => ValueType::Optional(inner(&o.elem_type)),
            _ => opaque_of(t).unwrap_or(ValueType::Missing),
        }
    }

    pub fn elem(&self) -> Option<DataType> {
        match self {
            ValueType::Tensor { elem, .. } | ValueType::SparseTensor { elem, .. } => Some(*elem),
            _ => None,
        }
    }

    pub fn shape(&self) -> Option<&[Dim]> {
        match self {
            ValueType::Tensor { shape, .. } | ValueType::SparseTensor { shape, .. } => {
                shape.as_deref()
            }
            _ => None,
        }
    }

    /// The schema-style type string, as onnx writes it: `tensor(float)`, `seq(tensor(int64))`,
    /// `map(string,tensor(float))`, `opaque(domain,name)` (the operator table's allowed types
    /// are normalised to the same form, `check::schema::canonical_type`).
    pub fn schema_string(&self) -> Option<String> {
        Some(match self {
            ValueType::Tensor { elem, .. } => format!("tensor({})", elem.name()),
            ValueType::SparseTensor { elem, .. } => format!("sparse_tensor({})", elem.name()),
            ValueType::Sequence(Some(e)) => format!("seq({})", e.schema_string()?),
            ValueType::Map {
                key,
                value: Some(v),
            } => format!("map({},{})", key.name(), v.schema_string()?),
            ValueType::Optional(Some(e)) => format!("optional({})", e.schema_string()?),
            ValueType::Opaque { domain, name } => format!("opaque({domain},{name})"),
            _ => return None,
        })
    }
}

/// `[batch_size,3,224,224]`, or `[?]`-style for unknown rank.
pub fn format_dims(shape: Option<&[Dim]>) -> String {
    match shape {
        None => "[…]".to_string(),
        Some(d) => format!(
            "[{}]",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueType::Tensor { elem, shape } => {
                write!(f, "{}{}", elem, format_dims(shape.as_deref()))
            }
            ValueType::SparseTensor { elem, shape } => {
                write!(f, "sparse {}{}", elem, format_dims(shape.as_deref()))
            }
            ValueType::Sequence(e) => match e {
                Some(e) => write!(f, "seq<{e}>"),
                None => f.write_str("seq<?>"),
            },
            ValueType::Map { key, value } => match value {
                Some(v) => write!(f, "map<{key},{v}>"),
                None => write!(f, "map<{key},?>"),
            },
            ValueType::Optional(e) => match e {
                Some(e) => write!(f, "optional<{e}>"),
                None => f.write_str("optional<?>"),
            },
            ValueType::Opaque { domain, name } => write!(f, "opaque<{domain}:{name}>"),
            ValueType::Missing => f.write_str("?"),
        }
    }
}

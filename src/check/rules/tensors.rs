//! Tensor rules: element type, data fields and their lengths, external data (confined to the
//! model folder, within the file), sparse tensors. Nothing here reads external bytes.

use onnx_protobuf::{SparseTensorProto, TensorProto};

use crate::check::{At, Code, Ctx};
use crate::model::external::{ExternalError, ExternalRef};
use crate::model::tensor::{self, element_count, typed_field, typed_field_len};
use crate::model::{Body, DataType};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for g in 0..model.index.graphs.len() {
        let Some(body) = model.body(g) else { continue };
        if let Body::Graph(graph) = body {
            for t in &graph.initializer {
                check_tensor(ctx, At::Graph(g), t, "initializer");
            }
            for s in &graph.sparse_initializer {
                check_sparse(ctx, At::Graph(g), s);
            }
        }
        for (n, node) in body.nodes().iter().enumerate() {
            for a in &node.attribute {
                let at = At::Node(g, n);
                for t in a.t.iter().chain(&a.tensors) {
                    check_tensor(ctx, at, t, "attribute tensor");
                }
                for s in a.sparse_tensor.iter().chain(&a.sparse_tensors) {
                    check_sparse(ctx, at, s);
                }
            }
        }
    }
}

fn label(t: &TensorProto, what: &str) -> String {
    if t.name.is_empty() {
        format!("{what} (unnamed)")
    } else {
        format!("{what} `{}`", t.name)
    }
}

fn check_tensor(ctx: &mut Ctx<'_>, at: At, t: &TensorProto, what: &str) {
    let who = label(t, what);
    let dtype = DataType::from_i32(t.data_type);
    if !dtype.is_defined() {
        ctx.report(
            Code::TensorUndefinedDtype,
            at,
            format!("{who} has element type {dtype}"),
        );
        return;
    }
    let count = match element_count(&t.dims) {
        Ok(c) => c,
        Err(e) => {
            let code = match e {
                crate::model::TensorError::CountOverflow(_) => Code::TensorDimsOverflow,
                _ => Code::TensorNegativeDim,
            };
            ctx.report(code, at, format!("{who}: {e}"));
            return;
        }
    };
    let (field, typed_len) = typed_field(t, dtype);
    let typed_fields_set = [
        !t.float_data.is_empty(),
        !t.int32_data.is_empty(),
        !t.string_data.is_empty(),
        !t.int64_data.is_empty(),
        !t.double_data.is_empty(),
        !t.uint64_data.is_empty(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    let raw_len = ctx.model.raw_len(t);
    let has_raw = raw_len > 0;

    if tensor::uses_external_data(t) {
        if has_raw || typed_fields_set > 0 {
            ctx.report(
                Code::ExternalTensorHasData,
                at,
                format!("{who} is stored externally but also holds data inline"),
            );
        }
        check_external(ctx, at, t, &who, dtype, count);
        return;
    }
    if has_raw && dtype == DataType::String {
        ctx.report(
            Code::StringInRawData,
            at,
            format!("{who} is a string tensor; strings go in string_data, not raw_data"),
        );
        return;
    }
    if has_raw as usize + typed_fields_set > 1 {
        ctx.report(
            Code::TensorMultipleDataFields,
            at,
            format!("{who} sets more than one data field; exactly one may hold its values"),
        );
        return;
    }
    if has_raw {
        if let Some(expected) = dtype.raw_len(count) {
            if raw_len != expected {
                ctx.report(
                    Code::TensorDataLength,
                    at,
                    format!(
                        "{who}: raw_data holds {raw_len} bytes, dims {:?} of {dtype} need {expected}",
                        t.dims
                    ),
                );
            }
        }
        return;
    }
    if typed_fields_set == 1 && typed_len == 0 {
        ctx.report(
            Code::TensorDataFieldMismatch,
            at,
            format!("{who}: {dtype} values belong in {field}, but another field holds them"),
        );
        return;
    }
    let expected = typed_field_len(dtype, count);
    if typed_len as u64 != expected {
        if typed_len == 0 {
            ctx.report(
                Code::TensorMissingData,
                at,
                format!(
                    "{who}: dims {:?} describe {count} elements but no data is stored",
                    t.dims
                ),
            );
        } else {
            // onnx's checker takes 32 bits' worth of sub-byte values per int32_data entry
            // (8 int4s); onnx.proto and onnx's own numpy_helper read one byte's worth (2), which
            // is what the values decode as here. A file written the checker's way reads wrong.
            let per_entry = match dtype {
                DataType::Uint4 | DataType::Int4 | DataType::Float4E2M1 => Some(2),
                DataType::Uint2 | DataType::Int2 => Some(4),
                _ => None,
            };
            let why = per_entry.map_or(String::new(), |n| {
                format!(
                    " (onnx.proto packs {n} {dtype} values into each int32_data entry, one byte's worth, as onnx's numpy_helper reads them; onnx's checker also accepts {} per entry, which would decode to other values)",
                    n * 4
                )
            });
            ctx.report(
                Code::TensorDataLength,
                at,
                format!(
                    "{who}: {field} holds {typed_len} values, dims {:?} of {dtype} need {expected}{why}",
                    t.dims
                ),
            );
        }
    }
}

fn check_external(
    ctx: &mut Ctx<'_>,
    at: At,
    t: &TensorProto,
    who: &str,
    dtype: DataType,
    count: u64,
) {
    let r = match ExternalRef::parse(t) {
        Ok(r) => r,
        Err(e) => {
            let code = match e {
                ExternalError::AbsolutePath(_) | ExternalError::OutsideModelDir(_) => {
                    Code::ExternalDataOutsideModelDir
                }
                _ => Code::ExternalDataInvalid,
            };
            ctx.report(code, at, format!("{who}: {e}"));
            return;
        }
    };
    if let (Some(len), Some(expected)) = (r.length, dtype.raw_len(count)) {
        if len != expected {
            ctx.report(
                Code::TensorDataLength,
                at,
                format!(
                    "{who}: external length {len} bytes, dims {:?} of {dtype} need {expected}",
                    t.dims
                ),
            );
        }
    }
    if let Err(e) = ctx.model.external.probe(&r) {
        let code = match e {
            ExternalError::OutsideModelDir(_) | ExternalError::AbsolutePath(_) => {
                Code::ExternalDataOutsideModelDir
            }
            ExternalError::OutOfRange { .. } => Code::ExternalDataOutOfRange,
            _ => Code::ExternalDataMissing,
        };
        ctx.report(code, at, format!("{who}: {e}"));
        return;
    }
    // Without an explicit length the tensor runs to the end of the file: its size must fit.
    if r.length.is_none() {
        if let (Ok(bytes), Some(expected)) = (ctx.model.external.bytes(&r), dtype.raw_len(count)) {
            if (bytes.len() as u64) < expected {
                ctx.report(
                    Code::ExternalDataOutOfRange,
                    at,
                    format!(
                        "{who}: {} bytes remain in `{}` after offset {}, dims need {expected}",
                        bytes.len(),
                        r.location,
                        r.offset
                    ),
                );
            }
        }
    }
}

fn check_sparse(ctx: &mut Ctx<'_>, at: At, s: &SparseTensorProto) {
    let (Some(values), Some(indices)) = (s.values.as_ref(), s.indices.as_ref()) else {
        ctx.report(
            Code::SparseInvalid,
            at,
            "sparse tensor lacks values or indices".into(),
        );
        return;
    };
    let who = format!("sparse tensor `{}`", values.name);
    check_tensor(ctx, at, values, "sparse values");
    let dense: u64 = match element_count(&s.dims) {
        Ok(c) => c,
        Err(e) => {
            ctx.report(Code::SparseInvalid, at, format!("{who}: dims: {e}"));
            return;
        }
    };
    if values.dims.len() != 1 {
        ctx.report(
            Code::SparseInvalid,
            at,
            format!("{who}: values must be 1-D, got dims {:?}", values.dims),
        );
        return;
    }
    let nnz = values.dims[0].max(0) as u64;
    if DataType::from_i32(indices.data_type) != DataType::Int64 {
        ctx.report(
            Code::SparseInvalid,
            at,
            format!("{who}: indices must be int64"),
        );
        return;
    }
    let idx = match tensor::decode(indices, None) {
        Ok(t) => t,
        Err(e) => {
            ctx.report(Code::SparseInvalid, at, format!("{who}: indices: {e}"));
            return;
        }
    };
    let crate::model::TensorValues::I64(idx) = idx.values else {
        return;
    };
    let rank = s.dims.len();
    let linear: Vec<i64> = match indices.dims.len() {
        1 if indices.dims[0] as u64 == nnz => idx,
        2 if indices.dims[0] as u64 == nnz && indices.dims[1] as usize == rank => {
            // Coordinates → linear index; out-of-range coordinates are reported as such.
            let mut out = Vec::with_capacity(nnz as usize);
            for (k, coord) in idx.chunks(rank.max(1)).enumerate() {
                let mut lin: i64 = 0;
                for (d, &c) in coord.iter().enumerate() {
                    if c < 0 || c >= s.dims[d] {
                        ctx.report(
                            Code::SparseIndicesOutOfRange,
                            at,
                            format!(
                                "{who}: index {k} has coordinate {c} outside dim {d} of size {}",
                                s.dims[d]
                            ),
                        );
                        return;
                    }
                    lin = lin.saturating_mul(s.dims[d]).saturating_add(c);
                }
                out.push(lin);
            }
            out
        }
        _ => {
            ctx.report(
                Code::SparseInvalid,
                at,
                format!(
                    "{who}: indices dims {:?} fit neither [{nnz}] nor [{nnz}, {rank}]",
                    indices.dims
                ),
            );
            return;
        }
    };
    for (k, &i) in linear.iter().enumerate() {
        if i < 0 || i as u64 >= dense {
            ctx.report(
                Code::SparseIndicesOutOfRange,
                at,
                format!("{who}: index {k} is {i}, outside [0, {})", dense),
            );
            return;
        }
        if k > 0 && linear[k - 1] >= i {
            ctx.report(
                Code::SparseIndicesUnsorted,
                at,
                format!(
                    "{who}: index {k} ({i}) does not follow index {} ({}) in increasing order",
                    k - 1,
                    linear[k - 1]
                ),
            );
            return;
        }
    }
}

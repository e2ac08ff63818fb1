//! Our decoded tensors ⇄ tract tensors, so the rest of the program only sees `model::Tensor`,
//! which the UI, the `.npy` writer and the statistics already understand.

use tract_onnx::prelude::{tract_ndarray, DatumType, IntoTensor, Tensor as TractTensor};

use crate::model::{DataType, Tensor, TensorValues};

/// A tensor tract cannot take or give back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConvertError {
    #[error("{tensor}: element type {dtype} is not supported by tract")]
    UnsupportedType { tensor: String, dtype: String },
    /// tract's own complaint (its errors are not `Clone`: kept as text for display).
    #[error("{tensor}: {message}")]
    Tract { tensor: String, message: String },
}

fn shape_of(t: &Tensor) -> Vec<usize> {
    t.dims.iter().map(|&d| d as usize).collect()
}

/// Our tensor as a tract tensor; element types tract cannot compute with are refused by name.
pub fn to_tract(t: &Tensor) -> Result<TractTensor, ConvertError> {
    let fail = |e: &dyn std::fmt::Display| ConvertError::Tract {
        tensor: t.name.clone(),
        message: e.to_string(),
    };
    let shape = shape_of(t);
    let r = match &t.values {
        TensorValues::F32(v) => TractTensor::from_shape(&shape, v),
        TensorValues::F64(v) => TractTensor::from_shape(&shape, v),
        TensorValues::F16(v) => TractTensor::from_shape(&shape, v),
        TensorValues::I8(v) => TractTensor::from_shape(&shape, v),
        TensorValues::I16(v) => TractTensor::from_shape(&shape, v),
        TensorValues::I32(v) => TractTensor::from_shape(&shape, v),
        TensorValues::I64(v) => TractTensor::from_shape(&shape, v),
        TensorValues::U8(v) => TractTensor::from_shape(&shape, v),
        TensorValues::U16(v) => TractTensor::from_shape(&shape, v),
        TensorValues::U32(v) => TractTensor::from_shape(&shape, v),
        TensorValues::U64(v) => TractTensor::from_shape(&shape, v),
        TensorValues::Bool(v) => TractTensor::from_shape(&shape, v),
        TensorValues::Str(v) => {
            let strings: Vec<String> = v
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect();
            return tract_ndarray::ArrayD::from_shape_vec(shape, strings)
                .map(|a| a.into_tensor())
                .map_err(|e| fail(&e));
        }
        _ => {
            return Err(ConvertError::UnsupportedType {
                tensor: t.name.clone(),
                dtype: t.dtype.to_string(),
            })
        }
    };
    r.map_err(|e| fail(&e))
}

/// A tract tensor as ours (TDim values become int64, as ONNX sees them).
pub fn from_tract(name: &str, t: &TractTensor) -> Result<Tensor, ConvertError> {
    let fail = |e: anyhow::Error| ConvertError::Tract {
        tensor: name.to_string(),
        message: e.to_string(),
    };
    let dims: Vec<u64> = t.shape().iter().map(|&d| d as u64).collect();
    macro_rules! plain {
        ($ty:ty, $variant:ident, $dtype:ident) => {{
            let view = t.try_as_plain_ram().map_err(fail)?;
            (
                DataType::$dtype,
                TensorValues::$variant(view.as_slice::<$ty>().map_err(fail)?.to_vec()),
            )
        }};
    }
    let (dtype, values) = match t.datum_type() {
        DatumType::F32 => plain!(f32, F32, Float),
        DatumType::F64 => plain!(f64, F64, Double),
        DatumType::F16 => plain!(half::f16, F16, Float16),
        DatumType::I8 => plain!(i8, I8, Int8),
        DatumType::I16 => plain!(i16, I16, Int16),
        DatumType::I32 => plain!(i32, I32, Int32),
        DatumType::I64 => plain!(i64, I64, Int64),
        DatumType::U8 => plain!(u8, U8, Uint8),
        DatumType::U16 => plain!(u16, U16, Uint16),
        DatumType::U32 => plain!(u32, U32, Uint32),
        DatumType::U64 => plain!(u64, U64, Uint64),
        DatumType::Bool => plain!(bool, Bool, Bool),
        DatumType::String => {
            let view = t.try_as_plain_ram().map_err(fail)?;
            let s = view.as_slice::<String>().map_err(fail)?;
            (
                DataType::String,
                TensorValues::Str(s.iter().map(|x| x.as_bytes().to_vec()).collect()),
            )
        }
        DatumType::TDim => {
            let cast = t.cast_to::<i64>().map_err(fail)?;
            let view = cast.try_as_plain_ram().map_err(fail)?;
            (
                DataType::Int64,
                TensorValues::I64(view.as_slice::<i64>().map_err(fail)?.to_vec()),
            )
        }
        other => {
            // Quantized and other exotic outputs: show them as float.
            let cast = t.cast_to::<f32>().map_err(|e| ConvertError::Tract {
                tensor: name.to_string(),
                message: format!("cannot read {other:?}: {e}"),
            })?;
            let view = cast.try_as_plain_ram().map_err(fail)?;
            (
                DataType::Float,
                TensorValues::F32(view.as_slice::<f32>().map_err(fail)?.to_vec()),
            )
        }
    };
    Ok(Tensor {
        name: name.to_string(),
        dtype,
        dims,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_tract() {
        for t in [
            Tensor {
                name: "f".into(),
                dtype: DataType::Float,
                dims: vec![2, 2],
                values: TensorValues::F32(vec![1.0, -2.5, 0.0, 3.25]),
            },
            Tensor {
                name: "b".into(),
                dtype: DataType::Bool,
                dims: vec![3],
                values: TensorValues::Bool(vec![true, false, true]),
            },
            Tensor {
                name: "s".into(),
                dtype: DataType::String,
                dims: vec![2],
                values: TensorValues::Str(vec![b"a".to_vec(), b"bc".to_vec()]),
            },
        ] {
            let tract = to_tract(&t).unwrap();
            assert_eq!(
                tract.shape(),
                &t.dims.iter().map(|&d| d as usize).collect::<Vec<_>>()[..]
            );
            assert_eq!(from_tract(&t.name, &tract).unwrap(), t);
        }
    }
}

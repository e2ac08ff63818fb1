//! `.npy` (NumPy format 1.0) writing of decoded tensors.

use super::tensor::{Tensor, TensorValues};

/// numpy's dtype string for a tensor's values, and the bytes to store. Types numpy has no
/// native dtype for (bfloat16, float8, 4/2/6-bit) are widened to float32 / int8 / uint8.
fn descr_and_bytes(t: &Tensor) -> Result<(&'static str, Vec<u8>), String> {
    use crate::model::DataType;
    let v = &t.values;
    Ok(match v {
        TensorValues::F32(_) => ("<f4", v.numpy_bytes()),
        TensorValues::F64(_) => ("<f8", v.numpy_bytes()),
        TensorValues::F16(_) => ("<f2", v.numpy_bytes()),
        TensorValues::I8(_) => ("|i1", v.numpy_bytes()),
        TensorValues::I16(_) => ("<i2", v.numpy_bytes()),
        TensorValues::I32(_) => ("<i4", v.numpy_bytes()),
        TensorValues::I64(_) => ("<i8", v.numpy_bytes()),
        TensorValues::U8(_) => ("|u1", v.numpy_bytes()),
        TensorValues::U16(_) => ("<u2", v.numpy_bytes()),
        TensorValues::U32(_) => ("<u4", v.numpy_bytes()),
        TensorValues::U64(_) => ("<u8", v.numpy_bytes()),
        TensorValues::Bool(_) => ("|b1", v.numpy_bytes()),
        TensorValues::C64(_) => ("<c8", v.numpy_bytes()),
        TensorValues::C128(_) => ("<c16", v.numpy_bytes()),
        TensorValues::Small {
            dtype: DataType::Int4 | DataType::Int2,
            ..
        } => (
            "|i1",
            (0..v.len())
                .map(|i| v.get_f64(i).unwrap_or(0.0) as i8 as u8)
                .collect(),
        ),
        TensorValues::Small {
            dtype: DataType::Uint4 | DataType::Uint2,
            bits,
        } => ("|u1", bits.clone()),
        TensorValues::BF16(_) | TensorValues::Small { .. } => (
            "<f4",
            (0..v.len())
                .flat_map(|i| (v.get_f64(i).unwrap_or(f64::NAN) as f32).to_le_bytes())
                .collect(),
        ),
        TensorValues::Str(_) => return Err("string tensors cannot be saved as .npy".into()),
    })
}

pub fn to_npy(t: &Tensor) -> Result<Vec<u8>, String> {
    let (descr, data) = descr_and_bytes(t)?;
    let shape = match t.dims.len() {
        0 => "()".to_string(),
        1 => format!("({},)", t.dims[0]),
        _ => format!(
            "({})",
            t.dims
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataType;

    #[test]
    fn header_is_aligned_and_describes_the_array() {
        let t = Tensor {
            name: "w".into(),
            dtype: DataType::Float,
            dims: vec![2, 3],
            values: TensorValues::F32(vec![1.0; 6]),
        };
        let b = to_npy(&t).unwrap();
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let header = std::str::from_utf8(&b[10..10 + hlen]).unwrap();
        assert!(header.contains("'descr': '<f4'") && header.contains("(2, 3)"));
        assert_eq!(b.len(), 10 + hlen + 24);
    }
}

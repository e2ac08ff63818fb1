//! `.npy` (NumPy format) reading and writing of decoded tensors.

use super::tensor::{decode_raw, element_count, Tensor, TensorError, TensorValues};
use super::DataType;

/// A `.npy` file onnx-lens cannot read, or a tensor it cannot write as one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NpyError {
    #[error("not a .npy file (bad magic)")]
    BadMagic,
    #[error("unsupported .npy version {0}")]
    Version(u8),
    #[error("the .npy header {0}")]
    Header(&'static str),
    #[error("unsupported numpy dtype '{0}'")]
    Dtype(String),
    #[error("Fortran-ordered arrays are not supported; save with np.ascontiguousarray")]
    FortranOrder,
    #[error("bad dim '{0}' in .npy shape")]
    BadDim(String),
    #[error("tensor too large")]
    TooLarge,
    #[error(".npy holds {actual} data bytes, its shape {dims:?} of {descr} needs {expected}")]
    Length {
        actual: u64,
        dims: Vec<i64>,
        descr: String,
        expected: u64,
    },
    #[error(transparent)]
    Tensor(#[from] TensorError),
    #[error("a string in a tensor is not UTF-8 text, which .npy's unicode arrays hold")]
    StringNotText,
    /// An object array (pickled) whose items are not all strings, or whose pickle is not one
    /// numpy writes.
    #[error("numpy object array: {0}; onnx-lens reads object arrays of str or bytes only (or save with dtype str, e.g. np.array(texts, dtype=str))")]
    ObjectArray(String),
}

/// numpy's dtype string for a tensor's values, and the bytes to store. Types numpy has no
/// native dtype for (bfloat16, float8, 4/2/6-bit) are widened to float32 / int8 / uint8.
fn descr_and_bytes(t: &Tensor) -> Result<(String, Vec<u8>), NpyError> {
    let v = &t.values;
    if let TensorValues::Str(strings) = v {
        return unicode_array(strings);
    }
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
        TensorValues::Str(_) => unreachable!("strings are written above"),
    })
    .map(|(d, b)| (d.to_string(), b))
}

/// Strings as numpy's fixed-width unicode (`<U{n}`: UTF-32LE, n code points, zero-padded).
fn unicode_array(strings: &[Vec<u8>]) -> Result<(String, Vec<u8>), NpyError> {
    let texts: Vec<&str> = strings
        .iter()
        .map(|s| std::str::from_utf8(s).map_err(|_| NpyError::StringNotText))
        .collect::<Result<_, _>>()?;
    let width = texts
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut bytes = Vec::with_capacity(texts.len() * width * 4);
    for t in texts {
        let mut n = 0;
        for c in t.chars() {
            bytes.extend_from_slice(&(c as u32).to_le_bytes());
            n += 1;
        }
        bytes.resize(bytes.len() + (width - n) * 4, 0);
    }
    Ok((format!("<U{width}"), bytes))
}

/// A numpy string dtype: `<U7` (UTF-32LE code points) or `|S7` (bytes), with its width.
#[derive(Clone, Copy)]
enum StringDescr {
    Unicode(usize),
    Bytes(usize),
}

fn string_descr(descr: &str) -> Option<StringDescr> {
    let kind_and_width = descr.trim_start_matches(['<', '|', '=']);
    let width = |w: &str| w.parse::<usize>().ok();
    if let Some(w) = kind_and_width.strip_prefix('U') {
        return width(w).map(StringDescr::Unicode);
    }
    if let Some(w) = kind_and_width.strip_prefix('S') {
        return width(w).map(StringDescr::Bytes);
    }
    None
}

/// Fixed-width numpy strings → one byte string per element (padding zeros dropped).
fn decode_strings(kind: StringDescr, data: &[u8], count: usize) -> Option<Vec<Vec<u8>>> {
    let size = match kind {
        StringDescr::Unicode(w) => w.checked_mul(4)?,
        StringDescr::Bytes(w) => w,
    };
    if data.len() != size.checked_mul(count)? {
        return None;
    }
    let items = (0..count).map(|i| &data[i * size..(i + 1) * size]);
    Some(match kind {
        StringDescr::Unicode(_) => items
            .map(|item| {
                item.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .take_while(|&c| c != 0)
                    .filter_map(char::from_u32)
                    .collect::<String>()
                    .into_bytes()
            })
            .collect(),
        StringDescr::Bytes(_) => items
            .map(|item| {
                let end = item.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                item[..end].to_vec()
            })
            .collect(),
    })
}

/// numpy `descr` → ONNX element type (little-endian or byte-sized only).
fn dtype_of_descr(descr: &str) -> Option<DataType> {
    Some(match descr {
        "<f4" => DataType::Float,
        "<f8" => DataType::Double,
        "<f2" => DataType::Float16,
        "|i1" | "<i1" => DataType::Int8,
        "<i2" => DataType::Int16,
        "<i4" => DataType::Int32,
        "<i8" => DataType::Int64,
        "|u1" | "<u1" => DataType::Uint8,
        "<u2" => DataType::Uint16,
        "<u4" => DataType::Uint32,
        "<u8" => DataType::Uint64,
        "|b1" => DataType::Bool,
        "<c8" => DataType::Complex64,
        "<c16" => DataType::Complex128,
        _ => return None,
    })
}

/// The quoted value of `'key': '...'` in a numpy header dict.
fn header_str<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let rest = &header[header.find(&format!("'{key}'"))? + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// Parses a `.npy` file (versions 1–3, C order, little-endian numeric or bool dtypes).
pub fn from_npy(name: &str, bytes: &[u8]) -> Result<Tensor, NpyError> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(NpyError::BadMagic);
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
        v => return Err(NpyError::Version(v)),
    };
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .ok_or(NpyError::Header("is truncated"))?;
    let header = std::str::from_utf8(header).map_err(|_| NpyError::Header("is not text"))?;
    let descr = header_str(header, "descr").ok_or(NpyError::Header("has no 'descr'"))?;
    let object = descr.trim_start_matches(['<', '|', '=']) == "O";
    let strings = string_descr(descr);
    let dtype = match strings {
        _ if object => DataType::String,
        Some(_) => DataType::String,
        None => dtype_of_descr(descr).ok_or_else(|| NpyError::Dtype(descr.to_string()))?,
    };
    if header.contains("'fortran_order': True") {
        return Err(NpyError::FortranOrder);
    }
    let shape_text = header
        .find("'shape'")
        .and_then(|i| {
            let rest = &header[i..];
            Some(&rest[rest.find('(')? + 1..rest.find(')')?])
        })
        .ok_or(NpyError::Header("has no 'shape'"))?;
    let dims = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| NpyError::BadDim(s.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count = element_count(&dims)?;
    let data = &bytes[start + header_len..];
    if object {
        // np.save pickles object arrays: a list of str (or bytes) items is read, nothing run.
        let values = super::pickle::object_array_strings(data).map_err(NpyError::ObjectArray)?;
        if values.len() as u64 != count {
            return Err(NpyError::ObjectArray(format!(
                "{} items for shape {dims:?}",
                values.len()
            )));
        }
        return Ok(Tensor {
            name: name.to_string(),
            dtype,
            dims: dims.iter().map(|&d| d as u64).collect(),
            values: TensorValues::Str(values),
        });
    }
    if let Some(kind) = strings {
        let item = match kind {
            StringDescr::Unicode(w) => (w as u64).saturating_mul(4),
            StringDescr::Bytes(w) => w as u64,
        };
        let length_error = || NpyError::Length {
            actual: data.len() as u64,
            dims: dims.clone(),
            descr: descr.to_string(),
            expected: item.saturating_mul(count),
        };
        let count = usize::try_from(count).map_err(|_| NpyError::TooLarge)?;
        let values = decode_strings(kind, data, count).ok_or_else(length_error)?;
        return Ok(Tensor {
            name: name.to_string(),
            dtype,
            dims: dims.iter().map(|&d| d as u64).collect(),
            values: TensorValues::Str(values),
        });
    }
    let expected = dtype.raw_len(count).ok_or(NpyError::TooLarge)?;
    if data.len() as u64 != expected {
        return Err(NpyError::Length {
            actual: data.len() as u64,
            dims,
            descr: descr.to_string(),
            expected,
        });
    }
    let values = decode_raw(dtype, data, count as usize)?;
    Ok(Tensor {
        name: name.to_string(),
        dtype,
        dims: dims.iter().map(|&d| d as u64).collect(),
        values,
    })
}

pub fn to_npy(t: &Tensor) -> Result<Vec<u8>, NpyError> {
    let (descr, data) = descr_and_bytes(t)?;
    let descr = descr.as_str();
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

    #[test]
    fn reads_back_what_it_writes() {
        let t = Tensor {
            name: "x".into(),
            dtype: DataType::Int64,
            dims: vec![3],
            values: TensorValues::I64(vec![-1, 0, 7]),
        };
        assert_eq!(from_npy("x", &to_npy(&t).unwrap()).unwrap(), t);
        let mut truncated = to_npy(&t).unwrap();
        truncated.pop();
        assert!(from_npy("x", &truncated)
            .unwrap_err()
            .to_string()
            .contains("needs 24"));
    }
}

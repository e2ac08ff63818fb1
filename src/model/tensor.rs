//! TensorProto → typed values, for every ONNX element type, from `raw_data` (little-endian,
//! sub-byte types packed from the low bits) or from the typed repeated fields.
//!
//! onnx-protobuf's `TensorProto::as_value` panics on FLOAT16/BF16/UINT8/BOOL and misreads
//! INT8, so decoding lives here. Lengths are checked against `dims` before anything is
//! allocated: an untrusted `dims` never sizes an allocation by itself.

use half::{bf16, f16};
use onnx_protobuf::TensorProto;
use serde::Serialize;
use thiserror::Error;

use super::dtype::{DataType, Packing};

#[derive(Debug, Error, Clone, PartialEq)]
pub enum TensorError {
    #[error("data type {0} is not a valid element type")]
    BadDataType(DataType),
    #[error("dimension {index} is negative ({value})")]
    NegativeDim { index: usize, value: i64 },
    #[error("element count of dims {0:?} overflows")]
    CountOverflow(Vec<i64>),
    #[error("raw_data holds {actual} bytes but dims {dims:?} of {dtype} need {expected}")]
    RawLength {
        dims: Vec<i64>,
        dtype: DataType,
        expected: u64,
        actual: u64,
    },
    #[error("{field} holds {actual} values but dims {dims:?} of {dtype} need {expected}")]
    FieldLength {
        field: &'static str,
        dims: Vec<i64>,
        dtype: DataType,
        expected: u64,
        actual: u64,
    },
    #[error("string tensors cannot use raw_data")]
    StringInRaw,
    #[error("tensor has no data ({0} elements expected)")]
    NoData(u64),
    #[error("tensor uses segments, which are not supported")]
    Segment,
    #[error("external data: {0}")]
    External(String),
    #[error("cannot read the tensor from the model file: {0}")]
    ModelFile(String),
}

/// Decoded element values. Types numpy has no native dtype for (float8, 4/2/6-bit) are kept
/// one element per byte, as `numpy_helper.to_array` (ml_dtypes) holds them.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorValues {
    F32(Vec<f32>),
    F64(Vec<f64>),
    F16(Vec<f16>),
    BF16(Vec<bf16>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    Bool(Vec<bool>),
    Str(Vec<Vec<u8>>),
    C64(Vec<[f32; 2]>),
    C128(Vec<[f64; 2]>),
    /// float8 / float4 / float6 bit patterns and int4/uint4/int2/uint2 values, one per byte.
    Small {
        dtype: DataType,
        bits: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub dtype: DataType,
    pub dims: Vec<u64>,
    pub values: TensorValues,
}

/// Summary statistics over the real part of every element (computed on demand).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct TensorStats {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub std: f64,
    pub nan_count: u64,
    pub inf_count: u64,
    pub zero_fraction: f64,
}

/// Number of elements `dims` describe, validated (no negative dims, no overflow).
pub fn element_count(dims: &[i64]) -> Result<u64, TensorError> {
    let mut n: u64 = 1;
    for (index, &value) in dims.iter().enumerate() {
        if value < 0 {
            return Err(TensorError::NegativeDim { index, value });
        }
        n = n
            .checked_mul(value as u64)
            .ok_or_else(|| TensorError::CountOverflow(dims.to_vec()))?;
    }
    Ok(n)
}

pub fn uses_external_data(t: &TensorProto) -> bool {
    t.data_location.value() == 1
}

/// The typed field that holds values of `dtype`, with its length.
pub fn typed_field(t: &TensorProto, dtype: DataType) -> (&'static str, usize) {
    use DataType::*;
    match dtype {
        Float | Complex64 => ("float_data", t.float_data.len()),
        Double | Complex128 => ("double_data", t.double_data.len()),
        Int64 => ("int64_data", t.int64_data.len()),
        Uint32 | Uint64 => ("uint64_data", t.uint64_data.len()),
        String => ("string_data", t.string_data.len()),
        _ => ("int32_data", t.int32_data.len()),
    }
}

/// How many values the typed field must hold for `count` elements.
pub fn typed_field_len(dtype: DataType, count: u64) -> u64 {
    use DataType::*;
    match dtype {
        Complex64 | Complex128 => count.saturating_mul(2),
        Uint4 | Int4 | Float4E2M1 => count.div_ceil(2),
        Uint2 | Int2 => count.div_ceil(4),
        _ => count,
    }
}

fn le_chunks<const N: usize, T>(raw: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    raw.chunks_exact(N)
        .map(|c| f(c.try_into().expect("chunks_exact yields N bytes")))
        .collect()
}

/// Unpacks `count` values of `bits` width packed from the least significant bit.
fn unpack_bits(packed: &[u8], bits: u32, count: usize) -> Vec<u8> {
    let mask = (1u32 << bits) - 1;
    (0..count)
        .map(|i| {
            let bit = i * bits as usize;
            let (byte, shift) = (bit / 8, (bit % 8) as u32);
            let lo = packed.get(byte).copied().unwrap_or(0) as u32;
            let hi = packed.get(byte + 1).copied().unwrap_or(0) as u32;
            (((lo | (hi << 8)) >> shift) & mask) as u8
        })
        .collect()
}

/// Decodes little-endian `raw` bytes holding `count` elements of `dtype` (length checked by caller).
pub fn decode_raw(dtype: DataType, raw: &[u8], count: usize) -> Result<TensorValues, TensorError> {
    use DataType::*;
    Ok(match dtype {
        Float => TensorValues::F32(le_chunks(raw, f32::from_le_bytes)),
        Double => TensorValues::F64(le_chunks(raw, f64::from_le_bytes)),
        Float16 => TensorValues::F16(le_chunks(raw, f16::from_le_bytes)),
        Bfloat16 => TensorValues::BF16(le_chunks(raw, bf16::from_le_bytes)),
        Int8 => TensorValues::I8(raw.iter().map(|&b| b as i8).collect()),
        Int16 => TensorValues::I16(le_chunks(raw, i16::from_le_bytes)),
        Int32 => TensorValues::I32(le_chunks(raw, i32::from_le_bytes)),
        Int64 => TensorValues::I64(le_chunks(raw, i64::from_le_bytes)),
        Uint8 => TensorValues::U8(raw.to_vec()),
        Uint16 => TensorValues::U16(le_chunks(raw, u16::from_le_bytes)),
        Uint32 => TensorValues::U32(le_chunks(raw, u32::from_le_bytes)),
        Uint64 => TensorValues::U64(le_chunks(raw, u64::from_le_bytes)),
        Bool => TensorValues::Bool(raw.iter().map(|&b| b != 0).collect()),
        Complex64 => TensorValues::C64(le_chunks(raw, |b: [u8; 8]| {
            [
                f32::from_le_bytes(b[..4].try_into().unwrap()),
                f32::from_le_bytes(b[4..].try_into().unwrap()),
            ]
        })),
        Complex128 => TensorValues::C128(le_chunks(raw, |b: [u8; 16]| {
            [
                f64::from_le_bytes(b[..8].try_into().unwrap()),
                f64::from_le_bytes(b[8..].try_into().unwrap()),
            ]
        })),
        Float8E4M3FN | Float8E4M3FNUZ | Float8E5M2 | Float8E5M2FNUZ | Float8E8M0 => {
            TensorValues::Small {
                dtype,
                bits: raw.to_vec(),
            }
        }
        Uint4 | Int4 | Float4E2M1 | Uint2 | Int2 | Float6E2M3 | Float6E3M2 => {
            let Packing::Bits(width) = dtype.packing() else {
                unreachable!("sub-byte types are bit-packed")
            };
            TensorValues::Small {
                dtype,
                bits: unpack_bits(raw, width, count),
            }
        }
        String => return Err(TensorError::StringInRaw),
        Undefined | Unknown(_) => return Err(TensorError::BadDataType(dtype)),
    })
}

fn decode_typed(
    t: &TensorProto,
    dtype: DataType,
    count: usize,
) -> Result<TensorValues, TensorError> {
    use DataType::*;
    let i32s = &t.int32_data;
    Ok(match dtype {
        Float => TensorValues::F32(t.float_data.clone()),
        Double => TensorValues::F64(t.double_data.clone()),
        Complex64 => {
            TensorValues::C64(t.float_data.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
        }
        Complex128 => TensorValues::C128(
            t.double_data
                .chunks_exact(2)
                .map(|c| [c[0], c[1]])
                .collect(),
        ),
        Int64 => TensorValues::I64(t.int64_data.clone()),
        Uint64 => TensorValues::U64(t.uint64_data.clone()),
        Uint32 => TensorValues::U32(t.uint64_data.iter().map(|&v| v as u32).collect()),
        Int32 => TensorValues::I32(i32s.clone()),
        Int16 => TensorValues::I16(i32s.iter().map(|&v| v as i16).collect()),
        Int8 => TensorValues::I8(i32s.iter().map(|&v| v as i8).collect()),
        Uint16 => TensorValues::U16(i32s.iter().map(|&v| v as u16).collect()),
        Uint8 => TensorValues::U8(i32s.iter().map(|&v| v as u8).collect()),
        Bool => TensorValues::Bool(i32s.iter().map(|&v| v as u8 != 0).collect()),
        Float16 => TensorValues::F16(i32s.iter().map(|&v| f16::from_bits(v as u16)).collect()),
        Bfloat16 => TensorValues::BF16(i32s.iter().map(|&v| bf16::from_bits(v as u16)).collect()),
        Float8E4M3FN | Float8E4M3FNUZ | Float8E5M2 | Float8E5M2FNUZ | Float8E8M0 => {
            TensorValues::Small {
                dtype,
                bits: i32s.iter().map(|&v| v as u8).collect(),
            }
        }
        Float6E2M3 | Float6E3M2 => TensorValues::Small {
            dtype,
            bits: i32s.iter().map(|&v| v as u8 & 0x3f).collect(),
        },
        Uint4 | Int4 | Float4E2M1 | Uint2 | Int2 => {
            let packed: Vec<u8> = i32s.iter().map(|&v| v as u8).collect();
            let Packing::Bits(width) = dtype.packing() else {
                unreachable!("sub-byte types are bit-packed")
            };
            TensorValues::Small {
                dtype,
                bits: unpack_bits(&packed, width, count),
            }
        }
        String => TensorValues::Str(t.string_data.clone()),
        Undefined | Unknown(_) => return Err(TensorError::BadDataType(dtype)),
    })
}

/// Decodes a tensor. `external` holds bytes stored outside the TensorProto: external data
/// (already located and range-checked by the model's external data store), or a raw_data
/// payload that loading left in the model file.
pub fn decode(t: &TensorProto, external: Option<&[u8]>) -> Result<Tensor, TensorError> {
    let dtype = DataType::from_i32(t.data_type);
    if !dtype.is_defined() {
        return Err(TensorError::BadDataType(dtype));
    }
    if t.segment.is_some() {
        return Err(TensorError::Segment);
    }
    let count = element_count(&t.dims)?;
    let raw = external.or(if t.raw_data.is_empty() {
        None
    } else {
        Some(&t.raw_data[..])
    });
    let values = if let Some(raw) = raw {
        let expected = dtype.raw_len(count).ok_or(if dtype == DataType::String {
            TensorError::StringInRaw
        } else {
            TensorError::BadDataType(dtype)
        })?;
        if raw.len() as u64 != expected {
            return Err(TensorError::RawLength {
                dims: t.dims.clone(),
                dtype,
                expected,
                actual: raw.len() as u64,
            });
        }
        decode_raw(dtype, raw, count as usize)?
    } else {
        let (field, actual) = typed_field(t, dtype);
        let expected = typed_field_len(dtype, count);
        if actual as u64 != expected {
            if actual == 0 {
                return Err(TensorError::NoData(count));
            }
            return Err(TensorError::FieldLength {
                field,
                dims: t.dims.clone(),
                dtype,
                expected,
                actual: actual as u64,
            });
        }
        decode_typed(t, dtype, count as usize)?
    };
    Ok(Tensor {
        name: t.name.clone(),
        dtype,
        dims: t.dims.iter().map(|&d| d as u64).collect(),
        values,
    })
}

/// Value of a minifloat with `exp_bits`/`man_bits` and `bias`, no infinities (the `fn`/`fnuz`
/// formats, float4 and float6), from its bit pattern.
fn minifloat(bits: u8, exp_bits: u32, man_bits: u32, bias: i32) -> f64 {
    let sign = if (bits >> (exp_bits + man_bits)) & 1 == 1 {
        -1.0
    } else {
        1.0
    };
    let exp = ((bits >> man_bits) as u32) & ((1 << exp_bits) - 1);
    let man = (bits as u32) & ((1 << man_bits) - 1);
    let frac = man as f64 / (1u32 << man_bits) as f64;
    if exp == 0 {
        sign * frac * 2f64.powi(1 - bias)
    } else {
        sign * (1.0 + frac) * 2f64.powi(exp as i32 - bias)
    }
}

/// Numeric value of one `Small` element.
pub fn small_to_f64(dtype: DataType, b: u8) -> f64 {
    use DataType::*;
    match dtype {
        Float8E4M3FN if b & 0x7f == 0x7f => f64::NAN,
        Float8E4M3FN => minifloat(b, 4, 3, 7),
        Float8E4M3FNUZ | Float8E5M2FNUZ if b == 0x80 => f64::NAN,
        Float8E4M3FNUZ => minifloat(b, 4, 3, 8),
        Float8E5M2FNUZ => minifloat(b, 5, 2, 16),
        Float8E5M2 => match (b >> 2) & 0x1f {
            0x1f if b & 3 == 0 => {
                if b & 0x80 != 0 {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            0x1f => f64::NAN,
            _ => minifloat(b, 5, 2, 15),
        },
        Float8E8M0 if b == 0xff => f64::NAN,
        Float8E8M0 => 2f64.powi(b as i32 - 127),
        Float4E2M1 => minifloat(b & 0x0f, 2, 1, 1),
        Float6E2M3 => minifloat(b & 0x3f, 2, 3, 1),
        Float6E3M2 => minifloat(b & 0x3f, 3, 2, 3),
        Int4 => (((b & 0x0f) as i8) << 4 >> 4) as f64,
        Int2 => (((b & 0x03) as i8) << 6 >> 6) as f64,
        _ => b as f64,
    }
}

impl TensorValues {
    pub fn len(&self) -> usize {
        match self {
            TensorValues::F32(v) => v.len(),
            TensorValues::F64(v) => v.len(),
            TensorValues::F16(v) => v.len(),
            TensorValues::BF16(v) => v.len(),
            TensorValues::I8(v) => v.len(),
            TensorValues::I16(v) => v.len(),
            TensorValues::I32(v) => v.len(),
            TensorValues::I64(v) => v.len(),
            TensorValues::U8(v) => v.len(),
            TensorValues::U16(v) => v.len(),
            TensorValues::U32(v) => v.len(),
            TensorValues::U64(v) => v.len(),
            TensorValues::Bool(v) => v.len(),
            TensorValues::Str(v) => v.len(),
            TensorValues::C64(v) => v.len(),
            TensorValues::C128(v) => v.len(),
            TensorValues::Small { bits, .. } => bits.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` as f64 (real part for complex; None for strings or out of range).
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        Some(match self {
            TensorValues::F32(v) => *v.get(i)? as f64,
            TensorValues::F64(v) => *v.get(i)?,
            TensorValues::F16(v) => v.get(i)?.to_f64(),
            TensorValues::BF16(v) => v.get(i)?.to_f64(),
            TensorValues::I8(v) => *v.get(i)? as f64,
            TensorValues::I16(v) => *v.get(i)? as f64,
            TensorValues::I32(v) => *v.get(i)? as f64,
            TensorValues::I64(v) => *v.get(i)? as f64,
            TensorValues::U8(v) => *v.get(i)? as f64,
            TensorValues::U16(v) => *v.get(i)? as f64,
            TensorValues::U32(v) => *v.get(i)? as f64,
            TensorValues::U64(v) => *v.get(i)? as f64,
            TensorValues::Bool(v) => *v.get(i)? as u8 as f64,
            TensorValues::Str(_) => return None,
            TensorValues::C64(v) => v.get(i)?[0] as f64,
            TensorValues::C128(v) => v.get(i)?[0],
            TensorValues::Small { dtype, bits } => small_to_f64(*dtype, *bits.get(i)?),
        })
    }

    /// Element `i` formatted for display.
    pub fn format(&self, i: usize) -> String {
        match self {
            TensorValues::Str(v) => v
                .get(i)
                .map(|s| format!("{:?}", String::from_utf8_lossy(s)))
                .unwrap_or_default(),
            TensorValues::C64(v) => v
                .get(i)
                .map(|c| format!("{}{:+}i", c[0], c[1]))
                .unwrap_or_default(),
            TensorValues::C128(v) => v
                .get(i)
                .map(|c| format!("{}{:+}i", c[0], c[1]))
                .unwrap_or_default(),
            TensorValues::Bool(v) => v.get(i).map(|b| b.to_string()).unwrap_or_default(),
            TensorValues::I64(v) => v.get(i).map(|b| b.to_string()).unwrap_or_default(),
            TensorValues::U64(v) => v.get(i).map(|b| b.to_string()).unwrap_or_default(),
            TensorValues::F32(v) => v.get(i).map(|b| b.to_string()).unwrap_or_default(),
            other => other.get_f64(i).map(|x| x.to_string()).unwrap_or_default(),
        }
    }

    /// The bytes numpy (with ml_dtypes for the non-native types) holds for these values:
    /// what `numpy_helper.to_array(t).tobytes()` returns on a little-endian machine.
    pub fn numpy_bytes(&self) -> Vec<u8> {
        fn cat<const N: usize, T: Copy>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
            v.iter().flat_map(|&x| f(x)).collect()
        }
        match self {
            TensorValues::F32(v) => cat(v, f32::to_le_bytes),
            TensorValues::F64(v) => cat(v, f64::to_le_bytes),
            TensorValues::F16(v) => cat(v, f16::to_le_bytes),
            TensorValues::BF16(v) => cat(v, bf16::to_le_bytes),
            TensorValues::I8(v) => cat(v, i8::to_le_bytes),
            TensorValues::I16(v) => cat(v, i16::to_le_bytes),
            TensorValues::I32(v) => cat(v, i32::to_le_bytes),
            TensorValues::I64(v) => cat(v, i64::to_le_bytes),
            TensorValues::U8(v) => v.clone(),
            TensorValues::U16(v) => cat(v, u16::to_le_bytes),
            TensorValues::U32(v) => cat(v, u32::to_le_bytes),
            TensorValues::U64(v) => cat(v, u64::to_le_bytes),
            TensorValues::Bool(v) => v.iter().map(|&b| b as u8).collect(),
            TensorValues::Str(v) => v.join(&0u8),
            TensorValues::C64(v) => cat(v, |c| {
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(&c[0].to_le_bytes());
                b[4..].copy_from_slice(&c[1].to_le_bytes());
                b
            }),
            TensorValues::C128(v) => cat(v, |c| {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&c[0].to_le_bytes());
                b[8..].copy_from_slice(&c[1].to_le_bytes());
                b
            }),
            TensorValues::Small { bits, .. } => bits.clone(),
        }
    }
}

impl Tensor {
    pub fn element_count(&self) -> usize {
        self.values.len()
    }

    /// Min/max/mean/std (over finite values), NaN/Inf counts and the fraction of zeros.
    /// Strings have no numeric stats: None.
    pub fn stats(&self) -> Option<TensorStats> {
        if matches!(self.values, TensorValues::Str(_)) {
            return None;
        }
        let n = self.values.len();
        let mut s = TensorStats {
            count: n as u64,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Default::default()
        };
        // Welford's running mean/variance: one pass, stable for large tensors.
        let (mut finite, mut mean, mut m2, mut zeros) = (0u64, 0.0f64, 0.0f64, 0u64);
        for i in 0..n {
            let x = self.values.get_f64(i).unwrap_or(f64::NAN);
            if x.is_nan() {
                s.nan_count += 1;
                continue;
            }
            if x.is_infinite() {
                s.inf_count += 1;
                continue;
            }
            if x == 0.0 {
                zeros += 1;
            }
            finite += 1;
            let delta = x - mean;
            mean += delta / finite as f64;
            m2 += delta * (x - mean);
            s.min = s.min.min(x);
            s.max = s.max.max(x);
        }
        if finite == 0 {
            s.min = f64::NAN;
            s.max = f64::NAN;
            s.mean = f64::NAN;
            s.std = f64::NAN;
        } else {
            s.mean = mean;
            s.std = (m2 / finite as f64).sqrt();
        }
        s.zero_fraction = if n == 0 { 0.0 } else { zeros as f64 / n as f64 };
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(dtype: DataType, dims: &[i64]) -> TensorProto {
        let mut t = TensorProto::new();
        t.data_type = dtype.code();
        t.dims = dims.to_vec();
        t
    }

    #[test]
    fn raw_length_mismatch_is_an_error() {
        let mut t = proto(DataType::Float, &[2, 2]);
        t.raw_data = vec![0; 12];
        assert!(matches!(
            decode(&t, None),
            Err(TensorError::RawLength {
                expected: 16,
                actual: 12,
                ..
            })
        ));
    }

    #[test]
    fn typed_int8_and_uint8_from_int32_data() {
        let mut t = proto(DataType::Int8, &[3]);
        t.int32_data = vec![-1, 127, -128];
        assert_eq!(
            decode(&t, None).unwrap().values,
            TensorValues::I8(vec![-1, 127, -128])
        );
        let mut t = proto(DataType::Uint8, &[2]);
        t.int32_data = vec![255, 7];
        assert_eq!(
            decode(&t, None).unwrap().values,
            TensorValues::U8(vec![255, 7])
        );
    }

    #[test]
    fn int4_unpacks_low_nibble_first_and_sign_extends() {
        let mut t = proto(DataType::Int4, &[3]);
        t.raw_data = vec![0x7f, 0x08];
        let d = decode(&t, None).unwrap();
        assert_eq!(
            d.values,
            TensorValues::Small {
                dtype: DataType::Int4,
                bits: vec![0x0f, 0x07, 0x08]
            }
        );
        assert_eq!(d.values.get_f64(0), Some(-1.0));
        assert_eq!(d.values.get_f64(2), Some(-8.0));
    }

    #[test]
    fn minifloats_decode_known_values() {
        assert_eq!(small_to_f64(DataType::Float8E4M3FN, 0x38), 1.0);
        assert_eq!(small_to_f64(DataType::Float8E4M3FN, 0x7e), 448.0);
        assert!(small_to_f64(DataType::Float8E4M3FN, 0x7f).is_nan());
        assert_eq!(small_to_f64(DataType::Float8E5M2, 0x3c), 1.0);
        assert_eq!(small_to_f64(DataType::Float8E5M2, 0x7c), f64::INFINITY);
        assert_eq!(small_to_f64(DataType::Float4E2M1, 0x7), 6.0);
        assert_eq!(small_to_f64(DataType::Float4E2M1, 0xf), -6.0);
        assert_eq!(small_to_f64(DataType::Float8E8M0, 127), 1.0);
    }

    #[test]
    fn stats_count_nan_inf_and_zeros() {
        let t = Tensor {
            name: "x".into(),
            dtype: DataType::Float,
            dims: vec![5],
            values: TensorValues::F32(vec![0.0, 2.0, f32::NAN, f32::INFINITY, 4.0]),
        };
        let s = t.stats().unwrap();
        assert_eq!((s.nan_count, s.inf_count), (1, 1));
        assert_eq!((s.min, s.max, s.mean), (0.0, 4.0, 2.0));
        assert!((s.std - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.zero_fraction - 0.2).abs() < 1e-12);
    }

    #[test]
    fn negative_and_overflowing_dims_are_rejected_before_allocation() {
        assert!(matches!(
            element_count(&[2, -1]),
            Err(TensorError::NegativeDim { index: 1, .. })
        ));
        assert!(matches!(
            element_count(&[i64::MAX, 4]),
            Err(TensorError::CountOverflow(_))
        ));
    }
}

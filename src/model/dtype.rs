//! ONNX element types (`TensorProto.DataType`), by their wire numbers.

use serde::Serialize;

/// Every element type ONNX defines (onnx 1.23). Unknown numbers are kept as `Unknown(n)`
/// so a checker can report them instead of the loader failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    Undefined,
    Float,
    Uint8,
    Int8,
    Uint16,
    Int16,
    Int32,
    Int64,
    String,
    Bool,
    Float16,
    Double,
    Uint32,
    Uint64,
    Complex64,
    Complex128,
    Bfloat16,
    Float8E4M3FN,
    Float8E4M3FNUZ,
    Float8E5M2,
    Float8E5M2FNUZ,
    Uint4,
    Int4,
    Float4E2M1,
    Float8E8M0,
    Uint2,
    Int2,
    Float6E2M3,
    Float6E3M2,
    Unknown(i32),
}

/// How an element is laid out in `raw_data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// `n` whole bytes per element.
    Bytes(usize),
    /// `bits` per element, packed from the least significant bit (4, 2 or 6).
    Bits(u32),
    /// Strings never live in `raw_data`.
    Strings,
    /// Undefined or unknown type: no layout.
    None,
}

const ALL: [DataType; 29] = [
    DataType::Undefined,
    DataType::Float,
    DataType::Uint8,
    DataType::Int8,
    DataType::Uint16,
    DataType::Int16,
    DataType::Int32,
    DataType::Int64,
    DataType::String,
    DataType::Bool,
    DataType::Float16,
    DataType::Double,
    DataType::Uint32,
    DataType::Uint64,
    DataType::Complex64,
    DataType::Complex128,
    DataType::Bfloat16,
    DataType::Float8E4M3FN,
    DataType::Float8E4M3FNUZ,
    DataType::Float8E5M2,
    DataType::Float8E5M2FNUZ,
    DataType::Uint4,
    DataType::Int4,
    DataType::Float4E2M1,
    DataType::Float8E8M0,
    DataType::Uint2,
    DataType::Int2,
    DataType::Float6E2M3,
    DataType::Float6E3M2,
];

impl DataType {
    pub fn from_i32(code: i32) -> DataType {
        usize::try_from(code)
            .ok()
            .and_then(|i| ALL.get(i).copied())
            .unwrap_or(DataType::Unknown(code))
    }

    pub fn code(self) -> i32 {
        match self {
            DataType::Unknown(n) => n,
            known => ALL.iter().position(|d| *d == known).unwrap_or(0) as i32,
        }
    }

    /// All defined element types (without `Undefined`).
    pub fn all_defined() -> impl Iterator<Item = DataType> {
        ALL[1..].iter().copied()
    }

    /// The name used in ONNX schemas' type strings (`tensor(float)`), which is also what
    /// users see in Netron and in onnx's error messages.
    pub fn name(self) -> String {
        let s = match self {
            DataType::Undefined => "undefined",
            DataType::Float => "float",
            DataType::Uint8 => "uint8",
            DataType::Int8 => "int8",
            DataType::Uint16 => "uint16",
            DataType::Int16 => "int16",
            DataType::Int32 => "int32",
            DataType::Int64 => "int64",
            DataType::String => "string",
            DataType::Bool => "bool",
            DataType::Float16 => "float16",
            DataType::Double => "double",
            DataType::Uint32 => "uint32",
            DataType::Uint64 => "uint64",
            DataType::Complex64 => "complex64",
            DataType::Complex128 => "complex128",
            DataType::Bfloat16 => "bfloat16",
            DataType::Float8E4M3FN => "float8e4m3fn",
            DataType::Float8E4M3FNUZ => "float8e4m3fnuz",
            DataType::Float8E5M2 => "float8e5m2",
            DataType::Float8E5M2FNUZ => "float8e5m2fnuz",
            DataType::Uint4 => "uint4",
            DataType::Int4 => "int4",
            DataType::Float4E2M1 => "float4e2m1",
            DataType::Float8E8M0 => "float8e8m0",
            DataType::Uint2 => "uint2",
            DataType::Int2 => "int2",
            DataType::Float6E2M3 => "float6e2m3",
            DataType::Float6E3M2 => "float6e3m2",
            DataType::Unknown(n) => return format!("unknown({n})"),
        };
        s.to_string()
    }

    pub fn from_name(name: &str) -> Option<DataType> {
        ALL.iter().copied().find(|d| d.name() == name)
    }

    pub fn packing(self) -> Packing {
        use DataType::*;
        match self {
            Float | Int32 | Uint32 => Packing::Bytes(4),
            Double | Int64 | Uint64 | Complex64 => Packing::Bytes(8),
            Complex128 => Packing::Bytes(16),
            Uint16 | Int16 | Float16 | Bfloat16 => Packing::Bytes(2),
            Uint8 | Int8 | Bool | Float8E4M3FN | Float8E4M3FNUZ | Float8E5M2 | Float8E5M2FNUZ
            | Float8E8M0 => Packing::Bytes(1),
            Uint4 | Int4 | Float4E2M1 => Packing::Bits(4),
            Uint2 | Int2 => Packing::Bits(2),
            Float6E2M3 | Float6E3M2 => Packing::Bits(6),
            String => Packing::Strings,
            Undefined | Unknown(_) => Packing::None,
        }
    }

    /// Bytes `count` elements take in `raw_data`, or None on overflow / no layout.
    pub fn raw_len(self, count: u64) -> Option<u64> {
        match self.packing() {
            Packing::Bytes(n) => count.checked_mul(n as u64),
            Packing::Bits(b) => count.checked_mul(b as u64).map(|bits| bits.div_ceil(8)),
            Packing::Strings | Packing::None => None,
        }
    }

    /// Approximate size of one element in memory, for parameter-byte totals.
    pub fn size_bits(self) -> u64 {
        match self.packing() {
            Packing::Bytes(n) => n as u64 * 8,
            Packing::Bits(b) => b as u64,
            Packing::Strings | Packing::None => 0,
        }
    }

    pub fn is_defined(self) -> bool {
        !matches!(self, DataType::Undefined | DataType::Unknown(_))
    }

    pub fn is_float(self) -> bool {
        use DataType::*;
        matches!(
            self,
            Float
                | Double
                | Float16
                | Bfloat16
                | Float8E4M3FN
                | Float8E4M3FNUZ
                | Float8E5M2
                | Float8E5M2FNUZ
                | Float8E8M0
                | Float4E2M1
                | Float6E2M3
                | Float6E3M2
        )
    }
}

impl std::fmt::Display for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for DataType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_onnx_numbering() {
        for (i, d) in ALL.iter().enumerate() {
            assert_eq!(DataType::from_i32(i as i32), *d);
            assert_eq!(d.code(), i as i32);
            assert_eq!(DataType::from_name(&d.name()), Some(*d));
        }
        assert_eq!(DataType::from_i32(1), DataType::Float);
        assert_eq!(DataType::from_i32(16), DataType::Bfloat16);
        assert_eq!(DataType::from_i32(99), DataType::Unknown(99));
    }

    #[test]
    fn raw_lengths_pack_sub_byte_types() {
        assert_eq!(DataType::Float.raw_len(3), Some(12));
        assert_eq!(DataType::Int4.raw_len(3), Some(2));
        assert_eq!(DataType::Uint2.raw_len(5), Some(2));
        assert_eq!(DataType::Float6E2M3.raw_len(4), Some(3));
        assert_eq!(DataType::Float6E2M3.raw_len(5), Some(4));
        assert_eq!(DataType::Double.raw_len(u64::MAX), None);
        assert_eq!(DataType::String.raw_len(1), None);
    }
}

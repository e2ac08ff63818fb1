//! Saving run outputs as `.npy` or ONNX TensorProto `.pb` (what test_data_set folders hold).

use std::path::{Path, PathBuf};

use onnx_protobuf::{Message, TensorProto};

use crate::model::{npy, Tensor, TensorValues};

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Npy(#[from] npy::NpyError),
    #[error("cannot encode a TensorProto: {0}")]
    Proto(#[from] protobuf::Error),
}

/// An output name as a file name: path separators and other odd characters become `_`.
pub fn file_stem(name: &str, index: usize) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        format!("output_{index}")
    } else {
        s
    }
}

pub fn to_tensor_proto(t: &Tensor) -> TensorProto {
    let mut p = TensorProto::new();
    p.name = t.name.clone();
    p.data_type = t.dtype.code();
    p.dims = t.dims.iter().map(|&d| d as i64).collect();
    match &t.values {
        TensorValues::Str(v) => p.string_data = v.clone(),
        other => p.raw_data = other.numpy_bytes(),
    }
    p
}

pub fn to_pb_bytes(t: &Tensor) -> Result<Vec<u8>, SaveError> {
    Ok(to_tensor_proto(t).write_to_bytes()?)
}

/// Writes each output as `DIR/<sanitised name>.<ext>` (`npy` or `pb`); returns the paths.
pub fn write_outputs(dir: &Path, outputs: &[Tensor], ext: &str) -> Result<Vec<PathBuf>, SaveError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SaveError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    let mut used = std::collections::HashSet::new();
    for (i, t) in outputs.iter().enumerate() {
        let bytes = if ext == "pb" {
            to_pb_bytes(t)?
        } else {
            npy::to_npy(t)?
        };
        // Two names can sanitise alike (`/a/b`, `_a_b`): the later one gets a suffix.
        let mut stem = file_stem(&t.name, i);
        if !used.insert(stem.clone()) {
            stem = format!("{stem}_{i}");
            used.insert(stem.clone());
        }
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, bytes).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{tensor::decode, DataType};

    #[test]
    fn names_become_safe_file_names() {
        assert_eq!(file_stem("/fc2/Gemm:0", 0), "_fc2_Gemm_0");
        assert_eq!(file_stem("..", 3), "output_3");
    }

    #[test]
    fn tensor_proto_round_trips() {
        let t = Tensor {
            name: "y".into(),
            dtype: DataType::Float16,
            dims: vec![2],
            values: TensorValues::F16(vec![half::f16::from_f32(1.5), half::f16::from_f32(-2.0)]),
        };
        assert_eq!(decode(&to_tensor_proto(&t), None).unwrap(), t);
    }
}

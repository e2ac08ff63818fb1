//! Bytes → ModelProto → Model. Files are memory-mapped and parsed in place; external weights
//! are left on disk until a tensor is asked for.

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use onnx_protobuf::{Message, ModelProto};
use thiserror::Error;

use super::external::{ExternalError, ExternalRef, ExternalStore};
use super::index::ModelIndex;
use super::tensor::uses_external_data;
use super::Model;

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {message}")]
    Io { path: String, message: String },
    #[error("{path}: not an ONNX model: {reason}")]
    NotOnnx { path: String, reason: String },
    #[error("{path}: tensor `{tensor}`: {error}")]
    External {
        path: String,
        tensor: String,
        error: ExternalError,
    },
    #[error("{path}: loading was cancelled")]
    Cancelled { path: String },
}

/// Where a model came from (drag-and-drop gives a path, or only bytes from a browser-like source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: Option<PathBuf>,
    pub name: String,
    pub file_size: u64,
}

pub fn load_path(path: &Path) -> Result<Model, LoadError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| LoadError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::Io {
            path: shown,
            message: "is a directory".into(),
        });
    }
    let file = File::open(path).map_err(io)?;
    let proto = if meta.len() == 0 {
        parse(&[], &shown)?
    } else {
        // SAFETY: read-only map, dropped before this function returns; the parsed model owns
        // copies of everything it needs, so the map's pages leave our resident set afterwards.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        parse(&map, &shown)?
    };
    let base_dir = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .map(Path::to_path_buf);
    Ok(Model::new(
        proto,
        Origin {
            path: Some(path.to_path_buf()),
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone()),
            file_size: meta.len(),
        },
        ExternalStore::new(base_dir),
    ))
}

/// Loads a model held in memory. External data, if any, is resolved against `base_dir`.
pub fn load_bytes(name: &str, bytes: &[u8], base_dir: Option<PathBuf>) -> Result<Model, LoadError> {
    let proto = parse(bytes, name)?;
    Ok(Model::new(
        proto,
        Origin {
            path: None,
            name: name.to_string(),
            file_size: bytes.len() as u64,
        },
        ExternalStore::new(base_dir),
    ))
}

fn parse(bytes: &[u8], shown: &str) -> Result<ModelProto, LoadError> {
    let not_onnx = |reason: String| LoadError::NotOnnx {
        path: shown.to_string(),
        reason,
    };
    if bytes.is_empty() {
        return Err(not_onnx("the file is empty".into()));
    }
    super::wire::check_top_level(bytes).map_err(|e| not_onnx(format!("corrupt protobuf: {e}")))?;
    let proto = ModelProto::parse_from_bytes(bytes).map_err(|e| {
        not_onnx(format!(
            "protobuf parse failed ({e}); the file is truncated, corrupt or not ONNX"
        ))
    })?;
    // Any byte string that happens to be valid protobuf parses; a model has at least one of these.
    if proto.graph.is_none()
        && proto.ir_version == 0
        && proto.opset_import.is_empty()
        && proto.functions.is_empty()
    {
        return Err(not_onnx(
            "it has no graph, IR version or opset import".into(),
        ));
    }
    Ok(proto)
}

impl Model {
    fn new(proto: ModelProto, origin: Origin, external: ExternalStore) -> Model {
        let index = ModelIndex::build(&proto);
        Model {
            proto,
            origin,
            external,
            index,
        }
    }

    /// Confirms every externally stored tensor can be located and lies within its file,
    /// without reading its bytes. The first problem is returned as a load error.
    pub fn verify_external_data(&self) -> Result<(), LoadError> {
        for (_, t) in self.all_initializers() {
            if !uses_external_data(t) {
                continue;
            }
            let err = |error| LoadError::External {
                path: self
                    .origin
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| self.origin.name.clone()),
                tensor: t.name.clone(),
                error,
            };
            let r = ExternalRef::parse(t).map_err(err)?;
            self.external.probe(&r).map_err(err)?;
        }
        Ok(())
    }
}

//! Bytes → ModelProto → Model. A file's framing is checked through a memory map; a big file is
//! parsed without the payloads of its main-graph weights (they stay in the file, read when a
//! tensor is asked for), any other from a buffered reader. External weights, too, stay on disk
//! until asked for.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use onnx_protobuf::{Message, ModelProto};
use protobuf::CodedInputStream;
use thiserror::Error;

use super::external::{ExternalError, ExternalRef, ExternalStore};
use super::index::ModelIndex;
use super::tensor::uses_external_data;
use super::{DeferredData, Model};

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
        #[source]
        error: ExternalError,
    },
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
    let (proto, deferred) = if meta.len() == 0 {
        (parse(&[], &shown)?, DeferredData::default())
    } else {
        // SAFETY: read-only map, dropped right after the framing check, which reads only the
        // top-level field headers.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        check_framing(&map, &shown)?;
        drop(map);
        let stripped = (meta.len() >= DEFER_MIN_FILE)
            .then(|| super::wire::strip_initializer_data(&file, meta.len(), DEFER_MIN_TENSOR))
            .flatten();
        match stripped {
            Some(s) => {
                let proto = ModelProto::parse_from_bytes(&s.bytes)
                    .map_err(|e| protobuf_error(e, &shown))
                    .and_then(|p| plausible(p, &shown))?;
                let initializers = proto.graph.as_ref().map_or(0, |g| g.initializer.len());
                if initializers == s.raw.len() {
                    (proto, DeferredData::new(file, s.raw))
                } else {
                    // Framing and parse disagree on the initializers: trust the full parse.
                    (read_whole(&file, &shown)?, DeferredData::default())
                }
            }
            None => (read_whole(&file, &shown)?, DeferredData::default()),
        }
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
        deferred,
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
        DeferredData::default(),
        Origin {
            path: None,
            name: name.to_string(),
            file_size: bytes.len() as u64,
        },
        ExternalStore::new(base_dir),
    ))
}

/// Files from this size on leave their big initializer payloads on disk until asked for.
const DEFER_MIN_FILE: u64 = 4 << 20;
/// Payloads from this size on are deferred; smaller ones are cheaper to keep than to seek.
const DEFER_MIN_TENSOR: u64 = 4096;

/// Parses a whole file from a buffered reader. Parsing from a map would fault every page of the
/// file into our resident set while protobuf copies each `raw_data` out of it (peak RSS twice
/// the file); a reader streams through the page cache instead.
fn read_whole(mut file: &File, shown: &str) -> Result<ModelProto, LoadError> {
    // From the start: a stripping pass that gave up left the cursor wherever it stopped.
    file.seek(SeekFrom::Start(0)).map_err(|e| LoadError::Io {
        path: shown.to_string(),
        message: e.to_string(),
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut input = CodedInputStream::from_buf_read(&mut reader);
    let proto = ModelProto::parse_from(&mut input)
        .and_then(|m| input.check_eof().map(|()| m))
        .map_err(|e| protobuf_error(e, shown))?;
    plausible(proto, shown)
}

fn not_onnx(shown: &str, reason: String) -> LoadError {
    LoadError::NotOnnx {
        path: shown.to_string(),
        reason,
    }
}

fn parse(bytes: &[u8], shown: &str) -> Result<ModelProto, LoadError> {
    check_framing(bytes, shown)?;
    let proto = ModelProto::parse_from_bytes(bytes).map_err(|e| protobuf_error(e, shown))?;
    plausible(proto, shown)
}

/// An empty or truncated file is refused before the real parse (see wire.rs).
fn check_framing(bytes: &[u8], shown: &str) -> Result<(), LoadError> {
    if bytes.is_empty() {
        return Err(not_onnx(shown, "the file is empty".into()));
    }
    super::wire::check_top_level(bytes)
        .map_err(|e| not_onnx(shown, format!("corrupt protobuf: {e}")))
}

fn protobuf_error(e: protobuf::Error, shown: &str) -> LoadError {
    not_onnx(
        shown,
        format!("protobuf parse failed ({e}); the file is truncated, corrupt or not ONNX"),
    )
}

/// Any byte string that happens to be valid protobuf parses; a model has at least one of these.
fn plausible(proto: ModelProto, shown: &str) -> Result<ModelProto, LoadError> {
    if proto.graph.is_none()
        && proto.ir_version == 0
        && proto.opset_import.is_empty()
        && proto.functions.is_empty()
    {
        return Err(not_onnx(
            shown,
            "it has no graph, IR version or opset import".into(),
        ));
    }
    Ok(proto)
}

impl Model {
    fn new(
        proto: ModelProto,
        deferred: DeferredData,
        origin: Origin,
        external: ExternalStore,
    ) -> Model {
        let index = ModelIndex::build(&proto);
        Model {
            proto,
            origin,
            external,
            index,
            deferred,
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

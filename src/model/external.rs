//! External data: tensors whose bytes live in files beside the model
//! (`data_location = EXTERNAL`, entries `location`, `offset`, `length`).
//!
//! Files are memory-mapped on first use, so opening a model never reads its weights, and a
//! location can only resolve inside the model's folder (no absolute paths, no `..`, no symlink
//! that leads out): a model downloaded from anywhere must not read `/etc/passwd`.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use memmap2::Mmap;
use onnx_protobuf::TensorProto;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ExternalError {
    #[error("external data has no `location`")]
    MissingLocation,
    #[error("external data location is empty")]
    EmptyLocation,
    #[error("external data location `{0}` is an absolute path")]
    AbsolutePath(String),
    #[error("external data location `{0}` leaves the model's folder")]
    OutsideModelDir(String),
    #[error("external data `{key}` is not a non-negative integer: `{value}`")]
    BadNumber { key: String, value: String },
    #[error("unknown external data key `{0}`")]
    UnknownKey(String),
    #[error("external data file `{0}` cannot be opened: {1}")]
    Inaccessible(String, String),
    #[error("external data location `{0}` is not a regular file")]
    NotAFile(String),
    #[error("external data of `{location}` (offset {offset}, length {length}) runs past the end of the file ({file_len} bytes)")]
    OutOfRange {
        location: String,
        offset: u64,
        length: u64,
        file_len: u64,
    },
    #[error("model was opened from memory: external file `{0}` has no folder to be found in")]
    NoBaseDir(String),
}

/// The parsed external_data entries of one tensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub location: String,
    pub offset: u64,
    pub length: Option<u64>,
    pub checksum: Option<String>,
}

impl ExternalRef {
    pub fn parse(t: &TensorProto) -> Result<ExternalRef, ExternalError> {
        let mut location = None;
        let mut offset = 0;
        let mut length = None;
        let mut checksum = None;
        let number = |key: &str, value: &str| {
            value.parse::<u64>().map_err(|_| ExternalError::BadNumber {
                key: key.to_string(),
                value: value.to_string(),
            })
        };
        for e in &t.external_data {
            match e.key.as_str() {
                "location" => location = Some(e.value.clone()),
                "offset" => offset = number("offset", &e.value)?,
                "length" => length = Some(number("length", &e.value)?),
                "checksum" => checksum = Some(e.value.clone()),
                // `basepath` is written by some exporters and ignored by onnx: do the same.
                "basepath" => {}
                other => return Err(ExternalError::UnknownKey(other.to_string())),
            }
        }
        let location = location.ok_or(ExternalError::MissingLocation)?;
        check_location_syntax(&location)?;
        Ok(ExternalRef {
            location,
            offset,
            length,
            checksum,
        })
    }
}

/// Rejects locations that could escape the model folder before touching the file system.
pub fn check_location_syntax(location: &str) -> Result<(), ExternalError> {
    if location.is_empty() {
        return Err(ExternalError::EmptyLocation);
    }
    let p = Path::new(location);
    // A Windows drive or UNC path is absolute for the file's author even on Linux.
    let windows_absolute = location.starts_with('\\') || location.get(1..2) == Some(":");
    if p.is_absolute() || p.has_root() || windows_absolute {
        return Err(ExternalError::AbsolutePath(location.to_string()));
    }
    let escapes = p.components().any(|c| matches!(c, Component::ParentDir))
        || location.split(['/', '\\']).any(|part| part == "..");
    if escapes {
        return Err(ExternalError::OutsideModelDir(location.to_string()));
    }
    Ok(())
}

/// Resolves `location` under `base_dir`, following symlinks, and insists the result stays inside.
pub fn resolve_location(base_dir: &Path, location: &str) -> Result<PathBuf, ExternalError> {
    check_location_syntax(location)?;
    let joined = base_dir.join(location);
    let real = joined
        .canonicalize()
        .map_err(|e| ExternalError::Inaccessible(location.to_string(), e.to_string()))?;
    let base = base_dir
        .canonicalize()
        .map_err(|e| ExternalError::Inaccessible(base_dir.display().to_string(), e.to_string()))?;
    if !real.starts_with(&base) {
        return Err(ExternalError::OutsideModelDir(location.to_string()));
    }
    if !real.is_file() {
        return Err(ExternalError::NotAFile(location.to_string()));
    }
    Ok(real)
}

/// Bytes of one external tensor: a range of a shared memory map.
#[derive(Clone)]
pub struct ExternalBytes {
    map: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl std::ops::Deref for ExternalBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map[self.start..self.end]
    }
}

/// Lazily opened external data files of one model, keyed by location.
#[derive(Default)]
pub struct ExternalStore {
    base_dir: Option<PathBuf>,
    maps: Mutex<HashMap<String, Arc<Mmap>>>,
}

impl ExternalStore {
    pub fn new(base_dir: Option<PathBuf>) -> ExternalStore {
        ExternalStore {
            base_dir,
            maps: Mutex::default(),
        }
    }

    pub fn base_dir(&self) -> Option<&Path> {
        self.base_dir.as_deref()
    }

    fn map(&self, location: &str) -> Result<Arc<Mmap>, ExternalError> {
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = maps.get(location) {
            return Ok(m.clone());
        }
        let base = self
            .base_dir
            .as_deref()
            .ok_or_else(|| ExternalError::NoBaseDir(location.to_string()))?;
        let path = resolve_location(base, location)?;
        let inaccessible =
            |e: std::io::Error| ExternalError::Inaccessible(location.to_string(), e.to_string());
        let file = File::open(&path).map_err(inaccessible)?;
        // SAFETY: the map is read-only; a file truncated underneath us by another process
        // would fault, which is the accepted trade-off of every mmap-based loader (onnxruntime too).
        let map = Arc::new(unsafe { Mmap::map(&file) }.map_err(inaccessible)?);
        maps.insert(location.to_string(), map.clone());
        Ok(map)
    }

    /// The bytes `r` points to, range-checked against the file's size.
    pub fn bytes(&self, r: &ExternalRef) -> Result<ExternalBytes, ExternalError> {
        let map = self.map(&r.location)?;
        let file_len = map.len() as u64;
        let length = r.length.unwrap_or(file_len.saturating_sub(r.offset));
        let end = r.offset.checked_add(length).filter(|&end| end <= file_len);
        let Some(end) = end else {
            return Err(ExternalError::OutOfRange {
                location: r.location.clone(),
                offset: r.offset,
                length,
                file_len,
            });
        };
        Ok(ExternalBytes {
            map,
            start: r.offset as usize,
            end: end as usize,
        })
    }

    /// Checks that `r` can be read, without reading it: for the validator.
    pub fn probe(&self, r: &ExternalRef) -> Result<(), ExternalError> {
        self.bytes(r).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_that_escape_are_rejected_by_syntax() {
        assert_eq!(check_location_syntax(""), Err(ExternalError::EmptyLocation));
        assert!(matches!(
            check_location_syntax("/etc/passwd"),
            Err(ExternalError::AbsolutePath(_))
        ));
        assert!(matches!(
            check_location_syntax("C:\\w.bin"),
            Err(ExternalError::AbsolutePath(_))
        ));
        assert!(matches!(
            check_location_syntax("../x.bin"),
            Err(ExternalError::OutsideModelDir(_))
        ));
        assert!(matches!(
            check_location_syntax("a/../../x"),
            Err(ExternalError::OutsideModelDir(_))
        ));
        assert!(matches!(
            check_location_syntax("a\\..\\x"),
            Err(ExternalError::OutsideModelDir(_))
        ));
        assert!(check_location_syntax("weights/model.data").is_ok());
    }
}

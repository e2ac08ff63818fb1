//! Where a run's inputs come from: generated (random, zeros, ones), `.npy` or TensorProto `.pb`
//! files, or a `test_data_set_N/` folder; and the concrete value of every symbolic dim.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use onnx_protobuf::Message;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::model::npy::NpyError;
use crate::model::tensor::TensorError;
use crate::model::types::Dim;
use crate::model::{tensor, DataType, Model, Tensor, TensorValues};
use crate::tract::InputSymbol;

use super::image::{is_image_path, ImageError, Preprocess};

/// How to fill one graph input.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    /// Uniform in [0, 1) (or standard normal) for floats, 0..10 for integers, seeded.
    Random {
        seed: u64,
        normal: bool,
    },
    Zeros,
    Ones,
    /// A `.npy` or TensorProto `.pb` file.
    File(PathBuf),
    /// A tensor already in memory (test data sets, the GUI).
    Given(Tensor),
    /// Integers uniform in `low..high`, seeded: token ids within an embedding table's rows.
    Range {
        low: i64,
        high: i64,
        seed: u64,
    },
    /// 0, 1, … along the last axis (`position_ids`).
    Positions,
    /// Photos, one per batch row, preprocessed (`None`: as guessed from the input and model).
    Images {
        paths: Vec<PathBuf>,
        preprocess: Option<Preprocess>,
    },
    /// Text for a string input, one line per row (the leading dim).
    Text(Vec<String>),
}

impl Default for InputSource {
    fn default() -> Self {
        InputSource::Random {
            seed: 0,
            normal: false,
        }
    }
}

impl InputSource {
    /// `random`, `random:normal`, `random:SEED`, `zeros`, `ones`, `text:LINES`, or a path.
    pub fn parse(text: &str) -> InputSource {
        match text {
            "random" | "uniform" => InputSource::default(),
            "normal" | "random:normal" => InputSource::Random {
                seed: 0,
                normal: true,
            },
            "zeros" => InputSource::Zeros,
            "ones" => InputSource::Ones,
            _ if text.starts_with("text:") => {
                InputSource::Text(text["text:".len()..].lines().map(str::to_string).collect())
            }
            _ => match text.strip_prefix("random:").and_then(|s| s.parse().ok()) {
                Some(seed) => InputSource::Random {
                    seed,
                    normal: false,
                },
                None => {
                    let paths: Vec<PathBuf> = text.split(',').map(PathBuf::from).collect();
                    if paths.iter().all(|p| is_image_path(p)) {
                        InputSource::Images {
                            paths,
                            preprocess: None,
                        }
                    } else {
                        InputSource::File(PathBuf::from(text))
                    }
                }
            },
        }
    }

    pub fn describe(&self) -> String {
        match self {
            InputSource::Random { seed, normal } => {
                format!(
                    "random {} (seed {seed})",
                    if *normal { "normal" } else { "uniform" }
                )
            }
            InputSource::Zeros => "zeros".into(),
            InputSource::Ones => "ones".into(),
            InputSource::File(p) => p.display().to_string(),
            InputSource::Given(t) => format!("given tensor {}", t.name),
            InputSource::Range { low, high, seed } => {
                format!("random integers {low}..{high} (seed {seed})")
            }
            InputSource::Positions => "positions 0, 1, … along the last axis".into(),
            InputSource::Text(lines) => format!("text ({} lines)", lines.len()),
            InputSource::Images { paths, preprocess } => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                match preprocess {
                    Some(p) => format!("{} ({p})", names.join(", ")),
                    None => names.join(", "),
                }
            }
        }
    }
}

/// A graph input the caller must feed (initializers excluded).
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub name: String,
    pub dtype: Option<DataType>,
    pub dims: Option<Vec<Dim>>,
}

pub fn input_specs(model: &Model) -> Vec<InputSpec> {
    model
        .fed_inputs()
        .into_iter()
        .map(|(name, t)| InputSpec {
            name: name.to_string(),
            dtype: t.and_then(|t| t.elem()),
            dims: t.and_then(|t| t.shape().map(|d| d.to_vec())),
        })
        .collect()
}

/// Why inputs for a run cannot be had: a file, a choice, or a shape that does not fit.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InputError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("{}: {source}", path.display())]
    Npy {
        path: PathBuf,
        #[source]
        source: NpyError,
    },
    #[error("{}: neither .npy nor a TensorProto: {message}", path.display())]
    NotATensor { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Tensor {
        path: PathBuf,
        #[source]
        source: TensorError,
    },
    #[error("{}: no input_N.pb or output_N.pb files", dir.display())]
    EmptyTestSet { dir: PathBuf },
    #[error("the model has no input '{name}' (it has: {})", available.join(", "))]
    NoSuchInput {
        name: String,
        available: Vec<String>,
    },
    #[error("--dim {name}: the model has no such input dim (it has: {})", available.join(", "))]
    NoSuchDim {
        name: String,
        available: Vec<String>,
    },
    #[error("dim '{dim}' is {first} in one given input and {second} in '{input}'")]
    DimConflict {
        dim: String,
        first: i64,
        second: u64,
        input: String,
    },
    #[error("dim '{dim}' = {value}: dims cannot be negative")]
    NegativeDim { dim: String, value: i64 },
    #[error("input '{0}' has no declared shape; give it a file")]
    NoShape(String),
    #[error("input '{input}' dim {dim} has no value")]
    NoDimValue { input: String, dim: usize },
    #[error("input '{0}' has no element type")]
    NoElementType(String),
    #[error("input '{input}': shape {dims:?} is too large to generate")]
    TooLarge { input: String, dims: Vec<u64> },
    #[error("input '{input}': {what} is not a generated source")]
    NotGenerated { input: String, what: String },
    #[error("input '{input}' is {dtype}: text goes to string inputs")]
    TextForNonString { input: String, dtype: DataType },
    #[error("input '{input}': cannot generate {dtype} values")]
    CannotGenerate { input: String, dtype: DataType },
    #[error("input '{input}' is {declared}, the given tensor is {given}")]
    WrongType {
        input: String,
        declared: DataType,
        given: DataType,
    },
    #[error("input '{input}' is declared {declared}, the given tensor has shape {given:?}")]
    WrongShape {
        input: String,
        declared: String,
        given: Vec<u64>,
    },
    #[error(transparent)]
    Convert(#[from] crate::tract::ConvertError),
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// Reads a `.npy` or a TensorProto `.pb` file.
pub fn load_tensor_file(path: &Path) -> Result<Tensor, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::Read {
        path: path.to_path_buf(),
        source: Arc::new(e),
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if bytes.starts_with(b"\x93NUMPY") {
        return crate::model::npy::from_npy(&name, &bytes).map_err(|source| InputError::Npy {
            path: path.to_path_buf(),
            source,
        });
    }
    let proto = onnx_protobuf::TensorProto::parse_from_bytes(&bytes).map_err(|e| {
        InputError::NotATensor {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    let mut t = tensor::decode(&proto, None).map_err(|source| InputError::Tensor {
        path: path.to_path_buf(),
        source,
    })?;
    if t.name.is_empty() {
        t.name = name;
    }
    Ok(t)
}

/// The inputs and expected outputs of an onnx backend-test `test_data_set_N/` folder.
#[derive(Debug, Clone)]
pub struct TestDataSet {
    pub dir: PathBuf,
    pub inputs: Vec<Tensor>,
    pub expected: Vec<Tensor>,
}

/// `prefix_N.pb` files of a folder in numeric order of N.
fn numbered(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::Read {
        path: dir.to_path_buf(),
        source: Arc::new(e),
    })?;
    let mut files: Vec<(u64, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(prefix)?
                .strip_suffix(".pb")?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

pub fn load_test_data_set(dir: &Path) -> Result<TestDataSet, InputError> {
    let read_all = |prefix| {
        numbered(dir, prefix)?
            .iter()
            .map(|p| load_tensor_file(p))
            .collect::<Result<Vec<_>, _>>()
    };
    let set = TestDataSet {
        dir: dir.to_path_buf(),
        inputs: read_all("input_")?,
        expected: read_all("output_")?,
    };
    if set.inputs.is_empty() && set.expected.is_empty() {
        return Err(InputError::EmptyTestSet {
            dir: dir.to_path_buf(),
        });
    }
    Ok(set)
}

/// Feeds a test data set's `input_N.pb` to the graph inputs in order, leaving inputs the caller
/// already chose alone.
pub fn feed_test_set(model: &Model, inputs: &mut BTreeMap<String, InputSource>, set: &TestDataSet) {
    for (spec, t) in input_specs(model).into_iter().zip(&set.inputs) {
        inputs
            .entry(spec.name)
            .or_insert_with(|| InputSource::Given(t.clone()));
    }
}

/// `test_data_set_*` folders beside a model, sorted.
pub fn test_data_sets_beside(model_path: &Path) -> Vec<PathBuf> {
    let Some(dir) = model_path.parent() else {
        return vec![];
    };
    let mut sets: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("test_data_set_")
                && e.path().is_dir()
        })
        .map(|e| e.path())
        .collect();
    sets.sort();
    sets
}

/// A sensible value for a symbolic dim nobody gave a value for: batch-like leading dims get 1,
/// the spatial dims of image-like (rank-4) inputs 224, anything else (sequence, …) 16.
pub fn default_symbol_value(rank: usize, dim_index: usize) -> i64 {
    match (rank, dim_index) {
        (_, 0) => 1,
        (4, 2 | 3) => 224,
        _ => 16,
    }
}

/// Decides every input symbol's value: from tensors given for an input, then the caller's
/// choices (by the name written in the model or tract's symbol), then defaults.
pub fn resolve_symbols(
    specs: &[InputSpec],
    symbols: &[InputSymbol],
    given: &BTreeMap<String, Tensor>,
    chosen: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, i64>, InputError> {
    let mut values: BTreeMap<String, i64> = BTreeMap::new();
    for s in symbols {
        let Some(t) = given.get(&s.input) else {
            continue;
        };
        let Some(&actual) = t.dims.get(s.dim_index) else {
            continue;
        };
        match values.insert(s.symbol.clone(), actual as i64) {
            Some(prev) if prev != actual as i64 => {
                return Err(InputError::DimConflict {
                    dim: s.written.clone(),
                    first: prev,
                    second: actual,
                    input: s.input.clone(),
                })
            }
            _ => {}
        }
    }
    for s in symbols {
        if values.contains_key(&s.symbol) {
            continue;
        }
        let v = chosen
            .get(&s.written)
            .or_else(|| chosen.get(&s.symbol))
            .copied()
            .unwrap_or_else(|| {
                let rank = specs
                    .iter()
                    .find(|i| i.name == s.input)
                    .and_then(|i| i.dims.as_ref())
                    .map_or(1, |d| d.len());
                default_symbol_value(rank, s.dim_index)
            });
        if v < 0 {
            return Err(InputError::NegativeDim {
                dim: s.written.clone(),
                value: v,
            });
        }
        values.insert(s.symbol.clone(), v);
    }
    for key in chosen.keys() {
        if !symbols
            .iter()
            .any(|s| &s.written == key || &s.symbol == key)
        {
            return Err(InputError::NoSuchDim {
                name: key.clone(),
                available: symbols.iter().map(|s| s.written.clone()).collect(),
            });
        }
    }
    Ok(values)
}

/// The concrete shape of an input once its symbols have values.
pub fn concrete_shape(
    spec: &InputSpec,
    symbols: &[InputSymbol],
    values: &BTreeMap<String, i64>,
) -> Result<Vec<u64>, InputError> {
    let dims = spec
        .dims
        .as_ref()
        .ok_or_else(|| InputError::NoShape(spec.name.clone()))?;
    dims.iter()
        .enumerate()
        .map(|(i, d)| match d {
            Dim::Value(v) if *v >= 0 => Ok(*v as u64),
            _ => symbols
                .iter()
                .find(|s| s.input == spec.name && s.dim_index == i)
                .and_then(|s| values.get(&s.symbol))
                .map(|&v| v as u64)
                .ok_or_else(|| InputError::NoDimValue {
                    input: spec.name.clone(),
                    dim: i,
                }),
        })
        .collect()
}

/// Generates a dtype-correct tensor for a generated source.
pub fn generate(
    name: &str,
    dtype: DataType,
    dims: &[u64],
    source: &InputSource,
) -> Result<Tensor, InputError> {
    let count = dims
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .filter(|&c| c <= 1 << 31);
    let count = count.ok_or_else(|| InputError::TooLarge {
        input: name.to_string(),
        dims: dims.to_vec(),
    })? as usize;
    let mut fill: Box<dyn FnMut() -> f64> = match source {
        InputSource::Zeros => Box::new(|| 0.0),
        InputSource::Ones => Box::new(|| 1.0),
        InputSource::Range { low, high, seed } => {
            let mut rng = StdRng::seed_from_u64(*seed);
            let (low, high) = (*low, (*high).max(*low + 1));
            Box::new(move || rng.random_range(low..high) as f64)
        }
        InputSource::Positions => {
            let last = dims.last().copied().unwrap_or(1).max(1);
            let mut i = 0u64;
            Box::new(move || {
                i += 1;
                ((i - 1) % last) as f64
            })
        }
        InputSource::Random { seed, normal } => {
            let mut rng = StdRng::seed_from_u64(*seed);
            let (normal, float) = (*normal, dtype.is_float());
            Box::new(move || match (float, normal) {
                (true, true) => StandardNormal.sample(&mut rng),
                (true, false) => rng.random::<f64>(),
                (false, _) => rng.random_range(0..10) as f64,
            })
        }
        other => {
            return Err(InputError::NotGenerated {
                input: name.to_string(),
                what: other.describe(),
            })
        }
    };
    let v: Vec<f64> = (0..count).map(|_| fill()).collect();
    let values = match dtype {
        DataType::Float => TensorValues::F32(v.iter().map(|&x| x as f32).collect()),
        DataType::Double => TensorValues::F64(v),
        DataType::Float16 => TensorValues::F16(v.iter().map(|&x| half::f16::from_f64(x)).collect()),
        DataType::Int8 => TensorValues::I8(v.iter().map(|&x| x as i8).collect()),
        DataType::Int16 => TensorValues::I16(v.iter().map(|&x| x as i16).collect()),
        DataType::Int32 => TensorValues::I32(v.iter().map(|&x| x as i32).collect()),
        DataType::Int64 => TensorValues::I64(v.iter().map(|&x| x as i64).collect()),
        DataType::Uint8 => TensorValues::U8(v.iter().map(|&x| x as u8).collect()),
        DataType::Uint16 => TensorValues::U16(v.iter().map(|&x| x as u16).collect()),
        DataType::Uint32 => TensorValues::U32(v.iter().map(|&x| x as u32).collect()),
        DataType::Uint64 => TensorValues::U64(v.iter().map(|&x| x as u64).collect()),
        DataType::Bool => TensorValues::Bool(v.iter().map(|&x| x as i64 % 2 == 1).collect()),
        DataType::String => TensorValues::Str(
            v.iter()
                .map(|&x| format!("{}", x as i64).into_bytes())
                .collect(),
        ),
        other => {
            return Err(InputError::CannotGenerate {
                input: name.to_string(),
                dtype: other,
            })
        }
    };
    Ok(Tensor {
        name: name.to_string(),
        dtype,
        dims: dims.to_vec(),
        values,
    })
}

/// A string tensor of typed-in text: one line per row of the leading dim (a symbolic one takes
/// the line count, others 1), the lines repeated over the rest.
pub fn text_tensor(spec: &InputSpec, lines: &[String]) -> Result<Tensor, InputError> {
    let dtype = spec.dtype.unwrap_or(DataType::String);
    if dtype != DataType::String {
        return Err(InputError::TextForNonString {
            input: spec.name.clone(),
            dtype,
        });
    }
    let lines: Vec<&str> = if lines.is_empty() {
        vec![""]
    } else {
        lines.iter().map(String::as_str).collect()
    };
    let dims: Vec<u64> = match spec.dims.as_deref() {
        None => vec![lines.len() as u64],
        Some(d) => d
            .iter()
            .enumerate()
            .map(|(k, d)| match d {
                Dim::Value(v) if *v >= 0 => *v as u64,
                _ if k == 0 => lines.len() as u64,
                _ => 1,
            })
            .collect(),
    };
    let count = dims
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .filter(|&c| c <= 1 << 24)
        .ok_or_else(|| InputError::TooLarge {
            input: spec.name.clone(),
            dims: dims.clone(),
        })?;
    let values = (0..count as usize)
        .map(|i| lines[i % lines.len()].as_bytes().to_vec())
        .collect();
    Ok(Tensor {
        name: spec.name.clone(),
        dtype: DataType::String,
        dims,
        values: TensorValues::Str(values),
    })
}

/// Checks a given tensor against the input's declared type and fixed dims.
pub fn check_given(spec: &InputSpec, t: &Tensor) -> Result<(), InputError> {
    if let Some(dtype) = spec.dtype {
        if dtype != t.dtype {
            return Err(InputError::WrongType {
                input: spec.name.clone(),
                declared: dtype,
                given: t.dtype,
            });
        }
    }
    if let Some(dims) = &spec.dims {
        let fits = dims.len() == t.dims.len()
            && dims
                .iter()
                .zip(&t.dims)
                .all(|(d, &a)| !matches!(d, Dim::Value(v) if *v >= 0 && *v as u64 != a));
        if !fits {
            return Err(InputError::WrongShape {
                input: spec.name.clone(),
                declared: crate::model::types::format_dims(Some(dims)),
                given: t.dims.clone(),
            });
        }
    }
    Ok(())
}

/// Every value a node of the main graph computes (what a run can keep: `--dump-values`, the
/// window's edges).
pub fn main_graph_values(model: &Model) -> std::collections::HashSet<String> {
    model
        .body(crate::model::MAIN_GRAPH)
        .map(|b| {
            b.nodes()
                .iter()
                .flat_map(|n| n.output.iter().filter(|o| !o.is_empty()).cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The source an input gets when the user chose none, by its role: masks are ones, token types
/// zeros, positions 0..n, integer ids uniform within the rows of the embedding table they index
/// (random ids past its end made tract panic inside Gather), anything else uniform random.
pub fn default_source(model: &Model, spec: &InputSpec) -> InputSource {
    let name = spec.name.to_ascii_lowercase();
    let integer = spec
        .dtype
        .is_some_and(|d| !d.is_float() && d != DataType::String);
    if name.contains("mask") {
        return InputSource::Ones;
    }
    if integer && (name.contains("token_type") || name.contains("segment")) {
        return InputSource::Zeros;
    }
    if integer && name.contains("position") {
        return InputSource::Positions;
    }
    if integer {
        if let Some(rows) = indexed_table_rows(model, &spec.name) {
            return InputSource::Range {
                low: 0,
                high: rows,
                seed: 0,
            };
        }
    }
    InputSource::default()
}

/// Ops an index value passes through unchanged on its way to a Gather.
const INDEX_PASS_THROUGH: [&str; 7] = [
    "Cast",
    "Reshape",
    "Unsqueeze",
    "Squeeze",
    "Flatten",
    "Identity",
    "Expand",
];

/// The fewest rows among the tables (initializers, possibly dequantized or cast) that `input`
/// indexes through Gather or com.microsoft EmbedLayerNormalization in the main graph.
pub fn indexed_table_rows(model: &Model, input: &str) -> Option<i64> {
    let g = model.graph(crate::model::MAIN_GRAPH)?;
    let nodes = model.body(crate::model::MAIN_GRAPH)?.nodes();
    let mut rows: Option<i64> = None;
    let mut todo = vec![input.to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(v) = todo.pop() {
        if !seen.insert(v.clone()) {
            continue;
        }
        for &n in g.consumers.get(&v).into_iter().flatten() {
            let node = &nodes[n];
            let slot = node.input.iter().position(|i| *i == v);
            let table = match (node.op_type.as_str(), node.domain.as_str(), slot) {
                (op, "" | "ai.onnx", Some(0)) if INDEX_PASS_THROUGH.contains(&op) => {
                    todo.extend(node.output.first().cloned());
                    None
                }
                ("Gather", "" | "ai.onnx", Some(1)) => {
                    let axis = node
                        .attribute
                        .iter()
                        .find(|a| a.name == "axis")
                        .map_or(0, |a| a.i);
                    Some((node.input[0].clone(), axis))
                }
                ("EmbedLayerNormalization", "com.microsoft", Some(0)) => {
                    Some((node.input.get(2).cloned().unwrap_or_default(), 0))
                }
                ("EmbedLayerNormalization", "com.microsoft", Some(1)) => {
                    Some((node.input.get(3).cloned().unwrap_or_default(), 0))
                }
                _ => None,
            };
            if let Some(r) = table.and_then(|(t, axis)| table_dim(model, &t, axis)) {
                rows = Some(rows.map_or(r, |x| x.min(r)));
            }
        }
    }
    rows.filter(|&r| r > 0)
}

/// Dim `axis` of an initializer, a Constant, or of one reached through DequantizeLinear/Cast.
fn table_dim(model: &Model, name: &str, axis: i64) -> Option<i64> {
    let g = model.graph(crate::model::MAIN_GRAPH)?;
    let body = model.body(crate::model::MAIN_GRAPH)?;
    let pick = |dims: &[i64]| {
        let a = if axis < 0 {
            axis + dims.len() as i64
        } else {
            axis
        };
        dims.get(usize::try_from(a).ok()?).copied()
    };
    if let Some(&i) = g.initializers.get(name) {
        return pick(&body.graph()?.initializer.get(i)?.dims);
    }
    let &(n, _) = g.producers.get(name)?;
    let node = &body.nodes()[n];
    match node.op_type.as_str() {
        "Constant" => node
            .attribute
            .iter()
            .find(|a| a.name == "value")
            .and_then(|a| a.t.as_ref())
            .and_then(|t| pick(&t.dims)),
        "DequantizeLinear" | "Cast" | "Identity" => table_dim(model, node.input.first()?, axis),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources() {
        assert_eq!(InputSource::parse("zeros"), InputSource::Zeros);
        assert_eq!(
            InputSource::parse("random:7"),
            InputSource::Random {
                seed: 7,
                normal: false
            }
        );
        assert_eq!(
            InputSource::parse("x.npy"),
            InputSource::File("x.npy".into())
        );
    }

    #[test]
    fn random_is_seeded_and_dtype_correct() {
        let src = InputSource::Random {
            seed: 3,
            normal: false,
        };
        let a = generate("x", DataType::Float, &[2, 3], &src).unwrap();
        assert_eq!(a, generate("x", DataType::Float, &[2, 3], &src).unwrap());
        let TensorValues::F32(v) = &a.values else {
            panic!()
        };
        assert!(v.iter().all(|x| (0.0..1.0).contains(x)) && v.iter().any(|&x| x != v[0]));
        let i = generate("i", DataType::Int64, &[50], &src).unwrap();
        let TensorValues::I64(v) = &i.values else {
            panic!()
        };
        assert!(v.iter().all(|x| (0..10).contains(x)));
        assert!(generate("big", DataType::Float, &[1 << 20, 1 << 20], &src).is_err());
    }
}

//! Hostile-input exercise of the whole pipeline: bytes → load → index → check → info → tensors →
//! shapes → layout. Shared by the bounded fuzz loop that runs in CI (tests/integration/robust.rs)
//! and the cargo-fuzz target (fuzz/), so both hit exactly the same code.
//!
//! Mutations are seeded and reproducible: byte-level (bit flips, truncation, splices, random
//! runs) and structural (edits of the parsed ModelProto that keep it parseable but break it the
//! way hand-edited or buggy-exporter models do).

use std::time::{Duration, Instant};

use onnx_protobuf::{Message, ModelProto, StringStringEntryProto};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::check::check_model;
use crate::layout::{lay_out, LayoutRequest};
use crate::model::info::ModelInfo;
use crate::model::{load_bytes, MAIN_GRAPH};

/// How far one input got through the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Refused at load with an error (the normal fate of most mutants).
    LoadError,
    /// Loaded and checked (and possibly shape-analysed and laid out).
    Checked,
}

/// What the heavier stages should do for this input.
#[derive(Debug, Clone, Copy)]
pub struct Depth {
    pub shapes: bool,
    pub layout: bool,
}

/// Wall time one input spent in each stage: finds the mutants that are slow for a later stage.
#[derive(Debug, Default, Clone, Copy)]
pub struct StageTimes {
    pub load: Duration,
    pub check: Duration,
    pub tensors: Duration,
    pub shapes: Duration,
    pub layout: Duration,
}

impl StageTimes {
    pub fn stages(&self) -> [(&'static str, Duration); 5] {
        [
            ("load", self.load),
            ("check", self.check),
            ("tensors", self.tensors),
            ("shapes", self.shapes),
            ("layout", self.layout),
        ]
    }

    pub fn total(&self) -> Duration {
        self.stages().iter().map(|s| s.1).sum()
    }

    pub fn add(&mut self, o: &StageTimes) {
        self.load += o.load;
        self.check += o.check;
        self.tensors += o.tensors;
        self.shapes += o.shapes;
        self.layout += o.layout;
    }
}

/// Runs one input through every stage; any panic escapes to the caller, which counts it.
pub fn exercise(bytes: &[u8], depth: Depth, times: &mut StageTimes) -> Reached {
    let mut clock = Instant::now();
    let mut lap = |slot: &mut Duration| {
        *slot = clock.elapsed();
        clock = Instant::now();
    };
    // The streaming pass that big files take at load (weights left in the file).
    let stripped = crate::model::wire::strip_initializer_data(
        std::io::Cursor::new(bytes),
        bytes.len() as u64,
        64,
    );
    if let Some(s) = stripped {
        let _ = ModelProto::parse_from_bytes(&s.bytes);
    }
    let loaded = load_bytes("fuzz.onnx", bytes, None);
    lap(&mut times.load);
    let Ok(model) = loaded else {
        return Reached::LoadError;
    };
    let report = check_model(&model);
    let _ = serde_json::to_string(&report);
    let _ = ModelInfo::of(&model);
    let _ = model.verify_external_data();
    lap(&mut times.check);
    for (g, t) in model.all_initializers().take(64) {
        if let Some(Ok(t)) = model.initializer(g, &t.name) {
            let _ = t.stats();
        }
    }
    lap(&mut times.tensors);
    if depth.shapes {
        let a = crate::shapes::analyse(&model);
        let _ = crate::shapes::axes_report(&model, &a);
        let _ = crate::cost::cost(&model, &a, &Default::default());
    }
    lap(&mut times.shapes);
    if depth.layout
        && model
            .graph(MAIN_GRAPH)
            .is_some_and(|g| g.node_count <= 2_000)
    {
        let _ = lay_out(&model, LayoutRequest::of(MAIN_GRAPH));
    }
    lap(&mut times.layout);
    Reached::Checked
}

/// A seeded source of mutants of the seed models.
pub struct Mutator {
    rng: StdRng,
    seeds: Vec<Vec<u8>>,
    parsed: Vec<Option<ModelProto>>,
}

const OPS: &[&str] = &[
    "Add", "Conv", "Reshape", "If", "Loop", "Gemm", "NoSuchOp", "", "Concat", "Gather", "Split",
    "Scan",
];
const LOCATIONS: &[&str] = &[
    "../outside.bin",
    "/etc/passwd",
    "missing.bin",
    "a/../../b",
    "",
    "weights.bin",
];

impl Mutator {
    pub fn new(seed: u64, seeds: Vec<Vec<u8>>) -> Mutator {
        let parsed = seeds
            .iter()
            .map(|b| ModelProto::parse_from_bytes(b).ok())
            .collect();
        Mutator {
            rng: StdRng::seed_from_u64(seed),
            seeds,
            parsed,
        }
    }

    /// The next mutant (byte-level or structural, half and half).
    pub fn next_case(&mut self) -> Vec<u8> {
        let k = self.rng.random_range(0..self.seeds.len());
        if self.rng.random_bool(0.5) {
            if let Some(m) = self.parsed[k].clone() {
                return self.structural(m);
            }
        }
        let mut b = self.seeds[k].clone();
        let rounds = self.rng.random_range(1..4);
        for _ in 0..rounds {
            self.bytes(&mut b);
        }
        b
    }

    fn bytes(&mut self, b: &mut Vec<u8>) {
        if b.is_empty() {
            b.push(self.rng.random());
            return;
        }
        let r = &mut self.rng;
        match r.random_range(0..6) {
            0 => {
                for _ in 0..r.random_range(1..9) {
                    let i = r.random_range(0..b.len());
                    b[i] ^= 1 << r.random_range(0..8);
                }
            }
            1 => b.truncate(r.random_range(0..b.len())),
            2 => {
                let i = r.random_range(0..b.len());
                let n = r.random_range(1..16).min(b.len() - i);
                for x in &mut b[i..i + n] {
                    *x = r.random();
                }
            }
            3 => {
                // Interesting integers in varint positions: lengths and dims that lie.
                let i = r.random_range(0..b.len());
                let v: [u8; 5] = [0xff, 0xff, 0xff, 0xff, 0x0f];
                let n = v.len().min(b.len() - i);
                b[i..i + n].copy_from_slice(&v[..n]);
            }
            4 => {
                let i = r.random_range(0..b.len());
                let j = r.random_range(i..b.len());
                let chunk = b[i..j].to_vec();
                let at = r.random_range(0..b.len());
                b.splice(at..at, chunk);
            }
            _ => {
                // Splice the tail of another seed.
                let other = &self.seeds[r.random_range(0..self.seeds.len())];
                if !other.is_empty() {
                    let cut = r.random_range(0..b.len());
                    let from = r.random_range(0..other.len());
                    b.truncate(cut);
                    b.extend_from_slice(&other[from..]);
                }
            }
        }
    }

    fn structural(&mut self, mut m: ModelProto) -> Vec<u8> {
        let rounds = self.rng.random_range(1..4);
        for _ in 0..rounds {
            self.edit(&mut m);
        }
        m.write_to_bytes().unwrap_or_default()
    }

    fn edit(&mut self, m: &mut ModelProto) {
        let r = &mut self.rng;
        let choice = r.random_range(0..14);
        if choice == 0 {
            if let Some(o) = m.opset_import.first_mut() {
                o.version = [0, 1, 7, 10_000, -3][r.random_range(0..5)];
            }
            return;
        }
        if choice == 1 {
            m.ir_version = r.random_range(-2..20);
            return;
        }
        let Some(g) = m.graph.as_mut() else { return };
        let nodes = g.node.len();
        match choice {
            2 if nodes > 0 => {
                g.node.remove(r.random_range(0..nodes));
            }
            3 if nodes > 1 => {
                let (a, b) = (r.random_range(0..nodes), r.random_range(0..nodes));
                g.node.swap(a, b);
            }
            4 if nodes > 0 => {
                // Feed a node its own output: a cycle of one, or a longer one through a later node.
                let i = r.random_range(0..nodes);
                let j = r.random_range(i..nodes);
                if let Some(out) = g.node[j].output.first().cloned() {
                    if let Some(slot) = g.node[i].input.first_mut() {
                        *slot = out;
                    } else {
                        g.node[i].input.push(out);
                    }
                }
            }
            5 if nodes > 0 => {
                let i = r.random_range(0..nodes);
                let dup = g.node[i].clone();
                g.node.push(dup);
            }
            6 if nodes > 0 => {
                let i = r.random_range(0..nodes);
                g.node[i].op_type = OPS[r.random_range(0..OPS.len())].to_string();
            }
            7 if nodes > 0 => {
                let i = r.random_range(0..nodes);
                let n = &mut g.node[i];
                if !n.attribute.is_empty() {
                    let a = r.random_range(0..n.attribute.len());
                    if r.random_bool(0.5) {
                        n.attribute.remove(a);
                    } else {
                        let t = r.random_range(0..16);
                        n.attribute[a].type_ = protobuf::EnumOrUnknown::from_i32(t);
                        n.attribute[a].ints = vec![i64::MAX, -1, 0];
                    }
                }
            }
            8..=10 if !g.initializer.is_empty() => {
                let i = r.random_range(0..g.initializer.len());
                let t = &mut g.initializer[i];
                match choice {
                    8 => {
                        let d = t.dims.len().max(1);
                        let v = [-1, 0, 1 << 40, i64::MAX, 3][r.random_range(0..5)];
                        if t.dims.is_empty() {
                            t.dims.push(v);
                        } else {
                            t.dims[r.random_range(0..d)] = v;
                        }
                    }
                    9 => {
                        if r.random_bool(0.5) {
                            let n = r.random_range(0..=t.raw_data.len());
                            t.raw_data.truncate(n);
                        } else {
                            t.data_type = r.random_range(-2..30);
                        }
                    }
                    _ => {
                        t.data_location = protobuf::EnumOrUnknown::from_i32(1);
                        t.raw_data.clear();
                        let kv = |k: &str, v: String| {
                            let mut e = StringStringEntryProto::new();
                            e.key = k.into();
                            e.value = v;
                            e
                        };
                        t.external_data = vec![
                            kv(
                                "location",
                                LOCATIONS[r.random_range(0..LOCATIONS.len())].into(),
                            ),
                            kv(
                                "offset",
                                ["0", "-5", "18446744073709551615", "4096"][r.random_range(0..4)]
                                    .into(),
                            ),
                            kv(
                                "length",
                                ["1", "9999999999999", "x", "16"][r.random_range(0..4)].into(),
                            ),
                        ];
                    }
                }
            }
            11 if !g.input.is_empty() => {
                let i = r.random_range(0..g.input.len());
                if r.random_bool(0.5) {
                    g.input[i].type_.clear();
                } else {
                    g.input[i].name = String::new();
                }
            }
            12 if !g.output.is_empty() => {
                let i = r.random_range(0..g.output.len());
                g.output[i].name = ["", "ghost", "input"][r.random_range(0..3)].into();
            }
            13 => {
                // Wrap the graph as the then-branch of an If: subgraph and outer-scope paths.
                let inner = (*g).clone();
                let mut attr = onnx_protobuf::AttributeProto::new();
                attr.name = "then_branch".into();
                attr.type_ = protobuf::EnumOrUnknown::from_i32(5);
                attr.g = protobuf::MessageField::some(inner);
                let mut node = onnx_protobuf::NodeProto::new();
                node.op_type = "If".into();
                node.name = "fuzz_if".into();
                node.input = vec![g.input.first().map(|i| i.name.clone()).unwrap_or_default()];
                node.output = g.output.iter().map(|o| o.name.clone()).collect();
                node.attribute.push(attr);
                g.node = vec![node];
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_are_reproducible_and_varied() {
        let seed =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample.onnx")).unwrap();
        let mut a = Mutator::new(7, vec![seed.clone()]);
        let mut b = Mutator::new(7, vec![seed.clone()]);
        let cases: Vec<Vec<u8>> = (0..20).map(|_| a.next_case()).collect();
        assert!(cases.iter().all(|c| *c == b.next_case()));
        assert!(cases.iter().filter(|c| **c != seed).count() >= 15);
    }
}

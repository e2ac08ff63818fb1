//! Any bytes through load → index → check → info → tensors → shapes → layout; a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onnx_lens::fuzzing::{exercise, Depth, StageTimes};

fuzz_target!(|data: &[u8]| {
    exercise(
        data,
        Depth {
            shapes: true,
            layout: data.len() < 64 * 1024,
        },
        &mut StageTimes::default(),
    );
});

//! Any bytes through load → index → check → info → tensors → shapes → layout; a panic that
//! escapes the pipeline is a bug.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use onnx_lens::fuzzing::{exercise, Depth, StageTimes};

static QUIET_HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // tract panics on some hostile graphs (e.g. an output nobody produces); onnx-lens catches
    // those around every tract call and reports them as errors. libFuzzer's panic hook would
    // abort on the caught ones too, so only a panic escaping `exercise` counts as a crash.
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let escaped = std::panic::catch_unwind(|| {
        exercise(
            data,
            Depth {
                shapes: true,
                layout: data.len() < 64 * 1024,
            },
            &mut StageTimes::default(),
        )
    })
    .is_err();
    if escaped {
        std::process::abort();
    }
});

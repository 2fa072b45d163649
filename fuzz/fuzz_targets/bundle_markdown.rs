//! Bundle parsing, Markdown side: `state.md` and a weekly report with
//! arbitrary text, front matter included (it is YAML inside Markdown).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|input: (bool, &str)| {
    let (state, text) = input;
    let path = if state {
        "state.md"
    } else {
        "reports/2026-11-23.md"
    };
    common::curate_with(path, text);
});

//! Bundle parsing, YAML side: `project.yaml`, `tasks.yaml` and a decision
//! file with arbitrary text (valid UTF-8 only; a bundle is JSON, so its
//! files can carry nothing else).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|input: (u8, &str)| {
    let (which, text) = input;
    let path = match which % 3 {
        0 => "project.yaml",
        1 => "tasks.yaml",
        _ => "decisions/0001-crdt-for-shared-notebooks.yaml",
    };
    common::curate_with(path, text);
});

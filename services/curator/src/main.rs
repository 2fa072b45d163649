//! The `curator` binary: the curator cell alone, as its container image runs it.

fn main() -> std::process::ExitCode {
    vpm_cell::run_main(|| Ok(curator::Curator))
}

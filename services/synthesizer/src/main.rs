//! The `synthesizer` binary: the synthesizer cell alone, as its container image runs it.

fn main() -> std::process::ExitCode {
    vpm_cell::run_main(|| Ok(synthesizer::Synthesizer::default()))
}

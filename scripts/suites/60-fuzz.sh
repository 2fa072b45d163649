#!/usr/bin/env bash
# Bounded fuzzing of bundle parsing, CloudEvent parsing and proof
# verification (scripts/fuzz; longer runs in docs/reliability.md).
set -euo pipefail
exec "$(dirname "$0")/../fuzz" "${VPM_FUZZ_SECONDS:-20}"

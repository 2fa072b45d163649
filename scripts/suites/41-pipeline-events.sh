#!/usr/bin/env bash
# The pipeline driven by the CloudEvents project's own Python SDK: the
# bundle event to the curator, each reply parsed and sent on, to the
# archivist's receipt; plus the 4xx answers to wrong and malformed events.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require pytest
cd "$VPM_ROOT/tests/python"
pytest -q -p no:cacheprovider test_cloudevents_chain.py

#!/usr/bin/env bash
# The metrics contract with tools that are not ours: the official Python
# parsers (0.0.4 and OpenMetrics), promtool, and a real Prometheus server
# scraping all four cells of one `vpm up`.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
require promtool prometheus pytest
cd "$VPM_ROOT/tests/python"
pytest -q -p no:cacheprovider test_metrics_parsers.py test_prometheus_scrape.py

#!/usr/bin/env bash
# Runs the whole test suite (unit tests, topology validate/test, CLI cases,
# clang-format check) through ctest; ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600

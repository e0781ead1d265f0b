#!/usr/bin/env bash
# Configures and builds everything (topo, tests, benchmarks) into build/.
# BUILD_TYPE (default RelWithDebInfo) and JOBS (default: all cores) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
JOBS="${JOBS:-$(nproc)}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
ninja -C build -j "$JOBS"

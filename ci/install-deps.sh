#!/usr/bin/env bash
# Installs every Debian package the build, tests and benchmarks need.
# Idempotent and quiet when everything is already there; needs root (or sudo).
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache clang-format jq time
  libprotobuf-dev protobuf-compiler libjsonnet-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev rapidjson-dev libfmt-dev
  librocksdb-dev librdkafka-dev libjemalloc-dev libcpp-httplib-dev libzstd-dev liblz4-dev libxxhash-dev
  # kcat: ci/kafka/broker.sh checks the test broker with it; both: bench/kafka_compare.sh, bench/kafka_rss.sh
  kcat python3-confluent-kafka
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Kafka-backend tests run a real broker (ci/kafka/broker.sh): a JVM, and Maven to
# fetch it from Maven Central. Any java/mvn on PATH will do; Debian's if there is none.
command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci/install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "ci/install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ci/install-deps: $tool still missing after the install" >&2; exit 1; }
done
echo "ci/install-deps: done"

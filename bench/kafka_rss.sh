#!/usr/bin/env bash
# Memory of `topo run` on the Kafka backend: peak RSS of one exactly-once run
# (2 stream threads, bench/kafka_bench_eos.jsonnet's filter -> map -> sink) while
# kcat feeds it N seed-like events at RATE per second, for each N given. Flat means the consumer's
# prefetch, the producer's queue and the task buffers bound it, not the volume.
#
#   bash bench/kafka_rss.sh [N ...]     # default: 1000000 5000000; RATE=150000 events/s
#
# Needs BUILD/topo and BUILD/kafka_mock_cluster (BUILD defaults to build-rel) and
# kcat. The mock keeps only about the newest 5 MiB per partition (DESIGN.md §7), so
# the events are fed while topo runs (after it joined the group), not loaded first;
# should topo fall that far behind, its "processed" count comes out below N.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build-rel}"
TOPO="$BUILD/topo"
RATE="${RATE:-150000}"  # events/s fed: below what topo sustains here, so the mock drops nothing unread
[[ $# -gt 0 ]] || set -- 1000000 5000000
# Passes stdin through at RATE lines/s.
THROTTLE='
import sys, time
rate, n, start = float(sys.argv[1]), 0, time.time()
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    out.write(line)
    n += 1
    if n % 10000 == 0:
        out.flush()
        ahead = start + n / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
out.flush()
'
command -v kcat > /dev/null || { echo "kcat is needed (apt-get install kcat)" >&2; exit 1; }

work=$(mktemp -d)
source bench/mock_cluster.sh
trap 'stop_mock; rm -rf "$work"' EXIT

for n in "$@"; do
  # A fresh cluster per run: runs don't share the mock's memory or retention.
  start_mock "$work" deal.events:16 escrow.commands.topo-eos:16

  /usr/bin/time -f "peak RSS %M KiB" -o "$work/rss" "$TOPO" run bench/kafka_bench_eos.jsonnet \
    --bootstrap-servers "$BOOT" --no-topic-config-check --application-id "rss-$n" --threads 2 --status-interval 0 --http-port -1 \
    --exit-when-idle 3000 > "$work/topo.out" 2>&1 &
  topo_pid=$!
  # Both threads' first assignment (a rebalance on the mock takes seconds).
  for _ in $(seq 600); do
    [[ $(grep -c ': assigned ' "$work/topo.out" || true) -ge 2 ]] && break
    kill -0 "$topo_pid" 2>/dev/null || break
    sleep 0.1
  done
  s=$(date +%s.%N)
  bash bench/seed_events.sh "$n" kv | /usr/bin/python3 -c "$THROTTLE" "$RATE" |
    kcat -P -b "$BOOT" -t deal.events -K $'\t' -X linger.ms=20
  e=$(date +%s.%N)
  wait "$topo_pid" || { echo "topo run failed:" >&2; tail -5 "$work/topo.out" >&2; }
  echo "N=$n: kcat fed it in $(awk -v s="$s" -v e="$e" 'BEGIN{printf("%.1f", e-s)}') s;" \
       "$(grep -E '^processed' "$work/topo.out" || echo 'processed ?');" \
       "$(grep -oE 'commits [0-9]+ \(mean [0-9.]+ ms\)' "$work/topo.out");" \
       "$(cat "$work/rss")"
  stop_mock
done

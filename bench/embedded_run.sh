#!/usr/bin/env bash
# End-to-end `topo run` on the embedded log, exactly-once: N seed-like events
# already in the input topic, JSON filter -> map -> sink, 2 stream threads.
# Prints topo's own summary ("processed N record(s) in W of running; S s from the
# first record to the last (R records/s)") and the process's peak RSS.
#
#   bash bench/embedded_run.sh [N]      # default 1000000; needs build/topo (Release for numbers)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
BIN="${BIN:-build/topo}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash bench/seed_events.sh "$N" jsonl > "$work/events.jsonl"
cat > "$work/bench.jsonnet" <<'JSONNET'
local topo = import 'topo.libsonnet';
topo.topology('bench', {
  config: { guarantee: 'exactly_once' },
  topics: { 'deal.events': topo.topic(partitions=16), 'escrow.commands': topo.topic(partitions=16) },
  nodes: {
    events: topo.source('deal.events'),
    funded: topo.filter('events', "value.to_status == 'FUNDED'"),
    cmd: topo.map('funded', value="{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.payload.amount}"),
    out: topo.sink('cmd', 'escrow.commands', key='value.deal_id'),
  },
})
JSONNET
# Load the input first (a separate application id, stopped at once), then time the real run.
"$BIN" run "$work/bench.jsonnet" --data-dir "$work/data" --produce "deal.events=$work/events.jsonl" \
  --application-id loader --threads 1 --status-interval 0 --exit-when-idle 1 > /dev/null 2>&1 || true
/usr/bin/time -f "peak RSS %M KiB" "$BIN" run "$work/bench.jsonnet" --data-dir "$work/data" --threads 2 \
  --status-interval 0 --exit-when-idle 1000 2>&1 | grep -E "stopped:|processed|peak RSS"

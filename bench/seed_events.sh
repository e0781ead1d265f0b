#!/usr/bin/env bash
# Writes N seed-like deal events (~250 bytes, keyed by deal_id, a quarter FUNDED)
# to stdout, for the benches.
#
#   bash bench/seed_events.sh N jsonl   # {"key":..,"value":{..}} lines: topo run --produce / topo produce
#   bash bench/seed_events.sh N kv      # key<TAB>value lines: kcat -P -K '\t'
set -euo pipefail
N="${1:?usage: seed_events.sh N jsonl|kv}"
FORMAT="${2:-jsonl}"
awk -v n="$N" -v format="$FORMAT" 'BEGIN {
  split("FUNDED AWAITING_DEPOSIT RELEASED POSTED", st, " ");
  for (i = 0; i < n; i++) {
    key = sprintf("d-%06d", i);
    value = sprintf("{\"deal_id\":\"%s\",\"event_type\":\"DealStatusChanged\",\"from_status\":\"AWAITING_DEPOSIT\",\"to_status\":\"%s\",\"payload\":{\"amount\":\"%d.50\",\"currency\":\"TON\",\"recipient_id\":\"u-%04d\"},\"timestamp\":\"2025-01-15T10:30:00.000Z\"}",
                    key, st[i % 4 + 1], 50 + (i * 37) % 200, i % 9973);
    if (format == "kv") printf("%s\t%s\n", key, value);
    else printf("{\"key\":\"%s\",\"value\":%s}\n", key, value);
  }
}'

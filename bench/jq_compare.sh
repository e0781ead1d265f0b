#!/usr/bin/env bash
# The same filter + projection over the same JSON-lines file, with `jq -c` (what
# people do by hand) and with topo's engine (bench/chain_bench.cc), side by side.
#
#   bash bench/jq_compare.sh [N]        # N events, default 1000000; needs build/chain_bench
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
BIN="${BIN:-build/chain_bench}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file="$work/events.jsonl"

# ~250-byte deal events, a quarter of them FUNDED (like chain_bench's own generator).
awk -v n="$N" 'BEGIN {
  split("FUNDED AWAITING_DEPOSIT RELEASED POSTED", st, " ");
  for (i = 0; i < n; i++) {
    printf("{\"deal_id\":\"d-%06d\",\"event_type\":\"DealStatusChanged\",\"from_status\":\"AWAITING_DEPOSIT\",\"to_status\":\"%s\",\"payload\":{\"amount\":\"%d.50\",\"currency\":\"TON\",\"recipient_id\":\"u-%04d\",\"channel\":\"@channel_%d\"},\"timestamp\":\"2025-01-15T10:30:00.000Z\",\"version\":3}\n",
           i, st[i % 4 + 1], 50 + (i * 37) % 200, i % 9973, i % 500);
  }
}' > "$file"
bytes=$(wc -c < "$file")
echo "input: $N events, $((bytes / N)) bytes each on average ($file)"

filter='select(.to_status == "FUNDED" and (.payload.amount | tonumber) > 100) | {deal_id, command: "EXECUTE_PAYOUT", amount: .payload.amount}'
start=$(date +%s.%N)
jq_out=$(jq -c "$filter" "$file" | wc -l)
end=$(date +%s.%N)
jq_rate=$(awk -v n="$N" -v s="$start" -v e="$end" 'BEGIN { printf("%.0f", n / (e - s)) }')

topo_json=$(TOPO_BENCH_INPUT="$file" "$BIN" --benchmark_format=json --benchmark_min_time=2 2>/dev/null)
topo_rate=$(jq '.benchmarks[0].items_per_second | floor' <<<"$topo_json")
topo_frac=$(jq '.benchmarks[0].out_fraction' <<<"$topo_json")

printf '%-28s %14s %10s\n' "tool" "records/s" "kept"
printf '%-28s %14s %10s\n' "jq -c (1 core)" "$jq_rate" "$jq_out"
printf '%-28s %14s %10s\n' "topo chain_bench (1 core)" "$topo_rate" "$(awk -v f="$topo_frac" -v n="$N" 'BEGIN{printf("%d", f*n+0.5)}')"
awk -v a="$topo_rate" -v b="$jq_rate" 'BEGIN { printf("topo / jq = %.1fx\n", a / b) }'

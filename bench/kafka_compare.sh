#!/usr/bin/env bash
# The Kafka backend through librdkafka's mock cluster, against a hand-written
# Python consume-transform-produce loop (bench/kafka_peer.py, Debian's
# python3-confluent-kafka) doing the same filter + projection on the same data, in
# the same run; kcat's plain consume of the input topic is the broker's ceiling.
#
#   bash bench/kafka_compare.sh [N]     # default 250000 events over 16 partitions
#
# Needs BUILD/topo and BUILD/kafka_mock_cluster (BUILD defaults to build-kbench;
# Release for numbers), /usr/bin/python3 with confluent_kafka, and kcat (optional).
# The mock keeps only about the newest 5 MiB per partition (DESIGN.md §7):
# 250,000 x ~250 B over 16 partitions is ~3.9 MiB each.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-250000}"
BUILD="${BUILD:-build-kbench}"
TOPO="$BUILD/topo"
PY=/usr/bin/python3
IN=deal.events
OUT_PY=escrow.commands.py
OUT_ALO=escrow.commands.topo
OUT_EOS=escrow.commands.topo-eos
EXPECT=$((N / 4))

work=$(mktemp -d)
source bench/mock_cluster.sh
trap 'stop_mock; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

start_mock "$work" "$IN:16" "$OUT_PY:16" "$OUT_PY.loose:16" "$OUT_ALO:16" "$OUT_EOS:16"
echo "mock cluster: $BOOT"

# N seed-like ~250-byte deal events keyed by deal_id, a quarter of them FUNDED
# (the seeder bench/kafka_streams_compare.sh uses too).
timeout 120 "$PY" bench/seed_kafka.py "$BOOT" "$IN" "$N"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { printf("%.0f", n / (e - s)) }'; }
count() {  # records in a topic (kcat, or a Python consumer if kcat is missing)
  if command -v kcat > /dev/null; then
    timeout 60 kcat -b "$BOOT" -C -t "$1" -e -o beginning -q -f 'x\n' | wc -l
  else
    timeout 60 "$PY" -c '
import sys; from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "count", "enable.auto.commit": False})
md = c.list_topics(sys.argv[2], timeout=10).topics[sys.argv[2]]
n = 0
for p in md.partitions:
    lo, hi = c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10); n += hi - lo
print(n)' "$BOOT" "$1"
  fi
}

# The consumer prefetch. topo's consumer defaults (engine/log/kafka_log.cc) queue up
# to 500,000 records / 64 MiB instead of librdkafka's 100,000 records: librdkafka
# stops fetching at that bound and looks again up to 1 s later, and 100,000 records
# are well under a second of topo's (or kcat's) work.
TOPO_Q=queued.min.messages=500000,queued.max.messages.kbytes=65536
RDK_Q=queued.min.messages=100000

# kcat: plain consume of the whole input topic (the broker's ceiling), with
# librdkafka's prefetch and with topo's.
kcat_rate="unavailable" kcat_n="-" kcatq_rate="unavailable"
if command -v kcat > /dev/null; then
  s=$(now)
  kcat_n=$(timeout 60 kcat -b "$BOOT" -C -t "$IN" -e -o beginning -q | wc -l)
  e=$(now)
  kcat_rate=$(rate "$kcat_n" "$s" "$e")
  s=$(now)
  kcatq_n=$(timeout 60 kcat -b "$BOOT" -C -t "$IN" -e -o beginning -q -X "${TOPO_Q%%,*}" -X "${TOPO_Q#*,}" | wc -l)
  e=$(now)
  kcatq_rate=$(rate "$kcatq_n" "$s" "$e")
fi
[[ "$kcat_n" == "-" || "$kcat_n" -eq "$N" ]] || echo "WARNING: kcat read $kcat_n of $N input records (mock retention?)" >&2

# The Python loop (its own rate: first record received -> last processed).
run_py() {  # label output group [env...]
  local label=$1 out=$2 group=$3 line
  shift 3
  line=$(env "$@" timeout 180 "$PY" bench/kafka_peer.py "$BOOT" "$IN" "$out" "$N" "$group")
  echo "python $label: $line" >&2
  sed -E 's/.*\(([0-9]+) records\/s\).*/\1/' <<<"$line"
}
# topo (its own summary: first record -> last record in).
run_topo() {  # file app-id [topo run flags...]
  # A failed run still reports its rate, marked with a "!" (its error goes to stderr).
  local file=$1 app=$2 s e out rc=0
  shift 2
  s=$(now)
  out=$(timeout 180 "$TOPO" run "$file" --bootstrap-servers "$BOOT" --no-topic-config-check --application-id "$app" \
        --exit-when-idle 2000 --status-interval 0 --http-port -1 "$@" 2>&1) || rc=$?
  e=$(now)
  [[ $rc -eq 0 ]] || echo "topo $app $*: FAILED (exit $rc): $(grep -E '^topo run:.*(cannot|error|fail)' <<<"$out" || tail -1 <<<"$out")" >&2
  echo "topo $app $*: $(grep -E '^processed' <<<"$out"), $(grep -oE 'commits [0-9]+ \(mean [0-9.]+ ms\)' <<<"$out") (wall $(awk -v s="$s" -v e="$e" 'BEGIN{printf("%.2f", e-s)}') s incl. group join + 2 s idle)" >&2
  local r
  r=$(grep -E '^processed' <<<"$out" | sed -E 's/.*\(([0-9]+) records\/s\).*/\1/')
  echo "${r:-0}$([[ $rc -eq 0 ]] || echo '!')"
}
# Default client settings. The loose loop commits asynchronously without flushing the
# producer first (faster, but offsets can run ahead of delivered outputs: not
# at-least-once); its output is not counted.
py_rate=$(run_py at-least-once "$OUT_PY" kafka-peer)
pyl_rate=$(run_py "async commit, no flush" "$OUT_PY.loose" kafka-peer-loose PEER_FLUSH=0)
alo_rate=$(run_topo bench/kafka_bench.jsonnet kafka-bench-alo)
eos_rate=$(run_topo bench/kafka_bench_eos.jsonnet kafka-bench-eos)
py_n=$(count "$OUT_PY"); alo_n=$(count "$OUT_ALO"); eos_n=$(count "$OUT_EOS")
# Python with topo's prefetch (is the difference just the setting?) and topo with
# librdkafka's (what topo's default buys), then topo with 2 threads. They write the
# same output topics again, so outputs were counted above.
pyq_rate=$(run_py "at-least-once, $TOPO_Q" "$OUT_PY.loose" kafka-peer-q PEER_X=$TOPO_Q)
pylq_rate=$(run_py "no flush, $TOPO_Q" "$OUT_PY.loose" kafka-peer-loose-q PEER_FLUSH=0 PEER_X=$TOPO_Q)
alor_rate=$(run_topo bench/kafka_bench.jsonnet kafka-bench-alo-rdk -X "$RDK_Q")
eosr_rate=$(run_topo bench/kafka_bench_eos.jsonnet kafka-bench-eos-rdk -X "$RDK_Q")
alo2_rate=$(run_topo bench/kafka_bench.jsonnet kafka-bench-alo-t2 --threads 2)

echo
printf '%-36s %12s %10s\n' "tool" "records/s" "outputs"
printf '%-36s %12s %10s\n' "kcat -C (input only, ceiling)" "$kcat_rate" "($kcat_n in)"
printf '%-36s %12s\n' "kcat -C with topo's prefetch" "$kcatq_rate"
printf '%-36s %12s %10s\n' "python confluent_kafka loop" "$py_rate" "$py_n"
printf '%-36s %12s %10s\n' "python loop, async commit, no flush" "$pyl_rate" "-"
printf '%-36s %12s %10s\n' "topo run, at_least_once" "$alo_rate" "$alo_n"
printf '%-36s %12s %10s\n' "topo run, exactly_once" "$eos_rate" "$eos_n"
printf '%-36s %12s\n' "-- python with topo's prefetch" ""
printf '%-36s %12s\n' "python loop" "$pyq_rate"
printf '%-36s %12s\n' "python loop, async commit, no flush" "$pylq_rate"
printf '%-36s %12s\n' "-- topo with librdkafka's prefetch" ""
printf '%-36s %12s\n' "topo run, at_least_once" "$alor_rate"
printf '%-36s %12s\n' "topo run, exactly_once" "$eosr_rate"
printf '%-36s %12s\n' "topo run --threads 2, at_least_once" "$alo2_rate"
ratio() { awk -v a="${1%!}" -v b="$2" 'BEGIN { printf("%.2fx", a / b) }'; }
echo "(! = the run exited with an error; see above)"
echo "topo/python (target >= 2x), defaults:         alo/loop $(ratio "$alo_rate" "$py_rate"), eos/loop $(ratio "$eos_rate" "$py_rate"), alo/no-flush loop $(ratio "$alo_rate" "$pyl_rate"), eos/no-flush loop $(ratio "$eos_rate" "$pyl_rate")"
echo "topo/python, both with topo's prefetch:       alo/loop $(ratio "$alo_rate" "$pyq_rate"), eos/loop $(ratio "$eos_rate" "$pyq_rate"), alo/no-flush loop $(ratio "$alo_rate" "$pylq_rate"), eos/no-flush loop $(ratio "$eos_rate" "$pylq_rate")"
echo "topo/python, both with librdkafka's prefetch: alo/loop $(ratio "$alor_rate" "$py_rate"), eos/loop $(ratio "$eosr_rate" "$py_rate")"
bad=0
for pair in "python:$py_n" "topo-alo:$alo_n" "topo-eos:$eos_n"; do
  [[ "${pair#*:}" -eq "$EXPECT" ]] || { echo "WARNING: ${pair%%:*} wrote ${pair#*:} outputs, expected $EXPECT" >&2; bad=1; }
done
exit "$bad"

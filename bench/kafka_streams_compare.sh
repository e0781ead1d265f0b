#!/usr/bin/env bash
# topo against Apache Kafka Streams on a real broker: the same filter + projection
# (bench/kafka_bench.libsonnet; bench/peers/kafka-streams/ is the Kafka Streams app)
# on the same input topic, one after the other in one broker session, under each
# guarantee with 1 and 2 stream threads; kcat's plain consume of the input (the
# broker's ceiling) and the Python confluent_kafka loop (bench/kafka_peer.py) in the
# same table.
#
#   bash bench/kafka_streams_compare.sh [N]     # default 1000000 events over 16 partitions
#
# Every run is timed the same way, end to end: from the moment the process is started
# until a read_committed consumer of its (fresh, empty) output topic has received all
# N/4 outputs (bench/kafka_watch.py). So records/s includes process start (the JVM's
# too), the group join and, exactly-once, the last transaction's commit. "after 1st"
# is N over the time from the first output visible to the last (startup excluded);
# "1st out" is the time from start to the first output visible. CPU (user+sys) and
# peak RSS are the process's own, from /usr/bin/time, over its whole life (topo
# stops after 2 s idle, Kafka Streams once it produced N/4 outputs and closed);
# "broker cpu s" is the broker JVM's during the run (DIR/broker.pid), as the broker
# shares the machine's cores with the engine under test.
# Every run's outputs are then read back read_committed and checked: N/4 records,
# N/4 distinct keys, and the same (partition, key, value, headers) content as topo's
# first run (the Python loop's JSON spacing and partitioner differ, so its content
# is shown, not checked). Any failed or incomplete run makes the exit status 1.
#
# Environment:
#   BUILD=build-kbench       topo is $BUILD/topo (Release for numbers)
#   BROKER_SH=ci/kafka/broker.sh   `start DIR [PORT]` (writes DIR/bootstrap) / `stop DIR`
#   THREADS="1 2"            stream thread counts to run
#   GUARANTEES="at_least_once exactly_once"
#   COMMIT_MS=100            commit interval of both engines (Kafka Streams' exactly-once default)
#   REPEAT=1                 runs of each configuration (the summary takes medians of the
#                            complete ones; even repeats run Kafka Streams before topo)
#   KS_JAVA_OPTS=-Xmx512m    the Kafka Streams JVM's options
#   RUN_TIMEOUT=600          seconds one run may take
#   WARMUP=1                 0: no unmeasured topo run to warm the broker's JVM up first
#   RESULTS=FILE             also keep the results as TSV
#   LOGS=DIR                 also keep every run's output, timings and (sorted) outputs there
#
# Needs java 17 + mvn (the peer is built on first use: mvn compile
# dependency:copy-dependencies in bench/peers/kafka-streams), /usr/bin/python3 with
# confluent_kafka, kcat and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
BUILD="${BUILD:-build-kbench}"
TOPO="$BUILD/topo"
BROKER_SH="${BROKER_SH:-ci/kafka/broker.sh}"
THREADS="${THREADS:-1 2}"
GUARANTEES="${GUARANTEES:-at_least_once exactly_once}"
COMMIT_MS="${COMMIT_MS:-100}"
REPEAT="${REPEAT:-1}"
KS_JAVA_OPTS="${KS_JAVA_OPTS:--Xmx512m}"
RUN_TIMEOUT="${RUN_TIMEOUT:-600}"
PY=/usr/bin/python3
KS=bench/peers/kafka-streams
IN=deal.events
EXPECT=$((N / 4))

die() { echo "kafka_streams_compare: $*" >&2; exit 1; }
[[ -x "$TOPO" ]] || die "no $TOPO (build it: cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C $BUILD topo)"
[[ -f "$BROKER_SH" ]] || die "no $BROKER_SH: a real broker is needed (BROKER_SH=path for another script with its start DIR / stop DIR interface)"
for tool in java mvn kcat /usr/bin/time "$PY"; do command -v "$tool" > /dev/null || die "$tool not found"; done
"$PY" -c 'import confluent_kafka' 2> /dev/null || die "$PY has no confluent_kafka (python3-confluent-kafka)"
(( N % 4 == 0 && N > 0 )) || die "N must be a positive multiple of 4 (a quarter of the events are kept)"

# The Kafka Streams app, built when missing or older than its sources.
if [[ ! -d "$KS/target/dependency" || -n "$(find "$KS/src" "$KS/pom.xml" -newer "$KS/target/classes" 2> /dev/null | head -1)" ]] ||
  [[ ! -f "$KS/target/classes/topo/bench/FilterProject.class" ]]; then
  echo "building the Kafka Streams peer ($KS)" >&2
  nice mvn -q -B -f "$KS/pom.xml" compile dependency:copy-dependencies >&2 || die "mvn could not build $KS"
fi

work=$(mktemp -d)
broker_up=0
cleanup() {
  [[ $broker_up == 1 ]] && bash "$BROKER_SH" stop "$work/broker" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$BROKER_SH" start "$work/broker" > /dev/null || die "the broker did not start"
broker_up=1
BOOT=$(cat "$work/broker/bootstrap")
# The broker's CPU seconds so far (user+sys), or "-" when its pid is unknown: the
# broker shares the machine's cores with the engine under test.
broker_cpu() {
  local pid
  pid=$(cat "$work/broker/broker.pid" 2> /dev/null) && [[ -r /proc/$pid/stat ]] || { echo -; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf("%.2f", ($12 + $13) / hz) }' "/proc/$pid/stat"
}
echo "broker: $BOOT (Apache Kafka via $BROKER_SH)" >&2

# Topics as topo would create them (cleanup.policy=delete, retention.ms=-1 for a
# topic without retention), so that topo finds them as declared.
create_topics() {  # topic ...
  "$PY" - "$BOOT" "$@" <<'PYEOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({"bootstrap.servers": sys.argv[1]})
fs = a.create_topics([NewTopic(t, 16, 1, config={"cleanup.policy": "delete", "retention.ms": "-1"})
                      for t in sys.argv[2:]], request_timeout=30)
for t, f in fs.items():
    f.result()
PYEOF
}
create_topics "$IN" warmup
timeout 600 "$PY" bench/seed_kafka.py "$BOOT" "$IN" "$N" >&2
# A fresh broker creates __consumer_offsets and __transaction_state on their first
# use ("coordinator load in progress" for a while): have that happen here, not in
# whichever run comes first. A transaction, and a group that commits an offset.
timeout 120 "$PY" - "$BOOT" <<'PYEOF'
import sys
from confluent_kafka import Consumer, Producer, TopicPartition
boot = sys.argv[1]
p = Producer({"bootstrap.servers": boot, "transactional.id": "bench-warmup"})
p.init_transactions(60)
p.begin_transaction()
p.produce("warmup", key="k", value="v")
p.commit_transaction(60)
c = Consumer({"bootstrap.servers": boot, "group.id": "bench-warmup", "enable.auto.commit": False})
c.commit(offsets=[TopicPartition("warmup", 0, 1)], asynchronous=False)
c.close()
PYEOF

# topo reads bench/kafka_bench.libsonnet with the guarantee and output topic of the run.
cat > "$work/bench.jsonnet" <<'EOF'
(import 'kafka_bench.libsonnet')(guarantee=std.extVar('guarantee'), output=std.extVar('output'))
EOF

now() { date +%s.%N; }
results="$work/results.tsv"
printf 'peer\tguarantee\tthreads\trep\tstart\tfirst\tlast\twatched\twall\tuser\tsys\trss_kb\toutputs\tkeys\tcontent\trc\tbroker_cpu\n' > "$results"
ref_content=""

# One run: a watcher on the fresh output topic, then the process under /usr/bin/time,
# then the check of what it wrote.
run() {  # peer guarantee threads rep output -- command...
  local peer=$1 g=$2 t=$3 rep=$4 out=$5 id=$1-$2-t$3-r$4
  shift 6
  "$PY" bench/kafka_watch.py "$BOOT" "$out" "$EXPECT" "$work/$id.ready" "$RUN_TIMEOUT" \
    > "$work/$id.watch" 2> "$work/$id.watch.err" &
  local wpid=$! i rc=0 wrc=0
  for i in $(seq 300); do [[ -e "$work/$id.ready" ]] && break; sleep 0.1; done
  [[ -e "$work/$id.ready" ]] || { kill "$wpid"; die "the output watcher did not start: $(cat "$work/$id.watch.err")"; }
  local s b0
  b0=$(broker_cpu)
  s=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$work/$id.time" timeout "$RUN_TIMEOUT" "$@" > "$work/$id.log" 2>&1 || rc=$?
  # The process is gone: what it committed is visible within moments, or never.
  for i in $(seq 100); do kill -0 "$wpid" 2> /dev/null || break; sleep 0.1; done
  kill "$wpid" 2> /dev/null || true
  wait "$wpid" || wrc=$?
  local bcpu
  bcpu=$(awk -v a="$b0" -v b="$(broker_cpu)" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf("%.2f", b - a) }')
  local first=0 last=0 watched=0
  eval "$(grep -oE '^first=[0-9.]+ last=[0-9.]+ count=[0-9]+' "$work/$id.watch" | sed 's/count=/watched=/')" || true
  local wall user sys rss
  read -r wall user sys rss < <(tail -1 "$work/$id.time")
  # What it wrote, read_committed, in one canonical order.
  timeout 120 kcat -b "$BOOT" -C -t "$out" -o beginning -e -q -X isolation.level=read_committed \
    -f '%p\t%k\t%s\t%h\n' | LC_ALL=C sort > "$work/$id.dump" || true
  local outputs keys content
  outputs=$(wc -l < "$work/$id.dump")
  keys=$(cut -f2 "$work/$id.dump" | sort -u | wc -l)
  content=$(sha256sum < "$work/$id.dump" | cut -c1-12)
  [[ -z "$ref_content" && $peer == topo && $outputs -eq $EXPECT ]] && ref_content=$content &&
    cp "$work/$id.dump" "$work/reference.dump"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$g" "$t" "$rep" "$s" "$first" \
    "$last" "$watched" "$wall" "$user" "$sys" "$rss" "$outputs" "$keys" "$content" "$rc" "$bcpu" >> "$results"
  local note
  note=$(awk -v s="$s" -v f="$first" -v l="$last" -v n="$N" -v u="$user" -v y="$sys" -v r="$rss" -v w="$wall" 'BEGIN {
    if (l > 0) printf("%.0f records/s end to end, first output after %.2f s, all after %.2f s; ", n / (l - s), f - s, l - s);
    printf("wall %.2f s, cpu %.2f s, peak rss %.0f MB", w, u + y, r / 1024) }')
  echo "$id: $note; $outputs outputs ($keys keys)$([[ $rc -eq 0 ]] || echo ", EXIT $rc")" >&2
  case $peer in
    topo) grep -E '^processed|^topo run:.*(cannot|error|fail)' "$work/$id.log" | sed 's/^/  /' >&2 || true ;;
    kafka-streams) grep -E '^kafka-streams|FilterProject|ERROR' "$work/$id.log" | head -5 | sed 's/^/  /' >&2 || true ;;
    python) sed 's/^/  /' "$work/$id.log" | tail -2 >&2 ;;
  esac
  [[ $rc -eq 0 ]] || tail -5 "$work/$id.log" | sed 's/^/  | /' >&2
  sleep 1
}

# kcat: a plain consume of the input topic, the broker's ceiling.
b0=$(broker_cpu)
s=$(now)
/usr/bin/time -f '%e %U %S %M' -o "$work/kcat.time" timeout 120 kcat -b "$BOOT" -C -t "$IN" -e -o beginning -q \
  > "$work/kcat.out"
e=$(now)
read -r wall user sys rss < <(tail -1 "$work/kcat.time")
printf 'kcat -C (input only)\t-\t1\t1\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t0\t%s\n' "$s" "$e" "$(wc -l < "$work/kcat.out")" \
  "$wall" "$user" "$sys" "$rss" "$(awk -v a="$b0" -v b="$(broker_cpu)" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf("%.2f", b - a) }')" >> "$results"
rm -f "$work/kcat.out"

run_topo() {  # guarantee threads rep
  local g=$1 t=$2 rep=$3 out=out.topo.$1.t$2.r$3
  create_topics "$out"
  run topo "$g" "$t" "$rep" "$out" -- "$TOPO" run "$work/bench.jsonnet" -J bench \
    --ext-str "guarantee=$g" --ext-str "output=$out" --bootstrap-servers "$BOOT" \
    --application-id "topo-$g-t$t-r$rep" --threads "$t" --commit-interval "$COMMIT_MS" \
    --exit-when-idle 2000 --status-interval 0 --http-port -1
}
run_kstreams() {  # guarantee threads rep
  local g=$1 t=$2 rep=$3 out=out.ks.$1.t$2.r$3 ksg=$1
  [[ $g == exactly_once ]] && ksg=exactly_once_v2
  create_topics "$out"
  # shellcheck disable=SC2086  # KS_JAVA_OPTS is a list of options
  run kafka-streams "$g" "$t" "$rep" "$out" -- java $KS_JAVA_OPTS \
    -cp "$KS/target/classes:$KS/target/dependency/*" topo.bench.FilterProject \
    --bootstrap-servers "$BOOT" --input "$IN" --output "$out" --application-id "ks-$g-t$t-r$rep" \
    --guarantee "$ksg" --threads "$t" --commit-interval-ms "$COMMIT_MS" --expect "$EXPECT" \
    --state-dir "$work/ks-state" --timeout-s "$RUN_TIMEOUT"
}
# The broker's own JVM is still warming up (JIT) in the first runs of a session, and
# a run that came first paid for it (~2-3x the broker CPU, a slower run): an
# unmeasured run first, through the same paths (groups, transactions, fetches).
# Then odd repeats run topo first, even ones Kafka Streams first.
if [[ "${WARMUP:-1}" == 1 ]]; then
  create_topics out.warmup
  echo "warm-up (not measured): topo exactly_once" >&2
  timeout "$RUN_TIMEOUT" "$TOPO" run "$work/bench.jsonnet" -J bench --ext-str guarantee=exactly_once \
    --ext-str output=out.warmup --bootstrap-servers "$BOOT" --application-id warmup \
    --commit-interval "$COMMIT_MS" --exit-when-idle 2000 --status-interval 0 --http-port -1 > "$work/warmup.log" 2>&1 ||
    { tail -5 "$work/warmup.log" >&2; die "the warm-up run failed"; }
fi
for rep in $(seq "$REPEAT"); do
  for t in $THREADS; do
    if (( rep % 2 == 1 )); then peers="topo kstreams"; else peers="kstreams topo"; fi
    for peer in $peers; do
      for g in $GUARANTEES; do "run_$peer" "$g" "$t" "$rep"; done
    done
  done
  # The Python loop: at-least-once, commits every 10,000 records (after flushing).
  out=out.python.r$rep
  create_topics "$out"
  run python at_least_once 1 "$rep" "$out" -- "$PY" bench/kafka_peer.py "$BOOT" "$IN" "$out" "$N" "python-r$rep"
done

[[ -n "${RESULTS:-}" ]] && cp "$results" "$RESULTS"
if [[ -n "${LOGS:-}" ]]; then
  mkdir -p "$LOGS" && cp "$work"/*.{log,watch,time,dump} "$results" "$LOGS"/ && cp "$work/broker/"*.log "$LOGS"/ 2> /dev/null || true
fi

# The table, and the issue's targets from medians over the repeats.
"$PY" - "$results" "$N" "$EXPECT" "$ref_content" "$COMMIT_MS" <<'PYEOF'
import csv, statistics, sys
path, n, expect, ref, commit_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = list(csv.DictReader(open(path), delimiter="\t"))
bad = 0
print()
print(f"{n} input records (16 partitions) -> {expect} outputs; commit interval {commit_ms} ms; "
      "records/s = input records / (start -> all outputs visible read_committed)")
hdr = ("peer", "guarantee", "thr", "rep", "records/s", "after 1st", "1st out s", "all out s", "wall s", "cpu s",
       "cpu s/M", "rss MB", "outputs", "content", "broker cpu s")
fmt = "%-20s %-13s %3s %3s %9s %9s %9s %9s %7s %6s %7s %6s %8s %-14s %12s"
print(fmt % hdr)
stats = {}
for r in rows:
    s, last = float(r["start"]), float(r["last"])
    cpu = float(r["user"]) + float(r["sys"])
    rss = int(r["rss_kb"]) / 1024
    if r["peer"].startswith("kcat"):
        rate = int(r["watched"]) / (last - s)
        print(fmt % (r["peer"], "-", 1, r["rep"], f"{rate:.0f}", "-", "-", f"{last - s:.2f}", r["wall"],
                     f"{cpu:.2f}", f"{cpu / int(r['watched']) * 1e6:.2f}", f"{rss:.0f}", f"({r['watched']} in)", "",
                     r["broker_cpu"]))
        continue
    first = float(r["first"])
    ok = r["rc"] == "0" and int(r["watched"]) >= expect and last > 0
    rate = n / (last - s) if ok else 0
    after = n / (last - first) if ok and last > first else 0
    outs = int(r["outputs"])
    out_s = str(outs) if outs == expect and int(r["keys"]) == expect else f"{outs}/{r['keys']}k!"
    if r["peer"] == "python":
        content = "(json spacing)" if r["content"] != ref else "same"
    else:
        content = "same" if r["content"] == ref else "DIFFERS"
        if r["content"] != ref or out_s.endswith("!"):
            bad = 1
    if not ok:
        bad = 1
    print(fmt % (r["peer"], r["guarantee"], r["threads"], r["rep"], f"{rate:.0f}" + ("" if ok else "!"),
                 f"{after:.0f}", f"{first - s:.2f}" if first else "-", f"{last - s:.2f}" if last else "-", r["wall"],
                 f"{cpu:.2f}", f"{cpu / n * 1e6:.2f}", f"{rss:.0f}", out_s, content, r["broker_cpu"]))
    if ok:  # a failed run has no rate: the medians are over the complete runs
        stats.setdefault((r["peer"], r["guarantee"], r["threads"]), []).append((rate, cpu / n * 1e6, rss))
print("(! = failed or incomplete; content: sorted (partition, key, value, headers) of the outputs against topo's"
      " first run)")
med = lambda k, i: statistics.median(x[i] for x in stats[k]) if k in stats else None
print()
for g in ("at_least_once", "exactly_once"):
    for t in ("1", "2"):
        a, b = ("topo", g, t), ("kafka-streams", g, t)
        if a in stats and b in stats and med(b, 0) and med(a, 1):
            print(f"{g:13s} {t} thread(s): topo/Kafka Streams records/s {med(a, 0) / med(b, 0):.2f}x (target >= 3x), "
                  f"CPU per record {med(a, 1) / med(b, 1):.2f} of Kafka Streams' (target <= 0.33), "
                  f"peak RSS {med(a, 2):.0f} vs {med(b, 2):.0f} MB")
for t in ("1", "2"):
    a, e = ("topo", "at_least_once", t), ("topo", "exactly_once", t)
    if a in stats and e in stats and med(a, 0):
        print(f"topo {t} thread(s): exactly-once at {med(e, 0) / med(a, 0):.0%} of at-least-once's records/s (target >= 70%)")
sys.exit(bad)
PYEOF

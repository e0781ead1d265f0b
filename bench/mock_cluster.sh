# Sourced by the Kafka benches: a standalone librdkafka mock cluster
# (BUILD/kafka_mock_cluster) that runs until its stdin, fd 9 here, closes.
#
#   start_mock DIR topic:partitions ...   # sets MOCK_PID and BOOT (bootstrap servers)
#   stop_mock                             # idempotent; call it from an EXIT trap too

MOCK_PID=""
start_mock() {
  local dir=$1
  shift
  rm -f "$dir/mock.in" && mkfifo "$dir/mock.in"
  "$BUILD/kafka_mock_cluster" "$@" < "$dir/mock.in" > "$dir/mock.out" 2> "$dir/mock.err" &
  MOCK_PID=$!
  exec 9> "$dir/mock.in"
  for _ in $(seq 100); do [[ -s "$dir/mock.out" ]] && break; sleep 0.05; done
  BOOT=$(head -1 "$dir/mock.out")
  [[ -n "$BOOT" ]] || { echo "mock cluster did not start: $(cat "$dir/mock.err")" >&2; exit 1; }
}
stop_mock() {
  if [[ -n "$MOCK_PID" ]]; then
    exec 9>&- 2>/dev/null || true  # closing its stdin stops it
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=""
  fi
}

#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker and controller in one JVM) on
# loopback, for the Kafka-backend tests. See ci/kafka/README.md.
#
#   broker.sh fetch               copy the broker's jars from Maven Central into the cache (once)
#   broker.sh start DIR [PORT]    start a fresh broker in DIR (any free port unless PORT); prints
#                                 the bootstrap address; a broker already serving from DIR is kept
#   broker.sh stop DIR            stop it (SIGTERM, SIGKILL after 30 s)
#   broker.sh status DIR          exit 0 and print the bootstrap address if it serves
#   broker.sh restart DIR         stop and start again on the same ports with the same data
#
# DIR holds server.properties, log4j.properties, data/ (the log), broker.log (WARN and
# up, plus startup/shutdown milestones), broker.out (the JVM's stdout/stderr),
# broker.pid, ports and bootstrap ("127.0.0.1:PORT", present while it serves).
set -euo pipefail

KAFKA_VERSION=3.9.2
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$HERE/pom.xml"
CACHE="${TOPO_KAFKA_CACHE:-$HOME/.cache/topo/kafka-$KAFKA_VERSION}"
MARKER="$CACHE/.fetched"
START_TIMEOUT_S="${TOPO_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT_S=30

die() {
  echo "ci/kafka/broker.sh: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2 (bash ci/install-deps.sh installs it)"
}

# The marker holds the pom's hash, so editing the pom (a new Kafka version) fetches again.
pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

fetched() { [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$(pom_hash)" ]; }

cmd_fetch() {
  fetched && return 0
  need mvn "Maven fetches the Kafka broker from Maven Central"
  mkdir -p "$(dirname "$CACHE")"
  # One fetch at a time; whoever waited finds the marker and is done.
  exec 9>"$CACHE.lock"
  flock 9
  if ! fetched; then
    echo "ci/kafka: fetching Apache Kafka $KAFKA_VERSION from Maven Central into $CACHE" >&2
    local tmp="$CACHE.partial.$$"
    rm -rf "$tmp"
    # Into a fresh directory that replaces the cache only when complete, so an
    # interrupted fetch leaves no marker and is redone.
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
      tail -n 30 "$tmp.log" >&2
      rm -rf "$tmp" "$tmp.log"
      die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
    fi
    rm -f "$tmp.log"
    pom_hash >"$tmp/.fetched"
    rm -rf "$CACHE"
    mv "$tmp" "$CACHE"
  fi
  exec 9>&-
}

free_ports() {  # prints N distinct free loopback ports, one per line
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

alive() {  # PID: running (a zombie that nobody reaped yet is not)
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat:0:1}" != Z ]
}

pid_of() {  # the broker's pid if DIR's broker process is alive
  local dir="$1" pid
  [ -f "$dir/broker.pid" ] || return 1
  pid="$(cat "$dir/broker.pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # A recycled pid is not our broker: its command line names this DIR's config.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $dir/server.properties" || return 1
  echo "$pid"
}

serves() {  # PORT: the broker answers a metadata request and lists itself
  kcat -L -b "127.0.0.1:$1" -m 3 2>/dev/null | grep -q ' 1 brokers:'
}

write_config() {  # DIR PORT CPORT
  local dir="$1" port="$2" cport="$3"
  cat >"$dir/server.properties" <<EOF
# Written by ci/kafka/broker.sh: one KRaft node, broker and controller, on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
# One node: every internal topic has one replica; few partitions keep startup quick.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
# topo creates its topics through the Admin API; a topic it forgot to create must
# fail a test, not appear silently with broker defaults.
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=4
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# Startup and shutdown milestones, a few lines each.
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
}

show_logs() {
  local dir="$1"
  echo "---- $dir/broker.log (tail) ----" >&2
  tail -n 40 "$dir/broker.log" >&2 2>/dev/null || true
  echo "---- $dir/broker.out (tail) ----" >&2
  tail -n 20 "$dir/broker.out" >&2 2>/dev/null || true
}

launch() {  # DIR PORT: starts the JVM on DIR's config and waits until it serves
  local dir="$1" port="$2" pid deadline
  setsid java -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$CACHE/*" \
    kafka.Kafka "$dir/server.properties" </dev/null >"$dir/broker.out" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$dir/broker.pid"
  deadline=$((SECONDS + START_TIMEOUT_S))
  until serves "$port"; do
    if ! alive "$pid"; then
      rm -f "$dir/broker.pid"
      show_logs "$dir"
      die "the broker in $dir exited during startup"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs "$dir"
      cmd_stop "$dir" locked >/dev/null
      die "the broker in $dir did not serve on 127.0.0.1:$port within ${START_TIMEOUT_S}s"
    fi
    sleep 0.5
  done
  echo "127.0.0.1:$port" >"$dir/bootstrap.tmp"
  mv "$dir/bootstrap.tmp" "$dir/bootstrap"
}

abs_dir() {
  [ -n "${1:-}" ] || die "usage: broker.sh ${2:-start} DIR"
  mkdir -p "$1"
  (cd "$1" && pwd)
}

lock_dir() {  # one start/stop/restart per DIR at a time; the broker itself does not hold it
  exec 8>"$1/.lock"
  flock 8
}

cmd_start() {
  local dir port cport pid ports
  dir="$(abs_dir "${1:-}" start)"
  port="${2:-}"
  lock_dir "$dir"
  if pid="$(pid_of "$dir")"; then
    # Idempotent: a live broker is kept (it may still be starting).
    read -r port _ <"$dir/ports"
    local deadline=$((SECONDS + START_TIMEOUT_S))
    until serves "$port"; do
      [ "$SECONDS" -lt "$deadline" ] && alive "$pid" || {
        show_logs "$dir"
        die "the broker in $dir (pid $pid) does not serve on 127.0.0.1:$port"
      }
      sleep 0.5
    done
    echo "127.0.0.1:$port" >"$dir/bootstrap"
    cat "$dir/bootstrap"
    return 0
  fi
  need java "the Kafka broker runs on a JVM (OpenJDK 17: default-jdk-headless)"
  need kcat "broker.sh checks that the broker serves with kcat"
  need python3 "broker.sh picks free ports with python3"
  cmd_fetch
  # A fresh broker: no topics, offsets or transactions from an earlier run.
  if [ -e "$dir/data" ] && ! grep -qs '^# Written by ci/kafka/broker.sh' "$dir/server.properties"; then
    die "$dir/data exists but $dir is not a broker directory of broker.sh; not deleting it"
  fi
  rm -rf "$dir/data" "$dir/bootstrap" "$dir/broker.pid"
  if [ -n "$port" ]; then
    cport="$(free_ports 1)"
  else
    ports="$(free_ports 2)"
    port="$(sed -n 1p <<<"$ports")"
    cport="$(sed -n 2p <<<"$ports")"
  fi
  echo "$port $cport" >"$dir/ports"
  : >"$dir/broker.log"
  write_config "$dir" "$port" "$cport"
  local cluster_id
  cluster_id="$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
  if ! java -Xmx256m -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$CACHE/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.out" 2>&1; then
    cat "$dir/format.out" >&2
    die "could not format the broker's storage in $dir/data"
  fi
  launch "$dir" "$port"
  cat "$dir/bootstrap"
}

cmd_stop() {
  local dir pid deadline
  dir="$(abs_dir "${1:-}" stop)"
  [ "${2:-}" = locked ] || lock_dir "$dir"
  rm -f "$dir/bootstrap"
  if ! pid="$(pid_of "$dir")"; then
    rm -f "$dir/broker.pid"
    echo "ci/kafka: no broker running in $dir"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT_S))
  while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if alive "$pid"; then
    echo "ci/kafka: broker $pid did not stop within ${STOP_TIMEOUT_S}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$dir/broker.pid"
  echo "ci/kafka: stopped the broker in $dir"
}

cmd_status() {
  local dir port
  dir="$(abs_dir "${1:-}" status)"
  pid_of "$dir" >/dev/null || die "no broker running in $dir"
  read -r port _ <"$dir/ports"
  serves "$port" || die "the broker in $dir does not serve on 127.0.0.1:$port"
  echo "127.0.0.1:$port"
}

cmd_restart() {
  local dir port
  dir="$(abs_dir "${1:-}" restart)"
  lock_dir "$dir"
  [ -f "$dir/ports" ] && [ -f "$dir/server.properties" ] && [ -d "$dir/data" ] ||
    die "no broker to restart in $dir (start one first)"
  cmd_stop "$dir" locked >/dev/null
  read -r port _ <"$dir/ports"
  cmd_fetch
  launch "$dir" "$port"
  cat "$dir/bootstrap"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start "${@:2}" ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status "${@:2}" ;;
  restart) cmd_restart "${@:2}" ;;
  *) die "usage: broker.sh fetch | start DIR [PORT] | stop DIR | status DIR | restart DIR" ;;
esac

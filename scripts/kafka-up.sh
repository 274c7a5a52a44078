#!/usr/bin/env bash
# Starts a single-node Apache Kafka 3.9.1 broker (KRaft, no ZooKeeper, no Docker) on
# 127.0.0.1:9092 in the background. First use fetches the broker jars from Maven Central with
# `mvn` into ~/.cache/sluice/kafka-3.9.1 (SLUICE_KAFKA_HOME overrides); each start formats a
# fresh data dir, unless SLUICE_KAFKA_KEEP_DATA=1 restarts on the existing one (the broker's
# topics and transactions as a crash left them: the fault suite's restart). Idempotent: a broker already serving is left alone. Stop: scripts/kafka-down.sh.
set -euo pipefail

VERSION=3.9.1
HOME_DIR="${SLUICE_KAFKA_HOME:-$HOME/.cache/sluice/kafka-$VERSION}"
PORT="${SLUICE_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${SLUICE_KAFKA_CONTROLLER_PORT:-9093}"
LIB="$HOME_DIR/lib"
RUN="$HOME_DIR/run-$PORT"
PID_FILE="$RUN/broker.pid"
LOG="$RUN/broker.log"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BOOTSTRAP="127.0.0.1:$PORT"

log() { echo "kafka-up: $*" >&2; }

# One start at a time (test files running in parallel all call this): the others wait here and
# then find the broker serving.
mkdir -p "$HOME_DIR"
exec 9>"$HOME_DIR/.lock-$PORT"
command -v flock >/dev/null && flock 9

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && port_open "$PORT"; then
  log "already running (pid $(cat "$PID_FILE"))"
  echo "$BOOTSTRAP"
  exit 0
fi
if port_open "$PORT"; then
  log "something else already listens on $BOOTSTRAP; set SLUICE_KAFKA_PORT or stop it"
  exit 1
fi

command -v java >/dev/null || { log "java not found (Java 17 or newer is needed)"; exit 1; }

# 1. Jars, once. A complete lib dir is marked by .complete so an interrupted fetch is retried.
if [ ! -f "$LIB/.complete" ]; then
  command -v mvn >/dev/null || { log "mvn not found: it fetches the broker from Maven Central"; exit 1; }
  log "fetching Apache Kafka $VERSION from Maven Central into $LIB (once)"
  mkdir -p "$HOME_DIR"
  rm -rf "$LIB"
  cat > "$HOME_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q -Dstyle.color=never -f "$HOME_DIR/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB" >"$HOME_DIR/mvn.log" 2>&1 \
    || { log "mvn failed:"; cat "$HOME_DIR/mvn.log" >&2; exit 1; }
  touch "$LIB/.complete"
fi

# 2. Config and a fresh data dir (or the last one, kept, when SLUICE_KAFKA_KEEP_DATA=1 and it was formatted).
KEEP=0
if [ "${SLUICE_KAFKA_KEEP_DATA:-}" = 1 ] && [ -f "$RUN/data/meta.properties" ]; then KEEP=1; fi
if [ "$KEEP" = 0 ]; then rm -rf "$RUN"; fi
mkdir -p "$RUN/data"
cat > "$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
PROPS
cat > "$RUN/log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
L4J

JAVA_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$RUN/log4j.properties")
if [ "$KEEP" = 1 ]; then
  log "keeping the data dir $RUN/data (SLUICE_KAFKA_KEEP_DATA=1)"
else
  CLUSTER_ID="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  java "${JAVA_OPTS[@]}" -cp "$LIB/*" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$RUN/server.properties" >"$RUN/format.log" 2>&1 \
    || { log "storage format failed:"; cat "$RUN/format.log" >&2; exit 1; }
fi

# 3. Start in the background, detached from this shell.
nohup java "${JAVA_OPTS[@]}" -cp "$LIB/*" kafka.Kafka "$RUN/server.properties" >>"$LOG" 2>&1 </dev/null 9>&- &
echo $! > "$PID_FILE"
log "started broker pid $(cat "$PID_FILE"), log $LOG"

# 4. Ready when the client port accepts and a kafkajs admin can list topics.
for _ in $(seq 1 240); do
  if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    log "broker exited during start-up:"; tail -n 40 "$LOG" >&2; exit 1
  fi
  if port_open "$PORT"; then break; fi
  sleep 0.25
done
port_open "$PORT" || { log "broker did not open $BOOTSTRAP within 60 s"; tail -n 40 "$LOG" >&2; exit 1; }
node --no-warnings --input-type=module -e "
import { createRequire } from 'node:module';
const { Kafka, logLevel } = createRequire('$ROOT/package.json')('kafkajs');
const admin = new Kafka({ clientId: 'sluice-kafka-up', brokers: ['$BOOTSTRAP'], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100 } }).admin();
await admin.connect();
await admin.listTopics();
await admin.disconnect();
" || { log "broker is not serving"; tail -n 40 "$LOG" >&2; exit 1; }
log "ready"
echo "$BOOTSTRAP"

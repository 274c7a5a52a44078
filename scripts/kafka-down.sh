#!/usr/bin/env bash
# Stops the broker started by scripts/kafka-up.sh: SIGTERM to its pid (a controlled shutdown),
# waits up to 30 s, then SIGKILL. Its data dir is thrown away on the next kafka-up (unless that
# one runs with SLUICE_KAFKA_KEEP_DATA=1).
set -euo pipefail

VERSION=3.9.1
HOME_DIR="${SLUICE_KAFKA_HOME:-$HOME/.cache/sluice/kafka-$VERSION}"
PORT="${SLUICE_KAFKA_PORT:-9092}"
PID_FILE="$HOME_DIR/run-$PORT/broker.pid"

if [ ! -f "$PID_FILE" ]; then echo "kafka-down: no broker started by kafka-up on port $PORT" >&2; exit 0; fi
PID="$(cat "$PID_FILE")"
if kill -0 "$PID" 2>/dev/null; then
  kill -TERM "$PID"
  for _ in $(seq 1 120); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$PID" 2>/dev/null; then echo "kafka-down: still running after 30 s; SIGKILL" >&2; kill -KILL "$PID"; fi
fi
rm -f "$PID_FILE"
echo "kafka-down: stopped (pid $PID)" >&2

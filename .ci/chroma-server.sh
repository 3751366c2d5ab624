#!/usr/bin/env bash
# A throwaway Chroma server (`chroma run`) on 127.0.0.1 and a free port, for the tests that run the
# store against a server as well as embedded. Sourced by .ci/run:
#
#   source .ci/chroma-server.sh
#   start_chroma_server .venv/bin/chroma   # exports ASSISTANT_TEST_CHROMA_URL
#   ...                                     # stop_chroma_server on exit (the caller's trap)
#
# Run on its own (`bash .ci/chroma-server.sh [CHROMA]`) it starts a server, checks that it answers
# and stops it again: a self-test of this file.

CHROMA_PID=""
CHROMA_ROOT=""

# Wait until the server at $1 answers its heartbeat, at most $2 seconds; fail when it died meanwhile.
wait_for_chroma() {
  local url=$1 deadline=$((SECONDS + $2))
  until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$url/api/v2/heartbeat" >/dev/null 2>&1; do
    if ! kill -0 "$CHROMA_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.3
  done
}

# Start `chroma run` (the command given, default .venv/bin/chroma) with its data in a temporary folder;
# export ASSISTANT_TEST_CHROMA_URL when it answers. Returns non-zero (and prints the server's log) when
# it does not start within 60 seconds.
start_chroma_server() {
  local chroma=${1:-.venv/bin/chroma} port
  CHROMA_ROOT=$(mktemp -d /tmp/ci-chroma.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$chroma" run --path "$CHROMA_ROOT/data" --host 127.0.0.1 --port "$port" >"$CHROMA_ROOT/log" 2>&1 &
  CHROMA_PID=$!
  if ! wait_for_chroma "http://127.0.0.1:$port" 60; then
    echo "chroma run did not answer on 127.0.0.1:$port; its log:" >&2
    cat "$CHROMA_ROOT/log" >&2
    stop_chroma_server
    return 1
  fi
  export ASSISTANT_TEST_CHROMA_URL="http://127.0.0.1:$port"
}

# Stop the server this file started (SIGTERM, then wait for it) and delete its data; safe to call twice.
stop_chroma_server() {
  if [ -n "$CHROMA_PID" ]; then
    kill "$CHROMA_PID" 2>/dev/null || true
    wait "$CHROMA_PID" 2>/dev/null || true
    CHROMA_PID=""
  fi
  if [ -n "$CHROMA_ROOT" ]; then
    rm -rf "$CHROMA_ROOT"
    CHROMA_ROOT=""
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  trap stop_chroma_server EXIT
  start_chroma_server "${1:-.venv/bin/chroma}"
  echo "chroma run answers at $ASSISTANT_TEST_CHROMA_URL (pid $CHROMA_PID); stopping it"
  pid=$CHROMA_PID
  stop_chroma_server
  if kill -0 "$pid" 2>/dev/null; then
    echo "chroma run (pid $pid) is still running" >&2
    exit 1
  fi
  echo "stopped"
fi

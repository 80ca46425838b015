#!/usr/bin/env bash
# API fuzzing: schemathesis (from PyPI) against the built service on the real Cassandra, driven by
# the service's own GET /openapi.json. Fails on any server error (5xx) and on any response whose
# status, content type, headers or body the document does not allow.
#
# Assumes a Cassandra node on 127.0.0.1:9042 (npm run cassandra:start; CI starts one first).
# Knobs: FUZZ_MAX_EXAMPLES (fuzzed cases per operation, default 150: about 6,000 cases over the 33 operations, 1-2 min on 2 cores),
# FUZZ_TIME_LIMIT (seconds before a hung run is interrupted, default 400), FUZZ_SEED (default
# random; schemathesis prints the seed it used), FUZZ_PYTHON (default python3.11, else python3).
# Reports of the last run (JUnit, NDJSON with every request) are in .cache/fuzz-report/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=.cache/fuzz-venv
REPORT_DIR=.cache/fuzz-report
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-150}
TIME_LIMIT=${FUZZ_TIME_LIMIT:-400}
PYTHON=${FUZZ_PYTHON:-$(command -v python3.11 || command -v python3)}

echo "== schemathesis $SCHEMATHESIS_VERSION in $VENV ($("$PYTHON" --version))"
if [[ $("$VENV/bin/schemathesis" --version 2>/dev/null || true) != *" $SCHEMATHESIS_VERSION" ]]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

echo "== build"
npm run --silent build

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
LOG=$(mktemp -t tollgate-fuzz.XXXXXX.log)
echo "== tollgate on $BASE (Cassandra 127.0.0.1:9042, keyspace tollgate_fuzz; log $LOG)"
# ADMIN_TOKEN mounts the admin routes, so POST /v1/accounts is fuzzed too (without the admin token:
# 401). CALLBACK_ALLOWED_HOSTS=127.0.0.1: generated status callback URLs are refused (400) unless
# they point at this machine, so the fuzzer can never make the service call another host.
FUZZ_ADMIN_TOKEN=fuzz-admin-token-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
PORT=$PORT HOST=127.0.0.1 CASSANDRA_CONTACT_POINTS=127.0.0.1 CASSANDRA_KEYSPACE=tollgate_fuzz \
  CASSANDRA_CONNECT_TIMEOUT_MS=30000 LOG_LEVEL=warn ADMIN_TOKEN=$FUZZ_ADMIN_TOKEN CALLBACK_ALLOWED_HOSTS=127.0.0.1 \
  node dist/main.js >"$LOG" 2>&1 &
SERVICE=$!
stop_service() {
  if kill -0 "$SERVICE" 2>/dev/null; then
    kill -TERM "$SERVICE" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVICE" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVICE" 2>/dev/null || true
  fi
  wait "$SERVICE" 2>/dev/null || true
}
trap stop_service EXIT

for i in $(seq 120); do
  if ! kill -0 "$SERVICE" 2>/dev/null; then
    echo "tollgate exited before it answered:"; cat "$LOG"; exit 1
  fi
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz" || true) == 200 ]]; then break; fi
  if [[ $i == 120 ]]; then echo "tollgate's /healthz did not answer 200 within 60 s:"; cat "$LOG"; exit 1; fi
  sleep 0.5
done
echo "GET /healthz: $(curl -s "$BASE/healthz")"

# One account: every request carries its token, and fuzz_hooks.py puts its id (and the sids of a
# call and a conference it made) into about half of the generated paths, so the fuzzing reaches
# the handlers and Cassandra instead of stopping at 403/404.
# The keyspace outlives a run on a developer's machine: a fresh account and destination each time,
# so earlier runs' counts (calls per destination, per account) never refuse this setup.
json_field() { "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }
setup_post() { # path body [auth...]: the JSON answer, or the whole response and exit 1
  local out; out=$(curl -s -w '\n%{http_code}' -X POST "$BASE$1" -H 'content-type: application/json' "${@:3}" -d "$2")
  if [[ ${out##*$'\n'} != 201 ]]; then echo "fuzz setup: POST $1 answered: ${out}" >&2; exit 1; fi
  printf '%s' "${out%$'\n'*}"
}
ACCOUNT=$(setup_post /v1/accounts '{"friendlyName":"fuzz"}' -H "Authorization: Bearer $FUZZ_ADMIN_TOKEN")
FUZZ_ACCOUNT_ID=$(json_field accountId <<<"$ACCOUNT")
FUZZ_AUTH_TOKEN=$(json_field authToken <<<"$ACCOUNT")
DESTINATION="+1415555$(printf '%04d' $((RANDOM % 10000)))"
FUZZ_CALL_SID=$(setup_post "/v1/accounts/$FUZZ_ACCOUNT_ID/calls" "{\"to\":\"$DESTINATION\",\"from\":\"+14155550101\"}" -H "Authorization: Bearer $FUZZ_AUTH_TOKEN" | json_field sid)
FUZZ_CONFERENCE_SID=$(setup_post "/v1/accounts/$FUZZ_ACCOUNT_ID/conferences" '{"friendlyName":"fuzz-room"}' -H "Authorization: Bearer $FUZZ_AUTH_TOKEN" | json_field sid)
export FUZZ_ACCOUNT_ID FUZZ_CALL_SID FUZZ_CONFERENCE_SID
echo "fuzzing as account $FUZZ_ACCOUNT_ID (call $FUZZ_CALL_SID, conference $FUZZ_CONFERENCE_SID)"

# Every check that compares a response with the document, and no 5xx at all. Phases: the
# document's examples, the coverage phase (boundary and negative values, wrong content types,
# methods the document does not declare), then property-based fuzzing of MAX_EXAMPLES cases per
# operation, valid and invalid. fuzz_hooks.py lets the generator also send phone numbers and
# emails the service accepts, so 201s, 429s and Cassandra writes are fuzzed, not only 400s.
# One worker: with two threads, schemathesis 4.32's coverage phase now and then fails inside
# itself (a KeyError in a source cache, CPython's "AST constructor recursion depth mismatch",
# which Python code compiled from two threads at once can hit; cf. schemathesis issue #860 on
# errors with more than one worker). It is the fuzzer's error, not the service's; one worker
# runs the ~6,000 cases in about a minute here.
ARGS=(run "$BASE/openapi.json"
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing
  --mode all
  --max-examples "$MAX_EXAMPLES"
  --header "Authorization: Bearer $FUZZ_AUTH_TOKEN"
  --continue-on-failure
  --workers 1
  --request-timeout 10
  --generation-database none
  --no-color
  --report junit,ndjson --report-dir "$REPORT_DIR")
if [[ -n ${FUZZ_SEED:-} ]]; then ARGS+=(--seed "$FUZZ_SEED"); fi

rm -rf "$REPORT_DIR"
# Failures are kept for `st replay` under .cache/ rather than in ./.schemathesis.
CONFIG=.cache/fuzz-schemathesis.toml
printf '[cache]\ndirectory = "%s"\n' "$PWD/.cache/fuzz-crashes" >"$CONFIG"
echo "== SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH=scripts $VENV/bin/schemathesis --config-file $CONFIG ${ARGS[*]}"
status=0
# The time limit only catches a run that hangs (say, shrinking failures while Cassandra is down);
# SIGINT lets schemathesis still print its summary.
SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH=scripts \
  timeout --signal=INT --kill-after=30 "$TIME_LIMIT" "$VENV/bin/schemathesis" --config-file "$CONFIG" "${ARGS[@]}" || status=$?
if [[ $status == 124 || $status == 137 ]]; then echo "schemathesis did not finish within $TIME_LIMIT s"; fi

# A 5xx already fails a check above; errors the service logged (level error/fatal) fail the run too.
if grep -qE '"level":(50|60)' "$LOG"; then
  echo "== tollgate logged errors:"; grep -E '"level":(50|60)' "$LOG" | head -20
  if [[ $status == 0 ]]; then status=1; fi
fi

stop_service
trap - EXIT
if [[ $status != 0 ]]; then
  echo "== fuzzing FAILED (exit $status; service log $LOG)"
  echo "   replay a failure against a running service: $VENV/bin/schemathesis --config-file $CONFIG replay <Test Case ID>"
  exit "$status"
fi
rm -f "$LOG"
echo "== fuzzing passed"

#!/usr/bin/env bash
# `make bench`: a short, bounded load test of Onward on loopback, next to a bare Flask
# "hello world" served by the same gunicorn settings, so the numbers read as "how much
# slower than Flask + gunicorn alone" rather than as absolutes (wrk shares the machine).
#
# What it does: a temp database (or BENCH_DATABASE_URL) with 365 days of demo data; Onward
# under gunicorn as the Procfile runs it, and scripts/bench_hello.py beside it; sign in with
# curl; wrk against the baseline, Today (GET /), the applications list and one application,
# and the htmx check-in (POST /checkins);
# a table of req/s and p99, each also as a ratio of the baseline; Today's size on the wire.
#
# Settings (environment):
#   BENCH_SECONDS      seconds per wrk run (default 10, at most 300)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 8)
#   BENCH_CHECKIN_DAY  "past" (default): the check-ins go to the last 27 days, so today's list,
#                      which every check-in answer renders, stays as long as a person's;
#                      "today": all of them to today (each answer longer than the last)
#   BENCH_DATABASE_URL e.g. postgresql://localhost/onward_bench; default: SQLite in a temp
#                      dir. A real database keeps the bench user and its check-ins.
#   BENCH_KEEP=1       keep the temp dir (gunicorn logs, wrk output) and print its path
#   WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_CMD_ARGS apply to both servers, as in
#   production.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=.venv/bin
APP="webapp:create_app('production')"
UA="onward-bench/1"

die() { echo "bench: $*" >&2; exit 1; }

int_setting() {  # name value min max
  [[ "$2" =~ ^[0-9]+$ ]] && (( $2 >= $3 && $2 <= $4 )) || die "$1 must be a whole number from $3 to $4 (got '$2')"
}
DURATION=${BENCH_SECONDS:-10}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNECTIONS=${BENCH_CONNECTIONS:-8}
int_setting BENCH_SECONDS "$DURATION" 1 300
int_setting BENCH_THREADS "$WRK_THREADS" 1 16
int_setting BENCH_CONNECTIONS "$WRK_CONNECTIONS" 1 256
CHECKIN_DAY=${BENCH_CHECKIN_DAY:-past}
[[ "$CHECKIN_DAY" == past || "$CHECKIN_DAY" == today ]] || die "BENCH_CHECKIN_DAY is past or today (got '$CHECKIN_DAY')"
(( WRK_CONNECTIONS >= WRK_THREADS )) || die "BENCH_CONNECTIONS must be at least BENCH_THREADS"

for tool in wrk curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install -y $tool)"
done
[ -x "$BIN/gunicorn" ] || die "$BIN/gunicorn is missing; run 'make install-test' first"

# Other work on the machine skews every number (wrk already shares the cores with gunicorn).
read -r LOAD1 _ < /proc/loadavg
if awk -v l="$LOAD1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "bench: WARNING: load average $LOAD1 on $(nproc) cores before starting: something else is running, so read the numbers with care" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onward-bench.XXXXXX")
server_pids=()

running() {  # pid: alive and not a zombie waiting to be reaped
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ "$state" != Z* ]]
}
stop_servers() {  # TERM (gunicorn's graceful stop), then KILL after 5 s
  local pid i
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    for i in $(seq 50); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  server_pids=()
}
cleanup() {
  local status=$?
  stop_servers
  if [ "${BENCH_KEEP:-}" = 1 ]; then
    echo "bench: kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The database: a fresh one, the release step, a year of demo data ---------------------

SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
export SECRET_KEY
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$tmp/bench.db}
# Production settings that must not leak in from the shell: any host is fine on loopback,
# limits stay in memory, and nothing is mailed.
unset PROXY_COUNT
export TRUSTED_HOSTS=127.0.0.1,localhost
export RATELIMIT_STORAGE_URI=memory:// MAIL_BACKEND=log

suffix=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(4))')
EMAIL="bench-$suffix@example.com"   # unique, so a shared BENCH_DATABASE_URL works too
PASSWORD="steady-harbour-$suffix-lantern"

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  echo "bench: using BENCH_DATABASE_URL; the account $EMAIL and its check-ins stay there."
fi
echo "bench: release step (db upgrade) and 365 days of demo data..."
"$BIN/flask" --app "$APP" db upgrade >"$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log" >&2; die "db upgrade failed"; }
# The password goes in the environment of this one command, never on argv, where every
# user on the host could read it in the process list; no stdin, so it can never wait on a prompt.
ONWARD_DEMO_PASSWORD=$PASSWORD "$BIN/flask" --app "$APP" demo-data --email "$EMAIL" --days 365 \
  </dev/null >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log" >&2; die "demo-data failed"; }
sed 's/^/  /' "$tmp/demo.log"

count_checkins() {  # the bench user's check-ins, through the app's own models
  ( BENCH_EMAIL=$EMAIL "$BIN/python" - <<'PY'
import os
from sqlalchemy import func, select
from webapp import create_app
from webapp.extensions import db
from webapp.models import MoodCheckin, User

app = create_app("production")
with app.app_context():
    print(db.session.scalar(
        select(func.count()).select_from(MoodCheckin).join(User, User.id == MoodCheckin.user_id)
        .where(User.email == os.environ["BENCH_EMAIL"])
    ))
PY
  ) | tail -n 1
}

# --- Two servers, same gunicorn config, loopback only -----------------------------------

free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server NAME PORT READY_PATH APP [gunicorn args...]
start_server() {
  local name=$1 port=$2 path=$3 app=$4 i pid
  shift 4
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    die "port $port already serves something: refusing to measure it"
  fi
  # The Procfile's command; --bind keeps it on loopback (the config file binds 0.0.0.0).
  # The config file already sets control_socket_disable; --no-control-socket says so again
  # so no gunicorn.ctl is ever written, whatever the config file becomes.
  "$BIN/gunicorn" --config gunicorn.conf.py --no-control-socket \
    --bind "127.0.0.1:$port" "$@" "$app" >"$tmp/$name.log" 2>&1 &
  pid=$!
  server_pids+=("$pid")
  for i in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$tmp/$name.log" >&2; die "$name server did not start"
    fi
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port$path" && return 0
    sleep 0.1
  done
  tail -n 30 "$tmp/$name.log" >&2
  die "$name server did not answer on port $port within 10 s"
}

APP_PORT=$(free_port)
HELLO_PORT=$(free_port)
while [ "$HELLO_PORT" = "$APP_PORT" ]; do HELLO_PORT=$(free_port); done
echo "bench: starting Onward on 127.0.0.1:$APP_PORT and the baseline on 127.0.0.1:$HELLO_PORT..."
start_server onward "$APP_PORT" /auth/login "$APP"
start_server hello "$HELLO_PORT" / "bench_hello:app" --pythonpath scripts
BASE="http://127.0.0.1:$APP_PORT"

# --- Sign in ------------------------------------------------------------------------------
# Production cookies are `__Host-` and Secure, which curl will not send back over http, so
# the session cookie is read from each response's Set-Cookie and sent as a header.

COOKIE=""
CSRF=""
take_cookie() {  # headers-file: keep the newest __Host-session / __Host-remember values
  local line name value
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ "$line" =~ ^[Ss]et-[Cc]ookie:\ *(__Host-(session|remember))=([^\;]*) ]] || continue
    name=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[3]}
    COOKIE=$(printf '%s' "$COOKIE" | tr ';' '\n' | sed 's/^ *//' | grep -v "^$name=" | paste -sd ';' - || true)
    COOKIE="${COOKIE:+$COOKIE; }$name=$value"
  done <"$1"
  COOKIE=$(printf '%s' "$COOKIE" | sed 's/;\([^ ]\)/; \1/g')
}
take_csrf() {  # html-file
  CSRF=$(sed -n 's/.*<meta name="csrf-token" content="\([^"]*\)".*/\1/p' "$1" | head -n 1)
  [ -n "$CSRF" ] || die "no csrf-token meta tag in $(basename "$1")"
}
# GET a page with the session cookie, as a browser would: sets PAGE_STATUS, updates COOKIE
# (not in a $(...) subshell, or the new cookie would be lost).
PAGE_STATUS=""
get_page() {  # path output-file
  PAGE_STATUS=$(curl -s -A "$UA" -H "Cookie: $COOKIE" -D "$tmp/get.h" -o "$2" -w '%{http_code}' "$BASE$1")
  take_cookie "$tmp/get.h"
}

status=$(curl -s -A "$UA" -D "$tmp/login-get.h" -o "$tmp/login.html" -w '%{http_code}' "$BASE/auth/login")
[ "$status" = 200 ] || die "GET /auth/login answered $status"
take_cookie "$tmp/login-get.h"
take_csrf "$tmp/login.html"
status=$(curl -s -A "$UA" -H "Cookie: $COOKIE" -D "$tmp/login-post.h" -o "$tmp/login-post.html" \
  -w '%{http_code}' --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "csrf_token=$CSRF" "$BASE/auth/login")
[ "$status" = 303 ] || die "POST /auth/login answered $status, not 303 (see $tmp/login-post.html)"
take_cookie "$tmp/login-post.h"
get_page / "$tmp/today.html"
[ "$PAGE_STATUS" = 200 ] || die "Today (GET /) answered $PAGE_STATUS after signing in, not 200"
take_csrf "$tmp/today.html"
echo "bench: signed in as $EMAIL"

# --- wrk ------------------------------------------------------------------------------------

declare -A RPS P99 NON2XX RESTARTS
booted() { grep -c 'Booting worker' "$tmp/$1.log" || true; }
run_wrk() {  # key server url [extra wrk args...]
  local key=$1 server=$2 url=$3 booted_before
  shift 3
  booted_before=$(booted "$server")
  # --timeout 30s (gunicorn's own): wrk leaves slower answers out of the latency figures.
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency -H "User-Agent: $UA" \
    "$url" "$@" >"$tmp/wrk-$key.txt" 2>&1 || { cat "$tmp/wrk-$key.txt" >&2; die "wrk failed on $key"; }
  # gunicorn.conf.py's max_requests recycles workers; a restart shows in p99.
  RESTARTS[$key]=$(( $(booted "$server") - booted_before ))
  RPS[$key]=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk-$key.txt")
  # wrk prints latencies as e.g. 812.00us, 5.12ms or 1.02s: keep milliseconds.
  P99[$key]=$(awk '$1 == "99%" {
      v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
      print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v) }' \
    "$tmp/wrk-$key.txt")
  NON2XX[$key]=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/wrk-$key.txt")
  NON2XX[$key]=${NON2XX[$key]:-0}
  [ -n "${RPS[$key]}" ] && [ -n "${P99[$key]}" ] || { cat "$tmp/wrk-$key.txt" >&2; die "could not read wrk's output for $key"; }
  if grep -q "Socket errors" "$tmp/wrk-$key.txt"; then
    echo "bench: WARNING: $key: $(grep 'Socket errors' "$tmp/wrk-$key.txt" | sed 's/^ *//')" >&2
  fi
  if [ "${NON2XX[$key]}" != 0 ]; then
    echo "bench: WARNING: $key: ${NON2XX[$key]} responses were 4xx/5xx" >&2
  fi
}

echo "bench: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s, five runs..."
run_wrk hello hello "http://127.0.0.1:$HELLO_PORT/"

run_wrk today onward "$BASE/" -H "Cookie: $COOKIE"
# wrk counts a 302 to /auth/login as success: make sure the cookie still signs in.
get_page / "$tmp/today.html"
[ "$PAGE_STATUS" = 200 ] || echo "bench: WARNING: Today answers $PAGE_STATUS after the run, not 200: the numbers may be for a redirect" >&2

# The applications list and one application's page (demo-data gives about sixty, with
# histories and reflections): neither may grow with the size of the search.
get_page /applications "$tmp/applications.html"
[ "$PAGE_STATUS" = 200 ] || die "the applications list answered $PAGE_STATUS, not 200"
DETAIL=$(grep -o 'href="/applications/[0-9][0-9]*"' "$tmp/applications.html" | head -n 1 | sed 's/href="\(.*\)"/\1/')
[ -n "$DETAIL" ] || die "no application on the list to measure"
run_wrk applications onward "$BASE/applications" -H "Cookie: $COOKIE"
run_wrk application onward "$BASE$DETAIL" -H "Cookie: $COOKIE"

# Sizes on the wire, before the check-in run makes today's list long.
size_of() {  # accept-encoding path -> bytes as sent (curl does not decode without --compressed)
  curl -s -A "$UA" -H "Cookie: $COOKIE" ${1:+-H "Accept-Encoding: $1"} -o /dev/null \
    -w '%{size_download}' "$BASE$2"
}
TODAY_BR=$(size_of br /)
TODAY_GZIP=$(size_of gzip /)
TODAY_PLAIN=$(size_of "" /)
checkin_once() {  # accept-encoding -> "status bytes"
  curl -s -A "$UA" -H "Cookie: $COOKIE" -H "X-CSRFToken: $CSRF" -H "HX-Request: true" \
    ${1:+-H "Accept-Encoding: $1"} -o /dev/null -w '%{http_code} %{size_download}\n' \
    --data "mood=4&client_uuid=$("$BIN/python" -c 'import uuid; print(uuid.uuid4())')" "$BASE/checkins"
}
read -r FRAG_STATUS FRAG_PLAIN < <(checkin_once "")
read -r _ FRAG_BR < <(checkin_once br)
[ "$FRAG_STATUS" = 201 ] || die "the htmx check-in answered $FRAG_STATUS, not 201"

# A fresh look at Today first, as a browser tab would have: the newest cookie and token.
get_page / "$tmp/today.html"
[ "$PAGE_STATUS" = 200 ] || die "Today answered $PAGE_STATUS before the check-in run, not 200"
take_csrf "$tmp/today.html"
BEFORE=$(count_checkins)
run_wrk checkin onward "$BASE/checkins" -s scripts/bench_checkin.lua \
  -H "Cookie: $COOKIE" -H "X-CSRFToken: $CSRF" -H "HX-Request: true" -- "$CHECKIN_DAY"
AFTER=$(count_checkins)
CREATED=$(awk '/^checkin-created:/ {print $2}' "$tmp/wrk-checkin.txt")
NOT201=$(awk '/^checkin-not-201:/ {print $2}' "$tmp/wrk-checkin.txt")
NOT201_BY=$(awk '/^checkin-not-201:/ {print $3}' "$tmp/wrk-checkin.txt")
WRITTEN=$((AFTER - BEFORE))

# --- Report ---------------------------------------------------------------------------------

echo
echo "Onward bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (load average $LOAD1 before, $(cut -d' ' -f1 /proc/loadavg) now), wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s"
read -r WORKERS THREADS MAX_REQUESTS < <("$BIN/python" -c 'import runpy
c = runpy.run_path("gunicorn.conf.py")
print(c["workers"], c["threads"], c.get("max_requests", 0))')
echo "Both servers: gunicorn.conf.py, $WORKERS workers x $THREADS threads, max_requests $MAX_REQUESTS${GUNICORN_CMD_ARGS:+, GUNICORN_CMD_ARGS=\"$GUNICORN_CMD_ARGS\"}; database: ${DATABASE_URL%%:*}"
echo
printf '%-28s %9s %9s %14s %12s %9s\n' route "req/s" "p99 ms" "req/s vs base" "p99 vs base" restarts
printf '%-28s %9s %9s %14s %12s %9s\n' ---------------------------- --------- --------- -------------- ------------ ---------
row() {  # label key
  awk -v label="$1" -v rps="${RPS[$2]}" -v p99="${P99[$2]}" -v brps="${RPS[hello]}" \
    -v bp99="${P99[hello]}" -v restarts="${RESTARTS[$2]}" \
    'BEGIN { printf "%-28s %9.0f %9.2f %13.3fx %11.1fx %9d\n", label, rps, p99, rps / brps, p99 / bp99, restarts }'
}
row "baseline: hello (bare Flask)" hello
row "Today: GET /" today
row "Applications: GET list" applications
row "One application: GET" application
row "check-in: POST /checkins" checkin
echo
echo "(wrk sends no Accept-Encoding, so the runs above measure uncompressed answers.)"
echo "Today on the wire: br $TODAY_BR B, gzip $TODAY_GZIP B, uncompressed $TODAY_PLAIN B"
echo "Check-in fragment (htmx, 201): uncompressed $FRAG_PLAIN B, br $FRAG_BR B"
[ "$CHECKIN_DAY" = today ] && SPREAD="all to today" || SPREAD="spread over the last 27 days"
echo "Check-ins ($SPREAD): $CREATED answered 201 in the run, $WRITTEN rows written ($BEFORE -> $AFTER; requests still in flight when wrk stops are written too)"

if [ "${RESTARTS[hello]}" != 0 ]; then
  echo "Note: gunicorn.conf.py's max_requests recycled the baseline's workers ${RESTARTS[hello]} times in its run, which"
  echo "      inflates its p99. For steady-state ratios: GUNICORN_CMD_ARGS='--max-requests 0' make bench"
fi

problems=0
if [ "${NOT201:-0}" != 0 ] || [ "${NON2XX[checkin]}" != 0 ]; then
  echo "bench: WARNING: $NOT201 check-in answers were not 201 (${NOT201_BY:-by status: n/a}); the check-in numbers are not all successful writes" >&2
  problems=1
fi
if [ -z "$CREATED" ] || [ "$WRITTEN" -lt "$CREATED" ] || [ "$CREATED" -eq 0 ]; then
  echo "bench: WARNING: $CREATED check-ins answered 201 but $WRITTEN rows were written" >&2
  problems=1
fi
[ "$problems" = 0 ] || exit 1

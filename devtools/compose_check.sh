#!/usr/bin/env bash
# Checks docker-compose.yml end to end on this machine: builds every image, starts the stack, mints a token
# for a customer inside the dev issuer's container, places an order as that customer on the order API and
# follows it to PAID, to the customer's loyalty points and to a notification (every request with the token),
# then reads the order's trace from Jaeger's query API: the order is sent with a `traceparent` whose trace id the
# check chose, and that one trace must hold spans of order, payment, loyalty and notifications with every parent
# link intact. Prints the image sizes and the timings, and always tears everything down (`down -v`).
#
#   devtools/compose_check.sh          # exit 0: passed or skipped (the reason is printed); 1: failed
#
# Skipped when SKIP_COMPOSE_CHECK=1, or when podman is missing and cannot be installed, or cannot run.
# There is no Docker engine or registry here: podman serves a Docker-compatible API to docker-compose v1
# and the upstream base images (python:3.13-slim, localstack/localstack:4.14.0) are local stand-ins built
# without a registry, with the shared tools in ../shared/tools/containers (SHOP_CONTAINER_TOOLS). So is the
# Jaeger image: a STAND-IN (shop_devtools.compose_standins.jaeger, not Jaeger, no UI) that takes OTLP/HTTP on
# 4318 and answers the two calls of Jaeger's query API the check makes, on 16686; a real Jaeger image, when
# present, is used instead. With Docker, `docker compose up --build` needs none of this.
set -euo pipefail
# netavark, iptables and debootstrap live in the sbin folders, which a CI shell's PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${SHOP_CONTAINER_TOOLS:-$repo/../shared/tools/containers}
project=${COMPOSE_CHECK_PROJECT:-shopcheck}
logs=${COMPOSE_CHECK_LOGS:-$repo/.local/compose-check}
localstack_tag=docker.io/localstack/localstack:4.14.0
jaeger_tag=docker.io/jaegertracing/jaeger:2.19.0
python_tag=docker.io/library/python:3.13-slim
images=(shop-order shop-payment shop-loyalty shop-notifications shop-batch-worker shop-devtools shop-moto)
healthy_within=300 # seconds for every container to be healthy once `up` returns
scenario_within=120 # seconds for an order to be paid, credited and notified
trace_within=60 # seconds more for its trace to be whole in Jaeger (the services export every second)
hc_pid=""
api_pid="" # the podman API service, when this run started it
jaeger_standin=0 # 1: compose runs the Jaeger stand-in
timings=()

say() { printf 'compose-check | %s\n' "$*"; }
skip() {
  say "SKIPPED: $*"
  exit 0
}
fail() {
  say "FAILED: $*"
  exit 1
}
since() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }'; }
timed() { # timed LABEL COMMAND...: runs it and records how long it took; returns its status
  local label=$1 start status=0
  shift
  start=$(date +%s.%N)
  "$@" || status=$?
  timings+=("$label $(since "$start") s")
  return "$status"
}
dc() { timeout "${DC_TIMEOUT:-600}" docker-compose --ansi never -p "$project" -f "$repo/docker-compose.yml" "$@"; }
child=""
interruptible() { # interruptible LOG|- COMMAND...: bash runs a trap only once a foreground command ends,
  local log=$1 status=0 # so wait for a background one instead; its output goes to LOG (`-`: stdout)
  shift
  if [ "$log" = - ]; then "$@" & else "$@" >"$log" 2>&1 & fi
  child=$!
  wait "$child" || status=$?
  child=""
  return "$status"
}
kill_tree() { # a process we started and everything it started, children first
  local pid
  for pid in $(ps -o pid= --ppid "$1"); do kill_tree "$pid"; done
  kill "$1" 2>/dev/null || true
}

[ "${SKIP_COMPOSE_CHECK:-0}" = 1 ] && skip "SKIP_COMPOSE_CHECK=1"
[ -x "$tools/env.sh" ] || skip "the container tools are not at $tools (set SHOP_CONTAINER_TOOLS)"
command -v python3 >/dev/null || skip "python3 is needed to drive the scenario"
mkdir -p "$logs"

install_podman() {
  if command -v podman >/dev/null && command -v docker-compose >/dev/null && command -v debootstrap >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    skip "podman is not installed and cannot be here (install.sh needs root and apt-get)"
  fi
  say "installing podman, runc, debootstrap and docker-compose v1 (apt) ..."
  timeout 900 "$tools/install.sh" >"$logs/install.log" 2>&1 || skip "podman could not be installed (see $logs/install.log)"
}

build_localstack_standin() {
  # Like the upstream image: LocalStack on 0.0.0.0:4566, from the same locked requirements as `make up`.
  local context
  context=$(mktemp -d)
  cp "$repo/devtools/emulators/localstack.txt" "$context/"
  cat >"$context/Containerfile" <<EOF
FROM $python_tag
COPY localstack.txt /tmp/localstack.txt
RUN pip install --no-cache-dir --root-user-action=ignore --require-hashes -r /tmp/localstack.txt && rm /tmp/localstack.txt
# hypercorn: the locked set lacks what the default server needs; no DNS server; no certificate download.
ENV GATEWAY_SERVER=hypercorn GATEWAY_LISTEN=0.0.0.0:4566 OVERRIDE_IN_DOCKER=1 DNS_ADDRESS=0 SKIP_SSL_CERT_DOWNLOAD=1
EXPOSE 4566
CMD ["python", "-m", "localstack.runtime.main"]
EOF
  timeout 900 podman build -q -t "$localstack_tag" "$context" >"$logs/localstack-standin.log" 2>&1
  local status=$?
  rm -rf "$context"
  return $status
}

base_images() {
  if ! podman image exists "$python_tag"; then
    say "building the python:3.13-slim stand-in (debootstrap, a few minutes the first time) ..."
    timeout 1500 "$tools/build-python-base.sh" 3.13 >"$logs/python-base.log" 2>&1 ||
      fail "the python:3.13-slim stand-in did not build (see $logs/python-base.log)"
  fi
  if ! podman image exists "$localstack_tag"; then
    say "building the localstack/localstack:4.14.0 stand-in ..."
    build_localstack_standin || fail "the LocalStack stand-in did not build (see $logs/localstack-standin.log)"
  fi
}

jaeger_image() {
  # The Jaeger image compose runs: the real one when this machine has it, else the stand-in, built again on every
  # run from the devtools image just built (one metadata layer), so it always runs the current stand-in code.
  # (Built through the Docker API, that image is named as Docker names it: docker.io/library/shop-devtools.)
  if podman image exists "$jaeger_tag" &&
    [ "$(podman image inspect --format '{{index .Labels "shop.standin"}}' "$jaeger_tag")" != jaeger ]; then
    say "Jaeger: the real image $jaeger_tag"
    return 0
  fi
  say "Jaeger: building a STAND-IN tagged $jaeger_tag (no registry here to pull Jaeger): not Jaeger and no UI;"
  say "  it takes OTLP/HTTP protobuf on 4318 and answers GET /api/services and /api/traces/{id} on 16686"
  local context status=0
  context=$(mktemp -d)
  cat >"$context/Containerfile" <<EOF
# A stand-in for $jaeger_tag, for the compose check only: see shop_devtools/compose_standins/jaeger.
FROM docker.io/library/shop-devtools:local
LABEL shop.standin=jaeger
ENV JAEGER_LISTEN_HOST=0.0.0.0
EXPOSE 4318 16686
CMD ["python", "-m", "shop_devtools.compose_standins.jaeger"]
EOF
  timeout 300 podman build -q -t "$jaeger_tag" "$context" >"$logs/jaeger-standin.log" 2>&1 || status=$?
  rm -rf "$context"
  [ "$status" = 0 ] && jaeger_standin=1
  return "$status"
}

docker_api() { # like the shared docker-socket.sh, but a service this run starts is stopped by its teardown
  local sock="$PODMAN_HOME/podman.sock"
  export DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_CONNECTION_MODE=docker_host
  api_answers && return
  rm -f "$sock" # a socket left by a service that has ended
  timeout 1800 podman system service --time=0 "$DOCKER_HOST" >"$PODMAN_HOME/service.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
  api_answers || { kill_tree "$api_pid"; skip "podman's Docker API does not answer on $DOCKER_HOST (see $PODMAN_HOME/service.log)"; }
}

api_answers() {
  python3 - "${DOCKER_HOST#unix://}" <<'PY'
import socket, sys
try:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(sys.argv[1])
        s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
        sys.exit(0 if b" 200 " in s.recv(200) else 1)
except OSError:
    sys.exit(1)
PY
}

free_ports() {
  # The order API stays on 8000 unless that is taken; the other published ports get free ones, so the
  # check never holds the ports of a `make start` that another session may be starting on this machine.
  local pair variable default chosen
  for pair in ORDER_PORT:8000 LOYALTY_PORT:0 NOTIFICATIONS_PORT:0 PARTNER_SIM_PORT:0 LOCALSTACK_PORT:0 JAEGER_UI_PORT:0; do
    variable=${pair%%:*}
    default=${!variable:-${pair#*:}}
    chosen=$(python3 - "$default" <<'PY'
import socket, sys
def free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
port = int(sys.argv[1])
if not port or not free(port):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
print(port)
PY
    )
    [ "$default" != 0 ] && [ "$chosen" != "$default" ] && say "port $default is taken: $variable=$chosen for this check"
    export "$variable=$chosen"
  done
}

wait_healthy() {
  local deadline=$((SECONDS + healthy_within)) pending
  while :; do
    # Jaeger has no health check (nothing waits for it): running is enough.
    pending=$(podman ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}}: {{.Status}}' |
      grep -v "_provision_" | grep -v "(healthy)" | grep -v -E "_jaeger_[0-9]+: Up" || true)
    [ -z "$pending" ] && return 0
    if grep -q "Exited" <<<"$pending"; then fail "a container stopped: $pending"; fi
    [ "$SECONDS" -ge "$deadline" ] && fail "not healthy after ${healthy_within} s: $pending"
    sleep 2
  done
}

dns_settled() {
  # podman's aardvark-dns (1.4, Debian 12) stops answering for tens of seconds while containers start, and
  # then LocalStack's one delivery attempt to http://payment:8001 fails on the name (Docker's DNS does not
  # do this). Wait until LocalStack's container resolves `payment` promptly three times in a row.
  local localstack
  localstack=$(podman ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=localstack")
  timeout 120 podman exec "$localstack" python3 -c '
import socket, time
prompt = 0
while prompt < 3:
    started = time.monotonic()
    try:
        socket.getaddrinfo("payment", 8001)
        prompt = prompt + 1 if time.monotonic() - started < 1 else 0
    except OSError:
        prompt = 0
    time.sleep(0.5)
'
}

mint_token() { # mint_token CUSTOMER PHONE: a token of the stack's dev issuer, which mints only for its own host
  local issuer
  issuer=$(podman ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=dev-issuer")
  [ -n "$issuer" ] || return 1
  timeout 60 podman exec "$issuer" python -m shop_devtools token --customer "$1" --phone "$2"
}

scenario() {
  python3 - <<'PY'
"""As the customer of SCENARIO_TOKEN: POST an order (tok_success), poll it to PAID, then wait for its loyalty
points and its notification."""
import json, os, sys, time, urllib.error, urllib.request, uuid

base = {name: f"http://127.0.0.1:{os.environ[variable]}" for name, variable in
        (("order", "ORDER_PORT"), ("loyalty", "LOYALTY_PORT"), ("notifications", "NOTIFICATIONS_PORT"))}
deadline = time.monotonic() + float(os.environ.get("SCENARIO_WITHIN", "60"))

def call(service, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"content-type": "application/json", "authorization": f"Bearer {os.environ['SCENARIO_TOKEN']}",
               **(headers or {})}
    request = urllib.request.Request(base[service] + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.load(response)

def wait_for(what, probe):
    while time.monotonic() < deadline:
        try:
            value = probe()
        except OSError:  # urllib's errors (refused, 404 before the first write ...) are OSErrors
            value = None
        if value:
            return value
        time.sleep(0.3)
    sys.exit(f"scenario: timed out waiting for {what}")

def place(body):
    """POST the order as a careful client: one Idempotency-Key, retried while the answer is 503 (the order API
    may not reach the dev issuer's keys yet while the network's DNS settles); any other refusal is a finding.
    Its `traceparent` names the trace the order is to be traced in, with the check's own span as the parent."""
    traceparent = f"00-{os.environ['SCENARIO_TRACE_ID']}-{os.environ['SCENARIO_CLIENT_SPAN_ID']}-01"
    key = str(uuid.uuid4())
    while time.monotonic() < deadline:
        try:
            return call("order", "/orders", body, {"Idempotency-Key": key, "traceparent": traceparent})
        except urllib.error.HTTPError as error:
            if error.code != 503:
                sys.exit(f"scenario: POST /orders answered {error.code}: {error.read()[:300]!r}")
        except OSError:
            pass
        time.sleep(1)
    sys.exit("scenario: timed out placing the order")

customer, phone = os.environ["SCENARIO_CUSTOMER"], os.environ["SCENARIO_PHONE"]
started = time.monotonic()
status, order = place({
    "customer_id": customer, "currency": "USD", "payment_token": "tok_success",
    "items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "600.00"}], "contact": {"phone": phone}})
assert status == 201 and order["status"] == "PENDING_PAYMENT", (status, order)
order_id = order["order_id"]
print(f"scenario: order {order_id} created ({order['total']} USD) in {time.monotonic() - started:.2f} s,"
      f" trace {os.environ['SCENARIO_TRACE_ID']}")
wait_for("PAID", lambda: call("order", f"/orders/{order_id}")[1]["status"] == "PAID")
print(f"scenario: PAID after {time.monotonic() - started:.1f} s")
account = wait_for("loyalty points", lambda: (lambda a: a if a["points_balance"] >= 1200 else None)(
    call("loyalty", f"/customers/{customer}/loyalty")[1]))
assert account["points_balance"] == 1200, account
print(f"scenario: {account['points_balance']} points credited after {time.monotonic() - started:.1f} s")
sent = wait_for("a notification", lambda: [n for n in call("notifications", f"/customers/{customer}/notifications")[1]
                                           ["notifications"] if n["status"] == "SENT"])
print(f"scenario: notification {sent[0]['template']} SENT by {sent[0]['channel']} to {sent[0]['masked_destination']}"
      f" after {time.monotonic() - started:.1f} s")
PY
}

trace_check() {
  python3 - <<'PY'
"""The order's trace, read from Jaeger's HTTP query API (the stand-in answers the same calls): polled until it
holds spans of order, payment, loyalty and notifications, every CHILD_OF parent is a span of the trace except
the root's (the check's own span, from its traceparent), and no span came in since the previous poll. The last
answer is kept in TRACE_JSON."""
import collections, json, os, sys, time, urllib.error, urllib.request

port, trace_id, client_span = (os.environ[name] for name in ("JAEGER_UI_PORT", "SCENARIO_TRACE_ID", "SCENARIO_CLIENT_SPAN_ID"))
expected = {"order", "payment", "loyalty", "notifications"}
deadline = time.monotonic() + float(os.environ["TRACE_WITHIN"])

def fetch():
    """(the trace or None, why there is none)"""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/traces/{trace_id}", timeout=5) as response:
            return json.load(response)["data"][0], ""
    except urllib.error.HTTPError as error:
        return None, "Jaeger has no such trace" if error.code == 404 else f"Jaeger answered {error.code}"
    except OSError as error:
        return None, f"Jaeger's query API does not answer on port {port} ({error})"

def findings(trace):
    """What keeps the trace from being the order's whole trace; empty when nothing does."""
    service = {span["spanID"]: trace["processes"][span["processID"]]["serviceName"] for span in trace["spans"]}
    parents = {span["spanID"]: [ref["spanID"] for ref in span["references"] if ref["refType"] == "CHILD_OF"]
               for span in trace["spans"]}
    problems = []
    if missing := expected - set(service.values()):
        problems.append(f"no spans of {', '.join(sorted(missing))}")
    if other := [span["spanID"] for span in trace["spans"] if span["traceID"] != trace_id]:
        problems.append(f"spans of another trace: {other}")
    if not any(client_span in ids for ids in parents.values()):
        problems.append("no span continues the check's traceparent (the order API's POST /orders)")
    problems += [f"{service[span]} span {name!r} has no parent in the trace (CHILD_OF {parents[span] or 'nothing'})"
                 for span, name in ((span["spanID"], span["operationName"]) for span in trace["spans"])
                 if not parents[span] or any(p not in service and p != client_span for p in parents[span])]
    return problems

seen = None  # the span count of the previous poll: the trace is judged once no span came in between two polls
while True:
    trace, absent = fetch()
    with open(os.environ["TRACE_JSON"], "w") as saved:
        json.dump(trace, saved, indent=1)
    problems = findings(trace) if trace else [absent]
    if not problems and len(trace["spans"]) == seen:
        break
    if time.monotonic() >= deadline:
        sys.exit(f"trace: {trace_id} is not one whole trace after {os.environ['TRACE_WITHIN']} s: "
                 + ("; ".join(problems) or "spans were still arriving"))
    seen = len(trace["spans"]) if trace else None
    time.sleep(2)
counts = collections.Counter(trace["processes"][span["processID"]]["serviceName"] for span in trace["spans"])
print(f"trace: {trace_id} holds {len(trace['spans'])} spans, every parent link intact: "
      + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
standin = os.environ["JAEGER_STANDIN"] == "1"
print(f"trace: http://localhost:{port}/trace/{trace_id}" + (" (the Jaeger UI; the stand-in of this run has none)" if standin else ""))
PY
}

image_sizes() {
  local base image size
  base=$(podman image inspect --format '{{.Size}}' "$python_tag")
  say "image sizes (python:3.13-slim here is a stand-in of $((base / 1000000)) MB; added = the image's own layers):"
  for image in "${images[@]}" localstack/localstack:4.14.0 "${jaeger_tag#docker.io/}"; do
    size=$(podman image inspect --format '{{.Size}}' "$image:local" 2>/dev/null ||
      podman image inspect --format '{{.Size}}' "$image" 2>/dev/null) || continue
    say "$(printf '  %-32s %5d MB  (added %4d MB)' "$image" $((size / 1000000)) $(((size - base) / 1000000)))"
  done
}

teardown() {
  local status=$?
  trap - EXIT
  set +e
  [ -n "$child" ] && kill_tree "$child" && wait "$child" 2>/dev/null # a step cut short by a signal
  if [ -n "${DOCKER_HOST:-}" ]; then
    [ "$status" != 0 ] && dc ps
    dc logs --no-color --timestamps >"$logs/compose.log" 2>&1 && say "the services' logs: $logs/compose.log"
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    local start
    start=$(date +%s.%N)
    if dc down -v --remove-orphans >"$logs/down.log" 2>&1; then
      timings+=("down -v $(since "$start") s")
    else
      say "docker-compose down -v failed (see $logs/down.log)"
      status=1
    fi
  fi
  if [ -n "$hc_pid" ]; then
    if [ "$(ps -o pgid= -p "$hc_pid" | tr -d ' ')" = "$hc_pid" ]; then kill -- "-$hc_pid" 2>/dev/null; else kill "$hc_pid" 2>/dev/null; fi
  fi
  [ -n "$api_pid" ] && kill_tree "$api_pid"
  [ "${#timings[@]}" -gt 0 ] && say "timings: $(IFS=';'; echo "${timings[*]}" | sed 's/;/, /g')"
  if [ "$status" = 0 ]; then say "passed"; else say "failed (exit $status; logs in $logs)"; fi
  exit "$status"
}

install_podman
# shellcheck source=/dev/null
. "$tools/env.sh"
timeout 60 podman info >"$logs/podman-info.log" 2>&1 || skip "podman cannot run here (see $logs/podman-info.log)"
timed "base images" base_images
docker_api
trap teardown EXIT
trap 'exit 130' INT TERM
free_ports
dc down -v --remove-orphans >/dev/null 2>&1 || true # what an interrupted run may have left

say "building the images (build log: $logs/build.log) ..."
timed "build" interruptible "$logs/build.log" dc build || fail "the images did not build (see $logs/build.log)"
jaeger_image || fail "the Jaeger stand-in did not build (see $logs/jaeger-standin.log)"
image_sizes

# podman has no systemd here to run HEALTHCHECKs: this loop runs them while the stack is up.
HC_FOR=1800 setsid "$tools/hc-driver.sh" >/dev/null 2>&1 </dev/null &
hc_pid=$!

say "starting the stack (order API on 127.0.0.1:$ORDER_PORT) ..."
start=$(date +%s.%N)
interruptible "$logs/up.log" dc up -d || fail "docker-compose up failed (see $logs/up.log)"
timings+=("up -d $(since "$start") s")
wait_healthy
timings+=("all healthy $(since "$start") s")
dc ps

timed "dns settled" interruptible - dns_settled || fail "the compose network's DNS did not settle within 120 s"
export SCENARIO_WITHIN=$scenario_within
SCENARIO_CUSTOMER="compose-check-$(date +%s)-$RANDOM"
SCENARIO_PHONE=+15555550100 # the order's contact, a verified claim of the token
SCENARIO_TOKEN=$(mint_token "$SCENARIO_CUSTOMER" "$SCENARIO_PHONE") || fail "the dev issuer minted no token"
# The trace the order is to be traced in: chosen here, X-Ray style like the services' own (epoch second first).
SCENARIO_TRACE_ID=$(python3 -c 'import secrets, time; print(f"{int(time.time()):08x}{secrets.token_hex(12)}")')
SCENARIO_CLIENT_SPAN_ID=$(python3 -c 'import secrets; print(secrets.token_hex(8))')
export SCENARIO_CUSTOMER SCENARIO_PHONE SCENARIO_TOKEN SCENARIO_TRACE_ID SCENARIO_CLIENT_SPAN_ID
timed "scenario" interruptible - scenario || fail "the end-to-end scenario failed"
export TRACE_WITHIN=$trace_within JAEGER_STANDIN=$jaeger_standin TRACE_JSON=$logs/trace.json
timed "trace" interruptible - trace_check ||
  fail "the order is not one whole trace in Jaeger across order, payment, loyalty and notifications (see $logs/trace.json)"
say "the order's trace as Jaeger's API returned it: $logs/trace.json"

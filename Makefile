# The two commands that matter: `make up` runs the whole system, `make test` runs every test.
# Everything runs through uv in one workspace; devtools/bootstrap.sh finds or installs uv and Python 3.13.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BOOTSTRAP := $(shell devtools/bootstrap.sh 2>/dev/null)
UV := $(patsubst UV=%,%,$(filter UV=%,$(BOOTSTRAP)))
FOUND_PYTHON := $(patsubst UV_PYTHON=%,%,$(filter UV_PYTHON=%,$(BOOTSTRAP)))
ifneq ($(FOUND_PYTHON),)
# A local Python 3.13 was found: use it and never download one.
export UV_PYTHON := $(FOUND_PYTHON)
export UV_PYTHON_DOWNLOADS := never
endif
export PATH := $(dir $(UV)):$(PATH)
RUN := $(UV) run --frozen --all-packages
PYTEST_ARGS ?=

.PHONY: help sync up start stop restart token trace status catalog catalog-check batch tier-cost bench-tiers bench-outbox bench-blackfriday bench-efficiency soak fuzz rotate-payment-key test test-unit lint typecheck provision terraform-check
ORDERS ?= 10000

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

sync: ## install the workspace (locked) into .venv
	@test -n "$(UV)" || { echo "could not find or install uv (see devtools/bootstrap.sh)"; exit 1; }
	$(UV) sync --frozen --all-packages --quiet

up: sync ## run LocalStack, moto, provisioning and all five services in the foreground (Ctrl-C stops)
	$(RUN) python -m shop_devtools up

start: sync ## the same, in the background; returns when everything is healthy
	$(RUN) python -m shop_devtools start

stop: sync ## stop what `make start` started
	$(RUN) python -m shop_devtools stop

token: sync ## a token of the running dev issuer on stdout, nothing else (make -s token CUSTOMER=c-123 [EMAIL=..] [PHONE=..])
	@$(RUN) python -m shop_devtools token --customer "$(CUSTOMER)" $(if $(EMAIL),--email "$(EMAIL)") $(if $(PHONE),--phone "$(PHONE)")

trace: sync ## one order's trace as a waterfall in the terminal, from the spans the running services wrote (make -s trace ORDER=<order_id>)
	@$(RUN) python -m shop_devtools.trace_view --order "$(ORDER)" $(ARGS)

status: sync ## the operator's view of the running `make start`: queues, DLQs, outboxes, runs, payments to reconcile; exit 0 green, 1 amber, 2 red (ARGS=--json)
	@$(RUN) shopctl --local status $(ARGS)

catalog: sync ## regenerate the event catalog (docs/asyncapi.yaml, docs/events.md) from the contracts and the topology
	$(RUN) python -m shop_devtools.catalog write $(ARGS)

catalog-check: sync ## fail when the committed event catalog is stale or a published event version changed incompatibly
	$(RUN) python -m shop_devtools.catalog check

batch: sync ## run one monthly loyalty-tier run and print its summary (ARGS="--as-of 2026-11 --chunk-size 100")
	$(RUN) python -m shop_devtools batch $(ARGS)

tier-cost: sync ## Step Functions transitions and cost of the tier run vs one iteration per customer (ARGS="--customers 1M")
	$(RUN) python -m shop_devtools tier-cost $(ARGS)

bench-tiers: sync ## tier run over generated customers: customers/s and time per phase (ARGS="--customers 100000")
	$(RUN) python -m shop_devtools bench-tiers $(ARGS)

bench-outbox: sync ## outbox backlog drained by 1 and 2 relays vs raw PutEvents, exactly-once check (ARGS="--entries 20000")
	$(RUN) python -m shop_devtools bench-outbox $(ARGS)

bench-blackfriday: sync ## the synchronous baseline vs the event-driven system under open-model load, 4 conditions and a spike; chart and report in .local/bench/
	$(RUN) python -m shop_devtools bench-blackfriday $(ARGS)

bench-efficiency: sync ## each part of the design vs the raw AWS calls it needs (CPU per order, hop latency, SQS rate), and the capacity and cost sheet
	$(RUN) python -m shop_devtools bench-efficiency $(ARGS)

soak: sync ## ORDERS orders at a steady rate under scheduled faults (kill -9, SIGTERM, duplicates, provider errors, a bus outage), then every invariant checked
	$(RUN) python -m shop_devtools soak --orders $(ORDERS) $(ARGS)

fuzz: sync ## schemathesis (--checks all, fixed seed) against every service's OpenAPI document, on a stack of its own (ARGS="--seed 7 --max-examples 50")
	$(RUN) python -m shop_devtools.fuzz $(ARGS)

restart: sync ## stop, kill or restart one process of `make start`/`make up` while the rest run (SERVICE=loyalty SIGNAL=KILL)
	$(RUN) python -m shop_devtools process restart $(SERVICE) --signal $(or $(SIGNAL),TERM)

rotate-payment-key: sync ## new API key for EventBridge -> payment; the old one works 15 more minutes (ARGS=--connection-only)
	$(RUN) python -m shop_devtools rotate-payment-key $(ARGS)

provision: sync ## apply the topology to the running emulators again (idempotent)
	$(RUN) python -m shop_devtools provision

lint: sync ## ruff lint and format check, the import contracts of the architecture (lint-imports), the event catalog
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports --no-cache
	$(RUN) python -m shop_devtools.catalog check

typecheck: sync ## strict mypy over every package, AWS clients typed by the types-aiobotocore / boto3-stubs packages
	$(RUN) mypy shared/src devtools/src services/*/src

test-unit: sync ## only the fast tests (no emulators)
	$(RUN) pytest -m "not integration and not e2e" $(PYTEST_ARGS)

terraform-check: ## offline Terraform checks: fmt, validate and `terraform test` of every module and env, checkov
	infra/terraform/check.sh

test: lint typecheck ## the full suite: lint, strict types, unit, integration and end-to-end tests on the real local runtime, terraform-check
	@$(RUN) pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure"; fi; exit $$status
	infra/terraform/check.sh

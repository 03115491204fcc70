# Citizen Office platform. `make dev` runs the platform, `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_CACHE_DIR ?= $(CURDIR)/.cache/uv
UV := $(shell command -v uv 2>/dev/null || echo .cache/bin/uv)
PY := .venv/bin/python

.PHONY: help
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

.PHONY: venv
venv: ## install the Python workspace (uv, locked)
	@bash deploy/local/ensure-uv.sh
	@$(UV) sync --frozen --all-packages

.PHONY: protos
protos: venv ## regenerate the Python code from protos/
	@$(PY) tools/gen_protos.py

.PHONY: protos-check
protos-check: venv ## fail when the committed generated code is stale
	@$(PY) tools/gen_protos.py --check

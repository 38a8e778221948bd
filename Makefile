# The two commands of the README: `make plan` and `make test`.
# Everything else here is set-up they depend on, done idempotently.
PY ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: plan test venv system-deps lint

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Main job: plan the bundled sample city, write out/plan.json and print a summary.
plan: $(STAMP)
	$(VENV)/bin/govcloud plan

# Test-only system packages and services, installed when missing: every scripts/install-*.sh
# (openssh-server, chromium, CJK fonts, and each service tier's own script).
system-deps:
	set -e; for s in scripts/install-*.sh; do bash "$$s"; done

test: $(STAMP) system-deps
	$(VENV)/bin/python -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy foundation inventory planner stacks playbooks reporting verifier govcloud
